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
