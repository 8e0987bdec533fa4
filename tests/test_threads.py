"""The thread policy: every command's matrix products on `threads.DEFAULT` threads, `--threads` for more.

The BLAS pool's size is read back with threadpoolctl while the command runs,
so these tests fail if a command forgets the limit or `--threads` is ignored.
"""

import pytest
from threadpoolctl import threadpool_info

from primitive_nn.machinery import cli, runs, threads, train_cli
from helpers import write_csv


def blas_threads():
    """The thread count of every BLAS library NumPy loaded (one, for the usual wheel)."""
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_the_default_is_one_thread():
    assert threads.DEFAULT == 1
    with threads.limited():
        assert blas_threads() == {1}


@pytest.mark.parametrize("wanted", [1, 2, 3])
def test_limited_holds_the_pool_and_gives_it_back(wanted):
    before = blas_threads()
    with threads.limited(wanted):
        assert blas_threads() == {wanted}
    assert blas_threads() == before


def test_every_command_runs_on_the_default_threads():
    seen = []

    @cli.command
    def main(argv=None):
        seen.append(blas_threads())
        return 0

    with threads.limited(2):  # whatever the caller had, the command uses DEFAULT
        assert main([]) == 0
    assert seen == [{threads.DEFAULT}]


@pytest.mark.parametrize("option, expected", [([], 1), (["--threads", "2"], 2)])
def test_the_train_command_trains_on_the_threads_it_is_given(tmp_path, monkeypatch, option,
                                                               expected):
    seen = []
    real = runs._run

    def spy(*args, **kwargs):
        seen.append(blas_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(runs, "_run", spy)
    csv = write_csv(tmp_path / "tiny.csv", rows=60)
    assert train_cli.main(["--data", str(csv), "--dev-size", "10", "--iterations", "2",
                           "--quiet", *option]) == 0
    assert seen == [{expected}]
