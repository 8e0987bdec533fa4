"""The pooling chapter: pooling against loops, its gradients against central differences, and ties.

Numerical checks need a point away from the max's kinks: there the largest
entry of every block leads the second by far more than the step, so the
step never changes which entry is the max. At a tie, only the derivative
along all tied entries together exists, and that is what the tie test checks.
"""

import numpy as np
import pytest
from helpers import central_differences

from primitive_nn.activations import relu, relu_derivative
from primitive_nn.convolution import conv_backward, conv_forward
from primitive_nn.gradcheck import THRESHOLD, elementwise_relative_error
from primitive_nn.pooling import (average_pool, average_pool_backward, blocks, max_pool,
                                  max_pool_backward, relative_change, translate)

EPS = 1e-4  # the losses here are piecewise linear: away from kinks a large step leaves only rounding


def distinct(shape, rng):
    """Entries at least 0.02 apart: no block has a near-tie that a step of EPS could cross."""
    return rng.permutation(np.arange(np.prod(shape)) * 0.02).reshape(shape) - 0.3


def smallest_lead(X, k=2):
    """The smallest gap between the largest and the second largest entry of any block."""
    windows = np.sort(blocks(X, k).transpose(0, 1, 3, 5, 2, 4).reshape(-1, k * k), axis=1)
    return float((windows[:, -1] - windows[:, -2]).min())


@pytest.mark.parametrize("k", [2, 3])
def test_pooling_matches_loops(k):
    X = np.random.default_rng(0).standard_normal((2, 6, 12, 3))
    m, n_H, n_W, n_C = X.shape
    for pool, reduce in ((max_pool, np.max), (average_pool, np.mean)):
        A = pool(X, k)
        assert A.shape == (m, n_H // k, n_W // k, n_C)
        for n, i, j, c in np.ndindex(A.shape):
            assert A[n, i, j, c] == pytest.approx(reduce(X[n, k * i:k * i + k, k * j:k * j + k, c]))


@pytest.mark.parametrize("k", [2, 3])
def test_max_pool_gradient_matches_central_differences_away_from_ties(k):
    rng = np.random.default_rng(1)
    X = distinct((2, 6, 6, 3), rng)
    assert smallest_lead(X, k) > 100 * EPS
    G = rng.standard_normal(max_pool(X, k).shape)
    numerical = central_differences(lambda X_: np.sum(G * max_pool(X_, k)), X, EPS)
    dX = max_pool_backward(G, X, k)
    assert elementwise_relative_error(dX, numerical).max() <= THRESHOLD
    assert np.count_nonzero(dX) == G.size                  # one entry per block


def test_max_pool_gradient_at_ties_is_a_subgradient_along_all_tied_entries():
    """At a tied block, the gradient's sum over the tied entries is the derivative of moving them all
    together, and it sits on the first of them in reading order."""
    rng = np.random.default_rng(2)
    X = relu(rng.standard_normal((2, 6, 8, 2)))            # many blocks of zeros, as after a ReLU
    X[0, 2:4, 4:6, 1] = [[0.7, 0.2], [0.7, 0.7]]           # a three-way tie at a positive value
    X[1, 0:2, 0:2, 0] = 0.0                                # a block of zeros
    G = rng.standard_normal(max_pool(X).shape)
    dX = max_pool_backward(G, X)
    loss = lambda X_: np.sum(G * max_pool(X_))  # noqa: E731
    ties = 0
    for n, i, j, c in np.ndindex(G.shape):
        block = X[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c]
        tied = block == block.max()
        if tied.sum() < 2:
            continue
        ties += 1
        direction = np.zeros_like(X)
        direction[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c] = tied   # every tied entry at once
        along = (loss(X + EPS * direction) - loss(X - EPS * direction)) / (2 * EPS)
        assert np.sum(dX * direction) == pytest.approx(along, rel=1e-7, abs=1e-9)
        assert np.sum(dX * direction) == pytest.approx(G[n, i, j, c])
        routed = dX[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c]
        first = np.flatnonzero(tied.ravel())[0]                    # reading order: row by row
        assert routed.ravel()[first] == G[n, i, j, c] and np.count_nonzero(routed) <= 1
    assert ties >= 5, ties


@pytest.mark.parametrize("k", [2, 3])
def test_max_pool_gradient_is_argmax_routing_with_or_without_the_kept_output(k):
    """Walking the offsets in reading order routes each block's dA where argmax over the block would."""
    rng = np.random.default_rng(6)
    X = relu(rng.standard_normal((3, 6, 12, 4)))           # ties at 0, as after a ReLU
    dA = rng.standard_normal(max_pool(X, k).shape)
    windows = blocks(X, k).transpose(0, 1, 3, 5, 2, 4).reshape(*dA.shape, k * k)  # a block per last axis
    routed = (np.arange(k * k) == windows.argmax(axis=-1)[..., None]) * dA[..., None]
    expected = routed.reshape(*dA.shape, k, k).transpose(0, 1, 4, 2, 5, 3).reshape(X.shape)
    np.testing.assert_array_equal(max_pool_backward(dA, X, k), expected)
    np.testing.assert_array_equal(max_pool_backward(dA, X, k, A=max_pool(X, k)), expected)
    np.testing.assert_array_equal(max_pool(X, k), blocks(X, k).max(axis=(2, 4)))


def test_average_pool_gradient_matches_central_differences():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, 6, 4, 3))
    G = rng.standard_normal(average_pool(X).shape)
    numerical = central_differences(lambda X_: np.sum(G * average_pool(X_)), X, eps=1e-3)  # linear
    assert elementwise_relative_error(average_pool_backward(G), numerical).max() <= THRESHOLD


def test_conv_relu_max_pool_backward_matches_central_differences():
    """The convnet's block, conv -> ReLU -> max-pool, backward by the two chapters' formulas."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((2, 6, 6, 2))
    W, b = rng.standard_normal((3, 3, 3, 2)), rng.standard_normal(3)
    Z = conv_forward(X, W, b)
    reach = 2 * EPS * max(np.abs(X).max(), np.abs(W).max(), 1)  # twice the most a step moves any Z
    assert np.abs(Z).min() > reach                              # away from ReLU's kink
    windows = np.sort(blocks(relu(Z)).transpose(0, 1, 3, 5, 2, 4).reshape(-1, 4), axis=1)
    live = windows[:, -1] > 0                                   # blocks of zeros stay zero under a step
    assert (windows[live, -1] - windows[live, -2]).min() > reach  # and away from the max's kinks
    G = rng.standard_normal(max_pool(relu(Z)).shape)
    m = X.shape[0]

    def loss(X_, W_, b_):
        return np.sum(G * max_pool(relu(conv_forward(X_, W_, b_)))) / m

    dZ = max_pool_backward(G, relu(Z)) * relu_derivative(Z)
    dX, dW, db = conv_backward(dZ, X, W)
    for analytic, numerical in ((dW, central_differences(lambda W_: loss(X, W_, b), W, EPS)),
                                (db, central_differences(lambda b_: loss(X, W, b_), b, EPS)),
                                (dX, central_differences(lambda X_: m * loss(X_, W, b), X, EPS))):
        assert elementwise_relative_error(analytic, numerical).max() <= THRESHOLD


def test_blocks_refuse_sizes_that_do_not_split_and_views_do_not_copy():
    X = np.zeros((1, 28, 28, 4), dtype=np.float32)
    assert np.shares_memory(blocks(X), X)
    assert max_pool(X).dtype == np.float32 and max_pool_backward(max_pool(X), X).dtype == np.float32
    with pytest.raises(ValueError, match="multiples of 2"):
        max_pool(np.zeros((1, 7, 7, 1)))


def test_translate_moves_and_fills_with_zeros():
    X = np.arange(1.0, 26.0).reshape(1, 5, 5, 1)
    np.testing.assert_array_equal(translate(translate(X, 2, -1), -2, 1)[0, :3, 1:, 0], X[0, :3, 1:, 0])
    assert translate(X, 0, 5).sum() == 0
    assert translate(X, -1, 0)[0, -1].sum() == 0


def test_a_one_pixel_shift_changes_max_pooled_maps_less_than_pixels():
    """On blobs, as on digits: the max of a block often stays in the block."""
    rng = np.random.default_rng(5)
    X = np.zeros((50, 16, 16, 1))
    for n in range(50):
        r, c = rng.integers(3, 10, size=2)
        X[n, r:r + 4, c:c + 3] = rng.random((4, 3, 1)) + 0.5
    pixels = relative_change(translate(X, 0, 1), X).mean()
    pooled = relative_change(max_pool(translate(X, 0, 1)), max_pool(X)).mean()
    assert pooled < pixels
