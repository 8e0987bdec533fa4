r"""The book module of "The forward pass": the network drawn as matrices, and ReLU's corner."""

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.machinery.figures import WIDTH, connect, diagram_axes, styled
from primitive_nn.machinery.lab import figure


@figure("forward-network")
@styled
def network_diagram(lab=None, layer_sizes=(784, 10, 10)):
    """The seed's network as matrices: each step's output and shape, each arrow's operation.

    Positions are in inches; each arrow runs from frame to frame.
    """
    fig = Figure(figsize=(WIDTH, 2.3))
    ax = diagram_axes(fig)
    n0, n1, n2 = layer_sizes
    xs = np.linspace(0.45, WIDTH - 0.45, 5)  # the five matrices, left to right
    texts = [f"$X$\n({n0}, m)", f"$Z^{{[1]}}$\n({n1}, m)", f"$A^{{[1]}}$\n({n1}, m)",
             f"$Z^{{[2]}}$\n({n2}, m)", f"$A^{{[2]}}$\n({n2}, m)"]
    boxes = [ax.text(x, 1.45, text, ha="center", va="center",
                     bbox={"boxstyle": "round", "facecolor": "#e8eef8", "edgecolor": "#4a6fa5"})
             for x, text in zip(xs, texts)]
    steps = ["$W^{[1]}X + b^{[1]}$", "relu", "$W^{[2]}A^{[1]} + b^{[2]}$", "softmax"]
    for source, target, x, step in zip(boxes, boxes[1:], (xs[:-1] + xs[1:]) / 2, steps):
        connect(ax, source, target)
        ax.text(x, 2.0, step, ha="center")
    ax.text(WIDTH / 2, 0.6, f"$W^{{[1]}}$: ({n1}, {n0}), $b^{{[1]}}$: ({n1}, 1);   "
            f"$W^{{[2]}}$: ({n2}, {n1}), $b^{{[2]}}$: ({n2}, 1)", ha="center")
    ax.text(WIDTH / 2, 0.15, "one example per column: all m columns go through each step at once",
            ha="center", color="#555")
    return fig


@figure("forward-relu")
@styled
def relu_and_secant(lab=None, eps=0.5):
    """ReLU and its derivative, and the central difference across the corner at 0; one key below."""
    fig = Figure(figsize=(WIDTH, 3.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    z = np.linspace(-2, 2, 401)
    left.plot(z, np.maximum(z, 0), label="relu(z)")
    for ax in (left, right):
        ax.plot(z, (z > 0).astype(float), "--", color="C1", label="relu'(z), with relu'(0) = 0")
    secant = (np.maximum(z + eps, 0) - np.maximum(z - eps, 0)) / (2 * eps)
    right.plot(z, secant, color="C2", label=f"central difference, ε = {eps:g}")
    right.axvspan(-eps, eps, color="#f3e3c3", alpha=0.6, label="|z| < ε")
    left.set(xlabel="z", title="ReLU and its derivative")
    right.set(xlabel="z", title="Central difference")
    handles = [left.lines[0], left.lines[1], *right.lines[1:], *right.patches]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig
