r"""Width and depth: how big a network, and what it costs.

The seed's network has one hidden layer of 10 units. Nothing in the code
fixes either number: `init_params` takes any list of sizes
$[n_0, n_1, \dots, n_D]$. This chapter asks what more units (*width*) and
more layers (*depth*) buy, and what they cost.

# Counting parameters

Layer $l$ has a weight matrix of $n_l \times n_{l-1}$ entries and a bias
column of $n_l$, so the network has

$$
P = \sum_{l=1}^{D} n_l\,(n_{l-1} + 1)
$$

parameters (`count_params`). For 784-10-10 that is $10 \cdot 785 + 10
\cdot 11 = 7{,}960$; for 784-128-10, $128 \cdot 785 + 10 \cdot 129 =
101{,}770$. The first layer dominates whenever the hidden layers are
narrower than the 784 inputs.

# Counting work

The forward pass multiplies each $W^{[l]}$ by a $(n_{l-1}, m)$ matrix: $n_l
n_{l-1}$ multiply-adds per example and layer, almost exactly one per weight.
Backpropagation costs twice that less one product (`primitive_nn.network`:
$dW$ and $dA$ are one product each, and the first layer needs no $dA$), so a training step
costs $3F - n_1 n_0$ multiply-adds per example, where $F = \sum_l n_l
n_{l-1} \approx P$ is the forward pass's (`multiply_adds_per_example`):
between $2P$ and $3P$, nearer $2P$ when the first layer dominates. The time
per epoch grows roughly in
proportion to $P$, until the network is so small that Python's fixed cost
per step is what is left.

# What width buys

With enough hidden units, one hidden layer of ReLUs can approximate any
continuous function on a bounded set as closely as we like (the *universal
approximation* theorem): each unit contributes a hinge, and sums of enough
hinges bend into any shape. The theorem says nothing about how many units,
how much data, or whether gradient descent finds the weights. The book's
experiment measures it on MNIST: accuracy against $P$ for one hidden layer
of 10 to 1,024 units, and for two and three layers of 256.

# What depth buys

A second layer composes the first layer's features instead of summing
them: hinges of hinges. For some functions that is exponentially cheaper
than one wide layer. How much it helps on MNIST digits would take networks
of equal parameter count to say, and the chapter's experiment does not hold
the count equal: its two layers of 256 have 269,322 parameters, one layer
of 512 has 407,050. Depth has a price of its own, which Part II
has already paid: deeper networks need a careful start (He's) and careful
steps (momentum, a schedule) to train at all.
"""


def count_params(layers):
    r"""Number of weights and biases: $P = \sum_l n_l (n_{l-1} + 1)$.

    Parameters
    ----------
    layers : sequence of int
        $[n_0, n_1, \dots, n_D]$.

    Returns
    -------
    int

    Examples
    --------
    >>> count_params([784, 10, 10]), count_params([784, 128, 10])
    (7960, 101770)
    """
    return sum(n_out * (n_in + 1) for n_in, n_out in zip(layers, layers[1:]))


def multiply_adds_per_example(layers, training=True):
    r"""Multiply-adds of one example's forward pass, $F = \sum_l n_l n_{l-1}$, or of a training step, $3F - n_1 n_0$.

    Training adds the backward pass's two products per layer, $dW$ and $dA$,
    except the first layer's $dA$, which nothing needs (`primitive_nn.network`).

    Examples
    --------
    >>> multiply_adds_per_example([784, 128, 10], training=False)
    101632
    >>> multiply_adds_per_example([784, 128, 10])  # 3 * 101632 - 128 * 784
    204544
    """
    forward = sum(n_out * n_in for n_in, n_out in zip(layers, layers[1:]))
    return 3 * forward - layers[0] * layers[1] if training else forward
