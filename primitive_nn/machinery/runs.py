r"""Running a recipe from start to finish, and summarizing runs over seeds.

`run` is the one way to train a `Recipe` (`primitive_nn.machinery.recipes`)
on the data. It does what the seed did, in the same order: take the training
images, shuffle and split off a dev set with a seeded `np.random.Generator`,
start the network with the same generator, train, and evaluate on the
training, dev and official test sets. A recipe that Part I's loop can honour
(`recipes.uses_part1_loop`) trains with `primitive_nn.train.train`; any other
with `primitive_nn.minibatch.fit`. Everything a run depends on is a field of
its recipe, so a run is fully named by its recipe and its data: the book's
run cache (`primitive_nn.machinery.lab`) keys on exactly that.

A run's history is a list of records, each saying its own unit: `{"unit":
"iteration", "iteration": 10, ...}` from Part I's loop (a record every 10
iterations), `{"unit": "epoch", "epoch": 3, ...}` from `fit` (one per epoch).
"""

import inspect
import math
import time
import warnings
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from primitive_nn import __version__, data, seed
from primitive_nn.augmentation import AUGMENTATIONS, with_elastic
from primitive_nn.batchnorm import update_running, with_batchnorm
from primitive_nn.convnet import ARCHITECTURES
from primitive_nn.ensemble import average
from primitive_nn.errors import TrainingError, TrainingWarning
from primitive_nn.initialization import ablation_start
from primitive_nn.loss import cross_entropy_from_logits, one_hot
from primitive_nn.machinery import files, progress
from primitive_nn.machinery.recipes import DEFECTS, Recipe, uses_part1_loop, validate
from primitive_nn.machinery.threads import limited
from primitive_nn.minibatch import fit
from primitive_nn.network import n_layers
from primitive_nn.optimizers import OPTIMIZERS
from primitive_nn.regularization import dropout_backward, dropout_forward, with_weight_decay
from primitive_nn.schedules import SCHEDULES
from primitive_nn.train import Diverged, train

NOTEBOOK_TRAIN_ACCURACY = 0.8636  # what the seed notebook printed at iteration 490, one unseeded run
EVAL_CHUNK = 10_000               # columns evaluated at once, unless the architecture holds fewer


@dataclass
class Run:
    """What one run produced and measured."""

    recipe: Recipe
    params: dict             # trained (None if it diverged and the recipe records that)
    initial_params: dict     # where training started
    history: list            # records that say their unit: see the module's docstring
    train_accuracy: float | None  # final parameters, all training examples, unaugmented
    dev_accuracy: float | None    # None without a dev set
    test_accuracy: float | None   # official MNIST test set; None for a CSV
    wall_seconds: float      # the training loop, including the per-record dev evaluation
    diverged: str | None = None   # why training died, when it did and the recipe records that
    members: list | None = None   # an ensemble's: the Run of each network (its own params None)


def unit(recipe):
    """What a run of `recipe` counts: "iteration" for Part I's loop, else "epoch"."""
    return "iteration" if uses_part1_loop(recipe) else "epoch"


def position(record):
    """Where a history record was made: `(unit, count)`.

    Examples
    --------
    >>> position({"unit": "epoch", "epoch": 3, "loss": 0.1})
    ('epoch', 3)
    """
    return record["unit"], record[record["unit"]]


def training_images(recipe, mnist):
    """The images and labels a recipe trains on: the first `train_size` (all if 0)."""
    n = recipe.train_size or len(mnist.train_labels)
    return mnist.train_images[:n], mnist.train_labels[:n]


def training_examples(recipe, mnist):
    """How many examples a run of `recipe` trains on: its training images less its dev set."""
    return len(training_images(recipe, mnist)[1]) - recipe.dev_size


def evaluate(params, X, labels, activation="relu", architecture="mlp"):
    """Cross-entropy and accuracy of `params` on (X, labels), in chunks of columns.

    A chunk is `EVAL_CHUNK` columns, or the architecture's `max_batch` if smaller.
    """
    D, loss, correct = n_layers(params), 0.0, 0
    network = ARCHITECTURES[architecture]
    size = chunk_size(network)
    for start in range(0, X.shape[1], size):
        cache = network.forward(params, X[:, start:start + size], activation)
        chunk = labels[start:start + size]
        loss += cross_entropy_from_logits(cache[f"Z{D}"], one_hot(chunk, 10, X.dtype)) * len(chunk)
        correct += int(np.count_nonzero(cache[f"A{D}"].argmax(axis=0) == chunk))
    return {"loss": loss / X.shape[1], "accuracy": correct / X.shape[1]}


def chunk_size(network):
    """Columns evaluated at once: `EVAL_CHUNK`, or the architecture's `max_batch` if smaller."""
    return min(EVAL_CHUNK, network.max_batch or EVAL_CHUNK)


def split(recipe, mnist, rng=None, dtype=None, order="C"):
    """A run's training and dev columns, `(X, y, X_dev, y_dev)`: the shuffle `run` draws first.

    `rng` continues into the rest of the run; without it a generator from
    the recipe's seed draws the same shuffle, so the split of a finished
    run can be had again. `dtype` defaults to the recipe's.
    """
    rng = np.random.default_rng(recipe.seed) if rng is None else rng
    images, labels = training_images(recipe, mnist)
    return data.split_dev(images, labels, recipe.dev_size, rng, dtype=dtype or recipe.dtype,
                          order=order)


def run(recipe, mnist, *, label=None, quiet=False, print_records=False, threads=None):
    """Train one network on `mnist` (a `primitive_nn.machinery.mnist.MNIST`) as `recipe` says.

    With a `label`, a progress bar so labelled counts the iterations or
    epochs (drawn only on a terminal, and never when `quiet`), and with
    `print_records` each history record is printed as a line. A run that
    dies raises `primitive_nn.train.Diverged`, unless the recipe says
    `record_divergence`: then it returns with `diverged` set. `threads`
    caps the matrix products' threads (default:
    `primitive_nn.machinery.threads.DEFAULT`).

    Returns
    -------
    Run
    """
    with limited(threads):
        if recipe.members == 1:
            return _run(recipe, mnist, label, quiet, print_records)
        members = [_run(one, mnist, label and f"{label}, member {one.member + 1} of {recipe.members}",
                        quiet, print_records) for one in member_recipes(recipe)]
        return ensemble_of(recipe, members, mnist)


def _run(recipe, mnist, label, quiet, print_records):
    check_fits(recipe, mnist)
    rng = np.random.default_rng(recipe.seed)
    order = "C" if uses_part1_loop(recipe) else "F"  # see data.to_columns and the minibatch chapter
    X, y, X_dev, y_dev = split(recipe, mnist, rng, order=order)
    rng = after_split(recipe, rng)
    start = starting_params(recipe, rng)
    X_test = None if mnist.test_images is None else data.to_columns(mnist.test_images, recipe.dtype)
    score = partial(evaluate, activation=recipe.activation, architecture=recipe.architecture)
    X_watched = X_test if recipe.watch_test else None
    monitor = _monitor(score, X_dev, y_dev, X_watched, mnist.test_labels)
    m_total = len(y) + len(y_dev)  # the seed's m_before_split defect divides by it
    with progress.training(recipe.epochs, label, unit(recipe), quiet, print_records) as on_record:
        began = time.perf_counter()
        try:
            params, history = _train(recipe, start, X, y, rng, m_total, monitor, on_record)
        except Diverged as died:
            if not recipe.record_divergence:
                raise
            return Run(recipe, None, start, died.history, None, None, None,
                       time.perf_counter() - began, diverged=str(died))
    wall_seconds = time.perf_counter() - began
    _warn_if_unmoved(recipe, start, params)
    return Run(recipe, params, start, history, train_accuracy=score(params, X, y)["accuracy"],
               dev_accuracy=score(params, X_dev, y_dev)["accuracy"] if len(y_dev) else None,
               test_accuracy=None if X_test is None else
               score(params, X_test, mnist.test_labels)["accuracy"],
               wall_seconds=wall_seconds)


def after_split(recipe, rng):
    """The generator the rest of a run draws from: the seed's, which just drew the split, or for
    member k > 0 of an ensemble one of its own from (seed, k): same dev set, another start.

    Examples
    --------
    >>> int(after_split(Recipe(), np.random.default_rng(0)).integers(100))  # the one passed in
    85
    >>> int(after_split(Recipe(member=1), np.random.default_rng(0)).integers(100))
    52
    """
    return np.random.default_rng((recipe.seed, recipe.member)) if recipe.member else rng


def member_recipes(recipe):
    """The recipes of an ensemble's networks, members 0 to K - 1, each a single run."""
    return [replace(recipe, members=1, member=k) for k in range(recipe.members)]


def probabilities(params, X, recipe):
    """The softmax columns $A^{[D]}$ of `params` on the columns of X (n_x, m): (10, m), in chunks."""
    D, network = n_layers(params), ARCHITECTURES[recipe.architecture]
    size = chunk_size(network)
    return np.concatenate([network.forward(params, X[:, i:i + size], recipe.activation)[f"A{D}"]
                           for i in range(0, X.shape[1], size)], axis=1)


def ensemble_of(recipe, members, mnist):
    """The `Run` of an ensemble (`primitive_nn.ensemble`): its members' probabilities averaged on
    the training, dev and test images, its time theirs together. Diverged if any member did."""
    wall = sum(m.wall_seconds for m in members)
    died = next((m for m in members if m.diverged), None)
    if died is not None:
        return Run(recipe, None, {}, [], None, None, None, wall, diverged=
                   f"member {died.recipe.member + 1}: {died.diverged}", members=members)
    X, y, X_dev, y_dev = split(recipe, mnist, order="F")
    X_test = None if mnist.test_images is None else data.to_columns(mnist.test_images, recipe.dtype)

    def accuracy(X, labels):
        P = np.stack([probabilities(m.params, X, recipe) for m in members])  # (K, 10, m)
        return float(np.mean(average(P).argmax(axis=0) == labels))
    return Run(recipe, None, {}, [], accuracy(X, y),
               accuracy(X_dev, y_dev) if len(y_dev) else None,
               None if X_test is None else accuracy(X_test, mnist.test_labels), wall,
               members=members)


def check_fits(recipe, mnist):
    """Check the recipe, and that it fits the data: one `TrainingError` line, or warnings."""
    validate(recipe)
    available = len(mnist.train_labels)
    examples = min(recipe.train_size or available, available) - recipe.dev_size
    if recipe.batch_size is not None and recipe.batch_size > examples > 0:
        raise TrainingError(f"--batch-size {recipe.batch_size} is larger than the training set "
                            f"({examples} examples)")
    if recipe.batchnorm and 1 in (examples, examples % (recipe.batch_size or examples)):
        raise TrainingError(f"--batchnorm: the {examples} training examples leave a batch of one, "
                            "which has no spread to normalize by; change --batch-size or "
                            "--train-size")
    if recipe.warmup and recipe.warmup >= recipe.epochs:
        warnings.warn(f"--warmup {recipe.warmup:g} is not shorter than the {recipe.epochs} epochs: "
                      f"the learning rate never reaches its peak --alpha {recipe.alpha:g}",
                      TrainingWarning, stacklevel=3)


def _warn_if_unmoved(recipe, start, params):
    """Warn if training changed no parameter at all: alpha too small for the arithmetic."""
    if all(np.array_equal(start[name], params[name]) for name in start):
        warnings.warn(f"training changed no weight: --alpha {recipe.alpha:g} is too small to move "
                      f"{recipe.dtype} numbers; choose a larger one", TrainingWarning, stacklevel=3)


def starting_params(recipe, rng):
    """The network a run starts from: its architecture, `recipe.init`, `recipe.he_changes` if any,
    with batch normalization's gamma, beta and running statistics if `recipe.batchnorm`."""
    if recipe.he_changes:
        params = ablation_start(list(recipe.layers), rng, recipe.he_changes, dtype=recipe.dtype)
    else:
        network = ARCHITECTURES[recipe.architecture]
        layers = list(recipe.layers) if network.layers is None else network.layers
        params = network.init_params(layers, rng, recipe.init, recipe.dtype)
    return with_batchnorm(params) if recipe.batchnorm else params


def _monitor(score, X_dev, y_dev, X_test, y_test):
    """`monitor(params) -> dict` of dev loss and accuracy (and test accuracy), or None.

    `score(params, X, labels)` is `evaluate` with the run's activation.
    """
    if not len(y_dev) and X_test is None:
        return None

    def monitor(params):
        record = {}
        if len(y_dev):
            dev = score(params, X_dev, y_dev)
            record.update(dev_loss=dev["loss"], dev_accuracy=dev["accuracy"])
        if X_test is not None:
            record["test_accuracy"] = score(params, X_test, y_test)["accuracy"]
        return record
    return monitor


def passes(recipe, m_total):
    """The forward and backward passes of a run: the corrected ones, or with the seed's defects."""
    if not recipe.defects:
        network = ARCHITECTURES[recipe.architecture]
        return (partial(network.forward, activation=recipe.activation),
                partial(network.backward, activation=recipe.activation, loss=recipe.loss))
    defects = seed.Defects(**{name: name in recipe.defects for name in DEFECTS})
    return (partial(seed.forward_seed, defects=defects),
            partial(seed.backward_seed, m=m_total, defects=defects))


def _settings_of(step):
    """The `Recipe` fields an optimizer step takes by name, besides alpha."""
    return {p for p in inspect.signature(step).parameters
            if p in Recipe.__dataclass_fields__ and p != "alpha"}


OPTIMIZER_SETTINGS = set().union(*(_settings_of(step) for step, _ in OPTIMIZERS.values()))


def hyperparameters(recipe):
    """The names of the settings the recipe's optimizer uses: {"beta"} for momentum."""
    return _settings_of(OPTIMIZERS[recipe.optimizer][0])


def optimizer_step(recipe):
    """The recipe's optimizer step, its hyperparameters bound from the fields of the same name."""
    step, letters = OPTIMIZERS[recipe.optimizer]
    return partial(step, **{name: getattr(recipe, name) for name in hyperparameters(recipe)}), letters


def _train(recipe, params, X, y, rng, m_total, monitor, on_record):
    """Train with Part I's full-batch loop where it honours the recipe, else with `fit`."""
    if uses_part1_loop(recipe):
        forward_pass, backward_pass = passes(recipe, m_total)
        return train(params, X, y, recipe.alpha, recipe.epochs, forward=forward_pass,
                     backward=backward_pass, monitor=monitor, on_iteration=on_record)
    step, letters = optimizer_step(recipe)
    forward_pass, backward_pass = passes(recipe, m_total)
    if recipe.dropout:
        forward_pass = partial(dropout_forward, p=recipe.dropout, rng=rng)
        backward_pass = dropout_backward
    if recipe.batchnorm:  # training mode: the batch's statistics, and the running ones after each step
        forward_pass = partial(forward_pass, training=True)
    after_step = partial(update_running, momentum=recipe.bn_momentum) if recipe.batchnorm else None
    if recipe.weight_decay:
        backward_pass = with_weight_decay(backward_pass, recipe.weight_decay)
    augment = AUGMENTATIONS[recipe.augment]
    if recipe.elastic:
        augment = with_elastic(augment, recipe.elastic)
    batch_size = recipe.batch_size or X.shape[1]
    warmup_steps = round(recipe.warmup * math.ceil(X.shape[1] / batch_size))
    return fit(params, X, y, recipe.epochs, batch_size, recipe.alpha, rng, step=step,
               state_names=letters, schedule=SCHEDULES[recipe.schedule], warmup=warmup_steps,
               forward=forward_pass, backward=backward_pass,
               augment=augment, monitor=monitor, on_epoch=on_record, after_step=after_step)


# ---------------------------------------------------------------- summaries


def summary(result, history=True):
    """The JSON summary of one run: its seed, accuracies, time, fate, and (optionally) history."""
    out = {"seed": result.recipe.seed, "train_accuracy": result.train_accuracy,
           "dev_accuracy": result.dev_accuracy, "test_accuracy": result.test_accuracy,
           "wall_seconds": round(result.wall_seconds, 2), "diverged": result.diverged}
    return {**out, "history": result.history} if history else out


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


def median_seed(runs):
    """The seed of the median run by final dev accuracy (the lower middle one for an even count).

    Examples
    --------
    >>> median_seed([{"seed": 0, "dev_accuracy": 0.8}, {"seed": 1, "dev_accuracy": 0.9},
    ...              {"seed": 2, "dev_accuracy": 0.85}])
    2
    """
    ordered = sorted(runs, key=lambda r: (r["dev_accuracy"], r["seed"]))
    return ordered[(len(ordered) - 1) // 2]["seed"]


def over_seeds(runs):
    """What runs of one recipe with different random seeds measured, summarized.

    Final train, dev and test accuracy over the seeds, and the training
    accuracy at the last record, which for Part I's loop is iteration 490 of
    500: the seed notebook's 86.36% is the last accuracy its loop printed,
    so the two compare like for like.
    """
    study = {split: summarize([getattr(r, f"{split}_accuracy") for r in runs])
             for split in ("train", "dev", "test") if getattr(runs[0], f"{split}_accuracy") is not None}
    last = [r.history[-1] for r in runs if r.history]  # an ensemble has no history of its own
    if len(last) == len(runs):
        study.update(last_logged_iteration=position(last[0])[1],
                     train_last_logged=summarize([h["train_accuracy"] for h in last]),
                     fraction_reaching_notebook=round(float(np.mean(
                         [h["train_accuracy"] >= NOTEBOOK_TRAIN_ACCURACY for h in last])), 4))
    return {**study,
            "median_wall_seconds": round(float(np.median([r.wall_seconds for r in runs])), 2),
            "runs": [summary(r, history=False) for r in runs]}


# ---------------------------------------------------------------- files


def metrics(result, mnist, name=""):
    """The JSON-ready record of a run: recipe, accuracies, history, provenance."""
    return {
        "recipe_name": name, **asdict(result.recipe),
        **{k: v for k, v in summary(result).items() if k != "seed"},
        "wall_seconds": result.wall_seconds,
        "notebook_reported_train_accuracy": NOTEBOOK_TRAIN_ACCURACY,
        "data_source": mnist.source,
        "data_sha256": mnist.sha256,
        "version": __version__,
        **({"member_runs": [summary(m) for m in result.members]} if result.members else {}),
    }


def model_files(result):
    """`{file name: params}` of what `save_run` writes: `model.npz`, or an ensemble's `model-K.npz`
    for each member K from 1; nothing of a run that diverged."""
    if result.members is None:
        return {} if result.params is None else {"model.npz": result.params}
    if result.diverged:
        return {}
    return {f"model-{k}.npz": m.params for k, m in enumerate(result.members, start=1)}


def save_run(out_dir, result, mnist, name=""):
    """Write the model files (when training finished) and `metrics.json` into `out_dir`, and remove
    model files an earlier run left there, so the folder holds one run's."""
    out_dir, written = Path(out_dir), model_files(result)
    for file, params in written.items():
        files.save_model(out_dir / file, params)
    for stale in out_dir.glob("model*.npz"):
        if stale.name not in written:
            stale.unlink()
    files.write_json(out_dir / "metrics.json", metrics(result, mnist, name))
