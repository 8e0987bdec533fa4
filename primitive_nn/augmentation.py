r"""Augmentation: more training digits, made from the ones we have.

A digit moved two pixels to the left is still the same digit, and so is one
turned by a few degrees or written a little larger. A person knows that; an
MLP does not. Its first layer gives every pixel position its own weight, so
a 7 drawn one column further right excites a different set of weights, and
the network must learn from examples that both are sevens. (A convolutional
network builds this one invariance into its architecture; this book's
networks do not, which is why augmentation is worth trying on them.)

So every time a training image is used, we show it slightly changed: a
random transformation that keeps its label. The network never sees the same
picture twice, and it learns what the transformations leave unchanged. The
dev and test images are never augmented: they measure the network on
digits as they come.

# Random shifts

Pad each $28 \times 28$ image with $s$ rows and columns of zeros on every
side, then cut a $28 \times 28$ window at a random offset
$(\delta_r, \delta_c) \in \{0, \dots, 2s\}^2$: output pixel $(r, c)$ is input
pixel $(r + \delta_r - s,\ c + \delta_c - s)$, or 0 off the edge.
`random_shift` does it for a whole batch at once with one fancy index. It
moves no pixel by a fraction, so nothing is interpolated: the shifted image
is exactly the original, moved. Shifted digits are not like MNIST's own:
those were centred by their centre of mass, and nearly all of them sit
within half a pixel of the field's centre (the handwriting chapter counts
them), so a 2-pixel shift puts a digit where almost no real one sits. The
reason to shift anyway is the one above: an MLP has no tolerance for
translation, and a digit centred a little differently, as a reader's own
may be, is a new pattern to it. Shifting costs no ink: the digits were scaled to
fit a $20 \times 20$ box, which leaves a margin of about 4 pixels on every
side of the $28 \times 28$ field, and a shift of up to 2 pixels crops
nothing there.

# Rotations and scaling: an affine warp

A rotation by $\theta$ and a scaling by $\sigma$ about the image centre
$c = (13.5, 13.5)$, followed by a shift $t$, send a point $p$ to
$\sigma R_\theta (p - c) + c + t$. To fill output pixel $q$ we need the
inverse: the source point

$$
p = \frac{1}{\sigma} R_{-\theta} (q - c - t) + c ,
$$

which lands between pixels. *Bilinear interpolation* blends the four pixels
around it: with $p = (r_0 + f_r,\ c_0 + f_c)$, $r_0, c_0$ whole numbers and
$0 \le f_r, f_c < 1$,

$$
I(p) = (1 - f_r)(1 - f_c)\, I_{r_0 c_0} + (1 - f_r) f_c\, I_{r_0, c_0 + 1}
+ f_r (1 - f_c)\, I_{r_0 + 1, c_0} + f_r f_c\, I_{r_0 + 1, c_0 + 1} ,
$$

with pixels outside the image taken as 0 (`random_affine`). Each image of
the batch draws its own $\theta$, $\sigma$ and $t$.

# Elastic distortions

Shifts, turns and scalings move the whole digit rigidly. A hand does more:
strokes bend, loops open, a 7's bar wanders a little. Simard et al. (2003)
imitate that with an *elastic distortion*: every pixel moves by its own
small amount, and neighbouring pixels move nearly alike, so the digit bends
without tearing.

Draw a displacement for every output pixel, rows and columns apart, uniform
in $[-1, 1]$: two $28 \times 28$ fields $U_r, U_c$. On their own they are
noise, each pixel pulled its own way, which would shred the digit. Smooth
each field with a Gaussian of width $\sigma$ pixels,

$$
\tilde U[i, j] = \sum_{k, l} g(i - k)\, g(j - l)\, U[k, l] ,
\qquad g(d) = \frac{e^{-d^2 / 2\sigma^2}}{\sum_{d'} e^{-d'^2 / 2\sigma^2}} ,
$$

then scale by $\alpha$ pixels: output pixel $q$ takes its value from
$q + \alpha (\tilde U_r[q], \tilde U_c[q])$, by the same bilinear
interpolation as the affine warp, 0 off the image. Smoothing makes
neighbours move alike; $\alpha$ sets how far. With $\sigma$ small the
field stays noise; with $\sigma$ large it averages out to almost nothing,
a near-rigid shift; Simard's values for MNIST are $\sigma = 4$ and
$\alpha = 34$, which move pixels by a pixel or two (the exercise counts).

The Gaussian is *separable*: the double sum smooths along columns, then
along rows. Written with the $28 \times 28$ matrix $G_{ik} = g(i - k)$
(pixels beyond the image count as 0, so $G$ is just the kernel laid along
each row), smoothing is two matrix products,

$$
\tilde U = G\, U\, G^\top ,
$$

and NumPy's `@` does it for a whole batch of fields at once
(`gaussian_matrix`, `smooth_field`); `displace` samples each image at
$q + \alpha \tilde U[q]$, and `random_elastic` draws the fields and does
both. Elastic distortions need no rotation
or scaling of their own; a recipe adds them after its `augment`
(`--elastic`, the $\alpha$; `with_elastic`).
"""

import numpy as np

SIDE = 28  # MNIST images are SIDE x SIDE
SIGMA = 4.0  # the elastic fields' smoothing, in pixels: Simard et al.'s for MNIST


def random_shift(X, rng, max_shift=2):
    r"""Shift each column's image by a random whole number of pixels, at most `max_shift` each way.

    Parameters
    ----------
    X : ndarray of shape (784, b)
        Images as columns.
    rng : numpy.random.Generator
    max_shift : int
        $s$: each offset is drawn uniformly from $-s \dots s$, rows and columns apart.

    Returns
    -------
    ndarray of shape (784, b)
        The shifted images, zero where the shift uncovered the border.

    Examples
    --------
    A single lit pixel lands within 2 pixels of where it was:

    >>> import numpy as np
    >>> X = np.zeros((784, 1)); X[14 * 28 + 14] = 1.0
    >>> out = random_shift(X, np.random.default_rng(0))
    >>> r, c = divmod(int(out.argmax()), 28)
    >>> float(out.sum()), abs(r - 14) <= 2 and abs(c - 14) <= 2
    (1.0, True)
    """
    s, b = max_shift, X.shape[1]
    padded = np.zeros((b, SIDE + 2 * s, SIDE + 2 * s), X.dtype)           # (b, 28 + 2s, 28 + 2s)
    padded[:, s:s + SIDE, s:s + SIDE] = X.T.reshape(b, SIDE, SIDE)
    dr, dc = rng.integers(0, 2 * s + 1, (2, b))                           # offsets of the windows
    rows = (dr[:, None] + np.arange(SIDE))[:, :, None]                    # (b, 28, 1)
    cols = (dc[:, None] + np.arange(SIDE))[:, None, :]                    # (b, 1, 28)
    windows = padded[np.arange(b)[:, None, None], rows, cols]             # (b, 28, 28)
    return windows.reshape(b, SIDE * SIDE).T


def bilinear(images, r, c):
    r"""Sample each image at fractional positions, blending the four nearest pixels; 0 outside.

    Parameters
    ----------
    images : ndarray of shape (b, 28, 28)
    r, c : ndarray of shape (b, 28, 28)
        Source row and column, in pixels, for every output pixel.

    Returns
    -------
    ndarray of shape (b, 28, 28)

    Examples
    --------
    Halfway between a 1 and a 0, and a whole pixel off the image:

    >>> import numpy as np
    >>> image = np.zeros((1, 28, 28)); image[0, 0, 0] = 1.0
    >>> r = np.zeros((1, 28, 28)); c = np.zeros((1, 28, 28))
    >>> c[0, 0, 1], r[0, 0, 2], c[0, 0, 2] = 0.5, -1.0, 0.0
    >>> bilinear(image, r, c)[0, 0, :3].tolist()
    [1.0, 0.5, 0.0]
    """
    b = images.shape[0]
    padded = np.zeros((b, SIDE + 2, SIDE + 2), images.dtype)   # a frame of zeros for "outside"
    padded[:, 1:-1, 1:-1] = images
    r, c = np.clip(r + 1, 0, SIDE + 1), np.clip(c + 1, 0, SIDE + 1)
    r0, c0 = np.minimum(np.floor(r), SIDE).astype(int), np.minimum(np.floor(c), SIDE).astype(int)
    fr, fc = (r - r0).astype(images.dtype), (c - c0).astype(images.dtype)
    n = np.arange(b)[:, None, None]
    top = (1 - fc) * padded[n, r0, c0] + fc * padded[n, r0, c0 + 1]
    bottom = (1 - fc) * padded[n, r0 + 1, c0] + fc * padded[n, r0 + 1, c0 + 1]
    return (1 - fr) * top + fr * bottom


def random_affine(X, rng, degrees=10.0, scale=0.1, max_shift=2.0):
    r"""Rotate, scale and shift each column's image at random, with bilinear interpolation.

    Parameters
    ----------
    X : ndarray of shape (784, b)
    rng : numpy.random.Generator
    degrees : float
        $\theta$ is drawn uniformly from $[-\text{degrees}, \text{degrees}]$.
    scale : float
        $\sigma$ from $[1 - \text{scale}, 1 + \text{scale}]$.
    max_shift : float
        Each coordinate of $t$ from $[-\text{max\_shift}, \text{max\_shift}]$.

    Returns
    -------
    ndarray of shape (784, b)

    Examples
    --------
    With every range set to 0 the warp is the identity:

    >>> import numpy as np
    >>> X = np.random.default_rng(1).random((784, 3))
    >>> bool(np.allclose(random_affine(X, np.random.default_rng(0), 0, 0, 0), X))
    True
    """
    b = X.shape[1]
    theta = np.deg2rad(rng.uniform(-degrees, degrees, b))[:, None, None]   # (b, 1, 1)
    sigma = rng.uniform(1 - scale, 1 + scale, b)[:, None, None]
    t_r, t_c = rng.uniform(-max_shift, max_shift, (2, b))[:, :, None, None]
    centre = (SIDE - 1) / 2
    q_r, q_c = np.mgrid[0:SIDE, 0:SIDE] - centre                          # (28, 28) each
    u_r, u_c = q_r - t_r, q_c - t_c                                       # q - c - t
    cos, sin = np.cos(theta), np.sin(theta)
    r = (cos * u_r + sin * u_c) / sigma + centre                         # R_{-theta} (q - c - t) / sigma + c
    c = (-sin * u_r + cos * u_c) / sigma + centre
    warped = bilinear(X.T.reshape(b, SIDE, SIDE), r, c)
    return warped.reshape(b, SIDE * SIDE).T.astype(X.dtype, copy=False)


def gaussian_matrix(sigma, n=SIDE):
    r"""The matrix $G$ that smooths a length-`n` signal with a Gaussian of width `sigma`: $G u = g * u$.

    $G_{ik} = g(i - k)$, the kernel normalized to sum to 1 over every whole
    offset; values beyond the signal count as 0.

    Parameters
    ----------
    sigma : float
        The Gaussian's standard deviation, in pixels.
    n : int

    Returns
    -------
    ndarray of shape (n, n)

    Examples
    --------
    Away from the edges each row sums to 1; a constant signal stays constant there:

    >>> import numpy as np
    >>> G = gaussian_matrix(1.0)
    >>> round(float(G[14].sum()), 6), round(float((G @ np.ones(28))[14]), 6)
    (1.0, 1.0)
    """
    offsets = np.arange(n)[:, None] - np.arange(n)                   # i - k, (n, n)
    whole = np.arange(-(n - 1), n)                                   # every offset there is
    return np.exp(-offsets ** 2 / (2 * sigma ** 2)) / np.exp(-whole ** 2 / (2 * sigma ** 2)).sum()


def smooth_field(U, alpha, sigma=SIGMA):
    r"""The displacement $\alpha\, G U G^\top$: each random field smoothed by a Gaussian, then scaled.

    Parameters
    ----------
    U : ndarray of shape (..., 28, 28)
        Fields of uniform noise, any number of them, rows and columns apart.
    alpha : float
        $\alpha$, in pixels.
    sigma : float
        $\sigma$: the Gaussian's width, in pixels.

    Returns
    -------
    ndarray of U's shape

    Examples
    --------
    A constant field stays constant away from the edges, scaled by $\alpha$:

    >>> import numpy as np
    >>> float(smooth_field(np.ones((28, 28)), alpha=2.0, sigma=1.0)[14, 14].round(6))
    2.0
    """
    G = gaussian_matrix(sigma)
    return alpha * (G @ U @ G.T)                                     # alpha G U G^T


def displace(images, d_r, d_c):
    r"""Each output pixel $q$ of each image takes the value at $q + d[q]$, bilinearly; 0 off the image.

    Parameters
    ----------
    images : ndarray of shape (b, 28, 28)
    d_r, d_c : ndarray of shape (b, 28, 28)
        The displacement of every pixel, rows and columns, in pixels.

    Returns
    -------
    ndarray of shape (b, 28, 28)

    Examples
    --------
    A displacement of one column everywhere moves the digit one pixel left:

    >>> import numpy as np
    >>> image = np.zeros((1, 28, 28)); image[0, 5, 5] = 1.0
    >>> moved = displace(image, np.zeros((1, 28, 28)), np.ones((1, 28, 28)))
    >>> [idx.tolist() for idx in np.nonzero(moved[0])]
    [[5], [4]]
    """
    q_r, q_c = np.mgrid[0:SIDE, 0:SIDE]                              # every output pixel q
    return bilinear(images, q_r + d_r, q_c + d_c)


def random_elastic(X, rng, alpha=34.0, sigma=SIGMA):
    r"""Distort each column's image by its own smoothed random displacement field (Simard et al.).

    Parameters
    ----------
    X : ndarray of shape (784, b)
    rng : numpy.random.Generator
    alpha : float
        $\alpha$: the smoothed fields are scaled by it, in pixels.
    sigma : float
        $\sigma$: the Gaussian's width, in pixels.

    Returns
    -------
    ndarray of shape (784, b)

    Examples
    --------
    With $\alpha = 0$ no pixel moves:

    >>> import numpy as np
    >>> X = np.random.default_rng(1).random((784, 2))
    >>> bool(np.allclose(random_elastic(X, np.random.default_rng(0), alpha=0), X))
    True
    """
    b = X.shape[1]
    U = rng.uniform(-1, 1, (2, b, SIDE, SIDE))                       # U_r, U_c for every image
    d_r, d_c = smooth_field(U, alpha, sigma)                         # (b, 28, 28) each
    warped = displace(X.T.reshape(b, SIDE, SIDE), d_r, d_c)
    return warped.reshape(b, SIDE * SIDE).T.astype(X.dtype, copy=False)


def with_elastic(augment, alpha, sigma=SIGMA):
    r"""`augment` (an augmentation or None), followed by elastic distortions of size `alpha`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((784, 1)); X[14 * 28 + 14] = 1.0
    >>> out = with_elastic(random_shift, 34.0)(X, np.random.default_rng(0))
    >>> out.shape, bool(out.sum() > 0)
    ((784, 1), True)
    """
    def augment_then_distort(X, rng):
        return random_elastic(X if augment is None else augment(X, rng), rng, alpha, sigma)
    return augment_then_distort


AUGMENTATIONS = {"none": None, "shift": random_shift, "affine": random_affine}
