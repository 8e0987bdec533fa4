"""The convolution chapter: the patch matrix against loops, its adjoint, and every gradient checked.

Gradients are checked in float64 against central differences of the loss
$L = \\frac{1}{m} \\sum_n \\langle G_n, Z_n \\rangle$ for a fixed random $G$, whose
per-example output gradient is $dZ = G$ (the convention of `primitive_nn.layers`).
That loss is linear in each of $X$, $W$ and $b$, so a central difference has no
truncation error at any step, only rounding: the step is 1e-3, where rounding is small.
"""

import numpy as np
import pytest
from helpers import central_differences

from primitive_nn.convolution import (CONVNET, as_images, col2im, conv_backward, conv_forward,
                                      layer_costs, output_size, padding_width, patches)
from primitive_nn.gradcheck import THRESHOLD, elementwise_relative_error, relative_error

# (m, n_H, n_W, n_C, n_F, (kh, kw), stride, padding): strides 1 to 3, 'same', 'valid' and a
# number, odd and even sizes, one and several channels, a kernel that is not square.
CASES = [
    (2, 5, 5, 1, 1, (3, 3), 1, "same"),
    (2, 7, 5, 3, 4, (3, 3), 2, "same"),
    (3, 6, 7, 2, 3, (3, 3), 1, "valid"),
    (2, 9, 8, 2, 2, (5, 5), 2, "valid"),
    (1, 7, 7, 3, 2, (5, 5), 3, 1),
    (2, 6, 7, 2, 3, (3, 2), 1, "valid"),
    (2, 8, 6, 3, 2, (5, 5), 1, "same"),
]
IDS = [f"{c[1]}x{c[2]}x{c[3]}-f{c[4]}-k{c[5][0]}x{c[5][1]}-s{c[6]}-{c[7]}" for c in CASES]

EPS = 1e-3  # the central differences' step: the losses are linear, so only rounding is left


def problem(case, seed=0):
    """Random float64 X, W, b and an output gradient G for one case."""
    m, n_H, n_W, n_C, n_F, (kh, kw), stride, padding = case
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n_H, n_W, n_C))
    W = rng.standard_normal((n_F, kh, kw, n_C))
    b = rng.standard_normal(n_F)
    G = rng.standard_normal(conv_forward(X, W, b, stride, padding).shape)
    return X, W, b, G, stride, padding


def naive_conv(X, W, b, stride, padding):
    """The forward formula as written, four loops deep: one dot product per output entry."""
    p = padding_width(W.shape[2], padding)
    Xp = np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))
    n_F, kh, kw, n_C = W.shape
    o_H = (Xp.shape[1] - kh) // stride + 1
    o_W = (Xp.shape[2] - kw) // stride + 1
    Z = np.zeros((X.shape[0], o_H, o_W, n_F))
    for n in range(X.shape[0]):
        for i in range(o_H):
            for j in range(o_W):
                window = Xp[n, i * stride:i * stride + kh, j * stride:j * stride + kw, :]  # (kh, kw, n_C)
                for f in range(n_F):
                    Z[n, i, j, f] = np.sum(window * W[f]) + b[f]           # W[f]: (kh, kw, n_C)
    return Z


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_forward_matches_four_nested_loops(case):
    X, W, b, _, stride, padding = problem(case)
    np.testing.assert_allclose(conv_forward(X, W, b, stride, padding),
                               naive_conv(X, W, b, stride, padding), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_col2im_is_the_adjoint_of_patches(case):
    """<patches(x), y> = <x, col2im(y)> for random x and y: col2im is the transpose."""
    m, n_H, n_W, n_C, _, (kh, kw), stride, padding = case
    p = padding_width(kh, padding)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((m, n_H, n_W, n_C))
    P = patches(x, kh, kw, stride, p)
    y = rng.standard_normal(P.shape)
    assert np.sum(P * y) == pytest.approx(np.sum(x * col2im(y, x.shape, kh, kw, stride, p)), rel=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_backward_matches_central_differences(case):
    X, W, b, G, stride, padding = problem(case)
    m = X.shape[0]
    dX, dW, db = conv_backward(G, X, W, stride, padding)
    loss = lambda X_, W_, b_: np.sum(G * conv_forward(X_, W_, b_, stride, padding)) / m  # noqa: E731
    numerical = {
        "dW": central_differences(lambda W_: loss(X, W_, b), W, EPS),
        "db": central_differences(lambda b_: loss(X, W, b_), b, EPS),
        "dX": central_differences(lambda X_: m * loss(X_, W, b), X, EPS),  # per example: the sum of the losses
    }
    for name, analytic in (("dW", dW), ("db", db), ("dX", dX)):
        assert analytic.shape == numerical[name].shape
        assert elementwise_relative_error(analytic, numerical[name]).max() <= THRESHOLD, name
        assert relative_error(analytic, numerical[name]) <= THRESHOLD, name


def test_patches_has_the_promised_shape_and_is_a_copy():
    X = np.random.default_rng(2).standard_normal((3, 28, 28, 16)).astype(np.float32)
    P = patches(X, 5, 5, 1, 2)
    assert P.shape == (3 * 28 * 28, 16 * 5 * 5) and P.dtype == np.float32
    assert not np.shares_memory(P, X)
    assert P.nbytes == 25 * X.nbytes                       # k_H k_W copies of every number


def test_float32_stays_float32_through_forward_and_backward():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    W = rng.standard_normal((4, 5, 5, 3)).astype(np.float32)
    b = np.zeros(4, dtype=np.float32)
    Z = conv_forward(X, W, b)
    assert Z.dtype == np.float32 and Z.shape == (2, 8, 8, 4)
    assert all(g.dtype == np.float32 for g in conv_backward(np.ones_like(Z), X, W))


def test_a_shifted_image_gives_a_shifted_output_away_from_the_border():
    """Equivariance: at stride 1, moving the input one pixel moves Z one pixel."""
    rng = np.random.default_rng(4)
    X = np.zeros((1, 12, 12, 2))
    X[:, 3:8, 3:8] = rng.standard_normal((1, 5, 5, 2))
    W, b = rng.standard_normal((3, 3, 3, 2)), rng.standard_normal(3)
    moved = np.roll(X, (1, 2), axis=(1, 2))                 # nothing reaches the border
    np.testing.assert_allclose(conv_forward(moved, W, b)[:, 1:, 2:], conv_forward(X, W, b)[:, :-1, :-2],
                               atol=1e-12)


def test_the_output_size_formula_and_same_padding():
    assert [output_size(28, 5, 1, 2), output_size(28, 5, 2, 2), output_size(27, 5, 2, 2)] == [28, 14, 14]
    for n in range(5, 20):
        for s in (1, 2, 3):
            assert output_size(n, 5, s, padding_width(5, "same")) == -(-n // s)  # ceil(n / s)
    with pytest.raises(ValueError, match="odd kernel"):
        padding_width(4, "same")
    with pytest.raises(ValueError, match="does not fit"):
        output_size(3, 5)


def test_shapes_that_do_not_fit_are_refused_with_a_way_out():
    X = np.zeros((784, 2))
    with pytest.raises(ValueError, match="as_images"):
        conv_forward(X, np.zeros((1, 1, 3, 3)), np.zeros(1))
    with pytest.raises(ValueError, match=r"\(n_F, k_H, k_W, 1\)"):
        conv_forward(as_images(X), np.zeros((1, 3, 3, 3)), np.zeros(1))
    with pytest.raises(ValueError, match="square"):
        conv_forward(as_images(X), np.zeros((1, 3, 5, 1)), np.zeros(1))


def test_as_images_reads_each_column_row_by_row():
    X = np.random.default_rng(5).random((784, 3))
    images = as_images(X)
    assert images.shape == (3, 28, 28, 1)
    np.testing.assert_array_equal(images[2, 4, :, 0], X[4 * 28:5 * 28, 2])


def test_layer_costs_agree_with_the_arrays_they_count():
    costs = layer_costs(CONVNET, (28, 28, 1))
    assert [c["shape"] for c in costs] == [(28, 28, 16), (28, 28, 16), (14, 14, 16), (14, 14, 32),
                                           (14, 14, 32), (7, 7, 32), (1, 1, 128), (1, 1, 128), (1, 1, 10)]
    X = np.zeros((1, 14, 14, 16))
    W, b = np.zeros((32, 5, 5, 16)), np.zeros(32)
    P = patches(X, 5, 5, 1, 2)
    conv2 = costs[3]
    assert conv2["params"] == W.size + b.size
    assert conv2["patch_entries"] == P.size
    assert conv2["multiply_adds"] == P.size * W.shape[0]     # the product P W^T, one example
    assert costs[6]["params"] == 128 * (7 * 7 * 32 + 1)
