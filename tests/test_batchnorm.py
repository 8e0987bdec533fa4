r"""The batch normalization chapter: both modes, the running statistics, and the backward pass checked.

The gradients are those of a mean loss $L = \frac{1}{m} \sum_n \ell_n$ with
$\ell_n = \sum G_n \odot Y_n$ (example n's slice): then $dY = m\, \partial L /
\partial Y = G$, and the layer must return $dZ = m\, \partial L / \partial Z$
and $d\gamma = \partial L / \partial \gamma$, $d\beta = \partial L /
\partial \beta$. Batch normalization is smooth, so central differences need
no care about kinks; float64 throughout. The step is 1e-4, not gradcheck's
1e-5: these losses add up 15 to 90 products, so rounding weighs more than in
the gradcheck chapter's small network, and 1e-4 is nearer the balance of the
two errors (the worst entry is then within 1e-8 in both layouts).
"""

import numpy as np
import pytest
from helpers import central_differences

from primitive_nn.activations import tanh, tanh_derivative
from primitive_nn.batchnorm import (EPS, MOMENTUM, batch_axes, batchnorm_backward, batchnorm_eval,
                                    batchnorm_forward, running_update)
from primitive_nn.gradcheck import THRESHOLD, elementwise_relative_error
from primitive_nn.layers import linear_backward, linear_backward_input
from primitive_nn.loss import cross_entropy, one_hot, softmax, softmax_cross_entropy_backward

STEP = 1e-4                                        # central differences' step, for these smooth losses
SHAPES = {"dense": (3, 5), "maps": (3, 5, 3, 2)}   # odd sizes: (n, m) and (m, n_H, n_W, n_C)


def features(Z):
    """Z's shape of gamma: (n, 1) for a dense layer, (n_C,) for maps."""
    return (Z.shape[0], 1) if Z.ndim == 2 else (Z.shape[-1],)


def examples(Z):
    return Z.shape[batch_axes(Z)[0]]


def as_rows(Z):
    """Z as (N, features): one row per entry of the batch axes, one column per feature."""
    return Z.T if Z.ndim == 2 else Z.reshape(-1, Z.shape[-1])


def from_rows(R, Z):
    return R.T if Z.ndim == 2 else R.reshape(Z.shape)


def problem(layout, seed=0):
    """Z far from standard, gamma and beta away from 1 and 0, and an upstream gradient G."""
    rng = np.random.default_rng(seed)
    Z = 3.0 + 2.0 * rng.standard_normal(SHAPES[layout])
    shape = features(Z)
    return Z, rng.uniform(0.5, 2.0, shape), rng.standard_normal(shape), rng.standard_normal(Z.shape)


@pytest.mark.parametrize("layout", SHAPES)
def test_training_mode_standardizes_each_feature_over_its_batch_axes(layout):
    Z, gamma, beta, _ = problem(layout)
    Y, cache = batchnorm_forward(Z, gamma, beta)
    assert Y.shape == Z.shape and cache["Zhat"].shape == Z.shape
    rows, zhat = as_rows(Z), as_rows(cache["Zhat"])
    for f in range(rows.shape[1]):                     # feature by feature, by the definition
        z = rows[:, f]
        expected = (z - z.mean()) / np.sqrt(np.mean((z - z.mean()) ** 2) + EPS)
        np.testing.assert_allclose(zhat[:, f], expected, rtol=1e-12)
        np.testing.assert_allclose(zhat[:, f].var(), z.var() / (z.var() + EPS), rtol=1e-12)
    np.testing.assert_allclose(as_rows(Y), as_rows(cache["Zhat"]) * gamma.ravel() + beta.ravel(),
                               rtol=1e-12)
    assert np.abs(zhat.mean(axis=0)).max() < 1e-12


@pytest.mark.parametrize("layout", SHAPES)
def test_backward_matches_central_differences_of_the_mean_loss(layout):
    Z, gamma, beta, G = problem(layout, seed=1)
    m = examples(Z)

    def loss(Z_, gamma_, beta_):                       # the mean over examples of sum(G_n * Y_n)
        return np.sum(G * batchnorm_forward(Z_, gamma_, beta_)[0]) / m

    _, cache = batchnorm_forward(Z, gamma, beta)
    dZ, dgamma, dbeta = batchnorm_backward(G, cache, gamma)
    assert dgamma.shape == gamma.shape and dbeta.shape == beta.shape
    for analytic, numerical in ((dZ, m * central_differences(lambda Z_: loss(Z_, gamma, beta), Z, STEP)),
                                (dgamma, central_differences(lambda g_: loss(Z, g_, beta), gamma, STEP)),
                                (dbeta, central_differences(lambda b_: loss(Z, gamma, b_), beta, STEP))):
        assert elementwise_relative_error(analytic, numerical).max() <= THRESHOLD


def jacobian_backward(dY, Z, gamma, eps=EPS):
    """The chain rule written out: per feature, dz = gamma * J^T dy with J the full N x N Jacobian
    of zhat with respect to z, built entry by entry from its definition (no compact form)."""
    rows, dy_rows, dZ = as_rows(Z), as_rows(dY), np.zeros(as_rows(Z).shape)
    N = rows.shape[0]
    for f in range(rows.shape[1]):
        z = rows[:, f]
        mu, var = z.mean(), np.mean((z - z.mean()) ** 2)
        s = np.sqrt(var + eps)
        dmu = np.full(N, 1 / N)                                    # d mu / d z_j
        dvar = 2 / N * (z - mu)                                    # d var / d z_j
        ds = dvar / (2 * s)                                        # d s / d z_j
        J = (np.eye(N) - dmu[None, :]) / s - np.outer(z - mu, ds) / s ** 2  # J[k, j] = d zhat_k / d z_j
        dZ[:, f] = gamma.ravel()[f] * J.T @ dy_rows[:, f]
    return from_rows(dZ, Z)


@pytest.mark.parametrize("layout", SHAPES)
def test_the_compact_backward_is_the_chain_rule_through_the_full_jacobian(layout):
    Z, gamma, beta, G = problem(layout, seed=2)
    _, cache = batchnorm_forward(Z, gamma, beta)
    dZ, _, _ = batchnorm_backward(G, cache, gamma)
    np.testing.assert_allclose(dZ, jacobian_backward(G, Z, gamma), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layout", SHAPES)
def test_each_features_gradient_sums_to_zero_and_is_almost_orthogonal_to_zhat(layout):
    Z, gamma, beta, G = problem(layout, seed=3)
    _, cache = batchnorm_forward(Z, gamma, beta)
    dZ, _, _ = batchnorm_backward(G, cache, gamma)
    assert np.abs(as_rows(dZ).sum(axis=0)).max() < 1e-12
    zhat, var = as_rows(cache["Zhat"]), as_rows(cache["var"]).ravel()
    expected = (gamma.ravel() * as_rows(cache["inv_sigma"]).ravel() * EPS / (var + EPS)
                * (as_rows(G) * zhat).sum(axis=0))                 # the module's formula for it
    np.testing.assert_allclose((as_rows(dZ) * zhat).sum(axis=0), expected, rtol=1e-6, atol=1e-15)


def test_a_dense_layer_with_softmax_on_top_matches_central_differences():
    """W -> batch norm -> tanh -> W2 + b2 -> softmax and the mean cross-entropy: the layer's gradients
    pass through linear_backward's convention unchanged."""
    rng = np.random.default_rng(4)
    m, n_x, n_h, n_y = 7, 4, 3, 5
    X, Y = rng.random((n_x, m)), one_hot(rng.integers(0, n_y, m), n_y)
    p = {"W1": rng.standard_normal((n_h, n_x)), "gamma": rng.uniform(0.5, 2, (n_h, 1)),
         "beta": rng.standard_normal((n_h, 1)), "W2": rng.standard_normal((n_y, n_h)),
         "b2": rng.standard_normal((n_y, 1))}

    def passes(p):
        Yb, cache = batchnorm_forward(p["W1"] @ X, p["gamma"], p["beta"])
        return Yb, cache, softmax(p["W2"] @ tanh(Yb) + p["b2"])

    Yb, cache, A2 = passes(p)
    dZ2 = softmax_cross_entropy_backward(A2, Y)                            # per example
    dW2, db2 = linear_backward(dZ2, tanh(Yb))
    dZ1, dgamma, dbeta = batchnorm_backward(linear_backward_input(p["W2"], dZ2) * tanh_derivative(Yb),
                                            cache, p["gamma"])
    dW1, db1 = linear_backward(dZ1, X)
    analytic = {"W1": dW1, "gamma": dgamma, "beta": dbeta, "W2": dW2, "b2": db2}
    for name, grad in analytic.items():
        numerical = central_differences(lambda q: cross_entropy(passes({**p, name: q})[2], Y), p[name], STEP)
        assert elementwise_relative_error(grad, numerical).max() <= THRESHOLD, name
    assert np.abs(db1).max() < 1e-15       # a bias before batch normalization would never move


def test_a_batch_of_one_gives_beta_and_no_gradient_to_a_dense_layer():
    Z, gamma, beta = np.array([[3.0], [-1.0]]), np.array([[2.0], [0.5]]), np.array([[0.3], [-0.7]])
    Y, cache = batchnorm_forward(Z, gamma, beta)
    assert cache["var"].tolist() == [[0.0], [0.0]]                 # sigma^2 = 0: the division is by sqrt(EPS)
    np.testing.assert_array_equal(cache["Zhat"], 0.0)
    np.testing.assert_array_equal(Y, beta)                         # whatever the input
    dY = np.array([[1.5], [-2.0]])
    dZ, dgamma, dbeta = batchnorm_backward(dY, cache, gamma)
    np.testing.assert_array_equal(dZ, 0.0)
    np.testing.assert_array_equal(dgamma, 0.0)
    np.testing.assert_array_equal(dbeta, dY)
    with pytest.raises(ValueError, match="batches of 2 or more"):
        running_update(np.zeros((2, 1)), np.ones((2, 1)), cache)


def test_one_image_still_has_a_variance_per_channel_and_a_constant_channel_stays_finite():
    """A channel constant over the batch gives beta forward; backward, its gradient is amplified
    by gamma / sqrt(EPS), about 316 gamma: the mean is taken out, nothing else is scaled down."""
    rng = np.random.default_rng(5)
    Z = rng.standard_normal((1, 3, 3, 2))
    Z[..., 1] = 4.0                                                # a channel constant over the batch
    gamma, beta = np.array([1.0, 2.0]), np.array([0.0, 0.25])
    Y, cache = batchnorm_forward(Z, gamma, beta)
    assert np.isfinite(Y).all() and cache["var"].ravel()[0] > 0
    np.testing.assert_array_equal(Y[..., 1], 0.25)
    mean, var = running_update(np.zeros(2), np.ones(2), cache)     # N = 9: allowed
    assert np.isfinite(var).all()
    dY = rng.standard_normal(Z.shape)
    dZ, _, _ = batchnorm_backward(dY, cache, gamma)
    np.testing.assert_allclose(dZ[..., 1], 2.0 / np.sqrt(EPS) * (dY[..., 1] - dY[..., 1].mean()), rtol=1e-12)


@pytest.mark.parametrize("layout", SHAPES)
def test_eval_mode_is_an_affine_map_per_feature_and_independent_of_the_batch(layout):
    Z, gamma, beta, _ = problem(layout, seed=6)
    rng = np.random.default_rng(7)
    mean, var = rng.standard_normal(gamma.shape), rng.uniform(0.5, 3.0, gamma.shape)
    Y = batchnorm_eval(Z, gamma, beta, mean, var)
    scale = gamma / np.sqrt(var + EPS)                             # one a and one c per feature
    np.testing.assert_allclose(Y, scale * Z + (beta - scale * mean), rtol=1e-12)
    first = (slice(None), slice(0, 1)) if Z.ndim == 2 else (slice(0, 1),)
    np.testing.assert_allclose(batchnorm_eval(Z[first], gamma, beta, mean, var), Y[first], rtol=1e-12)
    alone, in_batch = batchnorm_forward(Z[first], gamma, beta)[0], batchnorm_forward(Z, gamma, beta)[0][first]
    assert not np.allclose(alone, in_batch)                        # training mode: the batch matters


@pytest.mark.parametrize("layout", SHAPES)
def test_eval_with_the_batchs_own_statistics_is_training_mode(layout):
    Z, gamma, beta, _ = problem(layout, seed=8)
    Y, cache = batchnorm_forward(Z, gamma, beta)
    np.testing.assert_allclose(batchnorm_eval(Z, gamma, beta, cache["mu"].reshape(gamma.shape),
                                              cache["var"].reshape(gamma.shape)), Y, rtol=1e-12)


def test_one_running_step_weights_the_old_value_by_the_momentum():
    Z = np.array([[1.0, 2.0, 6.0], [0.0, 0.0, 3.0]])              # means 3 and 1, variances 14/3 and 2
    _, cache = batchnorm_forward(Z, np.ones((2, 1)), np.zeros((2, 1)))
    old_mean, old_var = np.array([[1.0], [1.0]]), np.array([[2.0], [2.0]])
    mean, var = running_update(old_mean, old_var, cache, momentum=0.8)
    np.testing.assert_allclose(mean, [[0.8 * 1 + 0.2 * 3], [0.8 * 1 + 0.2 * 1]])
    np.testing.assert_allclose(var, [[0.8 * 2 + 0.2 * 7], [0.8 * 2 + 0.2 * 3]])  # times 3/2: unbiased
    assert old_mean.tolist() == [[1.0], [1.0]] and MOMENTUM == 0.9


@pytest.mark.parametrize("layout, shape", [("dense", (400, 4)), ("maps", (2, 1, 2, 400))])
def test_running_statistics_settle_at_the_distributions_mean_and_variance(layout, shape):
    """Batches of N = 4 per feature, drawn from known distributions: the corrected running variance
    settles at the variance, where the batches' own (N - 1)/N would put it at three quarters of it."""
    rng = np.random.default_rng(9)
    n = shape[0] if layout == "dense" else shape[-1]
    mu, sigma = rng.uniform(-3, 3, n), rng.uniform(0.5, 2.0, n)
    along = (lambda v: v[:, None]) if layout == "dense" else (lambda v: v)   # a feature's broadcast
    gamma = np.ones((n, 1)) if layout == "dense" else np.ones(n)
    mean, var = np.zeros(gamma.shape), np.ones(gamma.shape)
    ratios = []
    for step in range(400):
        Z = along(mu) + along(sigma) * rng.standard_normal(shape)
        _, cache = batchnorm_forward(Z, gamma, 0 * gamma)
        mean, var = running_update(mean, var, cache)
        if step >= 100:                                           # the start forgotten: 0.9^100
            ratios.append(var.ravel() / sigma ** 2)
    assert np.sqrt(np.mean(((mean.ravel() - mu) / sigma) ** 2)) < 0.2  # about sqrt(0.1 / 1.9 / 4) = 0.11
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.02)         # not 0.75


def test_shapes_are_checked_and_float32_stays_float32():
    Z = np.zeros((4, 6), dtype=np.float32)
    with pytest.raises(ValueError, match=r"shape \(4, 1\), like the layer's bias"):
        batchnorm_forward(Z, np.ones(4), np.zeros(4))
    with pytest.raises(ValueError, match=r"\(n, m\).*\(m, n_H, n_W, n_C\)"):
        batchnorm_forward(np.zeros((2, 3, 4)), np.ones(4), np.zeros(4))
    Z = np.random.default_rng(10).standard_normal((2, 3, 3, 4)).astype(np.float32)
    gamma, beta = np.ones(4, np.float32), np.zeros(4, np.float32)
    Y, cache = batchnorm_forward(Z, gamma, beta)
    dZ, dgamma, dbeta = batchnorm_backward(Y, cache, gamma)
    evaluated = batchnorm_eval(Z, gamma, beta, beta, gamma)
    assert {a.dtype for a in (Y, dZ, dgamma, dbeta, evaluated)} == {np.dtype(np.float32)}
