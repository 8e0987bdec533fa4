r"""The book module of "Ensembles": conv-bn networks in pairs, averaged, over Part II's seeds.

* `ensemble` trains, for each of Part II's seeds, the members of the
  `conv-ensemble` recipe: member 0 is the conv-bn recipe's own run (the
  same run as `bn_conv`'s, trained once), member 1 a second network from
  the same split. It averages each pair (`runs.ensemble_of`) and measures,
  on the test set, what the chapter derives: the cross-entropy of the
  average against the members', the squared error against the members'
  less their ambiguity, and the digits where the members disagree.
* The quoted numbers compare the ensemble with its first member, paired by
  seed, on dev and on test, and name `conv-best`: the ensemble if its mean
  dev accuracy is above that of the single networks it is made of, else
  those, `conv-bn`, the convnet chapter's choice among the variants of
  `conv` (tests hold the recipes to both choices).
"""

from dataclasses import replace

import numpy as np

from primitive_nn import data
from primitive_nn.ensemble import ambiguity, average, squared_error
from primitive_nn.loss import cross_entropy, one_hot
from primitive_nn.machinery.figures import grid_figure, show_image, styled
from primitive_nn.machinery.lab import experiment, figure, quoted, reference
from primitive_nn.machinery.pages import compared, over_seeds, pct
from primitive_nn.machinery.pages.convnet import TARGET
from primitive_nn.machinery.recipes import CONVNETS, PART2_SEEDS
from primitive_nn.machinery.report import reference_entry
from primitive_nn.machinery.runs import ensemble_of, member_recipes, probabilities, summary

ENSEMBLE = CONVNETS["conv-ensemble"].recipe
BASE = CONVNETS["conv-ensemble"].after  # the recipe whose networks it averages: conv-bn
SHOWN = 12  # digits of the figure: the first test digits where the seed-0 members disagree


def members_by_seed(lab):
    """`{seed: [Run of each member]}` of the ensemble recipe over Part II's seeds, trained together."""
    seeds = lab.seeds(PART2_SEEDS)
    wanted = [(lab.scaled(one), f"conv-ensemble, seed {s}, member {one.member + 1}")
              for s in seeds for one in member_recipes(replace(ENSEMBLE, seed=s))]
    trained = iter(lab.train_all(wanted))
    return {s: [next(trained) for _ in range(ENSEMBLE.members)] for s in seeds}


def measured_on_test(P, labels):
    """What the chapter derives, measured on the test set: `P` (K, 10, m) the members' probabilities."""
    Y, P_bar = one_hot(labels, 10, np.float64), average(P)
    answers, ensemble_answer = P.argmax(axis=1), P_bar.argmax(axis=0)  # (K, m), (m,)
    disagree = np.any(answers != answers[0], axis=0)
    all_right = np.all(answers == labels, axis=0)
    return {"loss_members": float(np.mean([cross_entropy(p, Y) for p in P])),
            "loss_ensemble": cross_entropy(P_bar, Y),
            "brier_members": float(np.mean([squared_error(p, Y) for p in P])),
            "ambiguity": ambiguity(P), "brier_ensemble": squared_error(P_bar, Y),
            "disagree": int(disagree.sum()),
            "disagree_right": [int(np.sum(disagree & (a == labels))) for a in answers],
            "disagree_ensemble_right": int(np.sum(disagree & (ensemble_answer == labels))),
            "all_right_ensemble_wrong": int(np.sum(all_right & (ensemble_answer != labels)))}


@experiment("ensemble", "conv-bn's run and a second network for each of 3 seeds, averaged; the "
                        "test set's loss, squared error and disagreements")
def ensemble(lab):
    X_test = data.to_columns(lab.mnist.test_images, ENSEMBLE.dtype)
    labels = lab.mnist.test_labels.astype(int)
    numbers, arrays = {"ensembles": [], "members": [], "test": []}, {}
    for s, members in members_by_seed(lab).items():
        recipe = lab.scaled(replace(ENSEMBLE, seed=s))
        numbers["ensembles"].append(summary(ensemble_of(recipe, members, lab.mnist), history=False))
        numbers["members"].append([summary(m, history=False) for m in members])
        P = np.stack([probabilities(m.params, X_test, recipe) for m in members]).astype(np.float64)
        numbers["test"].append(measured_on_test(P, labels))
        if not arrays:
            arrays["P"] = P.astype(np.float32)  # the first seed's, for the figure
    return numbers, arrays


@reference()
def ensemble_reference(lab):
    """The ensemble over Part II's seeds, for `python -m primitive_nn.train --recipe conv-ensemble`."""
    numbers, _ = lab.result("ensemble")
    return {"recipes": {"part IV conv-ensemble": reference_entry(lab.scaled(ENSEMBLE),
                                                                 numbers["ensembles"])}}


def seeds_table(ensembles, members):
    """Each seed's dev and test accuracy: each member alone, and the two averaged."""
    K = len(members[0])
    rows = ["| seed | " + " | ".join(f"member {k + 1}, dev / test" for k in range(K)) +
            " | ensemble, dev / test | minutes |", "|---" * (K + 3) + "|"]
    for e, ms in zip(ensembles, members):
        rows.append(f"| {e['seed']} | " + " | ".join(
            f"{pct(m['dev_accuracy']):.2f} / {pct(m['test_accuracy']):.2f}" for m in ms) +
            f" | {pct(e['dev_accuracy']):.2f} / {pct(e['test_accuracy']):.2f} | "
            f"{e['wall_seconds'] / 60:.1f} |")
    return "\n".join(rows)


def mean_of(tests, key, digits=4):
    """The mean over the seeds of one test measure."""
    return round(float(np.mean([t[key] for t in tests])), digits)


@quoted("ensemble")
def ensemble_numbers(lab):
    """The ensemble against its members, the chapter's guarantees on test, and `conv-best`."""
    numbers, _ = lab.result("ensemble")
    ensembles, members, tests = numbers["ensembles"], numbers["members"], numbers["test"]
    first = [ms[0] for ms in members]
    n_dev, n_test = ENSEMBLE.dev_size, len(lab.mnist.test_labels)
    out = {"members": ENSEMBLE.members, "seeds": len(ensembles), "target": pct(TARGET),
           "ensemble": {**over_seeds(ensembles), "minutes": round(float(np.median(
               [e["wall_seconds"] for e in ensembles])) / 60, 1)},
           "first": over_seeds(first), "second": over_seeds([ms[1] for ms in members]),
           "dev_vs_first": compared(ensembles, first, n_dev, "dev"),
           "test_vs_first": compared(ensembles, first, n_test),
           "table": seeds_table(ensembles, members)}
    out["met"] = "yes" if out["ensemble"]["test"] >= out["target"] and \
        out["ensemble"]["minutes"] <= 30 else "no"
    out["chosen"] = "conv-ensemble" if out["ensemble"]["dev"] > out["first"]["dev"] else BASE
    out["test"] = {key: mean_of(tests, key) for key in
                   ("loss_members", "loss_ensemble", "brier_members", "ambiguity", "brier_ensemble")}
    out["test"]["ambiguity_share"] = pct(out["test"]["ambiguity"] / out["test"]["brier_members"])
    out["test"]["loss_never_worse"] = "yes" if all(t["loss_ensemble"] <= t["loss_members"]
                                                   for t in tests) else "no"
    out["test"]["all_right_ensemble_wrong"] = sum(t["all_right_ensemble_wrong"] for t in tests)
    out["disagree"] = {"counts": ", ".join(str(t["disagree"]) for t in tests),
                       "ensemble_right": ", ".join(str(t["disagree_ensemble_right"]) for t in tests),
                       **{f"member{k + 1}_right": ", ".join(str(t["disagree_right"][k]) for t in tests)
                          for k in range(ENSEMBLE.members)}}
    return out


@figure("ensemble-disagreements")
@styled
def disagreements(lab):
    """The first test digits where the seed-0 members disagree: each member's answer, the ensemble's."""
    P = lab.result("ensemble")[1]["P"]
    answers, ensemble_answer = P.argmax(axis=1), average(P).argmax(axis=0)
    shown = np.flatnonzero(np.any(answers != answers[0], axis=0))[:SHOWN]
    fig, axes = grid_figure(len(shown), 6, title_lines=2)
    labels = lab.mnist.test_labels
    for ax, j in zip(axes, shown):
        show_image(ax, lab.mnist.test_images[j],
                   f"{' / '.join(str(a) for a in answers[:, j])}\n→ {ensemble_answer[j]} ({labels[j]})")
        if ensemble_answer[j] != labels[j]:
            ax.title.set_color("red")
    return fig
