r"""The book module of "Pooling": how much a shift of the digit changes its maps, pooled and not.

Nothing here trains. The measurement takes the first `N_IMAGES` test digits,
moves each `SHIFTS` pixels to the right, and compares what several stages of
the convnet's first layer make of the moved digit with what they make of the
original one (`pooling.relative_change`): the pixels, the feature maps of the
convolution chapter's hand-made filters after a ReLU, and those maps max-pooled
once and twice, or average-pooled once. It takes a few seconds.
"""

import functools

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.activations import relu
from primitive_nn.convolution import conv_forward, hand_made_kernels
from primitive_nn.machinery.figures import WIDTH, show_image, styled
from primitive_nn.machinery.lab import figure, quoted
from primitive_nn.machinery.pages.convolution import framed
from primitive_nn.pooling import average_pool, max_pool, relative_change, translate

N_IMAGES = 1000        # the first test digits
SHIFTS = range(0, 5)   # pixels to the right
EXAMPLE = 0            # the test digit of the example figure, a 7


def features(X):
    """The hand-made filters' feature maps after a ReLU: (m, 28, 28, 1) -> (m, 28, 28, 4)."""
    K = hand_made_kernels()
    return relu(conv_forward(X, K, np.zeros(len(K))))


STAGES = {  # what a shift is measured on: a name and a function of the images
    "pixels": lambda X: X,
    "feature maps": features,
    "max-pooled once": lambda X: max_pool(features(X)),
    "max-pooled twice": lambda X: max_pool(max_pool(features(X))),
    "average-pooled once": lambda X: average_pool(features(X)),
}
KEYS = {"pixels": "pixels", "feature maps": "maps", "max-pooled once": "max1",
        "max-pooled twice": "max2", "average-pooled once": "avg1"}


def first_digits(lab):
    """The first `N_IMAGES` test digits as NHWC images in [0, 1], float64."""
    images = lab.mnist.test_images[:N_IMAGES]
    return (images / 255.0).reshape(len(images), 28, 28, 1)


@functools.lru_cache(maxsize=1)
def _measured(images_bytes, m):
    """{stage: (mean relative change per shift, its standard error, share unchanged at 1 px)}."""
    X = np.frombuffer(images_bytes).reshape(m, 28, 28, 1)
    out = {}
    for name, stage in STAGES.items():
        before = stage(X)
        changes = [relative_change(stage(translate(X, 0, s)), before) for s in SHIFTS]
        moved = stage(translate(X, 0, 1))
        nonzero = (before != 0) | (moved != 0)
        out[name] = ([float(c.mean()) for c in changes], [float(c.std(ddof=1) / np.sqrt(m)) for c in changes],
                     float(((moved == before) & nonzero).sum() / nonzero.sum()))
    return out


def measured(lab):
    """The shift measurement on the lab's test digits (computed once per process)."""
    X = first_digits(lab)
    return _measured(X.tobytes(), len(X))


@quoted("pooling")
def pooling_numbers(lab):
    """Relative change under a 1-pixel shift, and the share of entries left as they were, per stage."""
    out = {"images": len(first_digits(lab))}
    for name, (mean, se, unchanged) in measured(lab).items():
        out[KEYS[name]] = {"change_1px": round(100 * mean[1], 1), "se_1px": round(100 * se[1], 1),
                           "change_2px": round(100 * mean[2], 1),
                           "unchanged_1px": round(100 * unchanged, 1)}
    return out


@styled
def shift_figure(curves):
    """Mean relative change against the shift, one line per stage; the key below, off the data."""
    fig = Figure(figsize=(WIDTH, 3.4), layout="constrained")
    ax = fig.subplots()
    for name, (mean, se, _) in curves.items():
        ax.errorbar(list(SHIFTS), 100 * np.array(mean), yerr=200 * np.array(se), marker="o",
                    label=name, capsize=2)
    ax.set(xlabel="shift to the right, pixels", ylabel="relative change, %",
           xticks=list(SHIFTS), title="How much a shift changes each stage")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


@figure("pooling-shift")
def shift_curves(lab):
    return shift_figure(measured(lab))


@styled
def example_figure(x):
    """One digit's vertical-edge map, and the map of the digit moved a pixel; below, both max-pooled."""
    maps = {"digit": features(x)[0, :, :, 0], "moved 1 px": features(translate(x, 0, 1))[0, :, :, 0]}
    rows = {"feature map": maps, "max-pooled": {k: max_pool(v[None, :, :, None])[0, :, :, 0]
                                                 for k, v in maps.items()}}
    fig = Figure(figsize=(WIDTH, 3.9), layout="constrained")
    axes = fig.subplots(2, 3)
    for r, (row, shown) in enumerate(rows.items()):
        limit = max(np.abs(v).max() for v in shown.values())
        difference = shown["moved 1 px"] - shown["digit"]
        for c, (title, image) in enumerate([*shown.items(), ("difference", difference)]):
            cmap, low = ("RdBu_r", -limit) if title == "difference" else ("gray_r", 0)
            show_image(axes[r, c], image, title if r == 0 else "", cmap=cmap, vmin=low, vmax=limit,
                       frame=True)
            framed(axes[r, c])
        axes[r, 0].set_ylabel(row)
    return fig


@figure("pooling-example")
def example(lab):
    return example_figure((lab.mnist.test_images[EXAMPLE] / 255.0).reshape(1, 28, 28, 1))
