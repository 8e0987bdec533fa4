r"""The book module of "The forward pass": the network drawn as matrices, and ReLU's corner."""

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import figure


@figure("forward-network")
@styled
def network_diagram(lab=None, layer_sizes=(784, 10, 10)):
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


@figure("forward-relu")
@styled
def relu_and_secant(lab=None, eps=0.5):
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
    right.plot(z, secant, label="difference")
    right.axvspan(-eps, eps, color="#f3e3c3", alpha=0.6, label="|z| < ε")
    right.set(xlabel="z", title=f"(relu(z+ε) − relu(z−ε)) / 2ε, ε = {eps:g}")
    right.legend(loc="center right", frameon=False)  # where z > ε: nothing drawn there but 1
    return fig
