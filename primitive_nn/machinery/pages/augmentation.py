r"""The book module of "Augmentation": test digits shifted, turned and scaled."""

import numpy as np
from matplotlib.figure import Figure

from primitive_nn import data
from primitive_nn.augmentation import random_affine, random_shift
from primitive_nn.machinery.figures import WIDTH, show_image, styled
from primitive_nn.machinery.lab import figure


@styled
def augmented_samples(originals, variants):
    """Each original image, then the same image under each augmentation, one row per image."""
    rows, cols = originals.shape[1], 1 + len(variants)
    fig = Figure(figsize=(WIDTH * 0.6, 1.0 * rows + 0.3), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for r in range(rows):
        show_image(axes[r, 0], originals[:, r], "original" if r == 0 else "")
        for c, (name, images) in enumerate(variants.items(), start=1):
            show_image(axes[r, c], images[:, r], name if r == 0 else "")
    return fig


@figure("augmentation-samples")
def samples_figure(lab):
    X, rng = data.to_columns(lab.mnist.test_images[:4]), np.random.default_rng(0)
    return augmented_samples(X, {  # the draws, in this order, make the figure
        "shift,\ndraw 1": random_shift(X, rng), "shift,\ndraw 2": random_shift(X, rng),
        "affine,\ndraw 1": random_affine(X, rng), "affine,\ndraw 2": random_affine(X, rng)})
