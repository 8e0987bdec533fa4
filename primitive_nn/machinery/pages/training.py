r"""The book module of "Gradient descent and training": a quadratic, and the example run's curves."""

import numpy as np
from matplotlib.figure import Figure

from primitive_nn.machinery.figures import WIDTH, learning_curves, styled
from primitive_nn.machinery.lab import figure
from primitive_nn.machinery.pages.seed import example_seed


@figure("training-quadratic")
@styled
def quadratic_descent(lab=None, curvatures=(1.0, 10.0), alphas=(0.05, 0.18, 0.21), steps=25):
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
        ax.set(title=f"α = {alpha:g}\nα·λmax = {alpha * max(curvatures):.2f}", xlabel="x",
               ylim=(-2.2, 2.2))
    fig.axes[0].set_ylabel("y")
    return fig


def example_history(lab, mode):
    """The history of `mode`'s run on the example seed, from the seed study."""
    study, _ = lab.result("notebook_seeds")
    return next(r for r in study[mode]["runs"] if r["seed"] == example_seed(lab))["history"]


@figure("training-curves")
def curves_figure(lab):
    return learning_curves({mode: example_history(lab, mode) for mode in ("corrected", "faithful")},
                           guess_line=True)
