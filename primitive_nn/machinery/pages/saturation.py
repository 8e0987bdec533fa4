r"""The book module of "Saturation": gradients at the start of a deep network, and what trains.

* `saturation_start`: the size of each layer's weight gradient at the
  start of a 10-layer network, for each activation and each start, on
  1,000 training images, averaged over three random starts.
* `saturation_training`: a 6-layer network of each activation at its
  matching start, trained briefly with plain SGD over three seeds.
* `squared_error`: the minibatch rung's 784-10-10 network trained on the
  squared error and on cross-entropy, from the seed's start and from
  He's, over three seeds.
"""

from dataclasses import replace

import numpy as np
from matplotlib.figure import Figure

from primitive_nn import data
from primitive_nn.loss import one_hot
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import compared, over_seeds
from primitive_nn.machinery.recipes import PART2, PART2_SEEDS, RECIPES
from primitive_nn.machinery.runs import position, summary
from primitive_nn.network import forward, init_params
from primitive_nn.saturation import confidently_wrong, gradient_sizes

DEEP = [784] + [100] * 9 + [10]  # ten layers of weights
STARTS = ("lecun", "xavier", "he")
ACTIVATIONS = ("sigmoid", "tanh", "relu")
FIRST = 1000  # training images the gradients at the start are measured on
TRAINED = replace(PART2, layers=(784, 100, 100, 100, 100, 100, 10), epochs=5, batch_size=128,
                  alpha=0.1)  # plain SGD, as the minibatch rung
MATCHED = {"sigmoid": "xavier", "tanh": "xavier", "relu": "he"}  # each activation's own start
LOSS_BASE = RECIPES["minibatch"].recipe  # 784-10-10, batches of 128, 6 epochs, He's start
LOSS_STARTS = {"uniform": "the seed's start", "he": "He's start"}
LOSSES = {"cross_entropy": "cross-entropy", "squared": "squared error"}


def first_images(lab, n=FIRST):
    """The first `n` training images as float64 columns, and their one-hot labels."""
    n = min(n, len(lab.mnist.train_labels))
    return (data.to_columns(lab.mnist.train_images[:n], np.float64),
            one_hot(lab.mnist.train_labels[:n].astype(int)), lab.mnist.train_labels[:n])


@experiment("saturation_start", "gradient sizes per layer at the start of a 10-layer network")
def saturation_start(lab):
    X, Y, _ = first_images(lab)
    sizes = {}
    for activation in ACTIVATIONS:
        for start in STARTS:
            draws = [gradient_sizes(init_params(DEEP, np.random.default_rng(s), start), X, Y,
                                    activation) for s in PART2_SEEDS]
            sizes[f"{activation}, {start}"] = np.exp(np.log(draws).mean(axis=0)).tolist()
    return {"sizes": sizes, "images": X.shape[1]}, {}


@experiment("saturation_training", "each activation at its own start, 6 layers, plain SGD; 3 seeds")
def saturation_training(lab):
    return {activation: [summary(lab.train(lab.scaled(replace(TRAINED, activation=activation,
                                                              init=start, seed=s)),
                                           f"{activation}, seed {s}"))
                         for s in lab.seeds(PART2_SEEDS)]
            for activation, start in MATCHED.items()}, {}


@experiment("squared_error", "squared error against cross-entropy, two starts, 784-10-10; 3 seeds")
def squared_error(lab):
    runs = {start: {loss: [summary(lab.train(lab.scaled(replace(LOSS_BASE, init=start, loss=loss,
                                                                seed=s)),
                                             f"{loss}, {start}, seed {s}"))
                           for s in lab.seeds(PART2_SEEDS)]
                    for loss in LOSSES}
            for start in LOSS_STARTS}
    X, _, labels = first_images(lab, 10_000)
    wrong = {start: float(np.mean([confidently_wrong(
        forward(init_params(list(LOSS_BASE.layers), np.random.default_rng(s), start), X)["A2"],
        labels) for s in PART2_SEEDS])) for start in LOSS_STARTS}
    return {"runs": runs, "confidently_wrong": wrong, "images": X.shape[1]}, {}


# ---------------------------------------------------------------- figures


@figure("saturation-start")
@styled
def start_figure(lab):
    """RMS of each layer's weight gradient at the start, log scale: one panel per activation."""
    sizes = lab.result("saturation_start")[0]["sizes"]
    fig = Figure(figsize=(WIDTH, 3.1), layout="constrained")
    axes = fig.subplots(1, len(ACTIVATIONS), sharey=True)
    for ax, activation in zip(axes, ACTIVATIONS):
        for start in STARTS:
            s = sizes[f"{activation}, {start}"]
            ax.semilogy(range(1, len(s) + 1), s, "o-", markersize=3, label=start)
        ax.set(title=activation, xlabel="layer", xticks=(1, len(DEEP) // 2, len(DEEP) - 1))
    axes[0].set_ylabel("RMS of dW at the start")
    fig.legend(handles=axes[0].get_lines(), loc="outside lower center", ncols=len(STARTS),
               frameon=False, title="start")
    return fig


def mean_curve(runs, key="dev_accuracy"):
    """Epochs and the mean over seeds of `key` after each epoch."""
    epochs = [position(r)[1] for r in runs[0]["history"]]
    return epochs, np.mean([[r[key] for r in run["history"]] for run in runs], axis=0)


@figure("saturation-training")
@styled
def training_figure(lab):
    """Dev accuracy per epoch, mean over seeds: each activation at its start; each loss from each start."""
    trained = lab.result("saturation_training")[0]
    losses = lab.result("squared_error")[0]["runs"]
    fig = Figure(figsize=(WIDTH, 3.6), layout="constrained")
    deep, *by_start = fig.subplots(1, 1 + len(LOSS_STARTS), sharey=True)
    for activation, runs in trained.items():
        deep.plot(*mean_curve(runs), "o-", markersize=3, label=f"{activation}, {MATCHED[activation]}")
    deep.set(title="6 layers,\nplain SGD", xlabel="epoch", ylabel="dev accuracy")
    for ax, (start, about) in zip(by_start, LOSS_STARTS.items()):
        for (loss, label), style in zip(LOSSES.items(), ("o-", "s--")):
            ax.plot(*mean_curve(losses[start][loss]), style, color="#444", markersize=3, label=label)
        ax.set(title=f"784-10-10,\n{about}", xlabel="epoch")
    # the keys below the panels, off the data; the losses in grey, not in the activations' colours
    fig.legend(handles=deep.get_lines(), loc="outside lower left", frameon=False)
    fig.legend(handles=by_start[0].get_lines(), loc="outside lower right", frameon=False)
    return fig


@quoted("saturation")
def saturation_numbers(lab):
    """Gradient ratios at the start; accuracies over seeds, compared by the book's rule."""
    start, _ = lab.result("saturation_start")
    trained, _ = lab.result("saturation_training")
    losses, _ = lab.result("squared_error")
    n_test = len(lab.mnist.test_labels)
    sizes = {key.replace(", ", "_"): s for key, s in start["sizes"].items()}
    hidden = len(DEEP) - 2  # layers 1 to 9 take hidden layers' gradients from above
    return {
        "first_over_last": {key: float(f"{s[0] / s[-1]:.2g}") for key, s in sizes.items()},
        "fall_per_layer": {key: round((s[hidden - 1] / s[0]) ** (1 / (hidden - 1)), 1)
                           for key, s in sizes.items()},
        "he_over": {start: round(sizes["relu_he"][0] / sizes[f"relu_{start}"][0])
                    for start in ("lecun", "xavier")},
        "start_images": f"{start['images']:,}",
        "trained": {a: over_seeds(runs) for a, runs in trained.items()},
        "trained_seeds": len(trained["relu"]),
        "trained_compared": {"tanh_vs_relu": compared(trained["tanh"], trained["relu"], n_test),
                             "sigmoid_vs_tanh": compared(trained["sigmoid"], trained["tanh"], n_test)},
        "losses": {start: {loss: over_seeds(runs) for loss, runs in by_loss.items()}
                   for start, by_loss in losses["runs"].items()},
        "losses_compared": {start: compared(by_loss["squared"], by_loss["cross_entropy"], n_test)
                            for start, by_loss in losses["runs"].items()},
        "first_epoch_dev": {start: {loss: round(100 * float(np.mean(
            [run["history"][0]["dev_accuracy"] for run in runs])), 1) for loss, runs in by_loss.items()}
            for start, by_loss in losses["runs"].items()},
        "confidently_wrong": {start: round(100 * f, 1) for start, f in losses["confidently_wrong"].items()},
        "confident_images": f"{losses['images']:,}"}
