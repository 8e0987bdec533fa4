r"""The lab: the book's experiments, figures, quoted numbers and networks, and their caches.

Every page of the book that shows a measurement has a book module in
`primitive_nn.machinery.pages`, named like the page (`pages/minibatch.py`
for `docs/minibatch.md`). It registers what its page needs, each where it is
defined, with the decorators here:

* `@experiment(name, about)`: `function(lab) -> (numbers, arrays)` trains or
  measures something and returns plain JSON values, plus any arrays to keep;
* `@figure(name)`: `function(lab) -> Figure`, saved as `docs/figures/NAME.png`;
* `@quoted(path)`: `function(lab) -> dict`, merged into `docs/results.json` at
  the dotted key `path` ("" for the top level), where the page's
  placeholders find it;
* `@network(name)`: `function(lab) -> (params, about, test_accuracy,
  temperature)`, a network shipped in the package
  (`primitive_nn.machinery.models`);
* `@reference()`: `function(lab) -> dict`, merged into the package's
  `reference.json`, the spreads over seeds that `python -m primitive_nn.train`
  quotes after a run of the same settings (`primitive_nn.machinery.report`).

`load_pages()` imports every module of that package, so the book command
(`primitive_nn.machinery.book`) finds them all without a central list.

**Experiments** are cached in `.cache/book/` (one `NAME.json` and
`NAME.npz` each). An entry is used only if it was made with the same key:
the experiment's name, the book command's settings, the package version and
the SHA-256 of the data. Code changes do not change the key: after editing
what an experiment does, rerun it with `--rerun NAME`, or everything with
`--fresh`.

**Runs** are cached too, in `.cache/book/runs/`, by `Lab.train`: a run is
named by its recipe, every setting of it but those at their default, and
by the data
(`primitive_nn.machinery.runs`), so experiments that need the same run share
it: the ladder's first rung is the seed study's run of the same seed, not a
copy made by special case. A run is trained at most once per command, and
an experiment named by `--rerun` (or `--fresh`) trains its runs again
instead of taking them from the disk.

**Some experiments only.** A `Lab` made with `only` runs just those
experiments, and any experiment they ask for; asked for any other
experiment, or outside an experiment for a run, that is not cached, it
raises `NotRegenerated`, so that the book command can
rewrite what depends on those experiments alone and leave the rest of the
committed files as they are (`python -m primitive_nn.book --only`).

**Two runs at once.** An experiment that needs several runs asks for them
together (`Lab.train_all`); a `Lab` made with `jobs=2` trains the missing
ones two at a time, each in a process of its own on one thread, as every
run trains. A run depends on nothing but its recipe and the data, so this
changes no number, only the wait: on a 2-core machine three seeds take
two rounds instead of three, each as long as its slower run.

**Times.** An experiment's seconds are what it would take in a fresh book
run: its own wall time (less that of any experiment it asked for, which
is charged to that one), plus the recorded training time of each run it
took from the disk that no earlier experiment had used, whether that
experiment ran in this command or came from its cache, which lists its
runs. So the sum over the experiments estimates a fresh run's time
whichever caches a run of the command found. An experiment that works on
another's runs asks for that experiment first (`Lab.result`), so the runs
are charged to their owner in every order.
"""

import concurrent.futures
import hashlib
import importlib
import json
import multiprocessing
import pkgutil
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path

from primitive_nn import __version__
from primitive_nn.errors import PrimitiveNNError
from primitive_nn.machinery import files, progress, runs
from primitive_nn.machinery.recipes import uses_part1_loop

PAGES = "primitive_nn.machinery.pages"


class NotRegenerated(Exception):
    """An experiment outside a `Lab`'s `only`, or a run none of them trained, not cached.

    What needs it is not rewritten; `name` says what it needed.
    """

    def __init__(self, name):
        super().__init__(f"{name} is neither cached nor among what this command runs")
        self.name = name


@dataclass(frozen=True)
class Entry:
    """Something a page module registered: an experiment, a figure, quoted numbers or a network."""

    name: str         # the experiment, figure file or network name; the results path for numbers
    function: object  # function(lab) -> what the decorator says
    page: str         # the page module that registered it
    about: str = ""


EXPERIMENTS, FIGURES, QUOTED, NETWORKS, REFERENCES = {}, {}, {}, {}, {}  # filled by the decorators


def _register(table, key, name, about=""):
    def register(function):
        if key(function) in table:
            raise ValueError(f"{key(function)!r} is registered twice")
        table[key(function)] = Entry(name, function, function.__module__.rsplit(".", 1)[-1], about)
        return function
    return register


def experiment(name, about):
    """Register `function(lab) -> (numbers, arrays)` as experiment `name`."""
    return _register(EXPERIMENTS, lambda f: name, name, about)


def figure(name):
    """Register `function(lab) -> Figure` as the figure `docs/figures/NAME.png`."""
    return _register(FIGURES, lambda f: name, name)


def quoted(path=""):
    """Register `function(lab) -> dict` as numbers for results.json, at the dotted key `path`."""
    return _register(QUOTED, lambda f: f"{f.__module__}.{f.__name__}", path)


def network(name):
    """Register `function(lab) -> (params, about, test_accuracy)` as shipped network `name`."""
    return _register(NETWORKS, lambda f: name, name)


def reference():
    """Register `function(lab) -> dict` as part of the train command's reference.json."""
    return _register(REFERENCES, lambda f: f"{f.__module__}.{f.__name__}", "")


def load_pages():
    """Import every book module in `primitive_nn.machinery.pages`, which registers its entries."""
    package = importlib.import_module(PAGES)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{PAGES}.{module.name}")


# ---------------------------------------------------------------- runs on disk


class RunCache:
    """Runs on disk, `KEY.json` and `KEY.npz` each, keyed by recipe, data and package version."""

    def __init__(self, folder, data_sha256):
        self.folder, self.data_sha256 = Path(folder), data_sha256

    def key(self, recipe):
        """The run's name on disk: a digest of the recipe's settings, the data and the version.

        A setting at its default is left out, so a setting added to `Recipe`
        leaves the names of the runs made before it unchanged.
        """
        settings = {f.name: value for f in fields(recipe)
                    if (value := getattr(recipe, f.name)) != f.default}
        text = json.dumps({"recipe": settings, "data": self.data_sha256,
                           "version": __version__}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def load(self, recipe):
        """The cached `runs.Run` of `recipe`, or None."""
        path = self.folder / f"{self.key(recipe)}.json"
        if not path.is_file():
            return None
        entry = files.read_json(path)
        arrays = files.load_model(path.with_suffix(".npz"))
        split = {part: {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith(part)}
                 for part in ("params.", "start.")}
        return runs.Run(recipe, split["params."] or None, split["start."], **entry)

    def has(self, recipe):
        """True if a run of `recipe` is on disk."""
        return (self.folder / f"{self.key(recipe)}.json").is_file()

    def save(self, result):
        """Write a `runs.Run` under its recipe's key."""
        key = self.key(result.recipe)
        files.prepare_output_dir(self.folder, "cache folder")
        arrays = {**{f"params.{k}": v for k, v in (result.params or {}).items()},
                  **{f"start.{k}": v for k, v in result.initial_params.items()}}
        files.save_model(self.folder / f"{key}.npz", arrays)
        kept = ("history", "train_accuracy", "dev_accuracy", "test_accuracy", "wall_seconds",
                "diverged")
        files.write_json(self.folder / f"{key}.json", {f: getattr(result, f) for f in kept})


# ---------------------------------------------------------------- the lab


class Lab:
    """Runs experiments and trains recipes for one invocation of the book command, with caches.

    Parameters
    ----------
    mnist : primitive_nn.machinery.mnist.MNIST
    settings : dict
        JSON values every experiment may read (the seeds; `smoke`, a toy
        scale); part of every experiment's cache key.
    cache_dir : Path
    rerun : set of str
        Experiments to run again even if cached; their runs are trained again.
    quiet : bool
        No progress bars.
    only : set of str, optional
        Run only these experiments and those they ask for; anything else,
        unless cached, raises `NotRegenerated`. None: every experiment.
    jobs : int
        How many runs `train_all` trains at once, each in its own process.
    """

    def __init__(self, mnist, settings, cache_dir, rerun=(), quiet=False, only=None, jobs=1):
        self.mnist, self.settings, self.cache_dir = mnist, settings, Path(cache_dir)
        self.rerun, self.quiet = set(rerun), quiet
        self.only = None if only is None else set(only)
        self.jobs = jobs
        self._ready = {}     # run key -> Run trained by train_all, for train to take
        self.runs = RunCache(self.cache_dir / "runs", mnist.sha256)
        self._done = {}      # experiment name -> (numbers, arrays, seconds)
        self._trained = {}   # run key -> Run, trained or loaded by this command
        self._fresh = set()  # run keys trained by this command
        self._running = []   # the experiments running now, innermost last
        self._loaded = {}    # experiment name -> recorded seconds of the runs it took from the disk
        self._used = {}      # experiment name -> keys of the runs it asked for
        self._owned = set()  # run keys that an experiment before, run or cached, asked for
        self._spent = 0.0    # wall seconds of the experiments this command has run

    @property
    def smoke(self):
        """True in a smoke test: every experiment at a toy scale, its numbers meaningless."""
        return bool(self.settings.get("smoke"))

    def scaled(self, recipe):
        """`recipe` at a toy scale in a smoke test (an epoch or two, 3,000 images), else unchanged."""
        if not self.smoke:
            return recipe
        return replace(recipe, epochs=2 if uses_part1_loop(recipe) else 1, train_size=3000,
                       dev_size=min(recipe.dev_size, 500))

    def seeds(self, wanted):
        """The seeds an experiment runs: `wanted`, or only the first in a smoke test."""
        return wanted[:1] if self.smoke else wanted

    def key(self, name):
        """What a cached experiment must have been made with to be used."""
        text = json.dumps({"name": name, "settings": self.settings, "version": __version__,
                           "data": self.mnist.sha256}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def result(self, name):
        """`(numbers, arrays)` of experiment `name`: cached, or run now."""
        if name not in EXPERIMENTS:
            raise KeyError(f"no experiment called {name!r}")
        if name not in self._done:
            cached = self._cached(name)
            if cached is None and not (self.only is None or name in self.only or self._running):
                raise NotRegenerated(f"experiment {name}")
            self._done[name] = cached or self._run(name)
        numbers, arrays, _ = self._done[name]
        return numbers, arrays

    def done(self):
        """The experiments this command has run or taken from the cache, in the order registered."""
        return [name for name in EXPERIMENTS if name in self._done]

    def seconds(self, name):
        """How long experiment `name` took when it ran (from the cache if it was cached)."""
        self.result(name)
        return self._done[name][2]

    def train(self, recipe, label):
        """The `runs.Run` of `recipe`: trained by this command, cached on disk, or trained now.

        `label` names the progress bar, if one is drawn.
        """
        key = self.runs.key(recipe)
        again = bool(self._running) and self._running[-1] in self.rerun
        if key in self._fresh or (key in self._trained and not again):
            return self._trained[key]
        result = self._ready.pop(key, None)     # trained by train_all, and saved as it finished
        fresh = result is not None
        if result is None and not again:
            result = self.runs.load(recipe)
        if result is None and self.only is not None and not self._running:
            raise NotRegenerated(f"the run {label!r}")   # outside the experiments: one of theirs
        if result is None:
            result, fresh = runs.run(recipe, self.mnist, label=label, quiet=self.quiet), True
            self.runs.save(result)
        if fresh:
            self._fresh.add(key)
        elif self._running and key not in self._owned:  # charged as if trained now: "Times" above
            self._loaded[self._running[-1]] = self._loaded.get(self._running[-1], 0) + result.wall_seconds
        if self._running:
            self._used.setdefault(self._running[-1], set()).add(key)
        self._trained[key] = result
        return result

    def train_all(self, wanted):
        """The runs of `wanted`, `[(recipe, label), ...]`, in its order, each as `train` gives it.

        Those that must be trained are trained `jobs` at a time first
        (`train_in_processes`), each cached as soon as it finishes, so that a
        batch cut short keeps its finished runs; then each goes through
        `train` as if just trained there, so the times are kept the same way.
        """
        again = bool(self._running) and self._running[-1] in self.rerun
        missing = {}
        for recipe, label in wanted:
            key = self.runs.key(recipe)
            if key in self._fresh or (key in self._trained and not again):
                continue
            if again or not self.runs.has(recipe):
                missing[key] = (recipe, label)
        if self.jobs > 1 and len(missing) > 1 and (self._running or self.only is None):
            trained = train_in_processes([recipe for recipe, _ in missing.values()], self.mnist,
                                         self.jobs, self.quiet, on_done=self.runs.save)
            self._ready.update(zip(missing, trained))
        return [self.train(recipe, label) for recipe, label in wanted]

    def train_groups(self, groups):
        """`train_all` over several groups at once: `{name: [(recipe, label), ...]}` to `{name: [Run, ...]}`."""
        trained = iter(self.train_all([wanted for group in groups.values() for wanted in group]))
        return {name: [next(trained) for _ in group] for name, group in groups.items()}

    def _cached(self, name):
        path = self.cache_dir / f"{name}.json"
        if name in self.rerun or not path.is_file():
            return None
        entry = files.read_json(path)
        if entry.get("key") != self.key(name):
            return None
        self._owned.update(entry.get("runs", []))
        return entry["numbers"], files.load_model(self.cache_dir / f"{name}.npz"), entry["seconds"]

    def _run(self, name):
        start, spent_before = time.perf_counter(), self._spent
        self._running.append(name)
        try:
            numbers, arrays = EXPERIMENTS[name].function(self)
        finally:
            self._running.pop()
        wall = time.perf_counter() - start
        own = wall - (self._spent - spent_before)  # less the experiments it asked for
        self._spent = spent_before + wall
        seconds = round(own + self._loaded.get(name, 0), 1)
        runs = sorted(self._used.get(name, ()))
        self._owned.update(runs)
        files.prepare_output_dir(self.cache_dir, "cache folder")
        files.save_model(self.cache_dir / f"{name}.npz", arrays or {})
        files.write_json(self.cache_dir / f"{name}.json", {"key": self.key(name), "seconds": seconds,
                                                            "numbers": numbers, "runs": runs})
        return numbers, arrays or {}, seconds


# ---------------------------------------------------------------- runs in processes

_MNIST = None  # the data, set before the workers fork, so that it is inherited, not copied per run


def train_in_processes(recipes, mnist, jobs, quiet=False, on_done=None):
    """Train every recipe on `mnist`, `jobs` at a time, each in a forked process; the runs in order.

    A bar counts the finished runs (on a terminal, unless `quiet`), and
    `on_done(run)`, if given, is called with each as it finishes. A run
    that fails raises its error here, as one line.
    """
    global _MNIST
    _MNIST = mnist
    pool = concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
    try:
        with progress.bar(len(recipes), f"{len(recipes)} runs, {jobs} at a time", quiet,
                          unit="run") as done:
            futures = [pool.submit(_train_one, recipe) for recipe in recipes]
            for future in concurrent.futures.as_completed(futures):
                run = future.result()  # the first run that fails ends the batch (those running finish)
                if on_done:
                    on_done(run)
                done.update(1)
        return [future.result() for future in futures]
    finally:
        pool.shutdown(cancel_futures=True)
        _MNIST = None


def _train_one(recipe):
    """In a worker: one run, quietly; its error as a plain one-line error that pickles."""
    try:
        return runs.run(recipe, _MNIST, quiet=True)
    except PrimitiveNNError as error:
        raise PrimitiveNNError(str(error)) from None
