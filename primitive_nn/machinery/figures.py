r"""The figure kit: what every figure of the book shares.

Each figure is drawn in the book module of its page
(`primitive_nn.machinery.pages`); this module holds only what they share:
the page's width and fonts, saving, an image drawn pixel for pixel, a grid
of digits, and learning curves. Figures are built with the object-oriented
API (`Figure`, not `pyplot`), so they need no display.

A figure is drawn `WIDTH` (5.5) inches wide at `DPI` (100), with labels of
10 pt or more (`STYLE`, applied by `styled`). `save` writes the PNG at
twice that resolution (`SHARP`), which the book shows at half its pixel
width (book/hooks.py sets the width): 550 CSS px in the laptop's 690-px
column, sharp on high-density screens. On a phone the column is 358 px
(`PHONE_COLUMN`), so a figure wider than 3.58 inches is shrunk to fit, and
its text with it: a 10-pt label of a 5.5-inch figure shows at 9.0 px, the
smallest the book allows (`SMALLEST_PX`).

`save` checks each figure before it writes it (`figure_problems`), so a
figure that would not read cannot reach the book: it refuses text smaller
than `SMALLEST_PX` on a phone, two texts printed over each other, text cut
off by the figure's edge, and a legend sitting on plotted data. It writes
atomically and without the software-version metadata, so regenerating an
unchanged figure does not change the file.
"""

import contextlib
import functools
import io
import os
import sys
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from primitive_nn.machinery.files import prepare_output_dir, write_atomically
from primitive_nn.machinery.runs import position

WIDTH = 5.5  # inches: 550 CSS px on a laptop; on a phone, 10-pt text still shows at 9 px
DPI = 100    # pixels per inch of the drawing, and CSS px per inch on the page
SHARP = 2    # PNGs are written at SHARP * DPI and shown at 1/SHARP of their pixel width
STYLE = {"font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "xtick.labelsize": 10,
         "ytick.labelsize": 10, "legend.fontsize": 10, "legend.title_fontsize": 10,
         "figure.dpi": DPI, "axes.spines.top": False, "axes.spines.right": False}
PHONE_COLUMN = 358  # CSS px: the book's text column on a phone
SMALLEST_PX = 9     # CSS px: the smallest text the book shows, on a phone
GAP_PX = 4.0        # CSS px at full size: the least space between two texts (a space, at 10 pt)
ROUNDING_PX = 1.0   # CSS px at full size: how far a text may reach past the figure's edge
CELL = 0.8          # inches: one small image of a grid (`grid_figure`)
NOTHING = (None, "", " ", "None", "none")  # matplotlib's ways to say "no marker", "no line"


class FigureError(ValueError):
    """A figure of the book that would not read: text too small, overprinted or cut off, a legend on data."""


def styled(draw):
    """Run a figure function with the book's `STYLE`, so its text is created at page size."""
    @functools.wraps(draw)
    def wrapped(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)
    return wrapped


# ---------------------------------------------------------------- the check


def phone_px(fontsize, width):
    r"""The height in CSS px of `fontsize`-pt text of a `width`-inch figure, on a phone.

    The page shows the figure `width` × `DPI` CSS px wide, shrunk to the
    phone's `PHONE_COLUMN` when it is wider:
    $$\text{px} = \text{pt} \cdot \frac{\text{DPI}}{72} \cdot
      \min\left(1, \frac{358}{\text{width} \cdot \text{DPI}}\right)$$

    Examples
    --------
    >>> round(phone_px(10, 5.5), 2), round(phone_px(10, 6.9), 2), round(phone_px(10, 3.0), 2)
    (9.04, 7.21, 13.89)
    """
    return fontsize * DPI / 72 * min(1.0, PHONE_COLUMN / (width * DPI))


@contextlib.contextmanager
def _recording_texts():
    """Collect every `Text` drawn while the block runs, once each, in drawing order."""
    drawn, original = {}, Text.draw

    def draw(text, renderer):
        if text.get_visible() and text.get_text():
            drawn[id(text)] = text
        return original(text, renderer)

    Text.draw = draw
    try:
        yield drawn
    finally:
        Text.draw = original


def drawn_texts(fig):
    """Lay `fig` out and list the texts it draws: visible, not empty, in drawing order.

    Only what is drawn counts: not the labels of hidden axes, nor those of
    ticks outside the view, which matplotlib keeps but never shows. The
    texts are caught as they draw (`Text.draw` is wrapped while the figure is
    laid out once); every one's window extent is then known, in px of the
    drawing (the figure's dpi).
    """
    with _recording_texts() as drawn:
        fig.draw_without_rendering()
    return list(drawn.values())


def extent(text):
    """The box a drawn text covers, in px: its letters, and the frame around them if it has one."""
    box = text.get_window_extent()
    frame = text.get_bbox_patch()
    return Bbox.union([box, frame.get_window_extent()]) if frame is not None else box


def _name(text):
    """A text as an error message quotes it: its first line, shortened."""
    line = text.get_text().splitlines()[0]
    return repr(line if len(line) <= 40 else line[:37] + "...")


def small_texts(fig, texts):
    """A problem for each text smaller than `SMALLEST_PX` on a phone (`phone_px`)."""
    width = fig.get_figwidth()
    return [f"{_name(t)} is {t.get_fontsize():.1f} pt, {phone_px(t.get_fontsize(), width):.1f} px "
            f"on a phone (at least {SMALLEST_PX} px: a larger font, or a narrower figure)"
            for t in texts if phone_px(t.get_fontsize(), width) < SMALLEST_PX - 1e-9]


def overlap(a, b):
    """How far two boxes overlap: the (width, height) of their intersection, or (0, 0).

    Examples
    --------
    >>> from matplotlib.transforms import Bbox
    >>> overlap(Bbox([[0, 0], [10, 10]]), Bbox([[8, 5], [20, 30]]))
    (2.0, 5.0)
    >>> overlap(Bbox([[0, 0], [10, 10]]), Bbox([[12, 0], [20, 10]]))
    (0.0, 0.0)
    """
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return (float(width), float(height)) if width > 0 and height > 0 else (0.0, 0.0)


def overlapping_texts(texts, gap=GAP_PX):
    """A problem for each pair of texts printed over each other or run together.

    Two texts overlap when their boxes do; they run together when, side by
    side, their boxes come closer than `gap` px, as "affine,draw 1" would. A
    text's box holds its line's full height, so boxes one above the other
    need no gap to read apart.
    """
    boxes = [Bbox.from_extents(b.x0 - gap / 2, b.y0, b.x1 + gap / 2, b.y1)
             for b in map(extent, texts)]
    return [f"{_name(texts[i])} and {_name(texts[j])} are printed over each other or run together"
            for i in range(len(texts)) for j in range(i + 1, len(texts))
            if min(overlap(boxes[i], boxes[j])) > 0]


def inside(inner, outer, margin=0.0):
    """True if box `inner` lies within box `outer` grown by `margin` on every side.

    Examples
    --------
    >>> from matplotlib.transforms import Bbox
    >>> inside(Bbox([[1, 1], [9, 9]]), Bbox([[0, 0], [10, 10]]))
    True
    >>> inside(Bbox([[-2, 1], [9, 9]]), Bbox([[0, 0], [10, 10]]), margin=1)
    False
    """
    return bool(inner.x0 >= outer.x0 - margin and inner.y0 >= outer.y0 - margin
                and inner.x1 <= outer.x1 + margin and inner.y1 <= outer.y1 + margin)


def clipped_texts(fig, texts, margin=ROUNDING_PX):
    """A problem for each text that reaches past the figure's edge by more than `margin` px."""
    return [f"{_name(t)} is cut off by the figure's edge" for t in texts
            if not inside(extent(t), fig.bbox, margin)]


def along(xy, step=1.0):
    """Points at most `step` apart along a polyline of vertices `xy` (n, 2), the vertices among them.

    A segment with a NaN end is a gap in the line: nothing is drawn there.

    Examples
    --------
    >>> import numpy as np
    >>> along(np.array([[0.0, 0.0], [3.0, 0.0], [np.nan, 1.0]])).tolist()
    [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 0.0], [3.0, 0.0]]
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    a, b = xy[:-1], xy[1:]
    drawn = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    a, b = a[drawn], b[drawn]
    n = np.ceil(np.hypot(*(b - a).T) / step).astype(int)             # samples per segment
    segment = np.repeat(np.arange(len(a)), n)
    t = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n).clip(1)
    between = a[segment] + t[:, None] * (b - a)[segment]
    return np.concatenate([between, xy[np.isfinite(xy).all(axis=1)]])


def near(xy, radius, box):
    """Which round marks (centres `xy` (n, 2), radii `radius`) reach into the box.

    A mark reaches in when its square of side 2·radius overlaps the box; a
    mark of radius 0 when its centre lies inside or on the edge.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.transforms import Bbox
    >>> near(np.array([[5.0, 5.0], [12.0, 5.0], [12.0, 5.0]]), np.array([0, 1, 3]),
    ...      Bbox([[0, 0], [10, 10]])).tolist()
    [True, False, True]
    """
    x, y = np.asarray(xy, dtype=float).reshape(-1, 2).T
    return ((x + radius >= box.x0) & (x - radius <= box.x1)
            & (y + radius >= box.y0) & (y - radius <= box.y1))


def _line_marks(line, px_per_pt):
    """Where a `Line2D` draws, in px: points along it and its markers, and each one's radius."""
    xy = line.get_transform().transform_path(line.get_path()).vertices
    has_marker = line.get_marker() not in NOTHING and line.get_markersize() > 0
    parts = [(xy, np.full(len(xy), px_per_pt * line.get_markersize() / 2))] if has_marker else []
    if line.get_linestyle() not in NOTHING:
        path = along(xy)
        parts.append((path, np.full(len(path), px_per_pt * line.get_linewidth() / 2)))
    return parts


def _collection_marks(collection, px_per_pt):
    """Where a scatter (`PathCollection`) or a `LineCollection` draws, in px, and each mark's radius."""
    if isinstance(collection, PathCollection):
        xy = collection.get_offset_transform().transform(collection.get_offsets())
        radius = px_per_pt * np.sqrt(collection.get_sizes()) / 2          # sizes are areas in pt²
        return [(xy, np.broadcast_to(radius if len(radius) else 0.0, len(xy)))]
    width = px_per_pt * max(collection.get_linewidths(), default=1.0) / 2
    paths = [along(collection.get_transform().transform(s)) for s in collection.get_segments()]
    return [(xy, np.full(len(xy), width)) for xy in paths]


def data_marks(ax):
    """The data `ax` draws: (name, points (n, 2) in px, radius of each in px) per line or collection.

    Lines (`plot`, `axhline`), scatters and line collections (`errorbar`'s
    bars) count; images, bars and shaded spans do not. What the axes clip
    away is left out.
    """
    px_per_pt = ax.get_figure(root=True).dpi / 72
    marks = []
    for artist in [*ax.lines, *ax.collections]:
        if not artist.get_visible():
            continue
        if isinstance(artist, Line2D):
            parts = _line_marks(artist, px_per_pt)
        elif isinstance(artist, (PathCollection, LineCollection)):
            parts = _collection_marks(artist, px_per_pt)
        else:
            continue
        label = artist.get_label()
        name = repr(label) if label and not label.startswith("_") else type(artist).__name__
        for xy, radius in parts:
            kept = near(xy, 0.0, ax.bbox) if artist.get_clip_on() else np.ones(len(xy), bool)
            marks.append((name, xy[kept], np.asarray(radius)[kept]))
    return marks


def legends_on_data(fig):
    """A problem for each legend whose box holds a data mark (`data_marks`) of any of the axes.

    The box is the legend's frame, drawn or not: the area matplotlib gives
    the legend, its padding included. A mark counts with its size: a marker
    by its radius, a line by half its width, so a dot whose edge reaches into
    the box is on the legend.
    """
    legends = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
    marks = [m for ax in fig.axes for m in data_marks(ax)]
    problems = []
    for legend in legends:
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent()
        for name, xy, radius in marks:
            if near(xy, radius, box).any():
                first = legend.get_texts()[0].get_text() if legend.get_texts() else ""
                problems.append(f"the legend of {first!r} sits on the data of {name}")
    return list(dict.fromkeys(problems))  # a line and its markers are one complaint


@contextlib.contextmanager
def _at_dpi(fig, dpi):
    """Draw `fig` at `dpi` while the block runs, then give it back its own."""
    own = fig.dpi
    fig.set_dpi(dpi)
    try:
        yield fig
    finally:
        fig.set_dpi(own)


def figure_problems(fig):
    """Everything that would keep `fig` from reading on a phone or a laptop: a list of sentences.

    Text too small on a phone (`small_texts`), texts printed over each other
    (`overlapping_texts`), text cut off by the figure's edge
    (`clipped_texts`) and legends on data (`legends_on_data`). The figure is
    laid out as `save` writes it, at `SHARP` × `DPI`: text is hinted at each
    resolution, so a title can be wider in the PNG than at `DPI`.
    """
    with matplotlib.rc_context(STYLE), _at_dpi(fig, SHARP * DPI):
        texts = drawn_texts(fig)
        return [*small_texts(fig, texts), *overlapping_texts(texts, GAP_PX * SHARP),
                *clipped_texts(fig, texts, ROUNDING_PX * SHARP), *legends_on_data(fig)]


def check(fig, name="the figure"):
    """Raise `FigureError` naming every problem of `fig` (`figure_problems`); return `fig` if none."""
    problems = figure_problems(fig)
    if problems:
        raise FigureError(f"{name} would not read, fix it in its book module: " + "; ".join(problems))
    return fig


# ---------------------------------------------------------------- saving


def save(fig, path, checked=True):
    """Check `fig` (`check`), then save it as a PNG without version or timestamp metadata, atomically.

    `checked=False` skips the check, for a picture that is not the book's
    (`show_or_save`). Returns the path.
    """
    path = Path(path)
    if checked:
        check(fig, path.name)
    prepare_output_dir(path.parent, "figure folder")
    png = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(png, format="png", dpi=SHARP * DPI, metadata={"Software": None})
    write_atomically(path, lambda f: f.write(png.getvalue()))
    return path


def diagram_axes(fig):
    """Hidden axes over all of `fig`, measured in inches from its bottom-left corner: for diagrams."""
    ax = fig.add_axes((0, 0, 1, 1))
    width, height = fig.get_size_inches()
    ax.set(xlim=(0, width), ylim=(0, height))
    ax.set_axis_off()
    return ax


def connect(ax, source, target, across=True):
    """An arrow from one framed text to another, frame to frame: left to right, or else up."""
    start, end = ((1, 0.5), (0, 0.5)) if across else ((0.5, 1), (0.5, 0))
    ax.annotate("", xy=end, xycoords=target, xytext=start, textcoords=source,
                arrowprops={"arrowstyle": "->", "shrinkA": 5, "shrinkB": 5})


def has_display():
    """True if matplotlib can open a window here."""
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def show_or_save(draw, path=None, figsize=(3, 3.3)):
    """Draw with `draw(fig) -> fig`: in a window when `path` is None, else into a PNG at `path`.

    The commands' pictures for the user's screen, not the book's figures:
    saved unchecked, since their titles hold the user's file names.

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
    return str(save(draw(Figure(figsize=figsize)), path, checked=False))


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


def grid_figure(count, cols, cell=CELL, title_lines=1):
    """A constrained figure of `count` small image axes, `cols` to a row, each `cell` inches square
    below `title_lines` lines of title; the axes beyond `count` are hidden.

    Returns the figure and the `count` axes, in reading order.
    """
    rows = max(1, -(-count // cols))
    fig = Figure(figsize=(cols * cell, rows * (cell + 0.2 * title_lines) + 0.1), layout="constrained")
    axes = np.ravel(fig.subplots(rows, cols, squeeze=False))
    for ax in axes[count:]:
        ax.set_axis_off()
    return fig, axes[:count]


@styled
def digit_grid(X, labels, count=20, cols=5, predicted=None):
    """The first `count` columns of X as images, `cols` to a row, titled with their labels.

    With `predicted`, titles read "predicted/true" and mistakes are red.
    Five or six to a row keep each digit large on a phone.
    """
    fig, axes = grid_figure(min(count, X.shape[1]), cols)
    for k, ax in enumerate(axes):
        title = str(labels[k]) if predicted is None else f"{predicted[k]}/{labels[k]}"
        show_image(ax, X[:, k], title)
        if predicted is not None and predicted[k] != labels[k]:
            ax.title.set_color("red")
    return fig


def _curve_key(runs, dev, guess_line):
    """Legend handles for `learning_curves`: a colour per run, a line style per split.

    In two columns, filled down: the longer group first, so that the runs
    and the styles each keep a column of their own where they can.
    """
    colours = [Line2D([], [], color=color, label=label) for label, color in runs.items()]
    styles = [Line2D([], [], color="#444", label="train"),
              Line2D([], [], color="#444", linestyle="--", label="dev")] if dev else []
    if guess_line:
        styles.append(Line2D([], [], color="#888", linestyle=":", label="ln 10: a uniform guess"))
    return colours + styles if len(colours) >= len(styles) else styles + colours


@styled
def learning_curves(histories, guess_line=False):
    r"""Loss and accuracy on the training and dev sets as training goes, for several runs.

    The key sits below both panels, off the data: a colour per run, solid
    for the training set and dashed for dev.

    Parameters
    ----------
    histories : dict of str to list of dict
        Label to a run's history (`primitive_nn.machinery.runs`); the
        x-axis counts the unit its records name.
    guess_line : bool
        Draw the loss of a uniform guess over the 10 digits, $\ln 10$.
    """
    fig = Figure(figsize=(WIDTH, 3.4), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    if guess_line:
        loss_ax.axhline(np.log(10), color="#888", linestyle=":")
    low, colors = 1.0, {}
    for label, history in histories.items():
        x = [position(h)[1] for h in history]
        line, = loss_ax.plot(x, [h["loss"] for h in history])
        colors[label] = line.get_color()
        acc_ax.plot(x, [h["train_accuracy"] for h in history], color=colors[label])
        for ax, key in ((loss_ax, "dev_loss"), (acc_ax, "dev_accuracy")):
            if key in history[0]:
                ax.plot(x, [h[key] for h in history], "--", color=colors[label])
        low = min(low, min(h["train_accuracy"] for h in history[len(history) // 5:]))
    unit = position(next(iter(histories.values()))[0])[0]
    for ax in (loss_ax, acc_ax):
        ax.xaxis.set_major_locator(MaxNLocator("auto", steps=[1, 2, 2.5, 5, 10], integer=True,
                                               min_n_ticks=1))  # matplotlib's ticks, whole counts only
    loss_ax.set(xlabel=unit, ylabel="cross-entropy", title="Loss")
    acc_ax.set(xlabel=unit, ylabel="accuracy", title="Accuracy (the later part)",
               ylim=(max(0.0, low - 0.05), 1.0 if low > 0.9 else min(1.0, low + 0.35)))
    dev = any("dev_accuracy" in history[0] for history in histories.values())
    fig.legend(handles=_curve_key(colors, dev, guess_line), loc="outside lower center", ncols=2,
               frameon=False)
    return fig
