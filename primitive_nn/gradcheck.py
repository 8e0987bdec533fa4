r"""Checking gradients numerically.

Every formula in the previous chapters was derived by hand, and a derivation
can be wrong in ways no test of shapes will catch: a missing $\frac{1}{m}$,
a transpose on the wrong side, a sum over the wrong axis. The remedy is to
compare the backward pass with the one definition of a derivative that
needs no derivation at all.

## Central differences

For one parameter entry $\theta$ (say $W^{[1]}_{ik}$), nudge it by $\pm
\varepsilon$, run the forward pass twice, and divide:

$$
\frac{\partial L}{\partial \theta} \approx
\frac{L(\theta + \varepsilon) - L(\theta - \varepsilon)}{2\varepsilon} .
$$

By Taylor's theorem the one-sided quotient $\frac{L(\theta+\varepsilon) -
L(\theta)}{\varepsilon}$ is off by $O(\varepsilon)$, while in the central one
the even terms cancel and the error is $O(\varepsilon^2)$. Rounding adds an
error of about $\epsilon_{\text{mach}} |L| / \varepsilon$, so in float64
($\epsilon_{\text{mach}} \approx 2.2 \times 10^{-16}$) a step of
$\varepsilon = 10^{-6}$ balances the two near $10^{-10}$. In float32 the
check cannot reach the threshold below; it always runs in float64.

## Relative error

For each parameter we compare the analytic gradient $a$ (from `backward`)
with the numerical one $n$ by

$$
\text{rel}(a, n) = \frac{\lVert a - n \rVert_2}{\lVert a \rVert_2 + \lVert n \rVert_2},
$$

`np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n))`, which is
0 for a perfect match, 1 for opposite signs, and insensitive to the overall
scale of the gradient. Following the CS231n notes, we ask for $\le 10^{-7}$.

**Kinks.** ReLU has a corner at $z = 0$, where finite differences average
the two one-sided slopes. The check is run at random points, where no
$Z^{[l]}$ lies within $\varepsilon$ of zero (`check_gradients` asserts this),
so the corner is never straddled.

**The seed's bias gradient fails.** The seed's `np.sum(dZ) / m` gives every
bias of a layer the same number. For $b^{[2]}$ that number is always 0, as
`primitive_nn.loss` shows, so the relative error is 1: the check fails
outright. The examples below run both.

## Cost

The check runs the forward pass twice per parameter entry, so it is for
tiny networks only: a 784-10-10 network has 7,960 parameters and would need
15,920 forward passes per check, where `backward` needs one.
"""

import numpy as np

from primitive_nn.loss import cross_entropy
from primitive_nn.network import backward, forward, n_layers


def loss(params, X, Y):
    r"""Mean cross-entropy of the network on (X, Y): $L(\theta)$.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_0, m)
    Y : ndarray of shape (n_L, m)
        One-hot labels.

    Returns
    -------
    float
    """
    return cross_entropy(forward(params, X)[f"A{n_layers(params)}"], Y)


def numerical_gradient(params, name, X, Y, eps=1e-6):
    r"""Central-difference estimate of $\partial L / \partial \theta$ for every entry of one parameter.

    Parameters
    ----------
    params : dict of str to ndarray
        Not modified: each entry is nudged and restored on a copy.
    name : str
        Which parameter, for example ``"W1"``.
    X : ndarray of shape (n_0, m)
    Y : ndarray of shape (n_L, m)
    eps : float
        The step $\varepsilon$.

    Returns
    -------
    ndarray shaped like ``params[name]``

    Examples
    --------
    The bias of a softmax over two classes: $L = -\log a_0$, and
    $\partial L / \partial b_0 = a_0 - 1 = -0.5$ at equal logits.

    >>> import numpy as np
    >>> params = {"W1": np.zeros((2, 1)), "b1": np.zeros((2, 1))}
    >>> X, Y = np.ones((1, 1)), np.array([[1.0], [0.0]])
    >>> numerical_gradient(params, "b1", X, Y).round(6).ravel().tolist()
    [-0.5, 0.5]
    """
    nudged = dict(params, **{name: params[name].copy()})
    theta = nudged[name]
    grad = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        saved = theta[index]
        theta[index] = saved + eps
        plus = loss(nudged, X, Y)
        theta[index] = saved - eps
        minus = loss(nudged, X, Y)
        theta[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a, n):
    r"""$\lVert a - n \rVert / (\lVert a \rVert + \lVert n \rVert)$, or 0 if both are zero.

    Examples
    --------
    >>> import numpy as np
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    >>> relative_error(np.array([1.0, 0.0]), np.array([0.0, 0.0]))
    1.0
    """
    denominator = np.linalg.norm(a) + np.linalg.norm(n)
    return float(np.linalg.norm(a - n) / denominator) if denominator > 0 else 0.0


def check_gradients(params, X, Y, backprop=backward, eps=1e-6):
    r"""Relative error of `backprop` against central differences, for every parameter.

    Parameters
    ----------
    params : dict of str to ndarray
        float64 parameters.
    X : ndarray of shape (n_0, m)
    Y : ndarray of shape (n_L, m)
    backprop : callable
        ``backprop(params, cache, Y) -> grads``, the backward pass under test.
    eps : float

    Returns
    -------
    dict of str to float
        ``{"W1": rel, "b1": rel, ...}``; $\le 10^{-7}$ means the formula is right.

    Raises
    ------
    ValueError
        If a parameter is not float64, or a pre-activation lies within a few
        $\varepsilon$ of ReLU's corner at 0.

    Examples
    --------
    >>> import numpy as np
    >>> from primitive_nn.loss import one_hot
    >>> from primitive_nn.network import init_params
    >>> rng = np.random.default_rng(1)
    >>> params = init_params([5, 4, 3], rng)
    >>> X, Y = rng.random((5, 6)), one_hot(rng.integers(0, 3, 6), 3)
    >>> errors = check_gradients(params, X, Y)
    >>> sorted(errors), max(errors.values()) <= 1e-7
    (['W1', 'W2', 'b1', 'b2'], True)

    The seed's scalar bias gradients fail on both layers:

    >>> from primitive_nn.seed import backward_seed
    >>> errors = check_gradients(params, X, Y, backprop=backward_seed)
    >>> {name: err <= 1e-7 for name, err in errors.items()}
    {'W1': True, 'b1': False, 'W2': True, 'b2': False}
    """
    cache = forward(params, X)
    for name, p in params.items():
        if p.dtype != np.float64:
            raise ValueError(f"{name} is {p.dtype}; gradient checks need float64")
    for l in range(1, n_layers(params)):
        if np.abs(cache[f"Z{l}"]).min() < 10 * eps:
            raise ValueError(f"Z{l} has an entry within {10 * eps:g} of ReLU's corner; pick another point")
    grads = backprop(params, cache, Y)
    return {name: relative_error(grads["d" + name], numerical_gradient(params, name, X, Y, eps))
            for name in params}
