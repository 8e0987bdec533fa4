r"""The book module of "Backpropagation": the network as a graph, forward and backward."""

from matplotlib.figure import Figure

from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import figure


@figure("backprop-graph")
@styled
def computational_graph(lab=None):
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
