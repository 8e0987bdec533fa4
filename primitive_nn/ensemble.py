r"""Ensembles: several networks, one answer.

Train the same recipe twice with two random generators and you get two
networks that are about as accurate and yet not the same: they started from
different weights, saw the batches in a different order and were shown
different random shifts. They make some mistakes together and some alone.
An *ensemble* of $K$ such networks, its *members*, answers with the mean of
their probabilities. This chapter says what averaging guarantees, what it
does not, and how the package trains one; the convnet's own ensemble is
measured on the page.

# The average

Member $k$ gives each digit $j$ its softmax column $p_{k,j} =
A^{[D]}_{k,:,j}$, ten probabilities that sum to 1. The ensemble's column is
their mean,

$$
\bar p_j = \frac{1}{K} \sum_{k=1}^{K} p_{k,j} ,
\label{ensemble-average}
$$

again ten probabilities that sum to 1, and its answer is the largest of
them. With the members' columns stacked as `P`, of shape $(K, n_y, m)$,
that is `P.mean(axis=0)` (`average`). The members could vote instead, one
digit each; the mean keeps how sure each member is, so that with two
members a confident one outvotes a hesitant one, and it is what the loss
below is computed from.

**Right where all are right.** If every member gives the true digit $y$
more probability than any other digit $i$, $p_{k,y} > p_{k,i}$ for each
$k$, then summing over $k$ gives $\bar p_y > \bar p_i$: the ensemble is
right too. So the ensemble's mistakes are all among the digits at least
one member gets wrong. Where the members disagree, it can go either way:
the ensemble sides with the member whose probabilities lean harder. That is
the only place averaging can help: it gains accuracy if, on the digits where
the members disagree, it is right more often than a single member is.

# The loss never gets worse

The cross-entropy of digit $j$ is $-\log p_{y_j}$, and $-\log$ is convex.
By Jensen's inequality, minus the log of a mean is at most the mean of
minus the logs:

$$
-\log \bar p_{y_j,j} \le \frac{1}{K} \sum_{k=1}^{K} -\log p_{k,y_j,j} ,
\label{ensemble-jensen}
$$

with equality only where all members give the true digit the same
probability. Averaged over the digits: the ensemble's cross-entropy is at
most the mean of its members', on any data, whatever the members are.
Accuracy has no such guarantee; the loss does.

# The squared error, decomposed

The squared error of a column of probabilities against the one-hot $y_j$
(the *Brier score*, $\lVert p_j - y_j \rVert^2$) splits exactly. Write each
member's error as $p_k - y = (p_k - \bar p) + (\bar p - y)$, square and
average over the members; the cross term is
$\frac{2}{K} \sum_k (p_k - \bar p)^\top (\bar p - y)$, and it is 0 because the
deviations $p_k - \bar p$ sum to 0 over $k$. So

$$
\lVert \bar p - y \rVert^2
= \frac{1}{K} \sum_{k=1}^{K} \lVert p_k - y \rVert^2
- \frac{1}{K} \sum_{k=1}^{K} \lVert p_k - \bar p \rVert^2 ,
\label{ambiguity-decomposition}
$$

the ensemble's error is the members' mean error less their *ambiguity*, how
far the members stray from their mean (Krogh and Vedelsby, 1995). Members
that agree on everything gain nothing; the gain is exactly how much they
differ. Averaged over the $m$ digits, the error is
`((P_bar - Y) ** 2).sum(axis=0).mean()` (`squared_error`) and the ambiguity
`((P - P_bar) ** 2).sum(axis=1).mean()` (`ambiguity`).

# Training members

An ensemble costs $K$ trainings and $K$ forward passes per digit. The
package trains member $k$ of a recipe with `--member k`: the data split
comes from the recipe's seed, as for any run, so every member holds out
the same dev digits and the ensemble's dev accuracy means what a single
run's does; after the split, member $k > 0$ draws its start, its shuffles
and its augmentation from a generator of its own,
`np.random.default_rng((seed, k))`. Member 0 is the recipe's own run.
`--members K` trains members $0$ to $K - 1$ one after another and reports
the ensemble, its time the members' together.
"""

import numpy as np


def average(P):
    r"""The ensemble's probabilities: the mean of its members', [](#ensemble-average).

    Parameters
    ----------
    P : ndarray of shape (K, n_y, m)
        Member k's softmax columns in `P[k]`.

    Returns
    -------
    ndarray of shape (n_y, m)
        Each column sums to 1 where the members' do.

    Examples
    --------
    >>> P = np.array([[[0.9], [0.1]], [[0.3], [0.7]]])   # two members, one digit, two classes
    >>> average(P)[:, 0].round(2).tolist()
    [0.6, 0.4]
    """
    return P.mean(axis=0)


def squared_error(A, Y):
    r"""The squared error $\lVert p_j - y_j \rVert^2$ of the columns of A, the mean over the m digits.

    Parameters
    ----------
    A : ndarray of shape (n_y, m)
        Probabilities, one column per digit.
    Y : ndarray of shape (n_y, m)
        One-hot labels.

    Examples
    --------
    >>> A = np.array([[0.75, 1.0], [0.25, 0.0]])
    >>> Y = np.array([[1.0, 1.0], [0.0, 0.0]])
    >>> float(squared_error(A, Y))   # (0.25**2 + 0.25**2 + 0) / 2
    0.0625
    """
    return float(((A - Y) ** 2).sum(axis=0).mean())


def ambiguity(P):
    r"""How far the members stray from their mean: $\frac{1}{K}\sum_k \lVert p_k - \bar p \rVert^2$,
    the mean over the m digits, [](#ambiguity-decomposition).

    Parameters
    ----------
    P : ndarray of shape (K, n_y, m)

    Examples
    --------
    >>> P = np.array([[[0.9], [0.1]], [[0.3], [0.7]]])
    >>> round(ambiguity(P), 4)   # each member is 0.3 from the mean in both classes
    0.18
    >>> ambiguity(np.stack([P[0], P[0]]))   # members that agree: none
    0.0
    """
    return float(((P - average(P)) ** 2).sum(axis=1).mean())
