"""Tests for primitive_nn.data and its loader: IDX and CSV parsing, loading, the split, the CLI.

Everything here runs on tiny files built in `tmp_path`; no network is used.
Fetching, and hashing each cached file only once, is tested in test_fetch.py. Tests marked `mnist` read the real files
from the cache (`python -m primitive_nn.data` puts them there).
"""

import ast
import gzip
import hashlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from primitive_nn import data
from primitive_nn.data import (
    MNIST_FILES,
    encode_idx,
    parse_csv,
    parse_idx,
    read_csv,
    read_idx,
    split_dev,
    to_columns,
)
from primitive_nn.errors import DataError, DataWarning
from primitive_nn.machinery.data_cli import main
from primitive_nn.machinery.mnist import load_mnist

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
    """A directory laid out like MNIST, with tiny images (so not the official bytes)."""
    folder.mkdir(exist_ok=True)
    suffix = ".gz" if gz else ""
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", tiny_images(m_train), gz)
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", tiny_labels(m_train), gz)
    if with_test:
        write_idx(folder / f"t10k-images-idx3-ubyte{suffix}", tiny_images(m_test, 1), gz)
        write_idx(folder / f"t10k-labels-idx1-ubyte{suffix}", tiny_labels(m_test, 1), gz)
    return folder


def load_modified(folder):
    """load_mnist on tiny files that carry the official names: allowed, with warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return load_mnist(folder, allow_modified=True)


def csv_row(label, pixels):
    return ",".join(str(v) for v in [label, *pixels])


def write_csv(path, rows, header=True, bom=False):
    lines = ([CSV_HEADER] if header else []) + rows
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def good_rows(m):
    images = tiny_images(m).reshape(m, 784)
    labels = tiny_labels(m)
    rows = [csv_row(label, pixels) for label, pixels in zip(labels, images, strict=True)]
    return rows, images, labels


def sha256(raw):
    return hashlib.sha256(raw).hexdigest()


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
        load_mnist(write_csv(tmp_path / "t.csv", rows))
    message = str(info.value)
    assert "line 3:" in message and "expected 785" in message and "found 784" in message


def test_kaggle_test_csv_gets_a_hint(tmp_path):
    path = tmp_path / "test.csv"
    path.write_text(",".join(f"pixel{k}" for k in range(784)) + "\n" + ",".join(["0"] * 784) + "\n")
    with pytest.raises(DataError, match="line 1: .*use train.csv"):
        load_mnist(path)


def test_csv_non_numeric_cell_names_line_and_column(tmp_path):
    rows, _, _ = good_rows(2)
    cells = rows[0].split(",")
    cells[4] = "x7"  # column 5 = pixel3
    rows[0] = ",".join(cells)
    with pytest.raises(DataError) as info:
        load_mnist(write_csv(tmp_path / "t.csv", rows))
    message = str(info.value)
    assert "line 2, column 5 (pixel3)" in message and "'x7'" in message


@pytest.mark.parametrize("value", [256, -1])
def test_csv_pixel_out_of_range(tmp_path, value):
    rows, _, _ = good_rows(3)
    rows[2] = csv_row(1, [0] * 783 + [value])
    with pytest.raises(DataError, match=r"line 4, column 785 \(pixel783\): pixel value"):
        load_mnist(write_csv(tmp_path / "t.csv", rows))


def test_csv_label_out_of_range(tmp_path):
    rows, _, _ = good_rows(2)
    rows[1] = csv_row(10, [0] * 784)
    with pytest.raises(DataError, match=r"line 3, column 1 \(label\): label 10 is outside 0..9"):
        load_mnist(write_csv(tmp_path / "t.csv", rows))


def test_csv_blank_lines_do_not_shift_line_numbers(tmp_path):
    rows, _, _ = good_rows(2)
    path = tmp_path / "t.csv"
    path.write_text(f"{CSV_HEADER}\n{rows[0]}\n\n{csv_row(12, [0] * 784)}\n")
    with pytest.raises(DataError, match="line 4"):
        load_mnist(path)


def test_csv_error_deep_in_a_long_file_names_the_right_line(tmp_path):
    zero_row = csv_row(0, [0] * 784)
    rows = [zero_row] * 2500
    rows[2100] = csv_row(0, [0] * 100 + [300] + [0] * 683)  # line 2102
    with pytest.raises(DataError, match=r"line 2102, column 102 \(pixel100\)"):
        load_mnist(write_csv(tmp_path / "t.csv", rows))


def test_empty_csv_is_called_empty(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match="the file is empty"):
        load_mnist(path)


def test_header_only_csv(tmp_path):
    with pytest.raises(DataError, match="no data lines after the header"):
        load_mnist(write_csv(tmp_path / "t.csv", []))


@pytest.mark.parametrize("bom", [False, True])
def test_csv_without_a_header_keeps_its_first_image(tmp_path, bom):
    rows, images, labels = good_rows(3)
    got_images, got_labels = read_csv(write_csv(tmp_path / "t.csv", rows, header=False, bom=bom))
    np.testing.assert_array_equal(got_images, images)  # all three, the first one included
    np.testing.assert_array_equal(got_labels, labels)


def test_csv_header_after_a_byte_order_mark(tmp_path):
    rows, images, _ = good_rows(2)
    got_images, _ = read_csv(write_csv(tmp_path / "t.csv", rows, header=True, bom=True))
    np.testing.assert_array_equal(got_images, images)


def test_csv_bad_first_line_is_an_error_not_a_header(tmp_path):
    rows, _, _ = good_rows(2)
    rows[0] = "x" + rows[0]  # a label cell that is not a number, pixels that are
    with pytest.raises(DataError, match="line 1: neither a header nor an image"):
        load_mnist(write_csv(tmp_path / "t.csv", rows, header=False))


def test_the_chapter_refuses_a_bad_csv_in_a_few_words(tmp_path):
    rows, _, _ = good_rows(3)
    rows[1] = csv_row(10, [0] * 784)
    with pytest.raises(DataError, match="t.csv: not a CSV of labelled digits, 785 whole numbers"):
        read_csv(write_csv(tmp_path / "t.csv", rows))  # the loader adds the line: see above
    with pytest.raises(DataError, match="lines: not a CSV"):
        parse_csv([], "lines")


def test_csv_first_line_of_numbers_out_of_range_names_line_1(tmp_path):
    rows, _, _ = good_rows(2)
    rows[0] = csv_row(12, [0] * 784)
    with pytest.raises(DataError, match=r"line 1, column 1 \(label\): label 12"):
        load_mnist(write_csv(tmp_path / "t.csv", rows, header=False))


@pytest.mark.parametrize("content, fragment", [
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "a PNG image, not a CSV"),
    (b"\xff\xd8\xff\xe0" + bytes(100), "a JPEG image, not a CSV"),
    (encode_idx(np.zeros(3, dtype=np.uint8)), "a single IDX file, not a CSV"),
    (gzip.compress(encode_idx(np.zeros(3, dtype=np.uint8))), "a single IDX file, not a CSV"),
    (b"label,\x00\x00\x00\x01", "binary data"),
])
def test_a_file_that_is_not_a_csv_says_what_it_is(tmp_path, content, fragment):
    path = tmp_path / "input"
    path.write_bytes(content)
    with pytest.raises(DataError, match=fragment):
        load_mnist(path)


# ---------------------------------------------------------------- load_mnist


@pytest.mark.parametrize("gz", [False, True])
def test_load_directory(tmp_path, gz):
    folder = write_mnist_dir(tmp_path / "mnist", gz=gz)
    mnist = load_modified(folder)
    assert mnist.train_images.shape == (5, 784) and mnist.train_images.dtype == np.uint8
    assert mnist.train_labels.shape == (5,)
    assert mnist.test_images.shape == (3, 784) and mnist.test_labels.shape == (3,)
    np.testing.assert_array_equal(mnist.train_images, tiny_images(5).reshape(5, 784))
    assert mnist.source == str(folder)
    raw = {p.name.removesuffix(".gz"): p.read_bytes() for p in folder.iterdir()}
    assert mnist.sha256 == {name: sha256(gzip.decompress(b) if gz else b) for name, b in raw.items()}


def test_files_with_official_names_but_other_bytes_are_refused(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    with pytest.raises(DataError) as info:
        load_mnist(folder)
    message = str(info.value)
    assert "train-images-idx3-ubyte: carries the name of an official MNIST file" in message
    assert f"expected {MNIST_FILES['train-images-idx3-ubyte']}" in message
    assert "--allow-modified" in message


def test_allow_modified_reads_them_with_a_warning(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist", with_test=False)
    with pytest.warns(DataWarning, match="using it anyway") as caught:
        mnist = load_mnist(folder, allow_modified=True)
    assert len(caught) == 2 and mnist.train_images.shape == (5, 784)


def test_load_dotted_names_and_no_test_set(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    write_idx(folder / "train-images.idx3-ubyte", tiny_images(2))
    write_idx(folder / "train-labels.idx1-ubyte", tiny_labels(2))
    mnist = load_modified(folder)
    assert mnist.train_images.shape == (2, 784)
    assert mnist.test_images is None and mnist.test_labels is None


def test_load_count_mismatch(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    write_idx(folder / "train-labels-idx1-ubyte", tiny_labels(4))
    with pytest.raises(DataError, match="5 images but .* 4 labels"):
        load_modified(folder)


def test_a_directory_of_zero_images_is_an_error(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist", m_train=0)
    with pytest.raises(DataError, match="holds no images"):
        load_modified(folder)


def test_load_idx_label_out_of_range(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    write_idx(folder / "t10k-labels-idx1-ubyte", [1, 12, 3])
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte: label 12 at index 1"):
        load_modified(folder)


def test_load_images_of_wrong_shape(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    write_idx(folder / "train-images-idx3-ubyte", np.zeros((5, 784)))
    with pytest.raises(DataError, match=r"expected images of shape \(m, 28, 28\)"):
        load_modified(folder)


def test_load_missing_train_file(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    (folder / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="no train-labels-idx1-ubyte"):
        load_modified(folder)


def test_load_half_a_test_set(tmp_path):
    folder = write_mnist_dir(tmp_path / "mnist")
    (folder / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(DataError, match="no t10k-images-idx3-ubyte"):
        load_modified(folder)


def test_load_csv(tmp_path):
    rows, images, labels = good_rows(3)
    path = write_csv(tmp_path / "train.csv", rows)
    mnist = load_mnist(path)
    np.testing.assert_array_equal(mnist.train_images, images)
    np.testing.assert_array_equal(mnist.train_labels, labels)
    assert mnist.test_images is None and mnist.test_labels is None
    assert mnist.sha256 == {"train.csv": sha256(path.read_bytes())}


def test_load_nonexistent_path(tmp_path):
    with pytest.raises(DataError, match="no such file or directory"):
        load_mnist(tmp_path / "missing")


# ---------------------------------------------------------------- the chapter and its loader

PACKAGE = Path(__file__).resolve().parent.parent
LOADING = ["primitive_nn.data", "primitive_nn.machinery.mnist", "primitive_nn.machinery.fetch",
           "primitive_nn.machinery.validate"]


def package_imports(module):
    """The primitive_nn modules that `module` imports anywhere but in its `__main__` block."""
    base = PACKAGE / module.replace(".", "/")
    tree = ast.parse((base / "__init__.py" if base.is_dir() else base.with_suffix(".py")).read_text())
    tree.body = [node for node in tree.body  # leave out `if __name__ == "__main__":`
                 if not (isinstance(node, ast.If) and "__main__" in ast.unparse(node.test))]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{alias.name}"
                      if (PACKAGE / node.module.replace(".", "/") / f"{alias.name}.py").is_file()
                      else node.module for alias in node.names}
    return {name for name in found if name.split(".")[0] == "primitive_nn"}


def test_the_data_chapter_imports_nothing_from_the_machinery():
    assert not [name for name in package_imports("primitive_nn.data") if ".machinery" in name]


def test_no_import_cycle_among_the_chapter_and_its_loader():
    graph, todo = {}, list(LOADING)
    while todo:  # every primitive_nn module reachable from LOADING
        module = todo.pop()
        if module not in graph:
            graph[module] = package_imports(module)
            todo += graph[module]
    for start in LOADING:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            assert module != start, f"{start} is on an import cycle with some of {sorted(seen)}"
            if module not in seen:
                seen.add(module)
                todo += graph[module]


@pytest.mark.parametrize("module", LOADING)
def test_each_module_imports_first_in_a_fresh_interpreter(module):
    code = f"import sys, {module}; print([m for m in sys.modules if 'primitive_nn.machinery' in m])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ), timeout=120, cwd=PACKAGE)
    assert result.returncode == 0, result.stderr
    if module == "primitive_nn.data":
        assert result.stdout.strip() == "[]"


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


def test_cli_reports_a_verified_cache(tmp_path, monkeypatch, capsys):
    folder = write_mnist_dir(tmp_path / "cache")
    table = {p.name: sha256(p.read_bytes()) for p in sorted(folder.iterdir())}
    monkeypatch.setattr(data, "MNIST_FILES", table)  # make the tiny files the "official" ones
    assert main(["--cache-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"{folder}: 5 training images, 3 test images (official MNIST, SHA-256" in out
    assert f"{table['train-images-idx3-ubyte']}  train-images-idx3-ubyte" in out


def test_cli_check_csv(tmp_path, capsys):
    rows, _, _ = good_rows(2)
    path = write_csv(tmp_path / "train.csv", rows)
    assert main(["--check", str(path)]) == 0
    assert "2 training images, no test set" in capsys.readouterr().out


def test_cli_check_modified_idx_warns_in_one_line_each(tmp_path, capsys):
    folder = write_mnist_dir(tmp_path / "mnist", with_test=False)
    assert main(["--check", str(folder), "--allow-modified"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("warning: ") for line in err)


def test_cli_bad_input_prints_one_line(tmp_path, capsys):
    rows, _, _ = good_rows(2)
    rows[1] = "1,2,3"
    assert main(["--check", str(write_csv(tmp_path / "train.csv", rows))]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert "line 3" in captured.err


def test_cli_as_a_process_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "primitive_nn.data", "--check", str(tmp_path / "missing.csv")],
        capture_output=True, text=True, env=dict(os.environ), timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


# ---------------------------------------------------------------- real MNIST


@pytest.mark.mnist
def test_real_mnist_loads_all_sixty_thousand():
    mnist = load_mnist()
    assert mnist.train_images.shape == (60_000, 784) and mnist.train_images.dtype == np.uint8
    assert mnist.train_labels.shape == (60_000,)
    assert mnist.test_images.shape == (10_000, 784) and mnist.test_labels.shape == (10_000,)
    assert mnist.sha256 == MNIST_FILES
    assert mnist.train_labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert mnist.test_labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert set(np.unique(mnist.train_labels).tolist()) == set(range(10))
    assert int(mnist.train_images.max()) == 255


@pytest.mark.mnist
def test_a_one_pixel_change_to_an_official_file_is_caught(tmp_path, mnist_cache):
    folder = tmp_path / "mnist"
    folder.mkdir()
    raw = bytearray((mnist_cache / "train-images-idx3-ubyte").read_bytes())
    raw[16 + 400] ^= 1  # one pixel of the first image
    (folder / "train-images-idx3-ubyte").write_bytes(bytes(raw))
    for name in ("train-labels-idx1-ubyte",):
        (folder / name).write_bytes((mnist_cache / name).read_bytes())
    with pytest.raises(DataError, match="train-images-idx3-ubyte: carries the name"):
        load_mnist(folder)
