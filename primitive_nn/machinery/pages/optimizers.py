r"""The book module of "Momentum and Adam": each optimizer at its best learning rate on dev.

Every rate of each optimizer's grid runs with Part II's seeds; the best rate
is the one with the highest mean dev accuracy over them, and the optimizers
are compared at their best rates, paired by seed, by the book's rule.
"""

from dataclasses import replace

import numpy as np

from primitive_nn.machinery.figures import learning_curves
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import compared, over_seeds, pct
from primitive_nn.machinery.recipes import PART2, PART2_SEEDS
from primitive_nn.machinery.runs import summary

GRID = {"sgd": (0.03, 0.1, 0.3, 1.0), "momentum": (0.003, 0.01, 0.03, 0.1, 0.3),
        "adam": (0.0001, 0.0003, 0.001, 0.003)}  # learning rates tried, past the best on both sides


@experiment("optimizers", "plain SGD, momentum and Adam, each at its best learning rate on dev; 3 seeds")
def optimizers(lab):
    numbers = {}
    for optimizer, alphas in GRID.items():
        tried = {}
        for alpha in alphas:
            recipe = replace(PART2, layers=(784, 128, 10), epochs=5, batch_size=64,
                             optimizer=optimizer, alpha=alpha, record_divergence=True)
            tried[alpha] = [summary(lab.train(lab.scaled(replace(recipe, seed=s)),
                                              f"{optimizer}, alpha {alpha:g}, seed {s}"))
                            for s in lab.seeds(PART2_SEEDS)]
        dev = {a: mean_dev(runs) for a, runs in tried.items()}
        best_alpha = max(dev, key=dev.get)
        numbers[optimizer] = {"alphas": list(alphas), "dev": list(dev.values()),
                              "best_alpha": best_alpha, "runs": tried[best_alpha]}
    return numbers, {}


def mean_dev(runs):
    """The mean dev accuracy of a rate's runs over the seeds; minus infinity if any run died."""
    return -np.inf if any(r["diverged"] for r in runs) else float(np.mean([r["dev_accuracy"] for r in runs]))


@figure("optimizers-curves")
def curves_figure(lab):
    opt, _ = lab.result("optimizers")
    return learning_curves({f"{k} (α={v['best_alpha']:g})": v["runs"][0]["history"] for k, v in opt.items()})


def runner_up_gap(dev):
    """How far, in points of dev accuracy, the second-best rate of a grid is behind the best.

    Examples
    --------
    >>> runner_up_gap([0.9384, 0.9706, 0.9664])
    0.42
    """
    first, second = sorted(dev, reverse=True)[:2]
    return pct(first - second)


@quoted("part2")
def optimizer_numbers(lab):
    opt, _ = lab.result("optimizers")
    n_test = len(lab.mnist.test_labels)
    numbers = {name: {"alpha": o["best_alpha"], **over_seeds(o["runs"]),
                      "test_min": pct(min(r["test_accuracy"] for r in o["runs"])),
                      "runner_up_gap": runner_up_gap(o["dev"]),
                      "tried": ", ".join(f"{a:g}" for a in o["alphas"])}
               for name, o in opt.items()}
    numbers["momentum"]["alpha_vs_sgd"] = f'{opt["sgd"]["best_alpha"] / opt["momentum"]["best_alpha"]:.3g}'
    numbers["seeds"] = len(opt["sgd"]["runs"])
    numbers["compared"] = {f"{a}_vs_sgd": compared(opt[a]["runs"], opt["sgd"]["runs"], n_test)
                           for a in ("momentum", "adam")}
    return {"optimizers": numbers}
