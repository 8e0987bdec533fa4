r"""The command that regenerates the book's results: every figure and every quoted number.

```text
python -m primitive_nn.book                  # every experiment, cached ones reused
python -m primitive_nn.book --list           # the experiments, and how long each took
python -m primitive_nn.book --rerun defects  # run one experiment again, redraw everything
python -m primitive_nn.book --fresh          # run everything again (about three hours on 2 cores)
```

The command knows no chapter by name. It imports every book module in
`primitive_nn.machinery.pages` (`lab.load_pages`), runs every experiment
they registered through `primitive_nn.machinery.lab` (cached in
`.cache/book/`), and then writes what they registered:

* `docs/figures/*.png`, the chapters' figures;
* `docs/results.json`, every number the pages quote, each book module's
  numbers at the key it named. A MkDocs hook (`book/hooks.py`) replaces
  each placeholder in the pages with the value at that key, and fails the
  build on a key that does not exist. Values are rounded for display when
  written (percentages to two decimals), so the pages quote them as they are;
* the networks shipped in the package (`primitive_nn/models/`), which
  `python -m primitive_nn.predict` and the "Try it" page use;
* `primitive_nn/machinery/reference.json`, the spreads over seeds that
  `python -m primitive_nn.train` quotes after a run of the same settings
  (`primitive_nn.machinery.report`).

`--smoke` runs every experiment at a toy scale (one seed, an epoch or two,
a few thousand images): it checks that the command still produces every
file and key, in a minute or two, and its numbers mean nothing. The tests
use it; never commit what it writes.
"""

import sys
import time
from pathlib import Path

from primitive_nn import __version__
from primitive_nn.errors import PrimitiveNNError
from primitive_nn.machinery import figures, files, lab, models, progress, report
from primitive_nn.machinery.cli import Parser, command
from primitive_nn.machinery.fetch import CACHE_ENV
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.machinery.runs import parse_seeds

RUNS_DIR = Path(".cache") / "book"


def parse_args(argv):
    p = Parser(prog="python -m primitive_nn.book", description=(
        "Regenerate the book's results: every figure and every quoted number. It rewrites "
        "committed files (docs/figures, docs/results.json, the shipped networks and the train "
        "command's reference.json); the whole run, with nothing cached, takes about three hours on "
        "2 cores. Cached experiments are reused: --list shows them."))
    p.add_argument("--seeds", default="0-9", help="seeds of the seed study")
    p.add_argument("--rerun", metavar="NAME[,NAME]",
                   help="run these experiments (and their runs) again even if cached")
    p.add_argument("--fresh", action="store_true", help="run every experiment and every run again")
    p.add_argument("--list", action="store_true", help="list the experiments and stop")
    p.add_argument("--smoke", action="store_true",
                   help="a toy-scale rehearsal: every file and key, meaningless numbers")
    p.add_argument("--docs", type=Path, default=Path("docs"), help="the book's docs folder")
    p.add_argument("--reference", type=Path, default=report.REFERENCE,
                   help="where to write the seed spreads that the train command quotes")
    p.add_argument("--models", type=Path, default=models.MODELS_DIR,
                   help="where to write the networks that predict and the Try-it page use")
    p.add_argument("--runs-dir", type=Path, default=RUNS_DIR,
                   help="where experiments and runs are cached")
    p.add_argument("--cache-dir", type=Path,
                   help=f"where MNIST is cached (default: ${CACHE_ENV}, else ~/.cache/primitive_nn)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p.parse_args(argv)


@command
def main(argv=None):
    args = parse_args(argv)
    lab.load_pages()
    if args.list:
        print("\n".join(_listing(args.runs_dir)))
        return 0
    start = time.perf_counter()
    the_lab = _lab(args)
    for name in lab.EXPERIMENTS:
        the_lab.result(name)
        print(f"{name}: {the_lab.seconds(name):.0f} s")
    command_line = " ".join(["python -m primitive_nn.book",
                             *(argv if argv is not None else sys.argv[1:])])
    written = [*write_networks(the_lab, args.models), *write_figures(the_lab, args.docs / "figures"),
               write_results(the_lab, args.docs / "results.json", command_line),
               write_reference(the_lab, args.reference, command_line)]
    for path in written:
        print(f"wrote {path}")
    print(f"total time {time.perf_counter() - start:.0f} s")
    return 0


def _lab(args):
    """Check the options and the output folders, load MNIST, and make the command's `Lab`."""
    seeds = parse_seeds(args.seeds)
    rerun = set(lab.EXPERIMENTS) if args.fresh else {n for n in (args.rerun or "").split(",") if n}
    unknown = rerun - set(lab.EXPERIMENTS)
    if unknown:
        raise PrimitiveNNError(f"unknown experiment {sorted(unknown)[0]!r} for --rerun; "
                               "--list names them")
    for folder, option in ((args.docs / "figures", "--docs"), (args.reference.parent, "--reference"),
                           (args.models, "--models"), (args.runs_dir, "--runs-dir")):
        files.prepare_output_dir(folder, option)
    mnist = load_mnist(cache_dir=args.cache_dir, progressbar=progress.bars_wanted(args.quiet))
    settings = {"seeds": seeds, **({"smoke": True} if args.smoke else {})}
    return lab.Lab(mnist, settings, args.runs_dir, rerun, args.quiet)


def write_networks(the_lab, models_dir):
    """Write every registered network into `models_dir`; return the paths."""
    return [models.write_shipped(name, *entry.function(the_lab), models_dir=models_dir)
            for name, entry in lab.NETWORKS.items()]


def write_figures(the_lab, folder):
    """Draw and save every registered figure into `folder`; return the paths."""
    return [figures.save(entry.function(the_lab), Path(folder) / f"{name}.png")
            for name, entry in lab.FIGURES.items()]


def write_results(the_lab, path, command_line):
    """Write results.json: the command's settings, then every book module's numbers at its key."""
    results = {"command": command_line, "version": __version__,
               "data_sha256": the_lab.mnist.sha256, "seeds": the_lab.settings["seeds"],
               "n_seeds": len(the_lab.settings["seeds"]),
               "experiment_seconds": {name: the_lab.seconds(name) for name in lab.EXPERIMENTS},
               "experiment_table": experiment_table(the_lab)}
    for entry in lab.QUOTED.values():
        merge(results, entry.name, entry.function(the_lab))
    files.write_json(path, results)
    return path


def experiment_table(the_lab):
    """Each experiment, its page and how long it took, as a Markdown table for the pages."""
    rows = [f"| `{name}` | [{entry.page}]({entry.page}.md) | {entry.about} | "
            f"{the_lab.seconds(name):.0f} |" for name, entry in lab.EXPERIMENTS.items()]
    total = sum(the_lab.seconds(name) for name in lab.EXPERIMENTS)
    return "\n".join(["| experiment | page | what it runs | seconds |", "|---|---|---|---|", *rows,
                      f"| all | | {total / 60:.0f} minutes | {total:.0f} |"])


def write_reference(the_lab, path, command_line):
    """Write the train command's reference.json from every registered part of it."""
    reference = {"command": command_line}
    for entry in lab.REFERENCES.values():
        merge(reference, "", entry.function(the_lab))
    files.write_json(path, reference)
    return path


def merge(tree, path, values):
    """Put `values` into `tree` at the dotted key `path`, merging dicts; a value set twice is an error.

    Examples
    --------
    >>> tree = {"part2": {"ladder": 1}}
    >>> merge(tree, "part2", {"minibatch": 2}); tree
    {'part2': {'ladder': 1, 'minibatch': 2}}
    >>> merge(tree, "", {"part2": {"schedules": 3}}); tree["part2"]
    {'ladder': 1, 'minibatch': 2, 'schedules': 3}
    """
    node = tree
    for part in filter(None, path.split(".")):
        node = node.setdefault(part, {})
    for key, value in values.items():
        where = f"{path}.{key}" if path else key
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            merge(tree, where, value)
        elif key in node:
            raise ValueError(f"two book modules write the key {where}")
        else:
            node[key] = value


def _listing(runs_dir):
    """One line per experiment: its name, its page, how long it took when cached, what it does."""
    lines = []
    for name, entry in lab.EXPERIMENTS.items():
        cached = Path(runs_dir) / f"{name}.json"
        took = f"{files.read_json(cached)['seconds']:.0f} s" if cached.is_file() else "not run"
        lines.append(f"{name:16s} {entry.page:16s} {took:>8s}  {entry.about}")
    return lines
