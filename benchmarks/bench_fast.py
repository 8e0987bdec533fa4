"""The `fast` recipe in NumPy (this package) against the same recipe in idiomatic PyTorch CPU.

    python benchmarks/bench_fast.py --pairs 3

Each pair runs `python -m primitive_nn.train --recipe fast` and
`benchmarks/torch_fast.py` with the same seed, each in its own process, one
after the other; the seed advances with each pair. Both report the seconds
of their training loop (per-epoch dev evaluation included, data loading
excluded) and their test accuracy. The medians and their ratio go to
docs/benchmark.json, which the book quotes. PyTorch is optional:
`pip install torch==2.13.0`; without it the script says so and stops.
"""

import argparse
import importlib.util
import sys

from common import ROOT, median, run_json, run_train, save

sys.path.insert(0, str(ROOT))
from primitive_nn.machinery import threads  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--threads", type=int, default=threads.DEFAULT,
                   help="threads for both contenders (default: the package's)")
    args = p.parse_args()
    if importlib.util.find_spec("torch") is None:
        print("PyTorch is not installed (pip install torch==2.13.0): nothing to compare with")
        return 1
    numpy_runs, torch_runs = [], []
    for seed in range(args.pairs):
        numpy_runs.append(run_train("--recipe", "fast", "--seed", seed, "--threads", args.threads))
        torch_runs.append(run_json([sys.executable, "benchmarks/torch_fast.py", "--seed", str(seed),
                                    "--threads", str(args.threads)]))
        print(f"pair {seed}: numpy {numpy_runs[-1]['wall_seconds']:.2f} s, "
              f"torch {torch_runs[-1]['wall_seconds']:.2f} s")
    numpy_s = median([r["wall_seconds"] for r in numpy_runs])
    torch_s = median([r["wall_seconds"] for r in torch_runs])
    result = {"pairs": args.pairs, "threads": args.threads, "torch_version": torch_runs[0]["torch"],
              "numpy_median_seconds": round(numpy_s, 2), "torch_median_seconds": round(torch_s, 2),
              "numpy_over_torch": round(numpy_s / torch_s, 2),
              "numpy_test": [round(100 * r["test_accuracy"], 2) for r in numpy_runs],
              "torch_test": [round(100 * r["test_accuracy"], 2) for r in torch_runs]}
    print(result)
    save("fast", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
