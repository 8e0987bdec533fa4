r"""Regenerating the book's results: every figure and every quoted number.

```text
python -m primitive_nn.book                  # seeds 0-2, a few minutes on 2 cores
python -m primitive_nn.book --seeds 0-19     # the same study, wider
```

This command reruns every experiment the book quotes, with fixed seeds, and
writes two kinds of file:

* `docs/figures/*.png`, the figures of the Results chapter;
* `docs/results.json`, every number the prose quotes. A MkDocs hook
  (`book/hooks.py`) replaces each placeholder in the pages with the value at
  that key, and fails the build on a key that does not exist.

The experiments, all on the seed's 784-10-10 network, 500 iterations:

1. **The recipe, corrected and faithful**, for each seed: the seed-to-seed
   spread of train, dev and test accuracy, and where the notebook's 86.36%
   falls in it.
2. **One documented change**, He initialization (`--init he`), for each seed:
   the same architecture, learning rate and iteration count.
3. **The gradient check** of `primitive_nn.gradcheck` on a small float64
   network: the relative error of every parameter, for the corrected
   backward pass and for the seed's.
4. **Each defect alone**, on the first seed: the corrected recipe with only
   the scalar bias gradients, then with only the wrong $m$. The naive
   softmax is measured by the largest logit the faithful run ever produced,
   against the 709 at which float64's `exp` overflows.

Values are rounded for display when written (percentages to two decimals),
so the pages quote them as they are. The run of the first seed is also the
one whose parameters draw the figures. Change a setting (say `--alpha`),
rerun, rebuild, and the book follows.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from primitive_nn import __version__, data, plots, seed
from primitive_nn.errors import PrimitiveNNError
from primitive_nn.gradcheck import check_gradients
from primitive_nn.loss import one_hot
from primitive_nn.network import forward, init_params, predict
from primitive_nn.train import (SEED_REPORTED_TRAIN_ACCURACY, Config, parse_seeds, run,
                                seed_study)

OVERFLOW_LOGIT = float(np.log(np.finfo(np.float64).max))  # exp overflows float64 past this


def pct(x):
    """An accuracy as a percentage rounded for display: 0.86364 -> 86.36."""
    return round(100 * x, 2)


def study_numbers(runs):
    """The quoted numbers of a list of runs of one setting, in percent."""
    study = seed_study(runs)
    numbers = {f"{metric}_{stat}": pct(study[metric][stat])
               for metric in ("train", "dev") for stat in ("mean", "sd", "min", "max")}
    numbers["test_mean"] = pct(np.mean([r.test_accuracy for r in runs]))
    numbers["median_wall_seconds"] = study["median_wall_seconds"]
    numbers["last_logged_iteration"] = study["last_logged_iteration"]
    numbers["train_last_logged_mean"] = pct(study["train_last_logged"]["mean"])
    numbers["reaching_seed"] = pct(study["fraction_reaching_seed"])
    numbers["runs"] = len(runs)
    first = runs[0]
    numbers["first"] = {"seed": first.config.seed, "train": pct(first.train_accuracy),
                        "dev": pct(first.dev_accuracy), "test": pct(first.test_accuracy),
                        "initial_loss": round(first.history[0]["loss"], 3),
                        "final_loss": round(first.history[-1]["loss"], 3)}
    return numbers


def max_logit(result, mnist):
    """The largest logit (an entry of the last layer's Z) over all 42,000 labelled images."""
    X = data.to_columns(mnist.train_images, dtype=result.config.float_dtype)
    return float(forward(result.params, X)["Z2"].max())


def experiments(mnist, seeds, base, progress=None):
    """Run every experiment of the book; return ``(runs, defect_runs)``.

    `runs` maps ``"corrected"``, ``"faithful"`` and ``"he"`` to lists of
    `primitive_nn.train.Run`, one per seed; `defect_runs` maps each defect
    measured alone to one run on the first seed.
    """
    settings = {"corrected": {}, "faithful": {"faithful": True}, "he": {"init": "he"}}
    defects = {"scalar_bias": seed.Defects(True, False, False),
               "m_before_split": seed.Defects(False, False, True)}
    runs = {name: [] for name in settings}
    for name, changes in settings.items():
        for s in seeds:
            config = Config(**{**base, **changes, "seed": s})
            runs[name].append(run(config, mnist, progress and progress(f"{name}, seed {s}", config)))
    first = Config(**{**base, "seed": seeds[0]})
    defect_runs = {name: run(first, mnist, progress and progress(f"only {name}", first), d)
                   for name, d in defects.items()}
    return runs, defect_runs


def gradient_check_numbers():
    """Relative errors of the corrected and the seed's backward pass on a small float64 network."""
    rng = np.random.default_rng(0)
    params = init_params([20, 8, 10], rng)
    X, Y = rng.random((20, 30)), one_hot(rng.integers(0, 10, 30))
    checks = {"corrected": check_gradients(params, X, Y),
              "seed": check_gradients(params, X, Y, backprop=seed.backward_seed)}
    return {name: {p: float(f"{err:.1e}") for p, err in errors.items()}
            for name, errors in checks.items()}


def results(mnist, seeds, base, runs, defect_runs, command):
    """The JSON-ready dictionary of every number the book quotes; `command` is how it was made."""
    corrected, faithful = runs["corrected"][0], runs["faithful"][0]
    b2_change = np.abs(faithful.params["b2"] - faithful.initial_params["b2"]).max()
    out = {
        "command": command,
        "version": __version__,
        "data_sha256": mnist.sha256,
        "seeds": seeds,
        "n_seeds": len(seeds),
        "recipe": {key: base.get(key, getattr(Config(), key))
                   for key in ("iterations", "alpha", "hidden", "dev_size")},
        "seed_notebook_train_pct": pct(SEED_REPORTED_TRAIN_ACCURACY),
        **{name: study_numbers(group) for name, group in runs.items()},
        "defects": {
            name: {"train": pct(r.train_accuracy), "dev": pct(r.dev_accuracy),
                   "test": pct(r.test_accuracy),
                   "dev_change": round(pct(r.dev_accuracy) - pct(corrected.dev_accuracy), 2)}
            for name, r in defect_runs.items()},
        "naive_softmax": {"max_logit": round(max_logit(faithful, mnist), 1),
                          "overflow_logit": round(OVERFLOW_LOGIT, 1)},
        "faithful_b2_change": float(f"{b2_change:.1e}"),
        "gradient_check": gradient_check_numbers(),
        "faithful_time_ratio": round(float(np.median([r.wall_seconds for r in runs["faithful"]]) /
                                           np.median([r.wall_seconds for r in runs["corrected"]])), 1),
    }
    return out


def figures(mnist, runs, out_dir):
    """Draw and save every figure of the Results chapter; return the paths."""
    corrected, faithful = runs["corrected"][0], runs["faithful"][0]
    X_test = data.to_columns(mnist.test_images)
    y_test = mnist.test_labels
    panels = {metric: {name: [getattr(r, f"{metric}_accuracy") for r in group]
                       for name, group in runs.items()} for metric in ("train", "dev")}
    drawn = {
        "learning_curves": plots.learning_curves(
            {"corrected": corrected.history, "faithful": faithful.history}),
        "predictions": plots.prediction_grid(corrected.params, X_test, y_test),
        "hidden_weights": plots.hidden_weights(corrected.params["W1"]),
        "confusion": plots.confusion_figure(
            plots.confusion_matrix(predict(corrected.params, X_test), y_test)),
        "misclassified": plots.misclassified_gallery(corrected.params, X_test, y_test),
        "seed_distribution": plots.seed_distribution(panels, {
            "train": (SEED_REPORTED_TRAIN_ACCURACY, "seed notebook, iteration 490"),
            "dev": (0.86, "86%")}),
    }
    return [plots.save(fig, Path(out_dir) / f"{name}.png") for name, fig in drawn.items()]


def _write_json(path, value):
    """Write `value` as indented JSON, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(value, indent=2) + "\n"
    data.write_atomically(path, lambda f: f.write(text.encode()))


def _progress_factory():
    from tqdm import tqdm

    def progress(label, config):
        bar = tqdm(total=config.iterations, desc=label, unit="it", leave=False)

        def on_iteration(i, record):
            bar.update(1)
            if i == config.iterations - 1:
                bar.close()
        return on_iteration
    return progress


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m primitive_nn.book", description=__doc__.split("\n")[0])
    p.add_argument("--seeds", default="0-2", help="seeds for every setting (default 0-2)")
    p.add_argument("--iterations", type=int, default=Config.iterations)
    p.add_argument("--alpha", type=float, default=Config.alpha)
    p.add_argument("--hidden", type=int, default=Config.hidden)
    p.add_argument("--docs", type=Path, default=Path("docs"), help="the book's docs folder")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    start = time.perf_counter()
    try:
        seeds = parse_seeds(args.seeds)
        base = {"iterations": args.iterations, "alpha": args.alpha, "hidden": args.hidden}
        mnist = data.load_mnist()
        runs, defect_runs = experiments(mnist, seeds, base,
                                        None if args.quiet else _progress_factory())
        paths = figures(mnist, runs, args.docs / "figures")
        command = " ".join(["python -m primitive_nn.book", *(argv if argv is not None else sys.argv[1:])])
        _write_json(args.docs / "results.json",
                    results(mnist, seeds, base, runs, defect_runs, command))
    except PrimitiveNNError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"wrote {path}")
    print(f"wrote {args.docs / 'results.json'}")
    print(f"total time {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
