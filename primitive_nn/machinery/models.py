r"""The trained networks shipped inside the package, and their copies for the book's page.

`primitive_nn/models/` holds three networks, written by `python -m primitive_nn.book`:

| name | file | what |
|---|---|---|
| `predict` | `predict.npz` | the MLP `python -m primitive_nn.predict` uses by default |
| `convnet` | `convnet.npz` | Part IV's convnet (`primitive_nn.convnet`), `predict --network convnet` |
| `seed` | `seed.npz` | the seed's 784-10-10, trained with the book's median seed |

Each `.npz` holds plain float32 arrays `W1, b1, W2, b2, ...` and no pickles,
the same format as `python -m primitive_nn.train --out` writes. Beside them,
`models.json` records for each network its `architecture`, a name of
`primitive_nn.convnet.ARCHITECTURES` ("mlp" or "convnet", read off the
weights: a `W` with four axes is a convolution), its layers (`layer_sizes`
for an MLP, `layers` for a convnet, as `CONVNET` lists them), a one-line
description, its accuracy on the official test set, and its temperature:
the $T$ of `primitive_nn.calibration`, fitted on the images its training
held out, by which its logits are divided before the softmax so that its
probabilities mean what they say. `probabilities` applies it, and so does
the page.

The weights are committed once, as these `.npz` files. When the book is
built, `book/hooks.py` calls `export_for_site`, which writes what the "Try
it" page loads into the site: `assets/models/models.json`, a manifest, and
one `<name>.bin` per network, its arrays as little-endian float32 one after
the other in C order, the offset and shape of each named in the manifest
(a convnet's kernels $(n_F, k_H, k_W, n_C)$ as NumPy holds them, channel
fastest). The manifest also carries the constants of
`primitive_nn.handwriting`, so the page's JavaScript prepares a drawing with
the very numbers NumPy uses, and `UNSURE`, the probability below which the
page calls its answer unsure.
"""

import json
from pathlib import Path

import numpy as np

from primitive_nn import handwriting
from primitive_nn.batchnorm import fold_batchnorm
from primitive_nn.convnet import ARCHITECTURES, forward, parameter_shapes
from primitive_nn.errors import DataError
from primitive_nn.loss import softmax
from primitive_nn.machinery import files
from primitive_nn.network import n_layers

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"  # primitive_nn/models/
MANIFEST = "models.json"
NAMES = ("predict", "convnet", "seed")  # the page lists them in this order
DEFAULT = "predict"          # the network `predict` uses and the page opens with
SITE_DIR = Path("assets", "models")  # inside the built site
N_IN, N_OUT = 784, 10        # 28 x 28 pixels in, 10 digits out
ZIP_MAGIC = b"PK"            # every .npz file, a zip archive, starts with it
# The page calls an answer unsure below this top probability. The shipped networks are
# calibrated on images their training held out (primitive_nn.calibration), so on MNIST-like
# digits an answer given with probability p is right about p of the time: below 0.8, it is
# wrong more than one time in five. A setting, not a measurement.
UNSURE = 0.8


def check_shapes(params, source="model"):
    r"""Check that `params` is a network from 784 pixels to 10 digits; return its layer sizes.

    The arrays must be `W1, b1, ..., WD, bD` and nothing else, with
    $W^{[l]}$ of shape $(n_l, n_{l-1})$ and $b^{[l]}$ of shape $(n_l, 1)$,
    $n_0 = 784$ and $n_D = 10$, all finite floats.

    Raises
    ------
    DataError
        One line naming `source`, the first array that does not fit, and
        what was expected.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.zeros((16, 784)), "b1": np.zeros((16, 1)),
    ...           "W2": np.zeros((10, 16)), "b2": np.zeros((10, 1))}
    >>> check_shapes(params)
    [784, 16, 10]
    >>> check_shapes({**params, "W2": np.zeros((10, 15))}, "model.npz")
    Traceback (most recent call last):
    ...
    primitive_nn.errors.DataError: model.npz: W2 has shape (10, 15), expected (10, 16): not a network this package can run
    """
    D = len(params) // 2
    expected = [f"{p}{l}" for l in range(1, D + 1) for p in "Wb"]
    if D == 0 or sorted(params) != sorted(expected):
        raise DataError(f"{source}: holds {sorted(params) or 'no arrays'}, expected W1, b1, ..., "
                        "WD, bD: not a model written by `python -m primitive_nn.train --out`")
    sizes = [N_IN]
    for l in range(1, D + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        n_out = N_OUT if l == D else (W.shape[0] if W.ndim == 2 else -1)
        for name, array, shape in ((f"W{l}", W, (n_out, sizes[-1])), (f"b{l}", b, (n_out, 1))):
            if array.shape != shape or n_out < 1:
                raise DataError(f"{source}: {name} has shape {array.shape}, expected {shape}: "
                                "not a network this package can run")
            if array.dtype.kind != "f" or not np.isfinite(array).all():
                raise DataError(f"{source}: {name} holds {array.dtype} values that are not all "
                                "finite floats")
        sizes.append(n_out)
    return sizes


def load(path, architecture=None):
    """Load a model.npz (as `train --out` writes it) and check its shapes; return the parameters.

    A network trained with batch normalization comes back with it folded
    into its layers (`primitive_nn.batchnorm.fold_batchnorm`): W1, b1, ...
    alone, the same function as its evaluation pass.

    `architecture` names the network it must be (`check_network`); None
    reads it from the metrics.json beside the file, an MLP if there is none.
    """
    path = Path(path)
    if path.is_dir():
        model = " (it holds a model.npz: pass that file)" if (path / "model.npz").is_file() else ""
        raise DataError(f"{path}: a folder, not a model file{model}; pass the model.npz that "
                        "`python -m primitive_nn.train --out DIR` wrote")
    if not path.is_file():
        raise DataError(f"{path}: no such model file; train one with "
                        "`python -m primitive_nn.train --out DIR`, or leave out --model")
    with open(path, "rb") as file:
        if file.read(2) != ZIP_MAGIC:
            raise DataError(f"{path}: not a model.npz (an .npz file is a zip archive of arrays); "
                            "pass one written by `python -m primitive_nn.train --out`")
    params = folded(files.load_model(path), str(path))
    try:
        check_network(params, architecture or trained(path, "architecture", "mlp"), str(path))
    except DataError as error:
        if architecture or path.with_name("metrics.json").is_file():
            raise
        raise DataError(f"{error} (with no metrics.json beside it to name its --architecture, "
                        "it was read as an MLP)") from None
    activation = trained_activation(path)
    if activation != "relu":
        raise DataError(f"{path}: trained with --activation {activation} (its metrics.json says "
                        "so); predict runs ReLU networks, as every recipe of the book trains")
    return params


def folded(params, source="model"):
    """`params` with any batch normalization folded into its layers (`fold_batchnorm`): W and b alone.

    Raises
    ------
    DataError
        One line naming `source`, if its batch normalization's arrays do not fit its layers.
    """
    try:
        return fold_batchnorm(params)
    except (KeyError, ValueError) as error:
        raise DataError(f"{source}: its batch normalization does not fit its layers ({error}): "
                        "not a model written by `python -m primitive_nn.train --out`") from None


def trained_activation(path):
    """The hidden nonlinearity the metrics.json beside a model.npz records: "relu" if it says none."""
    return trained(path, "activation", "relu")


def trained(path, name, default):
    """The setting `name` the metrics.json beside a model.npz records, or `default` if it says none."""
    try:
        return str(files.read_json(Path(path).with_name("metrics.json")).get(name, default))
    except (OSError, ValueError, AttributeError):
        return default


def architecture_of(params):
    """The name in `ARCHITECTURES` of the network `params` is: "convnet" if a `W` has four axes.

    Examples
    --------
    >>> import numpy as np
    >>> architecture_of({"W1": np.zeros((16, 5, 5, 1))}), architecture_of({"W1": np.zeros((16, 784))})
    ('convnet', 'mlp')
    """
    return "convnet" if any(p.ndim == 4 for p in params.values()) else "mlp"


def check_network(params, architecture, source="model"):
    """`check_shapes` for an MLP; for an architecture with its own layers, exactly their shapes.

    Raises
    ------
    DataError
        One line naming `source` and what does not fit.
    """
    if architecture not in ARCHITECTURES:
        raise DataError(f"{source}: trained as --architecture {architecture}, which this version "
                        f"does not know (it knows {', '.join(ARCHITECTURES)})")
    layers = ARCHITECTURES[architecture].layers
    if layers is None:
        return check_shapes(params, source)
    expected, found = parameter_shapes(layers), {name: p.shape for name, p in params.items()}
    if found != expected:
        raise DataError(f"{source}: holds {found}, expected the {architecture} network's {expected}")
    for name, array in params.items():
        if array.dtype.kind != "f" or not np.isfinite(array).all():
            raise DataError(f"{source}: {name} holds {array.dtype} values that are not all "
                            "finite floats")
    return None


def read_manifest(models_dir=MODELS_DIR):
    """The manifest `models.json` of `models_dir`, or an empty one if there is none yet."""
    path = Path(models_dir) / MANIFEST
    if not path.is_file():
        return {"default": DEFAULT, "networks": {}}
    try:
        return json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc}); rerun `python -m primitive_nn.book`") from exc


def load_shipped(name=DEFAULT, models_dir=MODELS_DIR):
    """The parameters of a network shipped in the package (`NAMES`), checked as models.json's
    `architecture` says (an MLP if it says none)."""
    if name not in NAMES:
        raise DataError(f"no shipped network called {name!r}; choose one of {', '.join(NAMES)}")
    path = Path(models_dir) / f"{name}.npz"
    if not path.is_file():
        raise DataError(f"{path} is missing: the package ships it; "
                        "regenerate it with `python -m primitive_nn.book`")
    entry = read_manifest(models_dir)["networks"].get(name, {})
    return load(path, entry.get("architecture", "mlp"))


def write_shipped(name, params, description, test_accuracy, temperature=1.0, models_dir=MODELS_DIR):
    r"""Write a network into the package as `<name>.npz` (float32) and record it in `models.json`.

    Parameters
    ----------
    name : {"predict", "convnet", "seed"}
    params : dict of str to ndarray
        `W1, b1, ...`: an MLP's, checked by `check_shapes`, or a convnet's
        (a `W` with four axes), exactly `primitive_nn.convnet.parameter_shapes()`.
        Batch normalization, if it has any, is folded into the layers first,
        so the file and the page need nothing but $W$ and $b$.
    description : str
        One line, shown on the "Try it" page.
    test_accuracy : float
        On the official 10,000 test images, in [0, 1].
    temperature : float
        $T > 0$: the logits are divided by it before the softmax.
    models_dir : path-like
        The package's `primitive_nn/models/` unless a test says otherwise.

    Returns
    -------
    pathlib.Path
        The `.npz` written.
    """
    if name not in NAMES:
        raise ValueError(f"shipped networks are called {', '.join(NAMES)}, not {name!r}")
    params = {key: np.asarray(value, dtype=np.float32) for key, value in folded(params, name).items()}
    architecture = architecture_of(params)
    sizes = check_network(params, architecture, name)
    models_dir = files.prepare_output_dir(models_dir, "models folder")
    files.save_model(models_dir / f"{name}.npz", params)
    manifest = read_manifest(models_dir)
    manifest["default"] = DEFAULT
    layers = ({"layer_sizes": sizes} if sizes is not None else
              {"layers": [list(layer) for layer in ARCHITECTURES[architecture].layers]})
    manifest["networks"][name] = {"file": f"{name}.npz", "architecture": architecture, **layers,
                                  "description": description,
                                  "test_accuracy": round(float(test_accuracy), 4),
                                  "temperature": round(float(temperature), 4)}
    manifest["networks"] = {n: manifest["networks"][n] for n in NAMES if n in manifest["networks"]}
    files.write_json(models_dir / MANIFEST, manifest)
    return models_dir / f"{name}.npz"


def probabilities(params, X, temperature=1.0):
    r"""The network's probabilities for the columns of X (784, m), computed in float64: (10, m).

    The shipped weights are float32; the arithmetic is float64, as on the
    page. The logits are divided by `temperature` before the softmax:
    $\operatorname{softmax}(Z^{[D]} / T)$. The forward pass is
    `primitive_nn.convnet.forward`, which reads the layers from the
    parameters' shapes: an MLP's are exactly `primitive_nn.network.forward`'s.
    A convnet reads the columns in chunks of its `max_batch` (500), so that
    its patch matrices stay small.
    """
    params64 = {name: np.asarray(p, dtype=np.float64) for name, p in params.items()}
    X, D = np.asarray(X, dtype=np.float64), n_layers(params)
    m = max(X.shape[1], 1)                                      # no columns: one empty chunk
    chunk = ARCHITECTURES[architecture_of(params)].max_batch or m   # an MLP: all of them at once
    Z = np.concatenate([forward(params64, X[:, i:i + chunk])[f"Z{D}"]   # (10, chunk)
                        for i in range(0, m, chunk)], axis=1)         # (10, m)
    return softmax(Z / temperature)


def shipped_temperature(name=DEFAULT, models_dir=MODELS_DIR):
    """The temperature `models.json` records for a shipped network; 1.0 if it records none."""
    return float(read_manifest(models_dir)["networks"].get(name, {}).get("temperature", 1.0))


def preprocessing_constants():
    """The constants of `primitive_nn.handwriting` that the page's JavaScript needs."""
    names = ("MAX_SIDE", "FIELD", "BOX", "CENTRE", "BACKGROUND", "MIN_CONTRAST", "INK_LEVEL",
             "RULE_COVER", "RULE_THIN", "SPECK", "NEAR", "TALL", "SUBPIXEL")
    return {"LUMA": handwriting.LUMA.tolist()} | {name: getattr(handwriting, name) for name in names}


def float32_blob(params):
    """The arrays of `params` as little-endian float32 bytes, and where each one is.

    Examples
    --------
    >>> import numpy as np
    >>> blob, layout = float32_blob({"W1": np.ones((2, 3)), "b1": np.zeros((2, 1))})
    >>> len(blob), layout
    (32, [{'name': 'W1', 'shape': [2, 3], 'offset': 0}, {'name': 'b1', 'shape': [2, 1], 'offset': 6}])
    """
    chunks, layout, offset = [], [], 0
    for name, array in params.items():
        chunks.append(np.ascontiguousarray(array, dtype="<f4").tobytes())
        layout.append({"name": name, "shape": list(array.shape), "offset": offset})
        offset += array.size  # counted in float32 values, as a Float32Array indexes them
    return b"".join(chunks), layout


def export_for_site(models_dir, site_dir):
    """Write the page's manifest and one float32 `.bin` per network into `site_dir`/assets/models/.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    manifest = read_manifest(models_dir)
    target = files.prepare_output_dir(Path(site_dir) / SITE_DIR, "site folder")
    networks, written = {}, []
    for name, entry in manifest["networks"].items():
        params = load(Path(models_dir) / entry["file"], entry.get("architecture", "mlp"))
        blob, layout = float32_blob(params)
        files.write_atomically(target / f"{name}.bin", lambda f, blob=blob: f.write(blob))
        networks[name] = {"architecture": "mlp", **{k: v for k, v in entry.items() if k != "file"},
                          "file": f"{name}.bin", "dtype": "float32", "byte_order": "little",
                          "parameters": layout}
        written.append(target / f"{name}.bin")
    files.write_json(target / MANIFEST, {"default": manifest["default"], "networks": networks,
                                         "preprocessing": preprocessing_constants(),
                                         "unsure_below": UNSURE})
    return [*written, target / MANIFEST]
