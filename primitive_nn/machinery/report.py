r"""The printed reports: the end of a run, and a study over seeds.

One run is one draw from a distribution. The seed's recipe with seed 0, for
example, happens to be the lowest of ten seeds. So when a run's settings
are ones that `python -m primitive_nn.book` measured over many seeds, the
report ends by placing the run in that distribution. The measurements come
from `reference.json`, a small file the book command writes into this
package, and are shown only when they apply: same settings (the seed
aside), on the official MNIST files.
"""

from dataclasses import asdict
from pathlib import Path

import numpy as np

from primitive_nn import data
from primitive_nn.batchnorm import MOMENTUM
from primitive_nn.machinery.files import read_json
from primitive_nn.machinery.recipes import DEFECTS, Recipe, honours, runs_notebook_code
from primitive_nn.machinery.runs import (NOTEBOOK_TRAIN_ACCURACY, median_seed, position, summarize,
                                         unit)

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
              f"{recipe.activation}" if recipe.activation != "relu" else "",
              f"{recipe.loss} loss" if recipe.loss != "cross_entropy" else "",
              f"{recipe.schedule} schedule" if recipe.schedule != "constant" else "",
              f"weight decay {recipe.weight_decay:g}" if recipe.weight_decay else "",
              f"dropout {recipe.dropout:g}" if recipe.dropout else "",
              f"augment {recipe.augment}" if recipe.augment != "none" else "",
              f"elastic {recipe.elastic:g}" if recipe.elastic else "",
              "batch norm" if recipe.batchnorm else "",
              f"bn momentum {recipe.bn_momentum:g}" if recipe.bn_momentum != MOMENTUM else "",
              f"{recipe.members} members averaged" if recipe.members > 1 else "",
              f"member {recipe.member}" if recipe.member else ""]
    network = "-".join(map(str, recipe.layers)) if honours(recipe, "layers") else recipe.architecture
    return ", ".join(filter(None, [
        network, f"init {recipe.init}", batch,
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
    if result.members:
        return lines[:-1] + [f"  wall time {result.wall_seconds:.1f} s for the members' training "
                             "loops together"] + member_lines(result.members)
    counted, at = position(result.history[-1])
    if counted == "iteration":
        lines.append(f"  train accuracy at iteration {at}: "
                     f"{percent(result.history[-1]['train_accuracy'])}; the seed notebook printed "
                     f"{percent(NOTEBOOK_TRAIN_ACCURACY)} at iteration 490, in one unseeded run")
    return lines


def member_lines(members):
    """One line per network of an ensemble: its accuracies alone, and its time."""
    return [f"  member {m.recipe.member + 1} alone: train {percent(m.train_accuracy)}   "
            f"dev {percent(m.dev_accuracy)}   test {percent(m.test_accuracy)}   "
            f"{m.wall_seconds:.1f} s" for m in members]


def config(recipe):
    """A recipe's settings but its seed, as reference.json records them (tuples as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(recipe).items() if k != "seed"}


def reference_entry(recipe, summaries):
    """What reference.json records of runs of one recipe over several seeds.

    Parameters
    ----------
    recipe : Recipe
        Any of the runs' recipes: all but the seed are the same.
    summaries : list of dict
        `primitive_nn.machinery.runs.summary` of each run (with its history,
        for the training accuracy at the last record).
    """
    kept = []
    for r in summaries:
        last = r.get("history", [{}])[-1]
        kept.append({"seed": r["seed"], "train": r["train_accuracy"], "dev": r["dev_accuracy"],
                     "test": r["test_accuracy"], "seconds": r["wall_seconds"],
                     **({"last_logged": last["train_accuracy"], "at": last["iteration"]}
                        if last.get("unit") == "iteration" else {})})
    return {"config": config(recipe), "example_seed": median_seed(summaries), "runs": kept,
            **{split: summarize([r[split] for r in kept]) for split in ("train", "dev", "test")}}


def measured(recipe, mnist=None, reference=None):
    """The reference entry of `recipe`'s settings with the most seeds; None if the book has none.

    Only official MNIST counts, when `mnist` is given.
    """
    reference = reference if reference is not None else _load_reference()
    if not reference or (mnist is not None and mnist.sha256 != data.MNIST_FILES):
        return None
    settings, defaults = config(recipe), config(Recipe())  # a setting added since: at its default
    entries = [(label, e) for label, e in reference["recipes"].items()
               if {**defaults, **e["config"]} == settings]
    return max(entries, key=lambda le: len(le[1]["runs"]), default=None)


def example_seed(recipe, reference=None):
    """The seed of the book's example run of `recipe`'s settings (its median by dev accuracy), or None."""
    found = measured(recipe, reference=reference)
    return None if found is None else found[1]["example_seed"]


def context_lines(result, mnist, reference=None):
    """Where a finished run stands among the book's runs of the same settings; [] if none apply."""
    reference = reference if reference is not None else _load_reference()
    found = measured(result.recipe, mnist, reference)
    if found is None:
        return []
    label, entry = found
    lines = [f"  over seeds {seed_list(entry['runs'])}, this recipe ends at {spread(entry['dev'])} "
             f"dev accuracy, {spread(entry['test'])} test"]
    if result.dev_accuracy is not None:
        lines.append(_rank_line(result, entry))
    if "last_logged" in entry["runs"][0]:
        lines.append(_notebook_line(entry))
    for other, hint in reference.get("hints", {}).get(label, {}).items():
        lines.append(f"  {hint}: {spread(reference['recipes'][other]['dev'])} dev accuracy "
                     f"over the same seeds")
    return lines


def _rank_line(result, entry):
    """Where this run's dev accuracy ranks among the book's other seeds."""
    seed = result.recipe.seed
    others = [r for r in entry["runs"] if r["seed"] != seed]
    rank = 1 + sum(r["dev"] > result.dev_accuracy for r in others)
    example = " (the book's example run: its figures are this run's)" \
        if seed == entry["example_seed"] else ""
    return f"  seed {seed} ranks {rank} of {len(others) + 1} by dev accuracy, 1 the best{example}"


def _notebook_line(entry):
    """The training accuracy at the last record over the seeds, against the notebook's 86.36%."""
    runs = entry["runs"]
    reached = sum(r["last_logged"] >= NOTEBOOK_TRAIN_ACCURACY for r in runs)
    return (f"  train accuracy at iteration {runs[0]['at']}: "
            f"{spread(summarize([r['last_logged'] for r in runs]))}; {reached} of {len(runs)} "
            f"seeds reach the notebook's {percent(NOTEBOOK_TRAIN_ACCURACY)}")


def seed_list(runs):
    """The seeds of some runs, compactly: "0-19", or "0, 3, 7".

    Examples
    --------
    >>> seed_list([{"seed": s} for s in range(20)]), seed_list([{"seed": 0}, {"seed": 3}])
    ('0-19', '0, 3')
    """
    seeds = sorted(r["seed"] for r in runs)
    if seeds == list(range(seeds[0], seeds[-1] + 1)) and len(seeds) > 2:
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(map(str, seeds))


def _load_reference():
    return read_json(REFERENCE) if REFERENCE.is_file() else None


def plan_line(modes, seeds, reference=None):
    """What `--seeds` is about to do: how many runs, and how long one took on the book's machine."""
    total = len(modes) * len(seeds)
    line = f"{total} runs: {len(seeds)} seeds of {' and '.join(modes)}"
    found = measured(next(iter(modes.values())), reference=reference)
    if found:
        seconds = float(np.median([r["seconds"] for r in found[1]["runs"]]))
        line += (f"; one took about {seconds:.0f} s on the machine that built the book, so "
                 f"about {_duration(total * seconds)} there")
    return line


def progress_line(mode, result, done, total, elapsed):
    """One finished run of `--seeds`: its accuracies, and how long the rest should take."""
    left = elapsed / done * (total - done)
    return (f"  {mode} seed {result.recipe.seed}: train {percent(result.train_accuracy)}, dev "
            f"{percent(result.dev_accuracy)} ({done} of {total} runs; about {_duration(left)} left)")


def _duration(seconds):
    """A rough duration in words.

    Examples
    --------
    >>> _duration(42), _duration(1500), _duration(9000)
    ('42 s', '25 min', '2.5 h')
    """
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def study_lines(name, study):
    """A study over seeds (`primitive_nn.machinery.runs.over_seeds`) as lines of text."""
    it = study.get("last_logged_iteration")
    lines = [f"{name} over {study['train']['n']} seeds:"]
    for label, key in (("final train", "train"), ("final dev", "dev"),
                       (f"train at {it}", "train_last_logged")):
        if key in study:
            lines.append(f"  {label:15s} {spread(study[key])}")
    if it is None:
        return lines
    lines.append(f"  runs at or above the seed's {percent(NOTEBOOK_TRAIN_ACCURACY)} "
                 f"at iteration {it}: {100 * study['fraction_reaching_notebook']:.0f}%")
    return lines
