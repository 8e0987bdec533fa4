r"""Pooling: a block of a feature map summed up in one number.

After a convolution and a ReLU, each of the $n_F$ feature maps says how
strongly one filter responded at each position (`primitive_nn.convolution`).
Neighbouring positions say much the same. *Pooling* replaces each $k \times
k$ block of a map by one number, its largest entry (*max pooling*) or its
mean (*average pooling*), so with $k = 2$ the maps lose three quarters of
their entries. The convnet of Part IV pools twice, $28 \to 14 \to 7$. That
does three things: the next convolution works on a quarter of the
positions, and costs a quarter as much; each of its windows sees twice as
far across the image; and, the subject of this chapter's measurement, the
pooled maps change less when the digit moves by a pixel.

The layout is the previous chapter's, examples × height × width × channels
(NHWC), and pooling acts on each channel of each example on its own. The
blocks do not overlap (the stride is $k$), and the height and width must be
multiples of $k$, as $28$ and $14$ are of 2.

# Max pooling, by a reshape

Block $(i, j)$ of channel $c$ holds the entries $X_{n,\, ki+u,\, kj+v,\, c}$
for $0 \le u, v < k$, and

$$
A_{n,i,j,c} = \max_{0 \le u, v < k} X_{n,\, ki+u,\, kj+v,\, c} .
\label{max-pool}
$$

Splitting the height axis of length $n_H$ into $(n_H / k, k)$ makes its
index $ki + u$ into the pair $(i, u)$, because row-major order counts $u$
fastest; the same for the width. So
`B = X.reshape(m, n_H // k, k, n_W // k, k, n_C)` has the block's rows on
axis 2 and its columns on axis 4 (`blocks`), and the pooling, [](#max-pool),
is `A = B.max(axis=(2, 4))`. The reshape of a contiguous array is a view,
so no number is copied, and no window view is needed: blocks that do not
overlap are a reshape, where the convolution's overlapping windows needed
`sliding_window_view`.

**By slices.** `max_pool` computes the same numbers another way. Fix an
offset $(u, v)$ within the block: `B[:, :, u, :, v]`, which is
`X[:, u::k, v::k]`, holds entry $(u, v)$ of every block at once, an array
of $A$'s shape. The max over a block is then the largest of these $k^2$
arrays, entry by entry, four of them at $k = 2$:
`functools.reduce(np.maximum, [B[:, :, u, :, v] for u, v in offsets(k)])`.
It reads every number once, as the reduction does, and yet on the
convnet's maps it takes a fraction of the reduction's time: NumPy reduces
over two axes that are not next to each other in many short inner loops,
each with its own overhead, where `np.maximum` of two arrays of the same
shape is one plain pass over them. `col2im` in the convolution chapter
adds the same kind of strided slices, one per kernel offset.

# Its gradient, and ties

Where one entry of a block is larger than the others, it alone is the max,
and small changes of the others leave $A$ unchanged: the derivative of
$A_{n,i,j,c}$ is 1 with respect to that entry, $(u^*, v^*)$, and 0 with
respect to the rest. Pooling has no parameters, and its input gradient is
per example, like every $dX$ of this book:

$$
dX_{n,\, ki+u,\, kj+v,\, c} =
\begin{cases} dA_{n,i,j,c} & (u, v) = (u^*, v^*) \\ 0 & \text{otherwise.} \end{cases}
\label{max-pool-gradient}
$$

The gradient is *routed*: each block's gradient goes to the position of its
max, and three quarters of $dX$ is zero at $k = 2$. In code
(`max_pool_backward`) the same slices serve again. Walking the $k^2$ offsets
in reading order, `here = unrouted & (B[:, :, u, :, v] == A)` marks the
blocks whose entry $(u, v)$ is their max and that have no gradient yet;
`dB[:, :, u, :, v] = dA * here` writes entry $(u, v)$ of every block of
$dX$, $dA$ where `here` holds and 0 elsewhere, through `dB = blocks(dX, k)`,
a view; and `unrouted &= ~here` closes the blocks just served. So each
block's $dA$ goes to exactly one entry, the first largest in reading
order: the entry `argmax` over the block would pick, found without first
copying the whole map to lay each block out along an axis of its own. The
comparison needs $A$; the convnet keeps it from the forward pass.

**Ties.** Where two or more entries of a block share the largest value the
max is not differentiable: raising one of them by $t$ raises the max by
$t$, lowering it changes nothing. Ties are common in a convnet: after a
ReLU, whole blocks are 0. The *first* largest entry in reading order
(row by row within the block) gets the whole gradient, as `argmax` would
choose. This is a valid *subgradient*. The max of numbers is a
convex function, and at a tie among the entries $T$ its subgradients are
exactly the vectors $g \ge 0$ that are zero outside $T$ and sum to 1: the
weightings of the tied entries. The first tied entry's unit vector is one
of them. Every such $g$ gives the right derivative in the one direction
along which the max is smooth, all tied entries moving together: raising
all of them by $t$ raises the max by $t$, and $\langle g, \mathbf{1}_T \rangle
= 1$. The tests check both: away from ties, every entry of
[](#max-pool-gradient) against central differences; at ties, the
gradient over a tied block against the derivative along all tied entries
at once.

In a convnet the choice matters little. A block of zeros after a ReLU
comes from pre-activations $z \le 0$, where the ReLU's derivative is 0
(this book takes $\operatorname{relu}'(0) = 0$), so whichever entry
receives the block's gradient, the ReLU below it passes nothing on. Ties at
a positive value come from windows that see the same input: on the blank
background every window holds only zeros and $Z = b_f$ at each of them, and
inside a thick stroke of saturated pixels the windows can be equal too.
Then the tied entries came from equal rows of the patch matrix, and the
convolution's $dW$ and $db$ come out the same whichever of them receives
the gradient; only which input pixel $dX$ reaches differs.

# Average pooling

$$
A_{n,i,j,c} = \frac{1}{k^2} \sum_{u=0}^{k-1} \sum_{v=0}^{k-1} X_{n,\, ki+u,\, kj+v,\, c} ,
$$

`X.reshape(m, n_H // k, k, n_W // k, k, n_C).mean(axis=(2, 4))`
(`average_pool`). It is linear, and every entry of a block enters its mean
with weight $1/k^2$, so the gradient spreads each block's $dA$ evenly:

$$
dX_{n,\, ki+u,\, kj+v,\, c} = \frac{1}{k^2}\, dA_{n,i,j,c} ,
$$

`np.broadcast_to(dA[:, :, None, :, None, :] / k**2, (m, n_H // k, k, n_W // k, k, n_C)).reshape(X.shape)`
(`average_pool_backward`): the forward reshape, read backwards. Average
pooling is a convolution too, with stride $k$ and a kernel of $1/k^2$ on
each channel alone (an exercise checks it). It has no ties and nothing to
choose, but it blurs: a thin stroke's response is divided among the four
entries of its block, where the max keeps it whole.

# A little tolerance to translation

A convolution at stride 1 is *equivariant*: move the digit one pixel to
the right, and every feature map moves one pixel to the right, unchanged
otherwise. The maps, compared entry by entry, have still changed a great
deal: a thin stroke's response now sits in the neighbouring column. Max
pooling forgives part of that. If the largest entry of a block moves within
the block, the block's max is the same number. A 1-pixel shift moves some
maxima within their blocks and some across a block's edge into the next
one, so some pooled entries stay exactly as they were. Pooling twice
forgives more: a block of the second pooling covers 4 by 4 pixels.

It is only a little. A shift by exactly $k$ pixels moves every block's
content into the next block, and the pooled map moves by exactly one entry
(an exercise shows it): every pooled entry has moved, as every entry of an
unpooled map does under a 1-pixel shift. The tolerance is to shifts smaller
than the block. And nothing here is learned: the network becomes tolerant to
the shifts it trains on only if pooling (and augmentation, in Part II) lets
it.

The page measures it on MNIST's test digits: the relative change
$\lVert f(\text{shifted } x) - f(x) \rVert / \lVert f(x) \rVert$ of the
pixels, of the feature maps of the previous chapter's hand-made filters
after a ReLU, and of those maps pooled once and twice (`translate`,
`relative_change`), and the share of the nonzero entries that a shift
leaves exactly as they were.
"""

import functools

import numpy as np


def blocks(X, k=2):
    r"""A view of X with each $k \times k$ block's rows on axis 2 and columns on axis 4.

    Parameters
    ----------
    X : ndarray of shape (m, n_H, n_W, n_C)
        `n_H` and `n_W` multiples of `k`.
    k : int

    Returns
    -------
    ndarray of shape (m, n_H // k, k, n_W // k, k, n_C)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(16).reshape(1, 4, 4, 1)
    >>> blocks(X)[0, 0, :, 1, :, 0]          # the top right block
    array([[2, 3],
           [6, 7]])
    """
    m, n_H, n_W, n_C = X.shape
    if n_H % k or n_W % k:
        raise ValueError(f"images of {n_H}x{n_W} do not split into {k}x{k} blocks; "
                         f"crop or pad them to multiples of {k}")
    return X.reshape(m, n_H // k, k, n_W // k, k, n_C)


def offsets(k):
    r"""The $k^2$ positions $(u, v)$ within a block, in reading order: row by row.

    Examples
    --------
    >>> offsets(2)
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    """
    return [(u, v) for u in range(k) for v in range(k)]


def max_pool(X, k=2):
    r"""Max pooling: $A_{n,i,j,c} = \max_{u,v} X_{n,\, ki+u,\, kj+v,\, c}$.

    Parameters
    ----------
    X : ndarray of shape (m, n_H, n_W, n_C)
    k : int
        The block's side, and the stride.

    Returns
    -------
    A : ndarray of shape (m, n_H // k, n_W // k, n_C)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(16).reshape(1, 4, 4, 1)
    >>> max_pool(X)[0, :, :, 0]
    array([[ 5,  7],
           [13, 15]])
    """
    B = blocks(X, k)                                    # (m, n_H // k, k, n_W // k, k, n_C)
    entries = [B[:, :, u, :, v] for u, v in offsets(k)]  # entry (u, v) of each block, (m, n_H // k, n_W // k, n_C)
    return functools.reduce(np.maximum, entries)        # their largest, block by block


def max_pool_backward(dA, X, k=2, A=None):
    r"""Max pooling's input gradient: each block's $dA$ routed to its max (at a tie, the first).

    $$dX_{n,\, ki+u,\, kj+v,\, c} = dA_{n,i,j,c}\, [(u, v) = (u^*, v^*)]$$

    Parameters
    ----------
    dA : ndarray of shape (m, n_H // k, n_W // k, n_C)
        Per-example gradients of the pooled maps.
    X : ndarray of shape (m, n_H, n_W, n_C)
        The input in the forward pass.
    k : int
    A : ndarray of shape (m, n_H // k, n_W // k, n_C), optional
        `max_pool(X, k)`, if the forward pass kept it; else it is computed here.

    Returns
    -------
    dX : ndarray of shape (m, n_H, n_W, n_C)
        Per example; one nonzero entry (at most) per block.

    Examples
    --------
    The second block has a tie at 0, as after a ReLU: its first entry gets
    the gradient.

    >>> import numpy as np
    >>> X = np.array([[1.0, 3.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0]]).reshape(1, 2, 4, 1)
    >>> max_pool_backward(np.array([10.0, 20.0]).reshape(1, 1, 2, 1), X)[0, :, :, 0]
    array([[ 0., 10., 20.,  0.],
           [ 0.,  0.,  0.,  0.]])
    """
    A = max_pool(X, k) if A is None else A              # (m, n_H // k, n_W // k, n_C)
    B = blocks(X, k)
    dX = np.empty(X.shape, dtype=dA.dtype)              # every entry is written below
    dB = blocks(dX, k)                                  # a view: writing dB writes dX
    unrouted = np.ones(dA.shape, dtype=bool)            # blocks still waiting for their gradient
    for u, v in offsets(k):                             # in reading order, so the first max wins
        here = unrouted & (B[:, :, u, :, v] == A)       # (m, n_H // k, n_W // k, n_C)
        dB[:, :, u, :, v] = dA * here
        unrouted &= ~here
    return dX


def average_pool(X, k=2):
    r"""Average pooling: $A_{n,i,j,c} = \frac{1}{k^2} \sum_{u,v} X_{n,\, ki+u,\, kj+v,\, c}$.

    Parameters
    ----------
    X : ndarray of shape (m, n_H, n_W, n_C)
    k : int

    Returns
    -------
    A : ndarray of shape (m, n_H // k, n_W // k, n_C)

    Examples
    --------
    >>> import numpy as np
    >>> average_pool(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    return blocks(X, k).mean(axis=(2, 4))


def average_pool_backward(dA, k=2):
    r"""Average pooling's input gradient: $dX_{n,\, ki+u,\, kj+v,\, c} = dA_{n,i,j,c} / k^2$.

    Parameters
    ----------
    dA : ndarray of shape (m, n_H // k, n_W // k, n_C)
    k : int

    Returns
    -------
    dX : ndarray of shape (m, n_H, n_W, n_C)
        Per example.

    Examples
    --------
    >>> import numpy as np
    >>> average_pool_backward(np.array([4.0, 8.0]).reshape(1, 1, 2, 1))[0, :, :, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    m, o_H, o_W, n_C = dA.shape
    spread = np.broadcast_to(dA[:, :, None, :, None, :] / k ** 2, (m, o_H, k, o_W, k, n_C))
    return spread.reshape(m, o_H * k, o_W * k, n_C)     # the forward reshape, read backwards


def translate(X, down, right):
    r"""The images moved `down` rows and `right` columns (negative: up, left), zeros coming in.

    Parameters
    ----------
    X : ndarray of shape (m, n_H, n_W, n_C)
    down, right : int

    Returns
    -------
    ndarray shaped like X
        Entry $(r, c)$ is $X$'s entry $(r - \text{down}, c - \text{right})$, or 0 off the image.

    Examples
    --------
    >>> import numpy as np
    >>> translate(np.arange(1, 10).reshape(1, 3, 3, 1), 0, 1)[0, :, :, 0]
    array([[0, 1, 2],
           [0, 4, 5],
           [0, 7, 8]])
    """
    out = np.zeros_like(X)
    n_H, n_W = X.shape[1:3]
    out[:, max(down, 0):n_H + min(down, 0), max(right, 0):n_W + min(right, 0)] = \
        X[:, max(-down, 0):n_H - max(down, 0), max(-right, 0):n_W - max(right, 0)]
    return out


def relative_change(new, old):
    r"""Per example, $\lVert \text{new}_n - \text{old}_n \rVert / \lVert \text{old}_n \rVert$.

    Parameters
    ----------
    new, old : ndarray of the same shape (m, ...)
        `old` with no example all zero.

    Returns
    -------
    ndarray of shape (m,)
        Each norm is taken over all of one example's entries.

    Examples
    --------
    >>> import numpy as np
    >>> relative_change(np.array([[3.0, 4.0], [1.0, 1.0]]), np.array([[0.0, 4.0], [1.0, 1.0]]))
    array([0.75, 0.  ])
    """
    m = len(old)
    return (np.linalg.norm((new - old).reshape(m, -1), axis=1)
            / np.linalg.norm(old.reshape(m, -1), axis=1))
