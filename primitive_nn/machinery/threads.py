r"""Threads: how many cores the matrix products use, a run-time setting that no recipe holds.

NumPy hands every matrix product to OpenBLAS, which by default starts one
thread per core and splits each product between them. `--threads N` holds
one run of the train command to N threads: it is a run-time setting, not a
`Recipe` field, and no cache key holds it. `benchmarks/bench_threads.py`
measures what threads buy, quiet and beside a competing process, for every
named recipe.

Threads change the last bits of a float32 result, since each thread adds up
its own share of a product: a run with 1 thread and a run with 2 end with
weights that differ by about $10^{-7}$.
"""

import contextlib

from threadpoolctl import threadpool_limits


@contextlib.contextmanager
def limited(threads=None):
    """Run the block with the BLAS library's pool held to `threads` threads (as it is if None)."""
    if threads is None:
        yield
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield
