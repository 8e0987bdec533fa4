r"""The book module of "Convolution as a matrix product": counts of the convnet, a digit's feature maps.

Nothing here trains, and nothing takes more than a moment: the numbers are
counts (`convolution.layer_costs` for the convnet, `architecture.count_params`
for Part II's MLPs), and the figures convolve one test digit.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from primitive_nn.architecture import count_params, multiply_adds_per_example
from primitive_nn.convolution import (CONVNET, conv_forward, hand_made_kernels, layer_costs, pad,
                                      patches)
from primitive_nn.machinery.figures import WIDTH, show_image, styled
from primitive_nn.machinery.lab import figure, quoted
from primitive_nn.machinery.recipes import RECIPES

MLPS = ("seed", "fast", "best")  # Part II's networks to set beside the convnet: 784-10-10, -256-, -800-800-
BATCH = 128                      # images per batch, for the patch matrix's memory
DIGIT = 0                        # the test image the figures convolve: a 7
KERNEL_NAMES = ("vertical edge", "horizontal edge", "diagonal edge", "blur")
ROW, WINDOWS = 9, (9, 18)  # the image row and two window positions of the patch figure


def digit(lab):
    """Test image `DIGIT` as one NHWC image in [0, 1], shape (1, 28, 28, 1)."""
    return (lab.mnist.test_images[DIGIT] / 255.0).reshape(1, 28, 28, 1)


def layer_name(layer):
    """A layer of `CONVNET` as the page's table names it.

    Examples
    --------
    >>> layer_name(("conv", 5, 16)), layer_name(("pool", 2)), layer_name(("dense", 10))
    ('conv 5×5, 16 filters', 'max-pool 2', 'dense 10')
    """
    return {"conv": lambda k, n: f"conv {k}×{k}, {n} filters", "pool": lambda k: f"max-pool {k}",
            "dense": lambda n: f"dense {n}", "relu": lambda: "ReLU"}[layer[0]](*layer[1:])


def shape_name(shape):
    """An example's shape as the page's table writes it: a dense layer's output is a plain number.

    Examples
    --------
    >>> shape_name((14, 14, 32)), shape_name((1, 1, 128))
    ('14 × 14 × 32', '128')
    """
    return str(shape[-1]) if shape[:2] == (1, 1) else " × ".join(map(str, shape))


def framed(ax):
    """A thin grey frame on all four sides of an image's axes, which keep their labels."""
    for spine in ax.spines.values():
        spine.set(visible=True, color="#aaaaaa", linewidth=0.8)


@quoted("convolution")
def convolution_numbers(lab):
    """The convnet layer by layer; its totals against Part II's MLPs; the patch matrix's memory."""
    costs = [c for c in layer_costs(CONVNET, (28, 28, 1)) if c["layer"][0] != "relu"]
    conv = [c for c in costs if c["layer"][0] == "conv"]
    params = sum(c["params"] for c in costs)
    madds = sum(c["multiply_adds"] for c in costs)
    n_out = 28 * 28 * CONVNET[0][2]                     # the first convolution's outputs
    mlps = {name: RECIPES[name].recipe.layers for name in MLPS}
    return {
        "layers": [{"name": layer_name(c["layer"]), "shape": shape_name(c["shape"]),
                    "params": f"{c['params']:,}", "multiply_adds": f"{c['multiply_adds']:,}"}
                   for c in costs],
        "params": f"{params:,}", "multiply_adds": f"{madds:,}",
        "conv_params": f"{sum(c['params'] for c in conv):,}",
        "conv_share_of_madds": round(100 * sum(c["multiply_adds"] for c in conv) / madds, 1),
        "dense_like_conv1": f"{n_out * (28 * 28 + 1):,}",
        "mlps": {name: {"layers": "-".join(map(str, layers)), "params": f"{count_params(layers):,}",
                        "multiply_adds": f"{multiply_adds_per_example(layers, training=False):,}"}
                 for name, layers in mlps.items()},
        "madds_over_fast": round(madds / multiply_adds_per_example(mlps["fast"], training=False), 1),
        "batch": BATCH,
        "patch_mb": [round(BATCH * c["patch_entries"] * 4 / 1e6, 1) for c in conv],  # float32
        "input_mb": round(BATCH * 28 * 28 * 4 / 1e6, 2),
    }


@styled
def feature_maps_figure(x, K, names):
    """Above, the digit and each hand-made kernel with its weights; below, each kernel's feature map."""
    Z = conv_forward(x, K, np.zeros(len(K)))[0]          # (28, 28, n_F), 'same' padding
    fig = Figure(figsize=(WIDTH, 3.0), layout="constrained")
    axes = fig.subplot_mosaic([["x", *[f"k{f}" for f in range(len(K))]],
                               [".", *[f"z{f}" for f in range(len(K))]]])
    show_image(axes["x"], x[0, :, :, 0], "the digit")
    for f, name in enumerate(names):
        kernel, ax = K[f, :, :, 0], axes[f"k{f}"]
        limit = np.abs(kernel).max()
        show_image(ax, kernel, name.replace(" ", "\n"), cmap="RdBu_r", vmin=-limit, vmax=limit)
        shown = {(1, 1): "1/9 each"} if np.ptp(kernel) == 0 else np.ndenumerate(kernel * 4)
        for (u, v), w in dict(shown).items():
            dark = not isinstance(w, str) and abs(w) > 1.5
            ax.text(v, u, w if isinstance(w, str) else f"{w:g}", ha="center", va="center",
                    color="white" if dark or isinstance(w, str) else "black")
        limit = np.abs(Z[:, :, f]).max()
        show_image(axes[f"z{f}"], Z[:, :, f], "", cmap="RdBu_r", vmin=-limit, vmax=limit, frame=True)
        framed(axes[f"z{f}"])
    axes["z0"].set_ylabel("feature map")
    return fig


@figure("convolution-feature-maps")
def feature_maps(lab):
    return feature_maps_figure(digit(lab), hand_made_kernels(), KERNEL_NAMES)


@styled
def patches_figure(x, k=5, row=ROW, windows=WINDOWS):
    """Left: the padded digit with two k×k windows; right: the patch matrix's rows for one image row."""
    p = (k - 1) // 2
    P = patches(x, k, k, 1, p).reshape(28, 28, k * k)[row]   # the 28 windows of output row `row`
    fig = Figure(figsize=(WIDTH, 3.0), layout="constrained")
    left, right = fig.subplots(1, 2)
    show_image(left, pad(x, p)[0, :, :, 0], "the digit, padded by 2")
    right.imshow(P, cmap="gray_r", interpolation="nearest", aspect="auto")
    for color, j in zip(("C0", "C1"), windows):
        left.add_patch(Rectangle((j - 0.5, row - 0.5), k, k, fill=False, edgecolor=color, linewidth=2))
        right.add_patch(Rectangle((-0.5, j - 0.5), k * k, 1, fill=False, edgecolor=color, linewidth=2))
    right.set(xlabel="window entry (u, v)", ylabel="window j", title=f"28 rows of P: output row {row}")
    right.set_xticks([0, k * k - 1], ["(0, 0)", f"({k - 1}, {k - 1})"])
    return fig


@figure("convolution-patches")
def patches_picture(lab):
    return patches_figure(digit(lab))
