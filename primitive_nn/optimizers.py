r"""Momentum and Adam: better steps from the same gradients.

Plain gradient descent steps against the gradient it sees *now*. With
mini-batches that gradient is noisy (`primitive_nn.minibatch`), and on a loss
surface shaped like a long narrow valley it points mostly across the valley,
so the steps zig-zag from wall to wall and creep along the floor. Both
methods here keep a memory of past gradients and step with that instead.

Every optimizer in this chapter is a pure function,

```python
state, params = step(state, params, grads, alpha)
```

with its state a dict keyed like the parameters: `vW1, vb1, ...` for
momentum, `mW1, sW1, ...` for Adam, and a step counter `t`. `init_state`
makes the zeros each one starts from. Every step moves the entries of
`params` that `grads` holds a gradient for, and carries over any other
unchanged: batch normalization's running statistics (`primitive_nn.batchnorm`)
live in `params` beside the weights, and are state, not parameters.

# Plain SGD

$$
\theta \leftarrow \theta - \alpha\, g ,
$$

where $g$ is the (mini-batch) gradient $d\theta$: `p - alpha * g` for every
parameter (`sgd_step`). It keeps no state.

# Momentum: an exponential average of the gradients

Momentum keeps a *velocity* $v$ per parameter and steps along it:

$$
v \leftarrow \beta v + g, \qquad \theta \leftarrow \theta - \alpha v ,
$$

`v = beta * v + g`, then `p - alpha * v` (`momentum_step`). Unrolling the
recurrence from $v_0 = 0$ shows what $v$ is:

$$
v_t = g_t + \beta g_{t-1} + \beta^2 g_{t-2} + \dots + \beta^{t-1} g_1
= \sum_{k=1}^{t} \beta^{t-k} g_k ,
$$

a sum of all past gradients with weights that decay geometrically, by a
factor $\beta$ per step. With $\beta = 0.9$ the last ten or so gradients
count. Components that keep their sign from step to step (along the valley
floor) add up, to as much as $\sum_k \beta^k = 1/(1-\beta) = 10$ times a
single gradient; components that flip sign (across the valley) are damped:
a gradient that alternates $g, -g, g, \dots$ leaves a velocity of about
$\pm g/(1 + \beta)$, about half a single gradient at $\beta = 0.9$, not zero
(`momentum_step`'s second example). The noise of mini-batches is averaged
the same way. (Some texts write
$v \leftarrow \beta v + (1-\beta) g$, an average rather than a sum; that is
the same method with $\alpha$ rescaled by $1/(1-\beta)$.)

# Adam: momentum, per-parameter scale, and bias correction

Adam (Kingma and Ba, 2015) keeps two exponential averages per parameter:
of the gradient, $m$, and of its square, $s$, taken element by element:

$$
m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad
s \leftarrow \beta_2 s + (1 - \beta_2)\, g \odot g .
$$

It steps along $m$, divided by $\sqrt{s}$, so each parameter's step is
measured in units of its own typical gradient size: a parameter with tiny
gradients gets as large a step as one with large gradients.

**Bias correction.** Both averages start at 0, so early on they are too
small. Unrolling as above, $m_t = (1 - \beta_1) \sum_{k=1}^{t}
\beta_1^{t-k} g_k$. If the gradients have a steady mean,
$\mathbb{E}[g_k] = \bar g$, then

$$
\mathbb{E}[m_t] = (1 - \beta_1) \sum_{k=1}^{t} \beta_1^{t-k}\, \bar g
= (1 - \beta_1) \frac{1 - \beta_1^t}{1 - \beta_1}\, \bar g
= (1 - \beta_1^t)\, \bar g ,
$$

by the geometric sum. Dividing by $1 - \beta_1^t$ removes the bias exactly,
and likewise $1 - \beta_2^t$ for $s$:

$$
\hat m = \frac{m}{1 - \beta_1^t}, \qquad \hat s = \frac{s}{1 - \beta_2^t}, \qquad
\theta \leftarrow \theta - \alpha \frac{\hat m}{\sqrt{\hat s} + \epsilon} ,
$$

`p - alpha * m_hat / (np.sqrt(s_hat) + eps)` (`adam_step`). At $t = 1$ the
correction makes $\hat m = g$ and $\hat s = g \odot g$, so the first step has
size $\alpha$ in every coordinate. With $\beta_2 = 0.999$ the uncorrected
$s$ would take about a thousand steps to warm up; without the correction
those first steps would be far too large.
"""

import numpy as np

from primitive_nn.train import gradient_step


def init_state(params, names=("v",)):
    r"""Zeros shaped like every parameter, one set per letter in `names`, and a step count.

    Parameters
    ----------
    params : dict of str to ndarray
    names : sequence of str
        `("v",)` for momentum, `("m", "s")` for Adam, `()` for SGD.

    Returns
    -------
    dict
        `{"t": 0, "vW1": zeros like W1, ...}`.

    Examples
    --------
    >>> import numpy as np
    >>> state = init_state({"W1": np.ones((2, 3)), "b1": np.ones((2, 1))}, ("m", "s"))
    >>> sorted(state), state["sW1"].shape
    (['mW1', 'mb1', 'sW1', 'sb1', 't'], (2, 3))
    """
    state = {"t": 0}
    for letter in names:
        for name, p in params.items():
            state[letter + name] = np.zeros_like(p)
    return state


def sgd_step(state, params, grads, alpha):
    r"""Plain gradient descent: $\theta \leftarrow \theta - \alpha\, d\theta$.

    Parameters
    ----------
    state : dict
        Only the step count `t` is used.
    params, grads : dict of str to ndarray
        `W1, b1, ...` and `dW1, db1, ...`.
    alpha : float

    Returns
    -------
    state, params : dict
        New dicts; the inputs are not modified.

    Examples
    --------
    >>> import numpy as np
    >>> _, params = sgd_step({"t": 0}, {"W1": np.array([1.0])}, {"dW1": np.array([2.0])}, 0.1)
    >>> params["W1"]
    array([0.8])
    """
    return {**state, "t": state["t"] + 1}, gradient_step(params, grads, alpha)


def momentum_step(state, params, grads, alpha, beta=0.9):
    r"""Gradient descent with momentum: $v \leftarrow \beta v + g$, $\theta \leftarrow \theta - \alpha v$.

    Parameters
    ----------
    state : dict
        `t` and `v{name}` for every parameter, as `init_state` makes them.
    params, grads : dict of str to ndarray
    alpha : float
    beta : float
        How much of the velocity survives a step; 0 is plain SGD.

    Returns
    -------
    state, params : dict

    Examples
    --------
    A constant gradient of 1: the velocity grows towards $1/(1 - \beta) = 10$.

    >>> import numpy as np
    >>> params, g = {"w": np.array([0.0])}, {"dw": np.array([1.0])}
    >>> state = init_state(params)
    >>> for _ in range(3):
    ...     state, params = momentum_step(state, params, g, alpha=0.1)
    >>> state["vw"].round(4).tolist(), params["w"].round(4).tolist()
    ([2.71], [-0.561])

    A gradient that flips sign every step is damped, not cancelled: the
    velocity settles at $\pm 1/(1 + \beta) = \pm 0.5263$.

    >>> params, state = {"w": np.array([0.0])}, init_state({"w": np.array([0.0])})
    >>> for t in range(200):
    ...     g = {"dw": np.array([(-1.0) ** t])}
    ...     state, params = momentum_step(state, params, g, alpha=0.1)
    >>> state["vw"].round(4).tolist()
    [-0.5263]
    """
    new_state, new_params = {"t": state["t"] + 1}, {}
    for name, p in params.items():
        if "d" + name not in grads:                       # state, not a parameter: carried over
            new_params[name] = p
            continue
        v = beta * state["v" + name] + grads["d" + name]  # v = beta v + g
        new_state["v" + name] = v
        new_params[name] = p - alpha * v                  # theta = theta - alpha v
    return new_state, new_params


def adam_step(state, params, grads, alpha, beta1=0.9, beta2=0.999, eps=1e-8):
    r"""Adam: bias-corrected averages $\hat m$, $\hat s$; $\theta \leftarrow \theta - \alpha \hat m / (\sqrt{\hat s} + \epsilon)$.

    Parameters
    ----------
    state : dict
        `t`, `m{name}` and `s{name}` for every parameter.
    params, grads : dict of str to ndarray
    alpha : float
    beta1, beta2 : float
        Decay of the averages of $g$ and of $g \odot g$.
    eps : float
        Keeps the division finite where $\hat s$ is 0.

    Returns
    -------
    state, params : dict

    Examples
    --------
    The first step moves every coordinate by almost exactly $\alpha$,
    whatever the size of its gradient:

    >>> import numpy as np
    >>> params, g = {"w": np.array([0.0, 0.0])}, {"dw": np.array([1000.0, 0.001])}
    >>> state, params = adam_step(init_state(params, ("m", "s")), params, g, alpha=0.01)
    >>> params["w"].round(6).tolist(), state["t"]
    ([-0.01, -0.01], 1)
    """
    t = state["t"] + 1
    new_state, new_params = {"t": t}, {}
    for name, p in params.items():
        if "d" + name not in grads:                          # state, not a parameter: carried over
            new_params[name] = p
            continue
        g = grads["d" + name]
        m = beta1 * state["m" + name] + (1 - beta1) * g      # average of g
        s = beta2 * state["s" + name] + (1 - beta2) * g * g  # average of g * g
        m_hat, s_hat = m / (1 - beta1 ** t), s / (1 - beta2 ** t)
        new_state["m" + name], new_state["s" + name] = m, s
        new_params[name] = p - alpha * m_hat / (np.sqrt(s_hat) + eps)
    return new_state, new_params


OPTIMIZERS = {  # name -> (step function, state letters)
    "sgd": (sgd_step, ()),
    "momentum": (momentum_step, ("v",)),
    "adam": (adam_step, ("m", "s")),
}
