"""The lab: runs named by their recipe and data, shared between experiments, cached on disk.

Everything that changes what a run returns is a field of its recipe, so two
runs are shared exactly when their recipes are equal. These tests train
tiny recipes on a fake data set (no download) and count the trainings.
"""

import json
import time
from dataclasses import replace

import numpy as np
import pytest

from primitive_nn.errors import PrimitiveNNError
from primitive_nn.machinery import lab, runs
from primitive_nn.machinery.mnist import MNIST
from primitive_nn.machinery.recipes import Recipe
from primitive_nn.train import Diverged

TINY = Recipe(train_size=0, dev_size=20, epochs=3)


def fake_mnist(m=120, seed=0):
    """Random 'digits' with a 10,000-free test set of 50: enough to train and evaluate."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (m + 50, 784)).astype(np.uint8)
    labels = rng.integers(0, 10, m + 50).astype(np.uint8)
    return MNIST(images[:m], labels[:m], images[m:], labels[m:], {"fake": "0" * 64}, "fake")


@pytest.fixture
def counted(monkeypatch):
    """Count the runs actually trained (not taken from a cache)."""
    trained = []
    real = runs.run

    def run(recipe, mnist, **kwargs):
        trained.append(recipe)
        return real(recipe, mnist, **kwargs)
    monkeypatch.setattr(runs, "run", run)
    return trained


def make_lab(tmp_path, rerun=()):
    return lab.Lab(fake_mnist(), {"seeds": [0]}, tmp_path / "cache", rerun, quiet=True)


def test_a_recipe_is_trained_once_and_then_shared(tmp_path, counted):
    the_lab = make_lab(tmp_path)
    first = the_lab.train(TINY, "a")
    assert the_lab.train(replace(TINY), "the same recipe, made again") is first
    assert len(counted) == 1
    again = make_lab(tmp_path).train(TINY, "a later command")  # from the disk
    assert len(counted) == 1
    assert again.history == first.history and again.dev_accuracy == first.dev_accuracy
    for name in first.params:
        np.testing.assert_array_equal(again.params[name], first.params[name])
        np.testing.assert_array_equal(again.initial_params[name], first.initial_params[name])


# Everything that changes what a run returns is a recipe field; each makes another run.
CHANGES = {
    "a given start": {"he_changes": ("small_first",)},
    "the seed's defects": {"defects": ("scalar_bias",)},
    "recording test accuracy": {"watch_test": True},
    "recording divergence": {"record_divergence": True},
    "the random seed": {"seed": 1},
    "the arithmetic": {"dtype": "float64"},
    "the hidden nonlinearity": {"activation": "tanh"},
    "the loss": {"loss": "squared"},
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES)
def test_runs_that_differ_in_one_setting_are_not_shared(tmp_path, counted, change):
    the_lab = make_lab(tmp_path)
    plain, changed = the_lab.train(TINY, "plain"), the_lab.train(replace(TINY, **change), "changed")
    assert len(counted) == 2 and changed is not plain
    assert the_lab.runs.key(TINY) != the_lab.runs.key(changed.recipe)
    assert make_lab(tmp_path).train(replace(TINY, **change), "from disk").recipe == changed.recipe


def test_each_setting_that_keys_a_run_changes_what_it_returns(tmp_path):
    """Why they must not be shared: each of them changes the run's result."""
    the_lab = make_lab(tmp_path)
    plain = the_lab.train(TINY, "plain")
    started = the_lab.train(replace(TINY, he_changes=("small_first",)), "He's first layer")
    assert not np.array_equal(started.initial_params["W1"], plain.initial_params["W1"])
    defective = the_lab.train(replace(TINY, defects=("scalar_bias",)), "a defect")
    assert np.ptp(defective.params["b1"] - defective.initial_params["b1"]) < 1e-6  # one scalar bias
    assert "test_accuracy" in the_lab.train(replace(TINY, watch_test=True), "watched").history[0]
    assert "test_accuracy" not in plain.history[0]
    wild = replace(TINY, alpha=1e4)
    with pytest.raises(Diverged):
        the_lab.train(wild, "dies")
    assert the_lab.train(replace(wild, record_divergence=True), "recorded").diverged


def test_an_experiment_named_by_rerun_trains_its_runs_again(tmp_path, counted, monkeypatch):
    seen = []
    monkeypatch.setitem(lab.EXPERIMENTS, "toy", lab.Entry(
        "toy", lambda the_lab: (seen.append(the_lab.train(TINY, "toy").dev_accuracy) or {}, {}), "test"))
    make_lab(tmp_path).result("toy")
    make_lab(tmp_path).result("toy")               # the experiment and its run: both cached
    assert len(counted) == 1 and len(seen) == 1
    rerun = make_lab(tmp_path, rerun={"toy"})
    rerun.result("toy")
    assert len(counted) == 2 and seen == seen[:1] * 2  # trained again, to the same result
    rerun.train(TINY, "once per command")
    assert len(counted) == 2


def test_an_experiment_is_charged_for_the_runs_it_took_from_the_disk(tmp_path, counted, monkeypatch):
    """Its seconds estimate a fresh run: a run from the disk costs what it cost when trained."""
    monkeypatch.setitem(lab.EXPERIMENTS, "toy", lab.Entry(
        "toy", lambda the_lab: (the_lab.train(TINY, "toy"), ({}, {}))[1], "test"))
    monkeypatch.setitem(lab.EXPERIMENTS, "later", lab.Entry(
        "later", lambda the_lab: (the_lab.train(TINY, "toy"), ({}, {}))[1], "test"))
    earlier = make_lab(tmp_path)
    earlier.train(TINY, "made by an earlier command")
    entry = earlier.runs.folder / f"{earlier.runs.key(TINY)}.json"
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "wall_seconds": 100.0}))
    the_lab = make_lab(tmp_path)
    assert the_lab.seconds("toy") >= 100   # from the disk: charged what it cost
    assert the_lab.seconds("later") < 100  # shared within the command: charged once
    assert len(counted) == 1


def test_a_run_that_died_is_cached_with_no_parameters(tmp_path, counted):
    wild = replace(TINY, alpha=1e4, record_divergence=True)
    died = make_lab(tmp_path).train(wild, "dies")
    again = make_lab(tmp_path).train(wild, "from disk")
    assert len(counted) == 1 and again.params is None and again.diverged == died.diverged


def test_the_runs_of_a_cached_experiment_stay_charged_to_it(tmp_path, counted, monkeypatch):
    """A later experiment that takes the same run from the disk is not charged for it again."""
    for name in ("toy", "later"):
        monkeypatch.setitem(lab.EXPERIMENTS, name, lab.Entry(
            name, lambda the_lab: (the_lab.train(TINY, "toy"), ({}, {}))[1], "test"))
    make_lab(tmp_path).result("toy")                        # trains, and lists its run
    entry = make_lab(tmp_path).runs.folder / f"{make_lab(tmp_path).runs.key(TINY)}.json"
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "wall_seconds": 100.0}))
    the_lab = make_lab(tmp_path)
    the_lab.result("toy")                                   # from the experiment cache
    assert the_lab.seconds("later") < 100                   # the run was toy's
    assert len(counted) == 1


def test_an_experiment_is_not_charged_for_the_experiments_it_asks_for(tmp_path, monkeypatch):
    monkeypatch.setitem(lab.EXPERIMENTS, "inner", lab.Entry(
        "inner", lambda the_lab: (time.sleep(0.3), ({}, {}))[1], "test"))
    monkeypatch.setitem(lab.EXPERIMENTS, "outer", lab.Entry(
        "outer", lambda the_lab: (the_lab.result("inner"), ({}, {}))[1], "test"))
    the_lab = make_lab(tmp_path)
    assert the_lab.seconds("inner") >= 0.25
    assert the_lab.seconds("outer") < 0.2


def test_a_lab_with_only_runs_those_experiments_what_they_ask_for_and_what_is_cached(
        tmp_path, counted, monkeypatch):
    for name, asks in (("inner", None), ("outer", "inner"), ("other", None), ("cached", None)):
        monkeypatch.setitem(lab.EXPERIMENTS, name, lab.Entry(
            name, lambda the_lab, asks=asks: (asks and the_lab.result(asks), ({}, {}))[1], "test"))
    make_lab(tmp_path).result("cached")
    the_lab = lab.Lab(fake_mnist(), {"seeds": [0]}, tmp_path / "cache", quiet=True, only={"outer"})
    the_lab.result("outer")                                  # and inner, which it asks for
    the_lab.result("cached")                                 # from the disk
    assert the_lab.done() == ["inner", "outer", "cached"]
    with pytest.raises(lab.NotRegenerated, match="experiment other"):
        the_lab.result("other")
    with pytest.raises(lab.NotRegenerated, match="the run 'outside'"):
        the_lab.train(TINY, "outside")                       # outside an experiment: not trained
    assert counted == []
    make_lab(tmp_path).train(TINY, "an earlier command's run")
    assert the_lab.train(TINY, "from the disk").recipe == TINY and len(counted) == 1


def test_train_all_trains_the_missing_runs_in_processes_and_changes_no_number(tmp_path, counted):
    wanted = [(replace(TINY, seed=s), f"seed {s}") for s in range(3)]
    alone = make_lab(tmp_path / "one at a time").train_all(wanted)
    assert len(counted) == 3
    two = lab.Lab(fake_mnist(), {"seeds": [0]}, tmp_path / "two", quiet=True, jobs=2)
    two.train(wanted[0][0], "trained here first")
    together = two.train_all(wanted)
    assert len(counted) == 4                                  # the other two: in the workers
    for a, b in zip(alone, together):
        assert a.recipe == b.recipe and a.history == b.history and a.test_accuracy == b.test_accuracy
        for name in a.params:
            np.testing.assert_array_equal(a.params[name], b.params[name])
    assert all(two.runs.has(recipe) for recipe, _ in wanted)  # cached as train caches them
    assert two.train_all(wanted)[1] is together[1] and len(counted) == 4


def test_runs_trained_in_processes_are_charged_once_as_trained_here(tmp_path, monkeypatch):
    wanted = [(replace(TINY, seed=s), f"seed {s}") for s in range(3)]
    two = lab.Lab(fake_mnist(), {"seeds": [0]}, tmp_path / "two", quiet=True, jobs=2)
    monkeypatch.setitem(lab.EXPERIMENTS, "batch", lab.Entry(
        "batch", lambda the_lab: (the_lab.train_all(wanted), ({}, {}))[1], "test"))
    two.result("batch")
    assert two._loaded == {} and len(two._fresh) == 3         # not charged again as if from the disk


_RUNS_FOLDER = None  # set by the test before the workers fork, so they inherit it


def _train_all_but_seed_1(recipe):
    """A worker's run, except that seed 1 fails once seed 0 is on disk (module level: it pickles)."""
    if recipe.seed == 1:
        for _ in range(600):                                  # at most a minute, on a busy machine
            if any(_RUNS_FOLDER.glob("*.json")):
                break
            time.sleep(0.1)
        raise PrimitiveNNError("cut short")
    return runs.run(recipe, lab._MNIST, quiet=True)


def test_a_batch_cut_short_keeps_the_runs_that_finished(tmp_path, monkeypatch):
    monkeypatch.setattr(lab, "_train_one", _train_all_but_seed_1)
    monkeypatch.setitem(globals(), "_RUNS_FOLDER", tmp_path / "two" / "runs")
    two = lab.Lab(fake_mnist(), {"seeds": [0]}, tmp_path / "two", quiet=True, jobs=2)
    with pytest.raises(PrimitiveNNError, match="cut short"):
        two.train_all([(replace(TINY, seed=s), f"seed {s}") for s in (0, 1)])
    assert two.runs.has(replace(TINY, seed=0)) and not two.runs.has(replace(TINY, seed=1))


def test_a_run_that_fails_in_a_worker_raises_one_line(tmp_path):
    wild = replace(TINY, alpha=1e4)                           # diverges, and does not record it
    two = lab.Lab(fake_mnist(), {"seeds": [0]}, tmp_path / "cache", quiet=True, jobs=2)
    with pytest.raises(PrimitiveNNError, match="training diverged") as raised:
        two.train_all([(wild, "wild"), (replace(wild, seed=1), "wild too")])
    assert "\n" not in str(raised.value)
