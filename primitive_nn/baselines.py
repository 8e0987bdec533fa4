r"""Baselines: what any digit reader must beat.

Before improving a network, measure what much simpler readers do with the
same data. Part II climbs a ladder from the seed's network to the best MLP
in this book; these are its bottom rungs.

# Chance

A reader that guesses a digit uniformly at random is right one time in ten.
One that always answers the most frequent digit does a little better, by
exactly the frequency of that digit (`majority_accuracy`). Both are *chance*
levels: any accuracy near them means nothing was learned. (A run that
died is recognized otherwise: `primitive_nn.train.divergence` stops it when
its loss runs away or a hidden layer goes dead, and the learning-rate
chapter's sweep counts a run as dead when that happened.)

# Softmax regression

Take the seed's network and remove the hidden layer: $D = 1$, sizes
$[784, 10]$. What is left is a linear map followed by the softmax,

$$
A = \operatorname{softmax}(W X + b), \qquad W \in \mathbb{R}^{10 \times 784},
$$

*multinomial logistic regression*. It needs no new code: `init_params`,
`forward`, `backward` and `train` handle $D = 1$ (the backward loop runs once
and never reaches a ReLU). Its loss is a convex function of $W$ and $b$: the
logits are linear in the parameters and log-sum-exp is convex, so gradient
descent has no bad valleys to fall into. Every digit gets a template of 784
weights, and the prediction is the digit whose template matches best.

**Zero start.** With no hidden layer, every parameter can start at 0
(`init="zero"`): the gradient of each row of $W$ depends on its own digit's
probabilities, so the rows differ after one step. In a network with a hidden
layer a zero start is broken: all hidden units compute the same thing, get
the same gradient, and stay identical forever. That *symmetry* is why
hidden layers start random.

# Why the seed's network loses to it

Softmax regression, on the seed's own budget (the same 41,000 images,
full-batch gradient descent with $\alpha = 0.1$ for 500 iterations), beats
the seed's 784-10-10 network, although the seed's network can represent
everything the linear model can and more: ten ReLU units that pass their
input through unchanged on the digits' pixels would carry it. The book's
numbers show where the difference comes from: the same 784-10-10 network,
started with He's initialization instead of the seed's uniform one, beats
softmax regression on the same budget. The seed's network is not short of
capacity. It is badly started (`primitive_nn.initialization`) and
under-trained.
"""

import numpy as np


def majority_accuracy(train_labels, labels):
    r"""Accuracy on `labels` of always answering the most frequent digit of `train_labels`.

    Parameters
    ----------
    train_labels, labels : ndarray of int

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> majority_accuracy(np.array([1, 1, 7]), np.array([1, 7, 7, 7]))
    0.25
    """
    majority = np.bincount(train_labels).argmax()
    return float(np.mean(labels == majority))


def uniform_guess_accuracy(n_classes=10):
    r"""Expected accuracy of guessing uniformly among `n_classes`: $1 / n_y$.

    Examples
    --------
    >>> uniform_guess_accuracy()
    0.1
    """
    return 1 / n_classes
