r"""The learning rate: how large a step, and how it should change.

# Too small, too large, and dead

For a loss with curvature $\lambda$ along some direction (a second
derivative: the loss looks like $\frac{\lambda}{2} x^2$ there), a gradient
step maps $x$ to

$$
x - \alpha \lambda x = (1 - \alpha\lambda)\, x .
$$

The step shrinks $x$ only if $|1 - \alpha\lambda| < 1$, that is
$0 < \alpha < 2/\lambda$. Below $1/\lambda$ it creeps towards the minimum;
between $1/\lambda$ and $2/\lambda$ it overshoots and oscillates inwards;
beyond $2/\lambda$ every step lands farther out than the last, and the loss
grows geometrically. A network has many directions, and the sharpest one,
$\lambda_{\max}$, sets the limit: $\alpha < 2/\lambda_{\max}$. Nobody knows
$\lambda_{\max}$ in advance, which is why the learning rate is found by a
sweep on a logarithmic grid, and why the book's sweep shows the cliff where
runs stop learning and start to die (`primitive_nn.train` explains how a
ReLU network dies).

# Schedules

The best step early on, when the weights are far from any minimum, is not
the best step late, when the remaining progress is fine detail and the
mini-batch noise of a large step would undo it. A *schedule* gives the
learning rate at step $t$ of $T$.

**Cosine.** Start at $\alpha_0$, end near 0, and fall slowly at both ends:

$$
\alpha_t = \frac{\alpha_0}{2}\left(1 + \cos\frac{\pi t}{T}\right) .
$$

**Step decay.** Divide $\alpha$ by 10 at fixed fractions of training:
$\alpha_t = \alpha_0 \cdot 0.1^{\lfloor 3t/T \rfloor}$, three plateaus.

**Warm-up.** The first steps start from random weights, where gradients can
be large and Adam's averages are still short; a few hundred steps whose rate
grows linearly from near 0 to $\alpha_0$, $\alpha_t = \alpha_0 (t+1)/t_w$ for
$t < t_w$, keep them from throwing the weights somewhere they cannot come
back from. After the warm-up the schedule runs over the remaining
$T - t_w$ steps.

Each schedule is a function `rate(t, T, alpha, warmup)` that returns
$\alpha_t$; the training loop asks for it before every step.
"""

import math


def _warm(t, warmup, alpha):
    """The warm-up rate at step t, or None once the warm-up is over."""
    return alpha * (t + 1) / warmup if t < warmup else None


def constant(t, T, alpha, warmup=0):
    r"""$\alpha_t = \alpha_0$, after an optional linear warm-up.

    Examples
    --------
    >>> [constant(t, 10, 0.1, warmup=2) for t in (0, 1, 5)]
    [0.05, 0.1, 0.1]
    """
    warm = _warm(t, warmup, alpha)
    return alpha if warm is None else warm


def cosine(t, T, alpha, warmup=0):
    r"""$\alpha_t = \frac{\alpha_0}{2}\left(1 + \cos\frac{\pi (t - t_w)}{T - t_w}\right)$ after a linear warm-up of $t_w$ steps.

    Parameters
    ----------
    t : int
        The step, $0 \le t < T$.
    T : int
        The number of steps in all.
    alpha : float
        The peak rate $\alpha_0$.
    warmup : int
        Steps of linear warm-up, $t_w$.

    Returns
    -------
    float

    Examples
    --------
    >>> [round(cosine(t, 100, 1.0), 4) for t in (0, 50, 99)]
    [1.0, 0.5, 0.0002]

    With a warm-up of 10 steps the rate climbs to $\alpha_0$ first, and the
    cosine then spans the remaining 90:

    >>> [round(cosine(t, 100, 1.0, warmup=10), 4) for t in (0, 9, 10, 55)]
    [0.1, 1.0, 1.0, 0.5]
    """
    warm = _warm(t, warmup, alpha)
    if warm is not None:
        return warm
    return 0.5 * alpha * (1 + math.cos(math.pi * (t - warmup) / max(1, T - warmup)))


def step_decay(t, T, alpha, warmup=0):
    r"""$\alpha_t = \alpha_0 \cdot 0.1^{\lfloor 3 (t - t_w) / (T - t_w) \rfloor}$: three plateaus.

    Examples
    --------
    >>> [step_decay(t, 90, 1.0) for t in (0, 30, 60, 89)]
    [1.0, 0.1, 0.010000000000000002, 0.010000000000000002]
    >>> [step_decay(t, 100, 1.0, warmup=10) for t in (4, 10, 40)]  # plateaus of 30 after warm-up
    [0.5, 1.0, 0.1]
    """
    warm = _warm(t, warmup, alpha)
    if warm is not None:
        return warm
    return alpha * 0.1 ** math.floor(3 * (t - warmup) / max(1, T - warmup))


SCHEDULES = {"constant": constant, "cosine": cosine, "step": step_decay}
