r"""The command that regenerates the book's results: every figure and every quoted number.

```text
python -m primitive_nn.book                  # every experiment, cached ones reused
python -m primitive_nn.book --list           # the experiments, and how long each took
python -m primitive_nn.book --rerun defects  # run one experiment again, redraw everything
python -m primitive_nn.book --only conv      # only this experiment and what depends on it alone
python -m primitive_nn.book --jobs 2         # two runs at a time, one per core: the same numbers
python -m primitive_nn.book --fresh          # run everything again (about seven hours on 2 cores)
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

`--only NAME[,NAME]` regenerates part of the book: it runs those
experiments (and any they ask for; cached ones are reused unless
`--rerun` names them) and rewrites only what needs nothing else that is
not cached: each figure, network and block of quoted numbers that needs
another experiment is left as the committed files hold it, and the command
names it. It updates the committed `results.json` and `reference.json` in
place, their `command` kept and the partial command added to
`updated_by`, so a chapter's numbers can be checked or refreshed without
the whole book's hours. It refuses where those files were written with
other seeds or other data.

`--jobs 2` trains the runs an experiment asks for together two at a time,
each in its own process on one thread (`primitive_nn.machinery.lab`,
"Two runs at once"): on a 2-core machine it shortens the wait, and no
number changes. Each run's recorded
time then includes the other's share of the machine.

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
        "command's reference.json); the whole run, with nothing cached, takes about seven hours on "
        "2 cores. Cached experiments are reused: --list shows them."))
    p.add_argument("--seeds", default="0-9", help="seeds of the seed study")
    p.add_argument("--rerun", metavar="NAME[,NAME]",
                   help="run these experiments (and their runs) again even if cached")
    p.add_argument("--only", metavar="NAME[,NAME]",
                   help="run only these experiments (and those they ask for) and rewrite only what "
                        "needs nothing else uncached; the rest of the committed files is kept")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="train up to N of an experiment's runs at once, each in its own process on "
                        "one thread (2 on a 2-core machine); no number changes, only the wait")
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
        if the_lab.only is None or name in the_lab.only:
            the_lab.result(name)
            print(f"{name}: {the_lab.seconds(name):.0f} s")
    command_line = " ".join(["python -m primitive_nn.book",
                             *(argv if argv is not None else sys.argv[1:])])
    kept = []  # (what was not rewritten, the experiment it needs)
    written = [*write_networks(the_lab, args.models, kept),
               *write_figures(the_lab, args.docs / "figures", kept),
               write_results(the_lab, args.docs / "results.json", command_line, kept),
               write_reference(the_lab, args.reference, command_line, kept)]
    for path in written:
        print(f"wrote {path}")
    for what, needs in kept:
        print(f"kept {what}: it needs {needs}, which is not cached; --only an experiment that makes it")
    print(f"total time {time.perf_counter() - start:.0f} s")
    return 0


def _lab(args):
    """Check the options and the output folders, load MNIST, and make the command's `Lab`."""
    seeds = parse_seeds(args.seeds)
    rerun = set(lab.EXPERIMENTS) if args.fresh else _experiments(args.rerun or "", "--rerun")
    only = None if args.only is None else _experiments(args.only, "--only")
    if args.jobs < 1:
        raise PrimitiveNNError(f"--jobs must be a whole number 1 or more, got {args.jobs}")
    for folder, option in ((args.docs / "figures", "--docs"), (args.reference.parent, "--reference"),
                           (args.models, "--models"), (args.runs_dir, "--runs-dir")):
        files.prepare_output_dir(folder, option)
    old = None if only is None else _committed(args, seeds)
    mnist = load_mnist(cache_dir=args.cache_dir, progressbar=progress.bars_wanted(args.quiet))
    if old is not None and old.get("data_sha256") != mnist.sha256:
        raise PrimitiveNNError(f"{args.docs / 'results.json'} was written from other data than "
                               "this MNIST: --only updates it from the same data only")
    settings = {"seeds": seeds, **({"smoke": True} if args.smoke else {})}
    return lab.Lab(mnist, settings, args.runs_dir, rerun, args.quiet, only, args.jobs)


def _experiments(names, option):
    """The experiments named in `names` ("a,b"), each checked to exist, as a set."""
    wanted = {name for name in names.split(",") if name}
    unknown = wanted - set(lab.EXPERIMENTS)
    if unknown:
        raise PrimitiveNNError(f"unknown experiment {sorted(unknown)[0]!r} for {option}; "
                               "--list names them")
    return wanted


def _committed(args, seeds):
    """The results.json that --only updates, checked to exist (with reference.json) and to have `seeds`."""
    results = args.docs / "results.json"
    for path in (results, args.reference):
        if not path.is_file():
            raise PrimitiveNNError(f"--only updates {path}, which is missing: run the whole book "
                                   "command first")
    old = files.read_json(results)
    if old.get("seeds") != seeds:
        raise PrimitiveNNError(f"{results} was written with --seeds "
                               f"{','.join(map(str, old.get('seeds', [])))}: --only updates it "
                               "with the same seeds only")
    return old


def each(the_lab, entries, kept, what):
    """`(entry, value)` for each registered entry that `the_lab` can compute.

    An entry that needs an experiment `the_lab` may not run (`--only`) is
    skipped and recorded in `kept` as `(what(entry), the experiment)`.
    """
    for entry in entries.values():
        try:
            value = entry.function(the_lab)
        except lab.NotRegenerated as missing:
            kept.append((what(entry), missing.name))
            continue
        yield entry, value


def previous(path, command_line, partial):
    """What a written JSON file starts from: the command line; under --only, the file as it is,
    with the command added to its `updated_by` unless it is already the last there."""
    if not partial:
        return {"command": command_line}
    old = files.read_json(path)
    updated_by = old.get("updated_by", [])
    if updated_by[-1:] != [command_line]:
        updated_by = [*updated_by, command_line]
    return {**old, "updated_by": updated_by}


def write_networks(the_lab, models_dir, kept):
    """Write every registered network `the_lab` can make into `models_dir`; return the paths."""
    return [models.write_shipped(entry.name, *value, models_dir=models_dir)
            for entry, value in each(the_lab, lab.NETWORKS, kept, lambda e: f"network {e.name}")]


def write_figures(the_lab, folder, kept):
    """Draw and save every registered figure `the_lab` can draw into `folder`; return the paths."""
    return [figures.save(fig, Path(folder) / f"{entry.name}.png")
            for entry, fig in each(the_lab, lab.FIGURES, kept, lambda e: f"figure {e.name}")]


def write_results(the_lab, path, command_line, kept):
    """Write results.json: the command's settings, then every book module's numbers at its key."""
    partial = the_lab.only is not None
    results = previous(path, command_line, partial)
    seconds = {**results.get("experiment_seconds", {}),
               **{name: the_lab.seconds(name) for name in the_lab.done()}}
    seconds = {name: seconds[name] for name in lab.EXPERIMENTS if name in seconds}
    results.update({"version": __version__, "data_sha256": the_lab.mnist.sha256,
                    "seeds": the_lab.settings["seeds"], "n_seeds": len(the_lab.settings["seeds"]),
                    "experiment_seconds": seconds, "experiment_table": experiment_table(seconds)})
    for entry, values in each(the_lab, lab.QUOTED, kept, lambda e: f"the numbers of pages/{e.page}"):
        merge(results, entry.name, values, replace=partial)
    files.write_json(path, results)
    return path


def experiment_table(seconds):
    """Each experiment in `seconds`, its page and how long it took, as a Markdown table for the pages."""
    rows = [f"| `{name}` | [{entry.page}]({entry.page}.md) | {entry.about} | {seconds[name]:.0f} |"
            for name, entry in lab.EXPERIMENTS.items() if name in seconds]
    total = sum(seconds.values())
    return "\n".join(["| experiment | page | what it runs | seconds |", "|---|---|---|---|", *rows,
                      f"| all | | {total / 60:.0f} minutes | {total:.0f} |"])


def write_reference(the_lab, path, command_line, kept):
    """Write the train command's reference.json from every registered part of it `the_lab` can make."""
    partial = the_lab.only is not None
    reference = previous(path, command_line, partial)
    for _, values in each(the_lab, lab.REFERENCES, kept, lambda e: f"the reference of pages/{e.page}"):
        merge(reference, "", values, replace=partial)
    files.write_json(path, reference)
    return path


def merge(tree, path, values, replace=False):
    """Put `values` into `tree` at the dotted key `path`, merging dicts; a value set twice is an error.

    With `replace`, a value already there is replaced instead (`--only`
    updating the committed results).

    Examples
    --------
    >>> tree = {"part2": {"ladder": 1}}
    >>> merge(tree, "part2", {"minibatch": 2}); tree
    {'part2': {'ladder': 1, 'minibatch': 2}}
    >>> merge(tree, "", {"part2": {"schedules": 3}}); tree["part2"]
    {'ladder': 1, 'minibatch': 2, 'schedules': 3}
    >>> merge(tree, "part2", {"ladder": 4}, replace=True); tree["part2"]["ladder"]
    4
    """
    node = tree
    for part in filter(None, path.split(".")):
        node = node.setdefault(part, {})
    for key, value in values.items():
        where = f"{path}.{key}" if path else key
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            merge(tree, where, value, replace)
        elif key in node and not replace:
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
