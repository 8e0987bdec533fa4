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

from common import ROOT, against_torch, save, take_turns

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
    numpy_runs, torch_runs = take_turns(
        args.pairs, lambda seed: ("--recipe", "fast", "--seed", seed, "--threads", args.threads),
        lambda seed: [sys.executable, "benchmarks/torch_fast.py", "--seed", str(seed),
                      "--threads", str(args.threads)])
    result = {"pairs": args.pairs, "threads": args.threads, **against_torch(numpy_runs, torch_runs)}
    print(result)
    save("fast", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
