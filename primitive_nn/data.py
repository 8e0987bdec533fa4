r"""The data: from the MNIST files to the matrix $X$.

Before a network can learn anything it needs examples, and before we can
trust anything it learns we need to know *exactly* which examples it saw.
This chapter takes the MNIST files ([LeCun et al. 1998](references.md#lecun1998mnist))
apart byte by byte, says how we check that they hold the right bytes, lays
the images out the way the rest of the book expects, one example per
**column**, and splits off the examples we only use to measure.

# The data set

MNIST holds 70,000 grey-scale images of handwritten digits, each
$28 \times 28 = 784$ pixels, with its label $0, 1, \dots, 9$. The official
release splits them into 60,000 training images and 10,000 test images, in
four files:

| file | holds | size in bytes |
|---|---|---|
| `train-images-idx3-ubyte` | 60,000 images | $16 + 60000 \cdot 784 = 47{,}040{,}016$ |
| `train-labels-idx1-ubyte` | 60,000 labels | $8 + 60000 = 60{,}008$ |
| `t10k-images-idx3-ubyte` | 10,000 images | $16 + 10000 \cdot 784 = 7{,}840{,}016$ |
| `t10k-labels-idx1-ubyte` | 10,000 labels | $8 + 10000 = 10{,}008$ |

Loading them is machinery: `primitive_nn.machinery.mnist.load_mnist` fetches
them into a cache when they are missing, reads them with this chapter's
parsers, checks their digests and returns all of them. The notebook this
book grew from (its *seed*) trained on the `train.csv` of Kaggle's "Digit
Recognizer": 42,000 labelled images drawn from MNIST. The seed's recipe
therefore takes the first 42,000 training images
(`primitive_nn.seed.NOTEBOOK_TRAIN_SIZE`): as many images as the seed had,
though not necessarily the same ones. Part II trains on all 60,000. The test
images are only ever used to report a final number.

# The IDX format

Each official file is an *IDX* file: a tiny header, then the raw bytes. The
header starts with a four-byte *magic number*:

| byte | value | meaning |
|---|---|---|
| 0, 1 | `00 00` | always zero |
| 2 | `08` | the type of each value: `0x08` is an unsigned byte (`uint8`) |
| 3 | $d$ | the number of dimensions: 1 for labels, 3 for images |

Then come $d$ sizes, each a 32-bit unsigned integer stored big-endian (most
significant byte first), so the four bytes $b_0 b_1 b_2 b_3$ mean

$$
n = 2^{24} b_0 + 2^{16} b_1 + 2^{8} b_2 + b_3 .
$$

NumPy reads such numbers with the dtype `">u4"` (`>` for big-endian, `u4`
for a four-byte unsigned integer). For example, 60,000 is `0x0000EA60`,
stored as the bytes `00 00 EA 60`. So the training images file starts with
the magic number `00 00 08 03`, then the sizes 60000, 28 and 28: a header of
$4 + 3 \cdot 4 = 16$ bytes. The pixels follow row by row, so pixel $(r, c)$
of image $j$ sits at byte

$$
16 + 784\, j + 28\, r + c ,
$$

which is exactly what `reshape` assumes for a C-ordered array:
`np.frombuffer(raw, np.uint8, offset=16).reshape(60000, 28, 28)`. A pixel is
0 for the background and up to 255 for the darkest ink. Mirrors serve the
files gzipped; `read_idx` recognizes gzip by its first two bytes, `1f 8b`,
whatever the file is called. A file whose header and length disagree is
refused, and `parse_idx` says how they disagree: a magic number other than
`00 00 08` $d$, a header cut short, values missing, or bytes left over.

# The Kaggle CSV

Kaggle's `train.csv` is plain text: a header line
`label,pixel0,pixel1,...,pixel783`, then one line per image holding its label
and its 784 pixels, with `pixel`$k$ at row $\lfloor k / 28 \rfloor$ and
column $k \bmod 28$. `read_csv` looks at the first line (`csv_has_header`):
a first line made only of names is a header; a first line made only of
numbers is the first image, so a file without a header loses nothing; a
first line that mixes the two is an error. `parse_csv` reads the images
with one call to `np.loadtxt` and refuses a file that is not a table of
labels and pixels, without saying where. When that fast path fails, the
loader has `primitive_nn.machinery.validate` go back over the file to name
the line and column of the first bad cell.

# Trusting the bytes: checksums and atomic writes

A download can stop half-way, a proxy can save an HTML error page under the
right name, a mirror can serve different bytes, a disk can rot, and a file
can be edited by hand. Each would give a network trained on the wrong data,
with no error at all. So this module records the SHA-256 digest of each
official file (`MNIST_FILES`): 64 hex digits that change completely if a
single bit of the file does. The loader checks every file that carries an
official name against it, wherever the file lives, hashing each file once,
as it reads it. A file that does not match is refused, unless you ask for
it explicitly (`allow_modified=True`, `--allow-modified` on the command
line), and then you are warned. The digests are of the *uncompressed* files
(`read_uncompressed`), because two mirrors may gzip the same bytes
differently.

The cache must never hold half a file under a final name. The files are
fetched by `primitive_nn.machinery.fetch` with
[pooch](https://www.fatiando.org/pooch/), which writes each download to a
temporary file, checks its digest, and only then renames it into place.
Within one file system a rename is atomic: anyone looking sees either no
file or the whole file. Every file this package writes, from a model to a
figure, goes the same way (`primitive_nn.machinery.files`).

# From pixels to the matrix $X$

The seed prepares the data in three steps, and `split_dev` follows it:

1. **Shuffle** the $m$ examples with a random permutation $\pi$ of
   $\{0, \dots, m - 1\}$, drawn from a seeded `np.random.Generator`, so that
   the same seed gives the same split.
2. **Hold out** the first $d$ shuffled examples as the *dev* set, used to
   choose settings and to watch for over-fitting; the other $m - d$ are for
   training. The seed holds out $d = 1000$.
3. **Scale** each pixel $p \in \{0, \dots, 255\}$ to $p / 255 \in [0, 1]$.
   Raw pixels would make the first layer's pre-activations
   $Z^{[1]} = W^{[1]} X + b^{[1]}$ up to 255 times larger, and saturate the
   softmax from the first step.

In the book's notation, example $j$ becomes column $j$ of

$$
X = \begin{bmatrix} x^{(1)} & x^{(2)} & \cdots & x^{(m)} \end{bmatrix}
\in [0, 1]^{784 \times m}, \qquad X_{kj} = p^{(j)}_k / 255 ,
$$

which is one transpose and one division: `X = images.T / 255`. How `X` lies
in memory is a separate choice (`order`): row by row ("C", NumPy's
default), so that each pixel's values across the examples are contiguous,
which full-batch products prefer; or column by column ("F"), so that each
example's 784 pixels are contiguous, which gathering mini-batches prefers
(the mini-batch chapter, `primitive_nn.minibatch`) and which costs no
transpose, since the file stores each image's pixels contiguously too. The
labels stay a vector `labels` of shape `(m,)` holding the digits
themselves; the loss chapter turns it into the one-hot matrix $Y$. `X` is
stored as `float32`: 60,000 examples take
$784 \cdot 60000 \cdot 4 \approx 188$ MB instead of 376 MB in `float64`,
and single precision is plenty for pixels.

Examples
--------
The smallest IDX file: three labels. Its header says "unsigned bytes, one
dimension, of size 3":

>>> import numpy as np
>>> from primitive_nn.data import encode_idx, parse_idx, split_dev
>>> labels = np.array([7, 2, 1], dtype=np.uint8)
>>> encode_idx(labels).hex(" ")
'00 00 08 01 00 00 00 03 07 02 01'
>>> parse_idx(encode_idx(labels))
array([7, 2, 1], dtype=uint8)

Five two-pixel "images", one held out as the dev set:

>>> images = np.array([[0, 255], [51, 0], [0, 0], [255, 255], [102, 0]], dtype=np.uint8)
>>> X_train, y_train, X_dev, y_dev = split_dev(images, np.arange(5), 1, np.random.default_rng(0))
>>> X_train.shape, y_train.shape, X_dev.shape, y_dev.shape
((2, 4), (4,), (2, 1), (1,))
>>> sorted(y_train.tolist() + y_dev.tolist())
[0, 1, 2, 3, 4]
"""

if __name__ == "__main__":  # `python -m primitive_nn.data`, before any slow import: see the appendix
    from primitive_nn.machinery.launch import launch

    raise SystemExit(launch("data"))

import gzip
import itertools
import math
import operator
import warnings
import zlib
from pathlib import Path

import numpy as np

from primitive_nn.errors import DataError

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"

MNIST_FILES = {  # file name -> SHA-256 of the uncompressed file
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
IMAGE_SHAPE = (28, 28)
N_PIXELS = 784  # 28 * 28
CSV_COLUMNS = 1 + N_PIXELS  # label, pixel0 ... pixel783
IDX_UINT8 = 0x08  # IDX type code for unsigned bytes
GZIP_MAGIC = b"\x1f\x8b"


# ---------------------------------------------------------------- IDX files


def encode_idx(array):
    r"""Encode uint8 values as an IDX file (magic number, sizes, values): the inverse of `parse_idx`.

    Examples
    --------
    >>> import numpy as np
    >>> encode_idx(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)).hex(" ")
    '00 00 08 02 00 00 00 02 00 00 00 03 01 02 03 04 05 06'
    """
    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim == 0:
        raise ValueError(f"encode_idx needs a uint8 array with at least one axis, "
                         f"got dtype {array.dtype} and shape {array.shape}")
    magic = bytes([0, 0, IDX_UINT8, array.ndim])
    sizes = np.array(array.shape, dtype=">u4").tobytes()  # big-endian uint32
    return magic + sizes + array.tobytes()


def parse_idx(raw, source="IDX data"):
    r"""Parse the bytes of an uncompressed IDX file.

    The header promises a shape; the file must hold exactly
    $\prod_i n_i$ bytes of values after it, one per value, no more and no
    fewer.

    Parameters
    ----------
    raw : bytes
        The whole file: magic number, sizes, values.
    source : str
        What to call the data in error messages, usually its path.

    Returns
    -------
    ndarray of dtype uint8, of the shape the header gives
        A fresh, writable array.

    Raises
    ------
    DataError
        If the header or the length is wrong; the message says which.

    Examples
    --------
    >>> parse_idx(bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 1, 9, 4]))
    array([[9],
           [4]], dtype=uint8)
    >>> parse_idx(b"PK\x03\x04", "digits.zip")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    primitive_nn.errors.DataError: digits.zip: wrong magic number 50 4b 03 04, expected ...
    """
    shape, header_size = _idx_header(raw, source)
    needed, found = math.prod(shape), len(raw) - header_size  # one byte per value
    if found < needed:
        raise DataError(f"{source}: truncated: the header promises shape {shape}, "
                        f"{needed} bytes of data, but only {found} follow; "
                        "delete it and fetch it again")
    if found > needed:
        raise DataError(f"{source}: {found - needed} unexpected bytes after the {needed} "
                        f"bytes that shape {shape} needs; the file is damaged: "
                        "delete it and fetch it again")
    return np.frombuffer(raw, np.uint8, offset=header_size).reshape(shape).copy()


def _idx_header(raw, source):
    """The shape an IDX header gives, and the header's size in bytes; a DataError if it has none."""
    if len(raw) < 4:
        raise DataError(f"{source}: only {len(raw)} bytes, too short for an IDX header "
                        "(a 4-byte magic number, then the sizes); "
                        "the file is truncated: delete it and fetch it again")
    if raw[:3] != bytes([0, 0, IDX_UINT8]) or raw[3] == 0:
        raise DataError(f"{source}: wrong magic number {raw[:4].hex(' ')}, expected 00 00 08 0N "
                        "(two zero bytes, type 0x08 for unsigned bytes, N dimensions); "
                        "is this really an MNIST IDX file, raw or gzipped?")
    ndim = raw[3]
    header_size = 4 + 4 * ndim                   # magic number, then one uint32 per axis
    if len(raw) < header_size:
        raise DataError(f"{source}: truncated header: {ndim} dimensions need {header_size} "
                        f"header bytes but the file has only {len(raw)}; "
                        "delete it and fetch it again")
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", ndim, offset=4))  # big-endian sizes
    return shape, header_size


def read_idx(path):
    r"""Read an IDX file, raw or gzipped (known by its first bytes): uint8 of the header's shape.

    Examples
    --------
    >>> import gzip, pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "labels-idx1-ubyte.gz"
    ...     _ = path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 2, 5, 0])))
    ...     labels = read_idx(path)
    >>> labels
    array([5, 0], dtype=uint8)
    """
    path = Path(path).expanduser()
    return parse_idx(read_uncompressed(path), str(path))


def read_uncompressed(path):
    r"""The bytes of the file `path`, gunzipped if they start with gzip's magic `1f 8b`.

    These are the bytes that `MNIST_FILES` gives the digests of.

    Examples
    --------
    >>> import gzip, pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "no-suffix"
    ...     _ = path.write_bytes(gzip.compress(b"\x00\x00\x08\x01"))
    ...     read_uncompressed(path).hex(" ")
    '00 00 08 01'
    """
    path = _existing_file(path)
    raw = path.read_bytes()
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: damaged gzip file ({exc}); delete it and fetch it again") from exc


def _existing_file(path):
    """Return `path` as a Path, or raise a DataError if it is not a file."""
    path = Path(path).expanduser()
    if not path.is_file():
        problem = "is a directory, not a file" if path.is_dir() else "no such file"
        raise DataError(f"{path}: {problem}; check the path, or run "
                        "`python -m primitive_nn.data` to fetch MNIST")
    return path


# ---------------------------------------------------------------- CSV files


def read_csv(path):
    r"""Read a Kaggle-style CSV, `label,pixel0,...,pixel783`: images (m, 784) and labels (m,), uint8.

    A first line of names is a header (`csv_has_header`); a first line of
    numbers is an image. The lines of images go to `parse_csv`.

    Raises
    ------
    DataError
        For anything that is not such a file. The message does not say
        where the file goes wrong; `primitive_nn.machinery.validate` finds
        the line and column when the loader gets this error.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> row = "3," + ",".join(["0"] * 783 + ["255"])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "train.csv"
    ...     _ = path.write_text(row + "\n" + row + "\n")   # no header: both lines are images
    ...     images, labels = read_csv(path)
    >>> images.shape, labels.tolist(), int(images[0, 783])
    ((2, 784), [3, 3], 255)
    """
    path = _existing_file(path)
    with open(path, encoding="utf-8-sig", errors="replace") as file:  # "-sig": skip a byte order mark
        first = file.readline()
        lines = file if csv_has_header(first, str(path)) else itertools.chain([first], file)
        return parse_csv(lines, str(path))


def csv_has_header(line, source="CSV data"):
    r"""True if a CSV's first line holds only names, False if only whole numbers.

    Raises
    ------
    DataError
        If the line mixes the two: it is neither a header nor an image.

    Examples
    --------
    >>> csv_has_header("label,pixel0,pixel1"), csv_has_header("7,0,255")
    (True, False)
    """
    cells = [cell.strip() for cell in line.split(",")]
    numeric = [cell.lstrip("+-").isdigit() for cell in cells]
    if all(numeric) or not any(numeric):
        return not any(numeric)
    first = numeric.index(not numeric[0])
    raise DataError(f"{source}, line 1: neither a header nor an image: column 1 is "
                    f"{cells[0]!r} but column {first + 1} is {cells[first]!r}; "
                    "a header holds only names, an image only whole numbers")


def parse_csv(lines, source="CSV data"):
    r"""Parse lines `label,pixel0,...,pixel783`, one image each: images (m, 784), labels (m,), uint8.

    One call to `np.loadtxt` reads the lines as an $(m, 785)$ table of
    integers; a file of images needs $m \geq 1$, labels in $0..9$ and pixels
    in $0..255$.

    Parameters
    ----------
    lines : iterable of str
        The lines after the header, if there is one; blank lines are skipped.
    source : str
        What to call the data in error messages, usually its path.

    Raises
    ------
    DataError
        If the lines are not such a table; the message does not say where.

    Examples
    --------
    >>> images, labels = parse_csv(["7," + ",".join(["0"] * 783 + ["255"])])
    >>> images.shape, labels.tolist(), int(images[0, 783])
    ((1, 784), [7], 255)
    """
    try:
        with warnings.catch_warnings(action="ignore"):  # "input contained no data": refused below
            table = np.loadtxt(lines, dtype=np.int32, delimiter=",", ndmin=2, comments=None)  # (m, 785)
    except ValueError:
        table = np.zeros((0, 0), np.int32)
    labels, pixels = table[:, 0:1], table[:, 1:]
    if table.shape[1] != CSV_COLUMNS or len(table) == 0 or not (
            0 <= labels.min() and labels.max() <= 9 and 0 <= pixels.min() and pixels.max() <= 255):
        raise DataError(f"{source}: not a CSV of labelled digits, {CSV_COLUMNS} whole numbers "
                        "a line: a label 0..9, then 784 pixel values 0..255")
    return pixels.astype(np.uint8), labels[:, 0].astype(np.uint8)


# ---------------------------------------------------------------- preprocessing


def to_columns(images, dtype=np.float32, order="C"):
    r"""Turn rows of raw pixels into the matrix $X$: one example per column, in $[0, 1]$.

    $$
    X_{kj} = p^{(j)}_k / 255
    $$

    Parameters
    ----------
    images : ndarray of shape (m, 784), values 0..255
    dtype : floating dtype
    order : {"C", "F"}
        The memory order of `X` (see "From pixels to the matrix X").

    Returns
    -------
    X : ndarray of shape (784, m)

    Examples
    --------
    >>> import numpy as np
    >>> to_columns(np.array([[0, 255, 51], [102, 0, 0]], dtype=np.uint8))
    array([[0. , 0.4],
           [1. , 0. ],
           [0.2, 0. ]], dtype=float32)
    """
    images = np.asarray(images)
    if images.ndim != 2:
        raise ValueError(f"images must have shape (m, n_x), got {images.shape}")
    X = np.array(images.T, dtype=dtype, order=order)  # (784, m): examples as columns
    X /= 255                                          # pixels 0..255 -> [0, 1]
    return X


def split_dev(images, labels, dev_size, rng, dtype=np.float32, order="C"):
    r"""Shuffle, hold out the first `dev_size` examples, and scale: the seed's preprocessing.

    Examples $\pi_0, \dots, \pi_{d - 1}$ of a permutation $\pi$ drawn from
    `rng` form the dev set, the rest the training set; both go through
    `to_columns` with `dtype` and `order`.

    Returns
    -------
    X_train : ndarray of shape (784, m - dev_size)
    y_train : ndarray of shape (m - dev_size,), dtype int64
    X_dev : ndarray of shape (784, dev_size)
    y_dev : ndarray of shape (dev_size,), dtype int64

    Examples
    --------
    >>> import numpy as np
    >>> images = np.array([[0, 255], [255, 0], [51, 51]], dtype=np.uint8)
    >>> X_train, y_train, X_dev, y_dev = split_dev(
    ...     images, np.array([4, 7, 1]), 1, np.random.default_rng(42))
    >>> X_train.shape, X_dev.shape
    ((2, 2), (2, 1))
    >>> sorted(y_train.tolist() + y_dev.tolist())
    [1, 4, 7]
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 2 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"expected images of shape (m, 784) and labels of shape (m,), "
                         f"got {images.shape} and {labels.shape}")
    m = len(images)
    dev_size = operator.index(dev_size)
    if not 0 <= dev_size < m:
        raise DataError(f"dev_size={dev_size} must be at least 0 and smaller than the "
                        f"{m} examples available; choose a smaller dev set")
    pi = rng.permutation(m)                             # a shuffle of 0 .. m-1
    dev, train = pi[:dev_size], pi[dev_size:]
    X_train = to_columns(images[train], dtype, order)  # (784, m - d)
    y_train = labels[train].astype(np.int64)            # (m - d,)
    X_dev = to_columns(images[dev], dtype, order)       # (784, d)
    y_dev = labels[dev].astype(np.int64)         # (d,)
    return X_train, y_train, X_dev, y_dev
