"""Threads on a quiet and on a busy machine: every named recipe with 1 and 2 threads, alone and not.

    python benchmarks/bench_threads.py --repeats 3

For each named recipe, the training loop's time (from metrics.json) with
`--threads 1` and `--threads 2`, on a quiet machine and beside one
single-threaded busy loop (`python -c "while True: pass"`), the competing
load of a shared machine. Every run is a process of its own, and the
settings take turns, recipe by recipe, repeat by repeat; the medians are
stored in docs/benchmark.json under "threads". When the machine has more
than 2 cores, every run and the busy loop are pinned to two of them with
`taskset`, so the numbers are a 2-core machine's. Recipes longer than a
few seconds run for `--epochs-cap` iterations or epochs only: a ratio of
times per step is what the policy needs.

The quiet time of a recipe is its faster thread setting on the quiet
machine; each setting's time is reported over it too, quiet and busy.
"""

import argparse
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager

from common import ROOT, median, run_train, save

CAPS = {"seed": 40, "linear": 40, "he": 40, "deep": 1, "regularized": 1, "best": 1}
TWO_CORES = "0,1"


def pinned(argv, cores):
    """`argv` under `taskset -c cores` when the machine has more than two cores."""
    many = len(os.sched_getaffinity(0)) > 2 and shutil.which("taskset")
    return ["taskset", "-c", cores, *argv] if many else argv


@contextmanager
def busy(on):
    """One single-threaded busy loop on one of the two cores, while the block runs (if `on`)."""
    if not on:
        yield
        return
    loop = subprocess.Popen(pinned([sys.executable, "-c", "while True: pass"], "1"), cwd=ROOT)
    try:
        yield
    finally:
        loop.kill()
        loop.wait()


def seconds(name, threads, loaded, cap):
    """The training loop's wall time of one run of recipe `name`."""
    options = ["--recipe", name, "--threads", threads, *(["--epochs", cap] if cap else [])]
    with busy(loaded):
        return run_train(*options, prefix=pinned([], TWO_CORES))["wall_seconds"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--recipes", default="seed,linear,he,minibatch,momentum,cosine,fast,deep,"
                                        "regularized,best")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--epochs-cap", type=int, default=None,
                   help="override the per-recipe caps with this many iterations or epochs")
    args = p.parse_args()
    names = args.recipes.split(",")
    settings = [(t, loaded) for loaded in (False, True) for t in (1, 2)]
    times = {name: {f"{'busy' if l else 'quiet'}_{t}": [] for t, l in settings} for name in names}
    for repeat in range(args.repeats):
        for name in names:
            for threads, loaded in settings:
                took = seconds(name, threads, loaded, args.epochs_cap or CAPS.get(name))
                times[name][f"{'busy' if loaded else 'quiet'}_{threads}"].append(took)
                print(f"repeat {repeat + 1}: {name:12s} {threads} thread(s) "
                      f"{'busy' if loaded else 'quiet'}: {took:.2f} s", flush=True)
    save("threads", summarize(times))
    return 0


def summarize(times):
    """Medians, each over the recipe's quiet time (its faster quiet setting), and the worst ratios.

    `times` maps recipe -> setting ("quiet_1", "busy_2", ...) -> seconds of each repeat.
    """
    out = {"repeats": min(len(v) for runs in times.values() for v in runs.values()), "recipes": {}}
    for name, runs in times.items():
        medians = {key: round(median(values), 3) for key, values in runs.items()}
        quiet = min(medians["quiet_1"], medians["quiet_2"])
        out["recipes"][name] = {**medians, **{f"{key}_over_quiet": round(value / quiet, 2)
                                              for key, value in medians.items()}, "seconds": runs}
        print(f"{name:12s} {out['recipes'][name]}")
    for key in ("quiet_1", "quiet_2", "busy_1", "busy_2"):
        ratios = [r[f"{key}_over_quiet"] for r in out["recipes"].values()]
        out[f"{key}_over_quiet"] = {"min": min(ratios), "max": max(ratios)}
    return out


if __name__ == "__main__":
    raise SystemExit(main())
