r"""How sure are we: the uncertainty of a measured accuracy.

Part II compares settings by the accuracy they reach: this learning rate
against that one, a wide network against a deep one. Every such accuracy is
a measurement, and a measurement has an error. Before the book ranks two
settings it must know how large a difference chance alone produces. There
are two sources of chance: which images the accuracy is counted on, and
which random numbers the training drew.

# One accuracy on $n$ images

Fix a trained network, and think of the $n$ test images as drawn at random
from all the digits it could be shown. Each image $j$ is read right
($c_j = 1$) with probability $p$, the network's true accuracy, or wrong
($c_j = 0$), independently of the others. The measured accuracy is their
mean, $\hat p = \frac{1}{n}\sum_j c_j$. A single $c_j$ has mean $p$ and
variance $\mathbb{E}[c_j^2] - p^2 = p - p^2$, and the variance of a mean of
$n$ independent terms is $1/n$ of one term's, so

$$
\mathbb{E}[\hat p] = p, \qquad
\operatorname{SE}(\hat p) = \sqrt{\frac{p (1 - p)}{n}} ,
$$

`np.sqrt(p * (1 - p) / n)` (`binomial_se`), with the measured $\hat p$ in
place of the unknown $p$. At 99% on the 10,000 test images that is 0.1
point; at 97.5% on 5,000 dev images, 0.22 points. About 95% of the time
$\hat p$ lands within two standard errors of $p$, so a test accuracy of
99.0% says the network's accuracy is somewhere around 98.8% to 99.2%, and
two networks whose test accuracies differ by 0.1 point cannot be told apart
by this test set at all.

# From seed to seed

Training is random too. The seed draws the start, the dev split, the order
of the batches, the dropout masks and the augmentation, and two runs of one
recipe with different seeds end at different accuracies. Over $k$ seeds with
accuracies $a_1, \dots, a_k$ and mean $\bar a$, the sample standard
deviation

$$
s = \sqrt{\frac{1}{k - 1} \sum_{s=1}^{k} (a_s - \bar a)^2}
$$

(`np.std(a, ddof=1)`) estimates that spread, and the mean over the seeds
has standard error $s / \sqrt{k}$. On the test set, the same 10,000 images
for every run, the spread is the training's randomness alone; on the dev
set, which each seed draws anew, the binomial error of the split is part of
it.

# Paired comparisons

To compare setting A with setting B, run both with the same seeds and look
at the difference on each seed, $d_s = a_s - b_s$. What a seed does to both
settings alike (the dev split, the order of the batches) cancels in $d_s$,
and then the differences vary less than either setting does; whether they
do is a measurement too (the chapter's second exercise). Their mean
$\bar d$ has standard error $s_d / \sqrt{k}$, and

$$
t = \frac{\bar d}{s_d / \sqrt{k}}
$$

measures the difference in units of its own noise (`paired_difference`). If
the two settings were equally good and the differences roughly normal, $t$
would follow Student's $t$ distribution with $k - 1$ degrees of freedom;
its tails are much heavier than the normal's for small $k$, because $s_d$
itself is a rough estimate from few seeds: with 3 seeds, $|t|$ exceeds
4.30 by chance in 5% of comparisons (`t_critical`), where a normal
variable exceeds 1.96.

# The rule

The book calls a difference between two settings *real* when

1. both ran with the same $k \ge 3$ seeds, and one change separates them;
2. the paired $|t|$ exceeds the two-sided 5% point of Student's $t$ with
   $k - 1$ degrees of freedom (4.30 for 3 seeds, 2.78 for 5);
3. the mean difference exceeds twice the binomial standard error of one
   accuracy on the split it is measured on, so that it would survive a
   fresh set of images.

Otherwise the book says that its runs do not tell the settings apart, and
ranks nothing. `is_real` applies the rule.

# Choose on dev, report test once

Every choice in Part II is made on the dev set. Each choice is a small
fit: among many settings, the best dev accuracy is partly the best setting
and partly the luckiest draw of dev images, so the chosen setting's dev
accuracy is optimistic. The test set, used once after every choice is
made, has not been fitted and is an honest estimate, within its binomial
error. Used to choose, it would become optimistic in the same way.
"""

import numpy as np

T_GRID = 200_001  # points of the numerical integral in `t_critical`


def binomial_se(p, n):
    r"""The standard error $\sqrt{p(1-p)/n}$ of an accuracy $p$ measured on $n$ images.

    Parameters
    ----------
    p : float or ndarray
        Accuracy, as a fraction in $[0, 1]$.
    n : int
        Number of images it was measured on.

    Returns
    -------
    float or ndarray

    Examples
    --------
    The two cases of the chapter, in points:

    >>> f"{100 * binomial_se(0.99, 10_000):.2f} {100 * binomial_se(0.975, 5_000):.2f}"
    '0.10 0.22'
    """
    return np.sqrt(p * (1 - p) / n)


def paired_difference(a, b):
    r"""The per-seed differences $d_s = a_s - b_s$, summarized: mean, sd, standard error, $t$.

    Parameters
    ----------
    a, b : sequence of float
        The same measure of two settings, seed by seed, in the same order.

    Returns
    -------
    dict
        `mean` $\bar d$, `sd` $s_d$ (with $k - 1$ in the denominator), `se`
        $s_d/\sqrt{k}$, `t` $\bar d / (s_d/\sqrt{k})$ (infinite if every
        difference is the same and not 0), and `k`.

    Examples
    --------
    Two settings that differ by about 0.3 point on each of three seeds,
    although each one's accuracy varies more than that from seed to seed:

    >>> d = paired_difference([0.981, 0.975, 0.979], [0.978, 0.972, 0.975])
    >>> round(d["mean"], 4), round(d["se"], 5), round(d["t"], 1)
    (0.0033, 0.00033, 10.0)
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    k = len(d)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    se = sd / float(np.sqrt(k))
    t = mean / se if se > 0 else (np.inf if mean else 0.0) * np.sign(mean)
    return {"mean": mean, "sd": sd, "se": se, "t": float(t), "k": k}


def t_critical(df, level=0.05):
    r"""The two-sided `level` point of Student's $t$ with `df` degrees of freedom.

    The $t$ density is $f(x) \propto (1 + x^2/\nu)^{-(\nu + 1)/2}$. Its
    integral has no elementary form for every $\nu$, so the point is found
    numerically: the density is integrated by the trapezoid rule on a fine
    grid (normalized by the same integral), and the point is where the tail
    beyond it holds `level / 2`.

    Parameters
    ----------
    df : int
        Degrees of freedom, $k - 1$ for $k$ seeds; at least 1.
    level : float

    Returns
    -------
    float

    Examples
    --------
    The textbook table's values for 2, 4 and 9 degrees of freedom:

    >>> [round(t_critical(df), 2) for df in (2, 4, 9)]
    [4.3, 2.78, 2.26]
    """
    x = np.linspace(0.0, 200.0, T_GRID)
    density = (1 + x ** 2 / df) ** (-(df + 1) / 2)
    steps = (density[1:] + density[:-1]) / 2 * np.diff(x)  # trapezoids
    tail = 1 - np.concatenate([[0.0], np.cumsum(steps)]) / steps.sum()  # P(T > x) / P(T > 0)
    return float(np.interp(level, tail[::-1], x[::-1]))


def is_real(a, b, n_images, level=0.05):
    r"""The book's rule: is the difference between settings `a` and `b` real?

    Parameters
    ----------
    a, b : sequence of float
        Accuracies (fractions) of the two settings, seed by seed, the same
        seeds in the same order; at least 3.
    n_images : int
        The number of images each accuracy was measured on.
    level : float
        The two-sided level of the paired $t$ test.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_real([0.981, 0.975, 0.979], [0.978, 0.972, 0.975], n_images=10_000)
    True

    The same differences on 500 images are within the binomial error of
    one accuracy, so the runs do not tell the settings apart:

    >>> is_real([0.981, 0.975, 0.979], [0.978, 0.972, 0.975], n_images=500)
    False
    """
    if len(a) < 3 or len(a) != len(b):
        raise ValueError("the rule needs the same 3 or more seeds for both settings")
    d = paired_difference(a, b)
    p = float(np.mean([np.mean(a), np.mean(b)]))
    return bool(abs(d["t"]) > t_critical(d["k"] - 1, level)
                and abs(d["mean"]) > 2 * binomial_se(p, n_images))
