r"""The book module of "Momentum and Adam": each optimizer at its best learning rate on dev."""

from dataclasses import replace

from primitive_nn.machinery.figures import learning_curves
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import final, pct
from primitive_nn.machinery.recipes import PART2
from primitive_nn.machinery.runs import summary

GRID = {"sgd": (0.03, 0.1, 0.3, 1.0), "momentum": (0.003, 0.01, 0.03, 0.1, 0.3),
        "adam": (0.0001, 0.0003, 0.001, 0.003)}  # learning rates tried, past the best on both sides


@experiment("optimizers", "plain SGD, momentum and Adam, each at its best learning rate on dev")
def optimizers(lab):
    numbers = {}
    for optimizer, alphas in GRID.items():
        tried = []
        for alpha in alphas:
            recipe = lab.scaled(replace(PART2, layers=(784, 128, 10), epochs=5, batch_size=64,
                                        optimizer=optimizer, alpha=alpha, record_divergence=True))
            tried.append((alpha, lab.train(recipe, f"{optimizer}, alpha {alpha:g}")))
        best_alpha, best = max(((a, r) for a, r in tried if not r.diverged),
                               key=lambda ar: ar[1].dev_accuracy)
        numbers[optimizer] = {"alphas": list(alphas), "dev": [r.dev_accuracy for _, r in tried],
                              "best_alpha": best_alpha, "best": summary(best)}
    return numbers, {}


@figure("optimizers-curves")
def curves_figure(lab):
    opt, _ = lab.result("optimizers")
    return learning_curves({f"{k} (α={v['best_alpha']:g})": v["best"]["history"] for k, v in opt.items()})


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
    numbers = {name: {"alpha": o["best_alpha"], **final(o["best"]), "runner_up_gap": runner_up_gap(o["dev"]),
                      "tried": ", ".join(f"{a:g}" for a in o["alphas"])}
               for name, o in opt.items()}
    numbers["momentum"]["alpha_vs_sgd"] = f'{opt["sgd"]["best_alpha"] / opt["momentum"]["best_alpha"]:.3g}'
    return {"optimizers": numbers}
