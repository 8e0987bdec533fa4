"""What the benchmarks share: run a command in its own process, interleaved, and keep the result.

Each contender runs in a fresh process of its own, because NumPy's and
PyTorch's thread pools in one process slow each other down and skew the
ratio, and the contenders take turns (A B A B ...), so that a change in the
machine's load hits both alike. Quote the medians' ratio, measured in the
same run, never one absolute time: machines are shared and noisy.
"""

import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARK_JSON = ROOT / "docs" / "benchmark.json"  # the book quotes it as results.benchmark.*


def run_train(*options, prefix=()):
    """`python -m primitive_nn.train OPTIONS --quiet --out TMP` in its own process: its metrics.json.

    `prefix` goes before the command, such as `taskset -c 0,1`.
    """
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([*prefix, sys.executable, "-m", "primitive_nn.train", *map(str, options),
                        "--quiet", "--out", out], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        return json.loads((Path(out) / "metrics.json").read_text())


def run_json(argv):
    """Run `argv` in its own process and parse the JSON on the last line it prints."""
    done = subprocess.run(argv, check=True, cwd=ROOT, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_memory_mb(argv):
    """Wall seconds and peak resident memory (MB) of `argv`, run as the only child of a fresh process."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", probe, *argv], check=True, cwd=ROOT,
                          capture_output=True, text=True)
    seconds, kilobytes = done.stdout.split()
    return float(seconds), int(kilobytes) / 1024


def median(values):
    return statistics.median(values)


def take_turns(pairs, numpy_options, torch_argv):
    """Pairs of runs, NumPy then PyTorch, each in its own process: two lists of their results.

    Pair `seed` runs `run_train(*numpy_options(seed))` and
    `run_json(torch_argv(seed))`.
    """
    numpy_runs, torch_runs = [], []
    for seed in range(pairs):
        numpy_runs.append(run_train(*numpy_options(seed)))
        torch_runs.append(run_json(torch_argv(seed)))
        print(f"pair {seed}: numpy {numpy_runs[-1]['wall_seconds']:.2f} s, "
              f"torch {torch_runs[-1]['wall_seconds']:.2f} s")
    return numpy_runs, torch_runs


def against_torch(numpy_runs, torch_runs):
    """Both contenders' median seconds and their ratio, and each run's test accuracy in percent."""
    numpy_s = median([r["wall_seconds"] for r in numpy_runs])
    torch_s = median([r["wall_seconds"] for r in torch_runs])
    return {"torch_version": torch_runs[0]["torch"],
            "numpy_median_seconds": round(numpy_s, 2), "torch_median_seconds": round(torch_s, 2),
            "numpy_over_torch": round(numpy_s / torch_s, 2),
            "numpy_test": [round(100 * r["test_accuracy"], 2) for r in numpy_runs],
            "torch_test": [round(100 * r["test_accuracy"], 2) for r in torch_runs]}


def load(section):
    """The section `section` of docs/benchmark.json, or an empty dict."""
    results = json.loads(BENCHMARK_JSON.read_text()) if BENCHMARK_JSON.is_file() else {}
    return results.get(section, {})


def save(section, value):
    """Store `value` under `section` in docs/benchmark.json, keeping the other sections."""
    results = json.loads(BENCHMARK_JSON.read_text()) if BENCHMARK_JSON.is_file() else {}
    results[section] = value
    BENCHMARK_JSON.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {BENCHMARK_JSON.relative_to(ROOT)} [{section}]")
