r"""Figures: looking at what the network learned.

Every function here draws one figure from plain arrays and returns a
`matplotlib.figure.Figure`; none trains anything or reads files.
`primitive_nn.book` feeds them real runs and saves the PNGs the book shows.
Figures are built with the object-oriented API (`Figure`, not `pyplot`), so
they need no display. `save` writes a PNG without the software-version
metadata, so regenerating an unchanged figure does not change the file.

`test_prediction` is the seed notebook's function of the same name: one
digit, its predicted and true labels, on screen when there is one and in a
PNG file when there is not.
"""

import os
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.network import forward, n_layers, predict


def _image(ax, column, title):
    """Draw one (784,) column as a 28x28 grey image with a title."""
    ax.imshow(column.reshape(28, 28), cmap="gray_r", interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def save(fig, path):
    """Save `fig` as a PNG with no version or timestamp metadata; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    return path


def draw_prediction(fig, params, X, labels, index):
    """Draw one image of X with its predicted and true labels into `fig`: the seed's picture.

    Parameters
    ----------
    fig : Figure
    params : dict of str to ndarray
    X : ndarray of shape (784, m)
    labels : ndarray of int, shape (m,)
    index : int
        Which column of X.
    """
    A = forward(params, X[:, index:index + 1])[f"A{n_layers(params)}"][:, 0]  # (10,)
    _image(fig.add_subplot(), X[:, index],
           f"predicted {A.argmax()} ({A.max():.0%}), true {labels[index]}")
    return fig


def _has_display():
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def test_prediction(index, params, X, labels, out_dir=None):
    """Show one prediction on screen, or save it as a PNG when there is no display.

    Returns
    -------
    str
        ``"shown"``, or the path of the PNG written (in `out_dir`, default
        the current directory).
    """
    if _has_display():
        import matplotlib.pyplot as plt

        draw_prediction(plt.figure(figsize=(3, 3.3)), params, X, labels, index)
        plt.show()
        return "shown"
    fig = draw_prediction(Figure(figsize=(3, 3.3)), params, X, labels, index)
    return str(save(fig, Path(out_dir or ".") / f"prediction-{index}.png"))


test_prediction.__test__ = False  # the seed's name, not a pytest test


def learning_curves(histories):
    """Loss and train accuracy against iteration for several runs.

    Parameters
    ----------
    histories : dict of str to list of dict
        Label to ``[{"iteration", "loss", "train_accuracy"[, "dev_accuracy"]}, ...]``;
        dev accuracy, when recorded, is drawn dashed.

    Returns
    -------
    Figure
    """
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    for label, history in histories.items():
        iterations = [h["iteration"] for h in history]
        line, = loss_ax.plot(iterations, [h["loss"] for h in history], label=label)
        acc_ax.plot(iterations, [h["train_accuracy"] for h in history], color=line.get_color(),
                    label=f"{label}, train")
        if "dev_accuracy" in history[0]:
            acc_ax.plot(iterations, [h["dev_accuracy"] for h in history], "--",
                        color=line.get_color(), label=f"{label}, dev")
    loss_ax.set(xlabel="iteration", ylabel="cross-entropy loss", title="Loss")
    loss_ax.legend(fontsize=8)
    acc_ax.set(xlabel="iteration", ylabel="accuracy", title="Accuracy", ylim=(0, 1))
    acc_ax.legend(fontsize=8)
    return fig


def final_accuracy_bars(results):
    """Final train and dev accuracy of several runs, side by side.

    Parameters
    ----------
    results : dict of str to (float, float)
        Label to (train accuracy, dev accuracy).
    """
    fig = Figure(figsize=(6, 3.4), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(results))
    train, dev = zip(*results.values())
    ax.bar(x - 0.2, train, 0.4, label="train")
    ax.bar(x + 0.2, dev, 0.4, label="dev")
    ax.set_xticks(x, list(results), fontsize=8)
    ax.set(ylabel="final accuracy", ylim=(min(dev + train) - 0.05, 1))
    ax.legend(fontsize=8)
    return fig


def prediction_grid(params, X, labels, rows=4, cols=8):
    """The first ``rows * cols`` columns of X with predicted and true labels; errors in red."""
    predicted = predict(params, X[:, :rows * cols])
    fig = Figure(figsize=(1.3 * cols, 1.5 * rows), layout="constrained")
    for k, ax in enumerate(fig.subplots(rows, cols).ravel()):
        _image(ax, X[:, k], f"pred {predicted[k]} / true {labels[k]}")
        if predicted[k] != labels[k]:
            ax.title.set_color("red")
    return fig


def hidden_weights(W1):
    """Each hidden unit's 784 incoming weights as a 28x28 image (red positive, blue negative)."""
    n_h = W1.shape[0]
    cols = min(n_h, 5)
    rows = -(-n_h // cols)
    fig = Figure(figsize=(1.8 * cols, 1.9 * rows), layout="constrained")
    limit = np.abs(W1).max()
    for unit, ax in enumerate(np.ravel(fig.subplots(rows, cols))):
        ax.axis("off")
        if unit < n_h:
            ax.imshow(W1[unit].reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"unit {unit}", fontsize=9)
    return fig


def confusion_matrix(predicted, labels, n_classes=10):
    """Counts $C_{tp}$ of examples with true label t predicted as p.

    Examples
    --------
    >>> import numpy as np
    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]), n_classes=2)
    array([[1, 1],
           [0, 1]])
    """
    C = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(C, (labels, predicted), 1)
    return C


def confusion_figure(C):
    """A confusion matrix as a heat map with its counts written in."""
    fig = Figure(figsize=(5.5, 5), layout="constrained")
    ax = fig.subplots()
    ax.imshow(C, cmap="Blues")
    for (t, p), count in np.ndenumerate(C):
        ax.text(p, t, count, ha="center", va="center", fontsize=7,
                color="white" if count > C.max() / 2 else "black")
    ax.set(xlabel="predicted digit", ylabel="true digit", xticks=range(10), yticks=range(10))
    return fig


def misclassified_gallery(params, X, labels, count=24, cols=8):
    """The first `count` columns of X that the network gets wrong."""
    predicted = predict(params, X)
    wrong = np.flatnonzero(predicted != labels)[:count]
    rows = max(1, -(-len(wrong) // cols))
    fig = Figure(figsize=(1.3 * cols, 1.5 * rows), layout="constrained")
    for ax in np.ravel(fig.subplots(rows, cols)):
        ax.axis("off")
    for ax, k in zip(np.ravel(fig.axes), wrong):
        _image(ax, X[:, k], f"pred {predicted[k]} / true {labels[k]}")
    return fig


def seed_distribution(panels, references):
    """Strip plots of final accuracies across seeds: one panel per metric, one row per setting.

    Parameters
    ----------
    panels : dict of str to dict of str to list of float
        Panel title (``"train"``) to setting label to one accuracy per seed.
    references : dict of str to (float, str)
        Panel title to a vertical line and its label, such as the seed
        notebook's reported 0.8636.
    """
    fig = Figure(figsize=(10, 1.2 + 0.6 * max(len(p) for p in panels.values())),
                 layout="constrained")
    for ax, (title, accuracies) in zip(np.ravel(fig.subplots(1, len(panels))), panels.items()):
        for row, values in enumerate(accuracies.values()):
            ax.plot(values, np.full(len(values), row), "o", alpha=0.6)
            ax.plot([np.mean(values)], [row], "k|", markersize=18)
        if title in references:
            value, label = references[title]
            ax.axvline(value, color="red", linestyle="--", label=label)
            ax.legend(fontsize=8, loc="lower left")
        ax.set_yticks(range(len(accuracies)), list(accuracies), fontsize=8)
        ax.set(xlabel=f"final {title} accuracy", ylim=(-0.6, len(accuracies) - 0.4))
    return fig
