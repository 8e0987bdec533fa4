r"""Loading MNIST: from the cache, a directory of IDX files, or a Kaggle CSV.

The data chapter (`primitive_nn.data`) says what the files hold and how to
parse them; this module finds the files, reads them with the chapter's
parsers, and checks them:

* **The cache.** `load_mnist()` reads the four official files from the
  cache (`primitive_nn.machinery.fetch.default_cache_dir`) and hashes each
  as it reads it. Only a file that is missing, or whose digest is wrong, is
  fetched (`primitive_nn.machinery.fetch.fetch_mnist`, which is handed the
  digests rather than hashing the files again), so a command reads and
  hashes each intact file once.
* **A directory of IDX files** named as the official ones, raw or gzipped:
  a file that carries an official name must have its official digest
  (`primitive_nn.data.MNIST_FILES`), or `allow_modified` must say to use it
  anyway, with a `DataWarning`.
* **A Kaggle-style CSV**: a training set with no test set. When the
  chapter's `read_csv` refuses it, `primitive_nn.machinery.validate` names
  the first bad line and column.
"""

import functools
import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from primitive_nn import data
from primitive_nn.errors import DataError, DataWarning
from primitive_nn.machinery import fetch, validate


@dataclass(frozen=True)
class MNIST:
    r"""MNIST as read from disk: images as rows of raw pixels, plus where they came from.

    Attributes
    ----------
    train_images : ndarray of shape (m, 784), dtype uint8
        One image per row: all 60,000 official training images, or a CSV's lines.
    train_labels : ndarray of shape (m,), dtype uint8
    test_images : ndarray of shape (10000, 784), dtype uint8, or None
        None when the source has no test set (a CSV).
    test_labels : ndarray of shape (10000,), dtype uint8, or None
    sha256 : dict of str to str
        File name to the SHA-256 of its uncompressed bytes.
    source : str
    """

    train_images: np.ndarray = field(repr=False)
    train_labels: np.ndarray = field(repr=False)
    test_images: np.ndarray | None = field(repr=False)
    test_labels: np.ndarray | None = field(repr=False)
    sha256: dict
    source: str


def load_mnist(data=None, cache_dir=None, *, allow_modified=False, progressbar=False):
    r"""Load MNIST from the cache (fetched if missing), a directory of IDX files, or a CSV.

    Parameters
    ----------
    data : str or path-like, optional
        None for the official files in `cache_dir`; a directory of IDX files
        named as the official ones (raw or `.gz`; the test pair optional);
        or a Kaggle-style CSV.
    cache_dir : str or path-like, optional
        See `primitive_nn.machinery.fetch.default_cache_dir`.
    allow_modified : bool
        Accept, with a `DataWarning`, a file with an official name but not
        its official digest.
    progressbar : bool
        Progress bars on stderr while fetching.

    Returns
    -------
    MNIST

    Raises
    ------
    DataError
        For a missing, damaged or unexpected file; the message names it and
        says what to do.

    Examples
    --------
    >>> mnist = load_mnist()                           # doctest: +SKIP
    >>> mnist.train_images.shape, mnist.test_images.shape  # doctest: +SKIP
    ((60000, 784), (10000, 784))
    """
    if data is None:
        return _load_cache(cache_dir, progressbar)
    path = Path(data).expanduser()
    if path.is_dir():
        return _load_idx_dir(path, allow_modified)
    if path.is_file():
        return _load_csv(path)
    raise DataError(f"{path}: no such file or directory; pass a directory of MNIST IDX "
                    "files or a Kaggle-style train.csv")


def _load_cache(cache_dir, progressbar):
    """The official files in the cache, each read and hashed once; only bad or missing ones fetched."""
    cache, official = fetch.cache_path(cache_dir), data.MNIST_FILES
    raws = {name: (cache / name).read_bytes() if (cache / name).is_file() else None
            for name in official}
    digests = {name: None if raw is None else _sha256(raw) for name, raw in raws.items()}
    fetch.fetch_mnist(cache, progressbar=progressbar, files=official, cached=digests)
    for name, digest in official.items():
        if digests[name] != digest:  # fetched just now, and verified before it was renamed
            raws[name], digests[name] = (cache / name).read_bytes(), digest
    entries = {name: (cache / name, raws[name], digests[name]) for name in official}
    return _load_idx(cache, entries.__getitem__, allow_modified=False, with_test=True)


def _load_idx_dir(directory, allow_modified):
    """Read the training pair, and the test pair if present, from `directory`."""
    with_test = bool(_find_idx(directory, data.TEST_IMAGES) or _find_idx(directory, data.TEST_LABELS))
    return _load_idx(directory, functools.partial(_read_named, directory), allow_modified, with_test)


def _load_idx(source, read, allow_modified, with_test):
    """MNIST from IDX files, where `read(name)` gives (path, uncompressed bytes, SHA-256)."""
    digests = {}
    train = _read_pair(read, data.TRAIN_IMAGES, data.TRAIN_LABELS, allow_modified, digests)
    test = (_read_pair(read, data.TEST_IMAGES, data.TEST_LABELS, allow_modified, digests)
            if with_test else (None, None))
    return MNIST(*train, *test, digests, str(source))


def _read_named(directory, name):
    """Find `name` in `directory`; return its path, its uncompressed bytes and their SHA-256."""
    path = _find_idx(directory, name)
    if path is None:
        raise DataError(f"{directory}: no {name} (or {name}.gz) here; put the MNIST IDX "
                        "files in this directory, or pass a Kaggle-style train.csv instead")
    raw = data.read_uncompressed(path)
    return path, raw, _sha256(raw)


def _find_idx(directory, name):
    """Find `name` in `directory`, also as `name.gz` and as `train-images.idx3-ubyte`."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, f"{name}.gz", dotted, f"{dotted}.gz"):
        if (directory / candidate).is_file():
            return directory / candidate
    return None


def _read_pair(read, images_name, labels_name, allow_modified, digests):
    """Parse, check and verify matching image and label files: (m, 784) and (m,)."""
    paths, arrays = {}, []
    for name in (images_name, labels_name):
        paths[name], raw, digests[name] = read(name)
        arrays.append(data.parse_idx(raw, str(paths[name])))
    images, labels = arrays
    validate.check_idx_pair(paths[images_name], images, paths[labels_name], labels)
    for name, path in paths.items():  # usable files: now, are they the official ones?
        _check_official(path, name, digests[name], allow_modified)
    return images.reshape(len(images), data.N_PIXELS), labels


def _check_official(path, name, digest, allow_modified):
    """Refuse (or, if allowed, warn about) a file whose name is official but whose bytes are not."""
    official = data.MNIST_FILES[name]
    if digest == official:
        return
    message = (f"{path}: carries the name of an official MNIST file, but its SHA-256 is "
               f"{digest}, expected {official}")
    if not allow_modified:
        raise DataError(f"{message}; it was modified or damaged: fetch it again "
                        "(python -m primitive_nn.data), or pass --allow-modified to use it anyway")
    warnings.warn(f"{message}; using it anyway, as --allow-modified asks", DataWarning, stacklevel=2)


def _load_csv(path):
    """A Kaggle-style CSV: a training set, no test set."""
    validate.check_csv_is_text(path)  # a picture or an IDX file is not a CSV
    try:
        images, labels = data.read_csv(path)
    except DataError:
        validate.explain_csv(path)    # always raises, naming the first bad line and column
        raise
    return MNIST(images, labels, None, None, {path.name: fetch.sha256_file(path)}, str(path))


def _sha256(raw):
    """The SHA-256 of `raw`, as 64 hex digits."""
    return hashlib.sha256(raw).hexdigest()
