r"""Running a recipe from start to finish, and summarizing runs over seeds.

`run` does what the seed did, in the same order, for any `Recipe`
(`primitive_nn.machinery.recipes`): take the training images, shuffle and
split off a dev set with a seeded `np.random.Generator`, initialize with the
same generator, train, and evaluate on the training, dev and official test
sets. A recipe with a full batch, plain SGD, a constant rate and none of
Part II's extras trains with `primitive_nn.train.train`, as Part I did; any
other trains with `primitive_nn.minibatch.fit`. `run` returns everything it
measured as a `Run`; it prints nothing.
"""

import json
import math
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np

from primitive_nn import __version__, data, seed
from primitive_nn.augmentation import AUGMENTATIONS
from primitive_nn.errors import TrainingError
from primitive_nn.loss import cross_entropy_from_logits, one_hot
from primitive_nn.machinery import files
from primitive_nn.machinery.recipes import Recipe
from primitive_nn.minibatch import fit
from primitive_nn.network import INITIALIZERS, backward, forward, init_params, n_layers
from primitive_nn.optimizers import OPTIMIZERS
from primitive_nn.regularization import dropout_backward, dropout_forward, with_weight_decay
from primitive_nn.schedules import SCHEDULES
from primitive_nn.train import Diverged, train

SEED_REPORTED_TRAIN_ACCURACY = 0.8636  # the seed notebook, iteration 490, one unseeded run
CHOICES = {"init": INITIALIZERS, "optimizer": OPTIMIZERS, "schedule": SCHEDULES,
           "augment": AUGMENTATIONS}


@dataclass
class Run:
    """What one run produced and measured."""

    recipe: Recipe
    params: dict             # trained (None if it diverged and that was allowed)
    initial_params: dict     # where training started
    history: list            # full batch: a record every 10 iterations; mini-batch: every epoch
    train_accuracy: float | None  # final parameters, all training examples, unaugmented
    dev_accuracy: float | None    # None without a dev set
    test_accuracy: float | None   # official MNIST test set; None for a CSV
    wall_seconds: float      # the training loop, including the per-record dev evaluation
    diverged: str | None = None   # why training died, when it did and that was allowed


def validate(recipe):
    """Raise `TrainingError` for settings no run can use, in one line that names the option."""
    for name in ("epochs", "dev_size", "train_size", "seed"):
        low = 1 if name == "epochs" else 0
        if getattr(recipe, name) < low:
            raise TrainingError(f"--{name.replace('_', '-')} must be a whole number {low} or more, "
                                f"got {getattr(recipe, name)}")
    if recipe.batch_size is not None and recipe.batch_size < 1:
        raise TrainingError(f"--batch-size must be a positive integer (or 'full'), got {recipe.batch_size}")
    for name, choices in CHOICES.items():
        if getattr(recipe, name) not in choices:
            raise TrainingError(f"unknown --{name} {getattr(recipe, name)!r}; choose one of "
                                f"{', '.join(choices)}")
    layers = tuple(recipe.layers)
    if len(layers) < 2 or layers[0] != data.N_PIXELS or layers[-1] != 10 or min(layers) < 1:
        raise TrainingError(f"--layers must run from 784 inputs to 10 outputs, each at least 1, "
                            f"such as 784,128,10; got {','.join(map(str, layers))}")
    if not (np.isfinite(recipe.alpha) and recipe.alpha > 0):
        raise TrainingError(f"--alpha must be a positive number, got {recipe.alpha}")
    if not 0 <= recipe.dropout < 1 or recipe.weight_decay < 0 or recipe.warmup < 0:
        raise TrainingError("--dropout must be in [0, 1), and --weight-decay and --warmup at least 0")
    if recipe.faithful and not (plain_full_batch(recipe) and recipe.init == "uniform"
                                and len(recipe.layers) == 3):
        raise TrainingError("--faithful reproduces the seed's recipe: full batch, plain SGD, the "
                            "uniform start, one hidden layer; it applies to --recipe seed alone")


def plain_full_batch(recipe):
    """True if `primitive_nn.train.train`, Part I's loop, can run this recipe as it is."""
    return (recipe.batch_size is None and recipe.optimizer == "sgd" and recipe.schedule == "constant"
            and not (recipe.weight_decay or recipe.dropout or recipe.warmup)
            and recipe.augment == "none")


def passes(recipe, m_total, defects=None):
    """The forward and backward functions for a full-batch run: corrected, or the seed's.

    `defects` (a `primitive_nn.seed.Defects`) picks some of the seed's
    defects; by default `recipe.faithful` picks all or none.
    """
    if defects is None:
        defects = seed.FAITHFUL if recipe.faithful else None
    if defects is None:
        return forward, backward
    return (partial(seed.forward_seed, defects=defects),
            partial(seed.backward_seed, m=m_total, defects=defects))


def training_images(recipe, mnist):
    """The images and labels a recipe trains on: the first `train_size` (all if 0)."""
    n = recipe.train_size or len(mnist.train_labels)
    return mnist.train_images[:n], mnist.train_labels[:n]


def evaluate(params, X, labels):
    """Loss and accuracy of `params` on (X, labels), in chunks of 10,000 columns."""
    D, loss, correct = n_layers(params), 0.0, 0
    for start in range(0, X.shape[1], 10_000):
        cache = forward(params, X[:, start:start + 10_000])
        chunk = labels[start:start + 10_000]
        loss += cross_entropy_from_logits(cache[f"Z{D}"], one_hot(chunk, 10, X.dtype)) * len(chunk)
        correct += int(np.count_nonzero(cache[f"A{D}"].argmax(axis=0) == chunk))
    return {"loss": loss / X.shape[1], "accuracy": correct / X.shape[1]}


def run(recipe, mnist, on_record=None, defects=None, record_divergence=False, watch_test=False,
        start=None):
    """Train one network on `mnist` (a `primitive_nn.data.MNIST`) as `recipe` says.

    `on_record(step, record)` is called after every iteration (full batch;
    record is None between records) or every epoch. `defects` switches on
    some of the seed's defects, for measuring each alone. With
    `record_divergence`, a run that dies returns with `diverged` set
    instead of raising. With `watch_test`, every record also holds the test
    accuracy: for figures that show the gap, never for choosing. `start`,
    `start(layer_sizes, rng, dtype) -> params`, replaces `recipe.init`
    (the initialization chapter's ablation uses it).

    Returns
    -------
    Run
    """
    validate(recipe)
    rng = np.random.default_rng(recipe.seed)
    dtype = recipe.float_dtype
    images, labels = training_images(recipe, mnist)
    order = "C" if plain_full_batch(recipe) else "F"  # see data.to_columns and the minibatch chapter
    X, y, X_dev, y_dev = data.split_dev(images, labels, recipe.dev_size, rng, dtype=dtype, order=order)
    if recipe.batch_size is not None and recipe.batch_size > X.shape[1]:
        raise TrainingError(f"--batch-size {recipe.batch_size} is larger than the training set "
                            f"({X.shape[1]} examples)")
    initial_params = (start(list(recipe.layers), rng, dtype=dtype) if start else
                      init_params(list(recipe.layers), rng, recipe.init, dtype))
    X_test = None if mnist.test_images is None else data.to_columns(mnist.test_images, dtype)
    monitor = _monitor(X_dev, y_dev, X_test if watch_test else None, mnist.test_labels)
    began = time.perf_counter()
    try:
        params, history = _train(recipe, initial_params, X, y, rng, len(labels), defects,
                                 monitor, on_record)
    except Diverged as died:
        if not record_divergence:
            raise
        return Run(recipe, None, initial_params, died.history, None, None, None,
                   time.perf_counter() - began, diverged=str(died))
    wall_seconds = time.perf_counter() - began
    return Run(recipe, params, initial_params, history,
               train_accuracy=evaluate(params, X, y)["accuracy"],
               dev_accuracy=evaluate(params, X_dev, y_dev)["accuracy"] if len(y_dev) else None,
               test_accuracy=None if X_test is None else evaluate(params, X_test, mnist.test_labels)["accuracy"],
               wall_seconds=wall_seconds)


def _monitor(X_dev, y_dev, X_test, y_test):
    """`monitor(params) -> dict` of dev loss and accuracy (and test accuracy), or None."""
    if not len(y_dev) and X_test is None:
        return None

    def monitor(params):
        record = {}
        if len(y_dev):
            dev = evaluate(params, X_dev, y_dev)
            record.update(dev_loss=dev["loss"], dev_accuracy=dev["accuracy"])
        if X_test is not None:
            record["test_accuracy"] = evaluate(params, X_test, y_test)["accuracy"]
        return record
    return monitor


def _train(recipe, params, X, y, rng, m_total, defects, monitor, on_record):
    """Train with Part I's full-batch loop where it fits the recipe, else with `fit`."""
    if plain_full_batch(recipe):
        forward_pass, backward_pass = passes(recipe, m_total, defects)
        return train(params, X, y, recipe.alpha, recipe.epochs, forward=forward_pass,
                     backward=backward_pass, monitor=monitor, on_iteration=on_record)
    step, letters = OPTIMIZERS[recipe.optimizer]
    if recipe.optimizer != "sgd":
        step = partial(step, **{"momentum": {"beta": recipe.momentum},
                                "adam": {"beta1": recipe.momentum}}[recipe.optimizer])
    forward_pass, backward_pass = forward, backward
    if recipe.dropout:
        forward_pass = partial(dropout_forward, p=recipe.dropout, rng=rng)
        backward_pass = dropout_backward
    if recipe.weight_decay:
        backward_pass = with_weight_decay(backward_pass, recipe.weight_decay)
    batch_size = recipe.batch_size or X.shape[1]
    warmup_steps = round(recipe.warmup * math.ceil(X.shape[1] / batch_size))
    return fit(params, X, y, recipe.epochs, batch_size, recipe.alpha, rng, step=step,
               state_names=letters, schedule=SCHEDULES[recipe.schedule], warmup=warmup_steps,
               forward=forward_pass, backward=backward_pass,
               augment=AUGMENTATIONS[recipe.augment], monitor=monitor, on_epoch=on_record)


def metrics(result, mnist, name=""):
    """The JSON-ready record of a run: recipe, accuracies, history, provenance."""
    recipe = result.recipe
    return {
        "recipe_name": name, **asdict(recipe), "dtype": str(recipe.float_dtype),
        "train_accuracy": result.train_accuracy,
        "dev_accuracy": result.dev_accuracy,
        "test_accuracy": result.test_accuracy,
        "diverged": result.diverged,
        "seed_reported_train_accuracy": SEED_REPORTED_TRAIN_ACCURACY,
        "history": result.history,
        "data_source": mnist.source,
        "data_sha256": mnist.sha256,
        "version": __version__,
        "wall_seconds": result.wall_seconds,
    }


def save_run(out_dir, result, mnist, name=""):
    """Write `model.npz` (when training finished) and `metrics.json` into `out_dir`."""
    out_dir = Path(out_dir)
    if result.params is not None:
        files.save_model(out_dir / "model.npz", result.params)
    files.write_json(out_dir / "metrics.json", metrics(result, mnist, name))


# --- Many seeds ---------------------------------------------------------------------


def parse_seeds(text):
    """Seeds from `"0-19"`, `"3"` or `"1,5,9"`.

    Examples
    --------
    >>> parse_seeds("0-3"), parse_seeds("7"), parse_seeds("1,5-6")
    ([0, 1, 2, 3], [7], [1, 5, 6])
    """
    seeds = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if not first.isdigit() or (last and not last.isdigit()) or int(last or first) < int(first):
            raise TrainingError(f"--seeds takes a list such as 0-19 or 1,5,9, got {text!r}")
        seeds.extend(range(int(first), int(last or first) + 1))
    return seeds


def summarize(values):
    """Mean, sample standard deviation, min and max of a list of accuracies.

    Examples
    --------
    >>> summarize([0.8, 0.9])
    {'mean': 0.85, 'sd': 0.0707, 'min': 0.8, 'max': 0.9, 'n': 2}
    """
    v = np.asarray(values, dtype=float)
    sd = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    return {"mean": round(float(v.mean()), 4), "sd": round(sd, 4),
            "min": float(v.min()), "max": float(v.max()), "n": len(v)}


def seed_study(runs):
    """Summaries of a list of `Run`s of one recipe: final train, dev and test accuracy, and more.

    The seed's 86.36% is the last accuracy its loop printed (iteration 490
    of 500), read from that iteration's forward pass; for a full-batch recipe
    the last record of each run's history is the same measurement, so the
    two compare like for like.
    """
    last = [r.history[-1] for r in runs]
    where = "iteration" if "iteration" in last[0] else "epoch"
    study = {split: summarize([getattr(r, f"{split}_accuracy") for r in runs])
             for split in ("train", "dev", "test") if getattr(runs[0], f"{split}_accuracy") is not None}
    return {**study,
            "last_logged_iteration": last[0][where],
            "train_last_logged": summarize([h["train_accuracy"] for h in last]),
            "fraction_reaching_seed": round(float(np.mean(
                [h["train_accuracy"] >= SEED_REPORTED_TRAIN_ACCURACY for h in last])), 4),
            "median_wall_seconds": round(float(np.median([r.wall_seconds for r in runs])), 2),
            "runs": [{"seed": r.recipe.seed, "train_accuracy": r.train_accuracy,
                      "dev_accuracy": r.dev_accuracy, "test_accuracy": r.test_accuracy,
                      "wall_seconds": r.wall_seconds} for r in runs]}


def write_study(path, seeds, recipe, studies):
    """Write a seed study as JSON."""
    files.write_json(path, {"seeds": seeds, "recipe": asdict(recipe), **studies})


def load_json(path):
    """Read a JSON file written by this package."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
