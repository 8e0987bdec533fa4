r"""The book module of "The learning rate": sweeps where runs die, and three schedules."""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import compared, over_seeds, pct
from primitive_nn.machinery.recipes import PART2, PART2_SEEDS, RECIPES
from primitive_nn.machinery.runs import position, summary, training_examples
from primitive_nn.schedules import SCHEDULES

SWEEP = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
CLIFF = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)  # peak rates of the fast recipe, with and without momentum
SCHEDULED = replace(PART2, layers=(784, 128, 10), epochs=8, batch_size=64, optimizer="momentum",
                    alpha=0.05, warmup=0.5)  # each schedule's run, every one with the same warm-up


def schedule_recipe(name):
    """The recipe the chapter trains with schedule `name`."""
    return replace(SCHEDULED, schedule=name)


@experiment("learning_rate", "a learning-rate sweep where runs die, and three schedules; 3 seeds")
def learning_rate(lab):
    sweep = []
    for alpha in SWEEP:
        recipe = replace(PART2, layers=(784, 128, 10), epochs=2, batch_size=64, alpha=alpha,
                         record_divergence=True)
        runs = [lab.train(lab.scaled(replace(recipe, seed=s)), f"alpha {alpha:g}, seed {s}")
                for s in lab.seeds(PART2_SEEDS)]
        alive = [r for r in runs if not r.diverged]
        sweep.append({"alpha": alpha, "runs": len(runs), "died": len(runs) - len(alive),
                      "loss": float(np.mean([r.history[-1]["loss"] for r in alive])) if alive else None,
                      "dev_accuracy": float(np.mean([r.dev_accuracy for r in alive])) if alive else None})
    schedules = {name: [summary(lab.train(lab.scaled(replace(schedule_recipe(name), seed=s)),
                                          f"{name} schedule, seed {s}")) for s in lab.seeds(PART2_SEEDS)]
                 for name in ("constant", "step", "cosine")}
    return {"sweep": sweep, "schedules": schedules}, {}


@experiment("fast_cliff", "the fast recipe's learning-rate cliff, with momentum and without")
def fast_cliff(lab):
    """Two epochs of `fast` at each peak rate of `CLIFF`, as it is and with plain SGD; seed 0."""
    cliff = {}
    for optimizer in ("momentum", "sgd"):
        cliff[optimizer] = []
        for alpha in CLIFF:
            recipe = lab.scaled(replace(RECIPES["fast"].recipe, optimizer=optimizer, epochs=2,
                                        alpha=alpha, record_divergence=True))
            run = lab.train(recipe, f"fast, {optimizer}, alpha {alpha:g}")
            cliff[optimizer].append({"alpha": alpha, "died": run.diverged,
                                     "dev_accuracy": run.dev_accuracy})
    return cliff, {}


def first_dead(sweep):
    """The smallest rate of a sweep at which a run died, and the rates where any run died, as words."""
    died = [s["alpha"] for s in sweep if s["died"]]
    return {"first_dead": died[0] if died else None,
            "dead": ", ".join(f"{a:g}" for a in died) or "none"}


@figure("lr-sweep")
@styled
def sweep_figure(lab):
    """Mean training loss after the sweep's epochs against the rate; × where a run died."""
    sweep = lab.result("learning_rate")[0]["sweep"]
    a = np.asarray([s["alpha"] for s in sweep])
    loss = np.asarray([s["loss"] if s["loss"] is not None else np.nan for s in sweep], dtype=float)
    alive = ~np.asarray([bool(s["died"]) for s in sweep])
    fig = Figure(figsize=(WIDTH, 2.9), layout="constrained")
    ax = fig.subplots()
    ax.semilogx(a[alive], loss[alive], "o-", label="trained")
    top = max(np.log(10), np.nanmax(loss[alive])) * 1.15 if alive.any() else 3.0
    ax.semilogx(a[~alive], np.full((~alive).sum(), top), "x", color="#b03030",
                markersize=10, mew=2, label="died (training stopped)")
    ax.axhline(np.log(10), color="#888", linestyle=":", label="ln 10: a uniform guess")
    ax.set(xlabel="learning rate α", ylabel="training loss", title="Too small, just right, dead")
    ax.legend(frameon=False)
    return fig


@styled
def schedules_figure(rates, histories):
    """Left: each schedule's learning rate against the step. Right: dev accuracy per epoch."""
    fig = Figure(figsize=(WIDTH, 3.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    for label, rate in rates.items():
        line, = left.plot(rate, label=label)
        h = histories[label]
        right.plot([position(r)[1] for r in h], [r["dev_accuracy"] for r in h], "o-", markersize=3,
                   color=line.get_color())
    left.set(xlabel="step", ylabel="learning rate", title="Schedules")
    right.set(xlabel="epoch", ylabel="dev accuracy", title="Dev accuracy")
    fig.legend(loc="outside lower center", ncols=len(rates), frameon=False)
    return fig


@figure("lr-schedules")
def schedules_rates_figure(lab):
    lr, _ = lab.result("learning_rate")
    steps = SCHEDULED.epochs * -(-training_examples(SCHEDULED, lab.mnist) // SCHEDULED.batch_size)
    warmup = round(SCHEDULED.warmup * steps / SCHEDULED.epochs)
    rates = {name: [SCHEDULES[name](t, steps, SCHEDULED.alpha, warmup) for t in range(steps)]
             for name in ("constant", "step", "cosine")}
    return schedules_figure(rates, {k: runs[0]["history"] for k, runs in lr["schedules"].items()})


@quoted("part2")
def rate_numbers(lab):
    lr, _ = lab.result("learning_rate")
    cliff, _ = lab.result("fast_cliff")
    best = max((s for s in lr["sweep"] if not s["died"]), key=lambda s: s["dev_accuracy"])
    n_test, runs = len(lab.mnist.test_labels), lr["schedules"]
    return {"learning_rate": {"best_alpha": best["alpha"], "best_dev": pct(best["dev_accuracy"]),
                              "sweep_seeds": lr["sweep"][0]["runs"], **first_dead(lr["sweep"]),
                              **{name: over_seeds(r) for name, r in runs.items()},
                              "seeds": len(runs["constant"]),
                              "compared": {f"{name}_vs_constant":
                                           compared(runs[name], runs["constant"], n_test)
                                           for name in ("step", "cosine")},
                              "fast_cliff": {"rates": ", ".join(f"{a:g}" for a in CLIFF),
                                             **{opt: first_dead(sweep)
                                                for opt, sweep in cliff.items()}}}}
