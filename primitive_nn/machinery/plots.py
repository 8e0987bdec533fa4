r"""The figures: drawing what the runs measured, sized for the page.

Every function here draws one figure from plain arrays and returns a
`matplotlib.figure.Figure`; none trains anything or reads files. The book
command (`primitive_nn.machinery.book`) feeds them real runs and saves the
PNGs the chapters show. Figures are built with the object-oriented API
(`Figure`, not `pyplot`), so they need no display.

The book's text column is about 690 px wide, so every figure is drawn 6.9
inches wide at 100 dpi and shown at its natural size, with labels of 10 pt
or more (`STYLE`). `save` writes a PNG atomically and without the
software-version metadata, so regenerating an unchanged figure does not
change the file.

`test_prediction` is the seed notebook's function of the same name: one
digit, its predicted and true labels, on screen when there is one and in a
PNG file when there is not.
"""

import functools
import io
import os
import sys
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from primitive_nn.machinery.files import prepare_output_dir, write_atomically
from primitive_nn.network import forward, n_layers, predict

WIDTH = 6.9  # inches: the text column, at DPI
DPI = 100
STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "xtick.labelsize": 10,
         "ytick.labelsize": 10, "legend.fontsize": 10, "figure.dpi": DPI,
         "axes.spines.top": False, "axes.spines.right": False}


def styled(draw):
    """Run a figure function with the book's `STYLE`, so its text is created at page size."""
    @functools.wraps(draw)
    def wrapped(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)
    return wrapped


def save(fig, path):
    """Save `fig` as a PNG with no version or timestamp metadata, atomically; return the path."""
    path = Path(path)
    prepare_output_dir(path.parent, "figure folder")
    png = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
    write_atomically(path, lambda f: f.write(png.getvalue()))
    return path


def _image(ax, column, title="", cmap="gray_r"):
    """Draw one (784,) column as a 28x28 image with a title, without axes."""
    ax.imshow(np.asarray(column).reshape(28, 28), cmap=cmap, interpolation="nearest")
    ax.set_title(title)
    ax.set_axis_off()


# ---------------------------------------------------------------- the seed's own picture


def draw_prediction(fig, params, X, labels, index):
    """Draw one image of X with its predicted and true labels into `fig`: the seed's picture."""
    A = forward(params, X[:, index:index + 1])[f"A{n_layers(params)}"][:, 0]  # (10,)
    _image(fig.add_subplot(), X[:, index],
           f"predicted {A.argmax()} ({A.max():.0%}), true {labels[index]}")
    return fig


def has_display():
    """True if matplotlib can open a window here."""
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def test_prediction(index, params, X, labels, out_dir=None):
    """Show one prediction on screen, or save it as a PNG when there is no display.

    Returns
    -------
    str
        `"shown"`, or the path of the PNG written (in `out_dir`, default
        the current directory).
    """
    if has_display():
        import matplotlib.pyplot as plt

        draw_prediction(plt.figure(figsize=(3, 3.3)), params, X, labels, index)
        plt.show()
        return "shown"
    fig = draw_prediction(Figure(figsize=(3, 3.3)), params, X, labels, index)
    return str(save(fig, Path(out_dir or ".") / f"prediction-{index}.png"))


test_prediction.__test__ = False  # the seed's name, not a pytest test


# ---------------------------------------------------------------- data


@styled
def digit_grid(X, labels, rows=2, cols=10, predicted=None):
    """The first `rows * cols` columns of X as images, titled with their labels.

    With `predicted`, titles read "predicted / true" and mistakes are red.
    """
    fig = Figure(figsize=(WIDTH, 0.85 * rows + 0.2 + 0.25 * (predicted is not None) * rows),
                 layout="constrained")
    for k, ax in enumerate(np.ravel(fig.subplots(rows, cols))):
        title = str(labels[k]) if predicted is None else f"{predicted[k]}/{labels[k]}"
        _image(ax, X[:, k], title)
        if predicted is not None and predicted[k] != labels[k]:
            ax.title.set_color("red")
    return fig


@styled
def mean_digits(X, labels):
    """The mean image of each digit, 0 to 9: the average pixel over its examples."""
    fig = Figure(figsize=(WIDTH, 1.1), layout="constrained")
    for digit, ax in enumerate(fig.subplots(1, 10)):
        _image(ax, X[:, labels == digit].mean(axis=1), str(digit), cmap="magma_r")
    return fig


# ---------------------------------------------------------------- chapters' concepts


@styled
def network_diagram(layer_sizes=(784, 10, 10)):
    """The seed's network as matrices: each step's output and shape, each arrow's operation."""
    fig = Figure(figsize=(WIDTH, 2.0))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(0, 10), ylim=(0, 2.6))
    ax.set_axis_off()
    n0, n1, n2 = layer_sizes
    boxes = [(0.6, f"$X$\n({n0}, m)"), (2.8, f"$Z^{{[1]}}$\n({n1}, m)"), (5.0, f"$A^{{[1]}}$\n({n1}, m)"),
             (7.2, f"$Z^{{[2]}}$\n({n2}, m)"), (9.4, f"$A^{{[2]}}$\n({n2}, m)")]
    steps = [f"$W^{{[1]}}X + b^{{[1]}}$", "relu", f"$W^{{[2]}}A^{{[1]}} + b^{{[2]}}$", "softmax"]
    for x, text in boxes:
        ax.text(x, 1.6, text, ha="center", va="center",
                bbox={"boxstyle": "round", "facecolor": "#e8eef8", "edgecolor": "#4a6fa5"})
    for (x0, _), (x1, _), step in zip(boxes, boxes[1:], steps):
        ax.annotate("", (x1 - 0.55, 1.6), (x0 + 0.55, 1.6), arrowprops={"arrowstyle": "->"})
        ax.text((x0 + x1) / 2, 2.2, step, ha="center")
    ax.text(5, 0.75, f"$W^{{[1]}}$: ({n1}, {n0}), $b^{{[1]}}$: ({n1}, 1)      "
            f"$W^{{[2]}}$: ({n2}, {n1}), $b^{{[2]}}$: ({n2}, 1)", ha="center")
    ax.text(5, 0.2, "one example per column: all m columns go through every step at once",
            ha="center", color="#555")
    return fig


@styled
def relu_and_secant(eps=0.5):
    """ReLU and its derivative, and the central difference across the corner at 0."""
    fig = Figure(figsize=(WIDTH, 2.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    z = np.linspace(-2, 2, 401)
    left.plot(z, np.maximum(z, 0), label="relu(z)")
    left.plot(z, (z > 0).astype(float), label="relu'(z), with relu'(0) = 0", linestyle="--")
    left.set(xlabel="z", title="ReLU and its derivative")
    left.legend(loc="upper left", frameon=False)
    secant = (np.maximum(z + eps, 0) - np.maximum(z - eps, 0)) / (2 * eps)
    right.plot(z, (z > 0).astype(float), label="relu'(z)", linestyle="--")
    right.plot(z, secant, label=f"central difference, ε = {eps:g}")
    right.axvspan(-eps, eps, color="#f3e3c3", alpha=0.6, label="the difference straddles 0")
    right.set(xlabel="z", title="(relu(z+ε) − relu(z−ε)) / 2ε")
    right.legend(loc="lower right", frameon=False)
    return fig


@styled
def softmax_shift_scale(z=(2.0, 1.0, 0.1)):
    """Softmax of a logit vector as it is shifted (no change) and scaled (sharper or flatter)."""
    from primitive_nn.loss import softmax

    z = np.asarray(z, dtype=float)
    cases = {"z": z, "z + 5": z + 5, "3 z": 3 * z, "z / 3": z / 3}
    fig = Figure(figsize=(WIDTH, 2.4), layout="constrained")
    for ax, (label, logits) in zip(fig.subplots(1, 4, sharey=True), cases.items()):
        probs = softmax(logits[:, None])[:, 0]
        ax.bar(range(len(z)), probs, color=["#4a6fa5", "#7fa0cf", "#b9cbe6"])
        for k, p in enumerate(probs):
            ax.text(k, p + 0.02, f"{p:.2f}", ha="center")
        ax.set(title=f"softmax({label})", xticks=range(len(z)), ylim=(0, 1.1))
        ax.set_xticklabels([f"{v:.2g}" for v in logits])
        ax.set_xlabel("logits")
    return fig


@styled
def computational_graph():
    """The two-layer network as a graph: forward values (black) and backward gradients (red), with shapes."""
    fig = Figure(figsize=(WIDTH, 3.3))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(0, 10), ylim=(0, 4))
    ax.set_axis_off()
    box = {"boxstyle": "round", "facecolor": "#e8eef8", "edgecolor": "#4a6fa5"}
    top = {"X": (0.6, "X\n(784, m)"), "Z1": (2.4, "Z1\n(10, m)"), "A1": (4.2, "A1\n(10, m)"),
           "Z2": (6.0, "Z2\n(10, m)"), "A2": (7.8, "A2\n(10, m)"), "L": (9.4, "L\nscalar")}
    for x, text in top.values():
        ax.text(x, 2.9, text, ha="center", va="center", bbox=box)
    xs = [x for x, _ in top.values()]
    for x0, x1 in zip(xs, xs[1:]):
        ax.annotate("", (x1 - 0.45, 2.9), (x0 + 0.45, 2.9), arrowprops={"arrowstyle": "->"})
    for x, text in ((2.4, "W1 (10, 784)\nb1 (10, 1)"), (6.0, "W2 (10, 10)\nb2 (10, 1)")):
        ax.text(x, 1.45, text, ha="center", va="center", bbox=box)
        ax.annotate("", (x, 2.5), (x, 1.85), arrowprops={"arrowstyle": "->"})
    ax.text(9.4, 1.6, "Y (10, m)", ha="center", va="center", bbox=box)
    ax.annotate("", (9.4, 2.5), (9.4, 1.85), arrowprops={"arrowstyle": "->"})
    red = {"ha": "center", "va": "center", "color": "#b03030"}
    ax.text(8.6, 3.65, "dZ2 = A2 − Y", **red)
    ax.text(5.1, 3.65, "dA1 = W2ᵀ dZ2", **red)
    ax.text(1.9, 3.65, "dZ1 = dA1 ⊙ relu′(Z1)", **red)
    ax.text(2.4, 0.55, "dW1 = dZ1 Xᵀ / m\ndb1 = row means of dZ1", **red)
    ax.text(6.0, 0.55, "dW2 = dZ2 A1ᵀ / m\ndb2 = row means of dZ2", **red)
    return fig


@styled
def gradcheck_vs_epsilon(eps, errors, best=None):
    """Relative error of the gradient check against the step ε, one line per parameter (log-log)."""
    fig = Figure(figsize=(WIDTH, 3.2), layout="constrained")
    ax = fig.subplots()
    for name, values in errors.items():
        ax.loglog(eps, values, marker="o", label=name)
    if best is not None:
        ax.axvline(best, color="#888", linestyle=":", label=f"the step used, ε = {best:.0e}")
    ax.axhline(1e-7, color="#a33", linestyle="--", label="threshold 1e-7")
    ax.set(xlabel="step ε", ylabel="worst element-wise relative error",
           title="Truncation error falls as ε², rounding error grows as 1/ε")
    ax.legend(ncols=2, frameon=False)
    return fig


@styled
def quadratic_descent(curvatures=(1.0, 10.0), alphas=(0.05, 0.18, 0.21), steps=25):
    """Gradient descent on f(x, y) = (λ1 x² + λ2 y²)/2 from (-4, 1), for three learning rates."""
    l1, l2 = curvatures
    fig = Figure(figsize=(WIDTH, 2.8), layout="constrained")
    x, y = np.meshgrid(np.linspace(-4.5, 4.5, 200), np.linspace(-2.2, 2.2, 200))
    for ax, alpha in zip(fig.subplots(1, len(alphas), sharey=True), alphas):
        ax.contour(x, y, (l1 * x ** 2 + l2 * y ** 2) / 2, levels=12, colors="#bbb", linewidths=0.8)
        path = [np.array([-4.0, 1.0])]
        for _ in range(steps):
            path.append(path[-1] - alpha * np.array([l1, l2]) * path[-1])
        path = np.clip(np.array(path), -4.5, 4.5)
        ax.plot(path[:, 0], path[:, 1], "o-", markersize=3, color="#4a6fa5")
        ax.set(title=f"α = {alpha:g}  (α·λmax = {alpha * max(curvatures):.2f})", xlabel="x",
               ylim=(-2.2, 2.2))
    fig.axes[0].set_ylabel("y")
    return fig


# ---------------------------------------------------------------- training runs


@styled
def learning_curves(histories, x_key="iteration"):
    """Loss and accuracy on the training and dev sets against `x_key`, for several runs."""
    fig = Figure(figsize=(WIDTH, 3.0), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    low = 1.0
    for label, history in histories.items():
        x = [h[x_key] for h in history]
        line, = loss_ax.plot(x, [h["loss"] for h in history], label=f"{label}, train")
        color = line.get_color()
        if "dev_loss" in history[0]:
            loss_ax.plot(x, [h["dev_loss"] for h in history], "--", color=color, label=f"{label}, dev")
        acc_ax.plot(x, [h["train_accuracy"] for h in history], color=color)
        if "dev_accuracy" in history[0]:
            acc_ax.plot(x, [h["dev_accuracy"] for h in history], "--", color=color)
        low = min(low, min(h["train_accuracy"] for h in history[len(history) // 5:]))
    loss_ax.set(xlabel=x_key, ylabel="cross-entropy", title="Loss")
    acc_ax.set(xlabel=x_key, ylabel="accuracy", title="Accuracy (the later part)",
               ylim=(max(0.0, low - 0.05), 1.0 if low > 0.9 else min(1.0, low + 0.35)))
    loss_ax.legend(frameon=False)
    return fig


@styled
def hidden_weights(W1, title="change in each hidden unit's weights"):
    """Each row of W1 as a 28x28 image on one symmetric red-blue scale, with a colorbar."""
    n_h = W1.shape[0]
    cols = min(n_h, 5)
    rows = -(-n_h // cols)
    fig = Figure(figsize=(WIDTH, 1.45 * rows + 0.4), layout="constrained")
    limit = float(np.abs(W1).max())
    axes = np.ravel(fig.subplots(rows, cols))
    for unit, ax in enumerate(axes):
        ax.set_axis_off()
        if unit < n_h:
            image = ax.imshow(W1[unit].reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"unit {unit}")
    fig.colorbar(image, ax=list(axes), shrink=0.8, label=title)
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


@styled
def confusion_figure(C):
    """The mistakes of a confusion matrix: each row's off-diagonal share, in percent.

    The diagonal (the correct answers) is left blank, so the colour scale is
    spent on the errors, which are what the chapter discusses.
    """
    rates = 100 * C / C.sum(axis=1, keepdims=True)     # percent of each true digit
    errors = np.where(np.eye(len(C), dtype=bool), np.nan, rates)
    fig = Figure(figsize=(WIDTH * 0.75, 4.6), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(errors, cmap="Reds", vmin=0)
    for (t, p), rate in np.ndenumerate(rates):
        text = f"{rate:.0f}" if t != p else f"{rate:.0f}%"
        ax.text(p, t, text, ha="center", va="center", color="#555" if t == p else "black")
    ax.set(xlabel="predicted digit", ylabel="true digit", xticks=range(10), yticks=range(10),
           title="Where each digit's test images went, in %")
    fig.colorbar(image, ax=ax, shrink=0.8, label="% of the true digit, mistakes only")
    return fig


@styled
def misclassified_gallery(params, X, labels, count=20, cols=10):
    """The first `count` columns of X that the network gets wrong, with "predicted/true" titles."""
    predicted = predict(params, X)
    wrong = np.flatnonzero(predicted != labels)[:count]
    return digit_grid.__wrapped__(X[:, wrong], labels[wrong], rows=max(1, -(-len(wrong) // cols)),
                                  cols=cols, predicted=predicted[wrong])


@styled
def seed_distribution(panels, references, xlim=None):
    """Strip plots of accuracies across seeds: one panel per metric, one row per setting, one x-range."""
    n_rows = max(len(p) for p in panels.values())
    fig = Figure(figsize=(WIDTH, 1.1 + 0.55 * n_rows), layout="constrained")
    values = [v for p in panels.values() for vs in p.values() for v in vs]
    xlim = xlim or (min(values) - 0.01, max(values) + 0.01)
    axes = np.ravel(fig.subplots(1, len(panels), sharey=True))
    for ax, (title, accuracies) in zip(axes, panels.items()):
        for row, vals in enumerate(accuracies.values()):
            ax.plot(vals, np.full(len(vals), row), "o", alpha=0.55)
            ax.plot([np.mean(vals)], [row], "k|", markersize=18)
        if title in references:
            value, label = references[title]
            ax.axvline(value, color="#a33", linestyle="--", label=label)
            ax.legend(loc="lower left", frameon=False)
        ax.set_yticks(range(len(accuracies)), list(accuracies))
        ax.set(xlabel=f"final {title} accuracy", ylim=(-0.6, len(accuracies) - 0.4), xlim=xlim)
    return fig


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
        axes[row, 0].set(title=f"{name}: $A^{{[1]}}$", yscale="log", ylabel="count")
        axes[row, 1].hist(Z2.ravel(), bins=bins, color="#b5644b")
        axes[row, 1].set(title=f"{name}: $Z^{{[2]}}$, std {Z2.std():.2f}")
    return fig


# ---------------------------------------------------------------- Part II


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


@styled
def gradient_noise(batch_sizes, mean_squared_error, m):
    r"""How far a mini-batch gradient strays from the full one, against the batch size (log-log).

    The dashed line is the prediction for batches drawn without replacement
    from `m` examples, $\sigma^2 (m - b) / (b (m - 1))$, scaled to the first point.
    """
    fig = Figure(figsize=(WIDTH * 0.7, 2.9), layout="constrained")
    ax = fig.subplots()
    b = np.asarray(batch_sizes, dtype=float)
    predicted = (m - b) / (b * (m - 1))
    ax.loglog(b, mean_squared_error, "o", label="measured")
    ax.loglog(b, mean_squared_error[0] * predicted / predicted[0], "--", color="#888",
              label="σ²(m − b) / (b(m − 1))")
    ax.set(xlabel="batch size b", ylabel="E‖g_B − ∇L‖²", title="Noise of the mini-batch gradient")
    ax.legend(frameon=False)
    return fig


@styled
def lr_sweep(alphas, final_loss, died):
    """Training loss after the sweep's epochs against the learning rate; runs that died marked ×."""
    fig = Figure(figsize=(WIDTH, 2.9), layout="constrained")
    ax = fig.subplots()
    alive = ~np.asarray(died)
    a, loss = np.asarray(alphas), np.asarray(final_loss, dtype=float)
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
    fig = Figure(figsize=(WIDTH, 2.9), layout="constrained")
    left, right = fig.subplots(1, 2)
    for label, rate in rates.items():
        line, = left.plot(rate, label=label)
        h = histories[label]
        right.plot([r["epoch"] for r in h], [r["dev_accuracy"] for r in h], "o-", markersize=3,
                   color=line.get_color())
    left.set(xlabel="step", ylabel="learning rate", title="Schedules")
    right.set(xlabel="epoch", ylabel="dev accuracy", title="Dev accuracy")
    left.legend(frameon=False)
    return fig


@styled
def width_depth(rows):
    """Accuracy against parameter count (log), train and dev, one point per network."""
    fig = Figure(figsize=(WIDTH, 3.0), layout="constrained")
    ax = fig.subplots()
    params = [r["params"] for r in rows]
    ax.semilogx(params, [r["train_accuracy"] for r in rows], "o", label="train")
    ax.semilogx(params, [r["dev_accuracy"] for r in rows], "s", label="dev")
    for r in rows:
        ax.annotate(r["name"], (r["params"], r["dev_accuracy"]), textcoords="offset points",
                    xytext=(4, -12))
    ax.set(xlabel="parameters", ylabel="accuracy", title="Width and depth")
    ax.legend(frameon=False)
    return fig


@styled
def generalization_gap(histories):
    """Train, dev and test accuracy per epoch for each setting: the gap between them."""
    fig = Figure(figsize=(WIDTH, 2.9), layout="constrained")
    axes = np.ravel(fig.subplots(1, len(histories), sharey=True))
    for ax, (label, h) in zip(axes, histories.items()):
        epochs = [r["epoch"] for r in h]
        for key, style in (("train_accuracy", "-"), ("dev_accuracy", "--"), ("test_accuracy", ":")):
            ax.plot(epochs, [r[key] for r in h], style, label=key.split("_")[0])
        ax.set(title=label, xlabel="epoch")
    axes[0].set_ylabel("accuracy")
    axes[0].legend(frameon=False)
    return fig


@styled
def augmented_samples(originals, variants):
    """Each original image, then the same image under each augmentation, one row per image."""
    rows, cols = originals.shape[1], 1 + len(variants)
    fig = Figure(figsize=(WIDTH * 0.6, 1.0 * rows + 0.3), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for r in range(rows):
        _image(axes[r, 0], originals[:, r], "original" if r == 0 else "")
        for c, (name, images) in enumerate(variants.items(), start=1):
            _image(axes[r, c], images[:, r], name if r == 0 else "")
    return fig


@styled
def ladder(rungs):
    """Test accuracy of each rung (mean ± sd over seeds) and its training time."""
    fig = Figure(figsize=(WIDTH, 3.4), layout="constrained")
    acc_ax, time_ax = fig.subplots(1, 2, width_ratios=(3, 2), sharey=True)
    y = np.arange(len(rungs))[::-1]
    acc_ax.errorbar([r["test_mean"] for r in rungs], y, xerr=[r["test_sd"] for r in rungs],
                    fmt="o", capsize=3)
    acc_ax.set_yticks(y, [r["name"] for r in rungs])
    acc_ax.set(xlabel="test accuracy, % (mean ± sd)", title="The ladder")
    time_ax.barh(y, [r["seconds"] for r in rungs], color="#b9cbe6")
    time_ax.set(xscale="log", xlabel="seconds to train (median)", title="Cost")
    return fig
