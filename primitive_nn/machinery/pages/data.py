r"""The book module of "The data": the MNIST files themselves, counted and drawn."""

import numpy as np

from primitive_nn import data
from primitive_nn.machinery.figures import digit_grid, grid_figure, show_image, styled
from primitive_nn.machinery.lab import figure, quoted


@quoted()
def file_numbers(lab):
    """What the data chapter quotes about the files: digits per split, pixel statistics."""
    mnist = lab.mnist
    train, test = np.bincount(mnist.train_labels, minlength=10), np.bincount(mnist.test_labels, minlength=10)
    pixels = mnist.train_images
    edge = np.ones((28, 28), dtype=bool)
    edge[2:-2, 2:-2] = False  # the 208 pixels within two of the image's edge
    return {"data": {
        "train_count": {str(d): int(n) for d, n in enumerate(train)},
        "test_count": {str(d): int(n) for d, n in enumerate(test)},
        "train_share": {str(d): round(100 * n / train.sum(), 1) for d, n in enumerate(train)},
        "zero_pixels": round(100 * float((pixels == 0).mean()), 1),
        "full_pixels": round(100 * float((pixels == 255).mean()), 1),
        "mean_pixel": round(float(pixels.mean()) / 255, 3),
        "second_moment": round(pixel_second_moment(pixels), 3),
        "edge_pixels": int(edge.sum()),
        "edge_zero_pixels": round(100 * float((pixels[:, edge.ravel()] == 0).mean()), 2),
        "always_zero_pixels": int((pixels == 0).all(axis=0).sum())}}


def pixel_second_moment(images):
    r"""$\mathbb{E}[x^2]$ of the pixels of `images` (uint8, any shape), scaled to $[0, 1]$."""
    return float((images.astype(np.float64) ** 2).mean()) / 255 ** 2


@figure("data-samples")
def samples_figure(lab):
    return digit_grid(data.to_columns(lab.mnist.train_images[:20]), lab.mnist.train_labels[:20])


@styled
def mean_digits(X, labels):
    """The mean image of each digit, 0 to 9: the average pixel over its examples, five to a row."""
    fig, axes = grid_figure(10, 5)
    for digit, ax in enumerate(axes):
        show_image(ax, X[:, labels == digit].mean(axis=1), str(digit), cmap="magma_r")
    return fig


@figure("data-mean-digits")
def mean_digits_figure(lab):
    return mean_digits(data.to_columns(lab.mnist.train_images), lab.mnist.train_labels)
