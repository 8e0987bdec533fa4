r"""The linear layer: $Z = WX + b$, forward and backward.

A layer with $n_{in}$ inputs and $n_{out}$ units holds a weight matrix $W$ of
shape $(n_{out}, n_{in})$ and a bias column $b$ of shape $(n_{out}, 1)$. Its
input $X$ holds one example per column, shape $(n_{in}, m)$.

# Forward

Entry by entry, unit $i$ on example $j$ computes a weighted sum of that
example's inputs plus the unit's bias:

$$
Z_{ij} = \sum_{k=1}^{n_{in}} W_{ik} X_{kj} + b_i .
$$

The sum over $k$ is row $i$ of $W$ times column $j$ of $X$, so the whole
layer is one matrix product, `W @ X`, of shape $(n_{out}, m)$. The bias $b_i$
does not depend on $j$: every column gets the same $b$. NumPy's broadcasting
does exactly that when a $(n_{out}, 1)$ column meets a $(n_{out}, m)$ matrix:
the length-1 axis is stretched across the $m$ columns, without a copy.

$$
Z = WX + b\,\mathbf{1}^\top
$$

is `Z = W @ X + b`. (Had `b` been a flat vector of shape `(n_out,)`, NumPy
would line it up with the *last* axis, the examples, and either fail or
silently add the wrong thing. That is why biases are columns here.)

# Backward

The loss $L = \frac{1}{m}\sum_j \ell_j$ is the mean of per-example losses
$\ell_j$. Backpropagation hands this layer

$$
dZ_{ij} = \frac{\partial \ell_j}{\partial Z_{ij}},
$$

the gradient of each example's own loss with respect to its own column of
$Z$, shape $(n_{out}, m)$. (Equivalently $dZ = m\,\partial L / \partial Z$;
keeping the $\frac{1}{m}$ out of $dZ$ is the seed's convention, and it puts
the mean in exactly one place, the parameter gradients.)

**Weights.** $W_{ik}$ enters only $Z_{ij}$ for each $j$, with
$\partial Z_{ij} / \partial W_{ik} = X_{kj}$. By the chain rule,

$$
\frac{\partial L}{\partial W_{ik}}
= \frac{1}{m} \sum_{j=1}^{m} dZ_{ij}\, X_{kj}
= \frac{1}{m} \left(dZ\, X^\top\right)_{ik},
$$

a sum over examples that is again a single matrix product:
`dW = dZ @ X.T / m`, shape $(n_{out}, n_{in})$ like $W$.

**Biases.** $\partial Z_{ij} / \partial b_i = 1$ for every $j$, so

$$
\frac{\partial L}{\partial b_i} = \frac{1}{m} \sum_{j=1}^{m} dZ_{ij},
$$

the mean of row $i$ of $dZ$ over the examples: one number **per unit**,
`db = dZ.mean(axis=1, keepdims=True)`, shape $(n_{out}, 1)$ like $b$. The
seed instead wrote `np.sum(dZ) / m`, a single scalar summed over units *and*
examples, and gave that same number to every bias (see `primitive_nn.seed`).

**Inputs.** $X_{kj}$ feeds $Z_{ij}$ for every unit $i$, with
$\partial Z_{ij} / \partial X_{kj} = W_{ik}$, so

$$
dX_{kj} = \frac{\partial \ell_j}{\partial X_{kj}}
= \sum_{i=1}^{n_{out}} W_{ik}\, dZ_{ij} = \left(W^\top dZ\right)_{kj},
$$

which is `dX = W.T @ dZ`, shape $(n_{in}, m)$. No $\frac{1}{m}$ here: example
$j$'s input affects only example $j$'s loss, and $dX$ stays in the
per-example convention of the preface's table. In the network this layer is
layer $l$, its input $X$ is $A^{[l-1]}$, and $dX$ is $dA^{[l-1]}$, which
the layer below turns into its own $dZ^{[l-1]}$.
"""


def linear_forward(W, b, X):
    r"""Affine map of a batch of column examples: $Z = WX + b$.

    Parameters
    ----------
    W : ndarray of shape (n_out, n_in)
    b : ndarray of shape (n_out, 1)
    X : ndarray of shape (n_in, m)
        One example per column.

    Returns
    -------
    Z : ndarray of shape (n_out, m)

    Examples
    --------
    Two units, two inputs, three examples; $b$ is added to every column.

    >>> import numpy as np
    >>> W = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> b = np.array([[0.5], [-1.0]])
    >>> X = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
    >>> linear_forward(W, b, X)
    array([[ 1.5,  2.5,  3.5],
           [10. , 21. , 32. ]])
    """
    return W @ X + b  # (n_out, n_in) @ (n_in, m) + (n_out, 1) -> (n_out, m)


def linear_backward(dZ, X):
    r"""Gradients of the mean loss with respect to a layer's parameters.

    $$dW = \tfrac{1}{m}\, dZ\, X^\top, \qquad
    db = \tfrac{1}{m} \textstyle\sum_j dZ_{:,j}$$

    Parameters
    ----------
    dZ : ndarray of shape (n_out, m)
        Per-example gradients $\partial \ell_j / \partial Z_{:,j}$, one column each.
    X : ndarray of shape (n_in, m)
        The layer's input from the forward pass.

    Returns
    -------
    dW : ndarray of shape (n_out, n_in)
        $\partial L / \partial W$: a sum over the m examples, divided by m.
    db : ndarray of shape (n_out, 1)
        $\partial L / \partial b$: the mean of each row of dZ over the examples.

    Examples
    --------
    >>> import numpy as np
    >>> dZ = np.array([[1.0, 3.0], [0.0, -2.0]])
    >>> X = np.array([[1.0, 1.0], [2.0, 0.0]])
    >>> dW, db = linear_backward(dZ, X)
    >>> dW          # (dZ @ X.T) / 2
    array([[ 2.,  1.],
           [-1.,  0.]])
    >>> db          # row means of dZ: one value per unit, not one in all
    array([[ 2.],
           [-1.]])
    """
    m = dZ.shape[1]
    dW = dZ @ X.T / m                    # (n_out, m) @ (m, n_in) -> (n_out, n_in)
    db = dZ.mean(axis=1, keepdims=True)  # (n_out, m) -> (n_out, 1)
    return dW, db


def linear_backward_input(W, dZ):
    r"""Per-example gradients with respect to a layer's input: $dX = W^\top dZ$.

    The first layer never needs this (its input is the data), so it is kept
    apart from `linear_backward`: for MNIST it would cost as much as the
    forward product itself.

    Parameters
    ----------
    W : ndarray of shape (n_out, n_in)
    dZ : ndarray of shape (n_out, m)

    Returns
    -------
    dX : ndarray of shape (n_in, m)

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[1.0, 2.0]])            # one unit, two inputs
    >>> linear_backward_input(W, np.array([[1.0, -1.0]]))
    array([[ 1., -1.],
           [ 2., -2.]])
    """
    return W.T @ dZ  # (n_in, n_out) @ (n_out, m) -> (n_in, m)


def n_layers(params):
    """The depth $D$: the number of layers (weight matrices `W1` ... `WD`) in `params`.

    Examples
    --------
    >>> import numpy as np
    >>> n_layers({"W1": np.ones((3, 4)), "b1": np.ones((3, 1)), "W2": np.ones((2, 3)), "b2": np.ones((2, 1))})
    2
    """
    return sum(name.startswith("W") for name in params)
