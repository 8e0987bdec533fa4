r"""The command that regenerates the book's results: every figure and every quoted number.

```text
python -m primitive_nn.book                  # every experiment, cached ones reused
python -m primitive_nn.book --list           # the experiments, and how long each took
python -m primitive_nn.book --rerun defects  # run one experiment again, redraw everything
python -m primitive_nn.book --fresh          # run everything again
```

The experiments are registered in `primitive_nn.machinery.part1` and
`primitive_nn.machinery.part2` and run through `primitive_nn.machinery.lab`,
which caches each one's results in `.cache/book/`. Then this command draws
every figure and writes three kinds of file:

* `docs/figures/*.png`, the chapters' figures;
* `docs/results.json`, every number the pages quote. A MkDocs hook
  (`book/hooks.py`) replaces each placeholder in the pages with the value at
  that key, and fails the build on a key that does not exist. Values are
  rounded for display when written (percentages to two decimals), so the
  pages quote them as they are;
* `primitive_nn/machinery/reference.json`, the spread over seeds of each
  recipe of the seed study, which `python -m primitive_nn.train` quotes after
  a run of the same settings (`primitive_nn.machinery.report`).

`--smoke` runs every experiment at a toy scale (one seed, a few iterations,
small subsets): it checks that the command still produces every file and
key, in a minute, and its numbers mean nothing. The tests use it; never
commit what it writes.
"""

import sys
import time
from pathlib import Path

from primitive_nn import __version__, data
from primitive_nn.machinery import (files, handwriting_figures, lab, models, part1, part2, plots,
                                    progress, report)
from primitive_nn.errors import PrimitiveNNError
from primitive_nn.machinery.cli import Parser, command
from primitive_nn.machinery.experiments import parse_seeds

CACHE = Path(".cache") / "book"
SMOKE = {"seed_recipe": {"epochs": 2}, "smoke": True}


def parse_args(argv):
    p = Parser(prog="python -m primitive_nn.book", description=__doc__.split("\n")[0])
    p.add_argument("--seeds", default="0-19", help="seeds of the seed study")
    p.add_argument("--rerun", default="", metavar="NAME[,NAME]",
                   help="run these experiments again even if cached")
    p.add_argument("--fresh", action="store_true", help="run every experiment again")
    p.add_argument("--list", action="store_true", help="list the experiments and stop")
    p.add_argument("--smoke", action="store_true",
                   help="a toy-scale rehearsal: every file and key, meaningless numbers")
    p.add_argument("--docs", type=Path, default=Path("docs"), help="the book's docs folder")
    p.add_argument("--reference", type=Path, default=report.REFERENCE,
                   help="where to write the seed spreads that the train command quotes")
    p.add_argument("--cache-dir", type=Path, default=CACHE, help="where experiments are cached")
    p.add_argument("--models", type=Path, default=models.MODELS_DIR,
                   help="where to write the networks that predict and the Try-it page use")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p.parse_args(argv)


@command
def main(argv=None):
    args = parse_args(argv)
    if args.list:
        print("\n".join(_listing(args.cache_dir)))
        return 0
    start = time.perf_counter()
    seeds = parse_seeds(args.seeds)
    rerun = set(lab.EXPERIMENTS) if args.fresh else {n for n in args.rerun.split(",") if n}
    unknown = rerun - set(lab.EXPERIMENTS)
    if unknown:
        raise PrimitiveNNError(f"unknown experiment {sorted(unknown)[0]!r}; --list names them")
    for folder in (args.docs, args.docs / "figures", args.reference.parent, args.models):
        files.prepare_output_dir(folder, "output folder")
    mnist = data.load_mnist(progressbar=progress.bars_wanted(args.quiet))
    settings = {"seeds": seeds, **(SMOKE if args.smoke else {})}
    the_lab = lab.Lab(mnist, settings, args.cache_dir, rerun, args.quiet)
    for name in lab.EXPERIMENTS:
        the_lab.result(name)
        print(f"{name}: {the_lab.seconds(name):.0f} s")
    seed_params, shipped_params = ship(the_lab, args.models)
    drawn = {**part1.figures(the_lab), **part2.figures(the_lab),
             **handwriting_figures.figures(mnist, shipped_params, seed_params)}
    paths = [plots.save(fig, args.docs / "figures" / f"{name}.png") for name, fig in drawn.items()]
    command_line = " ".join(["python -m primitive_nn.book",
                             *(argv if argv is not None else sys.argv[1:])])
    results = {"command": command_line, "version": __version__, "data_sha256": mnist.sha256,
               "seeds": seeds, "n_seeds": len(seeds),
               "recipe": _recipe_numbers(the_lab),
               "experiment_seconds": {name: the_lab.seconds(name) for name in lab.EXPERIMENTS},
               **part1.numbers(the_lab), "part2": part2.numbers(the_lab)}
    files.write_json(args.docs / "results.json", results)
    files.write_json(args.reference, {"command": command_line, **part1.reference(the_lab)})
    for path in [*paths, args.docs / "results.json", args.reference, args.models]:
        print(f"wrote {path}")
    print(f"total time {time.perf_counter() - start:.0f} s")
    return 0


def ship(the_lab, models_dir):
    """Write the seed's network (the example seed) and the shipped one into `models_dir`."""
    study, arrays = the_lab.result("seed_study")
    example = study["example_seed"]
    seed_params = part1.example_params(arrays, "corrected")
    seed_run = next(r for r in study["corrected"]["runs"] if r["seed"] == example)
    models.write_shipped("seed", seed_params,
                         f"The seed's 784-10-10, corrected recipe, seed {example}: the median "
                         f"of {len(study['corrected']['runs'])} seeds by dev accuracy",
                         seed_run["test_accuracy"], models_dir)
    shipped, shipped_params = the_lab.result("shipped")
    models.write_shipped("predict", shipped_params,
                         f"{'-'.join(map(str, shipped['layers']))}, the best recipe at a smaller "
                         "size, trained on all 60,000 training digits", shipped["test_accuracy"],
                         models_dir)
    return seed_params, shipped_params


def _recipe_numbers(the_lab):
    """The seed recipe's settings as the pages quote them."""
    recipe = part1.base_recipe(the_lab)
    return {"iterations": recipe.epochs, "alpha": recipe.alpha, "hidden": recipe.layers[1],
            "dev_size": recipe.dev_size, "train_size": recipe.train_size}


def _listing(cache_dir):
    """One line per experiment: its name, what it does, and how long it took when cached."""
    import json

    lines = []
    for name, exp in lab.EXPERIMENTS.items():
        entry = Path(cache_dir) / f"{name}.json"
        took = f"{json.loads(entry.read_text())['seconds']:.0f} s" if entry.is_file() else "not run"
        lines.append(f"{name:16s} {took:>8s}  {exp.about}")
    return lines
