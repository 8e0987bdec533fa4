"""Shared fixtures: one real training run of the default recipe, made once per session."""

import json

import pytest

from primitive_nn import train


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """`python -m primitive_nn.train --out DIR` on real MNIST: (DIR, metrics)."""
    out = tmp_path_factory.mktemp("default_run")
    assert train.main(["--out", str(out), "--quiet"]) == 0
    return out, json.loads((out / "metrics.json").read_text())
