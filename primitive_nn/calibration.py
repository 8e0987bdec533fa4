r"""What the best network gets wrong: its mistakes, and what its probabilities mean.

The ladder's `best` network gets about 99 of every 100 test digits right.
This chapter reads the rest: which digits it misses, what it takes them
for, and whether a probability of 0.9 from it is right nine times in ten.

# The confusion matrix

Count, for every pair of digits $(i, j)$, the test images of digit $i$
that the network calls $j$:

$$
C_{ij} = \#\{k : y_k = i,\ \hat y_k = j\} ,
$$

`np.add.at(C, (labels, predictions), 1)` on a $10 \times 10$ array of
zeros (`confusion_matrix`). The diagonal holds the right answers, each row
one digit's images, so digit $i$'s accuracy is $C_{ii} / \sum_j C_{ij}$
(`per_class_accuracy`), and the largest entries off the diagonal are the
mistakes the network makes most often (`most_confused`).

# Calibration

The network gives each image ten probabilities; call the largest, the one
of its answer, its *confidence* $c_k = \max_i A_{ik}$. The network is
*calibrated* if its answers given with confidence $c$ are right a fraction
$c$ of the time. To check, sort the $m$ answers by confidence into $B$ bins
of equal width, $[0, \frac{1}{B}), \dots, [\frac{B - 1}{B}, 1]$, and
compare in each bin $S_b$ the accuracy with the mean confidence:

$$
\operatorname{acc}_b = \frac{1}{|S_b|} \sum_{k \in S_b} [\hat y_k = y_k] ,
\qquad
\operatorname{conf}_b = \frac{1}{|S_b|} \sum_{k \in S_b} c_k .
$$

Plotted against each other they make a *reliability diagram*
(`reliability`): a calibrated network lies on the diagonal, and one whose
points lie below it is overconfident. The *expected calibration error* is
their distance, weighted by how many answers each bin holds:

$$
\operatorname{ECE} = \sum_{b=1}^{B} \frac{|S_b|}{m}\,
\big|\operatorname{acc}_b - \operatorname{conf}_b\big| ,
$$

`np.sum(counts / m * np.abs(accuracy - confidence))` over the non-empty
bins (`expected_calibration_error`). A network that is right 99% of the
time puts almost every answer in the top bin, so the ECE rests on a few
dozen mistakes and is a noisy number: the book reports it over seeds.

# Temperature scaling

One number can repair much of a network's miscalibration. Divide the
logits by a *temperature* $T > 0$ before the softmax,
$a = \operatorname{softmax}(z / T)$: $T > 1$ flattens the probabilities,
$T < 1$ sharpens them, and the largest logit stays the largest, so the
answers, and the accuracy, do not change. Choose $T$ to minimize the mean
cross-entropy on the dev set. In $\beta = 1/T$ that loss is

$$
L(\beta) = \frac{1}{m} \sum_{k=1}^{m} \Big( \log \sum_i e^{\beta z_{ik}}
- \beta z_{y_k k} \Big) .
$$

Differentiate: with $p_k = \operatorname{softmax}(\beta z_{:,k})$, the
derivative of the log-sum-exp is the $p$-weighted mean of the logits, and
differentiating once more gives their $p$-weighted variance,

$$
L'(\beta) = \frac{1}{m} \sum_k \Big( \sum_i p_{ik} z_{ik} - z_{y_k k} \Big),
\qquad
L''(\beta) = \frac{1}{m} \sum_k \Big( \sum_i p_{ik} z_{ik}^2
- \big(\textstyle\sum_i p_{ik} z_{ik}\big)^2 \Big) \ge 0 .
$$

A variance is never negative, so $L$ is convex in $\beta$ and has at most
one minimum, which Newton's method finds in a few steps,
$\beta \leftarrow \beta - L'(\beta) / L''(\beta)$ (`fit_temperature`).

Why fit on dev: $T$ is learned from data like any weight. Fitted on the
test images, it would make the test set's calibration look better than a
new image's will be.
"""

import numpy as np

from primitive_nn.loss import softmax


def confusion_matrix(predictions, labels, n_classes=10):
    r"""$C_{ij}$: how many examples of class $i$ were predicted as $j$.

    Parameters
    ----------
    predictions, labels : ndarray of int, shape (m,)
    n_classes : int

    Returns
    -------
    C : ndarray of int, shape (n_classes, n_classes)
        Rows are the true classes, columns the predictions.

    Examples
    --------
    >>> import numpy as np
    >>> confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 1, 1]])
    """
    C = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(C, (labels, predictions), 1)
    return C


def per_class_accuracy(C):
    r"""Each class's accuracy, $C_{ii} / \sum_j C_{ij}$, from a confusion matrix.

    Examples
    --------
    >>> import numpy as np
    >>> per_class_accuracy(np.array([[3, 1], [0, 2]])).tolist()
    [0.75, 1.0]
    """
    return np.diag(C) / C.sum(axis=1)


def most_confused(C, k=5):
    r"""The `k` largest entries off the diagonal: `(true, predicted, count)`, largest first.

    Ties are broken by the true class, then the predicted one.

    Examples
    --------
    >>> import numpy as np
    >>> most_confused(np.array([[5, 2, 0], [1, 7, 3], [0, 3, 9]]), k=3)
    [(1, 2, 3), (2, 1, 3), (0, 1, 2)]
    """
    pairs = [(int(C[i, j]), i, j) for i in range(len(C)) for j in range(len(C)) if i != j]
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return [(i, j, count) for count, i, j in pairs[:k]]


def reliability(A, labels, bins=10):
    r"""Per confidence bin: the number of answers, their accuracy and their mean confidence.

    Parameters
    ----------
    A : ndarray of shape (n_y, m)
        Probabilities, one column per example.
    labels : ndarray of int, shape (m,)
    bins : int
        Equal-width bins on $[0, 1]$; a confidence of exactly 1 goes in the last.

    Returns
    -------
    counts : ndarray of int, shape (bins,)
    accuracy, confidence : ndarray of float, shape (bins,)
        NaN for an empty bin.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0.95, 0.6, 0.55, 0.3], [0.05, 0.4, 0.45, 0.7]])
    >>> counts, accuracy, confidence = reliability(A, np.array([0, 1, 0, 1]), bins=2)
    >>> counts.tolist(), accuracy.tolist(), confidence.round(3).tolist()
    ([0, 4], [nan, 0.75], [nan, 0.7])
    """
    c = A.max(axis=0)                                   # (m,) confidence
    correct = A.argmax(axis=0) == labels                # (m,)
    b = np.minimum((c * bins).astype(int), bins - 1)    # (m,) bin of each answer
    counts = np.bincount(b, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.bincount(b, weights=correct, minlength=bins) / counts
        confidence = np.bincount(b, weights=c, minlength=bins) / counts
    return counts, accuracy, confidence


def expected_calibration_error(A, labels, bins=10):
    r"""$\sum_b \frac{|S_b|}{m} |\operatorname{acc}_b - \operatorname{conf}_b|$ over the non-empty bins.

    Examples
    --------
    The answers of the example of `reliability` are right 0.75 of the
    time at a mean confidence of 0.7:

    >>> import numpy as np
    >>> A = np.array([[0.95, 0.6, 0.55, 0.3], [0.05, 0.4, 0.45, 0.7]])
    >>> round(expected_calibration_error(A, np.array([0, 1, 0, 1]), bins=2), 4)
    0.05
    """
    counts, accuracy, confidence = reliability(A, labels, bins)
    full = counts > 0
    return float(np.sum(counts[full] / counts.sum() * np.abs(accuracy[full] - confidence[full])))


def fit_temperature(Z, labels, steps=50, tol=1e-10):
    r"""The temperature $T$ minimizing the mean cross-entropy of `softmax(Z / T)`: Newton's method.

    Parameters
    ----------
    Z : ndarray of shape (n_y, m)
        Logits, one column per example (of the dev set).
    labels : ndarray of int, shape (m,)
    steps : int
        The most Newton steps to take.
    tol : float
        Stop when $|L'(\beta)|$ is below this.

    Returns
    -------
    float
        $T = 1 / \beta$.

    Examples
    --------
    Logits twice as large as the probabilities they were drawn from are
    repaired by $T \approx 2$:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.normal(0, 2, (10, 20000))
    >>> labels = np.array([rng.choice(10, p=p) for p in softmax(Z).T])
    >>> round(fit_temperature(2 * Z, labels), 1)
    2.0
    """
    Z = np.asarray(Z, dtype=np.float64)
    z_true = Z[labels, np.arange(Z.shape[1])]                 # (m,)
    beta = 1.0
    for _ in range(steps):
        P = softmax(beta * Z)                                  # (n_y, m)
        mean = (P * Z).sum(axis=0)                             # (m,) p-weighted mean logit
        gradient = float(np.mean(mean - z_true))               # L'(beta)
        curvature = float(np.mean((P * Z ** 2).sum(axis=0) - mean ** 2))  # L''(beta)
        if abs(gradient) < tol or curvature <= 0:
            break
        step = gradient / curvature
        beta = beta - step if beta - step > 0 else beta / 2   # keep T positive
    return 1.0 / beta
