r"""The book module of "The convnet": the `conv` recipe chosen on dev, trained over seeds, looked into.

* `conv_alpha` trains the recipe at seed 0 with three peak learning rates and
  compares them on dev only; the recipe keeps the best (a test checks it).
* `conv` trains Part IV's rungs over Part II's seeds: first the control of
  one change, the 784-800-800-10 MLP trained with exactly the convnet's
  settings, then the convnet itself.
* `conv_shift` moves every test digit right and down by 0 to 6 pixels and
  measures both networks of each seed on them.
* `conv_variants` sets the `conv` recipe beside its variants of one change
  each over the same seeds: batch normalization (the runs of `bn_conv`,
  `pages/batchnorm.py`), elastic distortions (of `elastic`,
  `pages/augmentation.py`) and rotations and scalings besides the shifts
  (trained here); the one of best mean dev accuracy is the one the ensemble
  chapter averages (`pages/ensemble.py`, which names `conv-best`).
* `convnet_shipped` calibrates the seed-0 convnet on the 5,000 training
  images it held out, as `shipped` (`pages/handwriting.py`) calibrates the
  shipped MLP: the package ships that convnet as `convnet`, for
  `python -m primitive_nn.predict --network convnet` and the "Try it" page.

The figures read the seed-0 convnet's weights: its first layer's filters,
and the maps it makes of one test digit.
"""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from primitive_nn import data
from primitive_nn.architecture import count_params
from primitive_nn.calibration import fit_temperature
from primitive_nn.convnet import ARCHITECTURES, CONVNET, parameter_shapes
from primitive_nn.machinery.figures import WIDTH, show_image, styled
from primitive_nn.machinery.lab import experiment, figure, network, quoted, reference
from primitive_nn.machinery.pages import compared, over_seeds, pct
from primitive_nn.machinery.pages.augmentation import ALPHA as ELASTIC_ALPHA
from primitive_nn.machinery.pages.calibration import calibration_of, dev_split
from primitive_nn.machinery.pages.handwriting import shift
from primitive_nn.machinery.recipes import CONVNETS, PART2_SEEDS
from primitive_nn.machinery.report import reference_entry
from primitive_nn.machinery.runs import summary, training_examples
from primitive_nn.network import n_layers

CONV = CONVNETS["conv"].recipe
ALPHAS = (0.025, 0.05, 0.1)  # the peak rates tried on dev, at seed 0
CHOICE_SEED = 0
MLP = replace(CONV, architecture="mlp", layers=(784, 800, 800, 10))
RUNGS = {  # Part IV's table: name -> (recipe, what it changes from the rung before)
    "mlp": (MLP, "Part II's deep MLP, 784-800-800-10, trained exactly as the convnet is"),
    "conv": (CONV, CONVNETS["conv"].adds),
}
VARIANTS = {  # conv with one change each: name -> (recipe, what it changes, the experiment that trains it)
    "conv-bn": (CONVNETS["conv-bn"].recipe, CONVNETS["conv-bn"].adds, "bn_conv"),
    "conv-elastic": (replace(CONV, elastic=ELASTIC_ALPHA), "elastic distortions after the shifts",
                     "elastic"),
    "conv-affine": (CONVNETS["conv-affine"].recipe, CONVNETS["conv-affine"].adds, "conv_variants"),
}
TARGET = 0.996         # the mean test accuracy Part IV set its best convnet, seeds 0-2
SHIFTS = range(7)      # pixels right and down
EXAMPLE = 0            # the test digit of the feature-map figure, a 7
EVAL_CHUNK = 500       # the convnet's largest pass (`ARCHITECTURES["convnet"].max_batch`)


def params_of(recipe):
    """How many weights and biases the recipe's network has."""
    if recipe.architecture == "mlp":
        return count_params(recipe.layers)
    return sum(int(np.prod(s)) for s in parameter_shapes(CONVNET).values())


@experiment("conv_alpha", "the conv recipe at three peak learning rates, seed 0, on dev")
def conv_alpha(lab):
    trained = lab.train_all([(lab.scaled(replace(CONV, alpha=a, seed=CHOICE_SEED)), f"conv, alpha {a:g}")
                             for a in ALPHAS])
    return {str(a): summary(run, history=False) for a, run in zip(ALPHAS, trained)}, {}


def rung_runs(lab, name):
    """The runs of one of Part IV's rungs over Part II's seeds."""
    return seed_runs(lab, {name: RUNGS[name][0]})[name]


def seed_runs(lab, recipes):
    """`{name: recipe}` to each recipe's runs over Part II's seeds, all asked for together."""
    return lab.train_groups({name: [(lab.scaled(replace(recipe, seed=s)), f"{name}, seed {s}")
                                    for s in lab.seeds(PART2_SEEDS)] for name, recipe in recipes.items()})


@experiment("conv", "Part IV's rungs over three seeds: the MLP trained as the convnet, the convnet")
def conv(lab):
    lab.result("conv_alpha")  # its seed-0 run is this experiment's too: charged there
    trained = seed_runs(lab, {name: rung[0] for name, rung in RUNGS.items()})
    return {name: [summary(r) for r in runs] for name, runs in trained.items()}, {}


@reference()
def rung_reference(lab):
    """Part IV's rungs over Part II's seeds, for `python -m primitive_nn.train` to quote."""
    rungs, _ = lab.result("conv")
    return {"recipes": {f"part IV {name}": reference_entry(lab.scaled(RUNGS[name][0]), runs)
                        for name, runs in rungs.items()}}


@experiment("conv_variants", "the conv recipe and its variants of one change, three seeds each")
def conv_variants(lab):
    for owner in ("conv", *(v[2] for v in VARIANTS.values() if v[2] != "conv_variants")):
        lab.result(owner)  # their runs are charged there
    trained = seed_runs(lab, {"conv": RUNGS["conv"][0],
                              **{name: recipe for name, (recipe, _, _) in VARIANTS.items()}})
    return {name: [summary(r, history=False) for r in runs] for name, runs in trained.items()}, {}


def variants_numbers(lab):
    """Each variant over the seeds, its paired differences to conv on dev and on test, the choice."""
    runs, _ = lab.result("conv_variants")
    n_dev, n_test = CONV.dev_size, len(lab.mnist.test_labels)
    chosen = max(runs, key=lambda name: np.mean([r["dev_accuracy"] for r in runs[name]]))
    rows = ["| recipe | what it changes from `conv` | dev accuracy, % | against `conv` on dev, "
            "points ($t$, real?) | test accuracy, % | against `conv` on test, points ($t$, real?) | "
            "minutes |", "|---|---|---|---|---|---|---|"]
    out = {"chosen": chosen, "target": pct(TARGET)}
    for name, r in runs.items():
        s = over_seeds(r)
        minutes = round(float(np.median([x["wall_seconds"] for x in r])) / 60, 1)
        out[name] = {**s, "minutes": minutes}
        if name == "conv":
            rows.append(f"| `conv` | | {s['dev']:.2f} ± {s['dev_sd']:.2f} | | "
                        f"{s['test']:.2f} ± {s['test_sd']:.2f} | | {minutes} |")
            continue
        dev, test = compared(r, runs["conv"], n_dev, "dev"), compared(r, runs["conv"], n_test)
        out[name].update(dev_vs_conv=dev, test_vs_conv=test)
        rows.append(f"| `{name}` | {VARIANTS[name][1]} | {s['dev']:.2f} ± {s['dev_sd']:.2f} | "
                    f"{dev['difference']} ({dev['t']}, {dev['real']}) | "
                    f"{s['test']:.2f} ± {s['test_sd']:.2f} | "
                    f"{test['difference']} ({test['t']}, {test['real']}) | {minutes} |")
    out["table"], out["best"] = "\n".join(rows), out[chosen]
    return out


def logits(params, architecture, X):
    """The logits $Z^{[D]}$ of the columns of X (784, m): (10, m), in chunks the convnet can hold."""
    forward, D = ARCHITECTURES[architecture].forward, n_layers(params)
    return np.concatenate([forward(params, X[:, i:i + EVAL_CHUNK])[f"Z{D}"]
                           for i in range(0, X.shape[1], EVAL_CHUNK)], axis=1)


def predictions(params, architecture, X):
    """The class each column of X (784, m) is given."""
    return logits(params, architecture, X).argmax(axis=0)


@experiment("conv_shift", "every test digit moved 0 to 6 pixels, read by both rungs of three seeds")
def conv_shift(lab):
    lab.result("conv")
    X = (lab.mnist.test_images.T / 255.0).astype(np.float32)
    labels = lab.mnist.test_labels
    out = {}
    for name in RUNGS:
        out[name] = [[float(np.mean(predictions(run.params, run.recipe.architecture, shift(X, k, k))
                                    == labels)) for k in SHIFTS] for run in rung_runs(lab, name)]
    return out, {}


@quoted("convnet")
def convnet_numbers(lab):
    """The choice on dev, each rung over seeds, the comparison, the shifts."""
    alpha, _ = lab.result("conv_alpha")
    rungs, _ = lab.result("conv")
    shifted, _ = lab.result("conv_shift")
    chosen = max(alpha, key=lambda a: alpha[a]["dev_accuracy"])
    out = {"alpha": {"seed": CHOICE_SEED, "chosen": float(chosen), "kept": CONV.alpha,
                     **{f"dev_{a.replace('.', '_')}": pct(r["dev_accuracy"]) for a, r in alpha.items()}}}
    for name, runs in rungs.items():
        out[name] = {**over_seeds(runs), "test_min": min(pct(r["test_accuracy"]) for r in runs),
                     "minutes": round(float(np.median([r["wall_seconds"] for r in runs])) / 60, 1),
                     "params": f"{params_of(RUNGS[name][0]):,}",
                     "shift": {f"px{k}": pct(float(np.mean([s[k] for s in shifted[name]]))) for k in SHIFTS}}
    out["conv_vs_mlp"] = compared(rungs["conv"], rungs["mlp"], len(lab.mnist.test_labels))
    out["rungs_table"] = rungs_table(rungs, len(lab.mnist.test_labels))
    out["variants"] = variants_numbers(lab)
    return out


def rungs_table(rungs, n_images):
    """Part IV's rungs as a Markdown table: what each changes, its size, its test accuracy over the
    seeds, its median minutes, and its difference to the rung before by the book's rule."""
    rows = ["| rung | what it changes | parameters | test accuracy, % | minutes | "
            "against the rung before, points | $t$ | real? |", "|---|---|---|---|---|---|---|---|"]
    before = None
    for name, runs in rungs.items():
        s = over_seeds(runs)
        minutes = float(np.median([r["wall_seconds"] for r in runs])) / 60
        against = compared(runs, rungs[before], n_images) if before else {}
        rows.append(f"| `{name}` | {RUNGS[name][1]} | {params_of(RUNGS[name][0]):,} | "
                    f"{s['test']:.2f} ± {s['test_sd']:.2f} | {minutes:.1f} | "
                    f"{against.get('difference', '')} | {against.get('t') or ''} | "
                    f"{against.get('real', '')} |")
        before = name
    return "\n".join(rows)


def seed0_convnet(lab):
    """The seed-0 run of the conv recipe (the choice's run, cached)."""
    return rung_runs(lab, "conv")[0]


def convnet_logits(params, X):
    """A convnet's logits on the columns of X, computed in float32 as it was trained: (10, m),
    returned in float64 for the temperature's fit."""
    params32 = {name: p.astype(np.float32) for name, p in params.items()}
    return logits(params32, "convnet", X.astype(np.float32)).astype(np.float64)


@experiment("convnet_shipped", "the convnet the package ships: the conv recipe's seed-0 run, "
                               "calibrated on the 5,000 images it held out")
def convnet_shipped(lab):
    lab.result("conv")  # its runs are charged there
    run = seed0_convnet(lab)
    X_dev, y_dev = dev_split(run, lab.mnist)
    T = fit_temperature(convnet_logits(run.params, X_dev), y_dev)
    Z_test = convnet_logits(run.params, data.to_columns(lab.mnist.test_images))
    return {"test_accuracy": run.test_accuracy, "dev_accuracy": run.dev_accuracy,
            "temperature": T, "dev_size": run.recipe.dev_size,
            "train_size": training_examples(run.recipe, lab.mnist),
            "test": calibration_of(Z_test, lab.mnist.test_labels.astype(int), T)}, {}


@network("convnet")
def shipped_convnet(lab):
    """The seed-0 convnet, shipped for `predict --network convnet` and the "Try it" page."""
    numbers, _ = lab.result("convnet_shipped")
    run = seed0_convnet(lab)
    return (run.params,
            f"Part IV's convnet, the conv recipe with seed {run.recipe.seed}, trained on "
            f"{numbers['train_size']:,} training digits and calibrated on the other "
            f"{numbers['dev_size']:,} (T = {numbers['temperature']:.2f})",
            numbers["test_accuracy"], numbers["temperature"])


@styled
def filters_figure(W):
    """The first layer's filters, (n_F, k, k, 1), each 5x5, on one colour scale centred on 0."""
    fig = Figure(figsize=(WIDTH, 1.9), layout="constrained")
    axes = fig.subplots(2, len(W) // 2)
    limit = float(np.abs(W).max())
    for f, ax in enumerate(axes.flat):
        show_image(ax, W[f, :, :, 0], f"{f + 1}", cmap="RdBu_r", vmin=-limit, vmax=limit)
    return fig


@figure("convnet-filters")
def filters(lab):
    return filters_figure(seed0_convnet(lab).params["W1"])


@styled
def maps_figure(params, x):
    """One digit, its 16 maps after the first ReLU, and its 32 maps after the second pooling."""
    cache = ARCHITECTURES["convnet"].forward(params, x[:, None])
    first, second = np.maximum(cache["Z1"][0], 0), cache["A2"][0]
    fig = Figure(figsize=(WIDTH, 4.6), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=(1, 4.2))
    show_image(left.subplots(), x, "the digit")
    top, bottom = right.subfigures(2, 1, height_ratios=(2, 4))
    for sub, maps, cols, title in ((top, first, 8, "layer 1: 16 maps after the ReLU, 28 by 28"),
                                   (bottom, second, 8, "layer 2: 32 maps after the pooling, 7 by 7")):
        axes = sub.subplots(maps.shape[-1] // cols, cols)
        for c, ax in enumerate(axes.flat):
            show_image(ax, maps[:, :, c], vmin=0)
        sub.suptitle(title)
    return fig


@figure("convnet-maps")
def feature_maps(lab):
    x = (lab.mnist.test_images[EXAMPLE] / 255.0).astype(np.float32)
    return maps_figure(seed0_convnet(lab).params, x)


@styled
def shift_figure(curves):
    """Test accuracy against the shift, mean over seeds with the seeds' range, one line per rung."""
    fig = Figure(figsize=(WIDTH, 3.3), layout="constrained")
    ax = fig.subplots()
    labels = {"mlp": "MLP 784-800-800-10", "conv": "convnet"}
    for name, per_seed in curves.items():
        acc = 100 * np.array(per_seed)
        mean = acc.mean(axis=0)
        ax.errorbar(list(SHIFTS), mean, yerr=[mean - acc.min(axis=0), acc.max(axis=0) - mean],
                    marker="o", capsize=2, label=labels[name])
    ax.set(xlabel="shift right and down (pixels)", ylabel="test accuracy, %", ylim=(0, 100),
           xticks=list(SHIFTS))
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


@figure("convnet-shift")
def shifted(lab):
    return shift_figure(lab.result("conv_shift")[0])
