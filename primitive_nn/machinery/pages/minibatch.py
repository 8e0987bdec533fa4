r"""The book module of "Mini-batch SGD": batch size against steps and seconds; gradient noise; the gather."""

import time
from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from primitive_nn import data
from primitive_nn.loss import one_hot
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import compared, over_seeds, pct
from primitive_nn.machinery.recipes import PART2, PART2_SEEDS
from primitive_nn.machinery.runs import position, summary, training_examples
from primitive_nn.minibatch import minibatches
from primitive_nn.network import backward, forward, init_params

BATCH_SIZES = (16, 64, 256, 1024)


@experiment("minibatch", "batch size against steps and seconds, 3 seeds; the noise of a mini-batch gradient")
def minibatch(lab):
    numbers = {"curves": {}, "runs": {}}
    for b in BATCH_SIZES:
        recipe = replace(PART2, layers=(784, 128, 10), epochs=4, batch_size=b, alpha=0.1)
        runs = [lab.train(lab.scaled(replace(recipe, seed=s)), f"batch {b}, seed {s}")
                for s in lab.seeds(PART2_SEEDS)]
        run = runs[0]  # the figure's curves: seed 0
        steps_per_epoch = -(-training_examples(run.recipe, lab.mnist) // b)
        epochs = [position(r)[1] for r in run.history]
        numbers["curves"][str(b)] = {
            "steps": [steps_per_epoch * e for e in epochs],
            "seconds": [run.wall_seconds * e / run.recipe.epochs for e in epochs],
            "dev_accuracy": [r["dev_accuracy"] for r in run.history],
            "test_accuracy": run.test_accuracy}
        numbers["runs"][str(b)] = [summary(r, history=False) for r in runs]
    numbers["noise"] = gradient_noise(lab)
    numbers["gather"] = gather_seconds(lab)
    return numbers, {}


def gather_seconds(lab, batch_size=64, repeats=3):
    """Median seconds to gather one epoch of mini-batches `X[:, batch]`, C order against Fortran order."""
    n = 5000 if lab.smoke else 55_000
    X = data.to_columns(lab.mnist.train_images[:n])            # (784, n), C order: rows contiguous
    layouts = {"C": X, "F": np.asfortranarray(X)}              # F order: columns contiguous
    rng, seconds = np.random.default_rng(0), {name: [] for name in layouts}
    for _ in range(repeats):
        for name, M in layouts.items():
            batches = minibatches(n, batch_size, rng)
            start = time.perf_counter()
            for batch in batches:
                M[:, batch]
            seconds[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in seconds.items()}


def gradient_noise(lab, batch_sizes=(4, 16, 64, 256, 1024), draws=100):
    """Mean squared distance between mini-batch gradients and the full gradient, at the start."""
    rng = np.random.default_rng(0)
    n = 2000 if lab.smoke else 20_000
    X = data.to_columns(lab.mnist.train_images[:n], np.float64)
    Y = one_hot(lab.mnist.train_labels[:n].astype(int))
    params = init_params([784, 32, 10], rng, "he")
    full = backward(params, forward(params, X), Y)["dW1"]
    errors = []
    for b in batch_sizes:
        squared = []
        for _ in range(draws):
            batch = rng.choice(n, b, replace=False)
            g = backward(params, forward(params, X[:, batch]), Y[:, batch])["dW1"]
            squared.append(float(((g - full) ** 2).sum()))
        errors.append(float(np.mean(squared)))
    return {"batch_sizes": list(batch_sizes), "mean_squared_error": errors, "m": n,
            "full_norm_squared": float((full ** 2).sum())}


# ---------------------------------------------------------------- figures


@styled
def steps_and_seconds(curves):
    """Dev accuracy after each epoch against optimizer steps (log) and against seconds, per batch size."""
    fig = Figure(figsize=(WIDTH, 2.9), layout="constrained")
    by_steps, by_time = fig.subplots(1, 2, sharey=True)
    for label, c in curves.items():
        by_steps.semilogx(c["steps"], c["dev_accuracy"], "o-", markersize=3, label=label)
        by_time.plot(c["seconds"], c["dev_accuracy"], "o-", markersize=3)
    by_steps.set(xlabel="optimizer steps", ylabel="dev accuracy", title="Per step")
    by_time.set(xlabel="seconds of training", title="Per second")
    by_steps.legend(frameon=False, title="batch size")
    return fig


@figure("minibatch-steps-seconds")
def steps_figure(lab):
    return steps_and_seconds(lab.result("minibatch")[0]["curves"])


@figure("minibatch-noise")
@styled
def noise_figure(lab):
    r"""How far a mini-batch gradient strays from the full one, against the batch size (log-log).

    The dashed line is the prediction for batches drawn without replacement
    from $m$ examples, $\sigma^2 (m - b) / (b (m - 1))$, scaled to the first point.
    """
    noise = lab.result("minibatch")[0]["noise"]
    mean_squared_error, m = noise["mean_squared_error"], noise["m"]
    fig = Figure(figsize=(WIDTH * 0.7, 2.9), layout="constrained")
    ax = fig.subplots()
    b = np.asarray(noise["batch_sizes"], dtype=float)
    predicted = (m - b) / (b * (m - 1))
    ax.loglog(b, mean_squared_error, "o", label="measured")
    ax.loglog(b, mean_squared_error[0] * predicted / predicted[0], "--", color="#888",
              label="σ²(m − b) / (b(m − 1))")
    ax.set(xlabel="batch size b", ylabel="E‖g_B − ∇L‖²", title="Noise of the mini-batch gradient")
    ax.legend(frameon=False)
    return fig


@quoted("part2")
def minibatch_numbers(lab):
    """Accuracy over the seeds, steps and time of each batch size; the two gathers."""
    curves, runs, gather = (lab.result("minibatch")[0][key] for key in ("curves", "runs", "gather"))
    seconds = {b: float(np.median([run["wall_seconds"] for run in r])) for b, r in runs.items()}
    out = {f"b{b}": {**over_seeds(runs[b]), "steps": c["steps"][-1],
                     "time_vs_64": round(seconds[b] / seconds["64"], 2)}
           for b, c in curves.items()}
    out["seeds"] = len(runs["64"])
    n_dev = lab.scaled(PART2).dev_size
    sizes = list(runs)
    out["compared"] = {f"b{small}_vs_b{large}": compared(runs[small], runs[large], n_dev, "dev")
                       for small, large in zip(sizes, sizes[1:])}
    out["gather"] = {"c_ms": round(1000 * gather["C"]), "f_ms": round(1000 * gather["F"]),
                     "ratio": round(gather["C"] / gather["F"], 1)}
    return {"minibatch": out}
