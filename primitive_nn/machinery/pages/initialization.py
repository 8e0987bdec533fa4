r"""The book module of "Initialization": the scale at the start, and He's three changes apart.

* `init_scale`: the scale of activations and logits at the start, uniform
  and He, on the first 1,000 training images of the example runs' split,
  for the example runs' own starts and averaged over `START_DRAWS` random
  starts.
* `init_steps`: how far the first layer's weights move in the first hundred
  iterations, against their size, from each start.
* `init_ablation`: He's three changes to the seed's start, each alone and
  all together, over `ABLATION_SEEDS` (`Recipe.he_changes`).
"""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.initialization import CHANGES, predicted_std
from primitive_nn.loss import cross_entropy_from_logits, one_hot
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import compared, spread
from primitive_nn.machinery.pages.data import pixel_second_moment
from primitive_nn.machinery.pages.seed import example_run, notebook_recipe
from primitive_nn.machinery.runs import split, summary
from primitive_nn.network import forward, init_params

START_DRAWS = 20  # random starts averaged to compare with the predicted spread
FIRST = 1000  # the training images the scale at the start is measured on
EARLY_STEPS = (10, 100)  # iterations after which init_steps weighs the first layer
ABLATION_SEEDS = [0, 1, 2, 3, 4]
VARIANTS = {"seed's start": (), **{c: (c,) for c in CHANGES}, "all three (He)": CHANGES}
CHANGE_LABELS = {"small_first": "smaller first layer", "large_output": "larger output layer",
                 "zero_bias": "zero biases"}  # how the figure names He's three changes


@experiment("init_scale", "activations and logits at the start, uniform against He")
def init_scale(lab):
    """The example runs' own starts, the seed's and He's, on the first 1,000 images they train on."""
    numbers, arrays = {}, {}
    for init, mode in (("uniform", "corrected"), ("he", "he")):
        run = example_run(lab, mode)
        X, y = training_split(run.recipe, lab.mnist)
        numbers["zero_pixels"] = float((X == 0).mean())  # the same split for both starts
        cache = forward(run.initial_params, X[:, :FIRST])
        A2 = cache["A2"]  # (10, FIRST): the softmax at the start
        numbers[init] = {"z1_std": float(cache["Z1"].std()), "z2_std": float(cache["Z2"].std()),
                         "loss": cross_entropy_from_logits(cache["Z2"], one_hot(y[:FIRST])),
                         "active": float((cache["A1"] > 0).mean()),
                         "top_probability": float(A2.max(axis=0).mean()),
                         "confident": float((A2.max(axis=0) > 0.9).mean())}
        arrays[f"{init}.A1"], arrays[f"{init}.Z2"] = cache["A1"], cache["Z2"]
        starts = [forward(init_params(list(run.recipe.layers), np.random.default_rng(s), init),
                          X[:, :FIRST]) for s in range(START_DRAWS)]
        numbers[init]["mean_over_starts"] = {key: float(np.mean([c[name].std() for c in starts]))
                                             for key, name in (("z1_std", "Z1"), ("z2_std", "Z2"))}
    return numbers, arrays


def training_split(recipe, mnist):
    """The training columns `X` (784, m), float64, and labels `y` that a run of `recipe` trains on."""
    X, y, _, _ = split(recipe, mnist, dtype=np.float64)
    return X, y


@experiment("init_steps", "the first hundred steps from the seed's start and from He's")
def init_steps(lab):
    """The first layer's weights after `EARLY_STEPS` iterations of the example runs, uniform and He.

    Full-batch gradient descent from a given start is deterministic, so a
    run of t iterations ends where the example run stood after its t-th.
    """
    numbers = {}
    for init, mode in (("uniform", "corrected"), ("he", "he")):
        example = example_run(lab, mode)
        W1 = example.initial_params["W1"]
        numbers[init] = [{"iteration": 0, "w1_norm": float(np.linalg.norm(W1)), "moved": 0.0}]
        for t in EARLY_STEPS:
            run = lab.train(replace(example.recipe, epochs=t), f"{mode}, example, {t} iterations")
            numbers[init].append({"iteration": t, "w1_norm": float(np.linalg.norm(run.params["W1"])),
                                  "moved": float(np.linalg.norm(run.params["W1"] - W1))})
        accuracy = {r["iteration"]: r["train_accuracy"] for r in example.history}
        for row in numbers[init]:
            row["train_accuracy"] = accuracy.get(row["iteration"])  # None at a smoke test's scale
    return numbers, {}


@experiment("init_ablation", "He's three changes to the seed's start, each alone and together")
def init_ablation(lab):
    base, numbers = notebook_recipe(lab), {}
    for name, changes in VARIANTS.items():
        runs = [lab.train(replace(base, seed=s, he_changes=changes), f"{name}, seed {s}")
                for s in lab.seeds(ABLATION_SEEDS)]
        numbers[name] = [{**summary(r, history=False), "initial_loss": r.history[0]["loss"]}
                         for r in runs]
    return numbers, {}


# ---------------------------------------------------------------- figures


@styled
def activation_histograms(starts, bins=60):
    """Histograms of the hidden activations and the logits at the start, one row per start.

    Parameters
    ----------
    starts : dict of str to (ndarray, ndarray)
        Start name to (values of $A^{[1]}$, values of $Z^{[2]}$).
    """
    fig = Figure(figsize=(WIDTH, 1.9 * len(starts) + 0.3), layout="constrained")
    axes = fig.subplots(len(starts), 2, squeeze=False)
    for row, (name, (A1, Z2)) in enumerate(starts.items()):
        axes[row, 0].hist(A1.ravel(), bins=bins, color="#4a6fa5")
        axes[row, 0].set(title="$A^{[1]}$", yscale="log", ylabel=f"{name}\ncount")
        axes[row, 1].hist(Z2.ravel(), bins=bins, color="#b5644b")
        axes[row, 1].set(title=f"$Z^{{[2]}}$, std {Z2.std():.2f}")
        axes[row, 1].use_sticky_edges = False  # a margin below 0 keeps the corner's tick labels apart
    return fig


@figure("init-histograms")
def histograms_figure(lab):
    _, scale = lab.result("init_scale")
    return activation_histograms({"seed's uniform start": (scale["uniform.A1"], scale["uniform.Z2"]),
                                  "He's start": (scale["he.A1"], scale["he.Z2"])})


@styled
def strips(panels, xlabel="accuracy"):
    """One row per setting, its values across seeds as dots and their mean as a tick; panels side by side."""
    n_rows = max(len(p) for p in panels.values())
    fig = Figure(figsize=(WIDTH, 1.0 + 0.5 * n_rows), layout="constrained")
    for ax, (title, rows) in zip(np.ravel(fig.subplots(1, len(panels), sharey=True)), panels.items()):
        for row, values in enumerate(rows.values()):
            ax.plot(values, np.full(len(values), row), "o", alpha=0.6)
            ax.plot([np.mean(values)], [row], "k|", markersize=18)
        ax.set_yticks(range(len(rows)), list(rows))
        ax.set(title=title, xlabel=xlabel, ylim=(-0.6, len(rows) - 0.4))
    return fig


@figure("init-ablation")
def ablation_figure(lab):
    ablation, _ = lab.result("init_ablation")
    return strips({
        "dev accuracy": {CHANGE_LABELS.get(k, k): [r["dev_accuracy"] for r in v]
                         for k, v in ablation.items()},
        "loss at the start": {CHANGE_LABELS.get(k, k): [r["initial_loss"] for r in v]
                              for k, v in ablation.items()}}, xlabel="")


# ---------------------------------------------------------------- quoted numbers


def predicted_start_stds(second_moment, layers=(784, 10, 10)):
    r"""The chapter's predicted spread of $Z^{[1]}$ and $Z^{[2]}$ at the start, uniform and He."""
    uniform = 1 / 12  # the variance of U[-0.5, 0.5), weights and biases alike
    return {"uniform": predicted_std(layers, [uniform] * 2, [uniform] * 2, second_moment),
            "he": predicted_std(layers, [2 / n for n in layers[:-1]], [0, 0], second_moment)}


@quoted()
def scale_numbers(lab):
    scale, _ = lab.result("init_scale")
    inits = ("uniform", "he")
    return {"init_scale": {
        "top_probability": {init: round(scale[init]["top_probability"], 2) for init in inits},
        "confident": {init: round(100 * scale[init]["confident"], 1) for init in inits},
        "zero_pixels": round(100 * scale["zero_pixels"], 1),
        **{f"{init}_{key}": round(scale[init][key], 3)
           for init in inits for key in ("z1_std", "z2_std", "loss", "active")},
        **{f"{init}_{key}_predicted": round(std, 2)
           for init, stds in predicted_start_stds(pixel_second_moment(lab.mnist.train_images)).items()
           for key, std in zip(("z1_std", "z2_std"), stds)},
        **{f"{init}_{key}_mean": round(scale[init]["mean_over_starts"][key], 2)
           for init in inits for key in ("z1_std", "z2_std")},
        "start_draws": START_DRAWS, "last_start_seed": START_DRAWS - 1,
        "z2_ratio": round(scale["uniform"]["z2_std"] / scale["he"]["z2_std"], 1)}}


@quoted()
def step_numbers(lab):
    """The first layer's size and how far it moved, at iterations 0 and `EARLY_STEPS`."""
    steps, _ = lab.result("init_steps")
    table = {init: {str(row["iteration"]): {
        "w1_norm": round(row["w1_norm"], 2), "moved": round(row["moved"], 2),
        "train": None if row["train_accuracy"] is None else round(100 * row["train_accuracy"], 1)}
        for row in rows} for init, rows in steps.items()}
    last = str(EARLY_STEPS[-1])
    return {"init_steps": {**table, "norm_ratio": round(steps["uniform"][0]["w1_norm"] /
                                                        steps["he"][0]["w1_norm"], 1),
                           "moved_ratio": round(steps["uniform"][-1]["moved"] /
                                                steps["he"][-1]["moved"], 2),
                           "last": last}}


def variant_key(name):
    """A variant's name as a results key: "all three (He)" -> "all_three"."""
    return name.split(" (")[0].replace("'", "").replace(" ", "_")


@quoted("part2")
def ablation_numbers(lab):
    ablation, _ = lab.result("init_ablation")
    seeds_start, n_test = ablation["seed's start"], len(lab.mnist.test_labels)
    return {"ablation": {variant_key(name): {
                "dev": spread(runs, "dev_accuracy"), "test": spread(runs, "test_accuracy"),
                "initial_loss": round(float(np.mean([r["initial_loss"] for r in runs])), 3)}
            for name, runs in ablation.items()},
            "ablation_seeds": len(seeds_start),
            "ablation_compared": {variant_key(name): compared(runs, seeds_start, n_test)
                                  for name, runs in ablation.items() if runs is not seeds_start}}
