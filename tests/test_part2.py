"""Part II: optimizers, schedules, mini-batches, regularization, augmentation, initialization, recipes."""

import json
from dataclasses import fields, replace

import numpy as np
import pytest
from helpers import central_differences

from primitive_nn import data, gradcheck
from primitive_nn.architecture import count_params, multiply_adds_per_example
from primitive_nn.augmentation import (bilinear, gaussian_matrix, random_affine, random_elastic,
                                       random_shift, with_elastic)
from primitive_nn.initialization import CHANGES, ablation_start, measured_std, predicted_std
from primitive_nn.loss import one_hot
from primitive_nn.machinery import runs, train_cli
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.machinery.recipes import RECIPES, Recipe, option, validate
from primitive_nn.minibatch import fit, minibatches
from primitive_nn.network import backward, forward, init_params
from primitive_nn.optimizers import adam_step, init_state, momentum_step, sgd_step
from primitive_nn.regularization import (dropout_backward, dropout_forward, l2_penalty,
                                         stopping_epoch, with_weight_decay)
from primitive_nn.schedules import constant, cosine, step_decay
from primitive_nn.train import Diverged, train

from helpers import write_csv

rng = np.random.default_rng(2024)


def problem(sizes=(6, 5, 4), m=8, seed=0):
    r = np.random.default_rng(seed)
    params = init_params(list(sizes), r, "he")
    return params, r.random((sizes[0], m)), one_hot(r.integers(0, sizes[-1], m), sizes[-1])


def numerical(total_loss, params, eps=1e-5):
    """Central differences of `total_loss(params)` for every entry of every parameter."""
    return {"d" + name: central_differences(lambda q, name=name: total_loss({**params, name: q}), p, eps)
            for name, p in params.items()}


def assert_close_gradients(analytic, numeric):
    for name, n in numeric.items():
        a = analytic[name]
        error = np.max(np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-8))
        assert error <= 1e-6, (name, error)


# ---------------------------------------------------------------- optimizers


def test_optimizers_are_pure_and_momentum_zero_is_sgd():
    params, X, Y = problem()
    grads = backward(params, forward(params, X), Y)
    before = {k: v.copy() for k, v in params.items()}
    _, sgd = sgd_step({"t": 0}, params, grads, 0.1)
    _, mom = momentum_step(init_state(params), params, grads, 0.1, beta=0.0)
    for name in params:
        np.testing.assert_array_equal(params[name], before[name])  # inputs untouched
        np.testing.assert_allclose(sgd[name], mom[name])


def test_momentum_velocity_is_the_geometric_sum_of_past_gradients():
    params = {"w": np.zeros(3)}
    state = init_state(params)
    gradients = [rng.normal(size=3) for _ in range(6)]
    for g in gradients:
        state, params = momentum_step(state, params, {"dw": g}, alpha=0.01, beta=0.8)
    expected = sum(0.8 ** (5 - k) * g for k, g in enumerate(gradients))
    np.testing.assert_allclose(state["vw"], expected)


def test_adam_bias_correction_makes_the_average_unbiased():
    params, g = {"w": np.zeros(2)}, {"dw": np.array([2.0, -3.0])}
    state = init_state(params, ("m", "s"))
    for _ in range(5):  # a constant gradient: the corrected averages equal it exactly
        state, params = adam_step(state, params, g, alpha=0.001)
    t = state["t"]
    np.testing.assert_allclose(state["mw"] / (1 - 0.9 ** t), g["dw"])
    np.testing.assert_allclose(state["sw"] / (1 - 0.999 ** t), g["dw"] ** 2)


# ---------------------------------------------------------------- schedules


def test_schedules_start_end_and_warm_up():
    assert cosine(0, 100, 0.5) == 0.5 and cosine(100, 100, 0.5) == pytest.approx(0)
    assert [cosine(t, 100, 0.5, warmup=4) for t in range(4)] == [0.125, 0.25, 0.375, 0.5]
    assert cosine(52, 100, 0.5, warmup=4) == pytest.approx(0.25)  # halfway after the warm-up
    assert {step_decay(t, 90, 1.0) for t in range(30)} == {1.0}
    assert constant(57, 100, 0.3) == 0.3


# ---------------------------------------------------------------- mini-batches


def test_minibatches_cover_every_example_once_and_reshuffle():
    r = np.random.default_rng(0)
    first, second = minibatches(103, 10, r), minibatches(103, 10, r)
    for batches in (first, second):
        assert sorted(np.concatenate(batches).tolist()) == list(range(103))
        assert [len(b) for b in batches] == [10] * 10 + [3]
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))


def test_fit_with_one_full_batch_is_full_batch_gradient_descent():
    params, X, Y = problem(m=12)
    labels = Y.argmax(axis=0)
    reference, _ = train(params, X, labels, alpha=0.3, iterations=5)
    fitted, history = fit(params, X, labels, epochs=5, batch_size=12, alpha=0.3,
                          rng=np.random.default_rng(0))
    for name in params:
        np.testing.assert_allclose(fitted[name], reference[name], rtol=1e-10, atol=1e-12)
    assert [h["epoch"] for h in history] == [1, 2, 3, 4, 5]


def test_fit_stops_a_run_that_runs_away():
    params, X, Y = problem(m=40)
    with pytest.raises(Diverged, match=r"step \d+ \(epoch 1\) with alpha=1e\+06"):
        fit(params, X, Y.argmax(axis=0), epochs=3, batch_size=8, alpha=1e6,
            rng=np.random.default_rng(0))


# ---------------------------------------------------------------- gradient checks of the new pieces


@pytest.mark.parametrize("sizes", [(6, 5, 4), (7, 6, 5, 4, 3)])
def test_weight_decay_gradient_matches_central_differences(sizes):
    params, X, Y = problem(sizes)
    lam = 0.3
    total = lambda p: gradcheck.loss(p, X, Y) + l2_penalty(p, lam)  # noqa: E731
    analytic = with_weight_decay(backward, lam)(params, forward(params, X), Y)
    assert_close_gradients(analytic, numerical(total, params))


def test_dropout_gradient_matches_central_differences_with_the_mask_fixed():
    params, X, Y = problem((6, 5, 5, 4))
    r = np.random.default_rng(3)  # nonzero biases: a column dropped to 0 must not sit on a corner
    params = {k: v + 0.1 * r.standard_normal(v.shape) if k[0] == "b" else v for k, v in params.items()}
    cache_for = lambda p: dropout_forward(p, X, 0.4, np.random.default_rng(7))  # noqa: E731
    total = lambda p: float(-(Y * np.log(cache_for(p)["A3"])).sum() / X.shape[1])  # noqa: E731
    analytic = dropout_backward(params, cache_for(params), Y)
    assert_close_gradients(analytic, numerical(total, params))


def test_dropout_mask_is_unbiased():
    params = {"W1": np.eye(50), "b1": np.zeros((50, 1)), "W2": np.ones((2, 50)), "b2": np.zeros((2, 1))}
    for p in (0.1, 0.5, 0.8):
        A = dropout_forward(params, np.ones((50, 4000)), p, np.random.default_rng(1))["A1"]
        assert abs(A.mean() - 1.0) < 0.02, p
        assert set(np.unique(A).round(6)) <= {0.0, round(1 / (1 - p), 6)}


def test_weight_decay_leaves_biases_alone_and_stopping_epoch():
    params = {"W1": np.ones((2, 2)), "b1": np.ones((2, 1))}
    zero = lambda p, c, y: {"dW1": np.zeros((2, 2)), "db1": np.zeros((2, 1))}  # noqa: E731
    grads = with_weight_decay(zero, 0.5)(params, None, None)
    assert grads["dW1"].tolist() == [[0.5, 0.5], [0.5, 0.5]] and not grads["db1"].any()
    history = [{"epoch": e, "dev_loss": v} for e, v in enumerate([3, 2, 1, 2, 2, 2, 0.5], 1)]
    assert stopping_epoch(history, patience=3) == (3, 6)
    assert stopping_epoch(history, patience=10) == (7, 7)


# ---------------------------------------------------------------- augmentation


def digit_columns(n=5, seed=0):
    """Random blobs well inside the frame, as columns."""
    r = np.random.default_rng(seed)
    images = np.zeros((n, 28, 28))
    images[:, 8:20, 8:20] = r.random((n, 12, 12))
    return images.reshape(n, 784).T


def test_random_shift_moves_whole_images_within_the_margin():
    X = digit_columns()
    out = random_shift(X, np.random.default_rng(3))
    np.testing.assert_allclose(out.sum(axis=0), X.sum(axis=0))  # nothing fell off the edge
    for j in range(X.shape[1]):
        image, shifted = X[:, j].reshape(28, 28), out[:, j].reshape(28, 28)
        matches = [(dr, dc) for dr in range(-2, 3) for dc in range(-2, 3)
                   if np.array_equal(np.roll(image, (dr, dc), axis=(0, 1)), shifted)]
        assert len(matches) == 1


def test_bilinear_is_exact_on_a_plane():
    r_grid, c_grid = np.mgrid[0:28, 0:28]
    plane = (1.0 + 0.5 * r_grid - 0.25 * c_grid)[None]                   # (1, 28, 28)
    r = np.random.default_rng(0).uniform(0, 27, (1, 28, 28))
    c = np.random.default_rng(1).uniform(0, 27, (1, 28, 28))
    np.testing.assert_allclose(bilinear(plane, r, c), 1.0 + 0.5 * r - 0.25 * c)


def test_random_affine_keeps_the_ink_roughly():
    X = digit_columns()
    out = random_affine(X, np.random.default_rng(0))
    assert out.shape == X.shape and out.dtype == X.dtype
    ratio = out.sum(axis=0) / X.sum(axis=0)
    assert np.all((ratio > 0.7) & (ratio < 1.4))  # a scaling by at most 10% changes the area by ~20%


def test_gaussian_matrix_smooths_as_the_double_sum_says():
    """G U G^T is the 2-D Gaussian smoothing, with zeros beyond the field."""
    sigma, n = 1.5, 9
    U = np.random.default_rng(0).uniform(-1, 1, (n, n))
    whole = np.arange(-(n - 1), n)
    g = lambda d: np.exp(-d ** 2 / (2 * sigma ** 2)) / np.exp(-whole ** 2 / (2 * sigma ** 2)).sum()
    direct = np.array([[sum(g(i - k) * g(j - l) * U[k, l] for k in range(n) for l in range(n))
                        for j in range(n)] for i in range(n)])
    G = gaussian_matrix(sigma, n)
    np.testing.assert_allclose(G @ U @ G.T, direct, atol=1e-14)


def test_random_elastic_moves_pixels_by_a_pixel_or_two_and_bends_smoothly():
    rng = np.random.default_rng(0)
    X = digit_columns(n=40)
    out = random_elastic(X, rng)
    assert out.shape == X.shape and out.dtype == X.dtype and not np.allclose(out, X)
    ratio = out.sum(axis=0) / X.sum(axis=0)  # the field stretches and squeezes, locally
    assert np.all((ratio > 0.5) & (ratio < 1.6))
    # A single lit pixel: distorted, it lands a pixel or two from where it was.
    dot = np.zeros((784, 200)); dot[14 * 28 + 14] = 1.0
    moved = random_elastic(dot, np.random.default_rng(1))
    r, c = np.divmod(moved.argmax(axis=0), 28)
    distance = np.hypot(r - 14, c - 14)
    assert np.median(distance) <= 3 and distance.max() <= 8


def test_elastic_distortions_shred_with_a_small_sigma():
    """Neighbouring pixels move alike at sigma = 4: the field is smooth; at sigma = 0.5 it is noise."""
    U = np.random.default_rng(2).uniform(-1, 1, (28, 28))
    def roughness(sigma):
        d = 34 * gaussian_matrix(sigma) @ U @ gaussian_matrix(sigma).T
        return np.abs(np.diff(d[6:22, 6:22], axis=1)).mean() / np.abs(d[6:22, 6:22]).mean()
    assert roughness(4.0) < 0.2 < 1.0 < roughness(0.5)


def test_with_elastic_distorts_after_the_recipes_augmentation():
    X = digit_columns()
    shifted_then_bent = with_elastic(random_shift, 34.0)(X, np.random.default_rng(5))
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(shifted_then_bent, random_elastic(random_shift(X, rng), rng))
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(with_elastic(None, 34.0)(X, np.random.default_rng(5)),
                                  random_elastic(X, rng))


# ---------------------------------------------------------------- initialization and size


def test_ablation_subsets_share_their_draws():
    none = ablation_start([784, 10, 10], np.random.default_rng(5))
    small = ablation_start([784, 10, 10], np.random.default_rng(5), ["small_first"])
    everything = ablation_start([784, 10, 10], np.random.default_rng(5), CHANGES)
    np.testing.assert_array_equal(none["W2"], small["W2"])
    np.testing.assert_array_equal(small["W1"], everything["W1"])
    assert not np.array_equal(none["W1"], small["W1"])
    assert not any(everything[b].any() for b in ("b1", "b2"))
    with pytest.raises(ValueError, match="unknown changes"):
        ablation_start([784, 10, 10], np.random.default_rng(5), ["bigger"])


def test_he_keeps_the_predicted_scale_through_a_deep_relu_network():
    sizes = [400, 300, 300, 300, 300]
    X = np.abs(np.random.default_rng(0).normal(size=(400, 2000)))       # E[x^2] = 1
    params = init_params(sizes, np.random.default_rng(1), "he")
    predicted = predicted_std(sizes, [2 / n for n in sizes[:-1]], [0] * 4, 1.0)
    np.testing.assert_allclose(measured_std(params, X), predicted, rtol=0.1)


def test_counting():
    assert count_params([784, 800, 800, 10]) == 784 * 800 + 800 + 800 * 800 + 800 + 8010
    assert multiply_adds_per_example([784, 10]) == 2 * 7840  # dW and the forward product; no dA
    assert multiply_adds_per_example([784, 128, 10], training=False) == 784 * 128 + 128 * 10


# ---------------------------------------------------------------- recipes


@pytest.mark.parametrize("name", RECIPES)
def test_every_named_recipe_is_valid(name):
    validate(RECIPES[name].recipe)


# A word that a rung's `adds` must contain when it changes the field (any one of them).
CHANGE_WORDS = {"layers": ("hidden", "layer", "units", "network"), "init": ("start",),
                "train_size": ("images",), "dev_size": ("images",), "batch_size": ("batches",),
                "epochs": ("epochs",), "optimizer": ("momentum", "adam"), "alpha": ("rate", "α"),
                "schedule": ("schedule",), "warmup": ("warm-up",), "dropout": ("dropout",),
                "augment": ("shifts", "augmentation"), "elastic": ("elastic",)}


RETUNED = {"alpha", "warmup"}  # a retuned rate goes with the idea that needs it, named in the row
ONE_IDEA = ({"batch_size", "epochs", "train_size", "dev_size"},  # mini-batches, on Part II's split
            {"layers", "init"})  # softmax regression, convex: its start is a detail, named in the row


def rung_changes():
    """Each rung's name, the rung it starts from, and the recipe fields that differ between them."""
    names = list(RECIPES)
    for before, name in zip(names, names[1:]):
        after = RECIPES[name].after or before
        a, b = RECIPES[after].recipe, RECIPES[name].recipe
        yield name, after, [f.name for f in fields(Recipe) if getattr(a, f.name) != getattr(b, f.name)]


def test_every_rung_says_everything_it_changes():
    """The ladder's "adds" column names each field that differs from the rung it starts from."""
    for name, _, changed in rung_changes():
        assert changed, name
        for field in changed:
            assert any(word in RECIPES[name].adds.lower() for word in CHANGE_WORDS[field]), \
                f"{name}'s adds ({RECIPES[name].adds!r}) does not say it changes {field}"


def test_every_rung_changes_one_idea():
    """One field, or one idea's fields, besides a retuned rate; `after` names a rung above it."""
    names = list(RECIPES)
    for name, after, changed in rung_changes():
        assert names.index(after) < names.index(name), f"{name} starts from {after}, below it"
        idea = set(changed) - RETUNED
        assert len(idea) == 1 or any(idea <= group for group in ONE_IDEA), \
            f"{name} changes {sorted(idea)} at once"


def test_the_best_rung_has_its_control():
    """`best` differs from a rung only by augmentation: that rung is its control."""
    best = RECIPES["best"]
    assert replace(best.recipe, augment="none") == RECIPES[best.after or "deep-long"].recipe


def test_every_recipe_field_is_a_command_line_option_with_its_help():
    """Help is written once, beside the field; the train command takes it from there."""
    actions = {flag: a for a in train_cli.make_parser()._actions for flag in a.option_strings}
    for field in fields(Recipe):
        assert field.metadata["help"], f"Recipe.{field.name} has no help"
        action = actions[option(field)]
        assert action.dest == field.name and action.help.startswith(field.metadata["help"])


def test_a_mini_batch_recipe_runs_end_to_end_from_the_command_line(tmp_path, capsys):
    csv = write_csv(tmp_path / "train.csv", rows=200)
    out = tmp_path / "run"
    code = train_cli.main(["--recipe", "fast", "--data", str(csv), "--dev-size", "40",
                           "--epochs", "3", "--batch-size", "16", "--out", str(out), "--quiet"])
    assert code == 0, capsys.readouterr()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["recipe_name"] == "fast" and metrics["batch_size"] == 16
    assert [h["epoch"] for h in metrics["history"]] == [1, 2, 3]
    assert {"loss", "train_accuracy", "dev_loss", "dev_accuracy"} <= set(metrics["history"][0])
    assert metrics["dev_accuracy"] > 0.8  # the bands are easy


def test_seeds_of_a_mini_batch_recipe(tmp_path, capsys):
    csv = write_csv(tmp_path / "train.csv", rows=120)
    code = train_cli.main(["--recipe", "fast", "--data", str(csv), "--dev-size", "20",
                           "--epochs", "1", "--batch-size", "32", "--seeds", "0-1", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0 and "corrected over 2 seeds" in out and "faithful" not in out


def test_linear_recipe_has_no_hidden_layer_and_starts_at_ln_10(tmp_path):
    csv = write_csv(tmp_path / "train.csv")
    recipe = replace(RECIPES["linear"].recipe, epochs=3, dev_size=10)
    run = runs.run(recipe, load_mnist(csv))
    assert set(run.params) == {"W1", "b1"}
    assert run.history[0]["loss"] == pytest.approx(np.log(10))
