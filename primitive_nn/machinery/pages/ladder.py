r"""The book module of "The ladder": every named recipe over Part II's seeds."""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from primitive_nn.architecture import count_params
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted, reference
from primitive_nn.machinery.pages import compared, spread
from primitive_nn.machinery.recipes import PART2_SEEDS, RECIPES
from primitive_nn.machinery.report import reference_entry
from primitive_nn.machinery.runs import summary


@experiment("ladder", "every rung of the ladder over three seeds")
def ladder(lab):
    trained = lab.train_groups({name: [(lab.scaled(replace(named.recipe, seed=s)), f"{name}, seed {s}")
                                       for s in lab.seeds(PART2_SEEDS)]
                                for name, named in RECIPES.items()})
    return {name: {"runs": [summary(r, history=False) for r in trained[name]],
                   "params": count_params(named.recipe.layers)} for name, named in RECIPES.items()}, {}


def rungs(lab):
    """Each rung as the page quotes it: test accuracy mean and sd in percent, median seconds."""
    ladder_, _ = lab.result("ladder")
    out, before = {}, None
    for name, rung in ladder_.items():
        test = spread(rung["runs"], "test_accuracy")
        out[name] = {"name": name, "after": RECIPES[name].after or before or "",
                     "about": RECIPES[name].adds, "params": rung["params"],
                     "test_mean": test["mean"], "test_sd": test["sd"],
                     "seconds": round(float(np.median([r["wall_seconds"] for r in rung["runs"]])), 1)}
        before = name
    return out


@styled
def ladder_figure(rungs):
    """Test accuracy of each rung (mean ± sd over seeds) and its training time."""
    fig = Figure(figsize=(WIDTH, 3.4), layout="constrained")
    acc_ax, time_ax = fig.subplots(1, 2, width_ratios=(3, 2), sharey=True)
    y = np.arange(len(rungs))[::-1]
    acc_ax.errorbar([r["test_mean"] for r in rungs], y, xerr=[r["test_sd"] for r in rungs],
                    fmt="o", capsize=3)
    acc_ax.set_yticks(y, [r["name"] for r in rungs])
    acc_ax.set(xlabel="test accuracy, % (mean ± sd)", title="The ladder")
    time_ax.barh(y, [r["seconds"] for r in rungs], color="#b9cbe6")
    time_ax.set(xscale="log", xlabel="seconds, median", title="Time to train")
    time_ax.xaxis.set_minor_formatter(NullFormatter())  # powers of ten only: 2×10⁻¹ would crowd
    fig.get_layout_engine().set(wspace=0.08)  # the panels' tick labels 100 and 10⁰ apart
    return fig


@figure("ladder")
def rungs_figure(lab):
    return ladder_figure(list(rungs(lab).values()))


@quoted("part2")
def ladder_numbers(lab):
    ladder_, _ = lab.result("ladder")
    n_test = len(lab.mnist.test_labels)
    return {"ladder": {name: {**r, "params": f"{r['params']:,}"} for name, r in rungs(lab).items()},
            "ladder_seeds": len(next(iter(ladder_.values()))["runs"]),
            "ladder_compared": {f"{name}_vs_{after}":
                                compared(ladder_[name]["runs"], ladder_[after]["runs"], n_test)
                                for name, after in LAST_STEPS}}


LAST_STEPS = (("best", "deep-long"), ("deep-long", "deep"), ("regularized", "deep"),
              ("deep", "fast-long"), ("fast-long", "fast"))  # the comparisons the page judges


@reference()
def rung_reference(lab):
    """Every rung over Part II's seeds, for `python -m primitive_nn.train --recipe NAME` to quote."""
    ladder_, _ = lab.result("ladder")
    return {"recipes": {f"rung {name}": reference_entry(lab.scaled(RECIPES[name].recipe), rung["runs"])
                        for name, rung in ladder_.items()}}
