r"""Checking gradients numerically.

Every formula in the previous chapters was derived by hand, and a derivation
can be wrong in ways no test of shapes will catch: a missing $\frac{1}{m}$,
a transpose on the wrong side, a sum over the wrong axis. The remedy is to
compare the backward pass with the one definition of a derivative that
needs no derivation at all.

# Central differences

For one parameter entry $\theta$ (say $W^{[1]}_{ik}$), nudge it by $\pm
\varepsilon$, run the forward pass twice, and divide:

$$
\frac{\partial L}{\partial \theta} \approx
\frac{L(\theta + \varepsilon) - L(\theta - \varepsilon)}{2\varepsilon} ,
$$

which is `(plus - minus) / (2 * eps)` in `numerical_gradient`, with `plus` and
`minus` the loss at the two nudged parameters.
By Taylor's theorem,

$$
L(\theta \pm \varepsilon) = L \pm \varepsilon L' + \tfrac{\varepsilon^2}{2} L''
\pm \tfrac{\varepsilon^3}{6} L''' + O(\varepsilon^4) ,
$$

so in the difference the even terms cancel and the quotient is
$L' + \frac{\varepsilon^2}{6} L''' + O(\varepsilon^4)$. The one-sided
quotient $\frac{L(\theta+\varepsilon) - L(\theta)}{\varepsilon}$ keeps the
$\frac{\varepsilon}{2} L''$ term: it is off by $O(\varepsilon)$, the central
one by $O(\varepsilon^2)$. The check always runs in float64: float32's
rounding error is $2^{29}$ times larger, too large for the threshold below.

# Choosing $\varepsilon$

Two errors pull in opposite directions.

* **Truncation**, from the Taylor series: about
  $\frac{\varepsilon^2}{6} |L'''|$, smaller for smaller $\varepsilon$.
* **Rounding.** The computed loss is $L$ up to a relative error of about
  $\epsilon_{\text{mach}} = 2^{-52} \approx 2.2 \times 10^{-16}$, an absolute
  error of about $\epsilon_{\text{mach}} |L|$ in each of the two evaluations.
  The difference of two such numbers, divided by $2\varepsilon$, carries an
  error of about $\epsilon_{\text{mach}} |L| / \varepsilon$: larger for
  smaller $\varepsilon$.

Their sum $E(\varepsilon) = \frac{\varepsilon^2}{6} |L'''| +
\frac{\epsilon_{\text{mach}} |L|}{\varepsilon}$ is smallest where its
derivative vanishes, $\frac{\varepsilon}{3} |L'''| =
\frac{\epsilon_{\text{mach}} |L|}{\varepsilon^2}$:

$$
\varepsilon^* = \left( \frac{3\, \epsilon_{\text{mach}}\, |L|}{|L'''|} \right)^{1/3} ,
\qquad
E(\varepsilon^*) = \frac{3}{2} \frac{\epsilon_{\text{mach}} |L|}{\varepsilon^*} .
$$

With $|L|$ and $|L'''|$ of order 1, $\varepsilon^*$ is of order
$\epsilon_{\text{mach}}^{1/3} \approx 6 \times 10^{-6}$, and the best
attainable error is of order $\epsilon_{\text{mach}}^{2/3} \approx 4 \times
10^{-11}$ in absolute terms. Neither $|L'''|$ nor the true constant in front
of $\epsilon_{\text{mach}}$ is known in advance, so the book measures.
`error_against_step` computes the worst relative error (defined below) for
a range of steps, and the book command draws that curve for this chapter's
small float64 network, in the figure on this page. It falls as
$\varepsilon^2$ from the right and rises as $1/\varepsilon$ to the left,
and at the random start it bottoms out between $10^{-5}$ and $10^{-4}$.
Training sharpens the probabilities, $|L'''|$ grows, and the bottom moves
to smaller steps (the examples of `error_against_step` show both). So the
default step, `EPS`, is $\varepsilon = 10^{-5}$: the decade that passes
both at the start and after training. A step of $10^{-6}$, common in
tutorials, already sits on the rounding side, with ten times the rounding
error of $10^{-5}$, and fails the threshold below on this network.

# Relative error

For each parameter we compare the analytic gradient $a$ (from `backward`)
with the numerical one $n$ entry by entry, in the form the CS231n notes use:

$$
r_i = \frac{|a_i - n_i|}{\max(|a_i|,\, |n_i|,\, f)} ,
$$

`np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)`
(`elementwise_relative_error`), and report the worst entry,
$\max_i r_i$. It is 0 for a perfect match, between 1 and 2 for opposite
signs (2 when the magnitudes are equal too), and insensitive to the overall
scale of the gradient. Following CS231n, we ask
for $\max_i r_i \le 10^{-7}$ (`THRESHOLD`).

**The floor $f$.** Where $a_i$ and $n_i$ are both tiny the ratio is noise
over noise, and where both are 0 it is $0/0$. Below $f$ the ratio becomes
an absolute test, $|a_i - n_i| \le 10^{-7} f$. The numerical gradient
itself is only good to about $4 \times 10^{-11}$ (above), so a floor much
below $4 \times 10^{-11} / 10^{-7} = 4 \times 10^{-4}$ would fail correct
code on entries that are merely small. `FLOOR` $= 10^{-3}$: an entry
smaller than that is checked to an absolute $10^{-10}$.

**Why not one number per matrix.** A common shortcut compares whole
matrices, $\lVert a - n \rVert_2 / (\lVert a \rVert_2 + \lVert n \rVert_2)$
(`relative_error`). One wrong entry among $N$ entries of similar size moves
the numerator by its own error but leaves both norms about $\sqrt{N}$ times
that entry's size, so the norm form divides the entry's error by about
$2\sqrt{N}$: a bug confined to one unit of a large layer can hide in it.
The element-wise maximum cannot be diluted. The examples of
`elementwise_relative_error` show one wrong entry in 10,000.

**Kinks.** ReLU has a corner at $z = 0$, where a central difference that
straddles it measures neither slope (`primitive_nn.activations`). Nudging
$W^{[l]}_{ik}$ by $\varepsilon$ moves $Z^{[l]}_{ij}$ by $\varepsilon
A^{[l-1]}_{kj}$, and the layers above by that times the weights in between;
with inputs in $[0, 1]$ and the small weights of a check network, that is
of order $\varepsilon$. So `check_gradients` refuses any point where some
$|Z^{[l]}_{ij}|$ is below `KINK_MARGIN` $\cdot\, \varepsilon = 10
\varepsilon$, the code's `np.abs(Z).min() < KINK_MARGIN * eps`: a safety
factor of 10 over a nudge of exactly $\varepsilon$. It is a guard, not a
proof. A larger activation could still carry a nudge across a corner; the
check would then report a failure, and a second point settles whether it
was the corner or the code.

# Where to check

A check at the random start can miss a bug that the start hides. The
start's parameters are random and unrelated to the data, so its activations
are unrepresentative of the network that training makes: the probabilities
have not sharpened toward the labels, the hidden units have not settled into
a trained network's patterns of on and off, and with He's start every bias
is exactly 0.
Code that only matters away from there is not exercised. A backward pass
that forgot the bias when it recomputed $Z$ for the ReLU mask is exactly
right while $b = 0$, and wrong ever after. So check at the start
*and* at a point reached by training: `descend` takes a few gradient steps
first, and the examples of `check_gradients` catch that bug there.

**The seed's bias gradient fails.** The seed's `np.sum(dZ) / m` gives every
bias of a layer the same number. For $b^{[2]}$ that number is always 0, as
`primitive_nn.loss` shows, so every entry of $b^{[2]}$ has a relative error
of 1 (once above the floor): the check fails outright. The examples of
`check_gradients` run both.

# Cost

The check runs the forward pass twice per parameter entry, so it is for
tiny networks only: a 784-10-10 network has 7,960 parameters and would need
15,920 forward passes per check, where `backward` needs one.
"""

import numpy as np

from primitive_nn.loss import LOSSES
from primitive_nn.network import backward, forward, n_layers
from primitive_nn.train import gradient_step

EPS = 1e-5         # the step: near the balance of truncation and rounding in float64
FLOOR = 1e-3       # below this size an entry is checked in absolute terms, to THRESHOLD * FLOOR
THRESHOLD = 1e-7   # CS231n's "relative error of 1e-7 or less" for the worst entry
KINK_MARGIN = 10   # refuse points with some |Z| below KINK_MARGIN * eps


def loss(params, X, Y, activation="relu", kind="cross_entropy"):
    r"""Mean loss of the network on (X, Y), cross-entropy unless `kind` says otherwise: $L(\theta)$.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_0, m)
    Y : ndarray of shape (n_D, m)
        One-hot labels.
    activation, kind : str
        The hidden nonlinearity and the loss (`primitive_nn.loss.LOSSES`).

    Returns
    -------
    float
    """
    return LOSSES[kind][0](forward(params, X, activation)[f"A{n_layers(params)}"], Y)


def numerical_gradient(params, name, X, Y, eps=EPS, activation="relu", kind="cross_entropy"):
    r"""Central-difference estimate of $\partial L / \partial \theta$ for every entry of one parameter.

    Parameters
    ----------
    params : dict of str to ndarray
        Not modified: each entry is nudged and restored on a copy.
    name : str
        Which parameter, for example `"W1"`.
    X : ndarray of shape (n_0, m)
    Y : ndarray of shape (n_D, m)
    eps : float
        The step $\varepsilon$.
    activation, kind : str
        As in `loss`.

    Returns
    -------
    ndarray shaped like params[name]

    Examples
    --------
    The bias of a softmax over two classes: $L = -\log a_0$, and
    $\partial L / \partial b_0 = a_0 - 1 = -0.5$ at equal logits.

    >>> import numpy as np
    >>> params = {"W1": np.zeros((2, 1)), "b1": np.zeros((2, 1))}
    >>> X, Y = np.ones((1, 1)), np.array([[1.0], [0.0]])
    >>> numerical_gradient(params, "b1", X, Y).round(6).ravel().tolist()
    [-0.5, 0.5]
    """
    nudged = dict(params, **{name: params[name].copy()})
    theta = nudged[name]
    grad = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        saved = theta[index]
        theta[index] = saved + eps
        plus = loss(nudged, X, Y, activation, kind)
        theta[index] = saved - eps
        minus = loss(nudged, X, Y, activation, kind)
        theta[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a, n):
    r"""Norm form: $\lVert a - n \rVert / (\lVert a \rVert + \lVert n \rVert)$, or 0 if both are zero.

    One number for a whole matrix; a few wrong entries can hide in it (see
    `elementwise_relative_error`).

    Parameters
    ----------
    a, n : ndarray of the same shape
        Analytic and numerical gradient.

    Returns
    -------
    float
        Between 0 (equal) and 1 (opposite).

    Examples
    --------
    >>> import numpy as np
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    >>> relative_error(np.array([1.0, 0.0]), np.array([0.0, 0.0]))
    1.0
    """
    denominator = np.linalg.norm(a) + np.linalg.norm(n)
    return float(np.linalg.norm(a - n) / denominator) if denominator > 0 else 0.0


def elementwise_relative_error(a, n, floor=FLOOR):
    r"""Entry by entry: $r_i = |a_i - n_i| / \max(|a_i|, |n_i|, f)$, with $f$ the floor.

    Parameters
    ----------
    a, n : ndarray of the same shape
        Analytic and numerical gradient.
    floor : float
        $f > 0$: where both $|a_i|$ and $|n_i|$ are below it, the entry is
        compared in absolute terms, $|a_i - n_i| / f$, so entries that are
        both (nearly) zero neither divide by zero nor turn rounding noise
        into a large ratio.

    Returns
    -------
    r : ndarray shaped like a
        Each $r_i$, between 0 and 2.

    Examples
    --------
    >>> import numpy as np
    >>> a, n = np.array([1.0, -0.5, 0.0]), np.array([1.0, 0.5, 0.0])
    >>> elementwise_relative_error(a, n)     # equal, opposite, both zero
    array([0., 2., 0.])

    A gradient of 10,000 entries, right but for one entry that is off by
    one part in 10,000. The element-wise form finds it; the norm form
    divides it by about $2\sqrt{10000} = 200$:

    >>> n = np.full(10_000, 0.01)                 # the true gradient
    >>> a = n.copy()
    >>> a[1234] *= 1.0001                          # one wrong entry
    >>> r = elementwise_relative_error(a, n)
    >>> f"{r.max():.0e}", int(r.argmax())
    ('1e-04', 1234)
    >>> f"{relative_error(a, n):.0e}"
    '5e-07'
    """
    scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    return np.abs(a - n) / scale


def check_gradients(params, X, Y, backprop=None, eps=EPS, floor=FLOOR, activation="relu",
                    kind="cross_entropy"):
    r"""Worst element-wise relative error of `backprop` against central differences, per parameter.

    Parameters
    ----------
    params : dict of str to ndarray
        float64 parameters: the point at which to check.
    X : ndarray of shape (n_0, m)
    Y : ndarray of shape (n_D, m)
    backprop : callable, optional
        `backprop(params, cache, Y) -> grads`, the backward pass under test
        (default: `network.backward` with `activation` and `kind`).
    eps : float
        The step $\varepsilon$ of `numerical_gradient`.
    floor : float
        The floor of `elementwise_relative_error`.
    activation, kind : str
        As in `loss`; only ReLU has a corner to keep away from.

    Returns
    -------
    dict of str to float
        `{"W1": r, "b1": r, ...}`, each $\max_i r_i$ over that parameter's
        entries; at most `THRESHOLD` ($10^{-7}$) means the formula is right.

    Raises
    ------
    ValueError
        If a parameter is not float64, or a pre-activation lies within
        `KINK_MARGIN` $\cdot\, \varepsilon$ of ReLU's corner at 0.

    Examples
    --------
    >>> import numpy as np
    >>> from primitive_nn.loss import one_hot
    >>> from primitive_nn.network import init_params
    >>> rng = np.random.default_rng(1)
    >>> params = init_params([5, 4, 3], rng)
    >>> X, Y = rng.random((5, 6)), one_hot(rng.integers(0, 3, 6), 3)
    >>> errors = check_gradients(params, X, Y)
    >>> sorted(errors), max(errors.values()) <= THRESHOLD
    (['W1', 'W2', 'b1', 'b2'], True)

    The seed's scalar bias gradients fail on both layers:

    >>> from primitive_nn.seed import backward_seed
    >>> errors = check_gradients(params, X, Y, backprop=backward_seed)
    >>> {name: err <= THRESHOLD for name, err in errors.items()}
    {'W1': True, 'b1': False, 'W2': True, 'b2': False}

    A bug the start hides: a backward pass that recomputes $Z^{[1]}$ for the
    ReLU mask without the bias. From He's start ($b = 0$) it passes; after
    some training it fails.

    >>> from primitive_nn.activations import relu_derivative
    >>> from primitive_nn.layers import linear_backward
    >>> def backward_no_bias_in_mask(params, cache, Y):
    ...     dZ2 = cache["A2"] - Y
    ...     dW2, db2 = linear_backward(dZ2, cache["A1"])
    ...     Z1 = params["W1"] @ cache["A0"]     # the bug: + b1 forgotten
    ...     dZ1 = (params["W2"].T @ dZ2) * relu_derivative(Z1)
    ...     dW1, db1 = linear_backward(dZ1, cache["A0"])
    ...     return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    >>> start = init_params([5, 4, 3], np.random.default_rng(1), init="he")
    >>> buggy = backward_no_bias_in_mask
    >>> max(check_gradients(start, X, Y, buggy).values()) <= THRESHOLD
    True
    >>> trained = descend(start, X, Y, steps=50, alpha=1.0)
    >>> max(check_gradients(trained, X, Y, buggy).values()) <= THRESHOLD
    False
    >>> max(check_gradients(trained, X, Y).values()) <= THRESHOLD
    True
    """
    for name, p in params.items():
        if p.dtype != np.float64:
            raise ValueError(f"{name} is {p.dtype}; gradient checks need float64")
    cache = forward(params, X, activation)
    for l in range(1, n_layers(params)):
        if activation == "relu" and np.abs(cache[f"Z{l}"]).min() < KINK_MARGIN * eps:
            raise ValueError(f"Z{l} has an entry within {KINK_MARGIN * eps:g} of ReLU's corner; "
                             "pick another point")
    if backprop is None:
        grads = backward(params, cache, Y, activation, kind)
    else:
        grads = backprop(params, cache, Y)
    return {name: float(elementwise_relative_error(
                grads["d" + name], numerical_gradient(params, name, X, Y, eps, activation, kind),
                floor).max())
            for name in params}


def descend(params, X, Y, steps, alpha):
    r"""Parameters after `steps` of full-batch gradient descent: a point to check away from the start.

    $\theta \leftarrow \theta - \alpha\, d\theta$, `steps` times, with the
    corrected `backward` (`primitive_nn.train.gradient_step`).

    Parameters
    ----------
    params : dict of str to ndarray
        The start; not modified.
    X : ndarray of shape (n_0, m)
    Y : ndarray of shape (n_D, m)
    steps : int
    alpha : float
        The learning rate.

    Returns
    -------
    dict of str to ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from primitive_nn.loss import one_hot
    >>> from primitive_nn.network import init_params
    >>> rng = np.random.default_rng(1)
    >>> start = init_params([5, 4, 3], rng, init="he")
    >>> X, Y = rng.random((5, 6)), one_hot(rng.integers(0, 3, 6), 3)
    >>> loss(descend(start, X, Y, steps=50, alpha=1.0), X, Y) < loss(start, X, Y)
    True
    """
    for _ in range(steps):
        params = gradient_step(params, backward(params, forward(params, X), Y), alpha)
    return params


def error_against_step(params, X, Y, eps_values):
    r"""The worst element-wise relative error of the corrected `backward`, for each step $\varepsilon$.

    The curve from which `EPS` is chosen: truncation error on the right,
    rounding error on the left.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_0, m)
    Y : ndarray of shape (n_D, m)
    eps_values : sequence of float
        The steps $\varepsilon$ to try.

    Returns
    -------
    list of float
        $\max_i r_i$ over every entry of every parameter, one per step.

    Examples
    --------
    The chapter's 20-8-10 network on 30 random examples. At the start the
    best step is $3 \times 10^{-5}$; after 50 steps of training it is
    $10^{-5}$. Both pass the threshold at both points; $10^{-4}$ (too much
    truncation) and $10^{-6}$ (too much rounding) fail it.

    >>> import numpy as np
    >>> from primitive_nn.loss import one_hot
    >>> from primitive_nn.network import init_params
    >>> rng = np.random.default_rng(0)
    >>> params = init_params([20, 8, 10], rng)
    >>> X, Y = rng.random((20, 30)), one_hot(rng.integers(0, 10, 30))
    >>> eps_values = [1e-4, 3e-5, 1e-5, 1e-6, 1e-7]
    >>> errors = error_against_step(params, X, Y, eps_values)
    >>> eps_values[int(np.argmin(errors))], [e <= THRESHOLD for e in errors]
    (3e-05, [False, True, True, False, False])
    >>> trained = descend(params, X, Y, steps=50, alpha=0.5)
    >>> errors = error_against_step(trained, X, Y, eps_values)
    >>> eps_values[int(np.argmin(errors))], [e <= THRESHOLD for e in errors]
    (1e-05, [False, True, True, False, False])
    """
    return [max(check_gradients(params, X, Y, eps=eps).values()) for eps in eps_values]
