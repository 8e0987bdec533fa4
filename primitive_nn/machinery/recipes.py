r"""Recipes: every way the book trains a network, as data.

A `Recipe` names every setting of a run, with the seed notebook's choices as
defaults. A named recipe is an instance of it, and each command-line option
overrides one field: `python -m primitive_nn.train --recipe he --seed 3`.
Nothing in the package asks which recipe it is running; `run`
(`primitive_nn.machinery.experiments`) reads the fields.

`python -m primitive_nn.train --recipe list` prints `RECIPES` with a line
about each. The book's ladder (Part II) trains the rungs in `LADDER` over
several seeds.
"""

from dataclasses import dataclass, replace

from primitive_nn.seed import SEED_TRAIN_SIZE


@dataclass(frozen=True)
class Recipe:
    """One way to train; the defaults are the seed notebook's."""

    seed: int = 0                  # one Generator: the split, the start, shuffles, dropout, augmentation
    train_size: int = SEED_TRAIN_SIZE  # train on the first this many training images; 0: all 60,000
    dev_size: int = 1000           # examples held out as the dev set after shuffling; 0: none
    layers: tuple = (784, 10, 10)  # n_0, n_1, ..., n_D
    init: str = "uniform"          # "uniform" (the seed's), "he", or "zero" (no hidden layer only)
    epochs: int = 500              # passes over the training set; full batch: one per iteration
    batch_size: int | None = None  # examples per step; None: all of them (full batch)
    optimizer: str = "sgd"         # "sgd", "momentum" or "adam"
    alpha: float = 0.1             # the learning rate (the peak, under a schedule)
    momentum: float = 0.9          # beta for momentum, beta1 for Adam
    schedule: str = "constant"     # "constant", "cosine" or "step"
    warmup: float = 0.0            # epochs of linear warm-up
    weight_decay: float = 0.0      # lambda of the L2 penalty on the weights
    dropout: float = 0.0           # probability of dropping each hidden activation while training
    augment: str = "none"          # "none", "shift" (up to 2 pixels) or "affine" (shift, rotate, scale)
    faithful: bool = False         # the seed's three defects (primitive_nn.seed); float64
    dtype: str = ""                # "float32" or "float64"; "" picks float64 when faithful

    @property
    def float_dtype(self):
        """The dtype of the arithmetic: `dtype`, else float64 when faithful, else float32."""
        import numpy as np

        return np.dtype(self.dtype or ("float64" if self.faithful else "float32"))


SEED = Recipe()
PART2 = Recipe(train_size=0, dev_size=5000, init="he")  # Part II: all 60,000, 5,000 held out

# The rungs of Part II's ladder; after the baselines, each brings in the idea of one chapter.
_MINIBATCH = replace(PART2, epochs=6, batch_size=128, alpha=0.1)
_MOMENTUM = replace(_MINIBATCH, optimizer="momentum", alpha=0.02)
_COSINE = replace(_MOMENTUM, schedule="cosine", warmup=0.5, alpha=0.2)
FAST = replace(_COSINE, layers=(784, 256, 10))
_DEEP = replace(FAST, layers=(784, 800, 800, 10), epochs=15, warmup=1.0)
_REGULARIZED = replace(_DEEP, dropout=0.2)
BEST = replace(_DEEP, augment="affine", epochs=40, alpha=0.1)

LADDER = {  # name -> (recipe, what it adds)
    "seed": (SEED, "the seed's recipe, corrected: 784-10-10, uniform start, full batch"),
    "linear": (replace(SEED, layers=(784, 10), init="zero"),
               "no hidden layer at all: softmax regression, same budget"),
    "he": (replace(SEED, init="he"), "the seed's network and budget, He's start"),
    "minibatch": (_MINIBATCH, "batches of 128 for 6 epochs, on 55,000 images"),
    "momentum": (_MOMENTUM, "momentum 0.9"),
    "cosine": (_COSINE, "a cosine schedule with warm-up, and a peak rate ten times larger"),
    "fast": (FAST, "256 hidden units instead of 10: the fast recipe"),
    "deep": (_DEEP, "two hidden layers of 800, 15 epochs, a warm-up of one epoch"),
    "regularized": (_REGULARIZED, "dropout 0.2 on the hidden layers"),
    "best": (BEST, "instead of dropout, random shifts, rotations and scalings; 40 epochs at a peak rate of 0.1"),
}

# The network `python -m primitive_nn.predict` ships and the "Try it" page runs: the best
# recipe at a size that stays under about 2 MB as float32, trained on all 60,000 images.
SHIPPED = replace(BEST, layers=(784, 400, 400, 10), dev_size=0)

RECIPES = {  # name -> (recipe, one line about it)
    "seed": (SEED, "the seed notebook's recipe, its defects corrected: 784-10-10, full batch"),
    "he": (replace(SEED, init="he"), "the seed's recipe started with He initialization"),
    "linear": (replace(SEED, layers=(784, 10), init="zero"),
               "softmax regression (no hidden layer) on the seed's budget"),
    "fast": (FAST, "the fastest recipe to 98% test accuracy: 784-256-10, momentum, cosine, 6 epochs"),
    "best": (BEST, "the most accurate MLP here: 784-800-800-10, momentum, cosine, augmentation, 40 epochs"),
}


def recipe_named(name):
    """The `Recipe` called `name`, or a `KeyError` that lists the names."""
    if name not in RECIPES:
        raise KeyError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)} "
                       "(--recipe list describes them)")
    return RECIPES[name][0]
