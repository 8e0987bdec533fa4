r"""The book module of "Augmentation": test digits shifted, turned, scaled and bent.

* `elastic` trains the best MLP and Part IV's convnet with and without
  elastic distortions ($\alpha = 34$, $\sigma = 4$) over Part II's seeds; the
  runs without them are the `best` and `conv` rungs' own. Whether `best`
  adopts them was decided on dev, by the book's rule (a test holds the
  recipe to that choice).
"""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from primitive_nn import data
from primitive_nn.augmentation import (SIDE, displace, random_affine, random_elastic, random_shift,
                                       smooth_field)
from primitive_nn.machinery.figures import WIDTH, show_image, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import compared, over_seeds
from primitive_nn.machinery.recipes import CONVNETS, PART2_SEEDS, RECIPES
from primitive_nn.machinery.runs import summary

ALPHA = 34.0  # Simard et al.'s alpha for MNIST, with augmentation.SIGMA
CONTROLS = {  # network -> (its recipe without elastic distortions, the experiment its runs belong to)
    "mlp": (replace(RECIPES["best"].recipe, elastic=0.0), "ladder"),
    "conv": (replace(CONVNETS["conv"].recipe, elastic=0.0), "conv"),
}


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


@figure("augmentation-elastic")
def elastic_figure(lab):
    X, rng = data.to_columns(lab.mnist.test_images[:4]), np.random.default_rng(0)
    return augmented_samples(X, {  # the draws, in this order, make the figure
        "elastic,\ndraw 1": random_elastic(X, rng), "elastic,\ndraw 2": random_elastic(X, rng),
        "σ = 1": random_elastic(X, rng, sigma=1.0), "σ = 8": random_elastic(X, rng, sigma=8.0)})


@styled
def fields_figure(image, fields):
    """One digit under each displacement field, the field drawn as arrows on every second pixel."""
    fig = Figure(figsize=(WIDTH * 0.75, WIDTH * 0.75 / len(fields) + 0.35), layout="constrained")
    axes = fig.subplots(1, len(fields), squeeze=False)[0]
    rows, cols = np.mgrid[0:SIDE:2, 0:SIDE:2]
    for ax, (title, (d_r, d_c, warped)) in zip(axes, fields.items()):
        show_image(ax, warped, title)
        ax.quiver(cols, rows, d_c[::2, ::2], d_r[::2, ::2], color="tab:red", angles="xy",
                  scale_units="xy", scale=1, width=0.006)
    return fig


@figure("augmentation-fields")
def fields(lab):
    image, rng = lab.mnist.test_images[0].reshape(SIDE, SIDE) / 255.0, np.random.default_rng(1)
    U = rng.uniform(-1, 1, (2, 1, SIDE, SIDE))       # one field (a batch of one), smoothed two ways
    out = {}
    for title, sigma in (("σ = 1", 1.0), ("σ = 4", 4.0)):
        d_r, d_c = smooth_field(U, ALPHA, sigma)     # (1, 28, 28) each
        warped = displace(image[None], d_r, d_c)
        out[f"{title}, α = {ALPHA:g}"] = (d_r[0], d_c[0], warped[0])
    return fields_figure(image, out)


def elastic_runs(lab, alphas):
    """`{(network, alpha): runs}`: each network of CONTROLS over Part II's seeds, with elastic
    distortions of each `alpha` (0: none), all asked for together."""
    return lab.train_groups({(network, alpha): [(lab.scaled(replace(recipe, seed=s, elastic=alpha)),
                                                 f"{network}, elastic {alpha:g}, seed {s}")
                                                for s in lab.seeds(PART2_SEEDS)]
                             for network, (recipe, _) in CONTROLS.items() for alpha in alphas})


@experiment("elastic", "the best MLP and the convnet with and without elastic distortions, "
                       "three seeds each")
def elastic(lab):
    for _, owner in CONTROLS.values():
        lab.result(owner)  # the runs without distortions are charged there
    trained = elastic_runs(lab, (0.0, ALPHA))
    return {network: {"control": [summary(r, history=False) for r in trained[network, 0.0]],
                      "distorted": [summary(r, history=False) for r in trained[network, ALPHA]]}
            for network in CONTROLS}, {}


@quoted("augmentation")
def elastic_numbers(lab):
    """Each network with and without elastic distortions over seeds, compared on dev and on test."""
    runs, _ = lab.result("elastic")
    n_dev, n_test = {name: CONTROLS[name][0].dev_size for name in CONTROLS}, len(lab.mnist.test_labels)
    out = {"alpha": f"{ALPHA:g}", "adopted": RECIPES["best"].recipe.elastic > 0}
    for network, pair in runs.items():
        out[network] = {**{name: over_seeds(r) for name, r in pair.items()},
                        "dev": compared(pair["distorted"], pair["control"], n_dev[network], "dev"),
                        "test": compared(pair["distorted"], pair["control"], n_test)}
    return {"elastic": out}
