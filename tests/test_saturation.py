"""Saturation: sigmoid and tanh, LeCun's and Xavier's starts, the squared error, and their gradients."""

import hashlib
import json
from dataclasses import replace

import numpy as np
import pytest

from primitive_nn import __version__
from primitive_nn.activations import ACTIVATIONS, sigmoid, sigmoid_derivative, tanh_derivative
from primitive_nn.gradcheck import THRESHOLD, check_gradients
from primitive_nn.loss import (cross_entropy, one_hot, softmax, softmax_jacobian,
                               softmax_squared_error_backward, squared_error)
from primitive_nn.machinery.lab import RunCache
from primitive_nn.machinery.recipes import Recipe, validate
from primitive_nn.network import backward, forward, init_params
from primitive_nn.saturation import backward_gain, confidently_wrong, gradient_sizes
from primitive_nn.train import gradient_step


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_the_derivatives_are_the_functions_slopes(name):
    g, g_prime = ACTIVATIONS[name]
    z, eps = np.linspace(-8, 8, 161), 1e-6
    assert np.allclose((g(z + eps) - g(z - eps)) / (2 * eps), g_prime(z), atol=1e-9)


def test_sigmoid_is_the_logistic_function_and_never_overflows():
    z = np.linspace(-30, 30, 61)
    assert np.allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12, atol=1e-300)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert sigmoid(np.array([-1e4, 1e4])).tolist() == [0.0, 1.0]


def test_the_slopes_peak_at_zero_at_a_quarter_and_at_one():
    z = np.linspace(-10, 10, 2001)
    assert sigmoid_derivative(z).max() == pytest.approx(0.25)
    assert tanh_derivative(z).max() == pytest.approx(1.0)
    assert np.allclose(tanh_derivative(z), 4 * sigmoid_derivative(2 * z))


@pytest.mark.parametrize("init, variance", [("lecun", lambda n_in, n_out: 1 / n_in),
                                            ("xavier", lambda n_in, n_out: 2 / (n_in + n_out))])
def test_the_new_starts_draw_the_variances_the_chapter_derives(init, variance):
    params = init_params([784, 300, 10], np.random.default_rng(0), init)
    for l, (n_in, n_out) in enumerate([(784, 300), (300, 10)], start=1):
        assert params[f"W{l}"].std() == pytest.approx(np.sqrt(variance(n_in, n_out)), rel=0.05)
        assert not params[f"b{l}"].any()


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("kind", ["cross_entropy", "squared"])
def test_backprop_passes_the_gradient_check_for_every_activation_and_loss(activation, kind):
    """Three layers, at the start and after twenty steps of its own gradient."""
    rng = np.random.default_rng(3)
    X, Y = rng.random((6, 9)), one_hot(rng.integers(0, 4, 9), 4)
    params = init_params([6, 5, 5, 4], rng, "uniform")  # biases drawn: no ReLU corner at 0
    for _ in range(2):
        errors = check_gradients(params, X, Y, activation=activation, kind=kind)
        assert max(errors.values()) <= THRESHOLD, errors
        for _ in range(20):
            grads = backward(params, forward(params, X, activation), Y, activation, kind)
            params = gradient_step(params, grads, 0.5)


def test_the_squared_error_gradient_is_the_jacobian_times_the_error():
    rng = np.random.default_rng(0)
    A = softmax(rng.normal(0, 3, (5, 7)))
    Y = one_hot(rng.integers(0, 5, 7), 5)
    dZ = softmax_squared_error_backward(A, Y)
    for j in range(7):
        assert np.allclose(dZ[:, j], softmax_jacobian(A[:, j]) @ (A[:, j] - Y[:, j]))
    assert squared_error(A, Y) == pytest.approx(0.5 * np.sum((A - Y) ** 2) / 7)


def test_confidently_wrong_the_squared_error_stalls_and_cross_entropy_does_not():
    Y = one_hot(np.array([1]), 10)
    sizes = {}
    for margin in (2.0, 6.0, 12.0):
        Z = np.zeros((10, 1))
        Z[0] = margin                                    # sure of a 0; it is a 1
        A = softmax(Z)
        sizes[margin] = (np.abs(softmax_squared_error_backward(A, Y)).max(),
                         np.abs(A - Y).max())
    squared, cross = zip(*sizes.values())
    assert squared[0] > squared[1] > 100 * squared[2]        # the surer, the smaller
    assert squared[2] < 1e-4
    assert min(cross) > 0.9                                  # cross-entropy's stays near 1
    assert cross_entropy(A, Y) > 11


def test_ten_sigmoid_layers_starve_the_first_and_relu_with_he_does_not():
    rng = np.random.default_rng(0)
    X, Y = rng.random((50, 200)), one_hot(rng.integers(0, 10, 200))
    sizes = [50] + [100] * 9 + [10]
    relu = gradient_sizes(init_params(sizes, np.random.default_rng(1), "he"), X, Y, "relu")
    sig = gradient_sizes(init_params(sizes, np.random.default_rng(1), "xavier"), X, Y, "sigmoid")
    assert 0.1 < relu[0] / relu[-1] < 10
    assert sig[0] / sig[-1] < 1e-4


def test_the_sigmoid_with_xavier_shrinks_the_second_moment_of_delta_at_least_sixteenfold():
    """The chapter's bound, n Var(w) E[sigma'^2] <= 1/16, on delta itself, layer by layer."""
    rng = np.random.default_rng(0)
    n, m = 200, 300
    params = init_params([n] * 6 + [10], rng, "xavier")
    X, Y = rng.random((n, m)), one_hot(rng.integers(0, 10, m))
    cache = forward(params, X, "sigmoid")
    dZ, second_moments = softmax(cache["Z6"]) - Y, []
    for l in range(6, 1, -1):
        dZ = (params[f"W{l}"].T @ dZ) * sigmoid_derivative(cache[f"Z{l - 1}"])
        second_moments.append(np.mean(dZ ** 2))
    ratios = np.array(second_moments[1:]) / np.array(second_moments[:-1])
    assert (ratios < backward_gain(n, 2 / (n + n), 1 / 16) * 1.1).all()   # 10% for the sampling


def test_the_gain_predicts_how_relu_with_he_carries_the_gradient_down():
    """In wide layers the measured ratio of E[delta^2] per layer is the predicted gain, 1."""
    rng = np.random.default_rng(0)
    n, m = 400, 500
    params = init_params([n] * 4 + [10], rng, "he")
    X, Y = rng.normal(size=(n, m)), one_hot(rng.integers(0, 10, m))
    cache = forward(params, X)
    dZ, second_moments = softmax(cache["Z4"]) - Y, []
    for l in range(4, 1, -1):
        dZ = (params[f"W{l}"].T @ dZ) * (cache[f"Z{l - 1}"] > 0)
        second_moments.append(np.mean(dZ ** 2))
    ratios = np.array(second_moments[1:]) / np.array(second_moments[:-1])
    assert np.allclose(ratios, backward_gain(n, 2 / n, 0.5), rtol=0.15)


def test_confidently_wrong_counts_sure_mistakes_only():
    A = np.array([[0.95, 0.95, 0.5], [0.05, 0.05, 0.5]])
    assert confidently_wrong(A, np.array([0, 1, 1])) == pytest.approx(1 / 3)
    assert confidently_wrong(A, np.array([0, 1, 1]), threshold=0.99) == 0


def test_a_setting_at_its_default_is_not_part_of_a_runs_name():
    """So a new Recipe field leaves the names of the runs cached before it unchanged."""
    cache = RunCache("unused", "data")
    bare = json.dumps({"recipe": {}, "data": "data", "version": __version__}, sort_keys=True)
    assert cache.key(Recipe()) == hashlib.sha256(bare.encode()).hexdigest()[:32]
    assert cache.key(replace(Recipe(), activation="tanh")) != cache.key(Recipe())


def test_the_recipe_checks_what_dropout_and_the_notebook_code_cannot_run():
    from primitive_nn.errors import TrainingError
    base = replace(Recipe(), batch_size=16)
    validate(replace(base, activation="sigmoid", loss="squared"))
    with pytest.raises(TrainingError, match="--dropout is written for ReLU"):
        validate(replace(base, dropout=0.2, loss="squared"))
    with pytest.raises(TrainingError, match="--faithful"):
        validate(replace(Recipe(), activation="tanh", defects=("scalar_bias",)))
