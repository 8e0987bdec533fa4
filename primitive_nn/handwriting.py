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

A photo adds what MNIST's scans never had: paper that is not white, light
that is not even, specks, ruled lines, a second digit. So a picture of your
own digit goes through more steps than the recipe's three, in this order:

| step | function | shape |
|---|---|---|
| decode the file, reduced | `read_image` | $(H, W, 4)$ bytes, RGBA |
| grey, paper white | `to_grey` | $(H, W)$ in $[0, 1]$ |
| at most 1024 a side | `shrink` | $(H', W')$ |
| ink bright, paper flat at 0 | `flatten` | $(H', W')$ |
| ink 1, paper 0 | `to_ink` | $(H', W')$ in $[0, 1]$ |
| ruled lines erased | `unrule` | $(H', W')$ |
| cut out the digit's own ink | `crop` | $(h, w)$ |
| fit into 20×20 | `size_normalize` | $(h_2, w_2)$, $\max(h_2, w_2) = 20$ |
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

# Large pictures

A phone's photo has 12 or 48 million pixels; the digit will be 20 pixels
tall. Every step below takes time in proportion to the area, and NumPy's
float64 arrays take 8 bytes a pixel each, so a picture more than
`MAX_SIDE` = 1024 pixels a side is first reduced by the whole factor

$$
f = \left\lceil \frac{\max(H, W)}{1024} \right\rceil ,
$$

each $f \times f$ block becoming its mean (`shrink`:
`grey[:h * f, :w * f].reshape(h, f, w, f).mean(axis=(1, 3))`). A file is
reduced while it is decoded, before it is ever a NumPy array (`read_image`):
a JPEG is decoded straight at a half, a quarter or an eighth of its size,
and Pillow takes the block means of the rest, so a 48-megapixel photo never
exists in memory at full size. How much the reduction can change the
28×28 image is measured in the book's page of this chapter.

# Flattening the paper

Light falls unevenly on a page: one corner of a photo can be a third darker
than the other, darker than a light pencil stroke is in the bright corner.
One threshold for the whole picture then reads the dark corner as ink.
What matters is not how dark a pixel is, but how much darker than the
paper around it.

First, which way round: MNIST is white ink on black, people write dark ink
on light paper. Which one a picture is, we read from its **border**, the
pixels of the first and last row and column, which are nearly all paper: if
the median border pixel is lighter than mid-grey, the picture is dark on
light and we invert it, $v = 1 - g$. Now ink is bright.

Then we estimate the paper under the ink, the level $v$ would have if the
ink were lifted off, and subtract it. The paper changes slowly; a stroke
is narrow. Take at each pixel the **minimum** of $v$ over the $k \times k$
square around it: if $k$ is wider than any stroke, every square reaches
paper, and the ink is gone, but the result is the darkest paper nearby,
a little too dark near a change in the light. Then take the **maximum**
over the same squares, which brings the paper back up to its own level:

$$
P = \max_{k \times k}\Big(\min_{k \times k} v\Big), \qquad f = v - P \ge 0 .
$$

`f = v - sliding(sliding(v, k, np.min), k, np.max)` (`paper_level`,
`flatten`). This is a morphological **opening**, and $v - P$ its
"top-hat", a standard correction for uneven light in image processing
(Gonzalez and Woods's *Digital Image Processing*, on morphology). A minimum over a square
is a minimum over rows of minima over columns, so each takes $2k$ values a
pixel, not $k^2$. The square is `window`: a quarter of the picture's
shorter side, wider than any stroke of a digit that fits in the picture.
A region of ink wider than $k$ (a blot, a solid bar) keeps some of its
middle as "paper"; a digit's strokes are not that wide.

# A threshold relative to the ink

Now the paper is near 0 everywhere, and ink is its contrast with the paper
around it. Let $b$ be the median border pixel of $f$ (the paper, about 0)
and $p = \max f$ (the darkest ink). If $p - b$ is below `MIN_CONTRAST`, a
tenth of the grey scale, there is no ink to read: the image is **blank**,
and we say so rather than guess. Otherwise every pixel less than 35% of
the way from paper to the darkest ink (`INK_LEVEL`) is paper:

$$
t = b + 0.35\,(p - b) .
$$

The threshold is relative: the same fraction of the contrast whether the
ink is a felt pen on white or a pencil on grey. MNIST's strokes are 1 in
their core, and a photo's ink is grainy, so the levels are stretched so
that a typical stroke pixel becomes 1: with $q$ the median of the pixels
above $t$,

$$
\text{ink} = \operatorname{clip}\!\left(\frac{f - t}{q - t},\, 0,\, 1\right),
$$

`ink = np.clip((f - t) / (q - t), 0.0, 1.0)` (`to_ink`). Paper becomes
exactly 0, as MNIST's background is, and the pixels between $t$ and $q$,
at the edges of the strokes, stay grey.

# Ruled lines

A line ruled across the page runs off the picture at both ends and is only
a pixel or two thick. A row belongs to one when its first and last pixels
are ink, at least two thirds of it is ink (`RULE_COVER`), and the band of
such rows is at most 3% of the picture's height thick (`RULE_THIN`):
thinner than a stroke, longer than a digit. A fine-pen stroke as long as
the picture, the stem of a tightly cropped 1, does not reach both edges
and stays. Its
rows are erased, and the same for lines ruled down, on the transpose
(`rule_rows`, `unrule`). Where the line crossed the digit, the stroke loses
those rows and is cut in two, which the next step mends. A lighter rule,
fainter than 35% of the ink, never became ink at all. A rule tilted by
more than its own thickness across the picture is not a band of rows, and
stays: straighten such a photo first.

# Crop: the digit's own ink

Cropping to every inked pixel lets one speck in a corner decide the box,
and the digit shrinks to a fraction of it. So we crop to the digit's own
ink. The ink falls apart into **connected pieces**: pixels that touch, side
or corner (`components`). In each row the ink is a few runs of pixels
(`runs`); a run touches a run in the row above when their columns overlap
or meet at a corner, $\text{start}_i \le \text{stop}_j$ and
$\text{start}_j \le \text{stop}_i$ (`stop` one past the last column).
Touching runs are joined by union-find: each run points towards a run of
its piece, and following the pointers ends at the piece's first run, its
name. This visits each run once and each pair of touching runs once.

A digit is not always one piece: a 5's bar is often lifted off, a 4 can be
open, a pencil line breaks. So the digit is grown (`digit_pieces`). It
starts as the piece of largest area. A piece is a **speck** when its
longer side is less than a tenth (`SPECK`) of the largest piece's, and is
dropped. Any other piece joins when the gap between its box and the
digit's box is at most a quarter (`NEAR`) of the digit's longer side:
close relative to the digit's own size, so a photo of a large digit and one
of a small digit are judged alike. Joining repeats until nothing joins.
The crop is the box of the digit's pieces, with every other piece's ink
inside it erased.

**Two digits.** A piece as tall as half the digit (`TALL`), lying beside it
so that the two would be wider than tall, is another digit: a digit stands
upright, "42" does not (`another_digit`). Such a picture is refused with
the number of digits found, rather than read as one of them at low
confidence. A 0 broken into a left and a right half looks like "()" and
is refused too: draw it again.

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
one, so the last bits differ; nothing else does. The steps that decide
(which pixels are paper, which pieces are the digit) use minima, maxima,
medians, subtractions and comparisons, which are exact in both languages,
so from the same grey levels both sides cut out the same pieces.

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

import contextlib
import math
import warnings

import numpy as np

from primitive_nn.errors import DataError

MAX_SIDE = 1024      # a larger picture is reduced to at most this many pixels a side
FIELD = 28           # MNIST's images are FIELD x FIELD pixels
BOX = 20             # the digit's longer side, in pixels
CENTRE = 14          # row and column (counted from 0) where the centre of mass lands
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601: grey from red, green, blue
BACKGROUND = 1 / 4   # the paper is estimated over squares this fraction of the shorter side
MIN_CONTRAST = 0.1   # ink must differ from the paper by this much of the grey scale
INK_LEVEL = 0.35     # a pixel less than this fraction of the way from paper to ink is paper
RULE_COVER = 2 / 3   # a ruled line is inked across this fraction of the picture ...
RULE_THIN = 0.03     # ... in a band of rows at most this fraction of the picture's height
SPECK = 0.1          # a piece of ink smaller than this fraction of the largest is a speck
NEAR = 0.25          # a piece this close to the digit, relative to its size, is part of it
TALL = 0.5           # a piece beside the digit at least this fraction of its height is a digit
SUBPIXEL = 1024      # shifts are rounded to 1/SUBPIXEL of a pixel before rounding half up


def read_image(path):
    r"""Decode a PNG or JPEG file into RGBA bytes, upright, reduced while decoding.

    Pillow decodes the file; nothing else in this chapter uses it. A picture
    more than `MAX_SIDE` pixels a side is reduced as it is read, by the same
    whole factor `shrink` would use: a JPEG is decoded at a half, a quarter
    or an eighth of its size (its "draft" mode, which averages in the
    compressed domain), and what remains is a box reduction, each
    $f \times f$ block its mean (Pillow's `reduce`). So the full-size picture
    never becomes a NumPy array, and memory stays near that of the decoded
    file. A photo's EXIF orientation tag, which phones write instead of
    turning the pixels, is applied, so the digit stands as it did on the
    screen. An image of several frames (an animation, a multi-page TIFF) is
    refused rather than read by one of them.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    rgba : ndarray of shape (H, W, 4), dtype uint8
        Red, green, blue and alpha, 0 to 255; $\max(H, W) \le$ `MAX_SIDE`.

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
    ...     Image.new("L", (3000, 2000), 200).save(pathlib.Path(tmp) / "big.png")
    ...     rgba, big = read_image(path), read_image(pathlib.Path(tmp) / "big.png")
    >>> rgba.shape, rgba.dtype, rgba[0, 0].tolist(), big.shape
    ((2, 3, 4), dtype('uint8'), [200, 200, 200, 255], (666, 1000, 4))
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with _opened(path) as image:
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                raise DataError(f"{path}: an image of {frames} frames (animated, or several "
                                "pages); save the one that shows the digit as a PNG or JPEG")
            return np.asarray(_reduced(image).convert("RGBA"), dtype=np.uint8).copy()
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


@contextlib.contextmanager
def _opened(path):
    """Pillow's Image.open, without its warning for pictures over 89 megapixels: they are reduced."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(path)
    with image:
        yield image


# EXIF orientation tag: the turn that makes the picture upright
UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
           6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


def _reduced(image):
    """An opened Pillow image decoded at most MAX_SIDE a side (draft, then reduce), upright, 8-bit."""
    from PIL import Image

    orientation = image.getexif().get(0x0112)
    f = reduction(image.height, image.width)
    if f > 1 and image.format == "JPEG":
        image.draft(image.mode, (image.width // f, image.height // f))
    if image.mode in ("1", "P", "PA"):
        image = image.convert("RGBA")
    elif image.mode.startswith("I;16"):
        image = image.convert("I")
    f = reduction(image.height, image.width)
    if f > 1:                                       # the blocks `shrink` would take
        image = image.reduce(f, box=(0, 0, image.width // f * f, image.height // f * f))
    if orientation in UPRIGHT:
        image = image.transpose(getattr(Image.Transpose, UPRIGHT[orientation]))
    return _eight_bit(image)


def _eight_bit(image):
    """A 16-bit grey image scaled to 8 bits, which Pillow's RGBA conversion would clip instead."""
    from PIL import Image

    if image.mode != "I":
        return image
    values = np.asarray(image, dtype=np.float64)
    sixteen_bit = values.max() > 255                # mode "I" says nothing of the depth
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


def reduction(h, w):
    r"""The whole factor $f = \lceil \max(h, w) / 1024 \rceil$ a picture is reduced by: 1 if it is small enough.

    Examples
    --------
    >>> reduction(280, 280), reduction(1024, 700), reduction(1025, 10), reduction(12000, 12000)
    (1, 1, 2, 12)
    """
    return -(-max(h, w) // MAX_SIDE)


def shrink(grey):
    r"""Reduce a large picture by `reduction`: each $f \times f$ block becomes its mean.

    Nothing needs more than `MAX_SIDE` pixels a side to be read at 28×28, and
    the steps after this one take time in proportion to the area. The last
    rows and columns that do not fill a block (fewer than $f$) are dropped.
    `read_image` reduces a file while decoding it, so that a picture from a
    file arrives here small enough already.

    Parameters
    ----------
    grey : ndarray of shape (H, W)

    Returns
    -------
    ndarray of shape (H // f, W // f), `grey` itself when $f = 1$

    Examples
    --------
    >>> import numpy as np
    >>> shrink(np.ones((2000, 3000))).shape, shrink(np.ones((30, 20))).shape
    ((666, 1000), (30, 20))
    """
    f = reduction(*grey.shape)
    if f == 1:
        return grey
    h, w = grey.shape[0] // f, grey.shape[1] // f
    return grey[:h * f, :w * f].reshape(h, f, w, f).mean(axis=(1, 3))  # (h, w)


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


def window(h, w):
    r"""The side $k$ of the square the paper is estimated over: odd, about a quarter of the shorter side.

    $k = 2 \lfloor \frac12 \cdot \frac14 \min(h, w) + \frac12 \rfloor + 1$,
    so that a pixel sits in the middle of its window.

    Examples
    --------
    >>> window(320, 320), window(280, 280), window(60, 40), window(2, 2)
    (81, 71, 11, 1)
    """
    return 2 * round_half_up(BACKGROUND * min(h, w) / 2) + 1


def sliding(image, k, reduce):
    r"""`reduce` (np.min or np.max) over the $k \times k$ square around every pixel.

    A square's minimum is the minimum, over its rows, of each row's minimum,
    so the square is done as a run along the columns and then along the
    rows, $2k$ values per pixel instead of $k^2$. Near the edge the square is
    cut short: the picture is padded with values `reduce` never picks.

    Parameters
    ----------
    image : ndarray of shape (H, W)
    k : int, odd
    reduce : np.min or np.max

    Returns
    -------
    ndarray of shape (H, W)

    Examples
    --------
    >>> import numpy as np
    >>> sliding(np.array([[1.0, 5.0, 2.0, 8.0]]), 3, np.max).tolist()
    [[5.0, 5.0, 8.0, 8.0]]
    """
    never = np.inf if reduce is np.min else -np.inf
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (k // 2, k // 2)
        padded = np.pad(image, pad, constant_values=never)
        image = reduce(np.lib.stride_tricks.sliding_window_view(padded, k, axis=axis), axis=-1)
    return image


def paper_level(v, k):
    r"""The paper under the ink, by a morphological opening: $\max_k(\min_k v)$.

    The minimum over each $k \times k$ square wipes out any stroke narrower
    than $k$ (ink is bright in $v$); the maximum then brings back the paper's
    own brightness, lighting and all, which varies slowly.

    Parameters
    ----------
    v : ndarray of shape (H, W)
        Ink bright, paper dark.
    k : int, odd
        From `window`: wider than any stroke.

    Returns
    -------
    ndarray of shape (H, W), at most `v` everywhere

    Examples
    --------
    Paper at 0.1 on the left and 0.3 on the right, where the light changes,
    and a stroke (0.9) narrower than the window: the stroke goes, the step
    in the light stays.

    >>> import numpy as np
    >>> v = np.full((5, 6), 0.1)
    >>> v[:, 3:] = 0.3
    >>> v[1:4, 1] = 0.9
    >>> paper_level(v, 3)[2].tolist()
    [0.1, 0.1, 0.1, 0.3, 0.3, 0.3]
    """
    return sliding(sliding(v, k, np.min), k, np.max)


def flatten(grey):
    r"""Ink bright and the paper flat at 0: $f = v - \max_k(\min_k v)$, $v$ the picture inverted if light.

    The picture is dark on light when the median of its `border` is above
    0.5; then $v = 1 - g$, else $v = g$.

    Parameters
    ----------
    grey : ndarray of shape (H, W), floats in [0, 1]

    Returns
    -------
    f : ndarray of shape (H, W), float64 in [0, 1]
        The ink's contrast with the paper around it; about 0 on the paper.

    Examples
    --------
    A dark stroke on paper lit unevenly, from 0.9 down to 0.6: the stroke
    stands out by the same amount everywhere after flattening.

    >>> import numpy as np
    >>> grey = np.tile(np.linspace(0.9, 0.6, 7), (7, 1))
    >>> grey[3] -= 0.4
    >>> flatten(grey)[:, 3].round(2).tolist()
    [0.0, 0.0, 0.0, 0.4, 0.0, 0.0, 0.0]
    """
    grey = np.asarray(grey, dtype=np.float64)
    v = 1.0 - grey if np.median(border(grey)) > 0.5 else grey  # (H, W), ink bright
    return v - paper_level(v, window(*v.shape))                # (H, W)


def to_ink(f):
    r"""Ink 1, paper 0: a threshold relative to the ink's contrast, then a stretch.

    With $b$ the median of the `border` of $f$ (the paper) and $p = \max f$
    (the darkest ink): $t = b + 0.35\,(p - b)$; $q$ is the median of the
    pixels above $t$ (a typical stroke); then
    $\text{ink} = \operatorname{clip}((f - t) / (q - t), 0, 1)$.

    Parameters
    ----------
    f : ndarray of shape (H, W), from `flatten`

    Returns
    -------
    ink : ndarray of shape (H, W), float64 in [0, 1]
        Exactly 0 on the paper, 1 in the stroke's core.

    Raises
    ------
    DataError
        If the image is blank: $p - b$ < `MIN_CONTRAST`.

    Examples
    --------
    Paper (0), a stroke (0.5 and 0.6), its edge (0.3) and a faint smudge (0.1):

    >>> import numpy as np
    >>> f = np.zeros((3, 6))
    >>> f[1, 1:5] = 0.5, 0.6, 0.3, 0.1
    >>> to_ink(f).round(2).tolist()[1]
    [0.0, 1.0, 1.0, 0.31, 0.0, 0.0]
    >>> to_ink(np.zeros((3, 5)))
    Traceback (most recent call last):
    ...
    primitive_nn.errors.DataError: blank image: no ink darker than the paper by at least 0.1 of the grey scale
    """
    b, p = np.median(border(f)), f.max()                     # paper level, darkest ink
    if not p - b >= MIN_CONTRAST:
        raise DataError(f"blank image: no ink darker than the paper by at least "
                        f"{MIN_CONTRAST:g} of the grey scale")
    t = b + INK_LEVEL * (p - b)                              # below t: paper
    q = np.median(f[f > t])                                  # a typical stroke
    return np.clip((f - t) / (q - t), 0.0, 1.0)              # (H, W)


def rule_rows(mask):
    r"""The rows of a ruled line: bands of rows inked edge to edge and across 2/3 of the width, thinner than 3% of the height.

    Parameters
    ----------
    mask : ndarray of shape (H, W), bool

    Returns
    -------
    ndarray of shape (H,), bool

    Examples
    --------
    A 2-row line across the picture; a thick bar (a 7's) and a thin one that
    stops short of the edge (a fine pen's) are not lines:

    >>> import numpy as np
    >>> mask = np.zeros((100, 10), dtype=bool)
    >>> mask[20:22] = True
    >>> mask[50:60] = True
    >>> mask[80, 1:9] = True
    >>> np.flatnonzero(rule_rows(mask)).tolist()
    [20, 21]
    """
    edge_to_edge = mask[:, 0] & mask[:, -1]                  # off the picture at both ends
    across = np.concatenate([[False], (mask.mean(axis=1) >= RULE_COVER) & edge_to_edge, [False]])
    edges = np.flatnonzero(np.diff(across.astype(np.int8)))  # where bands start and end
    rules = np.zeros(mask.shape[0], dtype=bool)
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start <= max(1, RULE_THIN * mask.shape[0]):
            rules[start:stop] = True
    return rules


def unrule(ink):
    r"""Erase ruled lines, across (`rule_rows`) and down (the same on the transpose).

    Parameters
    ----------
    ink : ndarray of shape (H, W)

    Returns
    -------
    ndarray of shape (H, W), a copy
    """
    mask = ink > 0
    ink = ink.copy()
    ink[rule_rows(mask)] = 0.0
    ink[:, rule_rows(mask.T)] = 0.0
    return ink


def runs(mask):
    r"""The runs of True along each row: row, first column and one past the last.

    Parameters
    ----------
    mask : ndarray of shape (H, W), bool

    Returns
    -------
    (row, start, stop) : three ndarrays of shape (n,), int
        In reading order: by row, then by column.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.array([[1, 1, 0, 1], [0, 0, 0, 0], [0, 1, 1, 1]], dtype=bool)
    >>> [r.tolist() for r in runs(mask)]
    [[0, 0, 2], [0, 3, 1], [2, 4, 4]]
    """
    steps = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)  # (H, W + 1)
    row, start = np.nonzero(steps == 1)                        # False to True
    _, stop = np.nonzero(steps == -1)                          # True to False
    return row, start, stop


def components(mask):
    r"""The connected pieces of ink, each with its bounding box and area.

    Two runs in neighbouring rows touch when their columns overlap or meet at
    a corner (8-connectivity): $\text{start}_i \le \text{stop}_j$ and
    $\text{start}_j \le \text{stop}_i$. Touching runs are joined with a
    union-find: each run points towards its piece's first run.

    Parameters
    ----------
    mask : ndarray of shape (H, W), bool

    Returns
    -------
    piece : ndarray of shape (n,), int
        For each run of `runs(mask)`, the index of its piece's first run.
    boxes : dict
        For each piece, `[top, bottom, left, right, area]`: the first and
        one-past-last row and column, and the number of pixels.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.array([[1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 0, 0], [1, 1, 0, 0]], dtype=bool)
    >>> piece, boxes = components(mask)
    >>> piece.tolist(), boxes
    ([0, 1, 0, 1, 4], {0: [0, 2, 0, 2, 2], 1: [0, 2, 3, 4, 2], 4: [3, 4, 0, 2, 2]})
    """
    row, start, stop = runs(mask)
    parent = np.arange(row.size)

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    first = np.searchsorted(row, np.arange(mask.shape[0] + 1))  # runs of row r: first[r]:first[r + 1]
    for i in range(row.size):
        for j in range(first[row[i] - 1], first[row[i]]) if row[i] > 0 else ():
            if start[i] <= stop[j] and start[j] <= stop[i]:      # touching, corners included
                a, b = root(i), root(j)
                parent[max(a, b)] = min(a, b)
    piece = np.array([root(i) for i in range(row.size)], dtype=int)
    boxes = {}
    for i, p in enumerate(piece.tolist()):
        box = boxes.setdefault(p, [row[i], row[i] + 1, start[i], stop[i], 0])
        box[:] = [min(box[0], row[i]), max(box[1], row[i] + 1), min(box[2], start[i]),
                  max(box[3], stop[i]), box[4] + stop[i] - start[i]]
    return piece, {p: [int(x) for x in box] for p, box in boxes.items()}


def gap(a, b):
    r"""How far apart two boxes are: the larger of the row gap and the column gap, 0 if they overlap.

    Examples
    --------
    >>> gap([0, 10, 0, 5, 0], [12, 20, 3, 9, 0]), gap([0, 10, 0, 5, 0], [5, 8, 2, 3, 0])
    (2, 0)
    """
    rows = max(a[0] - b[1], b[0] - a[1], 0)
    cols = max(a[2] - b[3], b[2] - a[3], 0)
    return max(rows, cols)


def size(box):
    """The longer side of a box."""
    return max(box[1] - box[0], box[3] - box[2])


def height(box):
    """The rows a box spans."""
    return box[1] - box[0]


def beside(a, b):
    """True when two boxes share no column: one lies to the side of the other."""
    return a[2] >= b[3] or b[2] >= a[3]


def union(a, b):
    """The box around two boxes, with their areas added."""
    return [min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]), a[4] + b[4]]


def another_digit(box, other):
    r"""True when a piece is a digit of its own beside the digit's `box`.

    It is, when it is tall (at least `TALL` times the digit's `height`),
    lies `beside` the digit, and the two together would be wider than tall:
    a digit stands upright, two side by side do not.

    Examples
    --------
    The 4 of "42" and the 2 beside it; an open 4's stem beside its bar:

    >>> another_digit([0, 100, 0, 60, 0], [5, 100, 70, 130, 0])
    True
    >>> another_digit([0, 80, 0, 45, 0], [20, 100, 50, 60, 0])
    False
    """
    both = union(box, other)
    wide = both[3] - both[2] > height(both)
    return height(other) >= TALL * height(box) and beside(other, box) and wide


def digit_pieces(boxes):
    r"""Which pieces make the digit: the largest, and the pieces near it that are not specks.

    The digit grows from the piece of largest area. A piece joins it when it
    is not a speck (its `size` at least `SPECK` times the largest piece's)
    and its `gap` to the digit's box is at most `NEAR` times the box's
    `size`, unless it is `another_digit`. Joining repeats until nothing more
    joins; a tall piece left over is another digit.

    Parameters
    ----------
    boxes : dict, from `components`

    Returns
    -------
    (chosen, box) : (set, list)
        The digit's pieces and their box.

    Raises
    ------
    DataError
        If a tall piece is left over: the picture holds two digits or more.

    Examples
    --------
    A 5's body, its separate bar just above, and a speck in a corner:

    >>> boxes = {0: [0, 3, 30, 50, 40], 4: [5, 45, 28, 52, 300], 9: [95, 97, 95, 97, 4]}
    >>> digit_pieces(boxes)
    ({0, 4}, [0, 45, 28, 52, 340])
    """
    largest = max(boxes, key=lambda p: boxes[p][4])     # the first of the largest
    pieces = [p for p in sorted(boxes) if size(boxes[p]) >= SPECK * size(boxes[largest])]
    chosen, box = {largest}, boxes[largest]
    grown = True
    while grown:
        grown = False
        for p in pieces:
            other = boxes[p]
            if p in chosen or another_digit(box, other):
                continue
            if gap(other, box) <= NEAR * size(box):
                chosen, box, grown = chosen | {p}, union(box, other), True
    others = [p for p in pieces if p not in chosen and height(boxes[p]) >= TALL * height(box)]
    if others:
        raise DataError(f"{len(others) + 1} digits side by side, or ink as tall as a digit "
                        "beside it; crop the picture to one digit")
    return chosen, box


def crop(ink):
    r"""Cut out the digit: its own pieces of ink (`digit_pieces`), other ink erased, in their box.

    Parameters
    ----------
    ink : ndarray of shape (H, W), with at least one pixel above 0

    Returns
    -------
    ndarray of shape (h, w)

    Raises
    ------
    DataError
        If there is no ink, or two digits (`digit_pieces`).

    Examples
    --------
    A bar and a speck: the speck goes.

    >>> import numpy as np
    >>> ink = np.zeros((40, 30))
    >>> ink[5:35, 10:14] = 1.0
    >>> ink[38, 28] = 0.5
    >>> crop(ink).shape, float(crop(ink).sum())
    ((30, 4), 120.0)
    """
    mask = ink > 0
    if not mask.any():
        raise DataError("blank image: no ink to crop")
    piece, boxes = components(mask)
    chosen, (top, bottom, left, right, _) = digit_pieces(boxes)
    ink = ink.copy()
    row, start, stop = runs(mask)
    for i in np.flatnonzero(~np.isin(piece, list(chosen))):
        ink[row[i], start[i]:stop[i]] = 0.0                    # not the digit's
    return ink[top:bottom, left:right]


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
    ink = unrule(to_ink(flatten(shrink(to_grey(rgba)))))
    return centre(size_normalize(crop(ink)))
