r"""The book module of "Batch normalization": one trained layer's pre-activations, before and after.

Nothing here trains. The figure takes the MLP of Part IV's first rung
(`pages/convnet.py`: 784-800-800-10 trained as the convnet is, seed 0,
cached) and the first `BATCH` training images, and draws the first layer's
pre-activations $Z^{[1]}$ of a few units over that batch, as the layer
finds them and after `batchnorm_forward` with $\gamma = 1$, $\beta = 0$.
"""

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.batchnorm import batchnorm_forward
from primitive_nn.data import to_columns
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import figure
from primitive_nn.machinery.pages.convnet import rung_runs

BATCH = 64       # the convnet recipe's batch size
UNITS = 8        # the first units of the first hidden layer


@styled
def standardized_figure(Z):
    """Each unit's values over the batch, Z (UNITS, m): as they are, and standardized."""
    n = len(Z)
    Zhat, _ = batchnorm_forward(Z, np.ones((n, 1)), np.zeros((n, 1)))
    fig = Figure(figsize=(WIDTH, 3.0), layout="constrained")
    axes = fig.subplots(1, 2, sharey=False)
    rng = np.random.default_rng(0)  # the dots' sideways jitter only
    for ax, values, title in ((axes[0], Z, "$Z^{[1]}$, as trained"),
                              (axes[1], Zhat, r"$\hat{Z}^{[1]}$, standardized")):
        for i, row in enumerate(values):
            ax.plot(i + 1 + rng.uniform(-0.25, 0.25, row.size), row, ".", ms=2.5, alpha=0.6)
        ax.axhline(0, color="0.6", lw=0.8)
        ax.set(title=title, xlabel="unit", xticks=range(1, n + 1))
    axes[0].set_ylabel("value over the batch")
    return fig


@figure("batchnorm-standardized")
def standardized(lab):
    run = rung_runs(lab, "mlp")[0]
    X = to_columns(lab.mnist.train_images[:BATCH], dtype=np.float32)     # (784, 64)
    Z1 = run.params["W1"] @ X + run.params["b1"]                          # (800, 64)
    return standardized_figure(Z1[:UNITS].astype(np.float64))
