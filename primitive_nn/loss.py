r"""Softmax and cross-entropy, and why their joint gradient is $A - Y$.

The output layer turns each column of logits $z = Z^{[2]}_{:,j}$ into a
probability distribution over the 10 digits, and the loss scores how much
probability landed on the true digit.

# Softmax

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
\label{softmax-shift}
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

# Cross-entropy

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
close to that.

## Why this loss: maximum likelihood

Column $j$ of $A$ is a probability distribution over the digits, so the
network assigns probability $A_{y_j j}$ to example $j$'s true label $y_j$.
Treating the examples as independent, the probability it assigns to all the
labels of the batch, the *likelihood* of the parameters, is the product

$$
\prod_{j=1}^{m} A_{y_j j} .
$$

Maximum likelihood chooses the parameters that make the labels we observed
most probable. The logarithm is increasing, so maximizing the product is
maximizing $\sum_j \log A_{y_j j}$ (a sum, which unlike a product of
thousands of numbers below 1 does not underflow), and that is minimizing

$$
-\frac{1}{m} \sum_{j=1}^{m} \log A_{y_j j}
= -\frac{1}{m} \sum_{j=1}^{m} \sum_i Y_{ij} \log A_{ij} = L ,
$$

because the one-hot column $Y_{:,j}$ picks out row $y_j$. With the labels
as integers that is `-np.log(A[labels, np.arange(m)]).mean()`. The factor
$\frac{1}{m}$ moves no minimum; it makes $L$ a mean, comparable between
batches of different sizes. Cross-entropy is not one loss among many that
happen to work: it is the negative log-likelihood of the softmax model.

## Computing it from the logits

**Safeguard by clipping.** An $A_{ij}$ that underflowed to 0 would give
$\log 0 = -\infty$, so `cross_entropy` clips probabilities to the smallest
positive normal number of their dtype before the log. That keeps the loss
finite, and changes nothing for a probability that did not underflow. But
it is not exact: for a probability that did underflow it returns
$-\log(2.2 \times 10^{-308}) \approx 708.4$ (float64) whatever the true
log-probability was, so the loss is capped there, and the capped function
is no longer the one whose gradient is $A - Y$.

**Log-sum-exp is exact.** Take the log of the softmax before computing
the softmax:

$$
\log A_{ij} = Z_{ij} - \log \sum_k e^{Z_{kj}}
= Z_{ij} - c_j - \log \sum_k e^{Z_{kj} - c_j},
\qquad c_j = \max_k Z_{kj} ,
$$

which is `log_A = Z - c - np.log(np.exp(Z - c).sum(axis=0, keepdims=True))`
with `c = Z.max(axis=0, keepdims=True)`. Every exponent is at most 0, so
nothing overflows; the largest term of the sum is $e^0 = 1$, so the sum lies
between 1 and $n_y$ and its log between 0 and $\ln n_y$: no log of 0, and
no underflow that matters (a term that underflows is one the sum could not
register anyway). $\log A_{ij}$ comes out as a difference of moderate
numbers, correct to rounding even where $A_{ij}$ itself is far below the
smallest float. `cross_entropy_from_logits` computes $L$ this way, and the
training loop (`primitive_nn.train`) uses it, so the loss it records is the
true loss even for a network that is sure of a wrong digit.

# The joint gradient: $dZ^{[2]} = A^{[2]} - Y$

By the chain rule through the Jacobian, for one example

$$
\frac{\partial \ell}{\partial z_k}
= \sum_i \frac{\partial \ell}{\partial a_i} \frac{\partial a_i}{\partial z_k}
= \sum_i \left(-\frac{y_i}{a_i}\right) a_i (\delta_{ik} - a_k)
= -y_k + a_k \sum_i y_i = a_k - y_k ,
\label{softmax-gradient}
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

## Why the correct $db^{[2]}$ sums to zero

The row means do, however, **add up to zero**, and not by accident.
Adding the same constant $c$ to every output bias adds $c$ to every logit
of every column, and softmax ignores that, [](#softmax-shift).
So the loss does not change along the direction $\mathbf{1}$:

$$
L(b^{[2]} + c\,\mathbf{1}) = L(b^{[2]}) \quad \text{for every } c .
$$

Differentiate in $c$ at $c = 0$; by the chain rule,

$$
0 = \frac{d}{dc} L(b^{[2]} + c\,\mathbf{1}) \Big|_{c=0}
= \sum_i \frac{\partial L}{\partial b^{[2]}_i} \cdot 1
= \mathbf{1}^\top db^{[2]} ,
$$

which is `db2.sum() == 0` up to rounding. Now the seed's scalar is exactly
this sum: $\frac{1}{m} \sum_{i,j} dZ^{[2]}_{ij} = \sum_i \frac{1}{m}
\sum_j dZ^{[2]}_{ij} = \sum_i db^{[2]}_i$. It measures the one direction in
which the loss cannot change, so it is zero for every network and every
batch, and the seed's output biases learn nothing. The correct update keeps
the components the loss does depend on. Under gradient descent, plain or
with momentum (whose velocity is a sum of such gradients), its steps sum to
zero too, so they never move the biases' mean; Adam divides each component
by its own scale, and its steps can.
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
        Integer class labels from 0 to `n_classes` - 1.
    n_classes : int
        The number of classes, $n_y$.
    dtype : numpy dtype
        The dtype of the result.

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


def cross_entropy_from_logits(Z, Y):
    r"""Mean cross-entropy computed from the logits, with log-sum-exp: no clipping needed.

    $\log A_{ij} = Z_{ij} - \log\sum_k e^{Z_{kj}}$, and with $c_j = \max_k Z_{kj}$,
    $\log\sum_k e^{Z_{kj}} = c_j + \log\sum_k e^{Z_{kj} - c_j}$, whose sum is
    at least 1. So

    $$L = \frac{1}{m}\sum_j \Big(c_j + \log\sum_k e^{Z_{kj} - c_j} - \sum_i Y_{ij} Z_{ij}\Big)$$

    is exact for any logits, even where $A_{ij}$ itself underflows to 0.

    Parameters
    ----------
    Z : ndarray of shape (n_y, m)
        Logits.
    Y : ndarray of shape (n_y, m)
        One-hot labels.

    Returns
    -------
    float

    Examples
    --------
    It agrees with `cross_entropy` of the softmax where that is exact, and
    stays exact where clipping is not:

    >>> import numpy as np
    >>> Z, Y = np.array([[2.0], [0.0]]), np.array([[0.0], [1.0]])
    >>> round(cross_entropy_from_logits(Z, Y), 4)
    2.1269
    >>> round(cross_entropy(softmax(Z), Y), 4)
    2.1269
    >>> Z = np.array([[1000.0], [0.0]])         # sure of the wrong digit
    >>> cross_entropy_from_logits(Z, Y)         # the true loss
    1000.0
    >>> round(cross_entropy(softmax(Z), Y), 4)  # capped: -log(2.2e-308)
    708.3964
    """
    m = Y.shape[1]
    c = Z.max(axis=0, keepdims=True)                                   # (1, m)
    log_sum_exp = c + np.log(np.exp(Z - c).sum(axis=0, keepdims=True))  # (1, m)
    return float((log_sum_exp.sum() - (Y * Z).sum()) / m)


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
    >>> Z = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 0.5], [1.0, 0.0, 0.5]])
    >>> A = softmax(Z)
    >>> Y = one_hot(np.array([0, 2, 1]), n_classes=3)
    >>> dZ = softmax_cross_entropy_backward(A, Y)
    >>> bool(np.abs(dZ.sum(axis=0)).max() < 1e-15)   # each column sums to 0
    True
    >>> m = 3
    >>> abs(float(np.sum(dZ) / m)) < 1e-15           # the seed's db2: always 0
    True
    >>> db2 = dZ.mean(axis=1, keepdims=True)         # the correct db2: per unit
    >>> db2.round(3)
    array([[ 0.005],
           [ 0.12 ],
           [-0.125]])
    >>> abs(float(db2.sum())) < 1e-15                # ... whose entries sum to 0
    True
    """
    return A - Y  # (n_y, m)


def squared_error(A, Y):
    r"""Mean squared error of the probabilities: $L = \frac{1}{m} \sum_j \frac{1}{2} \lVert A_{:,j} - Y_{:,j} \rVert^2$.

    The loss Part II's saturation chapter (`primitive_nn.saturation`) sets
    against cross-entropy.

    Parameters
    ----------
    A : ndarray of shape (n_y, m)
        Softmax output.
    Y : ndarray of shape (n_y, m)
        One-hot labels.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> squared_error(np.array([[0.5], [0.5]]), np.array([[1.0], [0.0]]))
    0.25
    """
    return float(0.5 * np.sum((A - Y) ** 2) / A.shape[1])


def softmax_squared_error_backward(A, Y):
    r"""Per-example gradient of squared error through softmax: $dZ = J(a)(a - y)$ in each column.

    With $dA = A - Y$ and the softmax Jacobian $J = \operatorname{diag}(a) -
    a a^\top$ (symmetric), $J\, da = a \odot da - a\,(a^\top da)$:
    `A * (dA - (A * dA).sum(axis=0, keepdims=True))`, no matrix formed.

    Parameters
    ----------
    A : ndarray of shape (n_y, m)
    Y : ndarray of shape (n_y, m)

    Returns
    -------
    dZ : ndarray of shape (n_y, m)

    Examples
    --------
    It is the Jacobian times $a - y$, column by column:

    >>> import numpy as np
    >>> A = softmax(np.array([[2.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]))
    >>> Y = one_hot(np.array([1, 1]), 3)
    >>> dZ = softmax_squared_error_backward(A, Y)
    >>> bool(np.allclose(dZ[:, 0], softmax_jacobian(A[:, 0]) @ (A[:, 0] - Y[:, 0])))
    True

    Confidently wrong, it all but vanishes, where cross-entropy's $a - y$
    does not:

    >>> A = softmax(np.array([[12.0], [0.0], [0.0]]))    # sure it is a 0; it is a 1
    >>> Y = one_hot(np.array([1]), 3)
    >>> float(np.abs(softmax_squared_error_backward(A, Y)).max()) < 1e-4
    True
    >>> round(float(np.abs(softmax_cross_entropy_backward(A, Y)).max()), 3)
    1.0
    """
    dA = A - Y                                               # (n_y, m)
    return A * (dA - (A * dA).sum(axis=0, keepdims=True))    # (n_y, m)


LOSSES = {"cross_entropy": (cross_entropy, softmax_cross_entropy_backward),
          "squared": (squared_error, softmax_squared_error_backward)}  # name -> (loss, dZ of the top)
