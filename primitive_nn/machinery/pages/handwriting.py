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
from primitive_nn.errors import DataError
from primitive_nn.machinery import photos as generator
from primitive_nn.machinery.figures import WIDTH, show_image
from primitive_nn.machinery.lab import NETWORKS, experiment, figure, network, quoted
from primitive_nn.machinery.models import NAMES, probabilities
from primitive_nn.machinery.pages.calibration import calibration_of, fitted_temperature, logits
from primitive_nn.machinery.pages.seed import example_run
from primitive_nn.machinery.recipes import SHIPPED
from primitive_nn.machinery.runs import training_examples
from primitive_nn.network import forward, n_layers

FONT = 10  # points, the smallest label
PHOTO_DIGITS = (7, 2, 4, 5, 9)  # the first test image of each is photographed for the figures
PIPELINE_PHOTO = 3   # the speck photo the steps are shown on
CONDITIONS_PHOTO = 25 # the picture shown under every condition
PHOTO_SEED = 1       # the generator's pictures the book reports; those of seed 0 tuned the constants
PHOTO_COUNT = 100    # pictures per condition
ENLARGED = 3.4       # photos enlarged this much (1,088 pixels a side) to measure the reduction
REDUCTION_COUNT = 24 # ... this many of them
REDUCTION_BOUND = 32 # grey levels of 255: the most the reduction may change a pixel of the 28x28
                     # image when the box and the centring come out the same (tests hold it)
CONDITION_NAMES = {"clean": "clean scan: black on white, upright, sharp",
                   "plain": "dark ink, off-white or grey paper, light falling off by up to 30%",
                   "pencil": "light, grainy pencil on evenly lit paper",
                   "pencil_gradient": "light pencil, light falling off by 25 to 30%",
                   "speck": "a dark speck about 8 pixels across near a corner",
                   "ruled": "blue ruled lines across the page",
                   "blue": "blue ink"}


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


def pipeline_figure(rgba, params, temperature=1.0):
    """One photo through every step of `primitive_nn.handwriting.prepare`, and the network's answer.

    Two rows of four: the photo, the paper under the ink, the flattened
    picture, the ink; the ink's pieces (the digit's bright, the rest dim),
    the crop, the 20-pixel box and the centred 28×28 image.
    """
    grey = handwriting.shrink(handwriting.to_grey(rgba))
    v = 1.0 - grey if np.median(handwriting.border(grey)) > 0.5 else grey
    paper = handwriting.paper_level(v, handwriting.window(*v.shape))
    f = handwriting.flatten(grey)
    ink = handwriting.unrule(handwriting.to_ink(f))
    cut = handwriting.crop(ink)
    small = handwriting.size_normalize(cut)
    field = handwriting.centre(small)
    fig = Figure(figsize=(WIDTH, 4.4), layout="constrained")
    axes = fig.subplots(2, 4)
    _show(axes[0, 0], rgba[..., :3], f"photo {rgba.shape[0]}×{rgba.shape[1]}")
    _show(axes[0, 1], paper, "paper under the ink")
    _show(axes[0, 2], f / f.max(), "flattened")
    _show(axes[0, 3], ink, "ink")
    _show(axes[1, 0], pieces_image(ink), "pieces: the digit's")
    _show(axes[1, 1], cut, f"crop {cut.shape[0]}×{cut.shape[1]}")
    _show(axes[1, 2], small, f"box {small.shape[0]}×{small.shape[1]}")
    _show(axes[1, 3], field, "centred 28×28")
    axes[1, 3].set_xlabel(_answer(params, field, temperature), fontsize=FONT)
    return fig


def pieces_image(ink):
    """The ink's pieces: 1 for the digit's, 0.35 for the others (specks, lines), 0 for paper."""
    mask = ink > 0
    piece, boxes = handwriting.components(mask)
    chosen, _ = handwriting.digit_pieces(boxes)
    out = np.zeros(ink.shape)
    row, start, stop = handwriting.runs(mask)
    for i, p in enumerate(piece):
        out[row[i], start[i]:stop[i]] = 1.0 if p in chosen else 0.35
    return out


def one_threshold(rgba):
    """The preparation before this chapter's paper and pieces: one threshold, the box of all ink.

    The border's median is the paper, the darkest pixel the ink, every pixel
    a quarter of the way from one to the other is ink; the crop takes every
    inked pixel. What the conditions cost without flattening and pieces.
    """
    grey = handwriting.to_grey(rgba)
    v = 1.0 - grey if np.median(handwriting.border(grey)) > 0.5 else grey
    b, p = np.median(handwriting.border(v)), v.max()
    if not p - b >= 0.2:
        raise DataError("blank image")
    t = b + 0.25 * (p - b)
    ink = np.clip((v - t) / (p - t), 0.0, 1.0)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return handwriting.centre(handwriting.size_normalize(ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]))


def answers(pictures, prepare, params, temperature):
    """The network's answer to each RGBA picture, -1 where `prepare` refuses it (blank, two digits)."""
    out = []
    for rgba in pictures:
        try:
            x = prepare(rgba).reshape(784, 1)
        except DataError:
            out.append(-1)
            continue
        out.append(int(probabilities(params, x, temperature)[:, 0].argmax()))
    return np.array(out)


def condition_pictures(condition, count=PHOTO_COUNT, seed=PHOTO_SEED):
    """The generator's first `count` pictures of `condition` ("clean" for clean scans), and labels."""
    pictures = [generator.clean_scan(i, seed) if condition == "clean" else
                generator.photo(condition, i, seed) for i in range(count)]
    return [rgba for rgba, _ in pictures], np.array([label for _, label in pictures])


def prepared(rgba, reduce=True):
    """`prepare`, with `shrink` or without it, and how it went: the 28x28 image, the digit's crop
    height, its box in 20x20 and its centring shift."""
    grey = handwriting.to_grey(rgba)
    grey = handwriting.shrink(grey) if reduce else grey
    cut = handwriting.crop(handwriting.unrule(handwriting.to_ink(handwriting.flatten(grey))))
    small = handwriting.size_normalize(cut)
    r_bar, c_bar = handwriting.centre_of_mass(small)
    shift = (handwriting.pixel_shift(handwriting.CENTRE - r_bar),
             handwriting.pixel_shift(handwriting.CENTRE - c_bar))
    return handwriting.place(small, *shift), cut.shape[0], small.shape, shift


def reduction_change(rgba):
    """How much `shrink` changes a picture's 28x28 image: (largest, mean) change in grey levels, and
    whether the box and the centring shift came out the same; and the reduced digit's height."""
    full, _, *full_geometry = prepared(rgba, reduce=False)
    reduced, reduced_height, *reduced_geometry = prepared(rgba, reduce=True)
    change = 255 * np.abs(full - reduced)
    return float(change.max()), float(change.mean()), full_geometry == reduced_geometry, reduced_height


def enlarged(rgba, factor=ENLARGED):
    """A photo enlarged `factor` times (Pillow's bicubic): a picture past `MAX_SIDE` to reduce."""
    from PIL import Image

    side = round(rgba.shape[0] * factor)
    return np.asarray(Image.fromarray(rgba).resize((side, side), Image.BICUBIC))


def centring_figure(photos, params, temperature=1.0):
    """The same photos prepared three ways, with the network's answer and probability above each.

    Rows: the whole photo shrunk to 28×28 (no crop, no centring); cropped and
    fitted into the 20×20 box, but put in the top-left corner of the field;
    and prepared like MNIST, centred by the centre of mass.
    """
    fig = Figure(figsize=(WIDTH, 4.3), layout="constrained")
    axes = fig.subplots(3, len(photos))
    for j, rgb in enumerate(photos):
        grey = handwriting.to_grey(to_rgba(rgb))
        ink = handwriting.unrule(handwriting.to_ink(handwriting.flatten(grey)))
        H, W = ink.shape
        squeezed = handwriting.area_weights(H, 28) @ ink @ handwriting.area_weights(W, 28).T
        small = handwriting.size_normalize(handwriting.crop(ink))
        rows = [squeezed, handwriting.place(small, 0, 0), handwriting.centre(small)]
        for i, image in enumerate(rows):
            _show(axes[i, j], image, _answer(params, image, temperature).removeprefix("reads "))
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
    fig = Figure(figsize=(WIDTH, 3.3), layout="constrained")
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
    fig.legend(loc="outside lower center", ncols=len(networks), fontsize=FONT, frameon=False)
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
    rgba, _ = generator.photo("speck", PIPELINE_PHOTO, PHOTO_SEED)
    return pipeline_figure(rgba, shipped_run(lab).params, shipped_run_temperature(lab))


def conditions_figure(pictures, params, temperature=1.0):
    """One photo per condition: the photo, then its 28x28 image by one threshold and by the steps."""
    fig = Figure(figsize=(WIDTH, 3.9), layout="constrained")
    axes = fig.subplots(3, len(pictures))
    for j, (condition, rgba) in enumerate(pictures.items()):
        _show(axes[0, j], rgba[..., :3], condition.replace("_", "\n"))
        for i, prepare in ((1, one_threshold), (2, handwriting.prepare)):
            try:
                image = prepare(rgba)
                _show(axes[i, j], image, _answer(params, image, temperature).split(" (")[0])
            except DataError:
                _show(axes[i, j], np.zeros((28, 28)), "refused")
    for ax, label in zip(axes[1:, 0], ["one threshold", "the steps"]):
        ax.set_ylabel(label, fontsize=FONT)
    return fig


@figure("handwriting-conditions")
def conditions(lab):
    pictures = {c: generator.photo(c, CONDITIONS_PHOTO, PHOTO_SEED)[0] for c in generator.CONDITIONS}
    return conditions_figure(pictures, shipped_run(lab).params, shipped_run_temperature(lab))


@experiment("photo_conditions", "the photo generator's pictures, 100 per condition, read by the "
                                "shipped network after the chapter's steps and after one threshold")
def photo_conditions(lab):
    params, T = shipped_run(lab).params, shipped_run_temperature(lab)
    arrays = {}
    for condition in ("clean",) + generator.CONDITIONS:
        pictures, arrays[f"{condition}_labels"] = condition_pictures(condition)
        arrays[f"{condition}_steps"] = answers(pictures, handwriting.prepare, params, T)
        arrays[f"{condition}_one_threshold"] = answers(pictures, one_threshold, params, T)
    return {"count": PHOTO_COUNT, "seed": PHOTO_SEED}, arrays


@experiment("reduction_change", "how much reducing a picture past 1,024 pixels changes its 28x28 "
                                "image: photos enlarged to 1,088 pixels, with and without the reduction")
def reduction_measured(lab):
    rows = []
    for i in range(REDUCTION_COUNT):
        condition = generator.CONDITIONS[i % len(generator.CONDITIONS)]
        rows.append(reduction_change(enlarged(generator.photo(condition, i, PHOTO_SEED)[0])))
    largest, mean, same, height = (np.array(column) for column in zip(*rows))
    return {}, {"largest": largest, "mean": mean, "same_geometry": same, "reduced_height": height}


@figure("handwriting-centring")
def centring(lab):
    return centring_figure(photos(lab), shipped_run(lab).params, shipped_run_temperature(lab))


@figure("handwriting-shift")
def shifted(lab):
    networks = {"the shipped network (predict's)": shipped_run(lab).params,
                "the seed's 784-10-10": example_run(lab).params}
    return shift_figure(networks, lab.mnist.test_images.T / 255.0, lab.mnist.test_labels)


SIDE_BY_SIDE_SHIFTS = (0, 2, 3, 4)  # pixels right and down, for the table of shipped networks


def read_right(params, temperature, X, labels):
    """The share of the columns of X (784, m) that a network reads as `labels`; a column of NaN
    (a refused picture) counts as wrong."""
    known = ~np.isnan(X).any(axis=0)
    guess = probabilities(params, np.nan_to_num(X), temperature).argmax(axis=0)
    return float(np.mean(known & (guess == labels)))


@experiment("shipped_side_by_side", "each shipped network on the photos, after the chapter's "
                                    "steps, and on the test digits moved 0 to 4 pixels")
def shipped_side_by_side(lab):
    columns, labels = [], []
    for condition in CONDITION_NAMES:
        pictures, truth = condition_pictures(condition)
        for rgba in pictures:
            try:
                columns.append(handwriting.prepare(rgba).reshape(784))
            except DataError:                        # refused: blank, or two digits
                columns.append(np.full(784, np.nan))
        labels.append(truth)
    X_photos, y_photos = np.stack(columns, axis=1), np.concatenate(labels)
    X_test = lab.mnist.test_images.T / 255.0
    out = {}
    for name, entry in NETWORKS.items():
        params, _, test_accuracy, T = entry.function(lab)
        out[name] = {"test": test_accuracy, "photos": read_right(params, T, X_photos, y_photos),
                     **{f"px{k}": read_right(params, T, shift(X_test, k, k), lab.mnist.test_labels)
                        for k in SIDE_BY_SIDE_SHIFTS}}
    return {"photos": int(X_photos.shape[1]), "networks": out}, {}


@quoted("handwriting")
def side_by_side_numbers(lab):
    """The shipped networks side by side: test accuracy, photos read right, shifted digits."""
    numbers, _ = lab.result("shipped_side_by_side")
    rows = [f"| `{name}` | {100 * n['test']:.2f} | {100 * n['photos']:.1f} | "
            + " | ".join(f"{100 * n[f'px{k}']:.2f}" for k in SIDE_BY_SIDE_SHIFTS[1:]) + " |"
            for name, n in ((name, numbers["networks"][name]) for name in NAMES)]
    header = ("| network | test accuracy, % | photos read right, % | "
              + " | ".join(f"moved {k} px, %" for k in SIDE_BY_SIDE_SHIFTS[1:]) + " |")
    return {"side_by_side": {"photos": numbers["photos"], "table": "\n".join(
        [header, "|---" * (3 + len(SIDE_BY_SIDE_SHIFTS) - 1) + "|", *rows])}}


@experiment("mnist_geometry", "where MNIST's digits sit in their field: box sizes, centres of mass")
def mnist_geometry(lab):
    """Each image's box of all ink, and its centre of mass by the chapter's `centre_of_mass`."""
    geometry = {}
    for split, images in (("train", lab.mnist.train_images), ("test", lab.mnist.test_images)):
        boxes, centres = [], []
        for image in images.reshape(-1, 28, 28).astype(np.float64):
            rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
            boxes.append((rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1))
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


@quoted("handwriting")
def photo_numbers(lab):
    """The photos read right under each condition, both ways; what the reduction changed."""
    numbers, arrays = lab.result("photo_conditions")
    right = {c: {way: float(np.mean(arrays[f"{c}_{way}"] == arrays[f"{c}_labels"]))
                 for way in ("steps", "one_threshold")} for c in CONDITION_NAMES}
    refused = {c: int(np.sum(arrays[f"{c}_steps"] == -1)) for c in CONDITION_NAMES}
    rows = [f"| {c.replace('_', ' ')} | {about} | {right[c]['steps']:.0%} | "
            f"{right[c]['one_threshold']:.0%} |" for c, about in CONDITION_NAMES.items()]
    photos_ = [c for c in CONDITION_NAMES if c != "clean"]
    worst = min(photos_, key=lambda c: right[c]["steps"])
    _, change = lab.result("reduction_change")
    same = change["same_geometry"].astype(bool)
    return {"photos": {
        "count": numbers["count"], "seed": numbers["seed"], "right": right, "refused": refused,
        "table": "\n".join(["| condition | what the photos show | read right, the steps | "
                            "read right, one threshold |", "|---|---|---|---|"] + rows),
        "worst": worst.replace("_", " "), "worst_right": f"{right[worst]['steps']:.0%}",
        "clean_right": f"{right['clean']['steps']:.0%}",
        "largest_gap_points": round(100 * max(right["clean"]["steps"] - right[c]["steps"]
                                              for c in photos_)),
        "refused_total": sum(refused[c] for c in photos_)},
        "reduction": {
            "pictures": len(same), "same_geometry": int(same.sum()), "bound": REDUCTION_BOUND,
            "largest_levels": round(float(change["largest"][same].max())),
            "mean_levels": round(float(change["mean"].mean()), 1),
            "largest_levels_moved": round(float(change["largest"][~same].max())) if (~same).any() else 0,
            "reduced_height_min": int(change["reduced_height"].min()),
            "reduced_height_max": int(change["reduced_height"].max())}}
