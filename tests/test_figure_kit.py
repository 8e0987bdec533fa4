"""The figure kit refuses a figure that would not read: on a phone, or at all.

`figures.save` checks every figure before it writes it (`figure_problems`):
text too small in a phone's 358-px column, texts printed over each other,
text cut off by the figure's edge, a legend sitting on the data. Each test
draws one small figure with exactly one such fault, and one clean figure
that must pass. The book's own figures are checked when the book command
saves them; those that need no data are drawn here too.
"""

import numpy as np
import pytest
from matplotlib.figure import Figure

from primitive_nn.machinery import figures
from primitive_nn.machinery.figures import DPI, WIDTH, FigureError, styled


@styled
def clean():
    """A figure the kit must accept: page width, page fonts, the key below the data."""
    fig = Figure(figsize=(WIDTH, 2.6), layout="constrained")
    ax = fig.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, x ** 2, label="x²")
    ax.plot(x, x, "o", markersize=3, label="x")
    ax.set(xlabel="x", ylabel="y", title="Two curves")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


def problems(fig):
    return figures.figure_problems(fig)


def test_a_clean_figure_passes_and_is_saved(tmp_path):
    assert problems(clean()) == []
    assert figures.save(clean(), tmp_path / "clean.png").is_file()


def test_the_page_width_and_fonts_are_legible_on_a_phone():
    """10-pt text of a WIDTH-inch figure shows at 9 CSS px or more in a 358-px column."""
    assert figures.phone_px(figures.STYLE["font.size"], WIDTH) >= figures.SMALLEST_PX
    assert min(v for k, v in figures.STYLE.items() if k.endswith("size")) >= 10
    assert figures.phone_px(10, 6.9) < figures.SMALLEST_PX  # the old width needed 12.5 pt


@styled
def with_small_text():
    fig = clean()
    fig.axes[0].set_title("Two curves", fontsize=7)
    return fig


def test_text_too_small_on_a_phone_is_refused_and_nothing_is_written(tmp_path):
    found = problems(with_small_text())
    assert len(found) == 1 and "'Two curves' is 7.0 pt" in found[0] and "px on a phone" in found[0]
    with pytest.raises(FigureError, match="small.png would not read.*'Two curves' is 7.0 pt"):
        figures.save(with_small_text(), tmp_path / "small.png")
    assert not (tmp_path / "small.png").exists()


def test_the_same_font_passes_in_a_narrower_figure():
    """A figure narrower than the phone's column is not shrunk: 7 pt is 9.7 px there."""
    fig = Figure(figsize=(3.0, 1.0))
    fig.text(0.5, 0.5, "seven points", fontsize=7, ha="center", va="center")
    assert problems(fig) == []


@styled
def with_overprinted_labels():
    fig = clean()
    ax = fig.axes[0]
    ax.annotate("256-256", (0.5, 0.25), textcoords="offset points", xytext=(4, 4))
    ax.annotate("339", (0.52, 0.27), textcoords="offset points", xytext=(4, 4))
    return fig


def test_overprinted_labels_are_refused():
    assert problems(with_overprinted_labels()) == [
        "'256-256' and '339' are printed over each other or run together"]


@styled
def with_titles_run_together():
    """Column titles that touch, as the augmentation figure's once did."""
    fig = Figure(figsize=(3.0, 1.2), layout="constrained")
    for ax, title in zip(fig.subplots(1, 3), ["original", "affine, draw 1", "affine, draw 2"]):
        ax.imshow(np.zeros((28, 28)))
        ax.set_axis_off()
        ax.set_title(title)
    return fig


def test_titles_that_run_together_are_refused():
    found = problems(with_titles_run_together())
    assert "'affine, draw 1' and 'affine, draw 2' are printed over each other or run together" in found


@styled
def with_clipped_title():
    fig = Figure(figsize=(2.0, 1.5))  # no layout engine: nothing moves the title back in
    ax = fig.add_axes((0.2, 0.2, 0.6, 0.6), xticks=[], yticks=[])
    ax.set_title("affine again, a title too long for its place")
    return fig


def test_a_title_cut_off_by_the_edge_is_refused():
    assert problems(with_clipped_title()) == [
        "'affine again, a title too long for it...' is cut off by the figure's edge"]


@styled
def with_legend_on_a_line():
    fig = Figure(figsize=(WIDTH, 2.6), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0.9, 0.9], label="a level")  # two vertices, both outside the legend's box
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left")
    return fig


def test_a_legend_on_a_line_is_refused():
    """The line between the vertices counts, not only the vertices."""
    assert problems(with_legend_on_a_line()) == [
        "the legend of 'a level' sits on the data of 'a level'"]


@styled
def with_a_dot_by_the_legend(clear_px):
    """A legend in the middle, and a dot just above it whose edge is `clear_px` px clear of its box."""
    fig = Figure(figsize=(WIDTH, 2.6))
    ax = fig.add_axes((0.15, 0.2, 0.8, 0.7), xlim=(0, 1), ylim=(0, 1))
    ax.plot([0.1], [0.1], "o", label="far")
    legend = ax.legend(loc="center")
    fig.draw_without_rendering()
    box = legend.get_window_extent()
    radius = 4 * fig.dpi / 72  # markersize 8
    x, y = ax.transData.inverted().transform((box.x0 + box.width / 2, box.y1 + radius + clear_px))
    ax.plot([x], [y], "o", markersize=8, label="near")
    return fig


def test_a_legend_counts_the_size_of_a_marker():
    """A dot whose centre is outside the legend's box but whose edge reaches in is on it."""
    assert problems(with_a_dot_by_the_legend(-2)) == ["the legend of 'far' sits on the data of 'near'"]
    assert problems(with_a_dot_by_the_legend(3)) == []


def test_only_drawn_text_counts():
    """Hidden axes keep their tick labels, and ticks outside the view keep theirs: neither is drawn."""
    fig = Figure(figsize=(1, 1))
    fig.add_subplot().set_axis_off()
    assert figures.drawn_texts(fig) == []
    fig = Figure(figsize=(2, 2), layout="constrained")
    fig.add_subplot().plot([0, 1])
    labels = [t.get_text() for t in figures.drawn_texts(fig)]
    assert "−0.2" not in labels and "0.0" in labels


def test_the_check_measures_the_figure_as_saved_and_leaves_its_dpi():
    fig = clean()
    figures.figure_problems(fig)
    assert fig.dpi == DPI


def test_a_command_s_picture_is_saved_unchecked(tmp_path):
    """`show_or_save` draws the user's picture, titled with a file name of any length."""
    def draw(fig):
        fig.add_subplot().set_title("a-photo-with-a-very-long-file-name-indeed.jpg: reads 7 (95%)")
        return fig
    assert figures.show_or_save(draw, tmp_path / "seen.png") == str(tmp_path / "seen.png")


@pytest.mark.parametrize("name", ["forward-network", "forward-relu", "backprop-graph",
                                  "training-quadratic", "softmax-shift-scale"])
def test_the_book_s_figures_that_need_no_data_pass(name):
    """The rest need the book's runs; the book command checks them as it saves them."""
    from primitive_nn.machinery import lab

    lab.load_pages()
    assert problems(lab.FIGURES[name].function(None)) == []
