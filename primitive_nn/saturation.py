r"""Saturation: sigmoid, tanh, and the squared error.

The seed's network uses ReLU in its hidden layer and cross-entropy at its
output, and so does every network in this book. Before about 2010 most
networks used S-shaped hidden units, the logistic sigmoid or tanh, and
many were trained on the squared error. Both choices put the derivative of
a function that flattens out into the backward pass. This chapter derives
what that does, layer by layer and at the output, and the starts
(LeCun's, Glorot and Bengio's) that the argument of the initialization
chapter gives when it is run backwards.

# Where sigmoid and tanh saturate

The sigmoid $\sigma(z) = 1/(1 + e^{-z})$ and $\tanh z = 2\sigma(2z) - 1$
(`primitive_nn.activations`) have the derivatives

$$
\sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big) \le \tfrac{1}{4}, \qquad
\tanh'(z) = 1 - \tanh^2 z = 4\,\sigma'(2z) \le 1 ,
$$

both largest at $z = 0$ and falling off exponentially: $\sigma'(5) \approx
0.0066$ and $\tanh'(3) \approx 0.0099$, because $1 - \sigma(z) \approx
e^{-z}$ for large $z$. A unit whose pre-activation sits far from 0 is
*saturated*: its output hardly moves when $z$ moves, so its derivative is
nearly 0. ReLU's derivative is 1 wherever the unit is active, however
large $z$ is; it has only the other problem, a unit that is never active.

# The backward pass, one layer at a time

Backpropagation (`primitive_nn.network`) carries the gradient down with

$$
\delta^{[l-1]} = \big(W^{[l]\top} \delta^{[l]}\big) \odot g'(z^{[l-1]}) ,
$$

`dZ = (W.T @ dZ) * g_prime(Z)`, for the hidden layers' nonlinearity $g$.
Take the variance argument of the initialization chapter and run it
backwards. Entry $k$ of $W^{[l]\top} \delta^{[l]}$ is $\sum_i W^{[l]}_{ik}
\delta^{[l]}_i$, a sum over the $n_l$ units the layer feeds (its
*fan-out*). At the start the weights are independent of everything else
with mean 0, so the terms are uncorrelated and their second moments add;
treating $g'(z^{[l-1]}_k)$ as independent of that sum too,

$$
\mathbb{E}\big[(\delta^{[l-1]}_k)^2\big]
= n_l \operatorname{Var}(w)\; \mathbb{E}\big[(\delta^{[l]}_i)^2\big]\;
  \mathbb{E}\big[g'(z^{[l-1]})^2\big] .
$$

Each layer down multiplies the gradient's second moment by the *gain*
$n_l \operatorname{Var}(w)\, \mathbb{E}[g'(z)^2]$ (`backward_gain`). Over
$D - 1$ hidden layers the gains multiply: a gain of $\frac{1}{2}$ shrinks
the gradient's size by $2^{-9/2} \approx 0.04$ through nine layers, a gain
of 2 grows it as much. The weight gradient of layer $l$ is
$dW^{[l]} = \frac{1}{m} \delta^{[l]} A^{[l-1]\top}$, so its size follows
$\delta^{[l]}$'s (and its inputs'): when the gain is below 1, the layers
near the input learn slowest.

**The starts this gives.** For tanh near $z = 0$, $\tanh' \approx 1$, and
the gradient keeps its size when $\operatorname{Var}(w) = 1/n_{out}$. The
forward argument, with $\tanh z \approx z$ so that $\mathbb{E}[a^2]
\approx \operatorname{Var} z$, asked for $\operatorname{Var}(w) =
1/n_{in}$: LeCun's start, `rng.normal(0, np.sqrt(1 / n_in), shape)`.
Glorot and Bengio (2010) split the difference,

$$
\operatorname{Var}(w) = \frac{2}{n_{in} + n_{out}} ,
$$

`rng.normal(0, np.sqrt(2 / (n_in + n_out)), (n_out, n_in))`, called
*Xavier* after Glorot's first name; in a layer as wide as the one before
it, all three requests agree. For ReLU, $\mathbb{E}[\operatorname{relu}'(z)^2]
= \frac{1}{2}$ (half the units are active), so the backward pass asks for
$2/n_{out}$, the fan-out form of He's $2/n_{in}$. The network offers
`init="lecun"` and `init="xavier"` beside `"he"`.

**Why no start saves the sigmoid.** $\sigma' \le \frac{1}{4}$ everywhere,
so $\mathbb{E}[\sigma'(z)^2] \le \frac{1}{16}$. With Xavier's start in
layers of equal width, $n_l \operatorname{Var}(w) = 1$ and the gain is at
most $\frac{1}{16}$: the gradient's size falls at least fourfold per
layer, at least $4^9 \approx 260{,}000$-fold through nine hidden layers.
A start four times larger would undo the $\frac{1}{4}$ in the backward
pass, but the sigmoid's outputs are all positive with mean near
$\frac{1}{2}$, so the forward pass, whose $\mathbb{E}[a^2] \ge \frac{1}{4}$
does not shrink with $z$, would push the next layer's $z$ away from 0,
into saturation. tanh is the sigmoid recentred and rescaled, and that is
exactly what it fixes: outputs with mean near 0 and a slope of 1 at 0.

# The squared error at a softmax output

Train the same softmax output on the squared error,
$\ell = \frac{1}{2} \lVert a - y \rVert^2$ (`primitive_nn.loss.squared_error`).
Its gradient with respect to the probabilities is $a - y$; the chain rule
through softmax multiplies it by the softmax's Jacobian
$J = \operatorname{diag}(a) - a a^\top$ (the softmax chapter derives it):

$$
\frac{\partial \ell}{\partial z} = J\,(a - y) = a \odot d - a\,(a^\top d),
\qquad d = a - y ,
$$

`A * (dA - (A * dA).sum(axis=0, keepdims=True))`. The Jacobian is the
softmax's derivative, and it vanishes where the softmax saturates: if the
network is sure of a wrong digit $k$, $a \approx e_k$, then
$J \approx \operatorname{diag}(e_k) - e_k e_k^\top = 0$. Exactly when the
answer is most wrong, the gradient is nearly zero. Entry by entry: with
$a_k = 1 - \epsilon$, the true digit's entry is $a_t (d_t - a^\top d)$,
about $a_t \cdot (-1 - 1) = -2 a_t$, no larger than $2\epsilon$: tiny.

Cross-entropy, $\ell = -\log a_t$, has $\partial \ell / \partial a_t =
-1/a_t$, which grows as $a_t$ shrinks, and the product with the Jacobian
cancels the small factor exactly: $\partial \ell / \partial z = a - y$
(the softmax chapter), whose entry for the true digit is $a_t - 1 \approx
-1$, however sure the network was. The same happens for a single sigmoid
output: the squared error gives $(\sigma(z) - y)\,\sigma'(z)$, which
vanishes where $\sigma$ saturates, and cross-entropy gives $\sigma(z) - y$.
(`network.backward(..., loss="squared")` trains on the squared error; the
examples of `primitive_nn.loss.softmax_squared_error_backward` show the
vanishing gradient on one column.)

The start decides how often this happens. The seed's uniform start makes
logits with a standard deviation of one to two, so some examples begin confidently
wrong (`confidently_wrong` counts them); He's start makes logits near 0,
probabilities near $\frac{1}{10}$, and a Jacobian far from 0. So the book
measures the two losses from both starts.
"""

import numpy as np

from primitive_nn.network import backward, forward, n_layers


def backward_gain(n_out, var_w, mean_square_slope):
    r"""The factor on the gradient's second moment per layer down: $n_{out} \operatorname{Var}(w)\, \mathbb{E}[g'(z)^2]$.

    Parameters
    ----------
    n_out : int
        Units of the layer above, the fan-out.
    var_w : float
        The variance of that layer's weights.
    mean_square_slope : float
        $\mathbb{E}[g'(z)^2]$ over the layer's pre-activations.

    Returns
    -------
    float

    Examples
    --------
    ReLU with He's start in layers of 100, and the sigmoid's best case
    ($\sigma' = \frac{1}{4}$) with Xavier's:

    >>> backward_gain(100, 2 / 100, 0.5)
    1.0
    >>> backward_gain(100, 2 / (100 + 100), 0.25 ** 2)
    0.0625
    """
    return n_out * var_w * mean_square_slope


def gradient_sizes(params, X, Y, activation="relu"):
    r"""The root mean square of each layer's weight gradient, layer 1 first.

    $\sqrt{\frac{1}{n_l n_{l-1}} \sum_{ik} (dW^{[l]}_{ik})^2}$:
    `np.sqrt(np.mean(dW ** 2))`, the size of a typical entry, so layers of
    different shapes compare.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_0, m)
    Y : ndarray of shape (n_D, m)
        One-hot labels.
    activation : {"relu", "sigmoid", "tanh"}

    Returns
    -------
    list of float, one per layer

    Examples
    --------
    Ten sigmoid layers from Xavier's start: the gradient reaching the first
    layer is a tiny fraction of the last layer's.

    >>> import numpy as np
    >>> from primitive_nn.loss import one_hot
    >>> from primitive_nn.network import init_params
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.random((20, 50)), one_hot(rng.integers(0, 10, 50))
    >>> sizes = gradient_sizes(init_params([20] + [30] * 9 + [10], rng, "xavier"), X, Y, "sigmoid")
    >>> len(sizes), sizes[0] / sizes[-1] < 1e-4
    (10, True)
    """
    grads = backward(params, forward(params, X, activation), Y, activation)
    return [float(np.sqrt(np.mean(grads[f"dW{l}"] ** 2))) for l in range(1, n_layers(params) + 1)]


def confidently_wrong(A, labels, threshold=0.9):
    r"""The fraction of examples whose largest probability exceeds `threshold` and is not the label's.

    Parameters
    ----------
    A : ndarray of shape (n_y, m)
        Softmax output.
    labels : ndarray of int, shape (m,)
    threshold : float

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0.95, 0.5, 0.05], [0.05, 0.5, 0.95]])
    >>> confidently_wrong(A, np.array([1, 1, 1]))   # only the first is sure and wrong
    0.3333333333333333
    """
    sure = A.max(axis=0) > threshold
    return float(np.mean(sure & (A.argmax(axis=0) != labels)))
