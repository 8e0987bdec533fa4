"""The `conv` recipe's training loop in NumPy (this package) against the same loop in idiomatic PyTorch CPU.

    python benchmarks/bench_conv.py --pairs 3 --steps 200

Whole epochs of the convnet take minutes, so both contenders run the conv
recipe for a fixed number of steps of 64 images instead: one epoch of the
first 64 * STEPS training images, no dev set (`--train-size 64*STEPS
--dev-size 0 --epochs 1`). Everything a step does is the recipe's (network,
batch, momentum, cosine schedule over the steps, L2 penalty, shifts,
float32); what the whole recipe adds, a dev evaluation per epoch, is not
timed. Each pair runs `python -m primitive_nn.train --recipe conv ...` and
`benchmarks/torch_conv.py` with the same seed and the same threads (2 by
default, the issue's setting), each in its own process, one after the
other; the seed advances with each pair. Both report the seconds of their
training loop and their test accuracy after it (a check that both trained
the same network, not a result). The medians and their ratio go to
docs/benchmark.json under "conv". PyTorch is optional:
`pip install torch==2.13.0`; without it the script says so and stops.

It also measures the whole `python -m primitive_nn.train --recipe conv`
command's peak resident memory (the issue's limit: 2 GB), on a run of one
epoch instead of 12: every array the command holds, the data, a batch's
patch matrices, the final evaluation of 55,000 + 5,000 + 10,000 images in
chunks of 500, is the same whatever the number of epochs, and one epoch
takes a minute instead of ten.
"""

import argparse
import importlib.util
import sys

from common import against_torch, peak_memory_mb, save, take_turns

BATCH = 64  # the conv recipe's batch size


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--steps", type=int, default=200, help="steps of 64 images each contender times")
    p.add_argument("--threads", type=int, default=2, help="threads for both contenders")
    args = p.parse_args()
    if importlib.util.find_spec("torch") is None:
        print("PyTorch is not installed (pip install torch==2.13.0): nothing to compare with")
        return 1
    numpy_runs, torch_runs = take_turns(
        args.pairs, lambda seed: ("--recipe", "conv", "--seed", seed, "--threads", args.threads,
                                  "--train-size", BATCH * args.steps, "--dev-size", 0, "--epochs", 1),
        lambda seed: [sys.executable, "benchmarks/torch_conv.py", "--seed", str(seed),
                      "--steps", str(args.steps), "--threads", str(args.threads)])
    _, peak_mb = peak_memory_mb([sys.executable, "-m", "primitive_nn.train", "--recipe", "conv",
                                 "--epochs", "1", "--threads", str(args.threads), "--quiet"])
    print(f"peak memory of the whole command, one epoch: {peak_mb:.0f} MB")
    compared = against_torch(numpy_runs, torch_runs)
    result = {"pairs": args.pairs, "steps": args.steps, "batch": BATCH, "threads": args.threads,
              **compared,
              "numpy_ms_per_step": round(1000 * compared["numpy_median_seconds"] / args.steps, 1),
              "torch_ms_per_step": round(1000 * compared["torch_median_seconds"] / args.steps, 1),
              "command_peak_mb": round(peak_mb),
              "numpy_seconds": [round(r["wall_seconds"], 2) for r in numpy_runs],
              "torch_seconds": [round(r["wall_seconds"], 2) for r in torch_runs]}
    print(result)
    save("conv", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
