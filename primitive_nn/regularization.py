r"""Regularization, and evaluating honestly.

A network with enough parameters can fit its training set far better than
it will ever do on digits it has not seen. The gap between the two is
*over-fitting*. This chapter has three ways to narrow it, and one rule that
makes every number in Part II mean what it says.

# The rule: choose on dev, report on test

Every choice in Part II (a learning rate, a width, the number of epochs,
how much weight decay) is made by comparing accuracies on the *dev* set:
5,000 of the 60,000 official training images, held out by the run's seed and
never trained on. The 10,000 official *test* images are used only to report
the final number of a recipe whose every setting was already fixed. Had we
picked, say, the epoch with the best test accuracy, the test accuracy of that
epoch would be an optimistic estimate of the next 10,000 digits: we would
have fitted the test set with our choices, one decision at a time.

# L2 weight decay

Add to the loss a penalty on the size of the weights (not the biases):

$$
L_{\text{total}} = L + \frac{\lambda}{2} \sum_{l=1}^{D} \lVert W^{[l]} \rVert_F^2
= L + \frac{\lambda}{2} \sum_{l} \sum_{i,k} \big(W^{[l]}_{ik}\big)^2 .
$$

Each squared entry has derivative $\frac{\lambda}{2} \cdot 2 W_{ik} = \lambda
W_{ik}$, so the gradient gains one term,

$$
dW^{[l]}_{\text{total}} = dW^{[l]} + \lambda W^{[l]} ,
$$

`grads["dW1"] + lam * params["W1"]` (`with_weight_decay`). With plain SGD
the step becomes $W \leftarrow (1 - \alpha\lambda) W - \alpha\, dW$: every
step first shrinks every weight by a factor $1 - \alpha\lambda$, hence the
name. Weights that the data does not keep pushing up decay towards 0, and
a network of small weights computes a smoother function. Biases are left
alone: each only shifts one unit, and shrinking them buys no smoothness.

The book's runs use the penalty with momentum, and there the term
$\lambda W$ enters the velocity like any gradient, $v \leftarrow \beta v +
dW + \lambda W$, $W \leftarrow W - \alpha v$. Take a weight the data does
not push ($dW = 0$). While $W$ changes little over $1/(1 - \beta)$ steps,
the velocity settles where $v = \beta v + \lambda W$, at $v \approx \lambda
W / (1 - \beta)$, so each step shrinks the weight by a factor

$$
1 - \frac{\alpha\lambda}{1 - \beta} ,
$$

ten times plain SGD's shrinkage at $\beta = 0.9$. Adding $\lambda W$ to the
gradient ("coupled" L2) is therefore not the same as decaying the weights by
$\alpha\lambda$ per step under momentum, just as it is not under Adam, where
the term is divided by $\sqrt{\hat s}$ like any gradient and decays weights
unevenly. *Decoupled* weight decay (SGDW, AdamW) subtracts $\alpha\lambda W$
outside the optimizer's step instead. `with_weight_decay`'s example runs
the chapter's setting and finds the factor.

# Dropout

During training, each hidden activation is kept with probability $1 - p$
and set to 0 otherwise, afresh for every example of every step; the kept
ones are divided by $1 - p$ ("inverted" dropout):

$$
\tilde A^{[l]} = A^{[l]} \odot \frac{M^{[l]}}{1 - p}, \qquad
M^{[l]}_{ij} \sim \text{Bernoulli}(1 - p) ,
$$

`A * (rng.random(A.shape) >= p) / (1 - p)`. Then
$\mathbb{E}[\tilde A_{ij}] = (1 - p) \cdot A_{ij}/(1 - p) + p \cdot 0 = A_{ij}$:
on average the next layer sees what it would see without dropout, so at test
time dropout is simply switched off, with no rescaling. The backward pass
routes the gradient through the same mask:
$dA^{[l]} \leftarrow dA^{[l]} \odot M^{[l]} / (1 - p)$ before the ReLU
derivative. A unit cannot rely on any particular other unit being there, so
the layer learns features that are useful on their own.

# Early stopping

Train for many epochs, measure the dev set after each, and keep the epoch
where the dev loss was lowest: past it, the network is learning the training
set's accidents. `stopping_epoch` reads that off a run's history, with a
*patience*: stop once the dev loss has not improved for that many epochs.
"""

import numpy as np

from primitive_nn.activations import relu, relu_derivative
from primitive_nn.layers import linear_backward, linear_backward_input, linear_forward
from primitive_nn.loss import softmax, softmax_cross_entropy_backward
from primitive_nn.network import n_layers


def l2_penalty(params, lam):
    r"""The weight-decay term $\frac{\lambda}{2} \sum_l \lVert W^{[l]} \rVert_F^2$ (biases excluded).

    Examples
    --------
    >>> import numpy as np
    >>> l2_penalty({"W1": np.array([[3.0, 4.0]]), "b1": np.array([[100.0]])}, lam=0.1)
    1.25
    """
    return float(lam / 2 * sum(np.sum(p * p) for name, p in params.items() if name.startswith("W")))


def with_weight_decay(backward, lam):
    r"""A backward pass that adds $\lambda W^{[l]}$ to every $dW^{[l]}$.

    Parameters
    ----------
    backward : callable
        `backward(params, cache, Y) -> grads`.
    lam : float
        $\lambda \ge 0$.

    Returns
    -------
    callable
        The same signature, returning the gradients of $L_{\text{total}}$.

    Examples
    --------
    Wrapped around a backward pass that returns zeros, what is left is
    $\lambda W$; the bias gets nothing:

    >>> import numpy as np
    >>> params = {"W1": np.array([[3.0, -4.0]]), "b1": np.array([[1.0]])}
    >>> zero = lambda params, cache, Y: {"dW1": np.zeros((1, 2)), "db1": np.zeros((1, 1))}
    >>> grads = with_weight_decay(zero, lam=0.1)(params, None, None)
    >>> grads["dW1"].round(6).tolist(), grads["db1"].tolist()
    ([[0.3, -0.4]], [[0.0]])

    Under momentum the penalty builds up in the velocity. The chapter's run
    ($\alpha = 0.05$, $\lambda = 5 \times 10^{-4}$, $\beta = 0.9$, 860
    batches of 64 in each of 20 epochs) takes a weight the data leaves alone
    from 1 to about $e^{-\alpha\lambda \cdot 17{,}200 / (1 - \beta)} = e^{-4.3}$,
    not to plain SGD's $e^{-0.43} \approx 0.65$:

    >>> from primitive_nn.optimizers import init_state, momentum_step
    >>> params = {"W1": np.array([[1.0]])}
    >>> zero = lambda params, cache, Y: {"dW1": np.zeros((1, 1))}
    >>> backward, state = with_weight_decay(zero, lam=5e-4), init_state(params)
    >>> for _ in range(20 * 860):
    ...     state, params = momentum_step(state, params, backward(params, None, None), 0.05, 0.9)
    >>> round(float(params["W1"][0, 0]), 4), round(float(np.exp(-0.05 * 5e-4 * 17_200 / 0.1)), 4)
    (0.0135, 0.0136)
    """
    def backward_with_decay(params, cache, Y):
        grads = backward(params, cache, Y)
        return {name: g + lam * params[name[1:]] if name.startswith("dW") else g
                for name, g in grads.items()}
    return backward_with_decay


def dropout_forward(params, X, p, rng):
    r"""Forward pass with inverted dropout on every hidden layer: $\tilde A = A \odot M / (1 - p)$.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_0, m)
    p : float
        Probability of dropping each hidden activation, $0 \le p < 1$.
    rng : numpy.random.Generator

    Returns
    -------
    cache : dict of str to ndarray
        As `primitive_nn.network.forward`, with `A{l}` the dropped-out
        activations and `M{l}` the masks, already divided by $1 - p$.

    Examples
    --------
    With $p = 0.5$, kept activations double and the mean is kept on average:

    >>> import numpy as np
    >>> params = {"W1": np.eye(4), "b1": np.zeros((4, 1)), "W2": np.ones((2, 4)), "b2": np.zeros((2, 1))}
    >>> cache = dropout_forward(params, np.ones((4, 1000)), 0.5, np.random.default_rng(0))
    >>> sorted(np.unique(cache["A1"]).tolist()), round(float(cache["A1"].mean()), 2)
    ([0.0, 2.0], 0.98)
    """
    D = n_layers(params)
    cache = {"A0": X}
    A = X
    for l in range(1, D + 1):
        Z = linear_forward(params[f"W{l}"], params[f"b{l}"], A)                      # (n_l, m)
        if l == D:
            A = softmax(Z)
        else:
            M = (rng.random(Z.shape, dtype=Z.dtype) >= p).astype(Z.dtype) / (1 - p)  # (n_l, m)
            A = relu(Z) * M
            cache[f"M{l}"] = M
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return cache


def dropout_backward(params, cache, Y):
    r"""Backpropagation through the dropout masks: $dA^{[l]} \leftarrow dA^{[l]} \odot M^{[l]} / (1 - p)$.

    The cache holds each mask already divided by $1 - p$ (as `M{l}`), so the
    code multiplies by the cached array alone.

    Parameters
    ----------
    params : dict of str to ndarray
    cache : dict of str to ndarray
        What `dropout_forward` returned, masks included.
    Y : ndarray of shape (n_D, m)

    Returns
    -------
    grads : dict of str to ndarray

    Examples
    --------
    With $p = 0$ every mask is 1 and the gradients are the usual ones:

    >>> import numpy as np
    >>> from primitive_nn.loss import one_hot
    >>> from primitive_nn.network import backward, forward, init_params
    >>> rng = np.random.default_rng(0)
    >>> params = init_params([3, 4, 2], rng)
    >>> X, Y = rng.random((3, 5)), one_hot(np.array([0, 1, 1, 0, 1]), 2)
    >>> grads = dropout_backward(params, dropout_forward(params, X, 0.0, rng), Y)
    >>> all(np.allclose(grads[k], g) for k, g in backward(params, forward(params, X), Y).items())
    True
    """
    D = n_layers(params)
    grads = {}
    dZ = softmax_cross_entropy_backward(cache[f"A{D}"], Y)                        # (n_D, m)
    for l in range(D, 0, -1):
        grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, cache[f"A{l - 1}"])
        if l > 1:
            dA = linear_backward_input(params[f"W{l}"], dZ) * cache[f"M{l - 1}"]  # through the mask
            dZ = dA * relu_derivative(cache[f"Z{l - 1}"])                         # (n_{l-1}, m)
    return grads


def stopping_epoch(history, patience, key="dev_loss"):
    r"""The epoch early stopping keeps: the best `key` (lowest) seen before `patience` epochs without improvement.

    Parameters
    ----------
    history : list of dict
        Records with `"epoch"` and `key`, one per epoch.
    patience : int
        Stop after this many epochs in a row with no new best.
    key : str

    Returns
    -------
    best : int
        The epoch whose parameters are kept.
    stopped : int
        The last epoch that was trained.

    Examples
    --------
    >>> history = [{"epoch": e, "dev_loss": v} for e, v in enumerate([0.5, 0.3, 0.31, 0.29, 0.3, 0.32, 0.4], 1)]
    >>> stopping_epoch(history, patience=2)
    (4, 6)
    """
    best = history[0]
    for record in history:
        if record[key] < best[key]:
            best = record
        if record["epoch"] - best["epoch"] >= patience:
            return best["epoch"], record["epoch"]
    return best["epoch"], history[-1]["epoch"]
