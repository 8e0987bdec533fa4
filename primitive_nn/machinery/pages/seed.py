r"""The book module of "Reproducing the seed": the notebook's recipe over many seeds.

* `notebook_seeds`: the seed notebook's recipe, corrected and faithful, and
  with He's start, once per seed of the book command's `--seeds`. The
  *example run* of the chapters is the corrected run of the median seed:
  the seeds sorted by final dev accuracy (ties by seed), the lower of the two
  middle ones when there is an even number.
* `defects`: on the example seed, the corrected recipe with one of the
  seed's defects switched on at a time, and what the naive softmax would
  have met.

It also ships the example run's network (`seed.npz`) and writes what
`python -m primitive_nn.train` quotes after a run of these recipes
(`primitive_nn.machinery.report`).
"""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from primitive_nn import data
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, network, quoted, reference
from primitive_nn.machinery.pages import pct, sci
from primitive_nn.machinery.pages.calibration import fitted_temperature
from primitive_nn.machinery.recipes import FAITHFUL, NOTEBOOK, RECIPES
from primitive_nn.machinery.report import reference_entry
from primitive_nn.machinery.runs import (NOTEBOOK_TRAIN_ACCURACY, median_seed, over_seeds, summary,
                                         training_images)
from primitive_nn.network import forward

MODES = {"corrected": NOTEBOOK, "faithful": FAITHFUL, "he": RECIPES["he"].recipe}
OVERFLOW_LOGIT = float(np.log(np.finfo(np.float64).max))  # exp overflows float64 past this


def notebook_recipe(lab, mode="corrected"):
    """One of the study's recipes (`MODES`) as this command runs it: at a toy scale in a smoke test."""
    return lab.scaled(MODES[mode])


def example_seed(lab):
    """The seed of the chapters' example run."""
    return lab.result("notebook_seeds")[0]["example_seed"]


def example_run(lab, mode="corrected"):
    """The `runs.Run` of `mode` on the example seed (trained once, then cached)."""
    return lab.train(replace(notebook_recipe(lab, mode), seed=example_seed(lab)), f"{mode}, example")


@experiment("notebook_seeds", "the seed's recipe over the seeds: corrected, faithful, He's start")
def notebook_seeds(lab):
    studied = {mode: [] for mode in MODES}
    for s in lab.settings["seeds"]:  # the modes take turns, so a busy machine slows all three alike
        for mode in MODES:
            studied[mode].append(lab.train(replace(notebook_recipe(lab, mode), seed=s),
                                           f"{mode}, seed {s}"))
    numbers = {mode: {"study": {k: v for k, v in over_seeds(runs).items() if k != "runs"},
                      "runs": [summary(r) for r in runs]} for mode, runs in studied.items()}
    numbers["example_seed"] = median_seed(numbers["corrected"]["runs"])
    return numbers, {}


@experiment("defects", "each of the seed's defects alone, on the example seed")
def defects(lab):
    recipe = replace(notebook_recipe(lab), seed=example_seed(lab))
    numbers = {}
    for name in ("scalar_bias", "m_before_split"):
        run = lab.train(replace(recipe, defects=(name,)), f"only {name}")
        numbers[name] = {"train": run.train_accuracy, "dev": run.dev_accuracy, "test": run.test_accuracy}
    faithful = example_run(lab, "faithful")
    images, _ = training_images(recipe, lab.mnist)
    numbers["max_logit"] = float(forward(faithful.params, data.to_columns(images, np.float64))["Z2"].max())
    numbers["b2_change"] = float(np.abs(faithful.params["b2"] - faithful.initial_params["b2"]).max())
    return numbers, {}


# ---------------------------------------------------------------- the figure


@styled
def seed_distribution(panels, references, xlim=None):
    """Strip plots of accuracies across seeds: one panel per metric, one row per setting, one x-range."""
    n_rows = max(len(p) for p in panels.values())
    fig = Figure(figsize=(WIDTH, 1.1 + 0.55 * n_rows), layout="constrained")
    values = [v for p in panels.values() for vs in p.values() for v in vs]
    xlim = xlim or (min(values) - 0.01, max(values) + 0.01)
    axes = np.ravel(fig.subplots(1, len(panels), sharey=True))
    for ax, (title, accuracies) in zip(axes, panels.items()):
        for row, vals in enumerate(accuracies.values()):
            ax.plot(vals, np.full(len(vals), row), "o", alpha=0.55)
            ax.plot([np.mean(vals)], [row], "k|", markersize=18)
        if title in references:
            value, label = references[title]
            ax.axvline(value, color="#a33", linestyle="--", label=label)
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False)  # above the dots
        ax.set_yticks(range(len(accuracies)), list(accuracies))
        ax.set(xlabel=f"final {title} accuracy", ylim=(-0.6, len(accuracies) - 0.4), xlim=xlim)
    return fig


@figure("seed-distribution")
def distribution_figure(lab):
    study, _ = lab.result("notebook_seeds")
    panels = {split: {mode: [r[f"{split}_accuracy"] for r in study[mode]["runs"]] for mode in MODES}
              for split in ("train", "dev")}
    return seed_distribution(panels, {
        "train": (NOTEBOOK_TRAIN_ACCURACY, "notebook, iteration 490")})


# ---------------------------------------------------------------- quoted numbers


def _study_numbers(block, example):
    """A mode's quoted numbers, in percent: mean, sd, range; and its example run."""
    study, runs = block["study"], block["runs"]
    numbers = {f"{split}_{stat}": pct(study[split][stat])
               for split in ("train", "dev", "test") for stat in ("mean", "sd", "min", "max")}
    numbers.update(last_logged_iteration=study["last_logged_iteration"],
                   train_last_logged_mean=pct(study["train_last_logged"]["mean"]),
                   reaching_seed=pct(study["fraction_reaching_notebook"]),
                   median_wall_seconds=study["median_wall_seconds"], runs=len(runs))
    numbers["seed0"] = {split: pct(runs[0][f"{split}_accuracy"]) for split in ("train", "dev", "test")}
    numbers["seed0"]["seed"] = runs[0]["seed"]
    run = next(r for r in runs if r["seed"] == example)
    numbers["example"] = {"seed": example, "train": pct(run["train_accuracy"]),
                          "dev": pct(run["dev_accuracy"]), "test": pct(run["test_accuracy"]),
                          "initial_loss": round(run["history"][0]["loss"], 3),
                          "final_loss": round(run["history"][-1]["loss"], 3)}
    return numbers


@quoted()
def study_numbers(lab):
    """The recipe, each mode's spread over the seeds, and the notebook's own number."""
    study, _ = lab.result("notebook_seeds")
    recipe = notebook_recipe(lab)
    out = {mode: _study_numbers(study[mode], study["example_seed"]) for mode in MODES}
    faithful_time = out["faithful"]["median_wall_seconds"] / out["corrected"]["median_wall_seconds"]
    return {"recipe": {"iterations": recipe.epochs, "alpha": recipe.alpha,
                       "hidden": recipe.layers[1], "dev_size": recipe.dev_size,
                       "train_size": recipe.train_size},
            **out, "faithful_time_ratio": round(faithful_time, 1),
            "seed_notebook_train_pct": pct(NOTEBOOK_TRAIN_ACCURACY)}


@quoted()
def defect_numbers(lab):
    """Each defect alone, against the corrected example run; the logits the naive softmax met."""
    found, _ = lab.result("defects")
    corrected = pct(next(r for r in lab.result("notebook_seeds")[0]["corrected"]["runs"]
                         if r["seed"] == example_seed(lab))["dev_accuracy"])
    alone = {name: {"train": pct(d["train"]), "dev": pct(d["dev"]), "test": pct(d["test"]),
                    "dev_change": round(pct(d["dev"]) - corrected, 2)}
             for name, d in found.items() if isinstance(d, dict)}
    return {"defects": alone,
            "naive_softmax": {"max_logit": round(found["max_logit"], 1),
                              "overflow_logit": round(OVERFLOW_LOGIT, 1)},
            "faithful_b2_change": sci(found["b2_change"]) if found["b2_change"] else "0"}


# ---------------------------------------------------------------- for the package


@network("seed")
def notebook_network(lab):
    """The seed's 784-10-10 of the example run, shipped for the "Try it" page."""
    study, _ = lab.result("notebook_seeds")
    run = example_run(lab)
    T = fitted_temperature(run, lab.mnist)
    return (run.params, f"The seed's 784-10-10, corrected recipe, seed {run.recipe.seed}: the "
                        f"median of {len(study['corrected']['runs'])} seeds by dev accuracy, "
                        f"calibrated on its {run.recipe.dev_size:,} dev images (T = {T:.2f})",
            run.test_accuracy, T)


@reference()
def train_reference(lab):
    """What `python -m primitive_nn.train` quotes after a run of one of `MODES` (any seed)."""
    study, _ = lab.result("notebook_seeds")
    hint = {"he": "the same network started with --init he reaches"}
    return {"recipes": {mode: reference_entry(notebook_recipe(lab, mode), study[mode]["runs"])
                        for mode in MODES},
            "hints": {"corrected": hint, "faithful": hint}}
