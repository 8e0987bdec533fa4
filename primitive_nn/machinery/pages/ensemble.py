r"""The book module of "Ensembles": conv-bn networks in pairs and threes, averaged, over Part II's seeds.

* `ensemble` trains, for each of Part II's seeds, the members of the
  `conv-ensemble-3` recipe: member 0 is the conv-bn recipe's own run (the
  same run as `bn_conv`'s, trained once), members 1 and 2 more networks
  from the same split. The first two are the `conv-ensemble` recipe's
  members, the same runs. It averages the pair and the three
  (`runs.ensemble_of`) and measures, on the test set, what the chapter
  derives for the pair: the cross-entropy of the average against the
  members', the squared error against the members' less their ambiguity,
  and the digits where the members disagree.
* The quoted numbers compare the pair with its first member and the three
  with the pair, paired by seed, on dev and on test, and name `conv-best`:
  of `conv-bn` (the convnet chapter's choice among the variants of `conv`),
  the pair and the three, the one with the highest mean dev accuracy, the
  fewer networks on a tie (tests hold the recipes to both choices).
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
TRIO = CONVNETS["conv-ensemble-3"].recipe  # one more member: the first two are ENSEMBLE's
BASE = CONVNETS["conv-ensemble"].after  # the recipe whose networks it averages: conv-bn
SHOWN = 12  # digits of the figure: the first test digits where the seed-0 members disagree


def members_by_seed(lab):
    """`{seed: [Run of each member]}` of the three-member recipe over Part II's seeds, trained together."""
    seeds = lab.seeds(PART2_SEEDS)
    wanted = [(lab.scaled(one), f"conv-ensemble-3, seed {s}, member {one.member + 1}")
              for s in seeds for one in member_recipes(replace(TRIO, seed=s))]
    trained = iter(lab.train_all(wanted))
    return {s: [next(trained) for _ in range(TRIO.members)] for s in seeds}


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


@experiment("ensemble", "conv-bn's run and two more networks for each of 3 seeds, averaged in "
                        "twos and threes; the pairs' loss, squared error and disagreements on test")
def ensemble(lab):
    X_test = data.to_columns(lab.mnist.test_images, ENSEMBLE.dtype)
    labels = lab.mnist.test_labels.astype(int)
    numbers, arrays = {"ensembles": [], "trios": [], "members": [], "test": []}, {}
    for s, members in members_by_seed(lab).items():
        recipe, trio = (lab.scaled(replace(r, seed=s)) for r in (ENSEMBLE, TRIO))
        pair = members[:ENSEMBLE.members]
        numbers["ensembles"].append(summary(ensemble_of(recipe, pair, lab.mnist), history=False))
        numbers["trios"].append(summary(ensemble_of(trio, members, lab.mnist), history=False))
        numbers["members"].append([summary(m, history=False) for m in members])
        P = np.stack([probabilities(m.params, X_test, recipe) for m in pair]).astype(np.float64)
        numbers["test"].append(measured_on_test(P, labels))
        if not arrays:
            arrays["P"] = P.astype(np.float32)  # the first seed's, for the figure
    return numbers, arrays


@reference()
def ensemble_reference(lab):
    """The ensembles over Part II's seeds, for `python -m primitive_nn.train --recipe conv-ensemble`
    and `--recipe conv-ensemble-3`."""
    numbers, _ = lab.result("ensemble")
    return {"recipes": {"part IV conv-ensemble": reference_entry(lab.scaled(ENSEMBLE),
                                                                 numbers["ensembles"]),
                        "part IV conv-ensemble-3": reference_entry(lab.scaled(TRIO),
                                                                   numbers["trios"])}}


def dev_test(run):
    """One table cell: a run summary's dev and test accuracy in %."""
    return f"{pct(run['dev_accuracy']):.2f} / {pct(run['test_accuracy']):.2f}"


def seeds_table(ensembles, trios, members):
    """Each seed's dev and test accuracy: each member alone, the first two averaged, all three."""
    K = len(members[0])
    rows = ["| seed | " + " | ".join(f"member {k + 1}" for k in range(K)) +
            " | members 1 and 2 averaged | all three averaged | minutes, two / three |",
            "|---" * (K + 4) + "|"]
    for e, t, ms in zip(ensembles, trios, members):
        rows.append(f"| {e['seed']} | " + " | ".join(dev_test(m) for m in ms) +
                    f" | {dev_test(e)} | {dev_test(t)} | "
                    f"{e['wall_seconds'] / 60:.1f} / {t['wall_seconds'] / 60:.1f} |")
    return "\n".join(rows)


def with_minutes(runs):
    """`over_seeds` of runs, single or ensembles, with their median time in minutes."""
    out = over_seeds(runs)
    return {**out, "minutes": round(out["seconds"] / 60, 1)}


def mean_of(tests, key, digits=4):
    """The mean over the seeds of one test measure."""
    return round(float(np.mean([t[key] for t in tests])), digits)


@quoted("ensemble")
def ensemble_numbers(lab):
    """The ensembles against their members, the chapter's guarantees on test, and `conv-best`."""
    numbers, _ = lab.result("ensemble")
    ensembles, trios, members = numbers["ensembles"], numbers["trios"], numbers["members"]
    tests, first = numbers["test"], [ms[0] for ms in members]
    n_dev, n_test = ENSEMBLE.dev_size, len(lab.mnist.test_labels)
    out = {"members": ENSEMBLE.members, "seeds": len(ensembles), "target": pct(TARGET),
           "ensemble": with_minutes(ensembles), "trio": with_minutes(trios),
           "first": with_minutes(first), "second": over_seeds([ms[1] for ms in members]),
           "third": over_seeds([ms[2] for ms in members]),
           "dev_vs_first": compared(ensembles, first, n_dev, "dev"),
           "test_vs_first": compared(ensembles, first, n_test),
           "trio_dev_vs_pair": compared(trios, ensembles, n_dev, "dev"),
           "trio_test_vs_pair": compared(trios, ensembles, n_test),
           "table": seeds_table(ensembles, trios, members)}
    candidates = {BASE: out["first"], "conv-ensemble": out["ensemble"], "conv-ensemble-3": out["trio"]}
    out["chosen"] = max(candidates, key=lambda name: candidates[name]["dev"])  # the first on a tie
    best = out["best"] = {key: candidates[out["chosen"]][key] for key in ("test", "test_sd", "minutes")}
    out["met"] = "yes" if best["test"] >= out["target"] and best["minutes"] <= 30 else "no"
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
