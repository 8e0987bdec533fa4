r"""Mini-batch stochastic gradient descent.

Full-batch gradient descent (`primitive_nn.train`) reads all $m$ training
examples to take one step. Most of that work is wasted early on, when any
few hundred examples already say which way is down. Mini-batch SGD takes a
step after every $b$ examples instead: $m / b$ steps for the price of one.

# Epochs, and a fresh shuffle each

An *epoch* is one pass over the training set. At the start of each epoch
the examples are shuffled, with a permutation $\pi$ drawn from the run's
`np.random.Generator`, and cut into consecutive batches of $b$:
$B_1 = \{\pi_0, \dots, \pi_{b-1}\}$, $B_2 = \{\pi_b, \dots\}$, and so on
(`minibatches`; the last batch may be smaller). Every example is used
exactly once per epoch, and a new shuffle each epoch means that no two
epochs take the same steps in the same order.

# The mini-batch gradient is an unbiased estimate

The loss is the mean of the per-example losses, so its gradient is the mean
of theirs: $\nabla L = \frac{1}{m} \sum_{j=1}^{m} \nabla \ell_j$. A batch
$B$ of $b$ examples gives

$$
g_B = \frac{1}{b} \sum_{j \in B} \nabla \ell_j ,
$$

which is exactly what `backward` computes when handed the batch's columns.
Each example lies in a batch of $b$ drawn at random with probability
$P(j \in B) = b / m$, the same for every $j$. Writing the sum over $B$ as a
sum over all examples with the indicator $\mathbf{1}[j \in B]$, and taking
the gradients at weights that do not depend on $B$,

$$
\mathbb{E}[g_B]
= \frac{1}{b} \sum_{j=1}^{m} P(j \in B)\, \nabla \ell_j
= \frac{1}{b} \sum_{j=1}^{m} \frac{b}{m}\, \nabla \ell_j
= \nabla L .
$$

On average a mini-batch step points where the full-batch step does. In a
shuffled epoch that holds for each batch taken on its own, but not given
the steps before it: batch $k$ comes from what batches $1, \dots, k-1$
left, and those batches also moved the weights, so step by step the
shuffle is slightly biased (the chapter's first exercise works it out, with
the epoch's last, smaller batch). What a mini-batch step adds is noise: if the per-example gradients have variance $\sigma^2$ about
their mean, $g_B$ has variance about $\sigma^2 / b$ (a little less, because
the batch is drawn without replacement), so its typical error shrinks like
$1/\sqrt{b}$. A batch four times as large buys half the noise at four times
the cost per step.

# Batch size: steps against time

Per epoch there are $\lceil m/b \rceil$ steps. The products in a step cost
time proportional to $b$, but every step also pays a fixed cost: Python's
loop, allocating the step's arrays, starting each matrix product. Small
batches take many cheap, noisy steps and pay the fixed cost many times;
large batches take few, accurate, expensive ones. The book's experiment
measures the trade-off: accuracy against the number of steps, and against
seconds.

# A fast gather: columns stored as columns

Examples stay columns: the batch is `X[:, batch]`, shape $(784, b)$. How
fast that gather is depends on how `X` is laid out in memory. NumPy's
default is row-major ("C") order: each *row* of `X`, one pixel across all
$m$ examples, is contiguous, so the 784 numbers of one example lie $m$
numbers apart, and gathering a column reads 784 scattered numbers, each from
a different cache line. Stored column-major ("Fortran" order,
`np.asfortranarray(X)`), the same $(784, m)$ matrix keeps each example's 784
numbers side by side, and a gather copies $b$ contiguous blocks of 3,136
bytes. The indexing code, `X[:, batch]`, is the same. Better still, the
MNIST files store each image's pixels contiguously, so building `X` in
Fortran order from them costs no transpose at all
(`primitive_nn.data.to_columns(images, order="F")`); `fit` makes the copy
itself only if it is handed a C-ordered `X`.

# The loop

`fit` is `primitive_nn.train.train` with three changes: it walks through
mini-batches, it asks a *step* function (plain SGD here; momentum and Adam
in `primitive_nn.optimizers`) and a *schedule* (`primitive_nn.schedules`)
how to move, and it keeps a record per epoch instead of every 10
iterations: the loss and accuracy on the training batches, averaged over the
epoch as the weights moved, and whatever `monitor` measures on the dev set.
Everything else a later chapter adds (weight decay, dropout, augmentation,
batch normalization's running statistics, updated by `after_step`) comes
in as a function passed to it, so `fit` never needs to know which recipe
it is running.
"""

import numpy as np

from primitive_nn.batchnorm import trainable
from primitive_nn.loss import cross_entropy_from_logits, one_hot
from primitive_nn.network import backward, forward, n_layers
from primitive_nn.optimizers import init_state, sgd_step
from primitive_nn.schedules import constant
from primitive_nn.train import Diverged, activity, dead_layer, runaway


def minibatches(m, batch_size, rng):
    r"""A fresh shuffle of the example indices $0 \dots m-1$, cut into batches.

    Parameters
    ----------
    m : int
        Number of training examples.
    batch_size : int
        $b$; the last batch holds the $m \bmod b$ left over, if any.
    rng : numpy.random.Generator

    Returns
    -------
    list of ndarray of int
        $\lceil m / b \rceil$ index arrays that together hold every index once.

    Examples
    --------
    >>> import numpy as np
    >>> batches = minibatches(7, 3, np.random.default_rng(0))
    >>> [len(b) for b in batches], sorted(np.concatenate(batches).tolist())
    ([3, 3, 1], [0, 1, 2, 3, 4, 5, 6])
    """
    order = rng.permutation(m)  # pi: a new shuffle every epoch
    return [order[start:start + batch_size] for start in range(0, m, batch_size)]


def fit(params, X, labels, epochs, batch_size, alpha, rng, *, step=sgd_step, state_names=(),
        schedule=constant, warmup=0, forward=forward, backward=backward, augment=None,
        monitor=None, on_epoch=None, after_step=None):
    r"""Mini-batch training: for each epoch, for each batch, forward, backward, step.

    Parameters
    ----------
    params : dict of str to ndarray
        Starting parameters; not modified.
    X : ndarray of shape (n_0, m)
        Training examples as columns (copied once into Fortran order).
    labels : ndarray of int, shape (m,)
    epochs, batch_size : int
    alpha : float
        The peak learning rate; `schedule` gives each step's.
    rng : numpy.random.Generator
        Shuffles, and whatever randomness `augment` or `forward` draw.
    step : callable
        `step(state, params, grads, alpha_t) -> (state, params)`.
    state_names : tuple of str
        The optimizer's state letters, for `primitive_nn.optimizers.init_state`.
    schedule : callable
        `schedule(t, T, alpha, warmup) -> alpha_t`.
    warmup : int
        Warm-up steps.
    forward, backward : callable
        The passes, as in `primitive_nn.network` (dropout brings its own).
    augment : callable, optional
        `augment(X_batch, rng) -> X_batch`, applied to each batch.
    monitor : callable, optional
        `monitor(params) -> dict`, merged into each epoch's record.
    on_epoch : callable, optional
        `on_epoch(epoch, record)` after each epoch.
    after_step : callable, optional
        `after_step(params, cache) -> params` after each step, with that
        step's forward cache: batch normalization's running statistics
        (`primitive_nn.batchnorm.update_running`).

    Returns
    -------
    params : dict of str to ndarray
    history : list of dict
        One record per epoch: `{"unit": "epoch", "epoch", "loss", "train_accuracy", ...}`.

    Raises
    ------
    Diverged
        At the first step whose loss `primitive_nn.train.runaway` rejects, or after an
        epoch in which `primitive_nn.train.dead_layer` finds a hidden layer dead.

    Examples
    --------
    Two well-separated classes, two epochs of batches of 2:

    >>> import numpy as np
    >>> from primitive_nn.network import init_params
    >>> X = np.array([[0.0, 0.1, 0.9, 1.0], [1.0, 0.9, 0.1, 0.0]])
    >>> rng = np.random.default_rng(0)
    >>> params = init_params([2, 8, 2], rng, init="he")
    >>> params, history = fit(params, X, np.array([0, 0, 1, 1]), 2, 2, 0.2, rng)
    >>> [h["epoch"] for h in history], history[-1]["loss"] < history[0]["loss"]
    ([1, 2], True)
    """
    X = np.asfortranarray(X)                            # (n_0, m), each column contiguous (no copy if so)
    m, D = X.shape[1], n_layers(params)
    n_y = params[f"W{D}"].shape[0]
    T, t = epochs * -(-m // batch_size), 0              # steps in all, steps so far
    state, history, first_loss = init_state(trainable(params), state_names), [], None
    for epoch in range(1, epochs + 1):
        loss_sum, correct, active, total = 0.0, 0, np.zeros(D - 1, int), np.zeros(D - 1, int)
        for batch in minibatches(m, batch_size, rng):
            Xb = X[:, batch] if augment is None else augment(X[:, batch], rng)   # (n_0, b)
            yb = labels[batch]                                                   # (b,)
            Yb = one_hot(yb, n_y, dtype=X.dtype)                                 # (n_y, b)
            with np.errstate(over="ignore", invalid="ignore"):
                cache = forward(params, Xb)
                loss = cross_entropy_from_logits(cache[f"Z{D}"], Yb)
            first_loss = loss if first_loss is None else first_loss
            if reason := runaway(loss, first_loss, cache[f"A{D}"]):
                raise Diverged(t, reason, alpha, history, epoch)
            loss_sum += loss * len(batch)
            correct += np.count_nonzero(cache[f"A{D}"].argmax(axis=0) == yb)
            counts = activity(cache)
            active, total = active + counts[0], total + counts[1]
            state, params = step(state, params, backward(params, cache, Yb),
                                 schedule(t, T, alpha, warmup))
            if after_step is not None:
                params = after_step(params, cache)
            t += 1
        if reason := dead_layer(active, total):  # dead over the whole epoch, not one batch
            raise Diverged(t, reason, alpha, history, epoch)
        record = {"unit": "epoch", "epoch": epoch, "loss": loss_sum / m, "train_accuracy": correct / m,
                  **(monitor(params) if monitor else {})}
        history.append(record)
        if on_epoch is not None:
            on_epoch(epoch, record)
    return params, history
