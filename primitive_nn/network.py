r"""The network: parameters, the forward pass, and backpropagation.

The seed's network is two layers, 784 → 10 → 10. We write it for any list of
layer sizes $[n_0, n_1, \dots, n_D]$, for a network of depth $D$: every
layer but the last is linear then ReLU, and the last is linear then softmax.
With sizes `[784, 10, 10]` it is exactly the seed's network, and deeper ones
need no new code.

# Parameters

A plain dict, with the names of the math: `W1, b1, W2, b2, ...`. Layer $l$
has $W^{[l]}$ of shape $(n_l, n_{l-1})$ and $b^{[l]}$ of shape $(n_l, 1)$.
The seed draws every weight **and bias** uniformly from $[-0.5, 0.5)$:
`rng.random(shape) - 0.5`. We keep that as the default (`init="uniform"`)
and offer He initialization (`init="he"`), which draws
$W^{[l]}_{ik} \sim \mathcal{N}(0,\, 2 / n_{l-1})$ and starts biases at 0.
Part II's chapter on initialization (`primitive_nn.initialization`) derives
that variance and measures what it changes; here is only how the two starts
differ. A weight from $U[-0.5, 0.5)$ has variance $\frac{1}{12}$, standard
deviation $1/\sqrt{12} \approx 0.289$, in every layer, while He's standard
deviation $\sqrt{2 / n_{l-1}}$ depends on the layer's fan-in. On the seed's
784-10-10 network He's start differs in three ways:

1. smaller first-layer weights: $\sqrt{2/784} \approx 0.051$ instead of 0.289;
2. larger output weights: for $n_{in} = 10$, $\sqrt{2/10} \approx 0.447$
   instead of 0.289;
3. biases that start at 0 instead of $U[-0.5, 0.5)$.

# Forward

$$
A^{[0]} = X, \qquad
Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}, \qquad
A^{[l]} = \begin{cases}
\operatorname{relu}(Z^{[l]}) & l < D \\
\operatorname{softmax}(Z^{[l]}) & l = D
\end{cases}
$$

`forward` returns every $Z^{[l]}$ and $A^{[l]}$ in a dict, the *cache*,
because backpropagation needs them.

# Backward

Backpropagation is the chain rule applied from the loss back to the input,
one layer at a time, reusing what the layer above already computed. For
any depth $D$ it is a recurrence, run for $l = D, D - 1, \dots, 1$:

$$
\begin{aligned}
dZ^{[D]} &= A^{[D]} - Y
    && (n_D, m) \\
dW^{[l]} &= \tfrac{1}{m}\, dZ^{[l]} A^{[l-1]\top}
    && (n_l, n_{l-1}) \\
db^{[l]} &= \tfrac{1}{m} \textstyle\sum_{j} dZ^{[l]}_{:,j}
    && (n_l, 1) \\
dZ^{[l-1]} &= \big(W^{[l]\top} dZ^{[l]}\big) \odot \operatorname{relu}'(Z^{[l-1]})
    \quad (l > 1)
    && (n_{l-1}, m)
\end{aligned}
\label{backward-recurrence}
$$

In NumPy, with `A[l]`, `Z[l]`, `W[l]` standing for `cache[f"A{l}"]`,
`cache[f"Z{l}"]` and `params[f"W{l}"]`, this is the loop of `backward`:

```python
dZ = A[D] - Y                                            # (n_D, m)
for l in range(D, 0, -1):                                # l = D, D-1, ..., 1
    dW[l] = dZ @ A[l - 1].T / m                          # (n_l, n_{l-1})
    db[l] = dZ.mean(axis=1, keepdims=True)               # (n_l, 1)
    if l > 1:
        dZ = (W[l].T @ dZ) * relu_derivative(Z[l - 1])   # (n_{l-1}, m)
```

The $\frac{1}{m}$ appears only in the parameter gradients: $dZ$ and $dA$
are per-example, so each column is one example's own gradient.

Nothing in the loop depends on ReLU but the mask: another nonlinearity $g$
puts $g'(Z^{[l-1]})$ in its place, and another loss changes only the
first line, $dZ^{[D]}$. `forward` and `backward` take both as names
(`activation="relu"`, `loss="cross_entropy"` by default); Part II's
chapter on saturation (`primitive_nn.saturation`) uses the others.

Part IV's batch normalization (`primitive_nn.batchnorm`) puts one more
step between a hidden layer's $Z^{[l]}$ and its $g$, where `params` holds
a `gamma{l}`: `forward` normalizes $Z^{[l]}$ into $Y^{[l]}$ and applies $g$
to that, and `backward` takes each such layer's gradient back through the
normalization before the layer's own $dW$. A network without it runs
exactly as above; that chapter says what changes.

## Why the recurrence is right

Fix one example $j$ and drop its index: $z^{[l]}$, $a^{[l]}$ are columns
$j$ of $Z^{[l]}$, $A^{[l]}$, and $\delta^{[l]} = \partial \ell_j /
\partial z^{[l]}$ is column $j$ of $dZ^{[l]}$. The layers form a chain,

$$
z^{[l]} = W^{[l]} \operatorname{relu}(z^{[l-1]}) + b^{[l]} ,
$$

so $z^{[l-1]}$ influences $\ell_j$ **only through** $z^{[l]}$. We prove
that every $\delta^{[l]}$ is given by the recurrence [](#backward-recurrence), by induction on $l$
from $D$ down.

*Base, $l = D$.* $\delta^{[D]} = a^{[D]} - y$: the softmax and
cross-entropy chapter (`primitive_nn.loss`) derives it, [](softmax.md#softmax-gradient).

*Step, $l \to l - 1$.* Assume $\delta^{[l]}$ is known. Since $\ell_j$
depends on $z^{[l-1]}_k$ only through the entries $z^{[l]}_i$, the chain
rule gives

$$
\delta^{[l-1]}_k
= \sum_{i} \frac{\partial \ell_j}{\partial z^{[l]}_i}
  \frac{\partial z^{[l]}_i}{\partial z^{[l-1]}_k}
= \sum_{i} \delta^{[l]}_i\, W^{[l]}_{ik}\, \operatorname{relu}'(z^{[l-1]}_k) ,
$$

that is $\delta^{[l-1]} = (W^{[l]\top} \delta^{[l]}) \odot
\operatorname{relu}'(z^{[l-1]})$: the linear layer's $dX = W^\top dZ$
(`primitive_nn.layers`) followed by the ReLU mask
(`primitive_nn.activations`).

*Parameters.* $W^{[l]}_{ik}$ and $b^{[l]}_i$ influence $\ell_j$ only
through $z^{[l]}_i = \sum_k W^{[l]}_{ik} a^{[l-1]}_k + b^{[l]}_i$, so
$\partial \ell_j / \partial W^{[l]}_{ik} = \delta^{[l]}_i a^{[l-1]}_k$ and
$\partial \ell_j / \partial b^{[l]}_i = \delta^{[l]}_i$. The loss $L$ is
the mean of the $\ell_j$, so its gradient is the mean of theirs, and the
mean over the $m$ columns of the outer products $\delta^{[l]} a^{[l-1]\top}$
is $\frac{1}{m} dZ^{[l]} A^{[l-1]\top}$. Example $j$'s column depends only
on example $j$'s input, so running the recurrence on all $m$ columns at once
is running it for each example: the matrix lines above.

# What a backward pass costs

A product of a $(p, q)$ matrix with a $(q, m)$ one costs $p\,q\,m$
multiply-adds, and the products dominate everything else (biases, ReLU and
softmax cost $O(n_l m)$ per layer). The forward pass makes one product per
layer, $W^{[l]} A^{[l-1]}$, so it costs

$$
F = m \sum_{l=1}^{D} n_l\, n_{l-1} .
$$

The backward pass makes two per layer, each of the same size:
$dZ^{[l]} A^{[l-1]\top}$ for $dW^{[l]}$ and $W^{[l]\top} dZ^{[l]}$ for
$dA^{[l-1]}$, except that `backward` skips $dA^{[0]}$, the gradient with
respect to the data, which nothing uses. So

$$
B = 2F - m\, n_1 n_0 :
$$

about two forward passes when the first layer is a small share of the
work, as in a deep network, and less when it dominates. For the seed's
784-10-10 network, $F = (10 \cdot 784 + 10 \cdot 10)\, m = 7{,}940\, m$ and
$B = 2 \cdot 7{,}940\, m - 7{,}840\, m = 8{,}040\, m$: one forward pass and a
little more.

Examples
--------
A 2-2-2 network small enough to check by hand, on one example
$x = (1, 2)^\top$ whose true label is class 0. Forward:

>>> import numpy as np
>>> from primitive_nn.activations import relu_derivative
>>> from primitive_nn.network import backward, forward
>>> params = {"W1": np.array([[1.0, 1.0], [1.0, -1.0]]),
...           "b1": np.array([[0.0], [0.0]]),
...           "W2": np.array([[1.0, -1.0], [0.0, 1.0]]),
...           "b2": np.array([[0.0], [3.0]])}
>>> X, Y = np.array([[1.0], [2.0]]), np.array([[1.0], [0.0]])
>>> cache = forward(params, X)
>>> cache["Z1"].ravel().tolist()     # (1 + 2, 1 - 2)
[3.0, -1.0]
>>> cache["A1"].ravel().tolist()     # ReLU drops the -1
[3.0, 0.0]
>>> cache["Z2"].ravel().tolist()     # (3 - 0 + 0, 0 + 0 + 3)
[3.0, 3.0]
>>> cache["A2"].ravel().tolist()     # equal logits: an even guess
[0.5, 0.5]
>>> round(float(-np.log(cache["A2"][0, 0])), 4)    # L = ln 2
0.6931

Backward, one line of the recurrence at a time ($m = 1$):

>>> dZ2 = cache["A2"] - Y
>>> dZ2.ravel().tolist()
[-0.5, 0.5]
>>> (dZ2 @ cache["A1"].T).tolist()   # dW2; column 2 is 0: A1[1] = 0
[[-1.5, 0.0], [1.5, 0.0]]
>>> dA1 = params["W2"].T @ dZ2        # (-0.5 + 0, 0.5 + 0.5)
>>> dA1.ravel().tolist()
[-0.5, 1.0]
>>> dZ1 = dA1 * relu_derivative(cache["Z1"])   # unit 2 was off
>>> dZ1.ravel().tolist()
[-0.5, 0.0]
>>> (dZ1 @ X.T).tolist()             # dW1; row 1 is -0.5 * (1, 2)
[[-0.5, -1.0], [0.0, 0.0]]

`backward` gives the same numbers, and the biases' gradients are the
$dZ$'s themselves:

>>> grads = backward(params, cache, Y)
>>> grads["dW2"].tolist(), grads["db2"].ravel().tolist()
([[-1.5, 0.0], [1.5, 0.0]], [-0.5, 0.5])
>>> grads["dW1"].tolist(), grads["db1"].ravel().tolist()
([[-0.5, -1.0], [0.0, 0.0]], [-0.5, 0.0])
"""

import numpy as np

from primitive_nn.activations import ACTIVATIONS
from primitive_nn.batchnorm import bias, normalize, normalize_backward
from primitive_nn.layers import linear_backward, linear_backward_input, linear_forward, n_layers
from primitive_nn.loss import LOSSES, softmax


def _uniform(rng, n_out, n_in):
    r"""The seed's start: $W, b \sim U[-0.5, 0.5)$."""
    return rng.random((n_out, n_in)) - 0.5, rng.random((n_out, 1)) - 0.5


def _he(rng, n_out, n_in):
    r"""He et al. (2015): $W \sim \mathcal{N}(0, 2/n_{in})$, $b = 0$."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in)), np.zeros((n_out, 1))


def _lecun(rng, n_out, n_in):
    r"""LeCun et al. (1998): $W \sim \mathcal{N}(0, 1/n_{in})$, $b = 0$ (`primitive_nn.saturation`)."""
    return rng.normal(0.0, np.sqrt(1.0 / n_in), (n_out, n_in)), np.zeros((n_out, 1))


def _xavier(rng, n_out, n_in):
    r"""Glorot and Bengio (2010): $W \sim \mathcal{N}(0, 2/(n_{in} + n_{out}))$, $b = 0$."""
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), (n_out, n_in)), np.zeros((n_out, 1))


def _zero(rng, n_out, n_in):
    r"""Every weight and bias 0: right for softmax regression only (`primitive_nn.baselines`)."""
    return np.zeros((n_out, n_in)), np.zeros((n_out, 1))


INITIALIZERS = {"uniform": _uniform, "he": _he, "lecun": _lecun, "xavier": _xavier, "zero": _zero}


def init_params(layer_sizes, rng, init="uniform", dtype=np.float64):
    r"""Random parameters for a network with the given layer sizes.

    Parameters
    ----------
    layer_sizes : sequence of int
        $[n_0, n_1, \dots, n_D]$, input size first; the seed's is `[784, 10, 10]`.
    rng : numpy.random.Generator
        The only source of randomness.
    init : {"uniform", "he", "lecun", "xavier", "zero"}
        `"uniform"`: the seed's $U[-0.5, 0.5)$ for weights and biases.
        `"he"`: $\mathcal{N}(0, 2/n_{l-1})$ weights, zero biases.
        `"lecun"`: $\mathcal{N}(0, 1/n_{l-1})$; `"xavier"`:
        $\mathcal{N}(0, 2/(n_{l-1} + n_l))$; zero biases (`primitive_nn.saturation`).
        `"zero"`: all zeros, for a network with no hidden layer.
    dtype : numpy dtype
        Values are drawn in float64, then cast, so float32 and float64 runs
        with the same seed start from the same (rounded) numbers.

    Returns
    -------
    params : dict of str to ndarray
        `W{l}` of shape $(n_l, n_{l-1})$ and `b{l}` of shape $(n_l, 1)$.

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


def forward(params, X, activation="relu", training=False):
    r"""Forward pass: linear + ReLU for hidden layers, linear + softmax at the top.

    Parameters
    ----------
    params : dict of str to ndarray
        As made by `init_params`.
    X : ndarray of shape (n_0, m)
        One example per column.
    activation : {"relu", "sigmoid", "tanh"}
        The hidden layers' nonlinearity (`primitive_nn.activations.ACTIVATIONS`).
    training : bool
        Only for a network with batch normalization (`primitive_nn.batchnorm`):
        True normalizes with the batch's statistics, as training does;
        False, the default, with the running ones, as evaluation does.

    Returns
    -------
    cache : dict of str to ndarray
        `A0` (that is, X) and, for each layer l, `Z{l}` and `A{l}` of
        shape $(n_l, m)$. `A{D}` holds the predicted probabilities.
        A normalized layer adds `Y{l}`, what $g$ reads, and in training
        mode `BN{l}`, the batch's statistics.

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
    D, g = n_layers(params), ACTIVATIONS[activation][0]
    cache = {"A0": X}
    A = X
    for l in range(1, D + 1):
        Z = linear_forward(params[f"W{l}"], bias(params, l), A)  # (n_l, m)
        Y, kept = normalize(params, l, Z, training)              # (n_l, m); Z without batch norm
        A = softmax(Y) if l == D else g(Y)                       # (n_l, m)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        cache.update(kept)
    return cache


def backward(params, cache, Y, activation="relu", loss="cross_entropy"):
    r"""Backpropagation: the gradient of the mean loss (cross-entropy by default) for every parameter.

    Parameters
    ----------
    params : dict of str to ndarray
    cache : dict of str to ndarray
        What `forward` returned for the same batch (in training mode, for
        a network with batch normalization).
    Y : ndarray of shape (n_D, m)
        One-hot labels.
    activation : {"relu", "sigmoid", "tanh"}
        The hidden layers' nonlinearity, as in `forward`: its derivative
        replaces $\operatorname{relu}'$ in the recurrence.
    loss : {"cross_entropy", "squared"}
        The loss (`primitive_nn.loss.LOSSES`): it gives $dZ^{[D]}$, which
        is $A^{[D]} - Y$ for cross-entropy.

    Returns
    -------
    grads : dict of str to ndarray
        `dW{l}` and `db{l}`, each shaped like its parameter; a normalized
        layer has `dgamma{l}` and `dbeta{l}` instead of `db{l}`, and its
        running statistics no gradient.

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
    D, g_prime = n_layers(params), ACTIVATIONS[activation][1]
    grads = {}
    dZ = LOSSES[loss][1](cache[f"A{D}"], Y)                     # (n_D, m)
    for l in range(D, 0, -1):
        dZ, bn_grads = normalize_backward(params, l, dZ, cache)  # dY -> dZ where normalized
        grads.update(bn_grads)
        grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, cache[f"A{l - 1}"])
        if l > 1:
            dA = linear_backward_input(params[f"W{l}"], dZ)     # (n_{l-1}, m)
            dZ = dA * g_prime(cache.get(f"Y{l - 1}", cache[f"Z{l - 1}"]))  # (n_{l-1}, m)
    return {name: d for name, d in grads.items() if name[1:] in params}  # no db where beta took b's place


def predict(params, X, activation="relu"):
    r"""Predicted digit for each column of X: $\arg\max_i A^{[D]}_{ij}$.

    The seed notebook's `make_predictions`; its `test_prediction` is
    `primitive_nn.machinery.plots.test_prediction`.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_0, m)
    activation : str
        The hidden layers' nonlinearity, as in `forward`.

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
    D = n_layers(params)
    return forward(params, X, activation)[f"A{D}"].argmax(axis=0)


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
