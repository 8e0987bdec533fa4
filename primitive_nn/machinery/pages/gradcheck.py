r"""The book module of "Checking gradients numerically".

`gradient_check`: the chapter's check on a small float64 network, at the
start and after 50 steps, for the corrected backward pass and the seed's,
and its error against the step $\varepsilon$.
"""

import numpy as np
from matplotlib.figure import Figure

from primitive_nn import seed
from primitive_nn.gradcheck import (EPS, check_gradients, descend, elementwise_relative_error,
                                    loss, numerical_gradient)
from primitive_nn.loss import one_hot
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import sci
from primitive_nn.network import backward, forward, init_params


def small_problem(rng):
    """The gradient check's network and data: 20-8-10, 30 random examples, float64."""
    params = init_params([20, 8, 10], rng)
    return params, rng.random((20, 30)), one_hot(rng.integers(0, 10, 30))


@experiment("gradient_check", "the gradient check: both backward passes, after training, against eps")
def gradient_check(lab):
    params, X, Y = small_problem(np.random.default_rng(0))
    trained = descend(params, X, Y, steps=50, alpha=0.5)
    numbers = {"start": {"corrected": check_gradients(params, X, Y),
                         "seed": check_gradients(params, X, Y, backprop=seed.backward_seed)},
               "trained": {"corrected": check_gradients(trained, X, Y),
                           "loss_start": loss(params, X, Y), "loss_trained": loss(trained, X, Y)}}
    eps = [10.0 ** -k for k in range(1, 11)]
    numbers["sweep"] = {"eps": eps}
    for name, point in (("start", params), ("trained", trained)):
        grads = backward(point, forward(point, X), Y)
        numbers["sweep"][name] = {
            p: [float(elementwise_relative_error(grads["d" + p],
                                                 numerical_gradient(point, p, X, Y, e)).max())
                for e in eps] for p in point}
    return numbers, {}


@styled
def gradcheck_vs_epsilon(eps, errors, best=None):
    """Relative error of the gradient check against the step ε, one line per parameter (log-log)."""
    fig = Figure(figsize=(WIDTH, 3.9), layout="constrained")
    ax = fig.subplots()
    for name, values in errors.items():
        ax.loglog(eps, values, marker="o", label=name)
    if best is not None:
        ax.axvline(best, color="#888", linestyle=":", label=f"the step used, ε = {best:.0e}")
    ax.axhline(1e-7, color="#a33", linestyle="--", label="threshold 1e-7")
    ax.set(xlabel="step ε", ylabel="worst element-wise relative error",
           title="Truncation error falls as ε², rounding as 1/ε")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


@figure("gradcheck-epsilon")
def epsilon_figure(lab):
    sweep = lab.result("gradient_check")[0]["sweep"]
    return gradcheck_vs_epsilon(sweep["eps"], {
        f"{p}, {point}": sweep[point][p] for point in ("start", "trained") for p in ("W1", "b2")},
        best=EPS)


@quoted()
def check_numbers(lab):
    check, _ = lab.result("gradient_check")
    return {"gradient_check": {
        "corrected": {k: sci(v) for k, v in check["start"]["corrected"].items()},
        "seed": {k: sci(v) for k, v in check["start"]["seed"].items()},
        "trained": {k: sci(v) for k, v in check["trained"]["corrected"].items()},
        "loss_start": round(check["trained"]["loss_start"], 3),
        "loss_trained": round(check["trained"]["loss_trained"], 3)}}
