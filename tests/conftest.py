"""Shared fixtures: the real MNIST files, when they are here, and one real training run.

Tests marked `mnist` need the four official files, verified, in the cache.
Without them (offline, no npm) they skip, saying how to fetch the data.
`.ci/run` fetches the files first and sets PRIMITIVE_NN_REQUIRE_MNIST=1,
which turns that skip into a failure, so CI cannot pass by skipping.

Tests marked `slow` rerun the book's runs (the default recipe, softmax
regression, the book command at a toy scale, a toy chapter built into the
book) and take minutes on 2 cores; they run only with PRIMITIVE_NN_LONG=1,
which `.ci/run` sets, so that a plain `pytest` stays quick.
"""

import contextlib
import io
import json
import os

import pytest

from primitive_nn import data
from primitive_nn.machinery import fetch

REQUIRE_MNIST = os.environ.get("PRIMITIVE_NN_REQUIRE_MNIST") == "1"
LONG = os.environ.get("PRIMITIVE_NN_LONG") == "1"  # .ci/run sets it: the reruns of the book's runs


@pytest.fixture(scope="session")
def mnist_cache():
    """The cache folder holding the verified MNIST files; skips (or fails in CI) without them."""
    cache = fetch.default_cache_dir()
    missing = [name for name, digest in data.MNIST_FILES.items()
               if not (cache / name).is_file() or fetch.sha256_file(cache / name) != digest]
    if missing:
        reason = (f"MNIST is not in the cache {cache} (missing or damaged: {', '.join(missing)}); "
                  f"fetch it with `python -m primitive_nn.data`, or point ${fetch.CACHE_ENV} at it")
        if REQUIRE_MNIST:
            pytest.fail(reason)
        pytest.skip(reason)
    return cache


@pytest.fixture(autouse=True)
def _needs_mnist(request):
    """Give every test marked `mnist` the `mnist_cache` check; run `slow` ones only when asked."""
    if request.node.get_closest_marker("slow") and not LONG:
        pytest.skip("reruns the book's runs for minutes: set PRIMITIVE_NN_LONG=1 (.ci/run does)")
    if request.node.get_closest_marker("mnist"):
        request.getfixturevalue("mnist_cache")


@pytest.fixture(scope="session")
def default_run(tmp_path_factory, mnist_cache):
    """`python -m primitive_nn.train --out DIR` on real MNIST: (DIR, metrics, what it printed)."""
    from primitive_nn.machinery import train_cli  # here, so that the data tests need none of it

    out, printed = tmp_path_factory.mktemp("default_run"), io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert train_cli.main(["--out", str(out), "--quiet"]) == 0
    return out, json.loads((out / "metrics.json").read_text()), printed.getvalue()
