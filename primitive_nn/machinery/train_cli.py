r"""The command line `python -m primitive_nn.train`.

```text
python -m primitive_nn.train                     # the seed's recipe, corrected
python -m primitive_nn.train --faithful          # bug for bug
python -m primitive_nn.train --seeds 0-9         # the distribution over seeds
python -m primitive_nn.train --recipe list       # the named recipes
python -m primitive_nn.train --recipe fast --out runs/fast
```

A named recipe (`primitive_nn.machinery.recipes`) sets every field; each
option given on the command line overrides one field. The options are made
from the `Recipe` fields themselves, help text included, plus a few
shorthands (`--iterations`, `--hidden`, `--faithful`). Everything is checked
before any work starts: the settings, the `--show` indices, and that `--out`
(or the folder `--show` saves into) can be written. Then the data is loaded,
the run trains under a progress bar, and the report is printed.
"""

import time
import warnings
from dataclasses import asdict, fields, replace
from pathlib import Path

from primitive_nn import data
from primitive_nn.convnet import ARCHITECTURES
from primitive_nn.errors import TrainingError, TrainingWarning
from primitive_nn.machinery import figures, files, progress, recipes, report, runs
from primitive_nn.machinery.cli import Parser, command
from primitive_nn.machinery.fetch import CACHE_ENV
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.network import forward, n_layers

def _layers(text):
    """`784,128,10` -> (784, 128, 10)."""
    try:
        return tuple(int(n) for n in text.split(","))
    except ValueError:
        raise TrainingError(f"--layers takes sizes such as 784,128,10, got {text!r}") from None


def _batch_size(text):
    """A whole number, or `full` for the whole training set."""
    return text if text == "full" else int(text)


def _names(text):
    """`a,b` -> ("a", "b"); "" -> ()."""
    return tuple(name for name in text.split(",") if name)


PARSERS = {"layers": _layers, "batch_size": _batch_size, "he_changes": _names, "defects": _names}
RUN_FILES = ("model*.npz", "metrics.json", "seeds.json")  # what --out writes, and --overwrite replaces
METAVARS = {"layers": "N0,...,ND", "batch_size": "N|full", "he_changes": "C,...", "defects": "D,...",
            "members": "K", "member": "K"}


def add_recipe_options(p):
    """One option per `Recipe` field, its help written beside the field (`recipes.setting`)."""
    notebook, epochs = recipes.NOTEBOOK, p.add_mutually_exclusive_group()
    for f in fields(recipes.Recipe):
        default = getattr(notebook, f.name)
        shown = ",".join(map(str, default)) or "none" if isinstance(default, tuple) else default
        shown = "full" if f.name == "batch_size" else shown
        choices = f.metadata["choices"]
        among = f"; {'any of' if isinstance(default, tuple) else 'one of'} {', '.join(choices)}" \
            if choices else ""
        help_ = f"{f.metadata['help']}{among} (default: the recipe's; the seed's is {shown})"
        where = epochs if f.name == "epochs" else p  # --epochs or --iterations, not both
        if f.type is bool:
            where.add_argument(recipes.option(f), dest=f.name, action="store_true", default=None,
                               help=help_)
        else:
            where.add_argument(recipes.option(f), dest=f.name, help=help_,
                               type=PARSERS.get(f.name, f.type if f.type in (int, float) else str),
                               metavar=METAVARS.get(f.name, f.name.upper()))
    epochs.add_argument("--iterations", type=int, dest="epochs",
                        help="the same as --epochs: a full-batch step is one pass")
    p.add_argument("--hidden", type=int, help="one hidden layer of this many units: --layers 784,N,10")
    p.add_argument("--faithful", action="store_true",
                   help="the seed's three defects, in float64: --defects "
                        f"{','.join(recipes.DEFECTS)} --dtype float64 (seed recipe only)")


def make_parser():
    """The options of `python -m primitive_nn.train`, each with its help and default."""
    p = Parser(prog="python -m primitive_nn.train",
               description="Train a network on MNIST with a named recipe, the seed's by default.")
    p.add_argument("--recipe", default="seed", help="a named recipe, or `list` to describe them all")
    add_recipe_options(p)
    p.add_argument("--seeds", help="run many seeds, e.g. 0-19 or 1,5,9, and summarize them "
                                   "(a recipe the seed's code can run also runs faithfully)")
    p.add_argument("--data", type=Path, help="a Kaggle-style CSV or a directory of MNIST IDX "
                                             "files (default: the official files, cached)")
    p.add_argument("--allow-modified", action="store_true",
                   help="train on IDX files that carry MNIST's names but not its bytes, with a warning")
    p.add_argument("--cache-dir", type=Path,
                   help=f"where MNIST is cached (default: ${CACHE_ENV}, else ~/.cache/primitive_nn)")
    p.add_argument("--out", type=Path, help="write model.npz and metrics.json into this folder")
    p.add_argument("--overwrite", action="store_true",
                   help="let --out replace the run already in that folder")
    p.add_argument("--show", type=int, nargs="*", metavar="INDEX",
                   help="show dev images with predicted and true labels "
                        "(saved as prediction-INDEX.png when there is no display)")
    p.add_argument("--threads", type=int, metavar="N",
                   help="threads for the matrix products (default: 1, as in the book's runs; "
                        "more may be faster on an idle machine, and change the last decimals)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    return p


def parse_args(argv):
    return make_parser().parse_args(argv)


def recipe_from(args):
    """The named recipe with every option given on the command line applied."""
    given = {name: getattr(args, name) for name in given_fields(args)}
    if args.hidden is not None:
        given["layers"] = (data.N_PIXELS, args.hidden, 10)
    if given.get("batch_size") == "full":
        given["batch_size"] = None
    if args.faithful:
        given = {"defects": recipes.DEFECTS, "dtype": "float64", **given}
    recipe = replace(recipes.recipe_named(args.recipe), **given)
    if args.seed is None and args.seeds is None:  # the book's example run of these settings
        recipe = replace(recipe, seed=report.example_seed(recipe) or recipe.seed)
    return recipe


def given_fields(args):
    """The names of the `Recipe` fields set on the command line."""
    return {f.name for f in fields(recipes.Recipe) if getattr(args, f.name) is not None}


def _warn_unused(recipe, given):
    """Warn about each optimizer setting in `given` that the recipe's optimizer does not use."""
    for name in sorted(given & runs.OPTIMIZER_SETTINGS - runs.hyperparameters(recipe)):
        option = recipes.option(recipes.Recipe.__dataclass_fields__[name])
        warnings.warn(f"{option} has no effect with --optimizer {recipe.optimizer}",
                      TrainingWarning, stacklevel=3)


def preflight(args, recipe):
    """Check everything that can be checked before training, so no finished run is lost."""
    recipes.validate(recipe)
    _warn_unused(recipe, given_fields(args))
    if args.threads is not None and args.threads < 1:
        raise TrainingError(f"--threads must be a whole number 1 or more, got {args.threads}")
    if args.show is not None and recipe.members > 1:
        raise TrainingError("--show draws one network's answer, and --members trains several; "
                            "leave out one of the two")
    if args.show is not None and recipe.dev_size == 0:
        raise TrainingError("--show shows dev images, and --dev-size 0 leaves none")
    if any(not 0 <= index < recipe.dev_size for index in args.show or []):
        raise TrainingError(f"--show takes dev image indices from 0 to {recipe.dev_size - 1}")
    if args.seeds is not None:
        runs.parse_seeds(args.seeds)
        for option in ("show", "record_divergence"):
            if getattr(args, option) not in (None, False):
                raise TrainingError(f"--{option.replace('_', '-')} is for a single run; "
                                    "drop it with --seeds")
    if args.out is not None:
        taken = sorted(path.name for pattern in RUN_FILES for path in args.out.glob(pattern))
        if taken and not args.overwrite:
            raise TrainingError(f"--out {args.out} already holds a run ({', '.join(taken)}); "
                                "choose another folder, or add --overwrite to replace it")
        files.prepare_output_dir(args.out)
    if args.show is not None and not figures.has_display():
        files.prepare_output_dir(args.out or Path.cwd(), "--show")


@command
def main(argv=None):
    args = parse_args(argv)
    if args.recipe == "list":
        width = max(map(len, recipes.NAMED))  # one column for the descriptions
        print("\n".join(f"{name:{width}s}  {named.about}" for name, named in recipes.NAMED.items()))
        return 0
    recipe = recipe_from(args)
    with files.removed_if_left_empty(args.out):
        preflight(args, recipe)
        mnist = load_mnist(args.data, cache_dir=args.cache_dir, allow_modified=args.allow_modified,
                           progressbar=progress.bars_wanted(args.quiet))
        if args.train_size is not None and args.train_size > len(mnist.train_labels):
            warnings.warn(f"--train-size {args.train_size} is more than the "
                          f"{len(mnist.train_labels)} training images: training on all of them",
                          TrainingWarning, stacklevel=2)
        if args.seeds is not None:
            return main_seeds(args, recipe, mnist)
        return main_single(args, recipe, mnist)


def main_single(args, recipe, mnist):
    result = runs.run(recipe, mnist, label="training", quiet=args.quiet, print_records=True,
                      threads=args.threads)
    lines = report.run_lines(args.recipe, result)
    if not result.diverged:
        lines += report.context_lines(result, mnist)
    print("\n".join(lines))
    if args.out:
        runs.save_run(args.out, result, mnist, args.recipe)
        written = [args.out / file for file in runs.model_files(result)]
        print(f"  wrote {args.out / 'metrics.json'}" + "".join(f" and {path}" for path in written))
    if args.show is not None and not result.diverged:
        _show(args, recipe, result, mnist)
    return 0


def _show(args, recipe, result, mnist):
    """The seed's `test_prediction` for each index of `--show` (dev image 0 by default)."""
    _, _, X_dev, y_dev = runs.split(recipe, mnist)
    for index in args.show or [0]:
        where = test_prediction(index, result.params, X_dev, y_dev, out_dir=args.out,
                                activation=recipe.activation,
                                forward=ARCHITECTURES[recipe.architecture].forward)
        print(f"  dev image {index}: {where}")


def test_prediction(index, params, X, labels, out_dir=None, activation="relu", forward=forward):
    """The seed notebook's picture: one image, its predicted and true labels.

    On screen when there is a display, else saved as `prediction-INDEX.png`
    in `out_dir` (default: the current folder). Returns "shown" or the path.
    `activation` is the network's hidden nonlinearity, and `forward` its
    forward pass (an MLP's by default).
    """
    def draw(fig):
        A = forward(params, X[:, index:index + 1], activation)[f"A{n_layers(params)}"][:, 0]  # (10,)
        figures.show_image(fig.add_subplot(), X[:, index],
                   f"predicted {A.argmax()} ({A.max():.0%}), true {labels[index]}")
        return fig
    path = None if figures.has_display() else Path(out_dir or ".") / f"prediction-{index}.png"
    return figures.show_or_save(draw, path)


test_prediction.__test__ = False  # the seed's name, not a pytest test


def main_seeds(args, recipe, mnist):
    """`--seeds`: run every seed, then summarize.

    A recipe that the seed notebook's code can run (full batch, plain SGD,
    the uniform start, one hidden layer) runs in both modes, corrected and
    faithful; `--faithful` runs the faithful mode alone. Any other recipe
    runs as it is. Before it starts, the command says how many runs there
    are and how long the book's machine took for one; after each run, one
    line says how it went and how much is left.
    """
    seeds = runs.parse_seeds(args.seeds)
    modes = {report.mode(recipe): recipe}
    if not recipe.defects and recipes.runs_notebook_code(recipe):
        modes["faithful"] = replace(recipe, defects=recipes.DEFECTS, dtype="float64")
    print(report.plan_line(modes, seeds), flush=True)
    studies, began, done = {}, time.perf_counter(), 0
    for mode, one in modes.items():
        finished = []
        for s in seeds:
            finished.append(runs.run(replace(one, seed=s), mnist, label=f"{mode} seed {s}",
                                     quiet=args.quiet, threads=args.threads))
            done += 1
            print(report.progress_line(mode, finished[-1], done, len(modes) * len(seeds),
                                       time.perf_counter() - began), flush=True)
        studies[mode] = runs.over_seeds(finished)
        print("\n".join(report.study_lines(mode, studies[mode])))
    if args.out:
        files.write_json(args.out / "seeds.json", {"seeds": seeds, "recipe": asdict(recipe), **studies})
        print(f"  wrote {args.out / 'seeds.json'}")
    return 0
