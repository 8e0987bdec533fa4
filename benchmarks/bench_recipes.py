"""Every named recipe as a user runs it: the whole command's time and its peak memory.

    python benchmarks/bench_recipes.py                 # seed, he, linear, fast, best
    python benchmarks/bench_recipes.py --recipes fast

Each recipe runs as `python -m primitive_nn.train --recipe NAME --quiet`,
loading and evaluation included, in a fresh process, one after the other;
the wall time of the whole command, that time as a multiple of the `seed`
recipe's in the same run (the number to quote: absolute times move with the
machine and the minute), and its peak resident memory go to
docs/benchmark.json, where a recipe measured before keeps its entry until it
is measured again. The targets: every recipe under 1 GB on the full 60,000
images, `best` under 10 minutes on 2 cores, and Part IV's `conv` under 15
minutes and 2 GB (`--recipes conv`, which is not in the default list: it
takes about as long as all the others together).
"""

import argparse
import sys

from common import load, peak_memory_mb, save


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--recipes", default="seed,he,linear,fast,best")
    args = p.parse_args()
    results = {}
    for name in args.recipes.split(","):
        seconds, megabytes = peak_memory_mb([sys.executable, "-m", "primitive_nn.train",
                                             "--recipe", name, "--quiet"])
        results[name] = {"seconds": round(seconds, 1), "peak_mb": round(megabytes)}
        print(f"{name:8s} {seconds:7.1f} s  {megabytes:6.0f} MB")
    save("recipes", {**load("recipes"), **relative_to_seed(results)})
    return 0


def relative_to_seed(results):
    """Add to each recipe its time as a multiple of the `seed` recipe's, when `seed` ran with it."""
    if "seed" not in results:
        return results
    seed_seconds = results["seed"]["seconds"]
    return {name: {**r, "over_seed": round(r["seconds"] / seed_seconds, 2)}
            for name, r in results.items()}


if __name__ == "__main__":
    raise SystemExit(main())
