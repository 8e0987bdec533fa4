r"""The book module of "Backpropagation": the network as a graph, forward and backward."""

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.machinery.figures import WIDTH, connect, diagram_axes, styled
from primitive_nn.machinery.lab import figure

BOX = {"boxstyle": "round", "facecolor": "#e8eef8", "edgecolor": "#4a6fa5"}
RED = {"ha": "center", "va": "center", "color": "#b03030"}


@figure("backprop-graph")
@styled
def computational_graph(lab=None):
    """The two-layer network as a graph: forward values (black) and backward gradients (red), with shapes.

    Positions are in inches; each arrow runs from frame to frame.
    """
    fig = Figure(figsize=(WIDTH, 3.4))
    ax = diagram_axes(fig)
    xs = np.linspace(0.45, WIDTH - 0.45, 6)  # the six values, left to right
    top = [ax.text(x, 2.35, text, ha="center", va="center", bbox=BOX)
           for x, text in zip(xs, ["X\n(784, m)", "Z1\n(10, m)", "A1\n(10, m)", "Z2\n(10, m)",
                                   "A2\n(10, m)", "L\nscalar"])]
    for source, target in zip(top, top[1:]):
        connect(ax, source, target)
    below = [ax.text(xs[1], 1.25, "W1 (10, 784)\nb1 (10, 1)", ha="center", va="center", bbox=BOX),
             ax.text(xs[3], 1.25, "W2 (10, 10)\nb2 (10, 1)", ha="center", va="center", bbox=BOX),
             ax.text(xs[5], 1.25, "Y\n(10, m)", ha="center", va="center", bbox=BOX)]
    for source, target in zip(below, (top[1], top[3], top[5])):
        connect(ax, source, target, across=False)
    ax.text((xs[4] + xs[5]) / 2, 3.1, "dZ2 = A2 − Y", **RED)
    ax.text((xs[2] + xs[3]) / 2, 3.1, "dA1 = W2ᵀ dZ2", **RED)
    ax.text((xs[0] + xs[1]) / 2 + 0.2, 3.1, "dZ1 = dA1 ⊙ relu′(Z1)", **RED)
    ax.text(xs[1], 0.35, "dW1 = dZ1 Xᵀ / m\ndb1 = row means\nof dZ1", **RED)
    ax.text(xs[3], 0.35, "dW2 = dZ2 A1ᵀ / m\ndb2 = row means\nof dZ2", **RED)
    return fig
