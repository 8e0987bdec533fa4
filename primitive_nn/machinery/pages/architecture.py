r"""The book module of "Width and depth": 784-H-10 for H from 10 to 1024, and deeper networks."""

from dataclasses import replace

from matplotlib.figure import Figure

from primitive_nn.architecture import count_params
from primitive_nn.machinery.figures import WIDTH, styled
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import final
from primitive_nn.machinery.recipes import RECIPES
from primitive_nn.machinery.runs import summary

SHAPES = [(784, h, 10) for h in (10, 32, 128, 512, 1024)] + [(784, 256, 256, 10),
                                                            (784, 256, 256, 256, 10)]


@experiment("width_depth", "784-H-10 for H from 10 to 1024, and deeper networks")
def width_depth(lab):
    rows = []
    for layers in SHAPES:
        recipe = lab.scaled(replace(RECIPES["fast"].recipe, layers=layers))
        run = lab.train(recipe, "-".join(map(str, layers)))
        rows.append({"name": "-".join(map(str, layers[1:-1])), "layers": list(layers),
                     "params": count_params(layers), "seconds_per_epoch": run.wall_seconds / recipe.epochs,
                     **summary(run, history=False)})
    return {"rows": rows}, {}


@styled
def width_depth_figure(rows):
    """Accuracy against parameter count (log), train and dev, one point per network."""
    fig = Figure(figsize=(WIDTH, 3.0), layout="constrained")
    ax = fig.subplots()
    params = [r["params"] for r in rows]
    ax.semilogx(params, [r["train_accuracy"] for r in rows], "o", label="train")
    ax.semilogx(params, [r["dev_accuracy"] for r in rows], "s", label="dev")
    for r in rows:
        ax.annotate(r["name"], (r["params"], r["dev_accuracy"]), textcoords="offset points",
                    xytext=(4, -12))
    ax.set(xlabel="parameters", ylabel="accuracy", title="Width and depth")
    ax.legend(frameon=False)
    return fig


@figure("width-depth")
def accuracy_figure(lab):
    return width_depth_figure(lab.result("width_depth")[0]["rows"])


@quoted("part2")
def width_numbers(lab):
    rows = lab.result("width_depth")[0]["rows"]
    epoch_128 = next(r["seconds_per_epoch"] for r in rows if r["layers"] == [784, 128, 10])
    return {"width_depth": {"rows": [
        {"name": r["name"], "params": f"{r['params']:,}",
         "seconds_per_epoch": round(r["seconds_per_epoch"], 2),
         "time_vs_128": round(r["seconds_per_epoch"] / epoch_128, 2), **final(r)} for r in rows]}}
