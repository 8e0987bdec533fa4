r"""The book modules: one per page that shows a measurement, named like the page.

`pages/minibatch.py` holds everything `docs/minibatch.md` shows that comes
from running code: its experiments, its figures and the numbers it quotes,
each registered where it is defined with the decorators of
`primitive_nn.machinery.lab`. The book command imports every module here
(`lab.load_pages`), so a new page's module needs no line anywhere else.

This file holds only how the book writes numbers for the pages to quote:
percentages rounded for display, spreads over seeds, small numbers in one
format.
"""

from primitive_nn.machinery.runs import summarize


def pct(x):
    """An accuracy as a percentage rounded for display: 0.86364 -> 86.36.

    Examples
    --------
    >>> pct(0.86364), pct(None)
    (86.36, None)
    """
    return None if x is None else round(100 * x, 2)


def spread(runs, key):
    """Mean, sd, min and max of `key` over run summaries, in percent.

    Examples
    --------
    >>> spread([{"dev_accuracy": 0.8}, {"dev_accuracy": 0.9}], "dev_accuracy")
    {'mean': 85.0, 'sd': 7.07, 'min': 80.0, 'max': 90.0}
    """
    s = summarize([r[key] for r in runs])
    return {"mean": pct(s["mean"]), "sd": pct(s["sd"]), "min": pct(s["min"]), "max": pct(s["max"])}


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
