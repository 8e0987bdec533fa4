r"""The book module of "Width and depth": 784-H-10 for H from 10 to 1024, deeper networks, equal sizes."""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.architecture import count_params
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import compared, over_seeds, pct
from primitive_nn.machinery.recipes import PART2_SEEDS, RECIPES
from primitive_nn.machinery.runs import summary

WIDTHS = (10, 32, 128, 256, 512, 1024)  # 784-H-10; 256 is the fast recipe itself
SHAPES = [(784, h, 10) for h in WIDTHS] + [(784, 256, 256, 10), (784, 256, 256, 256, 10),
                                           (784, 339, 10)]  # 784-339-10: 784-256-256-10's size
TARGET = 0.98  # the mean dev accuracy over the seeds whose time to reach is measured


@experiment("width_depth", "784-H-10 for H from 10 to 1024, deeper networks, one of equal size; 3 seeds")
def width_depth(lab):
    rows = []
    for layers in SHAPES:
        recipe = replace(RECIPES["fast"].recipe, layers=layers)
        runs = [lab.train(lab.scaled(replace(recipe, seed=s)), f"{'-'.join(map(str, layers))}, seed {s}")
                for s in lab.seeds(PART2_SEEDS)]
        rows.append({"name": "-".join(map(str, layers[1:-1])), "layers": list(layers),
                     "params": count_params(layers), "runs": [summary(r, history=False) for r in runs],
                     "seconds_per_epoch": float(np.median([r.wall_seconds for r in runs])) / recipe.epochs,
                     "dev_curves": [[h["dev_accuracy"] for h in r.history] for r in runs]})
    return {"rows": rows}, {}


def epochs_to(dev_curves, target):
    """The first epoch at whose end the mean dev accuracy over the seeds is `target` or more; None if none.

    Examples
    --------
    >>> epochs_to([[0.95, 0.979, 0.981], [0.96, 0.982, 0.983]], 0.98)
    2
    >>> epochs_to([[0.95, 0.97]], 0.98) is None
    True
    """
    mean = np.mean(dev_curves, axis=0)
    reached = np.flatnonzero(mean >= target)
    return int(reached[0]) + 1 if reached.size else None


def network_label(row):
    """A network's row label: its hidden layers and its parameters in thousands.

    Examples
    --------
    >>> network_label({"name": "256-256", "params": 269_322})
    '256-256 (269k)'
    """
    return f"{row['name']} ({row['params'] / 1000:,.0f}k)"


@styled
def width_depth_figure(rows):
    """Train and dev accuracy (mean over seeds) of each network, one row per network, smallest at the top.

    Rows, not points on a parameter axis: networks of nearly the same size
    (256-256 and 339) would print their names over each other.
    """
    rows = sorted(rows, key=lambda r: -r["params"])
    fig = Figure(figsize=(WIDTH, 0.9 + 0.3 * len(rows)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(rows))
    for split, marker in (("train", "o"), ("dev", "s")):
        ax.plot([np.mean([run[f"{split}_accuracy"] for run in r["runs"]]) for r in rows], y, marker,
                label=split)
    ax.set_yticks(y, [network_label(r) for r in rows])
    ax.set(xlabel="accuracy, mean over seeds", ylabel="hidden layers (parameters)",
           ylim=(-0.6, len(rows) - 0.4))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=2, frameon=False)
    return fig


@figure("width-depth")
def accuracy_figure(lab):
    return width_depth_figure(lab.result("width_depth")[0]["rows"])


def to_target(row, epoch_128):
    """Epochs and time until the mean dev accuracy reaches `TARGET`, time in 784-128-10's epochs."""
    epochs = epochs_to(row["dev_curves"], TARGET)
    if epochs is None:
        return {"to_target": "–"}
    return {"to_target": f"{epochs * row['seconds_per_epoch'] / epoch_128:.1f} (epoch {epochs})"}


@quoted("part2")
def width_numbers(lab):
    rows = {r["name"]: r for r in lab.result("width_depth")[0]["rows"]}
    epoch_128 = rows["128"]["seconds_per_epoch"]
    out = {f"h{name.replace('-', '_')}": {
        "name": name, "params": f"{r['params']:,}", **over_seeds(r["runs"]),
        "time_vs_128": round(r["seconds_per_epoch"] / epoch_128, 2),
        **to_target(r, epoch_128)}
        for name, r in rows.items()}
    n_test = len(lab.mnist.test_labels)
    return {"width_depth": {**out, "seeds": len(rows["128"]["runs"]), "target": pct(TARGET),
                            "equal": compared(rows["256-256"]["runs"], rows["339"]["runs"], n_test),
                            "equal_dev": compared(rows["256-256"]["runs"], rows["339"]["runs"],
                                                  lab.scaled(RECIPES["fast"].recipe).dev_size, "dev")}}
