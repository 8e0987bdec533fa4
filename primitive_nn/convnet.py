r"""A convolutional network: the two previous chapters stacked, and trained.

The convolution (`primitive_nn.convolution`) and the pooling
(`primitive_nn.pooling`) chapters wrote one layer each, forward and
backward. This chapter stacks them into a network, LeNet's shape with
ReLU and max pooling, and trains it with Part II's loop
(`primitive_nn.minibatch.fit`), optimizers and schedules, unchanged:

```text
conv 5x5, 16 filters, 'same' -> ReLU -> max-pool 2
conv 5x5, 32 filters, 'same' -> ReLU -> max-pool 2 -> dense 128 -> ReLU -> dense 10
```

(`CONVNET`; `python -m primitive_nn.train --recipe conv` trains it).

# Blocks and layers

The network is a list of *layers with weights*, numbered $l = 1, \dots, D$
as in the MLP (`primitive_nn.network`): first convolution *blocks*, each a
convolution, the hidden nonlinearity $g$ (ReLU) and a max pooling by 2,

$$
Z^{[l]} = \operatorname{conv}\big(A^{[l-1]};\, W^{[l]}, b^{[l]}\big), \qquad
A^{[l]} = \operatorname{pool}\big(g(Z^{[l]})\big),
$$

`Z = conv_forward(A, W, b)`, `A = max_pool(g(Z))`; then dense layers,
exactly the MLP's, $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ with $A^{[l]} =
g(Z^{[l]})$, and a softmax at the top, $A^{[D]} = \operatorname{softmax}(Z^{[D]})$.
So `CONVNET` has $D = 4$: two blocks and two dense layers.
Every convolution has 'same' padding and stride 1, and every pooling takes
blocks of 2 by 2 (`POOL`): then a layer's kind can be read off its weights,
four axes for a convolution and two for a dense layer, and `forward` needs
nothing but the parameters.

A block's $A^{[l]}$ is what the next layer reads, as in the MLP, and
$Z^{[l]}$ is what its backward pass needs: the pooling's input $g(Z^{[l]})$
is one cheap call away, and the pooling's gradient compares it with
$A^{[l]}$ to find each block's max ([](pooling.md#max-pool-gradient)). The
cache also keeps each convolution's patch matrix, `P{l}`, which its $dW$
needs ([](convolution.md#conv-dw)): made once per step instead of twice, at
the price of holding it between the passes, 25 numbers per input number
(the convolution chapter's "Memory"), 25 MB for a batch of 64 digits in
float32.

# Shapes, layer by layer

On a batch of $m$ digits, `layer_costs` counts the parameters:

| layer | $Z^{[l]}$ | $A^{[l]}$ | parameters |
|---|---|---|---|
| input | | $(m, 28, 28, 1)$ | |
| conv 5x5, 16 | $(m, 28, 28, 16)$ | $(m, 14, 14, 16)$ | $16 (1 \cdot 25 + 1) = 416$ |
| conv 5x5, 32 | $(m, 14, 14, 32)$ | $(m, 7, 7, 32)$ | $32 (16 \cdot 25 + 1) = 12{,}832$ |
| dense 128 | $(128, m)$ | $(128, m)$ | $128 (1568 + 1) = 200{,}832$ |
| dense 10 | $(10, m)$ | $(10, m)$ | $10 (128 + 1) = 1{,}290$ |

215,370 in all: a sixth of the 784-800-800-10 MLP's 1.28 million
(`primitive_nn.architecture`), and almost all of them in the first dense
layer. The convolutions hold 6% of the weights and do most of the work.

**The input.** The network takes the book's $X$ of shape $(784, m)$, one
digit per column, like every network before it, so Part II's loop,
augmentation and evaluation need no change; `as_images` turns it into the
images the first convolution reads, `X.T.reshape(m, 28, 28, 1)`.

# The flatten

Between the last block and the first dense layer the maps become columns
again. Example $n$'s maps, $A^{[l]}_n$ of shape $(7, 7, 32)$, are read in
NumPy's order, row, then column, then channel, into one column of
$7 \cdot 7 \cdot 32 = 1568$ numbers:

$$
\operatorname{flat}(A)_{(i, j, c),\, n} = A_{n, i, j, c} ,
$$

`A.reshape(m, -1).T`, shape $(1568, m)$ (`flatten`). In NHWC the
reshape is a view and the transpose another: no number is copied, and
the first dense layer's $W^{[3]}$ of shape $(128, 1568)$ has its columns in
that order, channel fastest. (A library that stores channels first reads
the maps channel by channel instead; the order is only a naming of the
columns of $W^{[3]}$, and a network trained with one order is the network
trained with the other, its columns permuted.) Backward, the same reshape
read backwards, `dA.T.reshape(m, 7, 7, 32)`, returns the gradient of the
maps (`unflatten`).

# The start

A filter is a row of $W_\text{mat}$, `W.reshape(n_F, -1)`: a unit of a
dense layer whose inputs are the $k_H k_W n_C$ numbers of a window. So the
MLP's starts apply unchanged, with that many inputs. He's, the default
here, draws

$$
W^{[l]}_{f,u,v,c} \sim \mathcal{N}\!\left(0,\; \frac{2}{k_H k_W n_C}\right),
\qquad b^{[l]} = 0 ,
$$

which keeps the variance of the pre-activations from layer to layer as
Part II's initialization chapter (`primitive_nn.initialization`) derives for
dense layers: the derivation never asked how the $n_\text{in}$ inputs were
arranged. (It has no pooling in it: the largest of four entries is on
average larger than any one of them, so after a pooling the variance
grows a little.) `init_params` draws each filter bank as a dense layer's
$(n_F, k_H k_W n_C)$ matrix with `primitive_nn.network.INITIALIZERS` and
reshapes it to $(n_F, k_H, k_W, n_C)$.

# Forward

```python
A = as_images(X)                                   # (m, 28, 28, 1)
for l in range(1, D + 1):
    if W[l].ndim == 4:                             # a convolution block
        P[l] = patches(A, k, k, 1, (k - 1) // 2)   # (m n_H n_W, k k n_C), kept
        Z = conv_forward(A, W[l], b[l], P=P[l])    # (m, n_H, n_W, n_F)
        A = max_pool(g(Z))                         # (m, n_H / 2, n_W / 2, n_F)
    else:                                          # a dense layer
        Z = W[l] @ flatten(A) + b[l]               # (n_l, m)
        A = softmax(Z) if l == D else g(Z)         # (n_l, m)
```

The cost is the MLP's, the softmax and cross-entropy of
`primitive_nn.loss`, computed from $Z^{[D]}$: the loop, the loss and the
accuracy of Part II read `Z{D}` and `A{D}` from the cache as they do for an
MLP.

# Backward

Backpropagation is the MLP's recurrence with two more kinds of step, each
the backward pass of a previous chapter. From the top,
$dZ^{[D]} = A^{[D]} - Y$, and then for $l = D, \dots, 1$:

* a dense layer gives $dW^{[l]} = \frac{1}{m} dZ^{[l]} \operatorname{flat}(A^{[l-1]})^\top$
  and $db^{[l]}$ (`primitive_nn.layers.linear_backward`), and
  $dA^{[l-1]} = \operatorname{unflat}(W^{[l]\top} dZ^{[l]})$;
* a convolution gives $dW^{[l]}$ and $db^{[l]}$ from the kept patch
  matrix, `filter_gradients(dZ, P[l], W)` [](convolution.md#conv-dw), and
  $dA^{[l-1]}$ as `input_gradient(dZ, W, A_prev.shape)`
  [](convolution.md#conv-dx): the two halves of `conv_backward`.

Then, unless $l = 1$, the gradient goes back through layer $l - 1$'s
nonlinearity, and through its pooling if it is a block:

$$
dZ^{[l-1]} = \operatorname{pool}'\big(dA^{[l-1]};\, g(Z^{[l-1]})\big) \odot g'(Z^{[l-1]}) ,
$$

`dZ = max_pool_backward(dA, g(Z), A=A) * g_prime(Z)`, with the block's
pooled $A^{[l-1]}$ from the cache: each block's gradient routed to its
largest entry [](pooling.md#max-pool-gradient), then the ReLU's mask.
Every $dZ$ and $dA$ is per example and every $dW$ and $db$ is
the mean over the batch, as in Part I, so the gradients this returns are
those of the mean cross-entropy and the optimizers take them as they are.
As in the MLP, the first layer's $dA^{[0]}$, the gradient with respect to
the pixels, is not computed: nothing uses it.

# With batch normalization

Part IV's next chapter (`primitive_nn.batchnorm`) normalizes each block's
maps channel by channel between the convolution and the ReLU, and the
hidden dense layer's units, where `params` holds a `gamma{l}`: a block is
then conv, batch normalization, ReLU, pooling, and the pooling's gradient
compares $A^{[l]}$ with $g(Y^{[l]})$, what the ReLU read. `forward` and
`backward` do it as `primitive_nn.network`'s do; without a `gamma{l}`
nothing changes.

# Networks the train command builds

A `Recipe` (`primitive_nn.machinery.recipes`) names its network by its
`architecture`: `ARCHITECTURES` maps each name to how a run starts the
network and its two passes. `"mlp"` is Part I's `primitive_nn.network`, its
layer sizes the recipe's `layers`; `"convnet"` is this chapter's `CONVNET`.
The run reads the functions from the table, so nothing in the loop, the
evaluation or the files asks which network it has. A convnet's pass holds
$k_H k_W = 25$ copies of each convolution's input in its patch matrix,
about 390 KB per digit in float32 for the two, so it takes at most 500
digits at once (`max_batch`): evaluation goes in chunks of 500, about
200 MB of patch matrices, and no training batch may be larger.

# Checking it

`tests/test_convnet.py` checks the whole network's gradient against central
differences in float64, on two small networks of the same kinds of layers
on three 8x8 images: a 3x3 convolution with 2 filters, ReLU, pooling and a
dense layer of 10; and two such blocks (2 and 3 filters) under dense
layers of 5 and 10. Every entry of every parameter is within
`primitive_nn.gradcheck`'s relative error of $10^{-7}$, at a point where no
step of the differences crosses a kink of a ReLU or a pooling. It also
checks that with no convolution block at all `forward` and `backward` are
the MLP's, number for number.
"""

import math
from typing import Callable, NamedTuple

import numpy as np

from primitive_nn import network
from primitive_nn.activations import ACTIVATIONS
from primitive_nn.batchnorm import bias, normalize, normalize_backward
from primitive_nn.convolution import (CONVNET, as_images, conv_forward, filter_gradients,
                                      input_gradient, padding_width, patches)
from primitive_nn.layers import linear_backward, linear_backward_input, linear_forward
from primitive_nn.loss import LOSSES, softmax
from primitive_nn.network import INITIALIZERS, n_layers
from primitive_nn.pooling import max_pool, max_pool_backward

POOL = 2  # every block pools 2x2 blocks; every convolution is 'same', stride 1


def parameter_shapes(layers=CONVNET, shape=(28, 28, 1)):
    r"""The name and shape of every parameter of a network of convolution blocks and dense layers.

    Parameters
    ----------
    layers : sequence of tuple
        As `CONVNET`: each `("conv", k, n_F)` followed by `("relu",)` and
        `("pool", 2)`, then `("dense", n)` layers with `("relu",)` between
        them, the last dense layer last.
    shape : tuple of int
        One input image's $(n_H, n_W, n_C)$.

    Returns
    -------
    dict of str to tuple
        `W{l}` $(n_F, k, k, n_C)$ and `b{l}` $(n_F,)$ for a convolution,
        `W{l}` $(n_l, n_{l-1})$ and `b{l}` $(n_l, 1)$ for a dense layer.

    Examples
    --------
    >>> for name, shape in parameter_shapes().items():
    ...     print(name, shape)
    W1 (16, 5, 5, 1)
    b1 (16,)
    W2 (32, 5, 5, 16)
    b2 (32,)
    W3 (128, 1568)
    b3 (128, 1)
    W4 (10, 128)
    b4 (10, 1)
    """
    n_H, n_W, n_C = shape
    shapes, l, kinds = {}, 0, [layer[0] for layer in layers]
    if kinds[-1] != "dense" or "conv" in kinds[kinds.index("dense"):]:
        raise ValueError(f"{layers}: expected convolution blocks, then dense layers, a dense one last")
    for i, layer in enumerate(layers):
        if layer[0] == "conv":
            if tuple(layers[i + 1:i + 3]) != (("relu",), ("pool", POOL)) or layer[1] % 2 == 0:
                raise ValueError(f"{layer}: a convolution here has an odd kernel side and is "
                                 f"followed by ('relu',) and ('pool', {POOL})")
            l, (_, k, n_F) = l + 1, layer
            shapes[f"W{l}"], shapes[f"b{l}"] = (n_F, k, k, n_C), (n_F,)
            n_H, n_W, n_C = n_H // POOL, n_W // POOL, n_F
        elif layer[0] == "dense":
            l, n_in = l + 1, n_H * n_W * n_C
            shapes[f"W{l}"], shapes[f"b{l}"] = (layer[1], n_in), (layer[1], 1)
            n_H, n_W, n_C = 1, 1, layer[1]
    return shapes


def init_params(layers, rng, init="he", dtype=np.float64, shape=(28, 28, 1)):
    r"""Random parameters for a network of convolution blocks and dense layers.

    A convolution's kernels are drawn as a dense layer's weights with
    $n_\text{in} = k_H k_W n_C$ inputs, then reshaped: He's start is
    $\mathcal{N}(0, 2 / (k_H k_W n_C))$.

    Parameters
    ----------
    layers : sequence of tuple
        As `CONVNET` (`parameter_shapes` says what it may hold).
    rng : numpy.random.Generator
    init : str
        A start of `primitive_nn.network.INITIALIZERS`; biases start as it says.
    dtype : numpy dtype
        Drawn in float64, then cast, as `primitive_nn.network.init_params` does.
    shape : tuple of int
        One input image's $(n_H, n_W, n_C)$.

    Returns
    -------
    params : dict of str to ndarray
        Shaped as `parameter_shapes` says.

    Examples
    --------
    >>> import numpy as np
    >>> params = init_params(CONVNET, np.random.default_rng(0), dtype=np.float32)
    >>> params["W2"].shape, params["W2"].dtype, float(params["b2"].max())
    ((32, 5, 5, 16), dtype('float32'), 0.0)
    >>> round(float(params["W2"].std() ** 2 * 16 * 25), 1)     # 2 / fan-in, times the fan-in
    2.0
    """
    if init not in INITIALIZERS:
        raise ValueError(f"unknown init {init!r}; choose one of {sorted(INITIALIZERS)}")
    shapes, params = parameter_shapes(layers, shape), {}
    for l in range(1, len(shapes) // 2 + 1):
        W_shape, b_shape = shapes[f"W{l}"], shapes[f"b{l}"]
        W, b = INITIALIZERS[init](rng, W_shape[0], math.prod(W_shape[1:]))  # a filter: a row of W_mat
        params[f"W{l}"] = W.reshape(W_shape).astype(dtype)
        params[f"b{l}"] = b.reshape(b_shape).astype(dtype)
    return params


def flatten(A):
    r"""Maps as columns: $(m, n_H, n_W, n_C) \to (n_H n_W n_C, m)$, row, column, channel; columns stay.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.arange(8).reshape(2, 1, 2, 2)     # two examples, 1x2 maps, 2 channels
    >>> flatten(A)                               # example 1 is column 1
    array([[0, 4],
           [1, 5],
           [2, 6],
           [3, 7]])
    """
    return A if A.ndim == 2 else A.reshape(len(A), -1).T


def unflatten(dA, A):
    r"""The inverse of `flatten`: `dA` of shape $(n_H n_W n_C, m)$ as maps shaped like `A`.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.arange(8).reshape(2, 1, 2, 2)
    >>> bool((unflatten(flatten(A), A) == A).all())
    True
    """
    return dA if A.ndim == 2 else dA.T.reshape(A.shape)


def forward(params, X, activation="relu", training=False):
    r"""Forward pass: convolution blocks $A^{[l]} = \operatorname{pool}(g(Z^{[l]}))$, then dense layers.

    Parameters
    ----------
    params : dict of str to ndarray
        As `init_params` makes them: a `W{l}` with four axes is a
        convolution block, one with two a dense layer.
    X : ndarray of shape (n_H * n_W, m)
        One square grey image per column, as `primitive_nn.data` gives them.
    activation : {"relu", "sigmoid", "tanh"}
        $g$, the hidden nonlinearity (`primitive_nn.activations.ACTIVATIONS`).
    training : bool
        For a network with batch normalization (`primitive_nn.batchnorm`):
        the batch's statistics if True, the running ones if False (the default).

    Returns
    -------
    cache : dict of str to ndarray
        `A0`, the images $(m, n_H, n_W, 1)$ (or X itself, if the first
        layer is dense), and for each layer `Z{l}` and `A{l}`, shaped as
        the module's table says, and for each convolution its patch matrix
        `P{l}`. `A{D}` holds the probabilities, $(10, m)$. A normalized
        layer adds `Y{l}` and, in training mode, `BN{l}`, as in
        `primitive_nn.network.forward`.

    Examples
    --------
    >>> import numpy as np
    >>> params = init_params(CONVNET, np.random.default_rng(0))
    >>> cache = forward(params, np.zeros((784, 3)))
    >>> [cache[f"A{l}"].shape for l in range(5)]
    [(3, 28, 28, 1), (3, 14, 14, 16), (3, 7, 7, 32), (128, 3), (10, 3)]
    >>> cache["A4"].sum(axis=0).round(6).tolist()      # a distribution per column
    [1.0, 1.0, 1.0]
    """
    D, g = n_layers(params), ACTIVATIONS[activation][0]
    A = as_images(X, math.isqrt(X.shape[0])) if params["W1"].ndim == 4 else X
    cache = {"A0": A}
    for l in range(1, D + 1):
        W, b = params[f"W{l}"], bias(params, l)
        if W.ndim == 4:                                   # a convolution block
            k = W.shape[1]
            P = cache[f"P{l}"] = patches(A, k, k, 1, padding_width(k, "same"))  # (m n_H n_W, k k n_C)
            Z = conv_forward(A, W, b, P=P)                # (m, n_H, n_W, n_F)
            Y, kept = normalize(params, l, Z, training)   # Z's shape; Z without batch norm
            A = max_pool(g(Y), POOL)                      # (m, n_H / 2, n_W / 2, n_F)
        else:                                             # a dense layer
            Z = linear_forward(W, b, flatten(A))          # (n_l, m)
            Y, kept = normalize(params, l, Z, training)   # (n_l, m)
            A = softmax(Y) if l == D else g(Y)            # (n_l, m)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        cache.update(kept)
    return cache


def backward(params, cache, Y, activation="relu", loss="cross_entropy"):
    r"""Backpropagation through dense layers, poolings and convolutions: every $dW^{[l]}, db^{[l]}$.

    $$dZ^{[l-1]} = \operatorname{pool}'\big(dA^{[l-1]};\, g(Z^{[l-1]})\big) \odot g'(Z^{[l-1]})$$

    for a block; $dA^{[l-1]} \odot g'(Z^{[l-1]})$ for a dense layer.

    Parameters
    ----------
    params : dict of str to ndarray
    cache : dict of str to ndarray
        What `forward` returned for the same batch.
    Y : ndarray of shape (n_D, m)
        One-hot labels.
    activation : {"relu", "sigmoid", "tanh"}
        As in `forward`.
    loss : {"cross_entropy", "squared"}
        It gives $dZ^{[D]}$ (`primitive_nn.loss.LOSSES`).

    Returns
    -------
    grads : dict of str to ndarray
        `dW{l}` and `db{l}`, each shaped like its parameter: the gradients
        of the loss averaged over the $m$ examples.

    Examples
    --------
    >>> import numpy as np
    >>> from primitive_nn.loss import one_hot
    >>> params = init_params(CONVNET, np.random.default_rng(0))
    >>> X = np.random.default_rng(1).random((784, 2))
    >>> grads = backward(params, forward(params, X), one_hot(np.array([3, 7])))
    >>> all(grads["d" + name].shape == p.shape for name, p in params.items())
    True
    """
    D, g, g_prime = n_layers(params), *ACTIVATIONS[activation]
    grads = {}
    dZ = LOSSES[loss][1](cache[f"A{D}"], Y)                                  # (n_D, m)
    for l in range(D, 0, -1):
        W, A_prev = params[f"W{l}"], cache[f"A{l - 1}"]
        dZ, bn_grads = normalize_backward(params, l, dZ, cache)             # dY -> dZ where normalized
        grads.update(bn_grads)
        if W.ndim == 4:                                                      # a convolution
            grads[f"dW{l}"], grads[f"db{l}"] = filter_gradients(dZ, cache[f"P{l}"], W)
        else:                                                                # a dense layer
            grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, flatten(A_prev))
        if l > 1:                                                            # no dA0: nothing uses it
            dA = (input_gradient(dZ, W, A_prev.shape) if W.ndim == 4         # A_prev's shape
                  else unflatten(linear_backward_input(W, dZ), A_prev))
            Y = cache.get(f"Y{l - 1}", cache[f"Z{l - 1}"])                  # what g read
            if Y.ndim == 4:                                                  # back through the pooling
                dA = max_pool_backward(dA, g(Y), POOL, A=cache[f"A{l - 1}"])  # (m, n_H, n_W, n_F)
            dZ = dA * g_prime(Y)                                             # Y's shape
    return {name: d for name, d in grads.items() if name[1:] in params}     # no db where beta is


class Architecture(NamedTuple):
    """A network a run can build: its layers, its start, its two passes, and its largest batch."""

    layers: tuple | None      # the layers it always has; None: the recipe's layer sizes (an MLP)
    init_params: Callable     # init_params(layers, rng, init, dtype) -> params
    forward: Callable         # forward(params, X, activation) -> cache
    backward: Callable        # backward(params, cache, Y, activation, loss) -> grads
    max_batch: int | None     # the most examples one pass may hold; None: any number


ARCHITECTURES = {  # a Recipe's `architecture` -> the network it builds
    "mlp": Architecture(None, network.init_params, network.forward, network.backward, None),
    "convnet": Architecture(CONVNET, init_params, forward, backward, 500),
}
