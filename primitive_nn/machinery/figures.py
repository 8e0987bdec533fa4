r"""The figure kit: what every figure of the book shares.

Each figure is drawn in the book module of its page
(`primitive_nn.machinery.pages`); this module holds only what they share:
the page's width and fonts, saving, an image drawn pixel for pixel, a grid
of digits, and learning curves. Figures are built with the object-oriented
API (`Figure`, not `pyplot`), so they need no display.

The book's text column is about 690 px wide, so every figure is drawn 6.9
inches wide at 100 dpi, with labels of 10 pt or more (`STYLE`, applied by
`styled`). `save` writes the PNG at twice that resolution (`SHARP`), which
the book shows at half its pixel width (book/hooks.py sets the width), so
figures stay sharp on high-density screens. It writes atomically and
without the software-version metadata, so regenerating an unchanged figure
does not change the file.
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
from primitive_nn.machinery.runs import position

WIDTH = 6.9  # inches: the text column, at DPI
DPI = 100
SHARP = 2    # PNGs are written at SHARP * DPI and shown at 1/SHARP of their pixel width
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
        fig.savefig(png, format="png", dpi=SHARP * DPI, metadata={"Software": None})
    write_atomically(path, lambda f: f.write(png.getvalue()))
    return path


def has_display():
    """True if matplotlib can open a window here."""
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def show_or_save(draw, path=None, figsize=(3, 3.3)):
    """Draw with `draw(fig) -> fig`: in a window when `path` is None, else into a PNG at `path`.

    Returns
    -------
    str
        `"shown"`, or the path of the PNG written.
    """
    if path is None:
        import matplotlib.pyplot as plt

        draw(plt.figure(figsize=figsize))
        plt.show()
        return "shown"
    return str(save(draw(Figure(figsize=figsize)), path))


def show_image(ax, image, title="", cmap="gray_r", *, vmin=None, vmax=None, fontsize=None,
               frame=False):
    """Draw an image pixel for pixel: a (784,) column as 28x28, or any 2-D (or RGB) array.

    The axes are hidden, or with `frame` only their ticks, so that a row
    label can still be set.
    """
    image = np.asarray(image)
    ax.imshow(image.reshape(28, 28) if image.ndim == 1 else image, cmap=cmap, vmin=vmin,
              vmax=vmax, interpolation="nearest")
    ax.set_title(title, **({} if fontsize is None else {"fontsize": fontsize}))
    if frame:
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        ax.set_axis_off()


@styled
def digit_grid(X, labels, rows=2, cols=10, predicted=None):
    """The first `rows * cols` columns of X as images, titled with their labels.

    With `predicted`, titles read "predicted / true" and mistakes are red.
    """
    fig = Figure(figsize=(WIDTH, 0.85 * rows + 0.2 + 0.25 * (predicted is not None) * rows),
                 layout="constrained")
    for k, ax in enumerate(np.ravel(fig.subplots(rows, cols))):
        title = str(labels[k]) if predicted is None else f"{predicted[k]}/{labels[k]}"
        show_image(ax, X[:, k], title)
        if predicted is not None and predicted[k] != labels[k]:
            ax.title.set_color("red")
    return fig


@styled
def learning_curves(histories, guess_line=False):
    r"""Loss and accuracy on the training and dev sets as training goes, for several runs.

    Parameters
    ----------
    histories : dict of str to list of dict
        Label to a run's history (`primitive_nn.machinery.runs`); the
        x-axis counts the unit its records name.
    guess_line : bool
        Draw the loss of a uniform guess over the 10 digits, $\ln 10$.
    """
    fig = Figure(figsize=(WIDTH, 3.0), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    if guess_line:
        loss_ax.axhline(np.log(10), color="#888", linestyle=":", label="ln 10: a uniform guess")
    low = 1.0
    for label, history in histories.items():
        x = [position(h)[1] for h in history]
        line, = loss_ax.plot(x, [h["loss"] for h in history], label=f"{label}, train")
        color = line.get_color()
        if "dev_loss" in history[0]:
            loss_ax.plot(x, [h["dev_loss"] for h in history], "--", color=color, label=f"{label}, dev")
        acc_ax.plot(x, [h["train_accuracy"] for h in history], color=color)
        if "dev_accuracy" in history[0]:
            acc_ax.plot(x, [h["dev_accuracy"] for h in history], "--", color=color)
        low = min(low, min(h["train_accuracy"] for h in history[len(history) // 5:]))
    unit = position(next(iter(histories.values()))[0])[0]
    loss_ax.set(xlabel=unit, ylabel="cross-entropy", title="Loss")
    acc_ax.set(xlabel=unit, ylabel="accuracy", title="Accuracy (the later part)",
               ylim=(max(0.0, low - 0.05), 1.0 if low > 0.9 else min(1.0, low + 0.35)))
    loss_ax.legend(frameon=False)
    return fig
