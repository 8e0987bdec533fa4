r"""Gradient descent and the training loop.

## The update rule

The loss $L(\theta)$ is a function of every parameter at once. Its gradient
$\nabla L$ points in the direction of steepest *increase*, so a small step
against it lowers the loss: for a step $\Delta\theta = -\alpha \nabla L$,

$$
L(\theta - \alpha \nabla L) = L(\theta) - \alpha \lVert \nabla L \rVert^2 + O(\alpha^2),
$$

which is below $L(\theta)$ for any small enough $\alpha > 0$ unless the
gradient is zero. Gradient descent repeats that step for every parameter,

$$
W^{[l]} \leftarrow W^{[l]} - \alpha\, dW^{[l]}, \qquad
b^{[l]} \leftarrow b^{[l]} - \alpha\, db^{[l]},
$$

which is `params[name] - alpha * grads["d" + name]` for each name (see
`gradient_step`). *Full-batch* means that every step uses all $m$ training
examples: the gradient is exact, and each step is as expensive as a pass
over the whole training set. Too large an $\alpha$ overshoots, the weights
grow without bound, and the loss becomes inf or NaN; `train` stops with an
error naming the iteration when that happens.

## One iteration

An iteration is a forward pass, the loss, a backward pass and an update,
in that order (`train`). What it costs is dominated by the two products
with the $(n_x, m)$ input matrix, $W^{[1]} X$ forward and $dZ^{[1]} X^\top$
backward: $n_h n_x m = 10 \cdot 784 \cdot 41{,}000 \approx 3.2 \times 10^8$
multiply-adds each. Everything else works on $(10, m)$ matrices, about 80
times less. The products themselves are cheap for the processor; reading
$X$ is not: at 4 bytes a number it is 129 MB, streamed from memory twice
an iteration. Three choices keep the default fast:

* **float32.** Half the bytes of float64, so twice the examples per second
  through memory. The answer barely moves: with seed 0, float32 and float64
  (`--dtype float64`) end at the same train and dev accuracy, and their test
  accuracies differ by one image in 10,000. The gradient check, which does
  need float64, runs separately (`primitive_nn.gradcheck`).
* **No $dX$ for the first layer.** $W^{[1]\top} dZ^{[1]}$ would cost a third
  product as large as the other two, for a gradient nobody uses.
* **$Y$ made once.** The seed rebuilt the one-hot matrix every iteration.

`--faithful` runs the seed's recipe in float64, as the seed did.

## Running it

```text
python -m primitive_nn.train                     # the seed's recipe, corrected
python -m primitive_nn.train --faithful          # bug for bug
python -m primitive_nn.train --seeds 0-19        # the distribution over seeds
python -m primitive_nn.train --out runs/a        # model.npz and metrics.json
```

The options mirror `Config`. Everything the run measures is returned as a
`Run`; the command-line part only prints it.
"""

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np

from primitive_nn import __version__, data, seed
from primitive_nn.errors import PrimitiveNNError, TrainingError
from primitive_nn.loss import cross_entropy, one_hot
from primitive_nn.network import accuracy, backward, forward, init_params, n_layers, predict

SEED_REPORTED_TRAIN_ACCURACY = 0.8636  # the seed notebook, iteration 490, one unseeded run


@dataclass(frozen=True)
class Config:
    """One training run. The defaults are the seed's recipe."""

    seed: int = 0            # one Generator from this seed shuffles the data, then initializes
    iterations: int = 500    # full-batch gradient-descent steps
    alpha: float = 0.1       # learning rate
    hidden: int = 10         # units in the hidden layer: 784-hidden-10
    dev_size: int = 1000     # held out from the 42,000 after shuffling
    init: str = "uniform"    # "uniform": the seed's U[-0.5, 0.5); "he": He et al.
    faithful: bool = False   # reproduce the seed's defects (primitive_nn.seed)
    dtype: str = ""          # "" picks float64 when faithful, else float32
    log_every: int = 10      # history and progress every this many iterations

    @property
    def float_dtype(self):
        return np.dtype(self.dtype or ("float64" if self.faithful else "float32"))


@dataclass
class Run:
    """What one run produced and measured."""

    config: Config
    params: dict             # trained
    initial_params: dict     # where training started (train never modifies its input)
    history: list            # [{"iteration", "loss", "train_accuracy", "dev_accuracy"}, ...]
    train_accuracy: float    # final parameters, all training examples
    dev_accuracy: float
    test_accuracy: float | None  # official MNIST test set; None for a CSV
    wall_seconds: float      # the training loop alone


def validate(config):
    """Raise `TrainingError` for settings no run can use."""
    if config.iterations < 1:
        raise TrainingError(f"--iterations must be a positive integer, got {config.iterations}")
    if not (np.isfinite(config.alpha) and config.alpha > 0):
        raise TrainingError(f"--alpha must be a positive number, got {config.alpha}")
    if config.dev_size < 1:
        raise TrainingError(f"--dev-size must be a positive integer, got {config.dev_size}")
    if config.hidden < 1:
        raise TrainingError(f"--hidden must be a positive integer, got {config.hidden}")
    if config.faithful and config.init != "uniform":
        raise TrainingError("--faithful reproduces the seed, whose init is uniform; drop --init")


def gradient_step(params, grads, alpha):
    r"""One step of gradient descent: $\theta \leftarrow \theta - \alpha\, d\theta$ for every parameter.

    Parameters
    ----------
    params : dict of str to ndarray
    grads : dict of str to ndarray
        ``d{name}`` for each parameter name, shaped alike.
    alpha : float
        The learning rate.

    Returns
    -------
    dict of str to ndarray
        New parameters; the old ones are not modified.

    Examples
    --------
    >>> import numpy as np
    >>> new = gradient_step({"W1": np.array([[1.0, 2.0]])},
    ...                     {"dW1": np.array([[10.0, -10.0]])}, alpha=0.1)
    >>> new["W1"]
    array([[0., 3.]])
    """
    return {name: p - alpha * grads["d" + name] for name, p in params.items()}


def train(params, X, labels, alpha, iterations, *, forward=forward, backward=backward,
          log_every=10, monitor=None, on_iteration=None):
    r"""Full-batch gradient descent.

    Each iteration: forward pass, loss, backward pass, `gradient_step`.
    Every `log_every` iterations (0, 10, ..., as the seed printed) the loss
    and training accuracy of that iteration's forward pass are recorded.

    Parameters
    ----------
    params : dict of str to ndarray
        Starting parameters, as `primitive_nn.network.init_params` makes them.
    X : ndarray of shape (n_x, m)
    labels : ndarray of int, shape (m,)
    alpha : float
    iterations : int
    forward, backward : callable
        The passes to use; `primitive_nn.seed` supplies the seed's versions.
    log_every : int
    monitor : callable, optional
        ``monitor(params) -> dict``, merged into each history entry; for
        example the dev accuracy of the same parameters.
    on_iteration : callable, optional
        ``on_iteration(i, record)`` after every iteration; `record` is the
        history entry on logging iterations, else None.

    Returns
    -------
    params : dict of str to ndarray
        The trained parameters.
    history : list of dict
        ``{"iteration", "loss", "train_accuracy"}`` every `log_every` iterations.

    Raises
    ------
    TrainingError
        If the loss becomes NaN or infinite; names the iteration.

    Examples
    --------
    Four points, two classes, ten steps: the loss falls.

    >>> import numpy as np
    >>> from primitive_nn.network import init_params
    >>> X = np.array([[0.0, 0.1, 0.9, 1.0], [1.0, 0.9, 0.1, 0.0]])
    >>> labels = np.array([0, 0, 1, 1])
    >>> params = init_params([2, 3, 2], np.random.default_rng(0))
    >>> params, history = train(params, X, labels, alpha=0.5, iterations=10, log_every=5)
    >>> [h["iteration"] for h in history]
    [0, 5]
    >>> history[1]["loss"] < history[0]["loss"]
    True
    """
    L = n_layers(params)
    Y = one_hot(labels, params[f"W{L}"].shape[0], dtype=X.dtype)  # (n_y, m), made once
    history = []
    for i in range(iterations):
        with np.errstate(over="ignore", invalid="ignore"):  # overflow shows up as the loss, below
            cache = forward(params, X)
            loss = cross_entropy(cache[f"A{L}"], Y)
        if not np.isfinite(loss):
            raise TrainingError(f"the loss became {loss} at iteration {i} with alpha={alpha}; "
                                "the steps are too large, try a smaller --alpha")
        record = None
        if i % log_every == 0:
            predictions = cache[f"A{L}"].argmax(axis=0)
            record = {"iteration": i, "loss": loss, "train_accuracy": accuracy(predictions, labels),
                      **(monitor(params) if monitor else {})}
            history.append(record)
        params = gradient_step(params, backward(params, cache, Y), alpha)
        if on_iteration is not None:
            on_iteration(i, record)
    return params, history


def passes(config, m_total, defects=None):
    """The forward and backward functions for a run: corrected, or the seed's.

    `defects` (a `primitive_nn.seed.Defects`) picks some of the seed's
    defects; by default ``config.faithful`` picks all or none.
    """
    if defects is None:
        defects = seed.FAITHFUL if config.faithful else None
    if defects is None:
        return forward, backward
    return (partial(seed.forward_seed, defects=defects),
            partial(seed.backward_seed, m=m_total, defects=defects))


def run(config, mnist, on_iteration=None, defects=None):
    """Train one network on `mnist` (a `primitive_nn.data.MNIST`) as `config` says.

    `defects` switches on some of the seed's defects, for measuring each
    alone (`primitive_nn.book` does); ``config.faithful`` switches on all.

    Returns
    -------
    Run
    """
    validate(config)
    rng = np.random.default_rng(config.seed)
    dtype = config.float_dtype
    X, labels, X_dev, labels_dev = data.split_dev(
        mnist.train_images, mnist.train_labels, config.dev_size, rng, dtype=dtype)
    initial_params = init_params([X.shape[0], config.hidden, 10], rng, config.init, dtype)
    forward_pass, backward_pass = passes(config, len(mnist.train_labels), defects)

    def monitor(params):
        return {"dev_accuracy": accuracy(predict(params, X_dev), labels_dev)}

    start = time.perf_counter()
    params, history = train(initial_params, X, labels, config.alpha, config.iterations,
                            forward=forward_pass, backward=backward_pass,
                            log_every=config.log_every, monitor=monitor,
                            on_iteration=on_iteration)
    wall_seconds = time.perf_counter() - start
    test_accuracy = None
    if mnist.test_images is not None:
        X_test = data.to_columns(mnist.test_images, dtype=dtype)
        test_accuracy = accuracy(predict(params, X_test), mnist.test_labels)
    return Run(config, params, initial_params, history,
               train_accuracy=accuracy(predict(params, X), labels),
               dev_accuracy=accuracy(predict(params, X_dev), labels_dev),
               test_accuracy=test_accuracy, wall_seconds=wall_seconds)


# --- Saving and loading -----------------------------------------------------------


def save_model(path, params):
    """Save parameters to an ``.npz`` file (plain arrays, no pickles), atomically."""
    data.write_atomically(path, lambda f: np.savez(f, **params))


def load_model(path):
    """Load parameters saved by `save_model`, refusing pickled objects.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.npz"
    >>> save_model(path, {"W1": np.eye(2), "b1": np.zeros((2, 1))})
    >>> {name: p.shape for name, p in load_model(path).items()}
    {'W1': (2, 2), 'b1': (2, 1)}
    """
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def metrics(result, mnist):
    """The JSON-ready record of a run: settings, accuracies, history, provenance."""
    config = result.config
    return {
        **asdict(config), "dtype": str(config.float_dtype),
        "train_accuracy": result.train_accuracy,
        "dev_accuracy": result.dev_accuracy,
        "test_accuracy": result.test_accuracy,
        "seed_reported_train_accuracy": SEED_REPORTED_TRAIN_ACCURACY,
        "history": result.history,
        "data_source": mnist.source,
        "data_sha256": mnist.sha256,
        "version": __version__,
        "wall_seconds": result.wall_seconds,
    }


def save_run(out_dir, result, mnist):
    """Write ``model.npz`` and ``metrics.json`` into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_model(out_dir / "model.npz", result.params)
    text = json.dumps(metrics(result, mnist), indent=2) + "\n"
    data.write_atomically(out_dir / "metrics.json", lambda f: f.write(text.encode()))


# --- Many seeds ---------------------------------------------------------------------


def parse_seeds(text):
    """Seeds from ``"0-19"``, ``"3"`` or ``"1,5,9"``.

    Examples
    --------
    >>> parse_seeds("0-3"), parse_seeds("7"), parse_seeds("1,5-6")
    ([0, 1, 2, 3], [7], [1, 5, 6])
    """
    seeds = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise TrainingError(f"--seeds takes a list such as 0-19 or 1,5,9, got {text!r}")
        seeds.extend(range(int(first), int(last or first) + 1))
    if not seeds:
        raise TrainingError(f"--seeds {text!r} names no seed")
    return seeds


def summarize(values):
    """Mean, sample standard deviation, min and max of a list of accuracies.

    Examples
    --------
    >>> summarize([0.8, 0.9])
    {'mean': 0.85, 'sd': 0.0707, 'min': 0.8, 'max': 0.9, 'n': 2}
    """
    v = np.asarray(values, dtype=float)
    sd = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    return {"mean": round(float(v.mean()), 4), "sd": round(sd, 4),
            "min": float(v.min()), "max": float(v.max()), "n": len(v)}


def seed_study(runs):
    """Summaries of a list of `Run`s: final train/dev accuracy, and the last logged train accuracy.

    The seed's 86.36% is the last accuracy its loop printed (iteration 490
    of 500), read from that iteration's forward pass; the last entry of each
    run's history is the same measurement, so the two compare like for like.
    """
    last = [r.history[-1] for r in runs]
    return {"train": summarize([r.train_accuracy for r in runs]),
            "dev": summarize([r.dev_accuracy for r in runs]),
            "last_logged_iteration": last[0]["iteration"],
            "train_last_logged": summarize([h["train_accuracy"] for h in last]),
            "fraction_reaching_seed": round(float(np.mean(
                [h["train_accuracy"] >= SEED_REPORTED_TRAIN_ACCURACY for h in last])), 4),
            "median_wall_seconds": round(float(np.median([r.wall_seconds for r in runs])), 2),
            "runs": [{"seed": r.config.seed, "train_accuracy": r.train_accuracy,
                      "dev_accuracy": r.dev_accuracy, "test_accuracy": r.test_accuracy}
                     for r in runs]}


# --- Command line -------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """One line for a bad option, not a usage dump."""
        self.exit(2, f"error: {message} (see --help)\n")


def parse_args(argv):
    defaults = Config()
    p = _Parser(prog="python -m primitive_nn.train",
                description="Train the seed's 784-10-10 network on MNIST.")
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--seeds", help="run many seeds, e.g. 0-19, in both modes and summarize")
    p.add_argument("--iterations", type=int, default=defaults.iterations)
    p.add_argument("--alpha", type=float, default=defaults.alpha, help="learning rate")
    p.add_argument("--hidden", type=int, default=defaults.hidden, help="hidden units")
    p.add_argument("--dev-size", type=int, default=defaults.dev_size)
    p.add_argument("--init", choices=["uniform", "he"], default=defaults.init)
    p.add_argument("--faithful", action="store_true", help="reproduce the seed's defects")
    p.add_argument("--dtype", choices=["float32", "float64"], default=defaults.dtype or None)
    p.add_argument("--data", type=Path, help="a Kaggle-style CSV or a directory of IDX files")
    p.add_argument("--cache-dir", type=Path, help=f"where MNIST is cached (env {data.CACHE_ENV})")
    p.add_argument("--out", type=Path, help="write model.npz and metrics.json here")
    p.add_argument("--show", type=int, nargs="*", metavar="INDEX",
                   help="show dev images with predicted and true labels (PNG when headless)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    return p.parse_args(argv)


def config_from(args, **overrides):
    fields = {name: getattr(args, name) for name in
              ("seed", "iterations", "alpha", "hidden", "dev_size", "init", "faithful")}
    fields["dtype"] = args.dtype or ""
    return Config(**{**fields, **overrides})


def _progress(config, quiet, label=""):
    """A tqdm bar over iterations that also prints each logged record; None if quiet."""
    if quiet:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=config.iterations, desc=label or "training", unit="it", leave=False)

    def on_iteration(i, record):
        bar.update(1)
        if record is not None and not label:
            bar.write(f"iteration {record['iteration']:4d}   loss {record['loss']:.4f}   "
                      f"train accuracy {record['train_accuracy']:.4f}")
    return on_iteration, bar.close


def _percent(x):
    return "n/a" if x is None else f"{100 * x:.2f}%"


def report(result):
    """The end-of-run summary, as lines of text."""
    c = result.config
    mode = "faithful (the seed's defects)" if c.faithful else "corrected"
    last = result.history[-1]
    lines = [f"{mode}: 784-{c.hidden}-10, alpha={c.alpha}, {c.iterations} iterations, "
             f"seed {c.seed}, {c.float_dtype}",
             f"  train accuracy {_percent(result.train_accuracy)}   "
             f"dev {_percent(result.dev_accuracy)}   test {_percent(result.test_accuracy)}",
             f"  wall time {result.wall_seconds:.1f} s for the training loop"]
    lines.append(f"  train accuracy at iteration {last['iteration']}: "
                 f"{_percent(last['train_accuracy'])}; the seed notebook printed "
                 f"{_percent(SEED_REPORTED_TRAIN_ACCURACY)} at iteration 490, in one unseeded run")
    return lines


def _study_lines(name, study):
    it = study["last_logged_iteration"]
    lines = [f"{name} over {study['train']['n']} seeds:"]
    for label, key in (("final train", "train"), ("final dev", "dev"),
                       (f"train at {it}", "train_last_logged")):
        s = study[key]
        lines.append(f"  {label:15s} {100 * s['mean']:.2f}% ± {100 * s['sd']:.2f}  "
                     f"(range {100 * s['min']:.2f}% to {100 * s['max']:.2f}%)")
    lines.append(f"  runs at or above the seed's {_percent(SEED_REPORTED_TRAIN_ACCURACY)} "
                 f"at iteration {it}: {100 * study['fraction_reaching_seed']:.0f}%")
    return lines


def main_seeds(args, mnist):
    """``--seeds``: run every seed, corrected and faithful, then summarize each mode.

    ``--faithful`` runs the faithful mode alone; a recipe the seed never had
    (``--init he``) runs corrected alone.
    """
    seeds = parse_seeds(args.seeds)
    modes = ["faithful"] if args.faithful else ["corrected"]
    if not args.faithful and args.init == "uniform":
        modes.append("faithful")
    studies = {}
    for mode in modes:
        runs = []
        for s in seeds:
            config = config_from(args, seed=s, faithful=(mode == "faithful"))
            on_iteration, close = _progress(config, args.quiet, label=f"{mode} seed {s}")
            try:
                runs.append(run(config, mnist, on_iteration))
            finally:
                close()
        studies[mode] = seed_study(runs)
        print("\n".join(_study_lines(mode, studies[mode])))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"seeds": seeds, "config": asdict(config_from(args)), **studies},
                          indent=2) + "\n"
        data.write_atomically(args.out / "seeds.json", lambda f: f.write(text.encode()))
    return 0


def main_single(args, mnist):
    config = config_from(args)
    on_iteration, close = _progress(config, args.quiet)
    try:
        result = run(config, mnist, on_iteration)
    finally:
        close()
    for line in report(result):
        print(line)
    if args.out:
        save_run(args.out, result, mnist)
        print(f"  wrote {args.out / 'model.npz'} and {args.out / 'metrics.json'}")
    if args.show is not None:
        from primitive_nn.plots import test_prediction

        rng = np.random.default_rng(config.seed)
        _, _, X_dev, labels_dev = data.split_dev(
            mnist.train_images, mnist.train_labels, config.dev_size, rng)
        for index in args.show or [0]:
            where = test_prediction(index, result.params, X_dev, labels_dev, out_dir=args.out)
            print(f"  dev image {index}: {where}")
    return 0


def main(argv=None):
    args = parse_args(argv)
    try:
        validate(config_from(args))
        if any(not 0 <= index < args.dev_size for index in args.show or []):
            raise TrainingError(f"--show takes dev image indices from 0 to {args.dev_size - 1}")
        bars = None if args.quiet else data.TqdmBars()
        try:
            mnist = data.load_mnist(args.data, cache_dir=args.cache_dir, progress=bars)
        finally:
            if bars:
                bars.close()
        return (main_seeds if args.seeds else main_single)(args, mnist)
    except PrimitiveNNError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # --out in a place we cannot write, a full disk, ...
        print(f"error: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
