r"""Progress bars, drawn only where someone is watching.

A bar redraws itself in place on a terminal. Written to a file or a pipe,
the same bar becomes a new line for every update, and a log of
`python -m primitive_nn.book` would run to thousands of lines of them. So
bars are drawn only when stderr is a terminal; the lines a command prints
on purpose (a record every 10 iterations, a summary) are printed either way.
"""

import contextlib
import sys

from tqdm import tqdm


def bars_wanted(quiet=False):
    """True if progress bars should be drawn: not `quiet`, and stderr is a terminal."""
    return not quiet and sys.stderr.isatty()


def bar(total, desc, quiet=False, unit="it"):
    """A tqdm bar on stderr that clears itself when closed; a silent one if not wanted."""
    return tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr,
                disable=not bars_wanted(quiet))


@contextlib.contextmanager
def training(total, label, unit, quiet=False, print_records=False):
    """Yield `on_record(step, record)` for a training loop, or None when nobody watches.

    With a `label`, a bar so labelled counts `total` iterations or epochs
    (`unit`); with `print_records`, each record (not None) is printed as a
    line on stdout, unless `quiet`.
    """
    if label is None and not print_records:
        yield None
        return
    progress = bar(total, label, quiet, unit=unit)

    def on_record(step, record):
        progress.update(1)
        if record is not None and print_records and not quiet:
            progress.write(record_line(record), file=sys.stdout)
    try:
        yield on_record
    finally:
        progress.close()


def record_line(record):
    """One history record as a line: where, loss, train accuracy, dev accuracy if measured.

    Examples
    --------
    >>> record_line({"unit": "epoch", "epoch": 3, "loss": 0.1234, "train_accuracy": 0.97,
    ...              "dev_accuracy": 0.96})
    'epoch    3   loss 0.1234   train accuracy 0.9700   dev accuracy 0.9600'
    """
    unit = record["unit"]
    line = (f"{unit} {record[unit]:4d}   loss {record['loss']:.4f}   "
            f"train accuracy {record['train_accuracy']:.4f}")
    if "dev_accuracy" in record and unit == "epoch":
        line += f"   dev accuracy {record['dev_accuracy']:.4f}"
    return line
