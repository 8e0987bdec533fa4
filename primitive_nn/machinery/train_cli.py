r"""The command line `python -m primitive_nn.train`.

```text
python -m primitive_nn.train                     # the seed's recipe, corrected
python -m primitive_nn.train --faithful          # bug for bug
python -m primitive_nn.train --seeds 0-19        # the distribution over seeds
python -m primitive_nn.train --recipe list       # the named recipes
python -m primitive_nn.train --recipe fast --out runs/fast
```

A named recipe (`primitive_nn.machinery.recipes`) sets every field; each
option given on the command line overrides one field. Everything is checked
before any work starts: the settings, the `--show` indices, and that `--out`
(or the folder `--show` saves into) can be written. Then the data is loaded,
the run trains under a progress bar, and the report is printed.
"""

from dataclasses import replace
from pathlib import Path

import numpy as np

from primitive_nn import data
from primitive_nn.errors import TrainingError
from primitive_nn.machinery import experiments, files, plots, progress, recipes, report
from primitive_nn.machinery.cli import Parser, command
from primitive_nn.machinery.fetch import CACHE_ENV

# option -> the Recipe field it overrides (options not listed here are not recipe fields)
FIELDS = ("seed", "train_size", "dev_size", "layers", "init", "epochs", "batch_size", "optimizer",
          "alpha", "momentum", "schedule", "warmup", "weight_decay", "dropout", "augment",
          "faithful", "dtype")


def _layers(text):
    """`784,128,10` -> (784, 128, 10)."""
    try:
        return tuple(int(n) for n in text.split(","))
    except ValueError:
        raise TrainingError(f"--layers takes sizes such as 784,128,10, got {text!r}") from None


def _batch_size(text):
    """A whole number, or `full` for the whole training set."""
    return text if text == "full" else int(text)


def make_parser():
    """The options of `python -m primitive_nn.train`, each with its help and default."""
    seed = recipes.SEED

    def default(field):
        return f" (default: the recipe's; the seed's is {getattr(seed, field)})"

    p = Parser(prog="python -m primitive_nn.train",
               description="Train a network on MNIST with a named recipe, the seed's by default.")
    p.add_argument("--recipe", default="seed",
                   help="a named recipe, or `list` to describe them all")
    p.add_argument("--seed", type=int, help="one np.random.Generator from this seed splits the "
                   "data, initializes, shuffles" + default("seed"))
    p.add_argument("--seeds", help="run many seeds, e.g. 0-19 or 1,5,9, and summarize them "
                                   "(the seed recipe runs corrected and faithful)")
    p.add_argument("--epochs", type=int, help="passes over the training set" + default("epochs"))
    p.add_argument("--iterations", type=int, dest="epochs",
                   help="the same as --epochs: a full-batch step is one pass")
    p.add_argument("--batch-size", type=_batch_size, dest="batch_size", metavar="N|full",
                   help="examples per step (default: the recipe's; the seed's is full)")
    p.add_argument("--optimizer", help="sgd, momentum or adam" + default("optimizer"))
    p.add_argument("--alpha", type=float, help="learning rate (the peak, under a schedule)" + default("alpha"))
    p.add_argument("--momentum", type=float, help="beta of momentum, beta1 of Adam" + default("momentum"))
    p.add_argument("--schedule", help="constant, cosine or step" + default("schedule"))
    p.add_argument("--warmup", type=float, help="epochs of linear warm-up" + default("warmup"))
    p.add_argument("--weight-decay", type=float, dest="weight_decay",
                   help="lambda of the L2 penalty on the weights" + default("weight_decay"))
    p.add_argument("--dropout", type=float, help="probability of dropping a hidden activation" + default("dropout"))
    p.add_argument("--augment", help="none, shift or affine" + default("augment"))
    p.add_argument("--layers", type=_layers, help="layer sizes from 784 to 10, e.g. 784,128,10"
                   " (default: the recipe's; the seed's is 784,10,10)")
    p.add_argument("--hidden", type=int, help="one hidden layer of this many units: --layers 784,N,10")
    p.add_argument("--init", help="uniform (the seed's), he, or zero (no hidden layer)" + default("init"))
    p.add_argument("--dev-size", type=int, dest="dev_size",
                   help="examples held out as the dev set, after shuffling" + default("dev_size"))
    p.add_argument("--train-size", type=int, dest="train_size",
                   help="train on the first N training images, 0 for all" + default("train_size"))
    p.add_argument("--faithful", action="store_true", default=None,
                   help="reproduce the seed's three defects, in float64 (seed recipe only)")
    p.add_argument("--dtype", choices=["float32", "float64"],
                   help="the arithmetic (default: float32, float64 with --faithful)")
    p.add_argument("--data", type=Path, help="a Kaggle-style CSV or a directory of MNIST IDX "
                                             "files (default: the official files, cached)")
    p.add_argument("--allow-modified", action="store_true",
                   help="train on IDX files that carry MNIST's names but not its bytes, with a warning")
    p.add_argument("--cache-dir", type=Path,
                   help=f"where MNIST is cached (default: ${CACHE_ENV}, else ~/.cache/primitive_nn)")
    p.add_argument("--out", type=Path, help="write model.npz and metrics.json into this folder")
    p.add_argument("--show", type=int, nargs="*", metavar="INDEX",
                   help="show dev images with predicted and true labels "
                        "(saved as prediction-INDEX.png when there is no display)")
    p.add_argument("--record-divergence", action="store_true",
                   help="when training dies, report and save the run instead of stopping with an error")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    return p


def parse_args(argv):
    return make_parser().parse_args(argv)


def recipe_from(args, **overrides):
    """The named recipe with every option given on the command line applied."""
    try:
        recipe = recipes.recipe_named(args.recipe)
    except KeyError as error:
        raise TrainingError(error.args[0]) from None
    given = {field: getattr(args, field) for field in FIELDS if getattr(args, field) is not None}
    if args.hidden is not None:
        given["layers"] = (data.N_PIXELS, args.hidden, 10)
    if given.get("batch_size") == "full":
        given["batch_size"] = None
    return replace(recipe, **{**given, **overrides})


def preflight(args, recipe):
    """Check everything that can be checked before training, so no finished run is lost."""
    experiments.validate(recipe)
    if args.show is not None and recipe.dev_size == 0:
        raise TrainingError("--show shows dev images, and --dev-size 0 leaves none")
    if any(not 0 <= index < recipe.dev_size for index in args.show or []):
        raise TrainingError(f"--show takes dev image indices from 0 to {recipe.dev_size - 1}")
    if args.seeds is not None:
        experiments.parse_seeds(args.seeds)
        for option in ("show", "record_divergence"):
            if getattr(args, option) not in (None, False):
                raise TrainingError(f"--{option.replace('_', '-')} is for a single run; "
                                    "drop it with --seeds")
    if args.out is not None:
        files.prepare_output_dir(args.out)
    if args.show is not None and not plots.has_display():
        files.prepare_output_dir(args.out or Path.cwd(), "--show")


@command
def main(argv=None):
    args = parse_args(argv)
    if args.recipe == "list":
        print("\n".join(f"{name:8s} {about}" for name, (_, about) in recipes.RECIPES.items()))
        return 0
    recipe = recipe_from(args)
    preflight(args, recipe)
    mnist = data.load_mnist(args.data, cache_dir=args.cache_dir, allow_modified=args.allow_modified,
                            progressbar=progress.bars_wanted(args.quiet))
    if args.seeds is not None:
        return main_seeds(args, recipe, mnist)
    return main_single(args, recipe, mnist)


def _progress(recipe, label, quiet, print_records=True):
    """A bar over iterations (full batch) or epochs (mini-batches), printing each record."""
    unit = "iteration" if recipe.batch_size is None else "epoch"
    return progress.training_progress(recipe.epochs, label, quiet, print_records, unit)


def main_single(args, recipe, mnist):
    on_record, close = _progress(recipe, "training", args.quiet)
    try:
        result = experiments.run(recipe, mnist, on_record, record_divergence=args.record_divergence)
    finally:
        close()
    lines = report.run_lines(args.recipe, result)
    if not result.diverged:
        lines += report.context_lines(recipe, mnist)
    print("\n".join(lines))
    if args.out:
        experiments.save_run(args.out, result, mnist, args.recipe)
        print(f"  wrote {args.out / 'metrics.json'}" +
              ("" if result.diverged else f" and {args.out / 'model.npz'}"))
    if args.show is not None and not result.diverged:
        _show(args, recipe, result, mnist)
    return 0


def _show(args, recipe, result, mnist):
    """The seed's `test_prediction` for each index of `--show` (dev image 0 by default)."""
    images, labels = experiments.training_images(recipe, mnist)
    _, _, X_dev, y_dev = data.split_dev(images, labels, recipe.dev_size,
                                        np.random.default_rng(recipe.seed))
    for index in args.show or [0]:
        where = plots.test_prediction(index, result.params, X_dev, y_dev, out_dir=args.out)
        print(f"  dev image {index}: {where}")


def main_seeds(args, recipe, mnist):
    """`--seeds`: run every seed, then summarize.

    The seed recipe runs in both modes, corrected and faithful (`--faithful`
    runs the faithful mode alone); any other recipe runs as it is.
    """
    seeds = experiments.parse_seeds(args.seeds)
    modes = {"faithful": True} if recipe.faithful else {"corrected": False}
    if args.recipe == "seed" and not recipe.faithful:
        try:
            experiments.validate(replace(recipe, faithful=True))
            modes["faithful"] = True
        except TrainingError:
            pass  # settings the seed never had: corrected alone
    studies = {}
    for mode, faithful in modes.items():
        runs = []
        for s in seeds:
            one = replace(recipe, seed=s, faithful=faithful)
            on_record, close = _progress(one, f"{mode} seed {s}", args.quiet, print_records=False)
            try:
                runs.append(experiments.run(one, mnist, on_record))
            finally:
                close()
        studies[mode] = experiments.seed_study(runs)
        print("\n".join(report.study_lines(mode, studies[mode])))
    if args.out:
        experiments.write_study(args.out / "seeds.json", seeds, recipe, studies)
        print(f"  wrote {args.out / 'seeds.json'}")
    return 0
