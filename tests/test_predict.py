"""`python -m primitive_nn.predict`: its output, its one-line errors, and the shipped networks.

The command runs in-process on pictures made in the test. The tests marked
`mnist` write fake photos of MNIST test digits as PNG and JPEG files and
check that the command reads them, and that the shipped networks' recorded
test accuracies are what they score. The shipped convnet is written by the
book command; until it has run, the tests of `--network convnet` ship a
convnet of random weights into a folder of their own.
"""

import functools
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from primitive_nn import convnet
from primitive_nn.convnet import ARCHITECTURES, CONVNET, parameter_shapes
from primitive_nn.errors import DataError
from primitive_nn.loss import softmax
from primitive_nn.machinery import files, models, predict_cli
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.machinery.pages.handwriting import photograph
from primitive_nn.network import init_params

ROOT = Path(__file__).resolve().parent.parent


def save_picture(path, rgb):
    from PIL import Image

    Image.fromarray(rgb).save(path, **({"quality": 90} if path.suffix == ".jpg" else {}))
    return path


def bar(h=120, w=90):
    """A white picture with a dark upright bar off to one side: a 1."""
    rgb = np.full((h, w, 3), 235, dtype=np.uint8)
    rgb[15:100, 20:30] = 30
    return rgb


@pytest.fixture
def pictures(tmp_path):
    """Good and bad pictures, by name."""
    good = save_picture(tmp_path / "one.png", bar())
    jpeg = save_picture(tmp_path / "one.jpg", bar())
    blank = save_picture(tmp_path / "blank.png", np.full((50, 60, 3), 240, np.uint8))
    eleven = bar(w=150)
    eleven[15:100, 80:90] = 30                             # a second 1, beside the first
    two = save_picture(tmp_path / "eleven.png", eleven)
    (tmp_path / "notes.png").write_text("a shopping list, not a picture")
    (tmp_path / "cut.jpg").write_bytes(jpeg.read_bytes()[:300])
    return {"good": good, "jpeg": jpeg, "blank": blank, "text": tmp_path / "notes.png",
            "cut": tmp_path / "cut.jpg", "missing": tmp_path / "missing.png", "two": two}


def run(argv, capsys):
    status = predict_cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_one_line_per_picture_with_the_top_three(pictures, capsys):
    status, out, err = run([pictures["good"], pictures["jpeg"]], capsys)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    for line, path in zip(lines, [pictures["good"], pictures["jpeg"]]):
        assert line.startswith(f"{path}: ")
        digit = int(line.split(": ")[1].split()[0])
        top = line.split("(")[1].rstrip(")").split(", ")
        assert len(top) == 3 and int(top[0].split()[0]) == digit
        assert all(item.endswith("%") for item in top)


def test_json_lists_ten_probabilities_per_picture(pictures, capsys):
    status, out, err = run([pictures["good"], pictures["jpeg"], "--json"], capsys)
    assert status == 0 and err == ""
    results = json.loads(out)
    assert [r["path"] for r in results] == [str(pictures["good"]), str(pictures["jpeg"])]
    for r in results:
        assert set(r) == {"path", "digit", "probabilities"}
        assert len(r["probabilities"]) == 10 and sum(r["probabilities"]) == pytest.approx(1.0)
        assert r["digit"] == int(np.argmax(r["probabilities"]))


def test_the_shipped_network_answers_with_its_calibrated_probabilities(pictures, capsys):
    status, out, _ = run([pictures["good"], "--json"], capsys)
    params, T = models.load_shipped(), models.shipped_temperature()
    image = predict_cli.read(pictures["good"], params)[0].reshape(784, 1)
    assert status == 0 and T != 1.0
    assert json.loads(out)[0]["probabilities"] == pytest.approx(
        models.probabilities(params, image, T)[:, 0].tolist())


@pytest.mark.parametrize("bad, message", [
    ("text", "not an image"),
    ("cut", "cannot read this image"),
    ("blank", "blank image: no ink"),
    ("missing", "no such file"),
    ("two", "2 digits side by side"),
])
def test_a_bad_picture_gets_one_line_and_the_others_are_still_read(pictures, capsys, bad, message):
    status, out, err = run([pictures["good"], pictures[bad], pictures["jpeg"]], capsys)
    assert status == 1
    assert len(out.splitlines()) == 2                      # both good pictures were read
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert str(pictures[bad]) in err and "Traceback" not in err


def test_json_with_a_bad_picture_keeps_stdout_valid(pictures, capsys):
    status, out, err = run([pictures["text"], pictures["good"], "--json"], capsys)
    assert status == 1 and len(json.loads(out)) == 1 and "not an image" in err


def shipped_folder(folder, with_convnet=True):
    """A copy of the package's shipped networks in `folder`, and a convnet of random He weights."""
    folder.mkdir()
    for path in models.MODELS_DIR.iterdir():
        if path.suffix in (".npz", ".json") and path.name != "convnet.npz":
            shutil.copy(path, folder / path.name)
    manifest = models.read_manifest(folder)
    manifest["networks"].pop("convnet", None)
    files.write_json(folder / models.MANIFEST, manifest)
    if with_convnet:
        params = convnet.init_params(CONVNET, np.random.default_rng(0), dtype=np.float32)
        models.write_shipped("convnet", params, "random He weights", 0.1, 1.5, models_dir=folder)
    return folder


@pytest.fixture
def shipped_here(tmp_path, monkeypatch):
    """`ship(with_convnet)`: make `predict` read its shipped networks from `shipped_folder`."""
    def ship(with_convnet=True):
        folder = shipped_folder(tmp_path / "models", with_convnet)
        for name in ("load_shipped", "shipped_temperature"):
            monkeypatch.setattr(models, name, functools.partial(getattr(models, name), models_dir=folder))
        return folder
    return ship


def test_network_convnet_reads_with_the_shipped_convnet_and_its_temperature(pictures, shipped_here,
                                                                             capsys):
    folder = shipped_here()
    status, out, err = run([pictures["good"], "--network", "convnet", "--json"], capsys)
    params = models.load_shipped("convnet")
    assert {k: p.shape for k, p in params.items()} == parameter_shapes()
    image = predict_cli.read(pictures["good"], params)[0].reshape(784, 1)     # the same preparation
    expected = models.probabilities(params, image, 1.5)[:, 0]
    assert status == 0 and err == "" and models.shipped_temperature("convnet") == 1.5
    assert json.loads(out)[0]["probabilities"] == pytest.approx(expected.tolist())
    assert json.loads(out)[0]["digit"] == int(expected.argmax())
    status, out, _ = run([pictures["good"], "--json"], capsys)                # the default: predict
    assert status == 0 and json.loads(out)[0]["probabilities"] == pytest.approx(
        models.probabilities(models.load_shipped(), image, models.shipped_temperature())[:, 0].tolist())
    assert (folder / "convnet.npz").is_file()


def test_network_convnet_before_the_book_wrote_it_gets_one_line(pictures, shipped_here, capsys):
    shipped_here(with_convnet=False)
    status, out, err = run([pictures["good"], "--network", "convnet"], capsys)
    assert status == 1 and out == "" and err.count("\n") == 1
    assert "convnet.npz is missing" in err and "python -m primitive_nn.book" in err


def test_network_and_model_together_are_an_argparse_error(pictures, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        predict_cli.main([str(pictures["good"]), "--network", "seed", "--model", str(tmp_path / "m.npz")])
    assert exit_.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_a_model_from_train_out_is_used(pictures, tmp_path, capsys):
    params = init_params([784, 12, 10], np.random.default_rng(0), "he", np.float32)
    files.save_model(tmp_path / "model.npz", params)
    status, out, _ = run([pictures["good"], "--model", tmp_path / "model.npz", "--json"], capsys)
    expected = models.probabilities(params, predict_cli.read(pictures["good"], params)[0].reshape(784, 1))
    assert status == 0 and json.loads(out)[0]["probabilities"] == pytest.approx(expected[:, 0].tolist())


def test_a_model_trained_with_another_activation_gets_one_line(pictures, tmp_path, capsys):
    files.save_model(tmp_path / "model.npz", init_params([784, 12, 10], np.random.default_rng(0)))
    files.write_json(tmp_path / "metrics.json", {"activation": "tanh"})
    status, out, err = run([pictures["good"], "--model", tmp_path / "model.npz"], capsys)
    assert status == 1 and out == "" and err.count("\n") == 1
    assert "trained with --activation tanh" in err


@pytest.mark.parametrize("arrays, message", [
    ({"W1": np.zeros((10, 700)), "b1": np.zeros((10, 1)),
      "W2": np.zeros((10, 10)), "b2": np.zeros((10, 1))}, "W1 has shape (10, 700), expected (10, 784)"),
    ({"W1": np.zeros((10, 784)), "b1": np.zeros((10, 1)),
      "W2": np.zeros((5, 10)), "b2": np.zeros((5, 1))}, "W2 has shape (5, 10), expected (10, 10)"),
    ({"W1": np.zeros((10, 784)), "b1": np.zeros((10,)),
      "W2": np.zeros((10, 10)), "b2": np.zeros((10, 1))}, "b1 has shape (10,), expected (10, 1)"),
    ({"W1": np.zeros((10, 784)), "b1": np.zeros((10, 1)),
      "W3": np.zeros((10, 10)), "b2": np.zeros((10, 1))}, "expected W1, b1, ..., WD, bD"),
    ({"W1": np.full((10, 784), np.nan), "b1": np.zeros((10, 1))}, "not all finite"),
    ({}, "no arrays"),
])
def test_a_model_whose_shapes_do_not_fit_gets_one_line(pictures, tmp_path, capsys, arrays, message):
    np.savez(tmp_path / "model.npz", **arrays)
    status, out, err = run([pictures["good"], "--model", tmp_path / "model.npz"], capsys)
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and message in err and "model.npz" in err


@pytest.mark.parametrize("name, content, message", [
    ("metrics.json", "{}", "not a model.npz"),
    ("nothing.npz", None, "no such model file"),
    ("run", "folder", "a folder, not a model file"),
])
def test_a_model_that_is_not_a_model_gets_one_line(pictures, tmp_path, capsys, name, content, message):
    if content == "folder":
        (tmp_path / name).mkdir()
    elif content is not None:
        (tmp_path / name).write_text(content)
    status, _, err = run([pictures["good"], "--model", tmp_path / name], capsys)
    assert status == 1 and err.count("\n") == 1 and message in err


def test_show_saves_the_image_the_network_sees(pictures, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.chdir(tmp_path)
    status, out, _ = run([pictures["good"], pictures["jpeg"], "--show"], capsys)
    assert status == 0
    assert (tmp_path / "one.seen.png").is_file() and (tmp_path / "one-2.seen.png").is_file()
    status, out, _ = run([pictures["good"], "--show", "--out", tmp_path / "seen"], capsys)
    assert status == 0 and (tmp_path / "seen" / "one.seen.png").is_file()


def test_out_without_show_and_an_unwritable_out_get_one_line(pictures, tmp_path, capsys):
    status, _, err = run([pictures["good"], "--out", tmp_path], capsys)
    assert status == 1 and "add --show" in err
    (tmp_path / "blocker").write_text("a file")
    status, out, err = run([pictures["good"], "--show", "--out", tmp_path / "blocker"], capsys)
    assert status == 1 and out == "" and "is a file, not a folder" in err


def test_no_image_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        predict_cli.main([])
    assert exit_.value.code == 2 and capsys.readouterr().err.startswith("error: ")


def test_the_module_runs_as_a_command(pictures):
    done = subprocess.run([sys.executable, "-m", "primitive_nn.predict", str(pictures["good"])],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith(str(pictures["good"]))


# ---- the shipped networks -----------------------------------------------------------


def test_the_shipped_networks_are_in_the_package_and_small():
    """predict and seed always; the convnet once the book command has written it."""
    manifest = models.read_manifest()
    names = list(manifest["networks"])
    assert manifest["default"] == "predict" and {"predict", "seed"} <= set(names)
    assert names == [name for name in models.NAMES if name in names]       # the page's order
    for name, entry in manifest["networks"].items():
        params = models.load_shipped(name)
        assert entry["architecture"] == models.architecture_of(params)
        if entry["architecture"] == "mlp":
            assert models.check_shapes(params) == entry["layer_sizes"]
        else:
            assert entry["layers"] == [list(layer) for layer in CONVNET]
            assert {k: p.shape for k, p in params.items()} == parameter_shapes()
        assert all(p.dtype == np.float32 for p in params.values())
        assert entry["description"] and 0 < entry["test_accuracy"] <= 1
    assert manifest["networks"]["seed"]["layer_sizes"] == [784, 10, 10]
    assert manifest["networks"]["predict"]["architecture"] == "mlp"
    assert (models.MODELS_DIR / "predict.npz").stat().st_size <= 2.1e6
    if "convnet" in names:
        assert manifest["networks"]["convnet"]["architecture"] == "convnet"
        assert (models.MODELS_DIR / "convnet.npz").stat().st_size <= 0.9e6   # 215,370 float32


def test_the_shipped_networks_are_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["primitive_nn"]
    assert {"models/*.npz", "models/*.json"} <= set(patterns)


def test_an_unknown_shipped_network_is_refused():
    with pytest.raises(DataError, match="choose one of predict, convnet, seed"):
        models.load_shipped("best")


def test_write_shipped_then_load(tmp_path):
    params = init_params([784, 8, 10], np.random.default_rng(1), "he")
    models.write_shipped("seed", params, "a test network", 0.51234, 1.23456, models_dir=tmp_path)
    loaded = models.load_shipped("seed", tmp_path)
    assert all(np.array_equal(loaded[k], params[k].astype(np.float32)) for k in params)
    assert models.read_manifest(tmp_path)["networks"]["seed"] == {
        "file": "seed.npz", "architecture": "mlp", "layer_sizes": [784, 8, 10],
        "description": "a test network", "test_accuracy": 0.5123, "temperature": 1.2346}
    assert models.shipped_temperature("seed", tmp_path) == 1.2346
    with pytest.raises(DataError, match="W1 has shape"):
        models.write_shipped("seed", {**params, "W1": params["W1"][:, :100]}, "bad", 0.5,
                             models_dir=tmp_path)


def test_write_shipped_records_a_convnet_by_its_architecture(tmp_path):
    params = convnet.init_params(CONVNET, np.random.default_rng(2))                  # float64
    models.write_shipped("convnet", params, "a test convnet", 0.98765, 0.8, models_dir=tmp_path)
    models.write_shipped("seed", init_params([784, 8, 10], np.random.default_rng(1)), "an MLP",
                         0.5, models_dir=tmp_path)
    manifest = models.read_manifest(tmp_path)
    assert list(manifest["networks"]) == ["convnet", "seed"]                          # NAMES' order
    assert manifest["networks"]["convnet"] == {
        "file": "convnet.npz", "architecture": "convnet",
        "layers": [["conv", 5, 16], ["relu"], ["pool", 2], ["conv", 5, 32], ["relu"], ["pool", 2],
                   ["dense", 128], ["relu"], ["dense", 10]],
        "description": "a test convnet", "test_accuracy": 0.9877, "temperature": 0.8}
    loaded = models.load_shipped("convnet", tmp_path)
    assert {k: p.shape for k, p in loaded.items()} == parameter_shapes()
    assert all(np.array_equal(loaded[k], params[k].astype(np.float32)) for k in params)
    assert models.shipped_temperature("convnet", tmp_path) == 0.8


def test_a_convnet_of_other_shapes_is_refused_by_write_shipped(tmp_path):
    params = convnet.init_params(CONVNET, np.random.default_rng(2))
    with pytest.raises(DataError, match="convnet: holds .* expected the convnet network's"):
        models.write_shipped("convnet", {**params, "W2": params["W2"][:8]}, "bad", 0.5,
                             models_dir=tmp_path)
    assert not (tmp_path / "convnet.npz").exists()


def test_probabilities_of_a_convnet_go_in_chunks_of_its_largest_pass(monkeypatch):
    params = convnet.init_params(CONVNET, np.random.default_rng(3), dtype=np.float32)
    X = np.random.default_rng(4).random((784, 7))
    params64 = {k: p.astype(np.float64) for k, p in params.items()}
    whole = convnet.forward(params64, X)["Z4"]                                        # (10, 7)
    monkeypatch.setitem(ARCHITECTURES, "convnet", ARCHITECTURES["convnet"]._replace(max_batch=3))
    A = models.probabilities(params, X, 2.0)                                          # 3 + 3 + 1
    assert A.shape == (10, 7) and np.allclose(A, softmax(whole / 2.0), rtol=0, atol=1e-12)


def test_export_for_site_writes_float32_the_page_can_index(tmp_path):
    """The package's networks, and a convnet if the book has not shipped one yet."""
    folder = models.MODELS_DIR
    if "convnet" not in models.read_manifest()["networks"]:
        folder = shipped_folder(tmp_path / "models")
    written = models.export_for_site(folder, tmp_path / "site")
    target = tmp_path / "site" / "assets" / "models"
    assert set(written) == {target / f"{name}.bin" for name in models.NAMES} | {target / "models.json"}
    manifest = json.loads((target / "models.json").read_text())
    assert manifest["preprocessing"]["BOX"] == 20 and manifest["default"] == "predict"
    assert list(manifest["networks"]) == list(models.NAMES)
    total = 0
    for name, entry in manifest["networks"].items():
        blob = np.fromfile(target / entry["file"], dtype="<f4")
        params = models.load_shipped(name, folder)
        assert entry["architecture"] == models.architecture_of(params)
        for p in entry["parameters"]:
            size = int(np.prod(p["shape"]))
            array = blob[p["offset"]:p["offset"] + size].reshape(p["shape"])
            assert np.array_equal(array, params[p["name"]])
        total += blob.nbytes
    assert manifest["networks"]["convnet"]["parameters"][0] == {
        "name": "W1", "shape": [16, 5, 5, 1], "offset": 0}                            # NHWC kernels
    assert (target / "convnet.bin").stat().st_size == 4 * 215_370
    assert total <= 4e6  # what the page loads: a few MB at most


@pytest.mark.mnist
def test_the_recorded_test_accuracies_are_what_the_networks_score(mnist_cache):
    from primitive_nn import data

    mnist = load_mnist(mnist_cache)
    for name, entry in models.read_manifest()["networks"].items():
        A = models.probabilities(models.load_shipped(name), mnist.test_images.T / 255.0)
        assert np.mean(A.argmax(axis=0) == mnist.test_labels) == pytest.approx(
            entry["test_accuracy"], abs=1e-4)


@pytest.mark.mnist
def test_photos_of_test_digits_as_files_are_read(mnist_cache, tmp_path, capsys):
    """Dark on light, off-centre, slightly blurred, larger than 28x28, as PNG and JPEG files."""
    from primitive_nn import data

    mnist = load_mnist(mnist_cache)
    rng = np.random.default_rng(7)
    paths, labels = [], []
    for k in range(20):
        photo = photograph(mnist.test_images[k], rng)
        paths.append(save_picture(tmp_path / f"digit{k}.{'jpg' if k % 2 else 'png'}", photo))
        labels.append(int(mnist.test_labels[k]))
    status, out, _ = run([*paths, "--json"], capsys)
    read = [r["digit"] for r in json.loads(out)]
    assert status == 0 and np.sum(np.array(read) == labels) >= 19
