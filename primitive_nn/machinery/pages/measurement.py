r"""The book module of "How sure are we": the seed study's runs, read as measurements.

Nothing here trains: the numbers and the figure come from the runs of the
seed chapter's study (`notebook_seeds`), the seed's recipe over ten seeds
with the uniform start and with He's, which is the book's largest set of
runs of one recipe and a paired comparison at the same time.
"""

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import figure, quoted
from primitive_nn.machinery.pages import pct
from primitive_nn.measurement import binomial_se, is_real, paired_difference, t_critical

STARTS = {"corrected": "the seed's uniform start", "he": "He's start"}
FEW = 3  # seeds in most of Part II's comparisons


def accuracies(lab, mode, split="test"):
    """The seed study's accuracies of `mode` on `split`, in seed order."""
    runs = lab.result("notebook_seeds")[0][mode]["runs"]
    return np.array([r[f"{split}_accuracy"] for r in sorted(runs, key=lambda r: r["seed"])])


@quoted("measurement")
def measurement_numbers(lab):
    """Seed spread against the binomial error, and He's start against the uniform one, paired."""
    n_test = len(lab.mnist.test_labels)
    out = {"n_test": f"{n_test:,}"}
    for mode in STARTS:
        test = accuracies(lab, mode)
        out[mode] = {"seeds": len(test), "mean": pct(test.mean()), "sd": pct(test.std(ddof=1)),
                     "binomial_se": pct(binomial_se(test.mean(), n_test))}
    he, uniform = accuracies(lab, "he"), accuracies(lab, "corrected")
    for name, k in (("all", len(he)), ("few", min(FEW, len(he)))):
        if k < 3:  # a smoke test's toy scale: the rule cannot judge
            out[f"paired_{name}"] = {"seeds": k, "mean": None, "sd": None, "t": None,
                                     "critical": None, "real": "too few seeds",
                                     "unpaired_sd": None, "correlation": None}
            continue
        d = paired_difference(he[:k], uniform[:k])
        out[f"paired_{name}"] = {"seeds": k, "mean": pct(d["mean"]), "sd": pct(d["sd"]),
                                 "t": round(d["t"], 1), "critical": round(t_critical(k - 1), 2),
                                 "real": "yes" if is_real(he[:k], uniform[:k], n_test) else "no",
                                 "unpaired_sd": pct(np.sqrt((he[:k].var(ddof=1) +
                                                             uniform[:k].var(ddof=1)) / 2)),
                                 "correlation": round(float(np.corrcoef(he[:k], uniform[:k])[0, 1]), 2)}
    return out


@styled
def spread_figure(test_accuracies, n_images):
    """One strip per setting: each seed's test accuracy, and the mean's band of ±2 binomial errors."""
    fig = Figure(figsize=(WIDTH, 2.2), layout="constrained")
    ax = fig.subplots()
    for row, (label, values) in enumerate(test_accuracies.items()):
        mean, se = values.mean(), binomial_se(values.mean(), n_images)
        ax.axvspan(100 * (mean - 2 * se), 100 * (mean + 2 * se), ymin=(row + 0.15) / 2,
                   ymax=(row + 0.85) / 2, color="#cccccc", zorder=0)
        ax.plot(100 * values, np.full(len(values), row), "o", alpha=0.7)
        ax.plot([100 * mean], [row], "k|", markersize=20)
    ax.set_yticks(range(len(test_accuracies)), list(test_accuracies))
    ax.set(xlabel="test accuracy, %", ylim=(-0.5, len(test_accuracies) - 0.5),
           title="One dot per seed; grey: mean ± 2 binomial errors")
    return fig


@figure("measurement-spread")
def spread(lab):
    return spread_figure({label: accuracies(lab, mode) for mode, label in STARTS.items()},
                         len(lab.mnist.test_labels))
