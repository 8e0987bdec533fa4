r"""Part I's experiments, figures and quoted numbers.

The experiments, registered with `primitive_nn.machinery.lab.experiment`:

* `seed_study`: the seed's recipe, corrected and faithful, and with He's
  start, once per seed. The *example run* of the chapters is the corrected
  run of the median seed: the seeds sorted by final dev accuracy (ties by
  seed), the lower of the two middle ones when there is an even number.
* `defects`: on the example seed, the corrected recipe with one of the seed's
  defects switched on at a time, and what the naive softmax would have met.
* `gradient_check`: the check of Chapter 5 on a small float64 network, at the
  start and after 50 steps, for the corrected backward pass and the seed's,
  and its error against the step $\varepsilon$.
* `init_scale`: the scale of activations and logits at the start, uniform
  and He, on the example seed's first 1,000 training images, for the example
  seed's start and averaged over `START_DRAWS` random starts.
"""

from dataclasses import asdict, replace

import numpy as np

from primitive_nn import data, seed
from primitive_nn.gradcheck import (EPS, check_gradients, descend, elementwise_relative_error,
                                    numerical_gradient)
from primitive_nn.gradcheck import loss as gradcheck_loss
from primitive_nn.initialization import predicted_std
from primitive_nn.loss import cross_entropy_from_logits, one_hot
from primitive_nn.machinery import plots
from primitive_nn.machinery.experiments import (SEED_REPORTED_TRAIN_ACCURACY, seed_study,
                                                summarize, training_images)
from primitive_nn.machinery.lab import experiment
from primitive_nn.machinery.recipes import SEED
from primitive_nn.network import backward, forward, init_params, predict

MODES = {"corrected": {}, "faithful": {"faithful": True}, "he": {"init": "he"}}
START_DRAWS = 20  # random starts averaged to compare with the predicted spread
OVERFLOW_LOGIT = float(np.log(np.finfo(np.float64).max))  # exp overflows float64 past this


def pct(x):
    """An accuracy as a percentage rounded for display: 0.86364 -> 86.36."""
    return None if x is None else round(100 * x, 2)


def base_recipe(lab):
    """The seed's recipe as the book command was asked to run it (`--iterations` in a smoke test)."""
    return replace(SEED, **lab.settings.get("seed_recipe", {}))


def median_seed(runs):
    """The seed of the median run by final dev accuracy (the lower middle one for an even count)."""
    ordered = sorted(runs, key=lambda r: (r["dev_accuracy"], r["seed"]))
    return ordered[(len(ordered) - 1) // 2]["seed"]


def _run_summary(run):
    return {"seed": run.recipe.seed, "train_accuracy": run.train_accuracy,
            "dev_accuracy": run.dev_accuracy, "test_accuracy": run.test_accuracy,
            "wall_seconds": round(run.wall_seconds, 2), "history": run.history}


@experiment("seed_study", "the seed's recipe over the seeds: corrected, faithful, He's start")
def seed_study_experiment(lab):
    base, seeds = base_recipe(lab), lab.settings["seeds"]
    runs = {mode: [] for mode in MODES}
    for s in seeds:  # the modes take turns, so a busy machine slows all three alike
        for mode, changes in MODES.items():
            runs[mode].append(lab.train(replace(base, seed=s, **changes), f"{mode}, seed {s}"))
    numbers = {mode: {"study": {k: v for k, v in seed_study(runs[mode]).items() if k != "runs"},
                      "runs": [_run_summary(r) for r in runs[mode]]} for mode in MODES}
    example = median_seed(numbers["corrected"]["runs"])
    numbers["example_seed"] = example
    arrays = {}
    for mode in MODES:
        run = next(r for r in runs[mode] if r.recipe.seed == example)
        arrays.update({f"{mode}.{k}": v for k, v in run.params.items()})
        arrays.update({f"{mode}.start.{k}": v for k, v in run.initial_params.items()})
    return numbers, arrays


@experiment("defects", "each of the seed's defects alone, on the example seed")
def defects_experiment(lab):
    study, arrays = lab.result("seed_study")
    recipe = replace(base_recipe(lab), seed=study["example_seed"])
    alone = {"scalar_bias": seed.Defects(True, False, False),
             "m_before_split": seed.Defects(False, False, True)}
    numbers = {}
    for name, defects in alone.items():
        run = lab.train(recipe, f"only {name}", defects=defects)
        numbers[name] = {"train": run.train_accuracy, "dev": run.dev_accuracy, "test": run.test_accuracy}
    faithful = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("faithful.") and ".start." not in k}
    images, _ = training_images(recipe, lab.mnist)
    numbers["max_logit"] = float(forward(faithful, data.to_columns(images, np.float64))["Z2"].max())
    numbers["b2_change"] = float(np.abs(arrays["faithful.b2"] - arrays["faithful.start.b2"]).max())
    return numbers, {}


def _small_problem(rng):
    """The gradient check's network and data: 20-8-10, 30 random examples, float64."""
    params = init_params([20, 8, 10], rng)
    return params, rng.random((20, 30)), one_hot(rng.integers(0, 10, 30))


@experiment("gradient_check", "Chapter 5's check: both backward passes, after training, against eps")
def gradient_check_experiment(lab):
    params, X, Y = _small_problem(np.random.default_rng(0))
    trained = descend(params, X, Y, steps=50, alpha=0.5)
    numbers = {"start": {"corrected": check_gradients(params, X, Y),
                         "seed": check_gradients(params, X, Y, backprop=seed.backward_seed)},
               "trained": {"corrected": check_gradients(trained, X, Y),
                           "loss_start": gradcheck_loss(params, X, Y),
                           "loss_trained": gradcheck_loss(trained, X, Y)}}
    eps = [10.0 ** -k for k in range(1, 11)]
    numbers["sweep"] = {"eps": eps}
    for name, point in (("start", params), ("trained", trained)):
        grads = backward(point, forward(point, X), Y)
        numbers["sweep"][name] = {
            p: [float(elementwise_relative_error(grads["d" + p],
                                                 numerical_gradient(point, p, X, Y, e)).max())
                for e in eps] for p in point}
    return numbers, {}


@experiment("init_scale", "activations and logits at the start, uniform against He")
def init_scale_experiment(lab):
    study, _ = lab.result("seed_study")
    recipe = replace(base_recipe(lab), seed=study["example_seed"])
    images, labels = training_images(recipe, lab.mnist)
    X = data.to_columns(images[:1000], np.float64)
    Y = one_hot(labels[:1000].astype(int))
    numbers, arrays = {"x_second_moment": float((X ** 2).mean()),
                       "zero_pixels": float((images == 0).mean())}, {}
    for init in ("uniform", "he"):
        params = init_params(list(recipe.layers), np.random.default_rng(recipe.seed), init)
        cache = forward(params, X)
        numbers[init] = {"z1_std": float(cache["Z1"].std()), "z2_std": float(cache["Z2"].std()),
                         "loss": cross_entropy_from_logits(cache["Z2"], Y),
                         "active": float((cache["A1"] > 0).mean())}
        arrays[f"{init}.A1"], arrays[f"{init}.Z2"] = cache["A1"], cache["Z2"]
        starts = [forward(init_params(list(recipe.layers), np.random.default_rng(s), init), X)
                  for s in range(START_DRAWS)]
        numbers[init]["mean_over_starts"] = {key: float(np.mean([c[name].std() for c in starts]))
                                             for key, name in (("z1_std", "Z1"), ("z2_std", "Z2"))}
    return numbers, arrays


# ---------------------------------------------------------------- figures


def example_params(arrays, mode):
    """The trained parameters of `mode`'s run on the example seed, from the seed study's arrays."""
    prefix = f"{mode}."
    return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix) and ".start." not in k}


def figures(lab):
    """Every Part I figure, by file name (without .png)."""
    study, arrays = lab.result("seed_study")
    check, _ = lab.result("gradient_check")
    mnist = lab.mnist
    X_train, y_train = data.to_columns(mnist.train_images[:2000]), mnist.train_labels[:2000]
    X_test, y_test = data.to_columns(mnist.test_images), mnist.test_labels
    example = study["example_seed"]
    corrected, he = example_params(arrays, "corrected"), example_params(arrays, "he")
    histories = {mode: next(r for r in study[mode]["runs"] if r["seed"] == example)["history"]
                 for mode in ("corrected", "faithful")}
    panels = {split: {mode: [r[f"{split}_accuracy"] for r in study[mode]["runs"]] for mode in MODES}
              for split in ("train", "dev")}
    eps = check["sweep"]["eps"]
    return {
        "data-samples": plots.digit_grid(X_train, y_train),
        "data-mean-digits": plots.mean_digits(data.to_columns(mnist.train_images), mnist.train_labels),
        "forward-network": plots.network_diagram(),
        "forward-relu": plots.relu_and_secant(),
        "softmax-shift-scale": plots.softmax_shift_scale(),
        "backprop-graph": plots.computational_graph(),
        "gradcheck-epsilon": plots.gradcheck_vs_epsilon(eps, {
            **{f"{p}, start": v for p, v in check["sweep"]["start"].items() if p in ("W1", "b2")},
            **{f"{p}, trained": v for p, v in check["sweep"]["trained"].items() if p in ("W1", "b2")}},
            best=EPS),
        "training-quadratic": plots.quadratic_descent(),
        "training-curves": plots.learning_curves(histories),
        "seed-distribution": plots.seed_distribution(panels, {
            "train": (SEED_REPORTED_TRAIN_ACCURACY, "seed notebook, iteration 490")}),
        "results-predictions": plots.digit_grid(X_test, y_test, rows=3,
                                                predicted=predict(corrected, X_test[:, :30])),
        "results-hidden-weights": plots.hidden_weights(
            he["W1"] - arrays["he.start.W1"], "change of each weight, start to end"),
        "results-confusion": plots.confusion_figure(
            plots.confusion_matrix(predict(corrected, X_test), y_test)),
        "results-misclassified": plots.misclassified_gallery(corrected, X_test, y_test),
    }


# ---------------------------------------------------------------- quoted numbers


def _study_numbers(block, example):
    """A mode's quoted numbers, in percent: mean, sd, range; and its example run."""
    study, runs = block["study"], block["runs"]
    numbers = {f"{split}_{stat}": pct(study[split][stat])
               for split in ("train", "dev", "test") for stat in ("mean", "sd", "min", "max")}
    numbers.update(last_logged_iteration=study["last_logged_iteration"],
                   train_last_logged_mean=pct(study["train_last_logged"]["mean"]),
                   reaching_seed=pct(study["fraction_reaching_seed"]),
                   median_wall_seconds=study["median_wall_seconds"], runs=len(runs))
    numbers["seed0"] = {split: pct(runs[0][f"{split}_accuracy"]) for split in ("train", "dev", "test")}
    numbers["seed0"]["seed"] = runs[0]["seed"]
    run = next(r for r in runs if r["seed"] == example)
    numbers["example"] = {"seed": example, "train": pct(run["train_accuracy"]),
                          "dev": pct(run["dev_accuracy"]), "test": pct(run["test_accuracy"]),
                          "initial_loss": round(run["history"][0]["loss"], 3),
                          "final_loss": round(run["history"][-1]["loss"], 3)}
    return numbers


def _sci(x):
    """A small positive number in one fixed format: 1.5e-09."""
    return f"{x:.1e}"


def numbers(lab):
    """Part I's entries of results.json."""
    study, _ = lab.result("seed_study")
    defects, _ = lab.result("defects")
    check, _ = lab.result("gradient_check")
    scale, _ = lab.result("init_scale")
    example = study["example_seed"]
    out = {mode: _study_numbers(study[mode], example) for mode in MODES}
    corrected = out["corrected"]["example"]
    out["defects"] = {name: {"train": pct(d["train"]), "dev": pct(d["dev"]), "test": pct(d["test"]),
                             "dev_change": round(pct(d["dev"]) - corrected["dev"], 2)}
                      for name, d in defects.items() if isinstance(d, dict)}
    out["naive_softmax"] = {"max_logit": round(defects["max_logit"], 1),
                            "overflow_logit": round(OVERFLOW_LOGIT, 1)}
    out["faithful_b2_change"] = _sci(defects["b2_change"]) if defects["b2_change"] else "0"
    out["gradient_check"] = {
        "corrected": {k: _sci(v) for k, v in check["start"]["corrected"].items()},
        "seed": {k: _sci(v) for k, v in check["start"]["seed"].items()},
        "trained": {k: _sci(v) for k, v in check["trained"]["corrected"].items()},
        "loss_start": round(check["trained"]["loss_start"], 3),
        "loss_trained": round(check["trained"]["loss_trained"], 3)}
    out["init_scale"] = {
        "x_second_moment": round(scale["x_second_moment"], 3),
        "zero_pixels": round(100 * scale["zero_pixels"], 1),
        **{f"{init}_{key}": round(scale[init][key], 3)
           for init in ("uniform", "he") for key in ("z1_std", "z2_std", "loss", "active")},
        **{f"{init}_{key}_predicted": round(std, 2)
           for init, stds in predicted_start_stds(scale["x_second_moment"]).items()
           for key, std in zip(("z1_std", "z2_std"), stds)},
        **{f"{init}_{key}_mean": round(scale[init]["mean_over_starts"][key], 2)
           for init in ("uniform", "he") for key in ("z1_std", "z2_std")},
        "start_draws": START_DRAWS, "last_start_seed": START_DRAWS - 1,
        "z2_ratio": round(scale["uniform"]["z2_std"] / scale["he"]["z2_std"], 1)}
    out["data"] = data_numbers(lab.mnist)
    faithful_time = out["faithful"]["median_wall_seconds"] / out["corrected"]["median_wall_seconds"]
    out["faithful_time_ratio"] = round(faithful_time, 1)
    out["seed_notebook_train_pct"] = pct(SEED_REPORTED_TRAIN_ACCURACY)
    return out


def predicted_start_stds(second_moment, layers=(784, 10, 10)):
    """Chapter 9's predicted spread of $Z^{[1]}$ and $Z^{[2]}$ at the start, uniform and He."""
    uniform = 1 / 12  # the variance of U[-0.5, 0.5), weights and biases alike
    return {"uniform": predicted_std(layers, [uniform] * 2, [uniform] * 2, second_moment),
            "he": predicted_std(layers, [2 / n for n in layers[:-1]], [0, 0], second_moment)}


def data_numbers(mnist):
    """What the data chapter quotes about the files themselves."""
    train, test = np.bincount(mnist.train_labels, minlength=10), np.bincount(mnist.test_labels, minlength=10)
    pixels = mnist.train_images
    return {"train_count": {str(d): int(n) for d, n in enumerate(train)},
            "test_count": {str(d): int(n) for d, n in enumerate(test)},
            "train_share": {str(d): round(100 * n / train.sum(), 1) for d, n in enumerate(train)},
            "zero_pixels": round(100 * float((pixels == 0).mean()), 1),
            "full_pixels": round(100 * float((pixels == 255).mean()), 1),
            "mean_pixel": round(float(pixels.mean()) / 255, 3),
            "second_moment": round(float((pixels.astype(np.float64) ** 2).mean()) / 255 ** 2, 3)}


def reference(lab):
    """What `python -m primitive_nn.train` quotes after a run of a recipe the book measured."""
    study, _ = lab.result("seed_study")
    base = base_recipe(lab)
    recipes = {}
    for mode, changes in MODES.items():
        settings = {k: list(v) if isinstance(v, tuple) else v
                    for k, v in asdict(replace(base, **changes)).items() if k != "seed"}
        runs = study[mode]["runs"]
        recipes[mode] = {"config": settings,
                         **{split: summarize([r[f"{split}_accuracy"] for r in runs])
                            for split in ("train", "dev", "test")}}
    hint = {"he": "the same network started with --init he reaches"}
    return {"seeds": [r["seed"] for r in study["corrected"]["runs"]], "recipes": recipes,
            "hints": {"corrected": hint, "faithful": hint}}
