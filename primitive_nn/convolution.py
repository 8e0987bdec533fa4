r"""Convolution as a matrix product.

The first layer of every network in Parts I and II gives each pixel its own
weight in each unit. A unit that has learned to see a stroke in the top left
corner knows nothing about the same stroke two pixels lower; the network
must learn it again, from other examples, for every place a stroke can be.
A convolution layer slides one small set of weights over every position of
the image instead, so a detector learned anywhere applies everywhere. Part
IV builds a small convolutional network, the one below, from the same
linear algebra as Part I:

```text
conv 5x5, 16 filters, 'same' -> ReLU -> max-pool 2
conv 5x5, 32 filters, 'same' -> ReLU -> max-pool 2 -> dense 128 -> ReLU -> dense 10
```

This chapter is its convolution, forward and backward, written as one
matrix product; the next chapter (`primitive_nn.pooling`) is its pooling.

# The layout: examples, height, width, channels

An MLP's input is a column of 784 numbers; a convolution needs to know which
pixels are neighbours, so its input keeps the image's two axes. Part IV
stores a batch of images as an array of shape $(m, n_H, n_W, n_C)$:
examples, height, width and channels, in that order (NHWC, "channels
last"). A grey MNIST digit has one channel, $n_C = 1$; after a layer with
$n_F$ filters there are $n_F$ channels, one feature map per filter. The
MLP's $X$, of shape $(784, m)$ with one image per column, read row by row,
becomes images with `X.T.reshape(m, 28, 28, 1)` (`as_images`).

Channels go last because it makes the code short, as the sections below
show: the patch matrix is one reshape of a view of the input, the matrix
product's output is already in the same layout, and a bias with one entry per
filter, shape $(n_F,)$, broadcasts along the last axis, which is where
NumPy lines up a flat vector. (Many libraries put channels first, NCHW;
then a transpose is needed before the product and another after.)

# Cross-correlation and convolution

Take one channel and one filter: an image $x$ and a small kernel $w$ of
$k_H \times k_W$ weights. The layer lays the kernel over the image with its
top-left corner at pixel $(i, j)$, multiplies the overlapping numbers and
adds them up:

$$
z_{ij} = \sum_{u=0}^{k_H - 1} \sum_{v=0}^{k_W - 1} x_{i+u,\, j+v}\, w_{uv} + b .
$$

That is a *cross-correlation*. The *convolution* of signal processing
subtracts the kernel's index instead, $\sum_{u,v} x_{i-u,\, j-v}\, w_{uv}$,
which is the cross-correlation with the kernel turned by 180 degrees,
`w[::-1, ::-1]`. The layers that deep-learning libraries call convolutions
(`Conv2d`, `conv2d`) compute the cross-correlation, and so does this book.
Nothing is lost: the kernel is learned, and a network that needed the
turned kernel would learn that one. The turn comes back in the backward
pass, below.

# Padding, stride and the output size

A $k \times k$ kernel fits in $n - k + 1$ positions along a side of $n$
pixels, so each layer would shrink the image. *Padding* adds $p$ rows and
columns of zeros on every side first (`pad`). The *stride* $s$ moves the
kernel $s$ pixels at a time. Along each axis the kernel's first row sits at
$0, s, 2s, \dots$ as long as it still fits in the padded $n + 2p$ pixels:

$$
o = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1 ,
\label{conv-output-size}
$$

`(n + 2 * p - k) // s + 1` (`output_size`). With an odd $k$, *'same'*
padding is $p = (k - 1)/2$: at stride 1 the output has the input's size,
28 by 28 for a 5 by 5 kernel with $p = 2$; at stride $s$ it has
$\lceil n / s \rceil$ positions. *'valid'* means $p = 0$: only positions
where the kernel lies entirely on the image.

# Channels and filters

A layer has $n_F$ filters. Each filter has a kernel for every one of the
$n_C$ input channels, and adds up over all of them: a filter is a block of
$k_H \times k_W \times n_C$ weights, shaped like the window of the input it
lies on, `Xp[n, i:i + k_H, j:j + k_W, :]`. So the weights form an array $W$
of shape $(n_F, k_H, k_W, n_C)$, rows, columns and channels in the images'
order, and the bias $b$ has one number per filter, shape $(n_F,)$. With
$X^p$ the padded input, example $n$'s output at position $(i, j)$ in
channel $f$ is

$$
Z_{n,i,j,f} = b_f + \sum_{u=0}^{k_H - 1} \sum_{v=0}^{k_W - 1} \sum_{c=0}^{n_C - 1}
X^p_{n,\, si+u,\, sj+v,\, c}\; W_{f,u,v,c} ,
\label{conv-forward}
$$

the window times the filter, entry by entry, summed, and $Z$ has shape
$(m, o_H, o_W, n_F)$. The first axis of $W$ is the output, as in the MLP's
$W$ of shape $(n_\text{out}, n_\text{in})$: row $f$ of `W.reshape(n_F, -1)`
holds filter $f$'s $k_H k_W n_C$ weights, ordered by row, then column, then
channel of the kernel. (PyTorch stores the same weights as
$(n_F, n_C, k_H, k_W)$, channels first like its images; the numbers are the
same, in another order.)

# The patch matrix

Four nested sums over a six-index array look like loops. They are one
matrix product once each window of the input is copied into a row of its
own. Number the windows $r = (n, i, j)$, example by example and row by row,
and their entries $q = (u, v, c)$, in the filters' order; the *patch
matrix* (im2col) is

$$
P_{(n,i,j),\,(u,v,c)} = X^p_{n,\, si+u,\, sj+v,\, c} ,
$$

of shape $(m\, o_H o_W,\ k_H k_W n_C)$. NumPy builds it without a loop.
`sliding_window_view(Xp, (k_H, k_W, n_C), axis=(1, 2, 3))` slides a block of
a filter's shape over the height, width and channel axes of `Xp`; it fits
once along the channels, so the result has shape
$(m, n_H + 2p - k_H + 1, n_W + 2p - k_W + 1, 1, k_H, k_W, n_C)$, and its
entry $[n, i, j, 0, u, v, c]$ is `Xp[n, i + u, j + v, c]`: a view, no number
copied, since it only repeats `Xp`'s strides. Slicing `[:, ::s, ::s, 0]`
keeps every $s$-th window and drops the axis of length 1. Its first three
axes are exactly the rows' $(n, i, j)$ and its last three the columns'
$(u, v, c)$, so one reshape,
`P = V.reshape(m * o_H * o_W, k_H * k_W * n_C)`, makes the patch matrix
(`patches`).

**The order of a window's entries.** Any order of the columns would do, as
long as the filters' weights are flattened in the same one. This one is
the order of the window's numbers in memory, and that makes the copy fast.
In NHWC the $k_W n_C$ numbers of one row of a window,
`Xp[n, i + u, j:j + k_W, :]`, lie side by side, so the reshape copies each
window as $k_H$ runs of $k_W n_C$ contiguous numbers, 80 at a time in the
second convolution. In the order $(c, u, v)$, neighbouring columns of $P$ would
be $n_C$ numbers apart in `Xp`, and the reshape would fetch them one at a
time. With channels first, NCHW, the order $(c, u, v)$ is the fast one and
the window view $(m, n_C, o_H, o_W, k_H, k_W)$ would need its channel axis
moved behind $o_H$ and $o_W$ before any reshape.

Then the sums of [](#conv-forward) are rows of $P$ times filters, all at
once:

$$
Z_\text{mat} = P\, W_\text{mat}^\top + b ,
$$

`Z = (P @ W.reshape(n_F, -1).T + b).reshape(m, o_H, o_W, n_F)`
(`conv_forward`). The product's $m\, o_H o_W$ rows come out in the order
$(n, i, j)$ and its $n_F$ columns are the channels, so the reshape gives $Z$
in the NHWC layout with nothing moved. Read with examples as columns, as
the MLP does, $Z_\text{mat}^\top = W_\text{mat} P^\top + b$ is a dense
layer $Z = WX + b$ whose "examples" are the windows: every position of every
image is one more input to the same weights.

**Memory.** The reshape copies: a pixel lies in up to
$\lceil k_H / s \rceil \lceil k_W / s \rceil$ windows, and the patch
matrix holds one copy per window. At stride 1 with 'same' padding it holds
$k_H k_W$ numbers per input number, 25 for a 5 by 5 kernel; the page's
numbers below say what that is for a batch.
(This is the price of the method. Libraries that convolve without a patch
matrix avoid it, at the cost of code this book does not write.)

**Cost.** Each entry of $Z$ is a dot product of length $k_H k_W n_C$, so one
example costs

$$
o_H\, o_W\, n_F\, n_C\, k_H\, k_W
$$

multiply-adds, the product $P W_\text{mat}^\top$'s share of that example.

# Weight sharing

A dense layer from a $28 \times 28$ image to 16 maps of $28 \times 28$
would need a weight for every pair of input pixel and output entry. The
convolution uses $16 \cdot 25$ weights and 16 biases for all of them: each
filter's weights are *shared* by every position. That buys two things. The
layer has few parameters to learn, and what it learns at one place it
applies at every place: at stride 1, shift the input by a pixel (away from
the border) and $Z$ shifts by the same pixel, which is called
*equivariance*. It costs
compute: every weight is used at every position, so the parameter count no
longer tells the cost. The counts for the convnet above, layer by layer,
are what `layer_costs` computes, and the measured section of this chapter
sets them beside Part II's MLPs.

# The backward pass

The layer receives the gradient of each example's own loss with respect to
its output, as every layer of Part I does (`primitive_nn.layers`):
$dZ_{n,i,j,f} = \partial \ell_n / \partial Z_{n,i,j,f}$, of $Z$'s shape
$(m, o_H, o_W, n_F)$. The mean over the $m$ examples goes into the
parameter gradients only.

**Weights.** $W_{f,u,v,c}$ enters every $Z_{n,i,j,f}$, at every position
and in every example, with
$\partial Z_{n,i,j,f} / \partial W_{f,u,v,c} = X^p_{n,\,si+u,\,sj+v,\,c}$.
The chain rule adds all these uses:

$$
\frac{\partial L}{\partial W_{f,u,v,c}}
= \frac{1}{m} \sum_{n} \sum_{i,j} dZ_{n,i,j,f}\, X^p_{n,\, si+u,\, sj+v,\, c}
= \frac{1}{m} \left( dZ_\text{mat}^\top P \right)_{f,\,(u,v,c)} ,
\label{conv-dw}
$$

a cross-correlation of the inputs with the output gradients: the output
gradient is slid over the input the way the kernel was. In code,
`dW = (dZ.reshape(-1, n_F).T @ P / m).reshape(W.shape)`: the dense layer's
$dW = \frac{1}{m} dZ\, X^\top$ with windows for columns. Positions are
summed, examples averaged: every position's $Z$ is part of the same
example's loss.

**Biases.** $b_f$ enters every entry of channel $f$ with derivative 1:

$$
\frac{\partial L}{\partial b_f} = \frac{1}{m} \sum_{n} \sum_{i,j} dZ_{n,i,j,f} ,
$$

`db = dZ.sum(axis=(0, 1, 2)) / m`.

**Inputs.** Backward through the product first: the gradient of each
patch entry is $dP = dZ_\text{mat} W_\text{mat}$,
`dP = dZ.reshape(-1, n_F) @ W.reshape(n_F, -1)`, shape
$(m\, o_H o_W,\ k_H k_W n_C)$, with no $\frac{1}{m}$ (it is per example, as
the dense layer's $dX = W^\top dZ$ is). Each patch entry is a copy of one
input pixel, and a number used several times receives the sum of its
uses' gradients:

$$
dX^p_{n,a,b,c} = \sum_{\substack{i,u:\; si+u=a \\ j,v:\; sj+v=b}} dP_{(n,i,j),\,(u,v,c)} .
\label{conv-dx}
$$

`col2im` adds them back, one kernel offset $(u, v)$ at a time: the windows'
entries $(u, v)$ sit at rows $u, u+s, \dots$ and columns $v, v+s, \dots$ of
the padded input, so
`dXp[:, u:u + s * o_H:s, v:v + s * o_W:s, :] += dP6[:, :, :, u, v]`, for
each of the $k_H k_W$ offsets, with `dP6` the patch gradients reshaped to
the window view's shape. Cutting the padding away,
`dXp[:, p:p + n_H, p:p + n_W, :]`, gives $dX$. `col2im` is the *adjoint*
of `patches`: for any arrays of the right shapes,
$\langle \text{patches}(x), y \rangle = \langle x, \text{col2im}(y) \rangle$,
as the transpose of any linear map must be.

`conv_backward` never holds all of $dP$. The columns of $dP$ that belong to
one offset, $(u, v, c)$ for every channel $c$, are
$dZ_\text{mat} W_{:,u,v,:}$, of shape $(m\, o_H o_W,\ n_C)$, so it makes
them one offset at a time, each just before its add:
`dXp[:, u:u + s * o_H:s, v:v + s * o_W:s, :] += (dZ_mat @ W[:, u, v, :]).reshape(m, o_H, o_W, n_C)`
(`input_gradient`). The sums are the same; what changes is the memory.
Whole, $dP$ is $k_H k_W$ times the input's size, written by one product
and then read again by the adds, $n_C$ numbers out of every $k_H k_W n_C$
at a time; made one offset at a time, each block is $1/(k_H k_W)$ of that,
small enough to be usually still in the processor's cache when it is
added, and it comes out of its product already in $dX$'s layout.

**The flipped kernel.** At stride 1, write $i = a - u$ in
[](#conv-dx) with $dP$ expanded:

$$
dX^p_{n,a,b,c} = \sum_{f} \sum_{u,v} dZ_{n,\, a-u,\, b-v,\, f}\; W_{f,u,v,c} ,
$$

with $dZ$ taken as 0 outside its range. The index of $dZ$ *subtracts* the
kernel's: this is a true convolution of the output gradients with the
kernels, over every position where they overlap at all (a "full"
convolution). As a cross-correlation, the layer's own operation, it is
$dZ$ padded with $k - 1$ zeros on every side, correlated with kernels
turned by 180 degrees and with input and output channels swapped,
`W[:, ::-1, ::-1, :].transpose(3, 1, 2, 0)`. The backward pass of a
convolution is a convolution: the chapter's third exercise checks it.

Together the backward pass costs two products the size of the forward
one, $dW$ and $dP$, as the dense layer's does; `conv_backward` returns all
three gradients (`filter_gradients` the first two, `input_gradient` the
third, for a caller that needs them apart). It makes the patch matrix from
$X$ again unless it is handed the forward pass's: one more copy, against
holding $k_H k_W$ times the input in memory between the passes. The
convnet (`primitive_nn.convnet`), on batches of 64 digits, keeps it.

# Checking it

`tests/test_convolution.py` compares `conv_forward` with four nested loops
that follow [](#conv-forward) literally, checks the adjoint identity on
random arrays, and checks $dW$, $db$ and $dX$ against central differences
in float64, by `primitive_nn.gradcheck`'s element-wise relative error, at
strides 1 to 3, with 'same', 'valid' and numeric padding, odd image and
kernel sizes, a kernel that is not square, and several channels and filters.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# The convolutional network, layer by layer, for `layer_costs`:
# ("conv", kernel side, filters) with 'same' padding and stride 1,
# ("pool", side), ("dense", units), ("relu",).
CONVNET = (("conv", 5, 16), ("relu",), ("pool", 2), ("conv", 5, 32), ("relu",), ("pool", 2),
           ("dense", 128), ("relu",), ("dense", 10))


def as_images(X, side=28):
    r"""The MLP's columns as NHWC images: $(n_H n_W, m) \to (m, n_H, n_W, 1)$.

    Parameters
    ----------
    X : ndarray of shape (side * side, m)
        One image per column, its pixels row by row (`primitive_nn.data`).
    side : int
        The images' height and width.

    Returns
    -------
    ndarray of shape (m, side, side, 1)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(8).reshape(4, 2)      # two 2x2 images, one per column
    >>> as_images(X, side=2)[1, :, :, 0]    # the second column, row by row
    array([[1, 3],
           [5, 7]])
    """
    m = X.shape[1]
    return X.T.reshape(m, side, side, 1)  # (m, n_H * n_W) -> (m, n_H, n_W, n_C = 1)


def padding_width(k, padding):
    r"""The zeros $p$ added on each side for a kernel of side $k$: 'same', 'valid' or a number.

    'same' is $p = (k - 1)/2$, for an odd $k$; 'valid' is $p = 0$.

    Examples
    --------
    >>> padding_width(5, "same"), padding_width(5, "valid"), padding_width(5, 1)
    (2, 0, 1)
    """
    if padding == "same":
        if k % 2 == 0:
            raise ValueError(f"'same' padding needs an odd kernel side, not {k}; pad by a number")
        return (k - 1) // 2
    if padding == "valid":
        return 0
    if isinstance(padding, (int, np.integer)) and padding >= 0:
        return int(padding)
    raise ValueError(f"padding is 'same', 'valid' or a whole number of pixels, not {padding!r}")


def output_size(n, k, stride=1, p=0):
    r"""Positions of a kernel along one axis: $o = \lfloor (n + 2p - k)/s \rfloor + 1$.

    Parameters
    ----------
    n : int
        The input's side, in pixels.
    k : int
        The kernel's side.
    stride : int
        $s$, the step between positions.
    p : int
        Zeros added on each side.

    Returns
    -------
    int

    Examples
    --------
    >>> output_size(28, 5, p=2), output_size(28, 5), output_size(28, 5, stride=2, p=2)
    (28, 24, 14)
    """
    if n + 2 * p < k:
        raise ValueError(f"a kernel of side {k} does not fit in {n} pixels padded by {p}")
    return (n + 2 * p - k) // stride + 1


def pad(X, p):
    r"""$X^p$: $p$ rows and columns of zeros on every side of each image.

    Parameters
    ----------
    X : ndarray of shape (m, n_H, n_W, n_C)
    p : int

    Returns
    -------
    ndarray of shape (m, n_H + 2p, n_W + 2p, n_C)
        A new array; `X` itself when $p = 0$.

    Examples
    --------
    >>> import numpy as np
    >>> pad(np.ones((1, 2, 2, 1)), 1)[0, :, :, 0]
    array([[0., 0., 0., 0.],
           [0., 1., 1., 0.],
           [0., 1., 1., 0.],
           [0., 0., 0., 0.]])
    """
    return np.pad(X, ((0, 0), (p, p), (p, p), (0, 0))) if p else X


def patches(X, kh, kw, stride=1, p=0):
    r"""The patch matrix (im2col): $P_{(n,i,j),(u,v,c)} = X^p_{n,\, si+u,\, sj+v,\, c}$.

    One row per window, in the order example, output row, output column;
    one column per window entry, in the order kernel row, kernel column,
    channel (the order of a filter's weights in `W.reshape(n_F, -1)`, and
    of the window's numbers in memory).

    Parameters
    ----------
    X : ndarray of shape (m, n_H, n_W, n_C)
    kh, kw : int
        The kernel's height and width.
    stride : int
    p : int
        Zeros added on each side.

    Returns
    -------
    P : ndarray of shape (m * o_H * o_W, kh * kw * n_C)
        A new array of X's dtype (`output_size` gives o_H and o_W).

    Examples
    --------
    A 3x3 image, 2x2 windows, stride 1: four windows, read row by row.

    >>> import numpy as np
    >>> X = np.arange(9).reshape(1, 3, 3, 1)
    >>> patches(X, 2, 2)
    array([[0, 1, 3, 4],
           [1, 2, 4, 5],
           [3, 4, 6, 7],
           [4, 5, 7, 8]])
    """
    m, n_H, n_W, n_C = X.shape
    o_H, o_W = output_size(n_H, kh, stride, p), output_size(n_W, kw, stride, p)
    V = sliding_window_view(pad(X, p), (kh, kw, n_C), axis=(1, 2, 3))[:, ::stride, ::stride, 0]
    # V: (m, o_H, o_W, kh, kw, n_C), a view of X^p; the reshape copies it into rows
    return V.reshape(m * o_H * o_W, kh * kw * n_C)


def col2im(dP, X_shape, kh, kw, stride=1, p=0):
    r"""The adjoint of `patches`: each window entry's gradient added back to its pixel.

    $$dX^p_{n,a,b,c} = \sum_{si+u=a,\; sj+v=b} dP_{(n,i,j),(u,v,c)}$$

    done as $k_H k_W$ strided adds, one per kernel offset $(u, v)$; then the
    padding is cut away.

    Parameters
    ----------
    dP : ndarray of shape (m * o_H * o_W, kh * kw * n_C)
    X_shape : tuple
        $(m, n_H, n_W, n_C)$, the shape of the input `patches` read.
    kh, kw, stride, p : int
        As in `patches`.

    Returns
    -------
    dX : ndarray of shape X_shape

    Examples
    --------
    All ones in: each pixel receives the number of windows that hold it.

    >>> import numpy as np
    >>> col2im(np.ones((4, 4)), (1, 3, 3, 1), 2, 2)[0, :, :, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    m, n_H, n_W, n_C = X_shape
    o_H, o_W = output_size(n_H, kh, stride, p), output_size(n_W, kw, stride, p)
    dP6 = dP.reshape(m, o_H, o_W, kh, kw, n_C)               # the window view's shape
    dXp = np.zeros((m, n_H + 2 * p, n_W + 2 * p, n_C), dtype=dP.dtype)
    for u in range(kh):
        for v in range(kw):                                 # every window's entry (u, v) at once
            dXp[:, u:u + stride * o_H:stride, v:v + stride * o_W:stride, :] += dP6[:, :, :, u, v]
    return dXp[:, p:p + n_H, p:p + n_W, :]


def input_gradient(dZ, W, X_shape, stride=1, padding="same"):
    r"""$dX = \text{col2im}(dZ_\text{mat} W_\text{mat})$, with $dP$ made one kernel offset at a time.

    The columns of $dP$ for offset $(u, v)$ are $dZ_\text{mat} W_{:,u,v,:}$;
    each block is added where `col2im` adds it, and $dP$ is never held whole.

    Parameters
    ----------
    dZ : ndarray of shape (m, o_H, o_W, n_F)
    W : ndarray of shape (n_F, kh, kw, n_C)
    X_shape : tuple
        $(m, n_H, n_W, n_C)$, the layer's input's shape.
    stride, padding
        As in `conv_forward`.

    Returns
    -------
    dX : ndarray of shape X_shape
        Per example: no $1/m$.

    Examples
    --------
    `col2im`'s example, with $dZ$ and $W$ all ones: four windows of a 3x3
    image, each pixel receiving the number of windows that hold it.

    >>> import numpy as np
    >>> input_gradient(np.ones((1, 2, 2, 1)), np.ones((1, 2, 2, 1)), (1, 3, 3, 1), padding="valid")[0, :, :, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    m, n_H, n_W, n_C = X_shape
    _, o_H, o_W, n_F = dZ.shape
    p = _padding(W, padding)
    dZ_mat = dZ.reshape(-1, n_F)                                   # (m * o_H * o_W, n_F)
    dXp = np.zeros((m, n_H + 2 * p, n_W + 2 * p, n_C), dtype=np.result_type(dZ, W))
    for u in range(W.shape[1]):
        for v in range(W.shape[2]):                               # dP's columns (u, v, c), all c
            dP_uv = (dZ_mat @ W[:, u, v, :]).reshape(m, o_H, o_W, n_C)
            dXp[:, u:u + stride * o_H:stride, v:v + stride * o_W:stride, :] += dP_uv
    return dXp[:, p:p + n_H, p:p + n_W, :]


def _check_shapes(X, W, b):
    """Raise a ValueError that names the shapes, unless X, W and b fit together."""
    if X.ndim != 4:
        raise ValueError(f"X has shape {X.shape}; a convolution takes images (m, n_H, n_W, n_C): "
                         "turn the MLP's columns into images with as_images(X)")
    if W.ndim != 4 or W.shape[3] != X.shape[3] or b.shape != (W.shape[0],):
        raise ValueError(f"W {W.shape} and b {b.shape} do not fit X {X.shape}: W needs the shape "
                         f"(n_F, k_H, k_W, {X.shape[3]}) and b the shape (n_F,)")


def _padding(W, padding):
    """The padding p of kernels W: one width for both axes, so 'same' needs a square kernel."""
    kh, kw = W.shape[1:3]
    if padding == "same" and kh != kw:
        raise ValueError(f"'same' padding needs a square kernel, not {kh}x{kw}; pad by a number")
    return padding_width(kh, padding)


def conv_forward(X, W, b, stride=1, padding="same", P=None):
    r"""A convolution layer (a cross-correlation, as in every library): $Z = P\, W_\text{mat}^\top + b$.

    $$Z_{n,i,j,f} = b_f + \sum_{u,v,c} X^p_{n,\, si+u,\, sj+v,\, c}\, W_{f,u,v,c}$$

    Parameters
    ----------
    X : ndarray of shape (m, n_H, n_W, n_C)
    W : ndarray of shape (n_F, kh, kw, n_C)
        One filter per first index, each shaped like a window of X.
    b : ndarray of shape (n_F,)
    stride : int
    padding : 'same', 'valid' or int
    P : ndarray of shape (m * o_H * o_W, kh * kw * n_C), optional
        X's patch matrix, if the caller has made it (`patches`); else it is made here.

    Returns
    -------
    Z : ndarray of shape (m, o_H, o_W, n_F)

    Examples
    --------
    A kernel that reads the pixel to the right of each position ('same'
    padding: the last column finds a zero):

    >>> import numpy as np
    >>> X = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> W = np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]], float).reshape(1, 3, 3, 1)
    >>> conv_forward(X, W, np.zeros(1))[0, :, :, 0]
    array([[1., 2., 0.],
           [4., 5., 0.],
           [7., 8., 0.]])
    """
    _check_shapes(X, W, b)
    m, n_H, n_W, _ = X.shape
    n_F, kh, kw, _ = W.shape
    p = _padding(W, padding)
    o_H, o_W = output_size(n_H, kh, stride, p), output_size(n_W, kw, stride, p)
    P = patches(X, kh, kw, stride, p) if P is None else P   # (m * o_H * o_W, kh * kw * n_C)
    Z = P @ W.reshape(n_F, -1).T + b           # (m * o_H * o_W, n_F): one row per window
    return Z.reshape(m, o_H, o_W, n_F)


def filter_gradients(dZ, P, W):
    r"""$dW$ and $db$ of a convolution, from its output gradients and its input's patch matrix.

    $$dW_\text{mat} = \tfrac{1}{m}\, dZ_\text{mat}^\top P, \qquad
    db_f = \tfrac{1}{m} \textstyle\sum_{n,i,j} dZ_{n,i,j,f}$$

    Parameters
    ----------
    dZ : ndarray of shape (m, o_H, o_W, n_F)
        Per-example gradients.
    P : ndarray of shape (m * o_H * o_W, kh * kw * n_C)
        The patch matrix of the layer's input (`patches`).
    W : ndarray of shape (n_F, kh, kw, n_C)
        Only its shape is read.

    Returns
    -------
    dW : ndarray of shape (n_F, kh, kw, n_C)
    db : ndarray of shape (n_F,)

    Examples
    --------
    >>> import numpy as np
    >>> dW, db = filter_gradients(np.ones((2, 1, 1, 1)), np.array([[1.0], [3.0]]), np.zeros((1, 1, 1, 1)))
    >>> dW.ravel(), db                       # the mean over the two examples of dZ * x, and of dZ
    (array([2.]), array([1.]))
    """
    m, n_F = dZ.shape[0], W.shape[0]
    dZ_mat = dZ.reshape(-1, n_F)                                   # (m * o_H * o_W, n_F)
    dW = (dZ_mat.T @ P / m).reshape(W.shape)                       # (n_F, kh * kw * n_C) -> W's shape
    db = dZ_mat.sum(axis=0) / m                                    # (n_F,)
    return dW, db


def conv_backward(dZ, X, W, stride=1, padding="same", P=None):
    r"""Gradients of a convolution layer: $dX$ per example, $dW$ and $db$ of the mean loss.

    $$dW_\text{mat} = \tfrac{1}{m}\, dZ_\text{mat}^\top P, \qquad
    db_f = \tfrac{1}{m} \textstyle\sum_{n,i,j} dZ_{n,i,j,f}, \qquad
    dX = \text{col2im}(dZ_\text{mat} W_\text{mat})$$

    Parameters
    ----------
    dZ : ndarray of shape (m, o_H, o_W, n_F)
        Per-example gradients $\partial \ell_n / \partial Z_n$.
    X : ndarray of shape (m, n_H, n_W, n_C)
        The layer's input in the forward pass.
    W : ndarray of shape (n_F, kh, kw, n_C)
    stride, padding
        As in `conv_forward`.
    P : ndarray, optional
        X's patch matrix, if the forward pass kept it; else it is made again here.

    Returns
    -------
    dX : ndarray of shape (m, n_H, n_W, n_C)
        $\partial \ell_n / \partial X_n$ for each example: no $1/m$.
    dW : ndarray of shape (n_F, kh, kw, n_C)
        $\partial L / \partial W$: summed over positions, averaged over examples.
    db : ndarray of shape (n_F,)
        $\partial L / \partial b$.

    Examples
    --------
    One 2x2 image, one 1x1 kernel of weight 3: each pixel's gradient is
    3 times its output's, and the weight's is the mean over the (one)
    example of the sum over positions of input times output gradient.

    >>> import numpy as np
    >>> X = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1)
    >>> dZ = np.ones((1, 2, 2, 1))
    >>> dX, dW, db = conv_backward(dZ, X, np.full((1, 1, 1, 1), 3.0))
    >>> dX[0, :, :, 0], dW.ravel(), db
    (array([[3., 3.],
           [3., 3.]]), array([10.]), array([4.]))
    """
    if P is None:
        P = patches(X, *W.shape[1:3], stride, _padding(W, padding))  # (m * o_H * o_W, kh * kw * n_C)
    dW, db = filter_gradients(dZ, P, W)
    return input_gradient(dZ, W, X.shape, stride, padding), dW, db


def layer_costs(layers=CONVNET, shape=(28, 28, 1)):
    r"""Each layer's output shape, parameters and multiply-adds per example; patch entries for convolutions.

    A convolution ('same', stride 1, $k \times k$, $n_F$ filters) on
    $(n_H, n_W, n_C)$ has $n_F (n_C k^2 + 1)$ parameters, costs
    $n_H n_W n_F n_C k^2$ multiply-adds and copies $n_H n_W n_C k^2$ numbers
    into its patch matrix; a dense layer of $n$ units on $n_\text{in}$
    numbers has $n (n_\text{in} + 1)$ parameters and costs $n\, n_\text{in}$;
    pooling by $k$ divides height and width by $k$.

    Parameters
    ----------
    layers : sequence of tuple
        As `CONVNET`.
    shape : tuple of int
        One example's $(n_H, n_W, n_C)$.

    Returns
    -------
    list of dict
        Per layer: `layer`, `shape` (its output's), `params`,
        `multiply_adds` and `patch_entries`.

    Examples
    --------
    >>> costs = layer_costs()
    >>> costs[0]["shape"], costs[0]["params"], costs[0]["multiply_adds"], costs[0]["patch_entries"]
    ((28, 28, 16), 416, 313600, 19600)
    >>> sum(c["params"] for c in costs)
    215370
    """
    costs = []
    for layer in layers:
        n_H, n_W, n_C = shape
        params = madds = entries = 0
        if layer[0] == "conv":
            _, k, n_F = layer
            entries = n_H * n_W * n_C * k * k                       # one row of P per position
            shape, params, madds = (n_H, n_W, n_F), n_F * (n_C * k * k + 1), entries * n_F
        elif layer[0] == "pool":
            shape = (n_H // layer[1], n_W // layer[1], n_C)
        elif layer[0] == "dense":
            n_in = n_H * n_W * n_C
            shape, params, madds = (1, 1, layer[1]), layer[1] * (n_in + 1), layer[1] * n_in
        costs.append({"layer": layer, "shape": shape, "params": params, "multiply_adds": madds,
                      "patch_entries": entries})
    return costs


def hand_made_kernels():
    r"""Four 3x3 kernels for one grey channel, shape (4, 3, 3, 1): three edge detectors and a blur.

    The first two are Sobel's: a vertical edge (positive where the image
    holds more ink on its left than on its right) and a horizontal one (more
    ink above); then a diagonal edge, and the mean of the nine pixels. Each edge kernel's
    entries sum to 0, so it gives 0 on a flat patch; each is scaled to
    give 1 across a step from 0 to 1.

    Examples
    --------
    >>> K = hand_made_kernels()
    >>> K.shape, round(float(K[0].sum()), 12), round(float(K[3].sum()), 12)
    ((4, 3, 3, 1), 0.0, 1.0)
    """
    vertical = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]]) / 4
    diagonal = np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]]) / 4
    return np.stack([vertical, vertical.T, diagonal, np.full((3, 3), 1 / 9)])[..., None]
