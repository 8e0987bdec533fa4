r"""The book module of "Softmax and cross-entropy": softmax under a shift and a scale."""

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.loss import softmax
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import figure


@figure("softmax-shift-scale")
@styled
def softmax_shift_scale(lab=None, z=(2.0, 1.0, 0.1)):
    """Softmax of a logit vector as it is shifted (no change) and scaled (sharper or flatter), 2 by 2."""
    z = np.asarray(z, dtype=float)
    cases = {"z": z, "z + 5": z + 5, "3 z": 3 * z, "z / 3": z / 3}
    fig = Figure(figsize=(WIDTH, 4.4), layout="constrained")
    for ax, (label, logits) in zip(np.ravel(fig.subplots(2, 2, sharey=True)), cases.items()):
        probs = softmax(logits[:, None])[:, 0]
        ax.bar(range(len(z)), probs, color=["#4a6fa5", "#7fa0cf", "#b9cbe6"])
        for k, p in enumerate(probs):
            ax.text(k, p + 0.02, f"{p:.2f}", ha="center")
        ax.set(title=f"softmax({label})", xticks=range(len(z)), ylim=(0, 1.1))
        ax.set_xticklabels([f"{v:.2g}" for v in logits])
        ax.set_xlabel("logits")
    return fig
