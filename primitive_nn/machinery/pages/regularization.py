r"""The book module of "Regularization and honest evaluation": the gap, and when to stop."""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import compared, over_seeds, pct
from primitive_nn.machinery.recipes import PART2, PART2_SEEDS
from primitive_nn.machinery.runs import position, summary
from primitive_nn.regularization import stopping_epoch

BASE = replace(PART2, layers=(784, 256, 256, 10), epochs=20, batch_size=64, optimizer="momentum",
               alpha=0.05, watch_test=True)  # test accuracy recorded for the figure, never to choose
SETTINGS = {"none": {}, "weight decay": {"weight_decay": 5e-4}, "dropout": {"dropout": 0.3}}


@experiment("regularization", "the train-test gap without and with weight decay and dropout; 3 seeds")
def regularization(lab):
    return {name: [summary(lab.train(lab.scaled(replace(BASE, seed=s, **changes)), f"{name}, seed {s}"))
                   for s in lab.seeds(PART2_SEEDS)]
            for name, changes in SETTINGS.items()}, {}


@styled
def generalization_gap(histories):
    """Train, dev and test accuracy per epoch for each setting: the gap between them."""
    fig = Figure(figsize=(WIDTH, 2.9), layout="constrained")
    axes = np.ravel(fig.subplots(1, len(histories), sharey=True))
    for ax, (label, h) in zip(axes, histories.items()):
        epochs = [position(r)[1] for r in h]
        for key, style in (("train_accuracy", "-"), ("dev_accuracy", "--"), ("test_accuracy", ":")):
            ax.plot(epochs, [r[key] for r in h], style, label=key.split("_")[0])
        ax.set(title=label, xlabel="epoch")
    axes[0].set_ylabel("accuracy")
    axes[0].legend(frameon=False)
    return fig


@figure("regularization-gap")
def gap_figure(lab):
    reg, _ = lab.result("regularization")
    return generalization_gap({k: runs[0]["history"] for k, runs in reg.items()})


def early_stopping(history):
    """Where stopping on the dev loss, and on the dev error, would have kept the network."""
    errors = [{"epoch": r["epoch"], "dev_error": 1 - r["dev_accuracy"]} for r in history]
    early = {}
    for criterion, (kept, stopped) in (("loss", stopping_epoch(history, patience=3)),
                                       ("error", stopping_epoch(errors, 3, key="dev_error"))):
        early[criterion] = {"epoch": kept, "stopped": stopped,
                            "dev": pct(history[kept - 1]["dev_accuracy"]),
                            "test": pct(history[kept - 1]["test_accuracy"])}
    return {**early, "epochs": len(history), "final_dev": pct(history[-1]["dev_accuracy"]),
            "final_test": pct(history[-1]["test_accuracy"])}


@quoted("part2")
def regularization_numbers(lab):
    reg, _ = lab.result("regularization")
    n_test, n_dev = len(lab.mnist.test_labels), lab.scaled(BASE).dev_size
    return {"regularization": {
        **{name.replace(" ", "_"): over_seeds(runs) for name, runs in reg.items()},
        "seeds": len(reg["none"]),
        "compared": {name.replace(" ", "_"): {"test": compared(reg[name], reg["none"], n_test),
                                              "dev": compared(reg[name], reg["none"], n_dev, "dev")}
                     for name in SETTINGS if name != "none"},
        "early": early_stopping(reg["none"][0]["history"])}}
