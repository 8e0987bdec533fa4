r"""The book modules: one per page that shows a measurement, named like the page.

`pages/minibatch.py` holds everything `docs/minibatch.md` shows that comes
from running code: its experiments, its figures and the numbers it quotes,
each registered where it is defined with the decorators of
`primitive_nn.machinery.lab`. The book command imports every module here
(`lab.load_pages`), so a new page's module needs no line anywhere else.

This file holds only how the book writes numbers for the pages to quote:
percentages rounded for display, spreads over seeds, comparisons by the
book's rule, small numbers in one format.
"""

import numpy as np

from primitive_nn.machinery.runs import summarize
from primitive_nn.measurement import is_real, paired_difference


def pct(x):
    """An accuracy as a percentage rounded for display: 0.86364 -> 86.36; a tiny negative
    difference rounds to 0.0, not -0.0.

    Examples
    --------
    >>> pct(0.86364), pct(None), pct(-0.00003)
    (86.36, None, 0.0)
    """
    return None if x is None else round(100 * x, 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def spread(runs, key):
    """Mean, sd, min and max of `key` over run summaries, in percent.

    Examples
    --------
    >>> spread([{"dev_accuracy": 0.8}, {"dev_accuracy": 0.9}], "dev_accuracy")
    {'mean': 85.0, 'sd': 7.07, 'min': 80.0, 'max': 90.0}
    """
    s = summarize([r[key] for r in runs])
    return {"mean": pct(s["mean"]), "sd": pct(s["sd"]), "min": pct(s["min"]), "max": pct(s["max"])}


def over_seeds(runs):
    """Train, dev and test accuracy over seeds as mean and sd in percent, the median time, the count.

    Examples
    --------
    >>> runs = [{"seed": s, "train_accuracy": 0.9, "dev_accuracy": d, "test_accuracy": d,
    ...          "wall_seconds": t} for s, d, t in ((0, 0.80, 2.0), (1, 0.90, 3.0), (2, 0.85, 9.0))]
    >>> out = over_seeds(runs)
    >>> out["seeds"], out["dev"], out["dev_sd"], out["train_sd"], out["seconds"]
    (3, 85.0, 5.0, 0.0, 3.0)
    """
    out = {"seeds": len(runs)}
    for split in ("train", "dev", "test"):
        s = spread(runs, f"{split}_accuracy")
        out[split], out[f"{split}_sd"] = s["mean"], s["sd"]
    return {**out, "seconds": round(float(np.median([r["wall_seconds"] for r in runs])), 1)}


def compared(runs_a, runs_b, n_images, split="test"):
    """Setting a against setting b, paired by seed, by the book's rule (`measurement.is_real`).

    Returns the mean difference a - b in points, its paired t, and `real`:
    "yes", "no", or "too few seeds" below three.

    Examples
    --------
    >>> a = [{"seed": s, "test_accuracy": x} for s, x in enumerate((0.981, 0.975, 0.979))]
    >>> b = [{"seed": s, "test_accuracy": x} for s, x in enumerate((0.978, 0.972, 0.975))]
    >>> compared(a, b, 10_000)
    {'difference': 0.33, 't': 10.0, 'real': 'yes'}
    """
    a, b = ([r[f"{split}_accuracy"] for r in sorted(runs, key=lambda r: r["seed"])]
            for runs in (runs_a, runs_b))
    if sorted(r["seed"] for r in runs_a) != sorted(r["seed"] for r in runs_b):
        raise ValueError("a paired comparison needs the same seeds for both settings")
    if len(a) < 3:
        return {"difference": pct(float(np.mean(a)) - float(np.mean(b))), "t": None,
                "real": "too few seeds"}
    d = paired_difference(a, b)
    return {"difference": pct(d["mean"]), "t": round(d["t"], 1),
            "real": "yes" if is_real(a, b, n_images) else "no"}


def final(run):
    """A run summary's final accuracies in percent, and its time in seconds."""
    return {"train": pct(run["train_accuracy"]), "dev": pct(run["dev_accuracy"]),
            "test": pct(run["test_accuracy"]), "seconds": round(run["wall_seconds"], 1)}


def sci(x):
    """A small positive number in one fixed format.

    Examples
    --------
    >>> sci(1.5e-9)
    '1.5e-09'
    """
    return f"{x:.1e}"
