r"""ReLU: the hidden layer's nonlinearity, and its derivative.

A stack of linear layers is still one linear map: $W^{[2]}(W^{[1]}X) =
(W^{[2]}W^{[1]})X$. To learn anything a straight line cannot, each hidden
layer bends its output with a nonlinearity applied element by element. We
use the rectified linear unit,

$$
\operatorname{relu}(z) = \max(0, z),
$$

which passes positive values and zeroes the rest. In NumPy, on a whole
matrix at once: `np.maximum(Z, 0)`.

# The derivative, and the point $z = 0$

Away from zero the derivative is plain:

$$
\operatorname{relu}'(z) =
\begin{cases} 1 & z > 0 \\ 0 & z < 0. \end{cases}
$$

At $z = 0$ the function has a corner and no derivative. Any slope
$s \in [0, 1]$ there is a *subgradient*: the line through the origin with
slope $s$ stays below the graph of $\max(0, z)$, which is what convex
analysis asks of a generalized gradient. We take $s = 0$, as the seed does
with `Z > 0`.

**Why the choice is essentially never consulted.** In the network the
pre-activation is $Z^{[1]}_{ij} = \sum_k W^{[1]}_{ik} X_{kj} + b^{[1]}_i$.
The weights and biases start as draws from a continuous distribution, so
for a fixed input column the event $Z^{[1]}_{ij} = 0$ asks a continuous
random variable to land on a single point: it has probability zero, and
the updates of training, smooth functions of that random start, keep it so.
(The exception is an input column that is all zeros together with biases
that are exactly zero, as He's start has; a bias drawn from
$U[-0.5, 0.5)$, or any bias after the first step, rules it out.) The
convention is a rule for a case that practically never comes up.

**What one corner would change.** Suppose it did: one entry $Z^{[1]}_{ij}$
is exactly 0, and we had chosen slope $s$ there instead of 0. Then
$dZ^{[1]}_{ij} = s\, dA^{[1]}_{ij}$ instead of 0. That one number enters

$$
dW^{[1]} = \tfrac{1}{m}\, dZ^{[1]} X^\top, \qquad
dW^{[1]}_{ik} = \tfrac{1}{m} \textstyle\sum_{j'} dZ^{[1]}_{ij'} X_{kj'},
$$

through **row $i$ of $dW^{[1]}$**: every incoming weight of unit $i$
changes, entry $k$ by $\frac{1}{m} s\, dA^{[1]}_{ij} X_{kj}$, weighted by
pixel $k$ of example $j$. It also changes $db^{[1]}_i$ by
$\frac{1}{m} s\, dA^{[1]}_{ij}$. (A corner in a higher layer $l$ of a
deeper network also changes column $j$ of $dA^{[l-1]}$, and with it the
gradients of every layer below.) So a corner is not "one entry of one
gradient"; it is one example's whole contribution to one unit.

**Where it does matter: finite differences.** A central difference with
step $\varepsilon$ at a point $|z| < \varepsilon$ straddles the corner:
$z + \varepsilon > 0$ and $z - \varepsilon < 0$, so

$$
\frac{\operatorname{relu}(z + \varepsilon) - \operatorname{relu}(z - \varepsilon)}{2\varepsilon}
= \frac{(z + \varepsilon) - 0}{2\varepsilon}
= \frac{1}{2} + \frac{z}{2\varepsilon} ,
$$

which takes every value in $(0, 1)$ as $z$ runs over $(-\varepsilon,
\varepsilon)$: $\frac{1}{2}$ only at $z = 0$ exactly, near 0 just above
$-\varepsilon$, near 1 just below $\varepsilon$. It matches neither
convention and is not a derivative of anything. In the network a nudge of
one weight moves a pre-activation by $\varepsilon$ times an input, so
`primitive_nn.gradcheck` refuses any point where some $|Z^{[l]}_{ij}|$ is
below $10\varepsilon$: there the check would measure this artefact, not the
backward pass. The examples of `relu_derivative` show it.

Backpropagation needs the derivative as a mask: the upstream gradient
passes where the unit was active and stops where it was not,

$$
dZ^{[1]} = dA^{[1]} \odot \operatorname{relu}'(Z^{[1]}),
$$

which is `dZ1 = dA1 * relu_derivative(Z1)`.

# Two older choices

Before ReLU, hidden layers bent their outputs with S-shaped curves: the
logistic sigmoid $\sigma(z) = 1 / (1 + e^{-z})$ and $\tanh z$. Both are
smooth, so their derivatives need no convention,

$$
\sigma'(z) = \sigma(z)\,(1 - \sigma(z)), \qquad
\tanh'(z) = 1 - \tanh^2 z ,
$$

`sigmoid(Z) * sigmoid(-Z)` (the same number, since $1 - \sigma(z) =
\sigma(-z)$) and `1 - np.tanh(Z) ** 2`. Both flatten out for large $|z|$,
and that costs the backward pass dearly: Part II's chapter on saturation
(`primitive_nn.saturation`) derives how, and measures it. `ACTIVATIONS`
maps each name to its function and derivative; the network's forward and
backward passes take the name (`activation="relu"` by default).
"""

import numpy as np


def relu(Z):
    r"""Rectified linear unit, element by element: $\max(0, z)$.

    Parameters
    ----------
    Z : ndarray of any shape
        Pre-activations, for example $Z^{[1]}$ of shape (n_h, m).

    Returns
    -------
    A : ndarray of the same shape and dtype as Z

    Examples
    --------
    >>> import numpy as np
    >>> relu(np.array([[-2.0, 0.0, 3.0]]))
    array([[0., 0., 3.]])
    """
    return np.maximum(Z, 0)


def relu_derivative(Z):
    r"""Derivative of ReLU as a mask of zeros and ones in `Z`'s dtype, with $\operatorname{relu}'(0) = 0$.

    Parameters
    ----------
    Z : ndarray of any shape
        The pre-activations that were fed to `relu`.

    Returns
    -------
    mask : ndarray of the same shape and dtype as Z
        1 where $z > 0$, else 0.

    Examples
    --------
    >>> import numpy as np
    >>> relu_derivative(np.array([[-2.0, 0.0, 3.0]]))
    array([[0., 0., 1.]])

    A central difference that straddles the corner measures
    $\frac{1}{2} + \frac{z}{2\varepsilon}$, neither 0 nor 1:

    >>> eps = 0.5
    >>> z = np.array([-0.25, 0.0, 0.25])
    >>> (relu(z + eps) - relu(z - eps)) / (2 * eps)
    array([0.25, 0.5 , 0.75])
    >>> 0.5 + z / (2 * eps)
    array([0.25, 0.5 , 0.75])
    """
    return (Z > 0).astype(Z.dtype)


def sigmoid(Z):
    r"""The logistic sigmoid, element by element: $\sigma(z) = 1 / (1 + e^{-z})$.

    `1 / (1 + np.exp(-Z))` overflows for $z < -709$ in float64. For $z < 0$
    the same number is $e^{z} / (1 + e^{z})$ (multiply above and below by
    $e^{z}$), so one expression serves both signs with exponents that are
    never positive: $e^{\min(z, 0)} / (1 + e^{-|z|})$.

    Parameters
    ----------
    Z : ndarray of any shape

    Returns
    -------
    A : ndarray of the same shape and dtype as Z, in $[0, 1]$

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([-1000.0, 0.0, 2.0])).round(4).tolist()
    [0.0, 0.5, 0.8808]
    >>> round(float(1 / (1 + np.exp(-2.0))), 4)
    0.8808
    """
    return np.exp(np.minimum(Z, 0)) / (1 + np.exp(-np.abs(Z)))


def sigmoid_derivative(Z):
    r"""Derivative of the sigmoid at `Z`: $\sigma(z)(1 - \sigma(z))$, at most $\frac{1}{4}$, at $z = 0$.

    Computed as $\sigma(z)\,\sigma(-z)$, the same number, since
    $1 - \sigma(z) = \sigma(-z)$; it keeps its precision where
    $1 - \sigma(z)$ would subtract nearly equal numbers.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid_derivative(np.array([0.0, 5.0, -10.0])).round(5).tolist()
    [0.25, 0.00665, 5e-05]

    A central difference agrees:

    >>> z, eps = np.array([0.3, -2.0]), 1e-6
    >>> bool(np.allclose((sigmoid(z + eps) - sigmoid(z - eps)) / (2 * eps), sigmoid_derivative(z)))
    True
    """
    return sigmoid(Z) * sigmoid(-Z)


def tanh(Z):
    r"""The hyperbolic tangent, element by element: $\tanh z = 2\sigma(2z) - 1$, in $(-1, 1)$.

    Examples
    --------
    >>> import numpy as np
    >>> tanh(np.array([-1000.0, 0.0, 1.0])).round(4).tolist()
    [-1.0, 0.0, 0.7616]
    """
    return np.tanh(Z)


def tanh_derivative(Z):
    r"""Derivative of tanh at `Z`: $1 - \tanh^2 z$, at most 1, at $z = 0$.

    Examples
    --------
    >>> import numpy as np
    >>> tanh_derivative(np.array([0.0, 3.0])).round(5).tolist()
    [1.0, 0.00987]
    >>> z, eps = np.array([0.3, -2.0]), 1e-6
    >>> bool(np.allclose((tanh(z + eps) - tanh(z - eps)) / (2 * eps), tanh_derivative(z)))
    True
    """
    return 1 - np.tanh(Z) ** 2


ACTIVATIONS = {"relu": (relu, relu_derivative), "sigmoid": (sigmoid, sigmoid_derivative),
               "tanh": (tanh, tanh_derivative)}  # name -> (function, derivative)
