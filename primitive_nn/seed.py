r"""The seed notebook, defects and all.

This project began from a public notebook (amir-tav/primitive-nn, after
Samson Zhang's tutorial). Its recipe: a 784-10-10 network, every weight and
bias drawn from $U[-0.5, 0.5)$, full-batch gradient descent with
$\alpha = 0.1$ for 500 iterations on 42,000 MNIST digits, the first 1,000 of
a shuffle held out as a dev set. It printed training accuracy every 10
iterations and reached 0.8636 at iteration 490, in one unseeded run.

Its backward pass, in its own words:

```python
def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    one_hot_Y = one_hot(Y)
    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2)
    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1)
    return dW1, db1, dW2, db2
```

This module keeps that recipe runnable, bug for bug, so that its result can
be reproduced and each defect measured. `python -m primitive_nn.train
--faithful` uses it; the default uses the corrected chapters.

# The three defects

**1. Scalar bias gradients.** `np.sum(dZ2)` sums over units *and*
examples, so every bias in a layer gets the same update. Worse, every
column of $dZ^{[2]} = A^{[2]} - Y$ sums to zero (`primitive_nn.loss`), so
for the output layer that one number is

$$
\frac{1}{m} \sum_{i,j} dZ^{[2]}_{ij} = \frac{1}{m} \sum_j \Big(\sum_i A^{[2]}_{ij} - \sum_i Y_{ij}\Big)
= \frac{1}{m} \sum_j (1 - 1) = 0 :
$$

the output biases never learn; they keep their random start, a fixed,
arbitrary preference for some digits. The hidden biases do move, but all
together by one shared amount. The fix is a mean per unit,
`dZ.mean(axis=1, keepdims=True)` (`primitive_nn.layers`).

**2. The naive softmax.** `np.exp(Z) / sum(np.exp(Z))` overflows once a
logit passes 709 in float64 and returns NaN (`primitive_nn.loss` shows it).
At $\alpha = 0.1$ the logits stay far below that, so this defect changes
nothing in the recipe's numbers. A larger learning rate does not show it
either: a run whose logits reach 709 has already diverged, and its loss
runs away first, for the naive softmax and the stable one alike, which is
where the training loop stops it. The defect shows on fixed logits, as in
`softmax_naive`'s example: one logit of 710 and the naive formula returns
NaN, where the stable one returns probabilities.

**3. $m$ taken before the split.** The notebook reads `m, n = data.shape`
on all 42,000 rows, splits off the dev set, and its backward pass then
divides by that global `m`, not by the 41,000 training columns it sums
over. Every gradient is scaled by $41{,}000 / 42{,}000 \approx 0.976$: the
same as a learning rate of about $0.0976$ instead of $0.1$. Harmless, but
not what the text says.

Two more habits are fixed without ceremony: the notebook has no seed, so
its 86.36% cannot be rerun (here every run takes a `np.random.Generator`),
and it prints predictions inside the loop.

# Reproducing it

`Defects` switches each defect on or off. With all three on, `forward_seed`
and `backward_seed` compute what the notebook computes; with all three off,
they compute exactly what `primitive_nn.network` does, which the tests
check. Between the two, each defect can be measured alone.
"""

from dataclasses import dataclass

import numpy as np

from primitive_nn.activations import relu, relu_derivative
from primitive_nn.loss import softmax

NOTEBOOK_TRAIN_SIZE = 42_000  # the rows of the notebook's Kaggle train.csv; it trains on as many


@dataclass(frozen=True)
class Defects:
    """Which of the seed's defects to reproduce; all on by default."""

    scalar_bias: bool = True     # db = np.sum(dZ) / m: one number for the whole layer
    naive_softmax: bool = True   # np.exp(Z) / sum(np.exp(Z)): no max subtracted
    m_before_split: bool = True  # divide by the 42,000 rows, not the training columns


FAITHFUL = Defects()
CORRECTED = Defects(scalar_bias=False, naive_softmax=False, m_before_split=False)


def softmax_naive(Z):
    r"""The seed's softmax, $e^{Z} / \sum e^{Z}$ per column, with no max subtracted.

    Parameters
    ----------
    Z : ndarray of shape (n_y, m)

    Returns
    -------
    ndarray of shape (n_y, m)
        NaN in any column whose largest logit overflows `np.exp`.

    Examples
    --------
    >>> import numpy as np
    >>> softmax_naive(np.array([[0.0], [0.0]])).ravel().tolist()
    [0.5, 0.5]
    >>> with np.errstate(over="ignore", invalid="ignore"):
    ...     softmax_naive(np.array([[710.0], [0.0]])).ravel().tolist()
    [nan, 0.0]
    """
    E = np.exp(Z)                            # seed: np.exp(Z) / sum(np.exp(Z))
    return E / E.sum(axis=0, keepdims=True)


def forward_seed(params, X, defects=FAITHFUL):
    r"""The seed's forward pass for its 784-10-10 network.

    Parameters
    ----------
    params : dict of str to ndarray
        `W1`, `b1`, `W2` and `b2`.
    X : ndarray of shape (n_x, m)
    defects : Defects

    Returns
    -------
    cache : dict of str to ndarray
        `A0`, `Z1`, `A1`, `Z2` and `A2`, as `primitive_nn.network.forward` returns them.
    """
    Z1 = params["W1"] @ X + params["b1"]   # (n_h, m)
    A1 = relu(Z1)                          # (n_h, m)
    Z2 = params["W2"] @ A1 + params["b2"]  # (n_y, m)
    A2 = softmax_naive(Z2) if defects.naive_softmax else softmax(Z2)
    return {"A0": X, "Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def _bias_gradient(dZ, m, b, scalar):
    """Per-unit mean of dZ, or the seed's one number for the whole layer."""
    if scalar:
        return np.full_like(b, np.sum(dZ) / m)  # seed: 1 / m * np.sum(dZ)
    return dZ.sum(axis=1, keepdims=True) / m    # (n, 1)


def backward_seed(params, cache, Y, m=None, defects=FAITHFUL):
    r"""The seed's backward pass, with each defect switchable.

    Parameters
    ----------
    params : dict of str to ndarray
        `W1`, `b1`, `W2` and `b2`.
    cache : dict of str to ndarray
        What `forward_seed` (or `primitive_nn.network.forward`) returned.
    Y : ndarray of shape (n_y, m_train)
        One-hot labels.
    m : int, optional
        The seed's global row count (train plus dev). Used as the divisor only
        when `defects.m_before_split` is true; by default the batch size.
    defects : Defects

    Returns
    -------
    grads : dict of str to ndarray
        `dW1`, `db1`, `dW2` and `db2`. With `scalar_bias`, every entry of
        `db1` is the same number, and so is every entry of `db2`: zero, up
        to rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from primitive_nn.loss import one_hot
    >>> from primitive_nn.network import init_params
    >>> rng = np.random.default_rng(0)
    >>> params = init_params([4, 3, 3], rng)
    >>> X, Y = rng.random((4, 5)), one_hot(np.array([0, 1, 2, 2, 1]), 3)
    >>> grads = backward_seed(params, forward_seed(params, X), Y)
    >>> bool(np.abs(grads["db2"]).max() < 1e-15)   # the output biases never learn
    True
    """
    m_batch = Y.shape[1]
    if m is None or not defects.m_before_split:
        m = m_batch
    dZ2 = cache["A2"] - Y                                        # (n_y, m_batch)
    dW2 = dZ2 @ cache["A1"].T / m                                # seed: 1 / m * dZ2.dot(A1.T)
    db2 = _bias_gradient(dZ2, m, params["b2"], defects.scalar_bias)
    dZ1 = (params["W2"].T @ dZ2) * relu_derivative(cache["Z1"])  # (n_h, m_batch)
    dW1 = dZ1 @ cache["A0"].T / m                                # seed: 1 / m * dZ1.dot(X.T)
    db1 = _bias_gradient(dZ1, m, params["b1"], defects.scalar_bias)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
