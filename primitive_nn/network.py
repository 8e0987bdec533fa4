r"""The network: parameters, the forward pass, and backpropagation.

The seed's network is two layers, 784 → 10 → 10. We write it for any list of
layer sizes $[n_0, n_1, \dots, n_L]$: every layer but the last is linear then
ReLU, and the last is linear then softmax. With sizes `[784, 10, 10]` it is
exactly the seed's network, and deeper ones need no new code.

## Parameters

A plain dict, with the names of the math: `W1, b1, W2, b2, ...`. Layer $l$
has $W^{[l]}$ of shape $(n_l, n_{l-1})$ and $b^{[l]}$ of shape $(n_l, 1)$.
The seed draws every weight **and bias** uniformly from $[-0.5, 0.5)$:
`rng.random(shape) - 0.5`. We keep that as the default (`init="uniform"`)
and offer He initialization (`init="he"`), which draws
$W^{[l]}_{ik} \sim \mathcal{N}(0,\, 2 / n_{l-1})$ and starts biases at 0, so
that a ReLU layer keeps the scale of its input instead of multiplying it.
The uniform start is large for 784 inputs: a weight from $U[-0.5, 0.5)$ has
variance $1/12$, so a first-layer pre-activation
$z = \sum_k W_{ik} x_k$ has standard deviation $\lVert x \rVert / \sqrt{12}$,
about $9.2 / 3.46 \approx 2.7$ for a typical MNIST digit (pixels in $[0, 1]$,
median norm $\lVert x \rVert \approx 9.2$). He's start gives
$\sqrt{2/784}\, \lVert x \rVert \approx 0.47$.

## Forward

$$
A^{[0]} = X, \qquad
Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}, \qquad
A^{[l]} = \begin{cases}
\operatorname{relu}(Z^{[l]}) & l < L \\
\operatorname{softmax}(Z^{[l]}) & l = L
\end{cases}
$$

`forward` returns every $Z^{[l]}$ and $A^{[l]}$ in a dict, the *cache*,
because backpropagation needs them.

## Backward

Backpropagation is the chain rule applied from the loss back to the input,
one layer at a time, reusing what the layer above already computed. For the
seed's two layers it reads, top to bottom:

$$
\begin{aligned}
dZ^{[2]} &= A^{[2]} - Y
    && \text{softmax + cross-entropy, } (n_y, m) \\
dW^{[2]} &= \tfrac{1}{m}\, dZ^{[2]} A^{[1]\top}, \quad
db^{[2]} = \tfrac{1}{m} \textstyle\sum_j dZ^{[2]}_{:,j}
    && \text{linear layer, } (n_y, n_h),\ (n_y, 1) \\
dA^{[1]} &= W^{[2]\top} dZ^{[2]}
    && \text{back through } W^{[2]},\ (n_h, m) \\
dZ^{[1]} &= dA^{[1]} \odot \operatorname{relu}'(Z^{[1]})
    && \text{back through ReLU, } (n_h, m) \\
dW^{[1]} &= \tfrac{1}{m}\, dZ^{[1]} X^\top, \quad
db^{[1]} = \tfrac{1}{m} \textstyle\sum_j dZ^{[1]}_{:,j}
    && (n_h, n_x),\ (n_h, 1)
\end{aligned}
$$

Each line was derived in its own chapter: the first in `primitive_nn.loss`,
the linear-layer lines in `primitive_nn.layers`, the ReLU line in
`primitive_nn.activations`. In code, the loop in `backward` is these lines
with $l$ running from $L$ down to 1:

```python
dZ = A_L - Y
for l = L, ..., 1:
    dW_l, db_l = dZ @ A_{l-1}.T / m, dZ.mean(axis=1, keepdims=True)
    if l > 1:
        dZ = (W_l.T @ dZ) * relu_derivative(Z_{l-1})
```

The $\frac{1}{m}$ appears only in the parameter gradients: $dZ$ and $dA$
are per-example, so each column is one example's own gradient.
"""

import numpy as np

from primitive_nn.activations import relu, relu_derivative
from primitive_nn.layers import linear_backward, linear_backward_input, linear_forward
from primitive_nn.loss import softmax, softmax_cross_entropy_backward


def _uniform(rng, n_out, n_in):
    r"""The seed's start: $W, b \sim U[-0.5, 0.5)$."""
    return rng.random((n_out, n_in)) - 0.5, rng.random((n_out, 1)) - 0.5


def _he(rng, n_out, n_in):
    r"""He et al. (2015): $W \sim \mathcal{N}(0, 2/n_{in})$, $b = 0$."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in)), np.zeros((n_out, 1))


INITIALIZERS = {"uniform": _uniform, "he": _he}


def init_params(layer_sizes, rng, init="uniform", dtype=np.float64):
    r"""Random parameters for a network with the given layer sizes.

    Parameters
    ----------
    layer_sizes : sequence of int
        $[n_0, n_1, \dots, n_L]$, input size first; the seed's is ``[784, 10, 10]``.
    rng : numpy.random.Generator
        The only source of randomness.
    init : {"uniform", "he"}
        ``"uniform"``: the seed's $U[-0.5, 0.5)$ for weights and biases.
        ``"he"``: $\mathcal{N}(0, 2/n_{l-1})$ weights, zero biases.
    dtype : numpy dtype
        Values are drawn in float64, then cast, so float32 and float64 runs
        with the same seed start from the same (rounded) numbers.

    Returns
    -------
    params : dict of str to ndarray
        ``W{l}`` of shape ``(n_l, n_{l-1})`` and ``b{l}`` of shape ``(n_l, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> params = init_params([784, 10, 10], np.random.default_rng(0))
    >>> {name: p.shape for name, p in params.items()}
    {'W1': (10, 784), 'b1': (10, 1), 'W2': (10, 10), 'b2': (10, 1)}
    >>> all(-0.5 <= p.min() and p.max() < 0.5 for p in params.values())
    True
    """
    if init not in INITIALIZERS:
        raise ValueError(f"unknown init {init!r}; choose one of {sorted(INITIALIZERS)}")
    params = {}
    for l in range(1, len(layer_sizes)):
        W, b = INITIALIZERS[init](rng, layer_sizes[l], layer_sizes[l - 1])
        params[f"W{l}"], params[f"b{l}"] = W.astype(dtype), b.astype(dtype)
    return params


def n_layers(params):
    """Number of layers $L$ (weight matrices) in `params`."""
    return len(params) // 2


def forward(params, X):
    r"""Forward pass: linear + ReLU for hidden layers, linear + softmax at the top.

    Parameters
    ----------
    params : dict of str to ndarray
        As made by `init_params`.
    X : ndarray of shape (n_0, m)
        One example per column.

    Returns
    -------
    cache : dict of str to ndarray
        ``A0`` (that is, X) and, for each layer l, ``Z{l}`` and ``A{l}`` of
        shape ``(n_l, m)``. ``A{L}`` holds the predicted probabilities.

    Examples
    --------
    A hand-made network: the hidden layer copies the input and ReLU drops
    the negative entry; equal logits give a 50/50 guess.

    >>> import numpy as np
    >>> params = {"W1": np.eye(2), "b1": np.zeros((2, 1)),
    ...           "W2": np.ones((2, 2)), "b2": np.zeros((2, 1))}
    >>> cache = forward(params, np.array([[1.0], [-3.0]]))
    >>> cache["A1"].ravel().tolist(), cache["A2"].ravel().tolist()
    ([1.0, 0.0], [0.5, 0.5])
    """
    L = n_layers(params)
    cache = {"A0": X}
    A = X
    for l in range(1, L + 1):
        Z = linear_forward(params[f"W{l}"], params[f"b{l}"], A)  # (n_l, m)
        A = softmax(Z) if l == L else relu(Z)                    # (n_l, m)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return cache


def backward(params, cache, Y):
    r"""Backpropagation: the gradient of the mean cross-entropy for every parameter.

    Parameters
    ----------
    params : dict of str to ndarray
    cache : dict of str to ndarray
        What `forward` returned for the same batch.
    Y : ndarray of shape (n_L, m)
        One-hot labels.

    Returns
    -------
    grads : dict of str to ndarray
        ``dW{l}`` and ``db{l}``, each shaped like its parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from primitive_nn.loss import one_hot
    >>> rng = np.random.default_rng(0)
    >>> params = init_params([4, 3, 2], rng)
    >>> X, Y = rng.random((4, 5)), one_hot(np.array([0, 1, 1, 0, 1]), 2)
    >>> grads = backward(params, forward(params, X), Y)
    >>> {name: g.shape for name, g in grads.items()}
    {'dW2': (2, 3), 'db2': (2, 1), 'dW1': (3, 4), 'db1': (3, 1)}
    """
    L = n_layers(params)
    grads = {}
    dZ = softmax_cross_entropy_backward(cache[f"A{L}"], Y)      # (n_L, m)
    for l in range(L, 0, -1):
        grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, cache[f"A{l - 1}"])
        if l > 1:
            dA = linear_backward_input(params[f"W{l}"], dZ)     # (n_{l-1}, m)
            dZ = dA * relu_derivative(cache[f"Z{l - 1}"])      # (n_{l-1}, m)
    return grads


def predict(params, X):
    r"""Predicted digit for each column of X: $\arg\max_i A^{[L]}_{ij}$.

    The seed notebook's `make_predictions`; its `test_prediction` is
    `primitive_nn.plots.test_prediction`.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_0, m)

    Returns
    -------
    ndarray of int, shape (m,)

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.eye(2), "b1": np.zeros((2, 1)),
    ...           "W2": np.eye(2), "b2": np.zeros((2, 1))}
    >>> predict(params, np.array([[3.0, 0.0], [1.0, 2.0]])).tolist()
    [0, 1]
    """
    L = n_layers(params)
    return forward(params, X)[f"A{L}"].argmax(axis=0)


def accuracy(predictions, labels):
    r"""Fraction of examples whose prediction equals the label.

    Parameters
    ----------
    predictions, labels : ndarray of int, shape (m,)

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> accuracy(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4]))
    0.75
    """
    return float(np.mean(predictions == labels))
