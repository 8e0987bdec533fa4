r"""Threads: how many cores the matrix products use, a run-time setting that no recipe holds.

NumPy hands every matrix product to OpenBLAS, which by default starts one
thread per core and splits each product between them. Every command of the
package runs its products on `DEFAULT` threads instead, one, for two
reasons that `benchmarks/bench_threads.py` measures for every named recipe
(the ladder page quotes the measurements):

* On a quiet 2-core machine a second thread pays where the products are
  large (the full-batch recipes, the wide networks), by a third at most.
  But when another process wants a core, each product waits for its slower
  half, whose thread shares a core with that process: beside one busy
  loop, two threads took several times the quiet time, one thread not
  half as much again.
* Threads change the last bits of a float32 result, since each thread adds
  up its own share of a product: a run with 1 thread and a run with 2 end
  with weights that differ by about $10^{-7}$. With one thread, whatever the
  number of cores, a reader's run repeats the book's to the printed
  decimals, given the same NumPy on the same kind of processor (BLAS
  picks its kernels by processor).

`python -m primitive_nn.train --threads N` trades that for speed in one run:
it is a run-time setting, not a `Recipe` field, and no cache key holds it.
"""

import contextlib

from threadpoolctl import threadpool_limits

DEFAULT = 1  # threads for the matrix products of every command, the book's runs included


@contextlib.contextmanager
def limited(threads=None):
    """Run the block with the BLAS library's pool held to `threads` threads (`DEFAULT` if None)."""
    with threadpool_limits(limits=threads or DEFAULT, user_api="blas"):
        yield
