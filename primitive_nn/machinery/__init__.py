r"""The machinery: everything that is not a chapter.

A chapter module holds a derivation and the functions that implement it.
Everything else a working package needs lives here, out of the chapters'
way: fetching and caching MNIST, explaining bad input files, writing files
safely, running a recipe from start to finish, the command lines and their
printed reports, progress bars, and the figures. None of it is needed to
understand the network, and all of it is needed to use it.

This package's `__init__` imports nothing, so that `python -m
primitive_nn.train` can answer Ctrl-C with one line even while NumPy is
still being imported (`primitive_nn.machinery.launch`).
"""
