"""Properties of the activation, layer and loss functions."""

import numpy as np
import pytest

from primitive_nn.activations import relu, relu_derivative
from primitive_nn.layers import linear_backward, linear_backward_input, linear_forward
from primitive_nn.loss import (cross_entropy, one_hot, softmax, softmax_cross_entropy_backward,
                               softmax_jacobian)

rng = np.random.default_rng(12345)


def test_relu_and_derivative_elementwise():
    Z = rng.normal(size=(7, 11))
    assert np.array_equal(relu(Z), np.where(Z > 0, Z, 0))
    assert np.array_equal(relu_derivative(Z), (Z > 0).astype(float))
    assert relu_derivative(np.zeros((1, 1)))[0, 0] == 0  # the convention at the corner
    assert relu(Z.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("scale", [1.0, 100.0, 1e4])
def test_softmax_columns_are_distributions(scale):
    Z = rng.normal(size=(10, 50)) * scale
    A = softmax(Z)
    assert A.shape == Z.shape
    assert np.all(np.isfinite(A)) and np.all(A >= 0)
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=0, atol=1e-12)


def test_softmax_is_shift_invariant_per_column():
    Z = rng.normal(size=(10, 5))
    shift = rng.normal(size=(1, 5)) * 50
    np.testing.assert_allclose(softmax(Z + shift), softmax(Z), atol=1e-14)


def test_softmax_jacobian_matches_finite_differences():
    z = rng.normal(size=6)
    a = softmax(z[:, None])[:, 0]
    eps = 1e-6
    numeric = np.column_stack([
        (softmax((z + eps * e)[:, None])[:, 0] - softmax((z - eps * e)[:, None])[:, 0]) / (2 * eps)
        for e in np.eye(6)])
    np.testing.assert_allclose(softmax_jacobian(a), numeric, atol=1e-9)


def test_cross_entropy_nonnegative_and_uniform_is_ln10():
    labels = rng.integers(0, 10, 40)
    Y = one_hot(labels)
    assert cross_entropy(softmax(rng.normal(size=(10, 40)) * 5), Y) >= 0
    assert cross_entropy(np.full((10, 40), 0.1), Y) == pytest.approx(np.log(10))


def test_cross_entropy_survives_underflowed_probability():
    A = np.array([[1.0], [0.0]])
    assert np.isfinite(cross_entropy(A, np.array([[0.0], [1.0]])))


def test_joint_gradient_columns_sum_to_zero_so_scalar_bias_gradient_is_zero():
    A = softmax(rng.normal(size=(10, 30)) * 3)
    dZ = softmax_cross_entropy_backward(A, one_hot(rng.integers(0, 10, 30)))
    np.testing.assert_allclose(dZ.sum(axis=0), 0, atol=1e-14)
    assert abs(np.sum(dZ) / 30) < 1e-14
    assert np.abs(dZ.mean(axis=1)).max() > 1e-3  # the per-unit gradient is not zero


def test_one_hot_layout():
    Y = one_hot(np.array([3, 0, 9]))
    assert Y.shape == (10, 3)
    assert Y.sum(axis=0).tolist() == [1, 1, 1]
    assert Y.argmax(axis=0).tolist() == [3, 0, 9]


def test_linear_layer_shapes_and_broadcast_bias():
    W, b, X = rng.normal(size=(4, 3)), rng.normal(size=(4, 1)), rng.normal(size=(3, 6))
    Z = linear_forward(W, b, X)
    assert Z.shape == (4, 6)
    np.testing.assert_allclose(Z[:, 2], W @ X[:, 2] + b[:, 0])
    dZ = rng.normal(size=(4, 6))
    dW, db = linear_backward(dZ, X)
    assert dW.shape == W.shape and db.shape == b.shape
    np.testing.assert_allclose(dW, sum(np.outer(dZ[:, j], X[:, j]) for j in range(6)) / 6)
    np.testing.assert_allclose(db[:, 0], dZ.mean(axis=1))
    np.testing.assert_allclose(linear_backward_input(W, dZ), W.T @ dZ)
