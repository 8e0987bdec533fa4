"""The network: initialization, the initial loss, and gradient checks of every parameter."""

import numpy as np
import pytest

from primitive_nn.gradcheck import (THRESHOLD, check_gradients, descend, elementwise_relative_error,
                                    relative_error)
from primitive_nn.loss import cross_entropy, one_hot
from primitive_nn.network import backward, forward, init_params, predict
from primitive_nn.seed import CORRECTED, FAITHFUL, Defects, backward_seed, forward_seed


def small_problem(sizes=(6, 5, 4), m=8, seed=0):
    rng = np.random.default_rng(seed)
    params = init_params(list(sizes), rng)
    X = rng.random((sizes[0], m))
    Y = one_hot(rng.integers(0, sizes[-1], m), sizes[-1])
    return params, X, Y


def test_init_is_deterministic_and_shaped():
    a = init_params([784, 10, 10], np.random.default_rng(3))
    b = init_params([784, 10, 10], np.random.default_rng(3))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    he = init_params([784, 10, 10], np.random.default_rng(3), init="he", dtype=np.float32)
    assert he["W1"].dtype == np.float32 and not he["b1"].any()
    assert abs(he["W1"].std() - np.sqrt(2 / 784)) < 0.005


def test_forward_shapes_for_deeper_networks():
    params, X, _ = small_problem((6, 5, 4, 3))
    cache = forward(params, X)
    assert [cache[f"A{l}"].shape for l in range(4)] == [(6, 8), (5, 8), (4, 8), (3, 8)]
    assert predict(params, X).shape == (8,)


def test_initial_loss_is_ln10_for_small_weights():
    rng = np.random.default_rng(0)
    params = {k: v * 1e-3 for k, v in init_params([784, 10, 10], rng).items()}
    X = rng.random((784, 200))
    Y = one_hot(rng.integers(0, 10, 200))
    assert cross_entropy(forward(params, X)["A2"], Y) == pytest.approx(np.log(10), abs=1e-2)


@pytest.mark.parametrize("sizes", [(6, 5, 4), (7, 6, 5, 3)])
def test_gradient_check_every_parameter(sizes):
    params, X, Y = small_problem(sizes)
    errors = check_gradients(params, X, Y)
    assert set(errors) == set(params)
    for name, error in errors.items():
        assert error <= THRESHOLD, (name, error)


@pytest.mark.parametrize("sizes", [(6, 5, 4), (7, 6, 5, 3)])
def test_gradient_check_after_training(sizes):
    params, X, Y = small_problem(sizes)
    errors = check_gradients(descend(params, X, Y, steps=30, alpha=0.5), X, Y)
    assert max(errors.values()) <= THRESHOLD, errors


def test_elementwise_error_finds_one_wrong_entry_that_the_norm_dilutes():
    n = np.random.default_rng(0).normal(size=(50, 40))
    a = n.copy()
    a[7, 3] = -a[7, 3]                                     # one sign error among 2,000 entries
    r = elementwise_relative_error(a, n)
    assert r[7, 3] == 2 and np.count_nonzero(r) == 1
    assert relative_error(a, n) < 0.05
    both_zero = elementwise_relative_error(np.zeros(3), np.array([0.0, 1e-12, -1e-12]))
    assert np.all(np.isfinite(both_zero)) and both_zero.max() <= THRESHOLD


def test_gradient_check_fails_for_the_seeds_scalar_bias_gradient():
    params, X, Y = small_problem()
    errors = check_gradients(params, X, Y, backprop=backward_seed)
    assert errors["W1"] <= THRESHOLD and errors["W2"] <= THRESHOLD
    assert errors["b1"] > 1e-2 and errors["b2"] > 1e-2


def test_gradient_check_refuses_float32():
    params, X, Y = small_problem()
    with pytest.raises(ValueError, match="float64"):
        check_gradients({k: v.astype(np.float32) for k, v in params.items()}, X, Y)


def test_seed_code_without_defects_equals_the_corrected_network():
    params, X, Y = small_problem((6, 5, 4))
    cache = forward_seed(params, X, CORRECTED)
    reference = forward(params, X)
    for key in reference:
        np.testing.assert_allclose(cache[key], reference[key], rtol=1e-13)
    grads = backward_seed(params, cache, Y, m=100, defects=CORRECTED)
    for key, g in backward(params, reference, Y).items():
        np.testing.assert_allclose(grads[key], g, rtol=1e-12, atol=1e-15)


def test_each_defect_changes_what_it_should():
    params, X, Y = small_problem((6, 5, 4))
    cache = forward(params, X)
    exact = backward(params, cache, Y)
    scalar = backward_seed(params, cache, Y, defects=Defects(True, False, False))
    assert np.ptp(scalar["db1"]) == 0 and abs(scalar["db2"]).max() < 1e-15
    wrong_m = backward_seed(params, cache, Y, m=16, defects=Defects(False, False, True))
    np.testing.assert_allclose(wrong_m["dW1"], exact["dW1"] * 8 / 16)
    big = dict(params, b2=params["b2"] + 800.0)
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(forward_seed(big, X, FAITHFUL)["A2"]).all()
    assert np.isfinite(forward(big, X)["A2"]).all()
