r"""The printed reports: the end of a run, and a study over seeds.

One run is one draw from a distribution. The seed's recipe with seed 0, for
example, happens to be the lowest of twenty seeds. So when a run's settings
are ones that `python -m primitive_nn.book` measured over many seeds, the
report ends by placing the run in that distribution. The measurements come
from `reference.json`, a small file the book command writes into this
package, and are shown only when they apply: same settings (the seed
aside), on the official MNIST files.
"""

from dataclasses import asdict
from pathlib import Path

from primitive_nn import data
from primitive_nn.machinery.files import read_json
from primitive_nn.machinery.recipes import DEFECTS, runs_notebook_code
from primitive_nn.machinery.runs import NOTEBOOK_TRAIN_ACCURACY, position, unit

REFERENCE = Path(__file__).with_name("reference.json")


def percent(x):
    """An accuracy in [0, 1] as a percentage with two decimals; None as "n/a".

    Examples
    --------
    >>> percent(0.8636), percent(None)
    ('86.36%', 'n/a')
    """
    return "n/a" if x is None else f"{100 * x:.2f}%"


def spread(s):
    """A summary (mean, sd, min, max in [0, 1]) as `84.28% ± 1.10 (80.65% to 85.87%)`."""
    return f"{percent(s['mean'])} ± {100 * s['sd']:.2f} ({percent(s['min'])} to {percent(s['max'])})"


def mode(recipe):
    """Which of the seed notebook's defects a recipe reproduces: corrected, faithful, or some.

    Examples
    --------
    >>> from primitive_nn.machinery.recipes import FAITHFUL, NOTEBOOK
    >>> mode(NOTEBOOK), mode(FAITHFUL)
    ('corrected', 'faithful')
    """
    if not recipe.defects:
        return "corrected"
    return "faithful" if set(recipe.defects) == set(DEFECTS) else "defects " + ",".join(recipe.defects)


def describe(recipe):
    """A recipe's settings in one line.

    Examples
    --------
    >>> from primitive_nn.machinery.recipes import NOTEBOOK
    >>> describe(NOTEBOOK)
    '784-10-10, init uniform, full batch, sgd alpha=0.1, 500 iterations, seed 0, float32'
    """
    batch = "full batch" if recipe.batch_size is None else f"batch {recipe.batch_size}"
    extras = [f"he changes {','.join(recipe.he_changes)}" if recipe.he_changes else "",
              f"{recipe.schedule} schedule" if recipe.schedule != "constant" else "",
              f"weight decay {recipe.weight_decay:g}" if recipe.weight_decay else "",
              f"dropout {recipe.dropout:g}" if recipe.dropout else "",
              f"augment {recipe.augment}" if recipe.augment != "none" else ""]
    return ", ".join(filter(None, [
        "-".join(map(str, recipe.layers)), f"init {recipe.init}", batch,
        f"{recipe.optimizer} alpha={recipe.alpha:g}", *extras,
        f"{recipe.epochs} {unit(recipe)}s", f"seed {recipe.seed}", recipe.dtype]))


def run_lines(name, result):
    """The end-of-run summary, as lines of text; `name` is the recipe's name as the user gave it."""
    recipe = result.recipe
    shown = f"{name}, {mode(recipe)}" if runs_notebook_code(recipe) else name
    lines = [f"{shown}: {describe(recipe)}"]
    if result.diverged:
        return lines + [f"  {result.diverged}", f"  wall time {result.wall_seconds:.1f} s"]
    lines += [f"  train accuracy {percent(result.train_accuracy)}   "
              f"dev {percent(result.dev_accuracy)}   test {percent(result.test_accuracy)}",
              f"  wall time {result.wall_seconds:.1f} s for the training loop"]
    counted, at = position(result.history[-1])
    if counted == "iteration":
        lines.append(f"  train accuracy at iteration {at}: "
                     f"{percent(result.history[-1]['train_accuracy'])}; the seed notebook printed "
                     f"{percent(NOTEBOOK_TRAIN_ACCURACY)} at iteration 490, in one unseeded run")
    return lines


def context_lines(recipe, mnist, reference=None):
    """Where a run of `recipe` stands among the seeds the book measured; [] if none apply."""
    reference = reference if reference is not None else _load_reference()
    if not reference or mnist.sha256 != data.MNIST_FILES:
        return []
    settings = {k: list(v) if isinstance(v, tuple) else v
                for k, v in asdict(recipe).items() if k != "seed"}
    measured = {name: entry for name, entry in reference["recipes"].items()
                if entry["config"] == settings}
    if not measured:
        return []
    name, entry = next(iter(measured.items()))
    seeds = reference["seeds"]
    lines = [f"  over seeds {seeds[0]}-{seeds[-1]}, this recipe ends at {spread(entry['dev'])} "
             f"dev accuracy, {spread(entry['test'])} test"]
    for other, hint in reference.get("hints", {}).get(name, {}).items():
        lines.append(f"  {hint}: {spread(reference['recipes'][other]['dev'])} dev accuracy "
                     f"over the same seeds")
    return lines


def _load_reference():
    return read_json(REFERENCE) if REFERENCE.is_file() else None


def study_lines(name, study):
    """A study over seeds (`primitive_nn.machinery.runs.over_seeds`) as lines of text."""
    it = study["last_logged_iteration"]
    lines = [f"{name} over {study['train']['n']} seeds:"]
    for label, key in (("final train", "train"), ("final dev", "dev"),
                       (f"train at {it}", "train_last_logged")):
        lines.append(f"  {label:15s} {spread(study[key])}")
    lines.append(f"  runs at or above the seed's {percent(NOTEBOOK_TRAIN_ACCURACY)} "
                 f"at iteration {it}: {100 * study['fraction_reaching_notebook']:.0f}%")
    return lines
