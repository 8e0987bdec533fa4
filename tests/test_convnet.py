"""The convnet chapter: its shapes and start, the whole network's gradient; the train command's convnet.

The gradient checks run in float64 on small networks of every kind of layer
the chapter stacks (convolution, ReLU, max pooling, flatten, dense), at a
point where no step of the finite difference crosses a kink: no pooling
block's two largest entries, and no ReLU's input, come within a few steps
of each other, or of 0.
"""

import json
from dataclasses import replace

import numpy as np
import pytest

from primitive_nn import data, network
from primitive_nn.convnet import (ARCHITECTURES, CONVNET, flatten, forward, backward, init_params,
                                  parameter_shapes, unflatten)
from primitive_nn.convolution import layer_costs
from primitive_nn.errors import DataError, TrainingError
from primitive_nn.gradcheck import THRESHOLD, elementwise_relative_error
from primitive_nn.loss import cross_entropy_from_logits, one_hot
from primitive_nn.machinery import models, recipes, report, runs, train_cli
from primitive_nn.machinery.files import save_model
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.network import n_layers
from primitive_nn.pooling import blocks

from helpers import write_csv

EPS = 1e-5  # the loss is smooth away from kinks; the step stays far from every kink (see `kink_margin`)

SMALL = {  # small networks of the chapter's layers, on 8x8 images
    "conv-dense": (("conv", 3, 2), ("relu",), ("pool", 2), ("dense", 10)),
    "conv-conv-dense-dense": (("conv", 3, 2), ("relu",), ("pool", 2), ("conv", 3, 3), ("relu",),
                              ("pool", 2), ("dense", 5), ("relu",), ("dense", 10)),
}


def mean_loss(params, X, Y):
    return cross_entropy_from_logits(forward(params, X)[f"Z{n_layers(params)}"], Y)


def central_differences(params, X, Y, name, eps=EPS):
    """dL/d params[name], entry by entry, by central differences."""
    theta = params[name] = params[name].copy()
    grad = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        saved = theta[index]
        theta[index] = saved + eps
        plus = mean_loss(params, X, Y)
        theta[index] = saved - eps
        minus = mean_loss(params, X, Y)
        theta[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def kink_margin(params, cache):
    """How near the nearest kink is: the smallest |Z| of any hidden layer, and lead of a pooling max."""
    D, margins = n_layers(params), []
    for l in range(1, D):
        Z = cache[f"Z{l}"]
        margins.append(np.abs(Z).min())
        if Z.ndim == 4:
            ordered = np.sort(blocks(np.maximum(Z, 0)).transpose(0, 1, 3, 5, 2, 4)
                              .reshape(-1, 4), axis=1)
            positive = ordered[:, -1] > 0
            margins.append((ordered[positive, -1] - ordered[positive, -2]).min())
    return float(min(margins))


def small_problem(layers, seed):
    rng = np.random.default_rng(seed)
    params = init_params(layers, rng, shape=(8, 8, 1))
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}  # biases too
    X = rng.random((64, 3))                                  # three 8x8 images, as columns
    Y = one_hot(np.array([1, 4, 9]), 10)
    return params, X, Y


@pytest.mark.parametrize("name", SMALL)
def test_the_whole_networks_gradient_matches_central_differences(name):
    params, X, Y = small_problem(SMALL[name], seed=6)  # a draw with no kink near
    cache = forward(params, X)
    assert kink_margin(params, cache) > 100 * EPS  # no step reaches a kink
    grads = backward(params, cache, Y)
    assert set(grads) == {"d" + k for k in params}
    for key, theta in params.items():
        numerical = central_differences(dict(params), X, Y, key)
        error = elementwise_relative_error(grads["d" + key], numerical).max()
        assert error <= THRESHOLD, (name, key, error)


def test_with_no_convolution_the_passes_are_the_mlps():
    rng = np.random.default_rng(0)
    params = network.init_params([784, 16, 12, 10], rng, init="he")
    X, Y = rng.random((784, 5)), one_hot(np.array([0, 1, 2, 3, 4]), 10)
    ours, theirs = forward(params, X), network.forward(params, X)
    assert ours.keys() == theirs.keys()
    assert all(np.array_equal(ours[k], theirs[k]) for k in ours)
    grads, expected = backward(params, ours, Y), network.backward(params, theirs, Y)
    assert all(np.array_equal(grads[k], expected[k]) for k in expected)


def test_the_issues_network_has_its_shapes_and_parameter_count():
    params = init_params(CONVNET, np.random.default_rng(0), dtype=np.float32)
    assert {k: v.shape for k, v in params.items()} == parameter_shapes()
    assert sum(p.size for p in params.values()) == sum(c["params"] for c in layer_costs(CONVNET))
    assert all(p.dtype == np.float32 for p in params.values())
    cache = forward(params, np.random.default_rng(1).random((784, 4), dtype=np.float32))
    assert cache["Z1"].shape == (4, 28, 28, 16) and cache["A2"].shape == (4, 7, 7, 32)
    assert cache["Z4"].shape == (10, 4) and all(a.dtype == np.float32 for a in cache.values())


def test_he_start_has_variance_two_over_fan_in():
    params = init_params(CONVNET, np.random.default_rng(0))
    for name, fan_in in (("W1", 25), ("W2", 400), ("W3", 1568), ("W4", 128)):
        assert params[name].var() * fan_in == pytest.approx(2.0, rel=0.1), name
    assert all(not params[f"b{l}"].any() for l in range(1, 5))


def test_the_flatten_reads_row_column_channel_and_unflatten_undoes_it():
    A = np.arange(2 * 3 * 3 * 4).reshape(2, 3, 3, 4)
    columns = flatten(A)
    assert columns.shape == (36, 2)
    assert columns[(1 * 3 + 2) * 4 + 3, 1] == A[1, 1, 2, 3]
    assert np.array_equal(unflatten(columns, A), A)


@pytest.mark.parametrize("layers", [
    (("conv", 5, 16), ("pool", 2), ("dense", 10)),                  # no ReLU before the pooling
    (("conv", 4, 16), ("relu",), ("pool", 2), ("dense", 10)),       # an even kernel
    (("dense", 10), ("conv", 5, 16), ("relu",), ("pool", 2)),       # dense first
    (("conv", 5, 16), ("relu",), ("pool", 2)),                      # no dense layer on top
])
def test_a_layer_list_the_chapter_does_not_build_is_refused(layers):
    with pytest.raises(ValueError, match="expected|followed by"):
        parameter_shapes(layers)


def test_every_architecture_starts_a_network_its_passes_run():
    rng = np.random.default_rng(0)
    X, Y = rng.random((784, 3)).astype(np.float32), one_hot(np.array([1, 2, 3]), 10, np.float32)
    for name, net in ARCHITECTURES.items():
        params = net.init_params(net.layers or [784, 8, 10], rng, "he", np.float32)
        grads = net.backward(params, net.forward(params, X, "relu"), Y, "relu", "cross_entropy")
        assert {"d" + k for k in params} == set(grads), name
        assert all(grads["d" + k].shape == p.shape and grads["d" + k].dtype == np.float32
                   for k, p in params.items()), name


# ---------------------------------------------------------------- the train command's convnet


def test_the_conv_recipe_is_the_issues_network_and_valid():
    recipe = recipes.recipe_named("conv")
    recipes.validate(recipe)
    assert ARCHITECTURES[recipe.architecture].layers == CONVNET
    assert report.describe(recipe).startswith("convnet, init he, batch 64, momentum alpha=0.1, cosine")
    assert "conv" not in recipes.RECIPES  # not a rung of Part II's ladder


@pytest.mark.parametrize("change, message", [
    ({"layers": (784, 32, 10)}, "--layers is a setting of --architecture mlp, not convnet"),
    ({"dropout": 0.2}, "--dropout is a setting of --architecture mlp"),
    ({"defects": ("m_before_split",)}, "--defects is a setting of --architecture mlp"),
    ({"batch_size": None}, "--batch-size full is too large for --architecture convnet"),
    ({"batch_size": 5000}, "choose --batch-size 500 or less"),
])
def test_settings_the_convnet_cannot_honour_are_refused_in_one_line(change, message):
    with pytest.raises(TrainingError, match=message):
        recipes.validate(replace(recipes.recipe_named("conv"), **change))


def test_a_setting_added_since_the_reference_was_written_still_finds_its_entry():
    recipe = recipes.Recipe()
    entry = {"config": {k: v for k, v in report.config(recipe).items() if k != "architecture"},
             "runs": [{"seed": 0}], "example_seed": 0}
    assert report.measured(recipe, reference={"recipes": {"old": entry}})[0] == "old"
    assert report.measured(replace(recipe, architecture="convnet", batch_size=64),
                           reference={"recipes": {"old": entry}}) is None


def test_a_convnet_is_evaluated_in_chunks_it_can_hold(monkeypatch):
    seen = []
    real = ARCHITECTURES["convnet"].forward

    def forward_seen(params, X, activation="relu"):
        seen.append(X.shape[1])
        return real(params, X, activation)
    monkeypatch.setitem(ARCHITECTURES, "convnet", ARCHITECTURES["convnet"]._replace(forward=forward_seen))
    params = init_params(CONVNET, np.random.default_rng(0), dtype=np.float32)
    X = np.zeros((784, 2500), np.float32)
    score = runs.evaluate(params, X, np.zeros(2500, int), architecture="convnet")
    assert seen == [500] * 5 and 0 <= score["accuracy"] <= 1


def test_the_train_command_trains_saves_and_loads_a_convnet(tmp_path, capsys):
    csv, out = write_csv(tmp_path / "train.csv", rows=60), tmp_path / "run"
    code = train_cli.main(["--recipe", "conv", "--data", str(csv), "--dev-size", "20", "--epochs", "1",
                           "--batch-size", "16", "--out", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0 and printed.startswith("conv: convnet, init he, batch 16"), printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["architecture"] == "convnet" and metrics["recipe_name"] == "conv"
    params = models.load(out / "model.npz")
    assert {k: v.shape for k, v in params.items()} == parameter_shapes()
    mnist = load_mnist(csv)
    _, _, X_dev, y_dev = data.split_dev(mnist.train_images, mnist.train_labels, 20,
                                        np.random.default_rng(0))
    predicted = models.probabilities(params, X_dev).argmax(axis=0)
    assert np.mean(predicted == y_dev) == metrics["dev_accuracy"]


def test_a_convnet_file_without_its_metrics_is_refused_in_one_line(tmp_path):
    save_model(tmp_path / "model.npz", init_params(CONVNET, np.random.default_rng(0), dtype=np.float32))
    with pytest.raises(DataError, match="no metrics.json beside it to name its --architecture"):
        models.load(tmp_path / "model.npz")  # read as an MLP, whose shapes these are not
