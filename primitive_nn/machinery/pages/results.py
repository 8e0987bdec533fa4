r"""The book module of "Results of Part I": what the example run's network learned."""

import numpy as np
from matplotlib.figure import Figure

from primitive_nn import data
from primitive_nn.calibration import confusion_matrix
from primitive_nn.machinery.figures import WIDTH, digit_grid, styled
from primitive_nn.machinery.lab import figure, quoted
from primitive_nn.machinery.pages import pct
from primitive_nn.machinery.pages.initialization import training_split
from primitive_nn.machinery.pages.seed import example_run
from primitive_nn.network import forward, predict


def test_set(lab):
    """The official test images as columns, and their labels."""
    return data.to_columns(lab.mnist.test_images), lab.mnist.test_labels


@figure("results-predictions")
def predictions_figure(lab):
    X_test, y_test = test_set(lab)
    params = example_run(lab).params
    return digit_grid(X_test, y_test, count=30, cols=6, predicted=predict(params, X_test[:, :30]))


@styled
def hidden_weights(W1, title="change in each hidden unit's weights"):
    """Each row of W1 as a 28x28 image on one symmetric red-blue scale, with a colorbar."""
    n_h = W1.shape[0]
    cols = min(n_h, 5)
    rows = -(-n_h // cols)
    fig = Figure(figsize=(WIDTH, 1.15 * rows + 0.3), layout="constrained")
    limit = float(np.abs(W1).max())
    axes = np.ravel(fig.subplots(rows, cols))
    for unit, ax in enumerate(axes):
        ax.set_axis_off()
        if unit < n_h:
            image = ax.imshow(W1[unit].reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"unit {unit}")
    fig.colorbar(image, ax=list(axes), shrink=0.8, label=title)
    return fig


@figure("results-hidden-weights")
def hidden_weights_figure(lab):
    he = example_run(lab, "he")
    return hidden_weights(he.params["W1"] - he.initial_params["W1"],
                          "change of each weight, start to end")


@quoted("results")
def hidden_units(lab):
    """How far each hidden unit's weights moved, and how often the one that moved least was active."""
    he = example_run(lab, "he")
    X, _ = training_split(he.recipe, lab.mnist)
    moved = np.linalg.norm(he.params["W1"] - he.initial_params["W1"], axis=1)  # (n_h,)
    active = {when: (forward(params, X.astype(params["W1"].dtype))["A1"] > 0).mean(axis=1)
              for when, params in (("start", he.initial_params), ("end", he.params))}
    still = int(moved.argmin())
    others = np.delete(moved, still)
    return {"hidden": {"still_unit": still, "times_less": round(float(others.min() / moved[still]), 1),
                       "active_start": pct(active["start"][still]),
                       "active_end": pct(active["end"][still]),
                       "others_active_min": pct(np.delete(active["end"], still).min())}}


@styled
def confusion_figure(C):
    """The mistakes of a confusion matrix: each row's off-diagonal share, in percent.

    The diagonal (the correct answers) is left blank, so the colour scale is
    spent on the errors, which are what the chapter discusses.
    """
    rates = 100 * C / C.sum(axis=1, keepdims=True)     # percent of each true digit
    errors = np.where(np.eye(len(C), dtype=bool), np.nan, rates)
    fig = Figure(figsize=(WIDTH * 0.85, 4.9), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(errors, cmap="Reds", vmin=0)
    for (t, p), rate in np.ndenumerate(rates):
        ax.text(p, t, f"{rate:.0f}", ha="center", va="center", color="#555" if t == p else "black")
    ax.set(xlabel="predicted digit", ylabel="true digit", xticks=range(10), yticks=range(10),
           title="Where each digit's test images went, in %")
    fig.colorbar(image, ax=ax, shrink=0.8, label="% of the true digit, mistakes only")
    return fig


@figure("results-confusion")
def confusion_matrix_figure(lab):
    X_test, y_test = test_set(lab)
    return confusion_figure(confusion_matrix(predict(example_run(lab).params, X_test), y_test))


@styled
def misclassified_gallery(params, X, labels, count=20, cols=5):
    """The first `count` columns of X that the network gets wrong, with "predicted/true" titles."""
    predicted = predict(params, X)
    wrong = np.flatnonzero(predicted != labels)[:count]
    return digit_grid.__wrapped__(X[:, wrong], labels[wrong], count=len(wrong), cols=cols,
                                  predicted=predicted[wrong])


@figure("results-misclassified")
def misclassified_figure(lab):
    X_test, y_test = test_set(lab)
    return misclassified_gallery(example_run(lab).params, X_test, y_test)
