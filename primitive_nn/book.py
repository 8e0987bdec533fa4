r"""`python -m primitive_nn.book`: rerun the book's experiments (machinery, see the appendix).

The command lives in `primitive_nn.machinery.book`; this module only starts
it, so that the command keeps its short name.
"""

if __name__ == "__main__":
    from primitive_nn.machinery.launch import launch

    raise SystemExit(launch("book"))
