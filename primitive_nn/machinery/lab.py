r"""The lab: the book's experiments, each run once and cached.

Every number and figure in the book comes from an *experiment*: a function
registered here with `@experiment`, which trains what it needs and returns
its measurements as plain JSON values, plus any arrays it wants to keep
(trained weights, say) as a dict of NumPy arrays. `Lab.result(name)` runs an
experiment, or loads it from the cache if it already ran with the same
settings; experiments ask each other for results the same way, so an
experiment that needs the seed study's median seed simply asks for the seed
study.

The cache lives in `.cache/book/` (one `NAME.json` and `NAME.npz` per
experiment). An entry is used only if it was made with the same *key*: the
experiment's name, the book command's settings, the package version and the
SHA-256 of the data. Code changes do not change the key: after editing what
an experiment does, rerun it with `--rerun NAME`, or everything with
`--fresh`. Each entry records how long the experiment took, which
`python -m primitive_nn.book --list` shows.
"""

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from primitive_nn import __version__
from primitive_nn.machinery import experiments, files, progress

EXPERIMENTS = {}  # name -> Experiment, in the order they were registered


@dataclass(frozen=True)
class Experiment:
    """One experiment of the book: `function(lab) -> (numbers, arrays)`."""

    name: str
    about: str
    function: object


def experiment(name, about):
    """Register the decorated `function(lab) -> (numbers, arrays)` as experiment `name`."""
    def register(function):
        EXPERIMENTS[name] = Experiment(name, about, function)
        return function
    return register


class Lab:
    """Runs experiments for one invocation of the book command, with a cache.

    Parameters
    ----------
    mnist : primitive_nn.data.MNIST
    settings : dict
        JSON values every experiment may read (the seeds, a smoke-test scale);
        part of every cache key.
    cache_dir : Path
    rerun : set of str
        Experiments to run again even if cached.
    quiet : bool
        No progress bars.
    """

    def __init__(self, mnist, settings, cache_dir, rerun=(), quiet=False):
        self.mnist, self.settings, self.cache_dir = mnist, settings, Path(cache_dir)
        self.rerun, self.quiet = set(rerun), quiet
        self._done = {}  # name -> (numbers, arrays, seconds)

    def key(self, name):
        """What a cache entry must have been made with to be used."""
        text = json.dumps({"name": name, "settings": self.settings, "version": __version__,
                           "data": self.mnist.sha256}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def result(self, name):
        """`(numbers, arrays)` of experiment `name`: cached, or run now."""
        if name not in self._done:
            self._done[name] = self._cached(name) or self._run(name)
        numbers, arrays, _ = self._done[name]
        return numbers, arrays

    def seconds(self, name):
        """How long experiment `name` took when it ran (from the cache if it was cached)."""
        self.result(name)
        return self._done[name][2]

    def _cached(self, name):
        path = self.cache_dir / f"{name}.json"
        if name in self.rerun or not path.is_file():
            return None
        entry = json.loads(path.read_text(encoding="utf-8"))
        if entry.get("key") != self.key(name):
            return None
        with np.load(self.cache_dir / f"{name}.npz", allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
        return entry["numbers"], arrays, entry["seconds"]

    def _run(self, name):
        start = time.perf_counter()
        numbers, arrays = EXPERIMENTS[name].function(self)
        seconds = round(time.perf_counter() - start, 1)
        files.prepare_output_dir(self.cache_dir, "cache folder")
        files.save_model(self.cache_dir / f"{name}.npz", arrays or {})
        files.write_json(self.cache_dir / f"{name}.json",
                         {"key": self.key(name), "seconds": seconds, "numbers": numbers})
        return numbers, arrays or {}, seconds

    def train(self, recipe, label, **kwargs):
        """`experiments.run` with a progress bar labelled `label`."""
        unit = "iteration" if recipe.batch_size is None else "epoch"
        on_record, close = progress.training_progress(recipe.epochs, label, self.quiet,
                                                      print_records=False, unit=unit)
        try:
            return experiments.run(recipe, self.mnist, on_record, **kwargs)
        finally:
            close()
