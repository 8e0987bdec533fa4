r"""The book module of "Batch normalization": one layer before and after, and what it changes in training.

The first figure trains nothing. It takes the MLP of Part IV's first rung
(`pages/convnet.py`: 784-800-800-10 trained as the convnet is, seed 0,
cached) and the first `BATCH` training images, and draws the first layer's
pre-activations $Z^{[1]}$ of a few units over that batch, as the layer
finds them and after `batchnorm_forward` with $\gamma = 1$, $\beta = 0$.

The experiments measure batch normalization in training, one change at a
time, over Part II's seeds:

* `batchnorm_lr` trains the MLP 784-256-256-10 with Part II's settings (the
  `fast` recipe with a second hidden layer: momentum, a cosine schedule, 6
  epochs in batches of 128) at each peak rate of `RATES`, without and with
  batch normalization, and records the runs that diverge instead of
  stopping. Each network's best rate is chosen on dev; the test set is read
  once, at those rates. From the same runs' histories, the first epoch at
  which dev accuracy reaches `MLP_TARGET`.
* `bn_conv` trains the `conv-bn` recipe, the `conv` recipe with batch
  normalization, over the same seeds as the convnet chapter's `conv` runs,
  whose numbers it reads from that experiment: final test accuracy, the
  paired difference by the book's rule, the first epoch at `CONV_TARGET`
  dev accuracy, and the minutes each takes. About 35 minutes on 2 cores.
"""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from primitive_nn.batchnorm import batchnorm_forward
from primitive_nn.data import to_columns
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted, reference
from primitive_nn.machinery.pages import compared, over_seeds, pct, spread
from primitive_nn.machinery.pages.convnet import rung_runs
from primitive_nn.machinery.recipes import CONVNETS, PART2_SEEDS, RECIPES
from primitive_nn.machinery.report import reference_entry
from primitive_nn.machinery.runs import summary

BATCH = 64       # the convnet recipe's batch size
UNITS = 8        # the first units of the first hidden layer
RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # peak learning rates of the sweep, half a decade apart
SWEPT = replace(RECIPES["fast"].recipe, layers=(784, 256, 256, 10), record_divergence=True)
NETWORKS = {"plain": False, "bn": True}   # the sweep's two networks: batchnorm off and on
MLP_TARGET = 0.975   # the dev accuracy whose first epoch the MLPs are timed to
CONV_TARGET = 0.99   # and the convnets
CONV_BN = CONVNETS["conv-bn"].recipe


@styled
def standardized_figure(Z):
    """Each unit's values over the batch, Z (UNITS, m): as they are, and standardized."""
    n = len(Z)
    Zhat, _ = batchnorm_forward(Z, np.ones((n, 1)), np.zeros((n, 1)))
    fig = Figure(figsize=(WIDTH, 3.0), layout="constrained")
    axes = fig.subplots(1, 2, sharey=False)
    rng = np.random.default_rng(0)  # the dots' sideways jitter only
    for ax, values, title in ((axes[0], Z, "$Z^{[1]}$, as trained"),
                              (axes[1], Zhat, r"$\hat{Z}^{[1]}$, standardized")):
        for i, row in enumerate(values):
            ax.plot(i + 1 + rng.uniform(-0.25, 0.25, row.size), row, ".", ms=2.5, alpha=0.6)
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set(title=title, xlabel="unit", xticks=range(1, n + 1))
    axes[0].set_ylabel("value over the batch")
    return fig


@figure("batchnorm-standardized")
def standardized(lab):
    run = rung_runs(lab, "mlp")[0]
    X = to_columns(lab.mnist.train_images[:BATCH], dtype=np.float32)     # (784, 64)
    Z1 = run.params["W1"] @ X + run.params["b1"]                          # (800, 64)
    return standardized_figure(Z1[:UNITS].astype(np.float64))


# ---------------------------------------------------------------- the MLP: learning rates


@experiment("batchnorm_lr", "784-256-256-10 at six peak rates, without and with batch "
                            "normalization, 3 seeds; divergence recorded")
def batchnorm_lr(lab):
    trained = lab.train_groups({(name, a): [(lab.scaled(replace(SWEPT, alpha=a, batchnorm=on, seed=s)),
                                             f"{name}, alpha {a:g}, seed {s}") for s in lab.seeds(PART2_SEEDS)]
                                for name, on in NETWORKS.items() for a in RATES})
    return {name: {str(a): [summary(r) for r in trained[name, a]] for a in RATES} for name in NETWORKS}, {}


def best_rate(sweep):
    """The rate, of those at which every seed trained, with the highest mean dev accuracy (or None)."""
    trained = [a for a, runs in sweep.items() if not any(r["diverged"] for r in runs)]
    return max(trained, key=lambda a: np.mean([r["dev_accuracy"] for r in sweep[a]]), default=None)


def first_epoch(history, target):
    """The first epoch whose record reaches `target` dev accuracy, or None.

    Examples
    --------
    >>> first_epoch([{"epoch": 1, "dev_accuracy": 0.96}, {"epoch": 2, "dev_accuracy": 0.98}], 0.975)
    2
    """
    return next((r["epoch"] for r in history if r.get("dev_accuracy", 0) >= target), None)


def epochs_text(runs, target):
    """The first epoch at `target` of each run, seed order, as words: "3, 4 and never".

    Examples
    --------
    >>> epochs_text([{"seed": 1, "history": []}, {"seed": 0, "history": [{"epoch": 3, "dev_accuracy": 1}]}], 0.9)
    '3 and never'
    """
    words = [str(first_epoch(r["history"], target) or "never") for r in sorted(runs, key=lambda r: r["seed"])]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def rate_cell(runs):
    """One cell of the rates table: dev accuracy mean ± sd over the seeds, and how many diverged."""
    alive, died = [r for r in runs if not r["diverged"]], sum(bool(r["diverged"]) for r in runs)
    if not alive:
        return f"diverged ({died} of {len(runs)})"
    s = spread(alive, "dev_accuracy")
    shown = f"{s['mean']:.2f} ± {s['sd']:.2f}" if len(alive) > 1 else f"{s['mean']:.2f} (one seed)"
    return shown + (f"; {died} of {len(runs)} diverged" if died else "")


def rates_table(sweeps):
    """The sweep as a Markdown table: one row per peak rate, dev accuracy without and with."""
    rows = ["| peak rate α | without batch norm: dev accuracy, % | with batch norm: dev accuracy, % |",
            "|---|---|---|"]
    rows += [f"| {a:g} | {rate_cell(sweeps['plain'][str(a)])} | {rate_cell(sweeps['bn'][str(a)])} |"
             for a in RATES]
    return "\n".join(rows)


def sweep_numbers(sweep, target):
    """One network's sweep as the page quotes it: its best rate, where it diverged, its speed there.

    Rates are words, as the page writes them ("0.3", "none"); a run's accuracies are percentages.
    """
    died = [a for a, runs in sweep.items() if any(r["diverged"] for r in runs)]
    best = best_rate(sweep)
    runs = sweep[best] if best is not None else []
    alive = [r for runs_ in sweep.values() for r in runs_ if not r["diverged"]]
    return {"best_rate": rate_text(best),
            "highest_trained": rate_text(max((a for a in sweep if a not in died), key=float, default=None)),
            "lowest_diverged": rate_text(min(died, key=float, default=None)),
            "diverged": ", ".join(rate_text(a) for a in died) or "none",
            **({"best": over_seeds(runs)} if runs else {"best": None}),
            "epochs_to_target": epochs_text(runs, target) if runs else None,
            "seconds": round(float(np.median([r["wall_seconds"] for r in alive])), 1) if alive else None}


def rate_text(rate):
    """A rate of the sweep, a key such as "1.0", as the page writes it: "1"; "none" for None.

    Examples
    --------
    >>> rate_text("1.0"), rate_text("0.03"), rate_text(None)
    ('1', '0.03', 'none')
    """
    return "none" if rate is None else f"{float(rate):g}"


LABELS = {"plain": "without batch norm", "bn": "with batch norm"}
ERROR_TICKS = (0.5, 1, 1.5, 2, 3, 5, 10, 20, 30, 50, 100)  # dev error, %: the figure's log axis, labelled plainly


def error_bars(runs):
    """Dev error in percent over the seeds that trained: mean, and its distance to the worst and best."""
    errors = [100 * (1 - r["dev_accuracy"]) for r in runs if not r["diverged"]]
    if not errors:
        return None
    mean = float(np.mean(errors))
    return mean, mean - min(errors), max(errors) - mean


@styled
def rates_figure(sweeps):
    """Dev error against the peak rate, each network a line: the mean over the seeds, bars from the
    best seed to the worst, and a cross above where a seed diverged."""
    fig = Figure(figsize=(WIDTH, 3.4), layout="constrained")
    ax = fig.subplots()
    bars = {name: {a: error_bars(sweep[str(a)]) for a in RATES} for name, sweep in sweeps.items()}
    shown = [e for b in bars.values() for e in b.values() if e]
    bottom, top = 0.8 * min(m - down for m, down, _ in shown), 1.6 * max(m + up for m, _, up in shown)
    for (name, sweep), nudge in zip(sweeps.items(), (0.9, 1.11)):  # side by side at each rate
        kept = [(a * nudge, e) for a, e in bars[name].items() if e]
        line = ax.errorbar([x for x, _ in kept], [e[0] for _, e in kept], capsize=3, marker="o",
                           yerr=[[e[1] for _, e in kept], [e[2] for _, e in kept]], label=LABELS[name])
        died = [a * nudge for a in RATES if any(r["diverged"] for r in sweep[str(a)])]
        if died:  # above the data; an empty line off the axes would stretch the layout
            ax.plot(died, [top] * len(died), "x", ms=9, mew=2, color=line[0].get_color(), clip_on=False)
    ticks = [t for t in ERROR_TICKS if bottom <= t <= top * 1.15]
    ax.set(xscale="log", yscale="log", xlabel="peak learning rate α", ylabel="dev error, %",
           xticks=RATES, xticklabels=[f"{a:g}" for a in RATES], yticks=ticks,
           yticklabels=[f"{t:g}" for t in ticks], ylim=(bottom, top * 1.15))
    ax.minorticks_off()
    ax.grid(alpha=0.3)
    handles, _ = ax.get_legend_handles_labels()
    crossed = Line2D([], [], ls="", marker="x", ms=9, mew=2, color="0.3", label="a seed diverged")
    fig.legend(handles=[*handles, crossed], loc="outside lower center", ncols=3, frameon=False)
    return fig


@figure("batchnorm-rates")
def rates(lab):
    return rates_figure(lab.result("batchnorm_lr")[0])


# ---------------------------------------------------------------- the convnet


@experiment("bn_conv", "the conv-bn recipe over 3 seeds, against the conv recipe's runs (about 35 minutes)")
def bn_conv(lab):
    numbers, _ = lab.result("conv")  # the conv runs: trained and charged there
    runs = lab.train_all([(lab.scaled(replace(CONV_BN, seed=s)), f"conv-bn, seed {s}")
                          for s in lab.seeds(PART2_SEEDS)])
    return {"conv": numbers["conv"], "conv_bn": [summary(r) for r in runs]}, {}


def conv_numbers(lab):
    """The convnet without and with batch normalization, as the page quotes them."""
    conv, _ = lab.result("bn_conv")
    out = {"target": pct(CONV_TARGET), "seeds": len(conv["conv_bn"]),
           "compared": compared(conv["conv_bn"], conv["conv"], len(lab.mnist.test_labels))}
    for name, runs in conv.items():
        out[name] = {**over_seeds(runs), "epochs_to_target": epochs_text(runs, CONV_TARGET),
                     "minutes": round(float(np.median([r["wall_seconds"] for r in runs])) / 60, 1)}
    return out


@reference()
def conv_bn_reference(lab):
    """The conv-bn recipe over Part II's seeds, for `python -m primitive_nn.train --recipe conv-bn`."""
    conv, _ = lab.result("bn_conv")
    return {"recipes": {"part IV conv-bn": reference_entry(lab.scaled(CONV_BN), conv["conv_bn"])}}


@quoted("batchnorm")
def batchnorm_numbers(lab):
    sweeps, _ = lab.result("batchnorm_lr")
    mlp = {name: sweep_numbers(sweep, MLP_TARGET) for name, sweep in sweeps.items()}
    best = {name: sweep[best_rate(sweep)] for name, sweep in sweeps.items() if best_rate(sweep)}
    same_rate = sweeps["bn"].get(best_rate(sweeps["plain"]), [])
    return {"rates": ", ".join(f"{a:g}" for a in RATES), "seeds": len(sweeps["plain"][str(RATES[0])]),
            "target": pct(MLP_TARGET), "rates_table": rates_table(sweeps), **mlp,
            "bn_at_plain_rate": {"epochs_to_target": epochs_text(same_rate, MLP_TARGET)
                                 if same_rate and not any(r["diverged"] for r in same_rate) else None},
            "bn_vs_plain": compared(best["bn"], best["plain"], len(lab.mnist.test_labels))
            if len(best) == 2 else None,
            "conv": conv_numbers(lab)}
