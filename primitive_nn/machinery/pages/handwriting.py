r"""The book module of "How MNIST digits were made": the shipped network, and photos of digits.

* `shipped`: the network `python -m primitive_nn.predict` ships and the
  "Try it" page runs: the best recipe at a smaller size, trained on 55,000
  training images, its temperature fitted on the 5,000 it held out
  (`primitive_nn.machinery.recipes.SHIPPED`).

`photograph` turns an MNIST digit into the kind of picture a reader would
take of a digit on paper: dark on light, much larger than 28×28, off-centre,
slightly blurred, a little noisy, under uneven light. The chapter's figures
and the tests of `python -m primitive_nn.predict` use it, so they need no
image files. It uses Pillow to enlarge and blur, which is fine here: the
chapter's own steps, which the page's JavaScript mirrors, never do.
"""

from functools import partial

import numpy as np
from matplotlib.figure import Figure

from primitive_nn import data, handwriting
from primitive_nn.architecture import count_params
from primitive_nn.machinery.figures import WIDTH, show_image
from primitive_nn.machinery.lab import experiment, figure, network, quoted
from primitive_nn.machinery.models import probabilities
from primitive_nn.machinery.pages.calibration import calibration_of, fitted_temperature, logits
from primitive_nn.machinery.pages.seed import example_run
from primitive_nn.machinery.recipes import SHIPPED
from primitive_nn.machinery.runs import training_examples
from primitive_nn.network import forward, n_layers

FONT = 10  # points, the smallest label
PHOTO_DIGITS = (7, 2, 4, 5, 9)  # the first test image of each is photographed for the figures


@experiment("shipped", "the network predict ships: the best recipe, small, on 55,000 images, "
                       "calibrated on the 5,000 it held out")
def shipped(lab):
    run = shipped_run(lab)
    T = fitted_temperature(run, lab.mnist)
    Z_test = logits(run.params, data.to_columns(lab.mnist.test_images, np.float64))
    return {"test_accuracy": run.test_accuracy, "train_accuracy": run.train_accuracy,
            "dev_accuracy": run.dev_accuracy, "wall_seconds": run.wall_seconds,
            "params": count_params(run.recipe.layers), "layers": list(run.recipe.layers),
            "temperature": T, "dev_size": run.recipe.dev_size,
            "train_size": training_examples(run.recipe, lab.mnist),
            "test": calibration_of(Z_test, lab.mnist.test_labels.astype(int), T)}, {}


def shipped_run(lab):
    """The run of the shipped network (trained once, then cached)."""
    return lab.train(lab.scaled(SHIPPED), "shipped network")


def shipped_run_temperature(lab):
    """The shipped network's temperature: its answers in the figures are `predict`'s."""
    return lab.result("shipped")[0]["temperature"]


@network("predict")
def shipped_network(lab):
    numbers, _ = lab.result("shipped")
    return (shipped_run(lab).params,
            f"{'-'.join(map(str, numbers['layers']))}, the best recipe at a smaller size, "
            f"trained on {numbers['train_size']:,} training digits and calibrated on the other "
            f"{numbers['dev_size']:,} (T = {numbers['temperature']:.2f})", numbers["test_accuracy"], numbers["temperature"])


def photograph(image, rng, *, scale=8, margin=(30, 90), blur=2.0, paper=0.86, ink=0.16,
               noise=0.015):
    r"""A fake photo of an MNIST digit: dark ink on light paper, large, off-centre, blurred.

    Parameters
    ----------
    image : ndarray of shape (28, 28) or (784,), uint8 0-255 or floats in [0, 1]
        An MNIST digit, ink bright.
    rng : numpy.random.Generator
        Places the digit, tints the ink, lights the paper and draws the noise.
    scale : int
        How much larger the digit is drawn: 28·scale pixels square.
    margin : (int, int)
        The smallest and largest paper margin around the enlarged digit, in
        pixels, drawn independently for each side: the digit is off-centre.
    blur : float
        The radius of Pillow's Gaussian blur, in pixels of the photo.
    paper, ink : float
        Grey levels of the paper and of the darkest ink, before lighting.
    noise : float
        Standard deviation of the pixel noise.

    Returns
    -------
    rgb : ndarray of shape (H, W, 3), dtype uint8
        H and W are 28·scale plus two margins.

    Examples
    --------
    >>> import numpy as np
    >>> digit = np.zeros((28, 28)); digit[4:24, 12:15] = 1.0
    >>> photo = photograph(digit, np.random.default_rng(0))
    >>> photo.dtype, photo.shape[2], min(photo.shape[:2]) > 28 * 8
    (dtype('uint8'), 3, True)
    """
    from PIL import Image, ImageFilter

    digit = np.asarray(image, dtype=np.float64).reshape(28, 28)
    digit = digit / 255.0 if digit.max() > 1 else digit
    size = 28 * scale
    big = Image.fromarray(digit.astype(np.float32), mode="F").resize((size, size), Image.BICUBIC)
    top, bottom, left, right = rng.integers(margin[0], margin[1] + 1, 4)
    coverage = np.zeros((size + top + bottom, size + left + right))
    coverage[top:top + size, left:left + size] = np.clip(np.asarray(big), 0.0, 1.0)
    H, W = coverage.shape
    light = 1.0 - 0.08 * np.add.outer(np.linspace(0, 1, H), np.linspace(0, 1, W)) / 2  # a shadow
    tint = np.array([1.0, 1.0, 1.0]) + rng.uniform(-0.15, 0.15, 3)                       # ink colour
    grey = paper + (ink - paper) * coverage                                               # (H, W)
    rgb = (grey[..., None] * np.where(coverage[..., None] > 0, tint, 1.0)) * light[..., None]
    rgb = rgb + rng.normal(0.0, noise, rgb.shape)
    photo = Image.fromarray(np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8))
    return np.asarray(photo.filter(ImageFilter.GaussianBlur(blur)))


def to_rgba(rgb):
    """Add an opaque alpha channel to an (H, W, 3) uint8 picture."""
    alpha = np.full(rgb.shape[:2] + (1,), 255, dtype=np.uint8)
    return np.concatenate([rgb, alpha], axis=2)


_show = partial(show_image, vmin=0.0, vmax=1.0, fontsize=FONT, frame=True)  # grey levels 0 to 1


def _answer(params, image, temperature):
    A = probabilities(params, image.reshape(784, 1), temperature)[:, 0]  # (10,)
    return f"reads {A.argmax()} ({A.max():.0%})"


def pipeline_figure(rgb, params, temperature=1.0):
    """One photo through every step of `primitive_nn.handwriting.prepare`, and the network's answer."""
    grey = handwriting.to_grey(to_rgba(rgb))
    ink = handwriting.to_ink(grey)
    cut = handwriting.crop(ink)
    small = handwriting.size_normalize(cut)
    field = handwriting.centre(small)
    fig = Figure(figsize=(WIDTH, 2.3), layout="constrained")
    axes = fig.subplots(1, 5, width_ratios=[rgb.shape[1] / rgb.shape[0], 1, 1, 1, 1])
    _show(axes[0], rgb, f"photo {rgb.shape[0]}×{rgb.shape[1]}")
    _show(axes[1], ink, "ink")
    _show(axes[2], cut, f"crop {cut.shape[0]}×{cut.shape[1]}")
    _show(axes[3], small, f"box {small.shape[0]}×{small.shape[1]}")
    _show(axes[4], field, "centred 28×28")
    axes[4].set_xlabel(_answer(params, field, temperature), fontsize=FONT)
    return fig


def centring_figure(photos, params, temperature=1.0):
    """The same photos prepared three ways, with the network's answer above each.

    Rows: the whole photo shrunk to 28×28 (no crop, no centring); cropped and
    fitted into the 20×20 box, but put in the top-left corner of the field;
    and prepared like MNIST, centred by the centre of mass.
    """
    fig = Figure(figsize=(WIDTH, 5.2), layout="constrained")
    axes = fig.subplots(3, len(photos))
    for j, rgb in enumerate(photos):
        ink = handwriting.to_ink(handwriting.to_grey(to_rgba(rgb)))
        H, W = ink.shape
        squeezed = handwriting.area_weights(H, 28) @ ink @ handwriting.area_weights(W, 28).T
        small = handwriting.size_normalize(handwriting.crop(ink))
        rows = [squeezed, handwriting.place(small, 0, 0), handwriting.centre(small)]
        for i, image in enumerate(rows):
            _show(axes[i, j], image, _answer(params, image, temperature))
    for ax, label in zip(axes[:, 0], ["whole photo", "top-left", "centred"]):
        ax.set_ylabel(label, fontsize=FONT)
    return fig


def shift(X, dr, dc):
    """Move every 28x28 column of X (784, m) by dr rows and dc columns, filling with 0."""
    images = X.reshape(28, 28, -1)
    out = np.zeros_like(images)
    rows_to, rows_from = slice(max(dr, 0), 28 + min(dr, 0)), slice(max(-dr, 0), 28 + min(-dr, 0))
    cols_to, cols_from = slice(max(dc, 0), 28 + min(dc, 0)), slice(max(-dc, 0), 28 + min(-dc, 0))
    out[rows_to, cols_to] = images[rows_from, cols_from]
    return out.reshape(784, -1)


def shift_figure(networks, X, labels, shifts=range(7)):
    """Test accuracy of each network when every test digit is moved right and down by k pixels.

    Parameters
    ----------
    networks : dict of str to dict of str to ndarray
        Label to parameters.
    X : ndarray of shape (784, m)
    labels : ndarray of int, shape (m,)
    """
    fig = Figure(figsize=(WIDTH, 3.0), layout="constrained")
    ax = fig.subplots()
    X = X.reshape(784, -1)
    for label, params in networks.items():
        D = n_layers(params)
        accuracy = [float(np.mean(forward(params, shift(X, k, k).astype(params["W1"].dtype))
                                  [f"A{D}"].argmax(axis=0) == labels)) for k in shifts]
        ax.plot(list(shifts), accuracy, "o-", label=label)
    ax.set(xlabel="shift right and down (pixels)", ylabel="test accuracy", ylim=(0, 1))
    ax.xaxis.label.set_size(FONT)
    ax.yaxis.label.set_size(FONT)
    ax.tick_params(labelsize=FONT)
    ax.legend(fontsize=FONT)
    ax.grid(alpha=0.3)
    return fig


# ---------------------------------------------------------------- registered figures


def photos(lab):
    """A fake photo of the first test image of each of `PHOTO_DIGITS`, all from one generator."""
    rng = np.random.default_rng(0)
    picks = [int(np.flatnonzero(lab.mnist.test_labels == d)[0]) for d in PHOTO_DIGITS]
    return [photograph(lab.mnist.test_images[k], rng) for k in picks]


@figure("handwriting-pipeline")
def pipeline(lab):
    return pipeline_figure(photos(lab)[0], shipped_run(lab).params, shipped_run_temperature(lab))


@figure("handwriting-centring")
def centring(lab):
    return centring_figure(photos(lab), shipped_run(lab).params, shipped_run_temperature(lab))


@figure("handwriting-shift")
def shifted(lab):
    networks = {"the shipped network (predict's)": shipped_run(lab).params,
                "the seed's 784-10-10": example_run(lab).params}
    return shift_figure(networks, lab.mnist.test_images.T / 255.0, lab.mnist.test_labels)


@experiment("mnist_geometry", "where MNIST's digits sit in their field: box sizes, centres of mass")
def mnist_geometry(lab):
    """Each image's ink box and centre of mass, by the chapter's `crop` and `centre_of_mass`."""
    geometry = {}
    for split, images in (("train", lab.mnist.train_images), ("test", lab.mnist.test_images)):
        boxes, centres = [], []
        for image in images.reshape(-1, 28, 28).astype(np.float64):
            boxes.append(handwriting.crop(image).shape)
            centres.append(handwriting.centre_of_mass(image))
        geometry[split] = {"longer_side": np.max(boxes, axis=1), "centre": np.asarray(centres)}
    return {}, {f"{split}_{k}": v for split, g in geometry.items() for k, v in g.items()}


@quoted("handwriting")
def geometry_numbers(lab):
    """How many digits fill 20 pixels, and how far their centres of mass sit from (14, 14)."""
    _, arrays = lab.result("mnist_geometry")
    out = {}
    for split in ("train", "test"):
        offset = arrays[f"{split}_centre"] - 14.0  # (m, 2): row and column
        out[split] = {"images": f"{len(offset):,}",
                      "longer_side_20": f"{(arrays[f'{split}_longer_side'] == 20).sum():,}",
                      "within_half_pixel": f"{(np.abs(offset) <= 0.5).all(axis=1).sum():,}",
                      "centre_sd_px": round(float(offset.std()), 2),
                      "max_offset_px": round(float(np.abs(offset).max()), 2)}
    return out

