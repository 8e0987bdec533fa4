r"""Batch normalization: each unit's pre-activations, standardized over the batch.

Part II chose the start's weights so that every layer's pre-activations
begin with about the same spread (`primitive_nn.initialization`). Training
moves the weights, and nothing keeps the spread where the start put it.
*Batch normalization* (Ioffe and Szegedy, 2015) puts it back at every
step: each unit's pre-activations are standardized over the examples of the
current batch, to mean 0 and variance 1, and then scaled and shifted by two
numbers the network learns, $\gamma$ and $\beta$, one of each per unit. Its
authors and many since report that it trains with larger learning rates
and in fewer steps; why it helps is still argued over (Ioffe and Szegedy
spoke of a shifting input distribution, Santurkar et al. in 2018 of a
smoother loss). This chapter writes the layer, forward in its two modes and
backward, puts it into the training loop of both networks, the MLP and
Part IV's convnet, and the page measures what it changes.

# What is averaged over

A dense layer's $Z$ has shape $(n, m)$, a unit per row and an example per
column: each unit $i$ gets its own mean and variance, over its row's $m$
numbers. A convolution's $Z$ has shape $(m, n_H, n_W, n_C)$ (NHWC,
`primitive_nn.convolution`): each *channel* gets its own mean and variance,
over all $m\, n_H n_W$ numbers of its maps, every position of every example.
The filter is the same at every position, so its responses are normalized
the same way at every position, with one $\gamma$ and one $\beta$ per
channel: normalizing each position on its own would give the same stroke a
different response at different places, and undo the equivariance the
convolution was built for. (This is what Ioffe and Szegedy do for
convolutions, and what CS231n calls *spatial* batch normalization.)

So one function serves both. The *feature axis* holds the units or the
channels: axis 0 of a dense $Z$, the last axis of a convolution's maps.
Every other axis is a *batch axis*, averaged over: `(1,)` for $(n, m)$,
`(0, 1, 2)` for $(m, n_H, n_W, n_C)$ (`batch_axes`). The first batch axis
is the examples'. Below, $N$ is the number of entries per feature: $m$ for
a dense layer, $m\, n_H n_W$ for maps.

# Forward, in training mode

For one feature, with its $N$ values $z_1, \dots, z_N$ in the batch:

$$
\mu = \frac{1}{N} \sum_{k=1}^{N} z_k , \qquad
\sigma^2 = \frac{1}{N} \sum_{k=1}^{N} (z_k - \mu)^2 ,
$$

`mu = Z.mean(axis=axes, keepdims=True)` and
`var = Z.var(axis=axes, keepdims=True)`. The variance divides by $N$, not
$N - 1$: it is the spread of the batch's own numbers, which the layer
divides out, not an estimate of anything. Then

$$
\hat z_k = \frac{z_k - \mu}{\sqrt{\sigma^2 + \epsilon}} , \qquad
y_k = \gamma\, \hat z_k + \beta ,
\label{bn-forward}
$$

`inv_sigma = 1 / np.sqrt(var + eps)`, `Zhat = (Z - mu) * inv_sigma` and
`Y = gamma * Zhat + beta` (`batchnorm_forward`). The statistics keep their reduced axes
(`keepdims=True`), shape $(n, 1)$ or $(1, 1, 1, n_C)$, so they broadcast
against $Z$ in either layout. $\gamma$ and $\beta$ are shaped like the bias
of the layer before, $(n, 1)$ for a dense layer and $(n_C,)$ for a
convolution, and broadcast as that bias does. They start at 1 and 0, the
plain standardization; with $\gamma = \sqrt{\sigma^2 + \epsilon}$ and
$\beta = \mu$ the layer would give back this batch's input, so
standardizing takes nothing away that the network cannot learn back.

**$\epsilon$.** `EPS` $= 10^{-5}$, as in PyTorch and CS231n, keeps the
division finite where a feature is constant over the batch, as every
feature of a dense layer is on a batch of one, or a unit whose weights are
all 0. Such a feature comes out as $\beta$. It costs a little elsewhere: the
output's variance is $\sigma^2 / (\sigma^2 + \epsilon)$, not 1, within
$10^{-5}$ of 1 once $\sigma^2 \ge 1$. It guards the forward pass only:
backward, a constant feature passes on $dy - \overline{dy}$ multiplied by
$\gamma / \sqrt{\epsilon}$, about $316\gamma$ ([](#bn-backward) with
$\hat z = 0$).

**A batch of one.** With $m = 1$ a dense layer has one value per unit:
$\mu = z$, $\sigma^2 = 0$, $\hat z = 0 / \sqrt{\epsilon} = 0$ and $y =
\beta$, whatever the input. The layer forgets the example, and its gradient
below is exactly 0: with one entry, $dy$ equals its own mean. A dense layer
with batch normalization cannot be trained one example at a time; one
image's maps still give each channel $n_H n_W$ values, and there it works.
(`running_update` refuses $N = 1$, below.)

# Where it goes

Ioffe and Szegedy put it between the linear map and the nonlinearity:
$Z = W A + b$, $Y = \operatorname{BN}(Z)$, $A = g(Y)$: a pre-activation, a
sum of many inputs, is closer to a bell shape than a ReLU's output, half of
it zeros, and standardizing it fixes the spread that $g$ sees. Then the
bias $b$ does nothing.
Adding $b_i$ to every entry of row $i$ adds $b_i$ to its mean $\mu_i$ and
leaves its deviations $z_k - \mu$, and so its variance, unchanged:
$\operatorname{BN}(Z + b) = \operatorname{BN}(Z)$. Its gradient is 0 too,
as the backward pass below shows, so training never moves it. $\beta$ has
taken its place, a shift per unit after the normalization, and a layer
followed by batch normalization drops its bias: $Z = W A$. The same holds
per channel for a convolution's bias $b_f$. The network's last layer, whose
$Z$ is the logits of the softmax, keeps its bias and has no batch
normalization.

# Evaluation: running statistics

At test time the prediction for one digit should not depend on which other
digits share its batch, and a batch of one digit should work. So
evaluation normalizes with fixed numbers, estimates of the mean and
variance over the whole training set, and the layer becomes

$$
y = \gamma\, \frac{z - \bar\mu}{\sqrt{\bar\sigma^2 + \epsilon}} + \beta ,
$$

`Y = gamma * (Z - mean) / np.sqrt(var + eps) + beta` (`batchnorm_eval`):
a fixed scale and shift per feature, which could as well be folded into
the $W$ and $b$ of the layer before (an exercise does it).

Training keeps $\bar\mu$ and $\bar\sigma^2$ as exponential moving averages
of the batches' statistics, updated after each training step's forward
pass:

$$
\bar\mu \leftarrow \rho\, \bar\mu + (1 - \rho)\, \mu , \qquad
\bar\sigma^2 \leftarrow \rho\, \bar\sigma^2 + (1 - \rho)\, \frac{N}{N - 1}\, \sigma^2 ,
\label{bn-running}
$$

`mean = momentum * mean + (1 - momentum) * mu` and
`var = momentum * var + (1 - momentum) * var_batch * N / (N - 1)`
(`running_update`), starting from $\bar\mu = 0$ and $\bar\sigma^2 = 1$.
Two choices are in [](#bn-running), and libraries make them differently.

* **The momentum.** $\rho$ = `MOMENTUM` $= 0.9$ is the weight of the *old*
  value, as in CS231n, Saitoh's book and Keras (whose default is 0.99).
  PyTorch's `momentum=0.1` is $1 - \rho$, the weight of the *new* batch:
  the same update. A batch's weight decays as $\rho^k$ over the next $k$
  steps, so the average covers about $1 / (1 - \rho) = 10$ recent batches,
  and the start's guess is forgotten within a few dozen ($0.9^{50} <
  0.01$). It averages over recent weights, which is what evaluation wants:
  the statistics of the network as it is now.
* **The correction $N / (N - 1)$.** A batch's $\sigma^2$, dividing by $N$,
  is on average $(N - 1) / N$ times the variance of the distribution the
  batch was drawn from. $\bar\sigma^2$ is meant to estimate that variance,
  so this book corrects it, as PyTorch does (CS231n's and Saitoh's code do
  not). It matters little: for a dense layer with batches of 64 it is 1.6%
  on the variance, 0.8% on the scale, and for a convolution's $N = 64
  \cdot 28 \cdot 28$ nothing. It is undefined for $N = 1$, where a batch
  says nothing about the spread: `running_update` raises.

$\bar\mu$ and $\bar\sigma^2$ are *state*, not parameters: no gradient
reaches them and no optimizer steps them, but a trained network is not
complete without them.

# Backward

**Which gradient.** In training mode the layer couples the examples:
$\mu$ and $\sigma^2$ depend on every example of the batch, so example
$k$'s output, and its loss $\ell_k$, depend on example $j$'s input. The
preface's reading of $dZ$, column $j$ is $\partial \ell_j / \partial
Z_{:,j}$, stops being true below a batch normalization; its other half,
$dZ = m\, \partial L / \partial Z$, $m$ times the gradient of the batch's
mean loss, still holds, and it is the one the layers below need
(`primitive_nn.layers.linear_backward` makes $\partial L / \partial W$ as
$\frac{1}{m} dZ\, X^\top$). For every layer of Part I the two readings
agree. So this layer receives $dy = m\, \partial L / \partial y$ and
returns $dz = m\, \partial L / \partial z$, and its $d\gamma = \partial L /
\partial \gamma$ and $d\beta = \partial L / \partial \beta$, gradients of
the mean loss, as every $dW$ and $db$ of the book.

For one feature, write $G_k = \partial L / \partial y_k$, so $dy_k = m
G_k$, and $s = \sqrt{\sigma^2 + \epsilon}$.

**1. $\gamma$ and $\beta$.** $y_k = \gamma \hat z_k + \beta$ for every $k$,
so

$$
d\gamma = \sum_{k=1}^{N} G_k\, \hat z_k = \frac{1}{m} \sum_{k=1}^{N} dy_k\, \hat z_k ,
\qquad
d\beta = \frac{1}{m} \sum_{k=1}^{N} dy_k ,
$$

`dgamma = (dY * Zhat).sum(axis=axes) / m` and
`dbeta = dY.sum(axis=axes) / m`: sums over the feature's $N$ entries,
divided by the $m$ examples. For a dense layer that is the mean over the
batch, as `linear_backward`'s $db$; for maps, summed over positions and
averaged over examples, as a convolution's $db$.

**2. Into $\hat z$.** $\partial L / \partial \hat z_k = \gamma\, G_k$.

**3. How each $\hat z_k$ depends on every $z_j$.** The mean:
$\partial \mu / \partial z_j = 1/N$. The variance: $\partial \sigma^2 /
\partial z_j = \frac{2}{N} \sum_k (z_k - \mu)(\delta_{kj} - \frac{1}{N}) =
\frac{2}{N} (z_j - \mu)$, since the deviations sum to 0. So $\partial s /
\partial z_j = \frac{1}{2s} \frac{2}{N} (z_j - \mu) = \hat z_j / N$, and
the quotient rule on $\hat z_k = (z_k - \mu) / s$ gives

$$
\frac{\partial \hat z_k}{\partial z_j}
= \frac{\delta_{kj} - \frac{1}{N}}{s} - \frac{z_k - \mu}{s^2} \frac{\hat z_j}{N}
= \frac{1}{s} \left( \delta_{kj} - \frac{1}{N} - \frac{\hat z_k\, \hat z_j}{N} \right) .
\label{bn-jacobian}
$$

**4. Add up over $k$**, since $z_j$ reaches every $\hat z_k$:
$\partial L / \partial z_j = \sum_k \gamma G_k\, \partial \hat z_k /
\partial z_j = \frac{\gamma}{s} \big( G_j - \frac{1}{N}\sum_k G_k - \hat
z_j \frac{1}{N} \sum_k G_k \hat z_k \big)$. That is linear in $G$, so
multiplying both sides by $m$ turns it into the same formula for $dz$ and
$dy$:

$$
dz = \frac{\gamma}{\sqrt{\sigma^2 + \epsilon}}
\left( dy - \overline{dy} - \hat z\; \overline{dy\, \hat z} \right) ,
\label{bn-backward}
$$

the bars meaning the mean over the feature's $N$ entries:
`dZ = gamma / np.sqrt(var + eps) * (dY - dY.mean(axis=axes, keepdims=True) - Zhat * (dY * Zhat).mean(axis=axes, keepdims=True))`
(`batchnorm_backward`, which computes the two sums once, for
$d\beta$ and $d\gamma$ as well). It costs two sums per feature and a few
passes over the array, no more than the forward pass.

**Reading it.** The bracket is $dy$ with two components taken out: its
mean, the part along the constant vector $\mathbf{1}$, and its part along
$\hat z$. With $\epsilon = 0$, $\hat z$ has length $\sqrt{N}$ and is
orthogonal to $\mathbf{1}$, and the matrix of [](#bn-jacobian),
$\frac{1}{s}(I - \frac{1}{N}\mathbf{1}\mathbf{1}^\top - \frac{1}{N}\hat z
\hat z^\top)$, is $\frac{1}{s}$ times the orthogonal projection away from
both. Two facts follow, both exercises of the page.

* $\sum_k dz_k = 0$ exactly, since $\sum_k \hat z_k = 0$: the bias of the
  layer before gets $db = \frac{1}{m} \sum dz = 0$, and never moves.
* $\sum_k dz_k\, \hat z_k = \frac{\gamma}{s} \frac{\epsilon}{\sigma^2 +
  \epsilon} \sum_k dy_k \hat z_k$, almost 0: the gradient does not ask to
  stretch $z$. The output does not change when the weights before it are
  scaled, and their gradient is orthogonal to them ($\epsilon$ aside).

# In the training loop

**Where it sits.** In the MLP, every hidden layer becomes
$Z^{[l]} = W^{[l]} A^{[l-1]}$, $Y^{[l]} = \operatorname{BN}(Z^{[l]})$,
$A^{[l]} = g(Y^{[l]})$, unit by unit; the last layer, the softmax's, stays
as it was. In the convnet (`primitive_nn.convnet`) a block becomes
convolution, batch normalization channel by channel, ReLU, pooling, and the
dense hidden layer is normalized unit by unit. `with_batchnorm` turns any
start into one with it: each hidden layer's `b{l}` is dropped, and
`gamma{l}` $= 1$, `beta{l}` $= 0$, and the running statistics `mean{l}`
$= 0$ and `var{l}` $= 1$ are put in its place, in the same dict as the
weights (as PyTorch keeps its running statistics among its model's
*buffers*). So saving a run, loading it, evaluating it and caching it need
nothing new; the weights are drawn exactly as without it, so a run with
batch normalization and a run without start from the same $W$ for the
same seed.

**Two modes, one pass.** Both networks' `forward` take `training`: the
loop of each hidden layer is

```python
Z = linear_forward(W[l], bias(params, l), A)     # (n_l, m); zeros where beta replaced b
Y, kept = normalize(params, l, Z, training)      # Z itself where layer l has none
A = g(Y)                                         # (n_l, m)
```

`normalize` calls `batchnorm_forward` in training mode and keeps its cache
as `BN{l}`, and `batchnorm_eval` otherwise. Training (`fit`, with the
train command's `--batchnorm`) runs the training mode, each batch
normalized by its own statistics, as the loop swaps in dropout's pass for
dropout; everything else runs the evaluation mode, the default: the dev
accuracy recorded after each epoch, the final accuracies, `predict`. So
the dev accuracy of every epoch is that of the network as it will be used,
with the running statistics it would ship with.

**Backward.** From the top, at each layer $l$, the gradient with respect
to $Y^{[l]}$ goes back through the normalization first,
`dZ, grads_bn = normalize_backward(params, l, dZ, cache)`, which is
[](#bn-backward) and gives `dgamma{l}` and `dbeta{l}`; then the layer's
$dW$ from $dZ$ as before, and no $db$ (it would be 0). Below a normalized
layer the nonlinearity's derivative is taken at what it read,
$g'(Y^{[l-1]})$ instead of $g'(Z^{[l-1]})$, and a block's pooling finds
its maxima in $g(Y^{[l-1]})$.

**After each step.** The running statistics are not stepped: every
optimizer (`primitive_nn.optimizers`) moves the entries of `params` that
have a gradient and carries the others over, and `fit` makes optimizer
state (velocities, averages) only for the `trainable` ones. Then `fit` calls its
`after_step(params, cache)` with the step's forward cache, here
`update_running`: [](#bn-running) for every normalized layer, with this
batch's $\mu$ and $\sigma^2$ and $\rho$ = `--bn-momentum` (0.9). The
statistics are those the batch had under the weights before the step,
one step behind the weights they will be used with; PyTorch updates them
during the forward pass, with the same weights, so it lags the same step.

**What it refuses.** A batch of one has no spread (above): the train
command refuses `--batch-size 1` with `--batchnorm`, and a training set
whose last batch would hold one example. Dropout's pass
(`primitive_nn.regularization`) knows nothing of batch normalization, so
the two are not combined here, and the seed's defects, which need Part I's
loop, are not either.

**Shipping it: folded.** In evaluation mode the layer is a fixed affine
map per feature, and `fold_batchnorm` folds it into the layer before, with
$a = \gamma / \sqrt{\bar\sigma^2 + \epsilon}$: $W' = a W$ and $b' = a(b -
\bar\mu) + \beta$ (the fold exercise, for every layer at once). The
package's model loader folds a trained `model.npz` when it reads it, and
the book folds a network before it ships it, so `predict`, the shipped
files and the "Try it" page's JavaScript see only $W$ and $b$: the same
function, with one affine map fewer per layer.

```text
python -m primitive_nn.train --recipe fast --batchnorm      # the MLP
python -m primitive_nn.train --recipe conv-bn               # the convnet
```

# Checking it

`tests/test_batchnorm.py` checks $dz$, $d\gamma$ and $d\beta$ against
central differences of the mean loss in float64, for a dense layer and for
maps of odd sizes, and through a small network with a softmax on top;
compares [](#bn-backward) with the chain rule through the matrix of
[](#bn-jacobian), feature by feature; and checks a batch of one, a constant
feature, evaluation as an affine map, and that the running statistics of
[](#bn-running) settle at the mean and variance of the distribution the
batches are drawn from, where the uncorrected variance would settle
$(N-1)/N$ of the way. `tests/test_batchnorm_training.py` checks both
networks in the loop: every gradient of an MLP and of a small convnet
with batch normalization, in training mode, against central differences;
that evaluation with the running statistics set to a batch's own gives
the training mode's numbers; that the folded network computes the
evaluation pass; that the optimizers leave the running statistics alone
and `fit` updates them from each step's batch; and a short run on MNIST.
"""

import numpy as np

from primitive_nn.layers import n_layers

EPS = 1e-5       # epsilon: added to the variance, so a constant feature divides by sqrt(EPS), not 0
MOMENTUM = 0.9   # rho: the running averages' weight on their old value (PyTorch's momentum=0.1)
STATISTICS = ("mean", "var")  # the running statistics' names in params: state, not parameters


def batch_axes(Z):
    r"""The axes batch normalization averages over: every axis but the feature axis.

    Parameters
    ----------
    Z : ndarray of shape (n, m) or (m, n_H, n_W, n_C)
        A dense layer's pre-activations, a unit per row; or a convolution's
        maps, a channel on the last axis.

    Returns
    -------
    tuple of int
        `(1,)` or `(0, 1, 2)`. The first is always the examples' axis.

    Examples
    --------
    >>> import numpy as np
    >>> batch_axes(np.zeros((10, 64))), batch_axes(np.zeros((64, 28, 28, 16)))
    ((1,), (0, 1, 2))
    """
    if Z.ndim == 2:
        return (1,)
    if Z.ndim == 4:
        return (0, 1, 2)
    raise ValueError(f"batch normalization takes a dense layer's (n, m) or a convolution's "
                     f"(m, n_H, n_W, n_C), not an array of shape {Z.shape}")


def _check(Z, gamma):
    """Refuse a gamma (or beta, or running statistic) not shaped like the bias of Z's layer."""
    expected = (Z.shape[0], 1) if Z.ndim == 2 else (Z.shape[-1],)
    if gamma.shape != expected:
        raise ValueError(f"for Z of shape {Z.shape}, gamma, beta and the running statistics need "
                         f"shape {expected}, like the layer's bias; got {gamma.shape}")


def batchnorm_forward(Z, gamma, beta, eps=EPS):
    r"""Batch normalization in training mode: $y = \gamma (z - \mu) / \sqrt{\sigma^2 + \epsilon} + \beta$.

    $\mu$ and $\sigma^2$ (dividing by $N$) are each feature's mean and
    variance over this batch.

    Parameters
    ----------
    Z : ndarray of shape (n, m) or (m, n_H, n_W, n_C)
        Pre-activations: features on axis 0, or channels on the last axis.
    gamma, beta : ndarray of shape (n, 1) or (n_C,)
        Scale and shift per feature, shaped like the layer's bias.
    eps : float
        Added to the variance.

    Returns
    -------
    Y : ndarray shaped like Z
    cache : dict of str to ndarray
        `Zhat` (Z's shape), and `mu`, `var` and `inv_sigma` $= 1/\sqrt{\sigma^2 +
        \epsilon}$, each with the batch axes kept as length 1: what
        `batchnorm_backward` and `running_update` need.

    Examples
    --------
    Two units on 100 examples, far from mean 0 and variance 1; after it,
    each unit's row has mean 0 and variance 1:

    >>> import numpy as np
    >>> Z = np.random.default_rng(0).normal(5.0, 3.0, (2, 100))
    >>> Y, cache = batchnorm_forward(Z, np.ones((2, 1)), np.zeros((2, 1)))
    >>> bool(np.abs(Y.mean(axis=1)).max() < 1e-12), Y.var(axis=1).round(4).tolist()
    (True, [1.0, 1.0])

    Maps: one mean and variance per channel, over examples and positions;
    $\gamma$ and $\beta$ then set them.

    >>> Z = np.random.default_rng(1).normal(-2.0, 0.5, (8, 5, 5, 3))
    >>> Y, cache = batchnorm_forward(Z, np.full(3, 2.0), np.array([0.5, 1.0, -1.0]))
    >>> cache["mu"].shape, Y.mean(axis=(0, 1, 2)).round(6).tolist(), Y.std(axis=(0, 1, 2)).round(4).tolist()
    ((1, 1, 1, 3), [0.5, 1.0, -1.0], [2.0, 2.0, 2.0])
    """
    _check(Z, gamma)
    axes = batch_axes(Z)
    mu = Z.mean(axis=axes, keepdims=True)                   # (n, 1) or (1, 1, 1, n_C)
    var = Z.var(axis=axes, keepdims=True)                   # biased: the mean of (Z - mu)^2, over N
    inv_sigma = 1 / np.sqrt(var + eps)                      # 1 / s, like mu
    Zhat = (Z - mu) * inv_sigma                             # Z's shape
    Y = gamma * Zhat + beta                                 # Z's shape
    return Y, {"Zhat": Zhat, "mu": mu, "var": var, "inv_sigma": inv_sigma}


def running_update(running_mean, running_var, cache, momentum=MOMENTUM):
    r"""One step of the running averages, $\bar\mu \leftarrow \rho\, \bar\mu + (1 - \rho)\, \mu$ and

    $$\bar\sigma^2 \leftarrow \rho\, \bar\sigma^2 + (1 - \rho)\, \tfrac{N}{N - 1}\, \sigma^2$$

    Parameters
    ----------
    running_mean, running_var : ndarray of shape (n, 1) or (n_C,)
        $\bar\mu$ and $\bar\sigma^2$ so far, shaped like $\gamma$; they start at 0 and 1.
    cache : dict of str to ndarray
        From `batchnorm_forward` on this step's batch.
    momentum : float
        $\rho$, the weight of the old value (PyTorch's `momentum` is $1 - \rho$).

    Returns
    -------
    running_mean, running_var : ndarray shaped like the inputs
        New arrays; the inputs are not modified.

    Raises
    ------
    ValueError
        If the batch has one value per feature ($N = 1$): it says nothing about the variance.

    Examples
    --------
    One unit, a batch of two: $\mu = 2$, $\sigma^2 = 1$, corrected to 2.

    >>> import numpy as np
    >>> _, cache = batchnorm_forward(np.array([[1.0, 3.0]]), np.ones((1, 1)), np.zeros((1, 1)))
    >>> mean, var = running_update(np.zeros((1, 1)), np.ones((1, 1)), cache)
    >>> mean.round(6).tolist(), var.round(6).tolist()        # 0.9 * 0 + 0.1 * 2, 0.9 * 1 + 0.1 * 2
    ([[0.2]], [[1.1]])
    """
    N = cache["Zhat"].size // cache["mu"].size             # entries per feature: m, or m n_H n_W
    if N < 2:
        raise ValueError("a batch with one value per feature has no variance to learn from; "
                         "train a dense layer with batch normalization on batches of 2 or more")
    mu = cache["mu"].reshape(running_mean.shape)            # gamma's shape
    var = cache["var"].reshape(running_var.shape) * (N / (N - 1))  # corrected: an estimate of the variance
    return (momentum * running_mean + (1 - momentum) * mu,
            momentum * running_var + (1 - momentum) * var)


def batchnorm_eval(Z, gamma, beta, running_mean, running_var, eps=EPS):
    r"""Evaluation mode: $y = \gamma (z - \bar\mu) / \sqrt{\bar\sigma^2 + \epsilon} + \beta$.

    A fixed affine map per feature: each example's output depends on that example alone.

    Parameters
    ----------
    Z : ndarray of shape (n, m) or (m, n_H, n_W, n_C)
    gamma, beta, running_mean, running_var : ndarray of shape (n, 1) or (n_C,)
    eps : float

    Returns
    -------
    Y : ndarray shaped like Z

    Examples
    --------
    >>> import numpy as np
    >>> one = np.ones((1, 1))
    >>> batchnorm_eval(np.array([[3.0, 5.0]]), one, 0 * one, one, 4 * one, eps=0.0)   # (z - 1) / 2
    array([[1., 2.]])
    """
    _check(Z, gamma)
    _check(Z, running_var)
    return gamma * (Z - running_mean) / np.sqrt(running_var + eps) + beta   # Z's shape


def batchnorm_backward(dY, cache, gamma):
    r"""Backward through batch normalization in training mode.

    $$dz = \frac{\gamma}{\sqrt{\sigma^2 + \epsilon}}
    \left( dy - \overline{dy} - \hat z\, \overline{dy\, \hat z} \right),$$

    $$d\gamma = \tfrac{1}{m} \textstyle\sum dy\, \hat z, \qquad d\beta = \tfrac{1}{m} \textstyle\sum dy$$

    The bars are means and the sums run over each feature's $N$ entries;
    $m$ is the number of examples.

    Parameters
    ----------
    dY : ndarray of shape (n, m) or (m, n_H, n_W, n_C)
        $m\, \partial L / \partial Y$, as every $dZ$ of the book: per example,
        for the layers above.
    cache : dict of str to ndarray
        From `batchnorm_forward` on the same batch.
    gamma : ndarray of shape (n, 1) or (n_C,)

    Returns
    -------
    dZ : ndarray shaped like dY
        $m\, \partial L / \partial Z$. Each feature's entries sum to 0.
    dgamma, dbeta : ndarray shaped like gamma
        $\partial L / \partial \gamma$ and $\partial L / \partial \beta$:
        gradients of the mean loss, summed over positions, averaged over examples.

    Examples
    --------
    A gradient that would raise every output of a unit alike, or stretch
    them all, passes (almost) nothing to $Z$: the normalization undoes
    both. All of it goes to $\beta$ or to $\gamma$.

    >>> import numpy as np
    >>> Z = np.array([[1.0, 2.0, 4.0, 9.0]])
    >>> Y, cache = batchnorm_forward(Z, np.ones((1, 1)), np.zeros((1, 1)))
    >>> dZ, dgamma, dbeta = batchnorm_backward(np.ones_like(Z), cache, np.ones((1, 1)))
    >>> bool(np.abs(dZ).max() < 1e-12), dbeta.tolist()
    (True, [[1.0]])
    >>> dZ, dgamma, dbeta = batchnorm_backward(cache["Zhat"], cache, np.ones((1, 1)))
    >>> bool(np.abs(dZ).max() < 1e-5), dgamma.round(5).tolist()
    (True, [[1.0]])
    """
    _check(dY, gamma)
    axes = batch_axes(dY)
    m, Zhat = dY.shape[axes[0]], cache["Zhat"]
    N = dY.size // gamma.size                               # entries per feature
    sum_dy = dY.sum(axis=axes, keepdims=True)               # (n, 1) or (1, 1, 1, n_C)
    sum_dy_zhat = (dY * Zhat).sum(axis=axes, keepdims=True)
    dgamma = sum_dy_zhat.reshape(gamma.shape) / m           # gamma's shape
    dbeta = sum_dy.reshape(gamma.shape) / m
    dZ = gamma * cache["inv_sigma"] * (dY - sum_dy / N - Zhat * (sum_dy_zhat / N))  # dY's shape
    return dZ, dgamma, dbeta


# ---------------------------------------------------------------- in a network


def with_batchnorm(params):
    r"""A network's start with batch normalization before every hidden nonlinearity.

    Each hidden layer's bias $b^{[l]}$ is dropped, and $\gamma^{[l]} = 1$,
    $\beta^{[l]} = 0$ and the running statistics $\bar\mu^{[l]} = 0$,
    $\bar\sigma^{2[l]} = 1$ are added, shaped like it. The last layer, the
    softmax's, keeps its bias and has none.

    Parameters
    ----------
    params : dict of str to ndarray
        `W1, b1, ..., WD, bD`, an MLP's or a convnet's.

    Returns
    -------
    dict of str to ndarray
        `W{l}, gamma{l}, beta{l}, mean{l}, var{l}` for $l < D$, then `WD, bD`;
        the same arrays for the weights, new ones for the rest.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.ones((3, 4)), "b1": np.ones((3, 1)), "W2": np.ones((2, 3)), "b2": np.ones((2, 1))}
    >>> list(with_batchnorm(params))
    ['W1', 'gamma1', 'beta1', 'mean1', 'var1', 'W2', 'b2']
    """
    D, out = n_layers(params), {}
    for l in range(1, D + 1):
        out[f"W{l}"], b = params[f"W{l}"], params[f"b{l}"]
        if l == D:
            out[f"b{l}"] = b
        else:
            out.update({f"gamma{l}": np.ones_like(b), f"beta{l}": np.zeros_like(b),
                        f"mean{l}": np.zeros_like(b), f"var{l}": np.ones_like(b)})
    return out


def trainable(params):
    r"""`params` without the running statistics: what gradient descent moves.

    Examples
    --------
    >>> import numpy as np
    >>> params = with_batchnorm({"W1": np.ones((3, 4)), "b1": np.ones((3, 1)),
    ...                          "W2": np.ones((2, 3)), "b2": np.ones((2, 1))})
    >>> list(trainable(params))
    ['W1', 'gamma1', 'beta1', 'W2', 'b2']
    """
    return {name: p for name, p in params.items() if not name.startswith(STATISTICS)}


def bias(params, l):
    r"""Layer l's bias $b^{[l]}$, or zeros where batch normalization's $\beta^{[l]}$ has replaced it.

    Examples
    --------
    >>> import numpy as np
    >>> bias({"W1": np.ones((2, 2)), "gamma1": np.ones((2, 1))}, 1).ravel().tolist()
    [0.0, 0.0]
    """
    return params[f"b{l}"] if f"b{l}" in params else np.zeros_like(params[f"gamma{l}"])


def normalize(params, l, Z, training=False):
    r"""Layer l's batch normalization $Y^{[l]} = \operatorname{BN}(Z^{[l]})$, or $Z^{[l]}$ itself where it has none.

    Training mode uses the batch's statistics (`batchnorm_forward`);
    evaluation mode, the default, the running ones (`batchnorm_eval`).

    Parameters
    ----------
    params : dict of str to ndarray
        With `gamma{l}`, `beta{l}`, `mean{l}` and `var{l}` if layer l is normalized.
    l : int
    Z : ndarray of shape (n_l, m) or (m, n_H, n_W, n_C)
    training : bool

    Returns
    -------
    Y : ndarray shaped like Z
    kept : dict
        What the forward pass's cache keeps: `Y{l}`, and in training mode
        `BN{l}`, `batchnorm_forward`'s cache; empty where layer l has none.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"gamma1": np.ones((1, 1)), "beta1": np.zeros((1, 1)),
    ...           "mean1": np.zeros((1, 1)), "var1": np.ones((1, 1))}
    >>> Z = np.array([[1.0, 3.0]])
    >>> Y, kept = normalize(params, 1, Z, training=True)
    >>> Y.round(4).tolist(), sorted(kept)
    ([[-1.0, 1.0]], ['BN1', 'Y1'])
    >>> normalize(params, 1, Z)[0].round(4).tolist()     # running mean 0, variance 1: almost Z
    [[1.0, 3.0]]
    >>> normalize(params, 2, Z)[0] is Z
    True
    """
    if f"gamma{l}" not in params:
        return Z, {}
    gamma, beta = params[f"gamma{l}"], params[f"beta{l}"]
    if training:
        Y, stats = batchnorm_forward(Z, gamma, beta)
        return Y, {f"Y{l}": Y, f"BN{l}": stats}
    Y = batchnorm_eval(Z, gamma, beta, params[f"mean{l}"], params[f"var{l}"])
    return Y, {f"Y{l}": Y}


def normalize_backward(params, l, dY, cache):
    r"""Back through layer l's batch normalization in training mode: $dZ^{[l]}$ from $dY^{[l]}$.

    Parameters
    ----------
    params : dict of str to ndarray
    l : int
    dY : ndarray
        $m\, \partial L / \partial Y^{[l]}$.
    cache : dict
        From the forward pass in training mode.

    Returns
    -------
    dZ : ndarray shaped like dY
        $dY$ itself where layer l has no batch normalization.
    grads : dict of str to ndarray
        `dgamma{l}` and `dbeta{l}`; empty where layer l has none.

    Raises
    ------
    ValueError
        If the cache comes from an evaluation pass, which keeps no batch statistics.
    """
    if f"gamma{l}" not in params:
        return dY, {}
    if f"BN{l}" not in cache:
        raise ValueError(f"layer {l} has batch normalization, and its backward pass needs the "
                         "batch's statistics: run the forward pass with training=True")
    dZ, dgamma, dbeta = batchnorm_backward(dY, cache[f"BN{l}"], params[f"gamma{l}"])
    return dZ, {f"dgamma{l}": dgamma, f"dbeta{l}": dbeta}


def update_running(params, cache, momentum=MOMENTUM):
    r"""After a training step, every normalized layer's running statistics moved towards its batch's.

    `running_update` for each layer whose `BN{l}` the training pass's cache holds.

    Parameters
    ----------
    params : dict of str to ndarray
        The parameters after the step; `mean{l}` and `var{l}` are read and replaced.
    cache : dict
        The step's forward pass, in training mode.
    momentum : float
        $\rho$, the weight of the old value.

    Returns
    -------
    dict of str to ndarray
        A new dict: the same arrays but the running statistics, which are new.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.ones((1, 1)), "gamma1": np.ones((1, 1)), "beta1": np.zeros((1, 1)),
    ...           "mean1": np.zeros((1, 1)), "var1": np.ones((1, 1))}
    >>> _, kept = normalize(params, 1, np.array([[1.0, 3.0]]), training=True)
    >>> new = update_running(params, kept)
    >>> new["mean1"].round(6).tolist(), new["var1"].round(6).tolist(), params["mean1"].tolist()
    ([[0.2]], [[1.1]], [[0.0]])
    """
    new = dict(params)
    for key, stats in cache.items():
        if key.startswith("BN"):
            l = key[2:]
            new[f"mean{l}"], new[f"var{l}"] = running_update(params[f"mean{l}"], params[f"var{l}"],
                                                             stats, momentum)
    return new


def fold_batchnorm(params, eps=EPS):
    r"""The same network in evaluation mode without batch normalization: each folded into its layer.

    With $a = \gamma / \sqrt{\bar\sigma^2 + \epsilon}$ per unit or channel,

    $$W' = a\, W, \qquad b' = a\, (b - \bar\mu) + \beta ,$$

    `W = a.reshape(len(W), 1, ...) * W` (row $i$ of a dense $W$, filter $f$
    of a convolution) and `b = a * (b - mean) + beta`, with $b = 0$ where
    the layer has none.

    Parameters
    ----------
    params : dict of str to ndarray
        A network with or without batch normalization.
    eps : float

    Returns
    -------
    dict of str to ndarray
        `W1, b1, ..., WD, bD` only; a network without batch normalization
        comes back as it was (in a new dict).

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.array([[2.0]]), "gamma1": np.array([[3.0]]), "beta1": np.array([[1.0]]),
    ...           "mean1": np.array([[4.0]]), "var1": np.array([[9.0]]),
    ...           "W2": np.array([[1.0]]), "b2": np.array([[0.0]])}
    >>> folded = fold_batchnorm(params, eps=0.0)            # a = 3 / 3 = 1
    >>> list(folded), folded["W1"].tolist(), folded["b1"].tolist()   # b' = 1 (0 - 4) + 1
    (['W1', 'b1', 'W2', 'b2'], [[2.0]], [[-3.0]])
    """
    if not any(name.startswith("gamma") for name in params):
        return dict(params)                                              # nothing to fold
    folded = {}
    for l in range(1, n_layers(params) + 1):
        W, b = params[f"W{l}"], bias(params, l)
        if f"gamma{l}" in params:
            a = params[f"gamma{l}"] / np.sqrt(params[f"var{l}"] + eps)   # gamma's shape
            W = a.reshape(len(W), *(1,) * (W.ndim - 1)) * W               # W's shape
            b = a * (b - params[f"mean{l}"]) + params[f"beta{l}"]         # gamma's shape
        folded[f"W{l}"], folded[f"b{l}"] = W, b
    return folded
