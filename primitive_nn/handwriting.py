r"""Your own handwriting: how MNIST digits were made.

A network trained on MNIST has only ever seen MNIST digits. Every one of
them was prepared the same way: cut out, shrunk, and put in the same place.
Show the network a photo of a digit you wrote, prepared any other way, and it
sees something it was never taught to read. The usual cause of "it gets my
digit wrong" is not the network: it is an image that was not prepared the
way MNIST's digits were. This chapter rebuilds that preparation in NumPy,
step by step, so that any picture of a digit can be read by the book's
networks; `python -m primitive_nn.predict` and the book's "Try it" page run
exactly these steps.

# The recipe

MNIST's authors (LeCun, Cortes and Burges) describe it in three sentences.
The original digits from NIST were black and white. Each was
**size-normalized to fit in a 20×20 box while keeping its aspect ratio**,
and the normalization, which averages the pixels that fall into each new
one, left **grey levels** at the edges of the strokes (anti-aliasing). Then
each was **centred by its centre of mass** in a 28×28 field.

The data bears it out, and an exercise below checks it: in almost every
image the taller or wider side of the digit is exactly 20 pixels, and in
every test image the centre of mass lies within half a pixel of row 14,
column 14, counting from 0. So "centred" means: moved by a whole number of
pixels, the one that brings the centre of mass nearest to $(14, 14)$.

A picture of your own digit goes through the same steps, in this order:

| step | function | shape |
|---|---|---|
| decode the file | `read_image` | $(H, W, 4)$ bytes, RGBA |
| grey, paper white | `to_grey` | $(H, W)$ in $[0, 1]$ |
| ink, paper black | `to_ink` | $(H, W)$ in $[0, 1]$ |
| cut out the digit | `crop` | $(h, w)$ |
| fit into 20×20 | `size_normalize` | $(h', w')$, $\max(h', w') = 20$ |
| centre in 28×28 | `centre` | $(28, 28)$ |

`prepare` runs them all, and `image.reshape(784, 1)` makes the column $x$
the network takes, pixel $k$ at row $\lfloor k / 28 \rfloor$ and column
$k \bmod 28$, exactly as in `primitive_nn.data`.

# Grey

A decoded image has four channels, red, green, blue and alpha (opacity),
each a byte $0, \dots, 255$; scaled to $R, G, B, \alpha \in [0, 1]$. The
brightness a person sees is mostly green, less red, little blue (ITU-R
BT.601's weights, which Pillow and most software use), and a transparent
pixel shows the paper behind it, of grey $p$:

$$
g = \alpha\,(0.299 R + 0.587 G + 0.114 B) + (1 - \alpha)\,p .
$$

`grey = A * (RGB @ LUMA) + (1 - A) * paper`. The paper is white ($p = 1$),
except behind light ink drawn on nothing: a white digit saved on a
transparent canvas would vanish on white paper, so when the visible pixels
cover less than half the picture (they are the ink, not a sheet) and are
light on average, weighted by their opacity, the paper is black ($p = 0$)
(`paper_behind`). The values are taken as image files
store them (gamma-encoded), not converted to light intensities: the steps
below only need dark to stay darker than light.

# Ink

MNIST is white ink on black, 1 for ink and 0 for paper; people write dark
ink on light paper. Which one a picture is, we read from its **border**,
the pixels of the first and last row and column, which are nearly all
paper: if the median border pixel is lighter than mid-grey, the picture is
dark on light and we invert it, $v = 1 - g$. Now ink is bright.

A photo's paper is not exactly white, nor its ink black. So we stretch the
levels. Let $b$ be the median border pixel of $v$ (the paper) and
$p = \max v$ (the darkest ink). If $p - b$ is below `MIN_CONTRAST`, one
fifth of the grey scale, there is no ink to read: the image is **blank**,
and we say so rather than guess. Otherwise every pixel less than a quarter
of the way from paper to ink (`INK_LEVEL`) counts as paper, the darkest ink
becomes 1, and the rest fall linearly in between:

$$
t = b + \tfrac{1}{4}(p - b), \qquad
\text{ink} = \operatorname{clip}\!\left(\frac{v - t}{p - t},\, 0,\, 1\right).
$$

`ink = np.clip((v - t) / (p - t), 0.0, 1.0)`. Paper becomes exactly 0, as
MNIST's background is, and a little noise in the paper or a shadow fainter
than a quarter of the ink disappears with it.

# Crop

The digit is the **bounding box** of the ink: the first and last rows and
columns that hold any pixel above 0. `rows = np.flatnonzero(ink.any(axis=1))`
and the same for columns, then `ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]`.
Where the digit was on the page, and how big, no longer matters.

# Size-normalize: area averaging

The crop is $h \times w$ pixels. Its longer side becomes 20 and the shorter
one keeps the proportion, rounded half up and never below 1 pixel:

$$
(h', w') = \left(20,\ \max\!\left(1, \left\lfloor 20\,\tfrac{w}{h} + \tfrac12 \right\rfloor\right)\right)
\quad \text{if } h \ge w ,
$$

and the other way round if $w > h$. A thin "1" of $200 \times 30$ pixels
becomes $20 \times 3$.

To shrink, each new pixel takes the **mean of the old image over the area
it covers**, as the normalization of MNIST did: a stroke that half covers a
new pixel makes it half grey. Think of the old image as a function that is
constant on each unit square. Along one axis, $n$ old pixels become $n'$
new ones, each $s = n / n'$ old pixels wide: new pixel $i$ covers
$[i s, (i + 1) s)$, and old pixel $k$ covers $[k, k + 1)$. The weight of old
pixel $k$ in new pixel $i$ is the length of their overlap, divided by $s$
so that the weights of each new pixel add up to 1:

$$
R_{ik} = \frac{1}{s} \max\!\big(0,\ \min((i + 1) s,\, k + 1) - \max(i s,\, k)\big) .
$$

`R = np.clip(np.minimum(hi, k + 1) - np.maximum(lo, k), 0, None) / s`, an
$(n', n)$ matrix (`area_weights`). The same formula enlarges a crop smaller
than 20 pixels ($s < 1$): each new pixel then lies inside one old pixel, or
straddles two. Because a box is the product of its two sides, the 2-D mean
is a row mean and a column mean, one matrix each side:

$$
S = R^{(h)}\, \text{crop}\, R^{(w)\top}, \qquad
S_{ij} = \sum_{k, l} R^{(h)}_{ik}\, \text{crop}_{kl}\, R^{(w)}_{jl} ,
$$

`S = area_weights(h, h2) @ crop @ area_weights(w, w2).T`, of shape
$(h', w')$.

# Centre: by the centre of mass, to the nearest pixel

Treat the ink as mass. Its centre of mass has row and column

$$
\bar r = \frac{\sum_{r, c} r\, S_{rc}}{\sum_{r, c} S_{rc}}, \qquad
\bar c = \frac{\sum_{r, c} c\, S_{rc}}{\sum_{r, c} S_{rc}} ,
$$

`r_bar = S.sum(axis=1) @ np.arange(h2) / S.sum()`, and the same for the
columns. Pasted into an empty 28×28 field with its top-left corner at row
$\Delta r$ and column $\Delta c$, the centre lands at
$(\bar r + \Delta r, \bar c + \Delta c)$, so we take

$$
\Delta r = \operatorname{round}(14 - \bar r), \qquad
\Delta c = \operatorname{round}(14 - \bar c) ,
$$

whole pixels, as MNIST did, which leaves the centre within half a pixel of
$(14, 14)$. A pixel that would land outside the field is dropped.

**Pinning down the rounding.** The page's JavaScript must pick the same
pixel as NumPy, and "round" hides two traps. Languages break ties
differently: Python and NumPy round half to even (`round(2.5)` is 2),
JavaScript's `Math.round` rounds half up (`Math.round(2.5)` is 3). So we use
neither, and round half up with `floor`, $\lfloor x + \frac12 \rfloor$,
which both languages have. And a sum computed in a different order can
differ in the last bit. A symmetric drawing, 20 pixels tall, has its centre
of mass exactly at row 9.5 and needs a shift of exactly 4.5, a tie; one
program may compute 4.499999999999998 and the other 4.500000000000002,
and they end one pixel apart. So the shift is first rounded to the nearest
$1/1024$ of a pixel, which turns both into exactly 4.5, and only then half
up. A last-bit difference can now change the pixel only at an odd multiple
of $1/2048$, which nothing in a drawing singles out:

$$
q = \left\lfloor 1024\, x + \tfrac12 \right\rfloor, \qquad
\operatorname{round}(x) = \left\lfloor \frac{q + 512}{1024} \right\rfloor ,
$$

`(math.floor(1024 * x + 0.5) + 512) // 1024`, integer arithmetic after the
first floor (`pixel_shift`).

# Floats throughout

Every step computes in float64 on values in $[0, 1]$; nothing is rounded
to 8-bit levels between the steps. The only roundings are the two above,
both whole numbers of pixels, and both are written out. That is what lets
the JavaScript of the "Try it" page, which runs the same steps in the same
order with the same constants, agree with NumPy to far better than one grey
level in 255. NumPy adds long sums pairwise and JavaScript adds them one by
one, so the last bits differ; nothing else does.

# What happens without it

The figures below show a photo going through the steps, and the same
drawing centred and not centred, with the network's answer for each. A
network that has only seen centred digits (or, trained with augmentation,
digits a pixel or two from the centre) has never had to read a digit
anywhere else. Worse, some of its weights have never been trained at all:
a pixel near the corner is 0 in every training image, so its column of
$dW^{[1]} = \frac{1}{m} dZ^{[1]} X^\top$ is 0 at every step, and its weights
keep their random start. Ink that lands there is read through random
weights. Shifting MNIST's own test digits by a few pixels shows how quickly
the accuracy falls.

Examples
--------
A "1" drawn as a dark bar on white paper, far from the centre of a 60×40
picture:

>>> import numpy as np
>>> from primitive_nn.handwriting import prepare
>>> rgba = np.full((60, 40, 4), 255, dtype=np.uint8)
>>> rgba[5:45, 2:8, :3] = 0
>>> image = prepare(rgba)
>>> image.shape, float(image.max()), float(image.sum())
((28, 28), 1.0, 60.0)
>>> rows = np.flatnonzero(image.any(axis=1))  # the bar is 20 pixels tall now
>>> int(rows[0]), int(rows[-1])
(5, 24)
"""

import math

import numpy as np

from primitive_nn.errors import DataError

FIELD = 28           # MNIST's images are FIELD x FIELD pixels
BOX = 20             # the digit's longer side, in pixels
CENTRE = 14          # row and column (counted from 0) where the centre of mass lands
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601: grey from red, green, blue
MIN_CONTRAST = 0.2   # ink must differ from the paper by this much of the grey scale
INK_LEVEL = 0.25     # a pixel less than this fraction of the way from paper to ink is paper
SUBPIXEL = 1024      # shifts are rounded to 1/SUBPIXEL of a pixel before rounding half up


def read_image(path):
    r"""Decode a PNG or JPEG file into RGBA bytes, upright.

    Pillow decodes the file; nothing else in this chapter uses it. A photo's
    EXIF orientation tag, which phones write instead of turning the pixels,
    is applied, so the digit stands as it did on the screen. An image of
    several frames (an animation, a multi-page TIFF) is refused rather than
    read by one of them.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    rgba : ndarray of shape (H, W, 4), dtype uint8
        Red, green, blue and alpha, 0 to 255.

    Raises
    ------
    DataError
        If the file is missing, unreadable, not an image, damaged, or of
        several frames (which one would be the digit?).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "grey.png"
    ...     Image.new("L", (3, 2), 200).save(path)
    ...     rgba = read_image(path)
    >>> rgba.shape, rgba.dtype, rgba[0, 0].tolist()
    ((2, 3, 4), dtype('uint8'), [200, 200, 200, 255])
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                raise DataError(f"{path}: an image of {frames} frames (animated, or several "
                                "pages); save the one that shows the digit as a PNG or JPEG")
            image = _eight_bit(ImageOps.exif_transpose(image))
            return np.asarray(image.convert("RGBA"), dtype=np.uint8).copy()
    except Image.DecompressionBombError as exc:
        raise DataError(f"{path}: too large to read safely ({exc})") from exc
    except FileNotFoundError as exc:
        raise DataError(f"{path}: no such file; check the path") from exc
    except IsADirectoryError as exc:
        raise DataError(f"{path}: is a directory, not an image") from exc
    except UnidentifiedImageError as exc:
        raise DataError(f"{path}: not an image Pillow can read; use a PNG or JPEG file") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise DataError(f"{path}: cannot read this image ({exc})") from exc


def _eight_bit(image):
    """A 16-bit grey image scaled to 8 bits, which Pillow's RGBA conversion would clip instead."""
    from PIL import Image

    if image.mode not in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        return image
    values = np.asarray(image, dtype=np.float64)
    sixteen_bit = image.mode.startswith("I;16") or values.max() > 255  # mode "I" says no depth
    scale = 255 / 65535 if sixteen_bit else 1.0
    return Image.fromarray(np.clip(values * scale + 0.5, 0, 255).astype(np.uint8))


def paper_behind(rgba):
    r"""The grey $p$ a transparent pixel shows: 1 (white), or 0 behind light ink drawn on nothing.

    The visible pixels are taken for ink when their opacities add up to less
    than half the picture's area; the paper is then black if their mean
    grey, weighted by opacity, is above 0.5.

    Examples
    --------
    >>> import numpy as np
    >>> rgba = np.zeros((4, 4, 4), dtype=np.uint8)      # nothing ...
    >>> rgba[1:3, 1, :] = 255                           # ... but a white stroke
    >>> paper_behind(rgba)
    0.0
    >>> rgba[1:3, 1, :3] = 0                            # a black stroke
    >>> paper_behind(rgba)
    1.0
    """
    A = rgba[..., 3] / 255.0                                  # (H, W) opacity
    if not 0 < A.mean() < 0.5:                                # a sheet, or nothing at all
        return 1.0
    luma = (rgba[..., :3] / 255.0) @ LUMA                     # (H, W)
    return 0.0 if (A * luma).sum() / A.sum() > 0.5 else 1.0


def to_grey(rgba):
    r"""Grey levels: $g = \alpha(0.299 R + 0.587 G + 0.114 B) + (1 - \alpha)\,p$, $p$ from `paper_behind`.

    Parameters
    ----------
    rgba : ndarray of shape (H, W, 4), dtype uint8

    Returns
    -------
    grey : ndarray of shape (H, W), float64 in [0, 1]
        0 is black, 1 is white; a transparent pixel is the paper's grey.

    Examples
    --------
    Black, white, pure green, and a black pixel at half opacity, on white
    paper:

    >>> import numpy as np
    >>> rgba = np.array([[[0, 0, 0, 255], [255, 255, 255, 255],
    ...                   [0, 255, 0, 255], [0, 0, 0, 128]]], dtype=np.uint8)
    >>> to_grey(rgba).round(3).tolist()
    [[0.0, 1.0, 0.587, 0.498]]

    A white stroke on a transparent canvas stays visible, on black paper:

    >>> stroke = np.zeros((1, 4, 4), dtype=np.uint8)
    >>> stroke[0, 1] = 255
    >>> to_grey(stroke).round(3).tolist()
    [[0.0, 1.0, 0.0, 0.0]]
    """
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"to_grey needs an (H, W, 4) RGBA array, got shape {rgba.shape}")
    RGB, A = rgba[..., :3] / 255.0, rgba[..., 3] / 255.0   # (H, W, 3), (H, W)
    return A * (RGB @ LUMA) + (1.0 - A) * paper_behind(rgba)  # (H, W)


def border(image):
    r"""The pixels of the first and last row and column, each once.

    Parameters
    ----------
    image : ndarray of shape (H, W)

    Returns
    -------
    ndarray of shape (2H + 2W - 4,) when H, W >= 2

    Examples
    --------
    >>> import numpy as np
    >>> sorted(border(np.arange(12).reshape(3, 4)).tolist())
    [0, 1, 2, 3, 4, 7, 8, 9, 10, 11]
    """
    on_border = np.zeros(image.shape, dtype=bool)
    on_border[[0, -1], :] = True
    on_border[:, [0, -1]] = True
    return image[on_border]


def to_ink(grey):
    r"""Ink 1, paper 0: invert a dark-on-light picture, then stretch its levels.

    The picture is dark on light when the median of its `border` is above
    0.5; then $v = 1 - g$, else $v = g$. With $b$ the median border pixel of
    $v$ and $p = \max v$: $t = b + \frac14 (p - b)$ and
    $\text{ink} = \operatorname{clip}((v - t) / (p - t), 0, 1)$.

    Parameters
    ----------
    grey : ndarray of shape (H, W), floats in [0, 1]

    Returns
    -------
    ink : ndarray of shape (H, W), float64 in [0, 1]
        Exactly 0 on the paper, 1 at the darkest ink.

    Raises
    ------
    DataError
        If the image is blank: $p - b$ < `MIN_CONTRAST`.

    Examples
    --------
    Grey paper (0.8) with one dark stroke (0.2), and a faint smudge (0.75):

    >>> import numpy as np
    >>> grey = np.full((3, 5), 0.8)
    >>> grey[1, 1:3], grey[1, 3] = 0.2, 0.75
    >>> to_ink(grey).round(3).tolist()
    [[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]
    >>> to_ink(np.full((3, 5), 0.8))
    Traceback (most recent call last):
    ...
    primitive_nn.errors.DataError: blank image: no ink darker than the paper by at least 0.2 of the grey scale
    """
    grey = np.asarray(grey, dtype=np.float64)
    v = 1.0 - grey if np.median(border(grey)) > 0.5 else grey  # (H, W), ink bright
    b, p = np.median(border(v)), v.max()                       # paper level, darkest ink
    if not p - b >= MIN_CONTRAST:
        raise DataError(f"blank image: no ink darker than the paper by at least "
                        f"{MIN_CONTRAST:g} of the grey scale")
    t = b + INK_LEVEL * (p - b)                                # below t: paper
    return np.clip((v - t) / (p - t), 0.0, 1.0)                # (H, W)


def crop(ink):
    r"""Cut out the bounding box of the ink: the rows and columns with a pixel above 0.

    Parameters
    ----------
    ink : ndarray of shape (H, W), with at least one pixel above 0

    Returns
    -------
    ndarray of shape (h, w), a view into `ink`

    Examples
    --------
    >>> import numpy as np
    >>> ink = np.zeros((5, 6))
    >>> ink[1, 2], ink[3, 4] = 1.0, 0.5
    >>> crop(ink).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.5]]
    """
    rows = np.flatnonzero(ink.any(axis=1))  # rows holding ink
    cols = np.flatnonzero(ink.any(axis=0))  # columns holding ink
    if rows.size == 0:
        raise DataError("blank image: no ink to crop")
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def round_half_up(x):
    r"""$\lfloor x + \frac12 \rfloor$ as an int: 2.5 gives 3, -2.5 gives -2.

    Examples
    --------
    >>> [round_half_up(x) for x in (2.5, 2.4999, -2.5, -0.5)]
    [3, 2, -2, 0]
    """
    return math.floor(x + 0.5)


def box_size(h, w):
    r"""The size of an $h \times w$ crop fitted into the `BOX`: longer side 20, proportions kept.

    The shorter side is $\max(1, \lfloor 20 \cdot \text{short} / \text{long} + \frac12 \rfloor)$.

    Parameters
    ----------
    h, w : int
        The crop's height and width, at least 1.

    Returns
    -------
    (h2, w2) : tuple of int

    Examples
    --------
    >>> box_size(200, 30), box_size(10, 40), box_size(7, 7), box_size(100, 1)
    ((20, 3), (5, 20), (20, 20), (20, 1))
    """
    long = max(h, w)
    h2 = max(1, round_half_up(BOX * h / long))
    w2 = max(1, round_half_up(BOX * w / long))
    return h2, w2


def area_weights(n, n2):
    r"""The $(n', n)$ matrix of area averaging, from $n$ pixels to $n'$ along one axis.

    $$R_{ik} = \frac{1}{s} \max\big(0, \min((i + 1)s, k + 1) - \max(is, k)\big),
    \qquad s = n / n'.$$

    Each row sums to 1: a new pixel is a weighted mean of the old ones.

    Parameters
    ----------
    n, n2 : int
        Old and new number of pixels; either may be the larger.

    Returns
    -------
    R : ndarray of shape (n2, n), float64

    Examples
    --------
    Three pixels into two: the middle one is shared.

    >>> area_weights(3, 2).round(4).tolist()
    [[0.6667, 0.3333, 0.0], [0.0, 0.3333, 0.6667]]

    Two pixels into three: the middle new pixel straddles both.

    >>> area_weights(2, 3).round(4).tolist()
    [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]
    """
    s = n / n2                                    # old pixels per new pixel
    lo = np.arange(n2)[:, None] * s               # (n2, 1) where new pixel i starts
    hi = (np.arange(n2)[:, None] + 1) * s         # (n2, 1) where it ends
    k = np.arange(n)[None, :]                     # (1, n) old pixel k covers [k, k + 1)
    return np.clip(np.minimum(hi, k + 1) - np.maximum(lo, k), 0.0, None) / s  # (n2, n)


def size_normalize(image):
    r"""Fit a crop into the 20×20 box by area averaging: $S = R^{(h)}\, \text{crop}\, R^{(w)\top}$.

    Parameters
    ----------
    image : ndarray of shape (h, w)
        The cropped ink.

    Returns
    -------
    S : ndarray of shape (h2, w2)
        With `(h2, w2) = box_size(h, w)`.

    Examples
    --------
    A 4×2 block of ink becomes 20×10; a 2×2 checkerboard shrunk to one
    pixel is its mean.

    >>> import numpy as np
    >>> size_normalize(np.ones((4, 2))).shape
    (20, 10)
    >>> from primitive_nn.handwriting import area_weights
    >>> checker = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> (area_weights(2, 1) @ checker @ area_weights(2, 1).T).tolist()
    [[0.5]]
    """
    h, w = image.shape
    h2, w2 = box_size(h, w)
    return area_weights(h, h2) @ image @ area_weights(w, w2).T  # (h2, h) (h, w) (w, w2)


def centre_of_mass(image):
    r"""Row and column of the centre of mass, $\bar r = \sum r S_{rc} / \sum S_{rc}$, $\bar c$ alike.

    Parameters
    ----------
    image : ndarray of shape (h, w), not all zero

    Returns
    -------
    (r_bar, c_bar) : tuple of float
        Counted from 0 at the top-left pixel.

    Examples
    --------
    >>> import numpy as np
    >>> centre_of_mass(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 3.0]]))
    (0.75, 1.75)
    """
    h, w = image.shape
    mass = image.sum()
    r_bar = image.sum(axis=1) @ np.arange(h) / mass  # (h,) @ (h,)
    c_bar = image.sum(axis=0) @ np.arange(w) / mass  # (w,) @ (w,)
    return float(r_bar), float(c_bar)


def pixel_shift(x):
    r"""Round a shift to whole pixels the same way in every language.

    $q = \lfloor 1024 x + \frac12 \rfloor$, then $\lfloor (q + 512) / 1024 \rfloor$:
    round to 1/1024 of a pixel, then half up.

    Parameters
    ----------
    x : float

    Returns
    -------
    int

    Examples
    --------
    The two sides of 0.5 that two summation orders might give both round up:

    >>> pixel_shift(0.4999999999999999), pixel_shift(0.5000000000000001)
    (1, 1)
    >>> pixel_shift(0.499), pixel_shift(-1.5), pixel_shift(4.2)
    (0, -1, 4)
    """
    q = math.floor(SUBPIXEL * x + 0.5)                # whole 1/1024ths of a pixel
    return (q + SUBPIXEL // 2) // SUBPIXEL            # half up, in integers


def place(image, top, left):
    r"""Paste `image` into an empty `FIELD` × `FIELD` field at (top, left), dropping what falls off.

    Parameters
    ----------
    image : ndarray of shape (h, w)
    top, left : int
        Where the image's pixel (0, 0) goes; may be negative.

    Returns
    -------
    field : ndarray of shape (28, 28)

    Examples
    --------
    >>> import numpy as np
    >>> field = place(np.ones((2, 3)), 27, -1)
    >>> np.argwhere(field).tolist()
    [[27, 0], [27, 1]]
    """
    field = np.zeros((FIELD, FIELD))
    h, w = image.shape
    r0, r1 = max(top, 0), min(top + h, FIELD)     # rows of the field that receive the image
    c0, c1 = max(left, 0), min(left + w, FIELD)
    if r0 < r1 and c0 < c1:
        field[r0:r1, c0:c1] = image[r0 - top:r1 - top, c0 - left:c1 - left]
    return field


def centre(image):
    r"""Place the size-normalized digit so its centre of mass lands nearest to (14, 14).

    $\Delta r = \operatorname{round}(14 - \bar r)$,
    $\Delta c = \operatorname{round}(14 - \bar c)$, rounded by `pixel_shift`.

    Parameters
    ----------
    image : ndarray of shape (h, w), h, w <= 20

    Returns
    -------
    field : ndarray of shape (28, 28)

    Examples
    --------
    A single pixel lands exactly at (14, 14); a 2×2 block, whose centre is
    between pixels, has it rounded half up to (14.5, 14.5):

    >>> import numpy as np
    >>> from primitive_nn.handwriting import centre_of_mass
    >>> centre_of_mass(centre(np.ones((1, 1)))), centre_of_mass(centre(np.ones((2, 2))))
    ((14.0, 14.0), (14.5, 14.5))
    """
    r_bar, c_bar = centre_of_mass(image)
    return place(image, pixel_shift(CENTRE - r_bar), pixel_shift(CENTRE - c_bar))


def prepare(rgba):
    r"""Every step: RGBA picture to the 28×28 image a network trained on MNIST expects.

    `centre(size_normalize(crop(to_ink(to_grey(rgba)))))`. For the network's
    input column, `prepare(rgba).reshape(784, 1)`.

    Parameters
    ----------
    rgba : ndarray of shape (H, W, 4), dtype uint8

    Returns
    -------
    image : ndarray of shape (28, 28), float64 in [0, 1]
        Ink 1, paper 0; the digit's longer side is 20 pixels and its centre
        of mass is within half a pixel of (14, 14).

    Raises
    ------
    DataError
        If the picture is blank.

    Examples
    --------
    A white square with a black disc in its upper-left corner:

    >>> import numpy as np
    >>> from primitive_nn.handwriting import centre_of_mass
    >>> r, c = np.mgrid[:100, :100]
    >>> rgba = np.full((100, 100, 4), 255, dtype=np.uint8)
    >>> rgba[(r - 30) ** 2 + (c - 25) ** 2 < 15 ** 2, :3] = 0
    >>> image = prepare(rgba)
    >>> [round(x, 2) for x in centre_of_mass(image)]  # a tie, rounded half up
    [14.5, 14.5]
    """
    return centre(size_normalize(crop(to_ink(to_grey(rgba)))))
