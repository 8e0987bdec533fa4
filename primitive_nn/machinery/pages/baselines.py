r"""The book module of "Baselines": chance, and softmax regression full batch and in mini-batches."""

from dataclasses import replace

from primitive_nn.baselines import majority_accuracy, uniform_guess_accuracy
from primitive_nn.machinery.figures import learning_curves
from primitive_nn.machinery.lab import experiment, figure, quoted
from primitive_nn.machinery.pages import compared, pct, spread
from primitive_nn.machinery.pages.training import example_history
from primitive_nn.machinery.recipes import PART2, PART2_SEEDS, RECIPES
from primitive_nn.machinery.runs import summary

LINEAR = {"linear": RECIPES["linear"].recipe,  # the seed's budget, and Part II's mini-batches
          "linear_minibatch": replace(PART2, layers=(784, 10), init="zero", epochs=10, batch_size=64,
                                      alpha=0.1)}


@experiment("baselines", "chance, softmax regression full batch and in mini-batches")
def baselines(lab):
    mnist = lab.mnist
    numbers = {"uniform_guess": uniform_guess_accuracy(),
               "majority": majority_accuracy(mnist.train_labels, mnist.test_labels)}
    for name, recipe in LINEAR.items():
        numbers[name] = [summary(lab.train(lab.scaled(replace(recipe, seed=s)), f"{name}, seed {s}"))
                         for s in lab.seeds(PART2_SEEDS)]
    return numbers, {}


@figure("baselines-curves")
def curves_figure(lab):
    base, _ = lab.result("baselines")
    return learning_curves({"seed (uniform start)": example_history(lab, "corrected"),
                            "seed, He's start": example_history(lab, "he"),
                            "softmax regression": base["linear"][0]["history"]},
                           guess_line=True)


@quoted("part2")
def baseline_numbers(lab):
    base, _ = lab.result("baselines")
    return {"baselines": {
        "uniform_guess": pct(base["uniform_guess"]), "majority": pct(base["majority"]),
        **{name: {"test": spread(base[name], "test_accuracy"),
                  "train": spread(base[name], "train_accuracy"),
                  "first": {"seed": base[name][0]["seed"], "test": pct(base[name][0]["test_accuracy"])}}
           for name in LINEAR},
        "compared": baseline_comparisons(lab)}}


def baseline_comparisons(lab):
    """The linear model against the seed's network under each start, paired over the ladder's seeds."""
    ladder, _ = lab.result("ladder")
    n_test = len(lab.mnist.test_labels)
    return {"linear_vs_seed": compared(ladder["linear"]["runs"], ladder["seed"]["runs"], n_test),
            "he_vs_linear": compared(ladder["he"]["runs"], ladder["linear"]["runs"], n_test)}
