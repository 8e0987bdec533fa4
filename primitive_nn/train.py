r"""Gradient descent and the training loop.

# The update rule

The loss $L(\theta)$ is a function of every parameter at once. Its gradient
$\nabla L$ points in the direction of steepest *increase*, so a small step
against it lowers the loss: for a step $\Delta\theta = -\alpha \nabla L$,

$$
L(\theta - \alpha \nabla L) = L(\theta) - \alpha \lVert \nabla L \rVert^2 + O(\alpha^2),
$$

which is below $L(\theta)$ for any small enough $\alpha > 0$ unless the
gradient is zero. Gradient descent repeats that step for every parameter,

$$
W^{[l]} \leftarrow W^{[l]} - \alpha\, dW^{[l]}, \qquad
b^{[l]} \leftarrow b^{[l]} - \alpha\, db^{[l]},
$$

which is `params[name] - alpha * grads["d" + name]` for each name (see
`gradient_step`). *Full-batch* means that every step uses all $m$ training
examples: the gradient is exact, and each step costs a pass over the whole
training set.

# One iteration

An iteration is a forward pass, the loss, a backward pass and an update,
in that order (`train`). Its cost is dominated by the two products with the
$(n_x, m)$ input matrix, $W^{[1]} X$ forward and $dZ^{[1]} X^\top$ backward:
$n_h n_x m = 10 \cdot 784 \cdot 41{,}000 \approx 3.2 \times 10^8$
multiply-adds each. Everything else works on $(10, m)$ matrices, about 80
times less. The products are cheap for the processor; reading $X$ is not: at
4 bytes a number it is 129 MB, streamed from memory twice an iteration.
Three choices keep the default fast:

* **float32.** Half the bytes of float64, so twice the examples per second
  through memory. The answer barely moves: with seed 0, float32 and float64
  (`--dtype float64`) end at the same train and dev accuracy, and their test
  accuracies differ by one image in 10,000. The gradient check, which does
  need float64, runs separately (`primitive_nn.gradcheck`).
* **No $dX$ for the first layer.** $W^{[1]\top} dZ^{[1]}$ would cost a third
  product as large as the other two, for a gradient nobody uses.
* **$Y$ made once.** The seed rebuilt the one-hot matrix every iteration.

# When training dies

Too large a step does not just learn slowly; it breaks the network, in one
of two ways, and `train` watches for both (`divergence`).

**The loss runs away.** Past some $\alpha$ the $O(\alpha^2)$ term above wins:
each step overshoots the valley it was aimed at and lands higher up the far
side, the weights grow, and the loss grows with them, to infinity or NaN.

**The ReLUs die.** A hidden unit computes $\operatorname{relu}(z)$ with
$z = w^\top x + b$. If one large step pushes $w$ and $b$ so that $z < 0$ for
*every* training example, the unit outputs 0 everywhere, and since
$\operatorname{relu}'(z) = 0$ there, backpropagation hands its weights a
gradient of exactly zero: nothing will ever move them again. The unit is
*dead*. When (nearly) every unit of a hidden layer is dead the network's
output no longer depends on its input; the loss settles near $\ln 10$, the
cost of guessing the digits' frequencies, and the accuracy at about one digit
in ten, however long training goes on. A dead run can look calm: its loss is
finite and flat.

So `train` stops at the first iteration where the loss is not finite, where
it is more than `DIVERGENCE_FACTOR` times its first value (or times
$\ln 10$, if that is larger), where the softmax
produced NaN (`runaway`), or where a hidden layer is dead (`dead_layer`): fewer than `DEAD_FRACTION`
(0.1%) of its activations positive, where a healthy ReLU layer has tens of
percent. It raises `Diverged`, naming the iteration and the reason. A
learning-rate sweep that *wants* to see runs die catches it and keeps the
history so far.

**The loss itself** is computed from the logits with log-sum-exp
(`primitive_nn.loss.cross_entropy_from_logits`), not from clipped
probabilities, so it stays the true loss, whose gradient is exactly the
$A - Y$ that backpropagation uses, even for a network so sure of a wrong
digit that the right one's probability underflows to 0.
"""

if __name__ == "__main__":  # `python -m primitive_nn.train`, before any slow import: see the appendix
    from primitive_nn.machinery.launch import launch

    raise SystemExit(launch("train"))

import numpy as np

from primitive_nn.errors import TrainingError
from primitive_nn.loss import cross_entropy_from_logits, one_hot
from primitive_nn.network import accuracy, backward, forward, n_layers

DIVERGENCE_FACTOR = 3.0  # a loss above this many times its first value (or ln n_y) has run away
DEAD_FRACTION = 0.001    # a hidden layer with fewer positive activations than this is dead


class Diverged(TrainingError):
    """Training died at `step` for `reason`; `history` holds the records made before."""

    def __init__(self, step, reason, alpha, history, epoch=None):
        where = f"iteration {step}" if epoch is None else f"step {step} (epoch {epoch})"
        super().__init__(f"training diverged at {where} with alpha={alpha:g}: {reason}; "
                         "try a smaller --alpha")
        self.step, self.reason, self.history = step, reason, history


def gradient_step(params, grads, alpha):
    r"""One step of gradient descent: $\theta \leftarrow \theta - \alpha\, d\theta$ for every parameter.

    Parameters
    ----------
    params : dict of str to ndarray
    grads : dict of str to ndarray
        `d{name}` for each parameter name, shaped alike. An entry of
        `params` with no gradient, such as batch normalization's running
        statistics (`primitive_nn.batchnorm`), is state, not a parameter:
        it is carried over unchanged.
    alpha : float
        The learning rate.

    Returns
    -------
    dict of str to ndarray
        New parameters; the old ones are not modified.

    Examples
    --------
    >>> import numpy as np
    >>> new = gradient_step({"W1": np.array([[1.0, 2.0]])},
    ...                     {"dW1": np.array([[10.0, -10.0]])}, alpha=0.1)
    >>> new["W1"]
    array([[0., 3.]])
    """
    return {name: p - alpha * grads["d" + name] if "d" + name in grads else p  # no gradient: state
            for name, p in params.items()}


def divergence(loss, first_loss, cache):
    r"""Why a run has died, in words, or None if it is alive: `runaway` or `dead_layer`.

    Parameters
    ----------
    loss : float
        This iteration's loss.
    first_loss : float
        The loss at the first iteration.
    cache : dict of str to ndarray
        This iteration's forward pass: `A{l}` for every layer.

    Returns
    -------
    str or None

    Examples
    --------
    >>> import numpy as np
    >>> alive = {"A1": np.array([[0.0, 2.0]]), "A2": np.array([[0.5, 0.5], [0.5, 0.5]])}
    >>> divergence(0.7, 2.3, alive) is None
    True
    >>> divergence(float("nan"), 2.3, alive)
    'the loss became nan'
    >>> divergence(2.3, 2.3, dict(alive, A1=np.zeros((1, 2))))
    'hidden layer 1 is dead: 0 of its 2 activations are positive, fewer than 0.1%'
    """
    D = max(int(key[1:]) for key in cache if key.startswith("A"))  # the output layer
    return runaway(loss, first_loss, cache[f"A{D}"]) or dead_layer(*activity(cache))


def runaway(loss, first_loss, A):
    r"""Why the loss has run away, or None.

    It has if it is not finite, if the probabilities `A` hold NaN, or if it
    exceeds `DIVERGENCE_FACTOR` times its first value or $\ln n_y$ (the loss
    of a uniform guess), whichever is larger: one lucky first mini-batch
    must not set the bar.

    Parameters
    ----------
    loss, first_loss : float
    A : ndarray of shape (n_y, m)
        The softmax output.

    Examples
    --------
    >>> import numpy as np
    >>> runaway(8.0, 2.3, np.full((2, 1), 0.5))
    'the loss rose to 8, over 3 times its first value 2.3'
    >>> runaway(1.5, 0.3, np.full((2, 1), 0.5)) is None   # 3 ln 2 = 2.08 is the bar
    True
    """
    if not np.isfinite(loss):
        return f"the loss became {loss}"
    if loss > DIVERGENCE_FACTOR * max(first_loss, np.log(A.shape[0])):
        return (f"the loss rose to {loss:.4g}, over {DIVERGENCE_FACTOR:g} times its first "
                f"value {first_loss:.4g}")
    if not np.isfinite(A).all():
        return "the softmax overflowed: some probabilities are NaN"
    return None


def activity(cache):
    r"""Positive activations and all activations of each hidden layer: two lists, layer 1 first.

    Examples
    --------
    >>> import numpy as np
    >>> activity({"A0": np.ones((2, 2)), "A1": np.array([[0.0, 3.0], [0.0, 0.0]]), "A2": np.ones((2, 2))})
    ([1], [4])
    """
    D = max(int(key[1:]) for key in cache if key.startswith("A"))
    hidden = [cache[f"A{l}"] for l in range(1, D)]
    return [int(np.count_nonzero(A)) for A in hidden], [A.size for A in hidden]


def dead_layer(active, total):
    r"""Which hidden layer is dead, or None: fewer than `DEAD_FRACTION` of its activations positive.

    Parameters
    ----------
    active, total : list of int
        Per hidden layer, as `activity` counts them (over one batch or many).

    Examples
    --------
    >>> dead_layer([5000, 3], [10000, 10000]) 
    'hidden layer 2 is dead: 3 of its 10000 activations are positive, fewer than 0.1%'
    """
    for l, (a, n) in enumerate(zip(active, total), start=1):
        if a < DEAD_FRACTION * n:
            return (f"hidden layer {l} is dead: {a} of its {n} activations are positive, "
                    f"fewer than {DEAD_FRACTION:.1%}")
    return None


def train(params, X, labels, alpha, iterations, *, forward=forward, backward=backward,
          log_every=10, monitor=None, on_iteration=None):
    r"""Full-batch gradient descent.

    Each iteration: forward pass, loss, `divergence` check, backward pass,
    `gradient_step`. Every `log_every` iterations (0, 10, ..., as the seed
    printed) the loss and training accuracy of that iteration's forward pass
    are recorded.

    Parameters
    ----------
    params : dict of str to ndarray
        Starting parameters, as `primitive_nn.network.init_params` makes them.
    X : ndarray of shape (n_x, m)
    labels : ndarray of int, shape (m,)
    alpha : float
    iterations : int
    forward, backward : callable
        The passes to use; `primitive_nn.seed` supplies the seed's versions.
    log_every : int
    monitor : callable, optional
        `monitor(params) -> dict`, merged into each record; for example the
        dev loss and accuracy of the same parameters.
    on_iteration : callable, optional
        `on_iteration(i, record)` after every iteration; `record` is the
        history entry on logging iterations, else None.

    Returns
    -------
    params : dict of str to ndarray
        The trained parameters.
    history : list of dict
        `{"unit": "iteration", "iteration", "loss", "train_accuracy", ...}` every
        `log_every` iterations: each record says what it counts.

    Raises
    ------
    Diverged
        At the first iteration where `divergence` finds the run dead.

    Examples
    --------
    Four points, two classes, ten steps: the loss falls.

    >>> import numpy as np
    >>> from primitive_nn.network import init_params
    >>> X = np.array([[0.0, 0.1, 0.9, 1.0], [1.0, 0.9, 0.1, 0.0]])
    >>> labels = np.array([0, 0, 1, 1])
    >>> params = init_params([2, 3, 2], np.random.default_rng(0))
    >>> params, history = train(params, X, labels, alpha=0.5, iterations=10, log_every=5)
    >>> [h["iteration"] for h in history]
    [0, 5]
    >>> history[1]["loss"] < history[0]["loss"]
    True
    """
    D = n_layers(params)
    Y = one_hot(labels, params[f"W{D}"].shape[0], dtype=X.dtype)  # (n_y, m), made once
    history = []
    for i in range(iterations):
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is caught by divergence()
            cache = forward(params, X)
            loss = cross_entropy_from_logits(cache[f"Z{D}"], Y)
        first_loss = loss if i == 0 else first_loss
        reason = divergence(loss, first_loss, cache)
        if reason:
            raise Diverged(i, reason, alpha, history)
        record = None
        if i % log_every == 0:
            predictions = cache[f"A{D}"].argmax(axis=0)
            record = {"unit": "iteration", "iteration": i, "loss": loss,
                      "train_accuracy": accuracy(predictions, labels),
                      **(monitor(params) if monitor else {})}
            history.append(record)
        with np.errstate(over="ignore", invalid="ignore"):
            params = gradient_step(params, backward(params, cache, Y), alpha)
        if on_iteration is not None:
            on_iteration(i, record)
    return params, history
