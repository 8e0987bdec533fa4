r"""The book module of "What the best network gets wrong": mistakes and calibration of `best`.

* `calibration`: the ladder's `best` runs (seeds 0-2, from the run cache):
  their test confusion matrices, a temperature fitted on each run's own dev
  set, and the calibration before and after it on dev and test.

It also lends `fitted_temperature` to the shipped networks
(`pages/handwriting.py`, `pages/seed.py`): each is calibrated on its own
dev set, the images its training held out.
"""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from primitive_nn import data
from primitive_nn.calibration import (confusion_matrix, expected_calibration_error, fit_temperature,
                                      most_confused, per_class_accuracy, reliability)
from primitive_nn.loss import cross_entropy_from_logits, one_hot, softmax
from primitive_nn.machinery.figures import WIDTH, grid_figure, show_image, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import pct
from primitive_nn.machinery.recipes import PART2_SEEDS, RECIPES
from primitive_nn.machinery.runs import split, summarize
from primitive_nn.network import forward, n_layers

BINS = 10        # confidence bins of the reliability diagram and the ECE
SHOWN = 24       # test mistakes in the grid, the most confident first
CONFUSED = 5     # pairs of digits quoted


def logits(params, X):
    """The logits $Z^{[D]}$ of `params` on the columns of X, in float64: (10, m)."""
    params64 = {name: p.astype(np.float64) for name, p in params.items()}
    return forward(params64, X.astype(np.float64))[f"Z{n_layers(params)}"]


def dev_split(run, mnist):
    """The dev images (784, d) and labels a run held out: the same shuffle `runs.run` drew."""
    _, _, X_dev, y_dev = split(run.recipe, mnist, dtype=np.float64)
    return X_dev, y_dev


def fitted_temperature(run, mnist):
    """The temperature of a run's network, fitted on its dev set; 1.0 when it held none out."""
    if not run.recipe.dev_size:
        return 1.0
    X_dev, y_dev = dev_split(run, mnist)
    return fit_temperature(logits(run.params, X_dev), y_dev)


def calibration_of(Z, labels, T):
    """ECE and cross-entropy of the logits before and after dividing by T."""
    Y = one_hot(labels)
    out = {}
    for name, t in (("before", 1.0), ("after", T)):
        out[name] = {"ece": expected_calibration_error(softmax(Z / t), labels, BINS),
                     "nll": cross_entropy_from_logits(Z / t, Y)}
    return out


def first_reliability(Z_dev, y_dev, Z_test, y_test, T):
    """Counts, accuracy and confidence per bin, on dev and test, before and after T: the figure's."""
    return {split: {name: [v.tolist() for v in reliability(softmax(Z / t), y, BINS)]
                    for name, t in (("before", 1.0), ("after", T))}
            for split, Z, y in (("dev", Z_dev, y_dev), ("test", Z_test, y_test))}


def mistakes(A, labels):
    """Every wrong answer in A (10, m): index, label, answer and its probability, surest first."""
    wrong = np.flatnonzero(A.argmax(axis=0) != labels)
    wrong = wrong[np.argsort(-A[:, wrong].max(axis=0), kind="stable")]
    return [{"index": int(k), "true": int(labels[k]), "predicted": int(A[:, k].argmax()),
             "probability": float(A[:, k].max())} for k in wrong]


@experiment("calibration", "the best rung's test mistakes, and its calibration before and after "
                           "a temperature fitted on dev; 3 seeds")
def calibration(lab):
    lab.result("ladder")  # the runs are the ladder's: charged to it, whichever runs first
    X_test = data.to_columns(lab.mnist.test_images, np.float64)
    y_test = lab.mnist.test_labels.astype(int)
    runs = []
    for s in lab.seeds(PART2_SEEDS):
        run = lab.train(lab.scaled(replace(RECIPES["best"].recipe, seed=s)), f"best, seed {s}")
        X_dev, y_dev = dev_split(run, lab.mnist)
        Z_dev, Z_test = logits(run.params, X_dev), logits(run.params, X_test)
        T = fit_temperature(Z_dev, y_dev)
        entry = {"seed": s, "temperature": T,
                 "confusion": confusion_matrix(Z_test.argmax(axis=0), y_test).tolist(),
                 "dev": calibration_of(Z_dev, y_dev, T), "test": calibration_of(Z_test, y_test, T)}
        if not runs:  # the first seed's reliability diagram and mistakes, for the figures
            entry["reliability"] = first_reliability(Z_dev, y_dev, Z_test, y_test, T)
            entry["mistakes"] = mistakes(softmax(Z_test / T), y_test)
        runs.append(entry)
    return {"runs": runs}, {}


# ---------------------------------------------------------------- figures


@figure("calibration-reliability")
@styled
def reliability_figure(lab):
    """Accuracy against mean confidence per bin, on dev and test, before and after the temperature."""
    first = lab.result("calibration")[0]["runs"][0]
    fig = Figure(figsize=(WIDTH, 3.3), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (split, by_name) in zip(axes, first["reliability"].items()):
        ax.plot([0, 1], [0, 1], color="#888", linestyle="--", linewidth=1, label="calibrated")
        for name, marker in (("before", "o"), ("after", "s")):
            counts, accuracy, confidence = (np.array(v, dtype=float) for v in by_name[name])
            full = counts > 0
            label = "T = 1" if name == "before" else f"T = {first['temperature']:.2f}"
            ax.plot(confidence[full], accuracy[full], marker + "-", markersize=4, label=label)
        ax.set(title=split, xlabel="mean confidence in the bin", xlim=(-0.05, 1.02), ylim=(-0.05, 1.02))
    axes[0].set_ylabel("accuracy in the bin")
    fig.legend(handles=axes[0].get_lines(), loc="outside lower center", ncols=3, frameon=False)
    return fig


@figure("calibration-mistakes")
@styled
def mistakes_figure(lab):
    """The first seed's test mistakes, surest first: label, answer, calibrated probability."""
    shown = lab.result("calibration")[0]["runs"][0]["mistakes"][:SHOWN]
    fig, axes = grid_figure(len(shown), 6, title_lines=2)
    for ax, m in zip(axes, shown):
        show_image(ax, lab.mnist.test_images[m["index"]],
                   f"{m['true']} → {m['predicted']}\n{m['probability']:.2f}")
    return fig


def mean_sd(values, scale=1.0, digits=2):
    """Mean and sample sd of `values` times `scale`, rounded; sd 0 for one value.

    Examples
    --------
    >>> mean_sd([0.01, 0.03], scale=100)
    {'mean': 2.0, 'sd': 1.41}
    """
    s = summarize([scale * v for v in values])
    return {"mean": round(s["mean"], digits), "sd": round(s["sd"], digits)}


@quoted("calibration")
def calibration_numbers(lab):
    """Per-digit accuracy, the most confused pairs, temperatures and ECEs over the seeds."""
    runs = lab.result("calibration")[0]["runs"]
    per_digit = np.array([per_class_accuracy(np.array(r["confusion"])) for r in runs])  # (k, 10)
    summed = np.sum([r["confusion"] for r in runs], axis=0)
    errors = summed.sum() - np.trace(summed)
    top_bin = runs[0]["reliability"]["test"]["before"][0][-1]  # answers above 0.9, as trained
    return {
        "seeds": len(runs), "bins": BINS, "test_images": f"{len(lab.mnist.test_labels):,}",
        "errors_per_seed": round(errors / len(runs), 1),
        "digits": {str(d): {**mean_sd(per_digit[:, d], 100), "errors": round(
            float((summed[d].sum() - summed[d, d]) / len(runs)), 1)} for d in range(10)},
        "confused": [{"true": i, "predicted": j, "count": int(c),
                      "share": pct(c / errors)} for i, j, c in most_confused(summed, CONFUSED)],
        "temperature": mean_sd([r["temperature"] for r in runs]),
        "temperature_range": [round(min(r["temperature"] for r in runs), 2),
                              round(max(r["temperature"] for r in runs), 2)],
        **{f"{split}_{name}": {"ece": mean_sd([r[split][name]["ece"] for r in runs], 100),
                               "nll": mean_sd([r[split][name]["nll"] for r in runs], 1, 4)}
           for split in ("dev", "test") for name in ("before", "after")},
        "ece_lower_after": {split: sum(r[split]["after"]["ece"] < r[split]["before"]["ece"]
                                       for r in runs) for split in ("dev", "test")},
        "top_bin_share": pct(top_bin / len(lab.mnist.test_labels)),
        "shown": min(SHOWN, len(runs[0]["mistakes"])), "first_seed": runs[0]["seed"],
        "first_seed_mistakes": len(runs[0]["mistakes"]),
        "surest_mistakes": sum(m["probability"] > 0.9 for m in runs[0]["mistakes"]),
        "shipped": shipped_numbers(lab)}


def shipped_numbers(lab):
    """The shipped network's split, temperature and test ECE before and after it."""
    shipped, _ = lab.result("shipped")
    return {"train_size": f"{shipped['train_size']:,}", "dev_size": f"{shipped['dev_size']:,}",
            "temperature": round(shipped["temperature"], 2),
            "ece_before": round(100 * shipped["test"]["before"]["ece"], 2),
            "ece_after": round(100 * shipped["test"]["after"]["ece"], 2)}
