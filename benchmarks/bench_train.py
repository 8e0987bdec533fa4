"""The seed's full-batch recipe: the default against --faithful and against PyTorch.

    python benchmarks/bench_train.py --iterations 100 --pairs 3

Contenders, each in its own process, taking turns: the default (corrected,
float32), the faithful path (the notebook's code, float64, as it was), and,
when PyTorch is installed, the same recipe written with torch tensors in
float32 and in float64 (benchmarks/torch_seed.py). Each reports the median
seconds per iteration of its training loop; the script prints the ratios to
the default and stores them in docs/benchmark.json.
"""

import argparse
import importlib.util
import sys

from common import ROOT, median, run_json, run_train, save

sys.path.insert(0, str(ROOT))
from primitive_nn.machinery import threads  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iterations", type=int, default=100)
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--threads", type=int, default=threads.DEFAULT,
                   help="threads for every contender (default: the package's)")
    args = p.parse_args()
    n, t = args.iterations, str(args.threads)
    contenders = {
        "default": lambda: run_train("--iterations", n, "--threads", t)["wall_seconds"] / n,
        "faithful": lambda: run_train("--iterations", n, "--faithful",
                                      "--threads", t)["wall_seconds"] / n,
    }
    if importlib.util.find_spec("torch") is not None:
        for dtype in ("float32", "float64"):
            contenders[f"torch_{dtype}"] = (lambda d: lambda: run_json(
                [sys.executable, "benchmarks/torch_seed.py", "--dtype", d, "--iterations", str(n),
                 "--threads", t]
            )["seconds_per_iteration"])(dtype)
    else:
        print("PyTorch is not installed: comparing the NumPy paths only")
    times = {name: [] for name in contenders}
    for _ in range(args.pairs):
        for name, measure in contenders.items():
            times[name].append(measure())
    base = median(times["default"])
    ratios = {name: round(median(t) / base, 2) for name, t in times.items()}
    for name, ratio in ratios.items():
        print(f"{name:16s} {ratio:5.2f} x the default's time per iteration")
    save("seed_recipe", {"iterations": n, "rounds": args.pairs, "threads": args.threads,
                         "ratio_to_default": ratios})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
