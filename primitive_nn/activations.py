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

## The derivative, and the point $z = 0$

Away from zero the derivative is plain:

$$
\operatorname{relu}'(z) =
\begin{cases} 1 & z > 0 \\ 0 & z < 0. \end{cases}
$$

At $z = 0$ the function has a corner and no derivative. Any slope
$s \in [0, 1]$ there is a *subgradient*: the line through the origin with
slope $s$ stays below the graph of $\max(0, z)$, which is exactly what
convex analysis asks of a generalized gradient. We take $s = 0$, as the seed
does with `Z > 0`. The choice cannot matter in practice:

* $Z^{[1]} = W^{[1]}X + b^{[1]}$ with real-valued, randomly initialized
  weights hits exactly $0.0$ with probability zero, so the convention is
  almost never consulted;
* when it is, a single entry of one gradient changes by a bounded amount,
  and gradient descent with any subgradient still descends on average.

It does matter for the numerical gradient check: a finite difference that
straddles $z = 0$ sees a slope near $1/2$, matching neither convention.
`primitive_nn.gradcheck` therefore checks at points with no $Z$ near zero.

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
    ndarray of the same shape and dtype as `Z`

    Examples
    --------
    >>> import numpy as np
    >>> relu(np.array([[-2.0, 0.0, 3.0]]))
    array([[0., 0., 3.]])
    """
    return np.maximum(Z, 0)


def relu_derivative(Z):
    r"""Derivative of ReLU as a 0/1 mask of `Z`'s dtype, with $\operatorname{relu}'(0) = 0$.

    Parameters
    ----------
    Z : ndarray of any shape
        The pre-activations that were fed to `relu`.

    Returns
    -------
    ndarray of the same shape and dtype as `Z`
        1 where $z > 0$, else 0.

    Examples
    --------
    >>> import numpy as np
    >>> relu_derivative(np.array([[-2.0, 0.0, 3.0]]))
    array([[0., 0., 1.]])
    """
    return (Z > 0).astype(Z.dtype)
