r"""Softmax and cross-entropy, and why their joint gradient is $A - Y$.

The output layer turns each column of logits $z = Z^{[2]}_{:,j}$ into a
probability distribution over the 10 digits, and the loss scores how much
probability landed on the true digit.

## Softmax

$$
a_i = \operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_{k} e^{z_k}} .
$$

Every $a_i$ is positive and the column sums to 1. Applied to all $m$
columns at once, the sum runs down each column: `axis=0`.

**Stability.** $e^{z}$ overflows float64 once $z > 709$ (float32: $z > 88$),
and then the formula computes $\infty / \infty = \mathrm{NaN}$. Softmax does
not change when the same constant $c$ is subtracted from every logit in a
column,

$$
\frac{e^{z_i - c}}{\sum_k e^{z_k - c}}
= \frac{e^{-c}\, e^{z_i}}{e^{-c} \sum_k e^{z_k}} = a_i ,
$$

so we take $c = \max_k z_k$. The largest exponent becomes $e^0 = 1$, nothing
overflows, and the denominator is at least 1, so nothing divides by zero:
`E = np.exp(Z - Z.max(axis=0, keepdims=True))`, then
`A = E / E.sum(axis=0, keepdims=True)`. The seed used the naive formula; see
the examples of `softmax` for the NaN it produces.

**The Jacobian.** Differentiate $a_i = e^{z_i} / S$ with $S = \sum_k e^{z_k}$
and $\partial S / \partial z_k = e^{z_k}$, by the quotient rule:

$$
\frac{\partial a_i}{\partial z_k}
= \frac{\delta_{ik} e^{z_i} S - e^{z_i} e^{z_k}}{S^2}
= a_i (\delta_{ik} - a_k),
$$

where $\delta_{ik}$ is 1 if $i = k$ and 0 otherwise. As a matrix,
$J = \operatorname{diag}(a) - a a^\top$, which is `np.diag(a) - np.outer(a, a)`
(see `softmax_jacobian`).

## Cross-entropy

With a one-hot label column $y$ (a 1 at the true digit, 0 elsewhere), the
loss of one example is minus the log-probability of the true digit, and the
loss of a batch is the **mean over the $m$ examples**:

$$
\ell_j = -\sum_i Y_{ij} \log A_{ij}, \qquad
L = \frac{1}{m} \sum_{j=1}^{m} \ell_j .
$$

It is $\ge 0$ because every $A_{ij} \le 1$, and it is 0 only for a certain,
correct prediction. A network that knows nothing predicts $a_i = 1/10$ for
every digit and pays $\ln 10 \approx 2.303$: small random weights start
close to that. **Safeguard:** an $A_{ij}$ that underflowed to 0 would give
$\log 0 = -\infty$, so probabilities are clipped to the smallest positive
normal number of their dtype before the log. This changes nothing for any
probability that did not underflow.

## The joint gradient: $dZ^{[2]} = A^{[2]} - Y$

By the chain rule through the Jacobian, for one example

$$
\frac{\partial \ell}{\partial z_k}
= \sum_i \frac{\partial \ell}{\partial a_i} \frac{\partial a_i}{\partial z_k}
= \sum_i \left(-\frac{y_i}{a_i}\right) a_i (\delta_{ik} - a_k)
= -y_k + a_k \sum_i y_i = a_k - y_k ,
$$

since the one-hot $y$ sums to 1. The $1/a_i$ from the log cancels the $a_i$
from the Jacobian: neither is ever formed, which is also why this route is
numerically safe. For the whole batch, in the per-example convention of
`primitive_nn.layers`,

$$
dZ^{[2]} = A^{[2]} - Y,
$$

which is `dZ2 = A2 - Y`.

**Each column of $A - Y$ sums to zero**, because both $A_{:,j}$ and
$Y_{:,j}$ sum to 1. So the seed's scalar bias gradient
`db2 = 1 / m * np.sum(dZ2)`, a sum over every unit *and* every example, is a
sum of zeros: it is always 0 (up to rounding) and the output biases never
move from their random start. The examples of `softmax_cross_entropy_backward`
show it. The correct gradient is per unit: the row means of $dZ^{[2]}$,
which are not zero.
"""

import numpy as np


def softmax(Z):
    r"""Column-wise softmax, stabilized by subtracting each column's max.

    $$A_{ij} = \frac{e^{Z_{ij} - \max_k Z_{kj}}}{\sum_{k} e^{Z_{kj} - \max_k Z_{kj}}}$$

    Parameters
    ----------
    Z : ndarray of shape (n_y, m)
        Logits, one example per column.

    Returns
    -------
    A : ndarray of shape (n_y, m)
        Probabilities; each column is positive and sums to 1.

    Examples
    --------
    Equal logits give equal probabilities; shifting a column changes nothing:

    >>> import numpy as np
    >>> softmax(np.array([[0.0, 5.0], [0.0, 5.0]]))
    array([[0.5, 0.5],
           [0.5, 0.5]])
    >>> A = softmax(np.array([[1.0], [2.0], [3.0]]))
    >>> A.round(4).ravel().tolist(), round(float(A.sum()), 12)
    ([0.09, 0.2447, 0.6652], 1.0)

    Large logits: the naive formula overflows to NaN, this one does not.

    >>> Z = np.array([[1000.0], [999.0]])
    >>> with np.errstate(over="ignore", invalid="ignore"):
    ...     naive = np.exp(Z) / np.exp(Z).sum(axis=0)
    >>> naive.ravel().tolist()
    [nan, nan]
    >>> softmax(Z).round(4).ravel().tolist()
    [0.7311, 0.2689]
    """
    E = np.exp(Z - Z.max(axis=0, keepdims=True))  # (n_y, m), every entry in (0, 1]
    return E / E.sum(axis=0, keepdims=True)        # (n_y, m) / (1, m)


def softmax_jacobian(a):
    r"""Jacobian of softmax at one example: $J_{ik} = a_i(\delta_{ik} - a_k)$.

    Used to check the derivation; training never forms it.

    Parameters
    ----------
    a : ndarray of shape (n_y,)
        Softmax output for one example.

    Returns
    -------
    J : ndarray of shape (n_y, n_y)
        $J = \operatorname{diag}(a) - a a^\top$, symmetric; each row sums to 0.

    Examples
    --------
    >>> import numpy as np
    >>> J = softmax_jacobian(np.array([0.5, 0.5]))
    >>> J
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    return np.diag(a) - np.outer(a, a)


def one_hot(labels, n_classes=10, dtype=np.float64):
    r"""One-hot matrix with one column per example: $Y_{ij} = 1$ iff label$_j = i$.

    Parameters
    ----------
    labels : ndarray of shape (m,)
        Integer class labels in ``0 .. n_classes - 1``.
    n_classes : int
    dtype : numpy dtype of the result

    Returns
    -------
    Y : ndarray of shape (n_classes, m)

    Examples
    --------
    >>> import numpy as np
    >>> one_hot(np.array([2, 0]), n_classes=3)
    array([[0., 1.],
           [0., 0.],
           [1., 0.]])
    """
    m = labels.shape[0]
    Y = np.zeros((n_classes, m), dtype=dtype)
    Y[labels, np.arange(m)] = 1
    return Y


def cross_entropy(A, Y):
    r"""Mean cross-entropy over the m examples: $L = -\frac{1}{m}\sum_{j}\sum_i Y_{ij}\log A_{ij}$.

    Probabilities are clipped below at the dtype's smallest normal number,
    so an underflowed probability costs a large finite loss, not infinity.

    Parameters
    ----------
    A : ndarray of shape (n_y, m)
        Predicted probabilities, columns summing to 1.
    Y : ndarray of shape (n_y, m)
        One-hot labels.

    Returns
    -------
    float
        The loss, $\ge 0$.

    Examples
    --------
    A uniform guess over 10 digits costs $\ln 10$; a sure, right guess costs 0.

    >>> import numpy as np
    >>> Y = one_hot(np.array([3]))
    >>> round(cross_entropy(np.full((10, 1), 0.1), Y), 4)
    2.3026
    >>> cross_entropy(Y, Y) == 0
    True
    """
    m = Y.shape[1]
    tiny = np.finfo(A.dtype).tiny
    return float(-(Y * np.log(np.maximum(A, tiny))).sum() / m)


def softmax_cross_entropy_backward(A, Y):
    r"""Per-example gradient of cross-entropy through softmax: $dZ = A - Y$.

    Parameters
    ----------
    A : ndarray of shape (n_y, m)
        Softmax output of the forward pass.
    Y : ndarray of shape (n_y, m)
        One-hot labels.

    Returns
    -------
    dZ : ndarray of shape (n_y, m)
        $\partial \ell_j / \partial Z_{:,j}$ in column j.

    Examples
    --------
    Every column of $A - Y$ sums to zero, so the seed's scalar bias
    gradient, the sum of all entries over m, is zero whatever the data:

    >>> import numpy as np
    >>> A = softmax(np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 0.5], [1.0, 0.0, 0.5]]))
    >>> Y = one_hot(np.array([0, 2, 1]), n_classes=3)
    >>> dZ = softmax_cross_entropy_backward(A, Y)
    >>> bool(np.abs(dZ.sum(axis=0)).max() < 1e-15)   # each column sums to 0
    True
    >>> m = 3
    >>> abs(float(np.sum(dZ) / m)) < 1e-15           # the seed's db2: always 0
    True
    >>> dZ.mean(axis=1, keepdims=True).round(3)      # the correct db2: per unit
    array([[ 0.005],
           [ 0.12 ],
           [-0.125]])
    """
    return A - Y  # (n_y, m)
