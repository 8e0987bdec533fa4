"""Ensembles: what averaging guarantees, and how the package trains and reports one."""

import json
from dataclasses import replace

import numpy as np
import pytest

from primitive_nn.ensemble import ambiguity, average, squared_error
from primitive_nn.errors import TrainingError
from primitive_nn.loss import one_hot, softmax
from primitive_nn.machinery import runs, train_cli
from primitive_nn.machinery.files import load_model
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.machinery.recipes import Recipe, validate

from helpers import write_csv


def members_and_labels(seed, K=3, m=200, scale=3.0):
    """K members' softmax columns on m digits, (K, 10, m), and labels."""
    rng = np.random.default_rng(seed)
    P = np.stack([softmax(scale * rng.standard_normal((10, m))) for _ in range(K)])
    return P, rng.integers(0, 10, m)


def cross_entropy(A, labels):
    return float(-np.log(A[labels, np.arange(len(labels))]).mean())


@pytest.mark.parametrize("seed", range(5))
def test_the_average_is_a_column_of_probabilities(seed):
    P, _ = members_and_labels(seed)
    np.testing.assert_allclose(average(P).sum(axis=0), 1.0)
    assert np.all(average(P) >= P.min(axis=0)) and np.all(average(P) <= P.max(axis=0))


@pytest.mark.parametrize("seed", range(5))
def test_the_ensemble_loss_is_at_most_the_members_mean_digit_by_digit(seed):
    P, labels = members_and_labels(seed)
    each = -np.log(P[:, labels, np.arange(len(labels))])             # (K, m)
    ensemble = -np.log(average(P)[labels, np.arange(len(labels))])   # (m,)
    assert np.all(ensemble <= each.mean(axis=0) + 1e-12)              # Jensen, per digit
    assert cross_entropy(average(P), labels) < np.mean([cross_entropy(p, labels) for p in P])


def test_members_that_agree_make_an_ensemble_of_one():
    P, labels = members_and_labels(0, K=1)
    same = np.repeat(P, 4, axis=0)
    np.testing.assert_allclose(average(same), P[0])
    assert ambiguity(same) == 0.0
    assert cross_entropy(average(same), labels) == pytest.approx(cross_entropy(P[0], labels))


@pytest.mark.parametrize("seed", range(5))
def test_the_squared_error_is_the_members_mean_less_their_ambiguity(seed):
    P, labels = members_and_labels(seed, K=4)
    Y = one_hot(labels, 10, np.float64)
    members = np.mean([squared_error(p, Y) for p in P])
    assert ambiguity(P) > 0
    assert squared_error(average(P), Y) == pytest.approx(members - ambiguity(P), rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_the_ensemble_is_right_wherever_every_member_is(seed):
    P, labels = members_and_labels(seed, scale=1.0)
    answers = P.argmax(axis=1)                                      # (K, m)
    all_right = np.all(answers == labels, axis=0)
    assert np.all(average(P).argmax(axis=0)[all_right] == labels[all_right])


def test_where_two_disagree_the_surer_member_decides():
    P = np.array([[[0.9], [0.1]], [[0.4], [0.6]]])                  # class 0 at 0.9, class 1 at 0.6
    assert average(P).argmax(axis=0).tolist() == [0]


# ---------------------------------------------------------------- training members


@pytest.fixture
def mnist(tmp_path):
    return load_mnist(write_csv(tmp_path / "train.csv"))


def test_members_share_the_split_and_differ_in_everything_after_it(mnist):
    recipe = Recipe(seed=4, epochs=5, dev_size=10)
    first, second = (runs.run(replace(recipe, member=k), mnist) for k in (0, 1))
    plain = runs.run(recipe, mnist)
    assert all(np.array_equal(first.params[k], plain.params[k]) for k in plain.params)
    assert not np.array_equal(first.initial_params["W1"], second.initial_params["W1"])
    _, _, X_dev, _ = runs.split(recipe, mnist)
    _, _, X_dev_1, _ = runs.split(replace(recipe, member=1), mnist)
    np.testing.assert_array_equal(X_dev, X_dev_1)                     # the same dev digits


def test_an_ensemble_run_averages_its_members_probabilities(mnist):
    recipe = Recipe(seed=1, epochs=20, alpha=0.5, init="he", dev_size=20, members=3)
    result = runs.run(recipe, mnist)
    assert [m.recipe.member for m in result.members] == [0, 1, 2]
    assert result.wall_seconds == pytest.approx(sum(m.wall_seconds for m in result.members))
    _, _, X_dev, y_dev = runs.split(recipe, mnist)
    P = np.stack([runs.probabilities(m.params, X_dev, recipe) for m in result.members])
    assert result.dev_accuracy == np.mean(average(P).argmax(axis=0) == y_dev)
    assert result.params is None and result.history == []


def test_one_network_of_an_ensemble_or_all_of_them_not_both():
    with pytest.raises(TrainingError, match="--member trains one network"):
        validate(Recipe(members=2, member=1))
    with pytest.raises(TrainingError, match="--members"):
        validate(Recipe(members=0))


def run_cli(capsys, *args):
    code = train_cli.main([*map(str, args), "--quiet"])
    return code, capsys.readouterr()


def test_the_train_command_trains_reports_and_saves_every_member(tmp_path, capsys):
    csv, out = write_csv(tmp_path / "train.csv"), tmp_path / "run"
    code, printed = run_cli(capsys, "--data", csv, "--dev-size", 10, "--iterations", 20,
                            "--members", 2, "--out", out)
    assert code == 0, printed.err
    assert "2 members averaged" in printed.out and "member 2 alone: train" in printed.out
    assert "for the members' training loops together" in printed.out
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["members"] == 2 and [m["seed"] for m in metrics["member_runs"]] == [0, 0]
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "model-1.npz", "model-2.npz"]
    first = load_model(out / "model-1.npz")
    assert first["W1"].shape == (10, 784)
    code, printed = run_cli(capsys, "--data", csv, "--dev-size", 10, "--iterations", 2, "--out", out)
    assert code != 0 and "model-1.npz, model-2.npz" in printed.err   # not overwritten unasked
    code, printed = run_cli(capsys, "--data", csv, "--dev-size", 10, "--iterations", 2, "--out", out,
                            "--overwrite")
    assert code == 0 and sorted(p.name for p in out.iterdir()) == ["metrics.json", "model.npz"]


def test_show_draws_one_network_so_it_refuses_an_ensemble(tmp_path, capsys):
    code, printed = run_cli(capsys, "--data", write_csv(tmp_path / "train.csv"), "--dev-size", 10,
                            "--members", 2, "--show", 0)
    assert code != 0 and "--members trains several" in printed.err


def test_seeds_summarize_ensembles_too(tmp_path, capsys):
    code, printed = run_cli(capsys, "--data", write_csv(tmp_path / "train.csv"), "--dev-size", 10,
                            "--iterations", 3, "--members", 2, "--seeds", "0-1")
    assert code == 0, printed.err
    assert "corrected over 2 seeds" in printed.out and "final dev" in printed.out
