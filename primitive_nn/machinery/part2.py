r"""Part II's experiments, figures and quoted numbers: from the seed's 84% to the best MLP.

Every Part II experiment trains on the 60,000 official training images with
5,000 of them held out by the run's seed as the dev set, and chooses
settings by dev accuracy only; the test set is reported, never consulted.
The exceptions are the rungs of the ladder that reproduce Part I (the
seed's 41,000 images and 1,000 dev images), which say so.

In a smoke test (`--smoke`) every experiment shrinks: one seed, one epoch,
a few thousand images; its numbers mean nothing.
"""

import time
from dataclasses import replace
from functools import partial

import numpy as np

from primitive_nn import data
from primitive_nn.architecture import count_params
from primitive_nn.augmentation import random_affine, random_shift
from primitive_nn.baselines import majority_accuracy, uniform_guess_accuracy
from primitive_nn.initialization import CHANGES, ablation_start
from primitive_nn.loss import one_hot
from primitive_nn.machinery import plots
from primitive_nn.machinery.experiments import summarize
from primitive_nn.machinery.lab import experiment
from primitive_nn.machinery.part1 import pct
from primitive_nn.machinery.recipes import FAST, LADDER, PART2, RECIPES, SHIPPED
from primitive_nn.minibatch import minibatches
from primitive_nn.network import backward, forward, init_params
from primitive_nn.regularization import stopping_epoch
from primitive_nn.schedules import SCHEDULES

ABLATION_SEEDS = [0, 1, 2, 3, 4]
LADDER_SEEDS = [0, 1, 2]
CHANGE_LABELS = {"small_first": "smaller first layer", "large_output": "larger output layer",
                 "zero_bias": "zero biases"}  # how the figure names He's three changes


def smoke(lab, recipe):
    """`recipe` at a toy scale in a smoke test, else unchanged."""
    if not lab.settings.get("smoke"):
        return recipe
    epochs = 2 if recipe.batch_size is None else 1
    return replace(recipe, epochs=epochs, train_size=3000, dev_size=min(recipe.dev_size, 500))


def training_examples(lab, recipe):
    """How many examples a recipe trains on: its training images less its dev set."""
    return len(lab.mnist.train_labels[:recipe.train_size or None]) - recipe.dev_size


def seeds(lab, wanted):
    return wanted[:1] if lab.settings.get("smoke") else wanted


def _summary(run, keep_history=True):
    out = {"seed": run.recipe.seed, "train_accuracy": run.train_accuracy,
           "dev_accuracy": run.dev_accuracy, "test_accuracy": run.test_accuracy,
           "wall_seconds": round(run.wall_seconds, 2), "diverged": run.diverged}
    if keep_history:
        out["history"] = run.history
    return out


@experiment("baselines", "chance, softmax regression full batch and in mini-batches")
def baselines(lab):
    mnist = lab.mnist
    numbers = {"uniform_guess": uniform_guess_accuracy(),
               "majority": majority_accuracy(mnist.train_labels, mnist.test_labels)}
    linear = RECIPES["linear"][0]
    for name, recipe in (("linear", linear),
                         ("linear_minibatch", replace(PART2, layers=(784, 10), init="zero",
                                                      epochs=10, batch_size=64, alpha=0.1))):
        runs = [lab.train(smoke(lab, replace(recipe, seed=s)), f"{name}, seed {s}")
                for s in seeds(lab, LADDER_SEEDS)]
        numbers[name] = [_summary(r) for r in runs]
    return numbers, {}


@experiment("init_ablation", "He's three changes to the seed's start, each alone and together")
def init_ablation(lab):
    base = smoke(lab, RECIPES["seed"][0])
    variants = {"seed's start": (), **{c: (c,) for c in CHANGES}, "all three (He)": CHANGES}
    numbers = {}
    for name, changes in variants.items():
        start = partial(ablation_start, changes=changes)
        runs = [lab.train(replace(base, seed=s), f"{name}, seed {s}", start=start)
                for s in seeds(lab, ABLATION_SEEDS)]
        numbers[name] = [{**_summary(r, keep_history=False), "initial_loss": r.history[0]["loss"]}
                         for r in runs]
    return numbers, {}


@experiment("minibatch", "batch size against steps and seconds; the noise of a mini-batch gradient")
def minibatch_experiment(lab):
    numbers = {"curves": {}}
    for b in (16, 64, 256, 1024):
        recipe = smoke(lab, replace(PART2, layers=(784, 128, 10), epochs=4, batch_size=b, alpha=0.1))
        run = lab.train(recipe, f"batch {b}")
        steps_per_epoch = -(-training_examples(lab, recipe) // b)
        numbers["curves"][str(b)] = {
            "steps": [steps_per_epoch * r["epoch"] for r in run.history],
            "seconds": [run.wall_seconds * r["epoch"] / recipe.epochs for r in run.history],
            "dev_accuracy": [r["dev_accuracy"] for r in run.history],
            "test_accuracy": run.test_accuracy}
    numbers["noise"] = gradient_noise(lab)
    numbers["gather"] = gather_seconds(lab)
    return numbers, {}


def gather_seconds(lab, batch_size=64, repeats=3):
    """Median seconds to gather one epoch of mini-batches `X[:, batch]`, C order against Fortran order."""
    n = 5000 if lab.settings.get("smoke") else 55_000
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
    n = 2000 if lab.settings.get("smoke") else 20_000
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


@experiment("optimizers", "plain SGD, momentum and Adam, each at its best learning rate on dev")
def optimizers_experiment(lab):
    grid = {"sgd": (0.03, 0.1, 0.3, 1.0), "momentum": (0.003, 0.01, 0.03, 0.1, 0.3),
            "adam": (0.0001, 0.0003, 0.001, 0.003)}
    numbers = {}
    for optimizer, alphas in grid.items():
        tried = []
        for alpha in alphas:
            recipe = smoke(lab, replace(PART2, layers=(784, 128, 10), epochs=5, batch_size=64,
                                        optimizer=optimizer, alpha=alpha))
            tried.append((alpha, lab.train(recipe, f"{optimizer}, alpha {alpha:g}",
                                           record_divergence=True)))
        best_alpha, best = max(((a, r) for a, r in tried if not r.diverged),
                               key=lambda ar: ar[1].dev_accuracy)
        numbers[optimizer] = {"alphas": list(alphas),
                              "dev": [r.dev_accuracy for _, r in tried],
                              "best_alpha": best_alpha, "best": _summary(best)}
    return numbers, {}


@experiment("learning_rate", "a learning-rate sweep where runs die, and three schedules")
def learning_rate_experiment(lab):
    alphas = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
    sweep = []
    for alpha in alphas:
        recipe = smoke(lab, replace(PART2, layers=(784, 128, 10), epochs=2, batch_size=64,
                                    alpha=alpha))
        run = lab.train(recipe, f"alpha {alpha:g}", record_divergence=True)
        sweep.append({"alpha": alpha, "loss": run.history[-1]["loss"] if run.history else None,
                      "died": run.diverged, "dev_accuracy": run.dev_accuracy})
    schedules = {}
    for name in ("constant", "step", "cosine"):
        recipe = smoke(lab, replace(PART2, layers=(784, 128, 10), epochs=8, batch_size=64,
                                    optimizer="momentum", alpha=0.05, schedule=name,
                                    warmup=0.5 if name == "cosine" else 0.0))
        schedules[name] = _summary(lab.train(recipe, f"{name} schedule"))
    return {"sweep": sweep, "schedules": schedules}, {}


@experiment("width_depth", "784-H-10 for H from 10 to 1024, and deeper networks")
def width_depth_experiment(lab):
    shapes = [(784, h, 10) for h in (10, 32, 128, 512, 1024)] + [(784, 256, 256, 10),
                                                                    (784, 256, 256, 256, 10)]
    rows = []
    for layers in shapes:
        recipe = smoke(lab, replace(FAST, layers=layers))
        run = lab.train(recipe, "-".join(map(str, layers)))
        rows.append({"name": "-".join(map(str, layers[1:-1])), "layers": list(layers),
                     "params": count_params(layers),
                     "seconds_per_epoch": run.wall_seconds / recipe.epochs,
                     **_summary(run, keep_history=False)})
    return {"rows": rows}, {}


@experiment("regularization", "the train-test gap without and with weight decay and dropout")
def regularization_experiment(lab):
    base = replace(PART2, layers=(784, 512, 512, 10), epochs=20, batch_size=64,
                   optimizer="momentum", alpha=0.05)
    settings = {"none": {}, "weight decay": {"weight_decay": 5e-4}, "dropout": {"dropout": 0.3}}
    numbers = {}
    for name, changes in settings.items():
        run = lab.train(smoke(lab, replace(base, **changes)), name, watch_test=True)
        numbers[name] = _summary(run)
    return numbers, {}


@experiment("ladder", "every rung of the ladder over three seeds")
def ladder_experiment(lab):
    study, _ = lab.result("seed_study")
    base, _ = lab.result("baselines")
    made = {RECIPES["seed"][0]: study["corrected"]["runs"], RECIPES["he"][0]: study["he"]["runs"],
            RECIPES["linear"][0]: base["linear"]}  # rungs the seed study and baselines already ran
    numbers = {}
    for name, (recipe, about) in LADDER.items():
        if recipe in made and not lab.settings.get("smoke"):
            runs = [{k: v for k, v in r.items() if k != "history"}
                    for r in made[recipe] if r["seed"] in LADDER_SEEDS]
        else:
            runs = [_summary(lab.train(smoke(lab, replace(recipe, seed=s)), f"{name}, seed {s}"),
                             keep_history=False) for s in seeds(lab, LADDER_SEEDS)]
        numbers[name] = {"about": about, "runs": runs, "params": count_params(recipe.layers)}
    return numbers, {}


@experiment("shipped", "the network predict ships: the best recipe, small, on all 60,000 images")
def shipped_experiment(lab):
    recipe = smoke(lab, SHIPPED)
    if lab.settings.get("smoke"):
        recipe = replace(recipe, dev_size=0)
    run = lab.train(recipe, "shipped network")
    return {"test_accuracy": run.test_accuracy, "train_accuracy": run.train_accuracy,
            "wall_seconds": run.wall_seconds, "params": count_params(recipe.layers),
            "layers": list(recipe.layers)}, run.params


# ---------------------------------------------------------------- figures


def _curve(study_runs, seed_):
    return next(r for r in study_runs if r["seed"] == seed_)["history"]


def measured(lab):
    """The numbers of every experiment Part II draws or quotes, by experiment name."""
    names = ("seed_study", "baselines", "init_ablation", "minibatch", "optimizers",
             "learning_rate", "width_depth", "regularization", "ladder")
    return {name: lab.result(name)[0] for name in names}


def figures(lab):
    """Every Part II figure, by file name (without .png)."""
    m = measured(lab)
    study, base, ablation, mini, opt, lr, wd, reg = (
        m[k] for k in ("seed_study", "baselines", "init_ablation", "minibatch", "optimizers",
                       "learning_rate", "width_depth", "regularization"))
    _, scale = lab.result("init_scale")
    ladder_numbers = numbers(lab)["ladder"]
    for rung in ladder_numbers.values():
        rung["params"] = int(rung["params"].replace(",", ""))
    example = study["example_seed"]
    linear_example = base["linear"][0]
    X = data.to_columns(lab.mnist.test_images[:4])
    rng = np.random.default_rng(0)
    steps = 8 * -(-training_examples(lab, PART2) // 64)   # the schedules experiment's 8 epochs
    schedule_rates = {name: [SCHEDULES[name](t, steps, 0.05, steps // 16 if name == "cosine" else 0)
                             for t in range(steps)] for name in ("constant", "step", "cosine")}
    return {
        "baselines-curves": plots.learning_curves({
            "seed (uniform start)": _curve(study["corrected"]["runs"], example),
            "seed, He's start": _curve(study["he"]["runs"], example),
            "softmax regression": linear_example["history"]}),
        "init-histograms": plots.activation_histograms({
            "seed's uniform start": (scale["uniform.A1"], scale["uniform.Z2"]),
            "He's start": (scale["he.A1"], scale["he.Z2"])}),
        "init-ablation": plots.strips({
            "dev accuracy": {CHANGE_LABELS.get(k, k): [r["dev_accuracy"] for r in v]
                             for k, v in ablation.items()},
            "loss at the start": {CHANGE_LABELS.get(k, k): [r["initial_loss"] for r in v]
                                  for k, v in ablation.items()}},
            xlabel=""),
        "minibatch-steps-seconds": plots.steps_and_seconds(mini["curves"]),
        "minibatch-noise": plots.gradient_noise(mini["noise"]["batch_sizes"],
                                                mini["noise"]["mean_squared_error"], mini["noise"]["m"]),
        "optimizers-curves": plots.learning_curves(
            {f"{k} (α={v['best_alpha']:g})": v["best"]["history"] for k, v in opt.items()},
            x_key="epoch"),
        "lr-sweep": plots.lr_sweep([s["alpha"] for s in lr["sweep"]],
                                   [s["loss"] if s["loss"] is not None else np.nan for s in lr["sweep"]],
                                   [bool(s["died"]) for s in lr["sweep"]]),
        "lr-schedules": plots.schedules_figure(
            schedule_rates, {k: v["history"] for k, v in lr["schedules"].items()}),
        "width-depth": plots.width_depth(wd["rows"]),
        "regularization-gap": plots.generalization_gap({k: v["history"] for k, v in reg.items()}),
        "augmentation-samples": plots.augmented_samples(X, {
            "shifted": random_shift(X, rng), "shifted again": random_shift(X, rng),
            "affine": random_affine(X, rng), "affine again": random_affine(X, rng)}),
        "ladder": plots.ladder(list(ladder_numbers.values())),
    }


# ---------------------------------------------------------------- quoted numbers


def _spread(runs, key):
    s = summarize([r[key] for r in runs])
    return {"mean": pct(s["mean"]), "sd": pct(s["sd"]), "min": pct(s["min"]), "max": pct(s["max"])}


def _final(run):
    """A run's final accuracies in percent, and its time."""
    return {"train": pct(run["train_accuracy"]), "dev": pct(run["dev_accuracy"]),
            "test": pct(run["test_accuracy"]), "seconds": round(run["wall_seconds"], 1)}


def numbers(lab):
    """Part II's entries of results.json, under "part2"."""
    m = measured(lab)
    base, ablation, mini, opt, lr, wd, reg, ladder_ = (
        m[k] for k in ("baselines", "init_ablation", "minibatch", "optimizers", "learning_rate",
                       "width_depth", "regularization", "ladder"))
    out = {"baselines": {"uniform_guess": pct(base["uniform_guess"]), "majority": pct(base["majority"]),
                         **{name: {"test": _spread(base[name], "test_accuracy"),
                                   "train": _spread(base[name], "train_accuracy"),
                                   "first": {"seed": base[name][0]["seed"],
                                             "test": pct(base[name][0]["test_accuracy"])}}
                            for name in ("linear", "linear_minibatch")}},
           "ablation": {name.split(" (")[0].replace("'", "").replace(" ", "_"): {
               "dev": _spread(runs, "dev_accuracy"), "test": _spread(runs, "test_accuracy"),
               "initial_loss": round(float(np.mean([r["initial_loss"] for r in runs])), 3)}
               for name, runs in ablation.items()},
           "ablation_seeds": len(next(iter(ablation.values())))}
    seconds_64 = mini["curves"]["64"]["seconds"][-1]  # one run each: quote times as ratios
    out["minibatch"] = {f"b{b}": {"dev": pct(c["dev_accuracy"][-1]), "steps": c["steps"][-1],
                                  "seconds": round(c["seconds"][-1], 1),
                                  "time_vs_64": round(c["seconds"][-1] / seconds_64, 2)}
                        for b, c in mini["curves"].items()}
    gather = mini["gather"]
    out["minibatch"]["gather"] = {"c_ms": round(1000 * gather["C"]), "f_ms": round(1000 * gather["F"]),
                                  "ratio": round(gather["C"] / gather["F"], 1)}
    out["optimizers"] = {name: {"alpha": o["best_alpha"], **_final(o["best"]),
                                "tried": ", ".join(f"{a:g}" for a in o["alphas"])}
                         for name, o in opt.items()}
    died = [s for s in lr["sweep"] if s["died"]]
    alive = [s for s in lr["sweep"] if not s["died"]]
    best = max(alive, key=lambda s: s["dev_accuracy"])
    out["learning_rate"] = {"best_alpha": best["alpha"], "best_dev": pct(best["dev_accuracy"]),
                            "first_dead": died[0]["alpha"] if died else None,
                            "dead": ", ".join(f"{s['alpha']:g}" for s in died) or "none",
                            **{name: _final(run) for name, run in lr["schedules"].items()}}
    epoch_128 = next(r["seconds_per_epoch"] for r in wd["rows"] if r["layers"] == [784, 128, 10])
    out["width_depth"] = {"rows": [{"name": r["name"], "params": f"{r['params']:,}",
                                    "seconds_per_epoch": round(r["seconds_per_epoch"], 2),
                                    "time_vs_128": round(r["seconds_per_epoch"] / epoch_128, 2),
                                    **_final(r)} for r in wd["rows"]]}
    out["regularization"] = {name.replace(" ", "_"): _final(run) for name, run in reg.items()}
    history = reg["none"]["history"]
    errors = [{"epoch": r["epoch"], "dev_error": 1 - r["dev_accuracy"]} for r in history]
    early = {}
    for criterion, (kept, stopped) in (("loss", stopping_epoch(history, patience=3)),
                                       ("error", stopping_epoch(errors, 3, key="dev_error"))):
        early[criterion] = {"epoch": kept, "stopped": stopped,
                            "dev": pct(history[kept - 1]["dev_accuracy"]),
                            "test": pct(history[kept - 1]["test_accuracy"])}
    out["regularization"]["early"] = {**early, "epochs": len(history),
                                      "final_dev": pct(history[-1]["dev_accuracy"]),
                                      "final_test": pct(history[-1]["test_accuracy"])}
    rungs = {}
    for name, rung in ladder_.items():
        test = _spread(rung["runs"], "test_accuracy")
        rungs[name] = {"name": name, "about": rung["about"], "params": f"{rung['params']:,}",
                       "test_mean": test["mean"], "test_sd": test["sd"],
                       "seconds": round(float(np.median([r["wall_seconds"] for r in rung["runs"]])), 1)}
    out["ladder"] = rungs
    out["ladder_seeds"] = len(next(iter(ladder_.values()))["runs"])
    return out
