"""Time the default training against the --faithful path and PyTorch, in one process.

    python benchmarks/bench_train.py                 # 100 iterations, 3 repeats each
    python benchmarks/bench_train.py --iterations 500 --repeats 1

Each contender trains the seed's 784-10-10 recipe on the same 41,000 MNIST
columns from the same starting parameters; the script reports the median
seconds per iteration and the ratio to the default. Machines are noisy:
quote the ratios, which are measured side by side, not the seconds.
PyTorch is optional (`pip install torch==2.13.0`); it is skipped when absent.
"""

import argparse
import statistics
import time

import numpy as np

from primitive_nn import data
from primitive_nn.network import init_params
from primitive_nn.train import Config, passes, train


def time_numpy(config, mnist, iterations):
    rng = np.random.default_rng(config.seed)
    X, labels, _, _ = data.split_dev(mnist.train_images, mnist.train_labels,
                                     config.dev_size, rng, dtype=config.float_dtype)
    params = init_params([784, config.hidden, 10], rng, dtype=config.float_dtype)
    forward, backward = passes(config, m_total=len(mnist.train_labels))
    start = time.perf_counter()
    train(params, X, labels, config.alpha, iterations, forward=forward, backward=backward)
    return (time.perf_counter() - start) / iterations


def time_torch(config, mnist, iterations, dtype_name):
    """The same corrected recipe, written with torch tensors and autograd-free matrix algebra."""
    import torch

    dtype = getattr(torch, dtype_name)
    rng = np.random.default_rng(config.seed)
    X, labels, _, _ = data.split_dev(mnist.train_images, mnist.train_labels,
                                     config.dev_size, rng, dtype=np.float64)
    params = init_params([784, config.hidden, 10], rng)
    X = torch.tensor(X, dtype=dtype)
    W1, b1, W2, b2 = (torch.tensor(params[k], dtype=dtype) for k in ("W1", "b1", "W2", "b2"))
    Y = torch.nn.functional.one_hot(torch.tensor(labels), 10).T.to(dtype)
    m = X.shape[1]
    start = time.perf_counter()
    for _ in range(iterations):
        Z1 = W1 @ X + b1
        A1 = Z1.clamp(min=0)
        A2 = torch.softmax(W2 @ A1 + b2, dim=0)
        loss = -(Y * A2.clamp(min=torch.finfo(dtype).tiny).log()).sum() / m
        dZ2 = A2 - Y
        dW2, db2 = dZ2 @ A1.T / m, dZ2.mean(dim=1, keepdim=True)
        dZ1 = (W2.T @ dZ2) * (Z1 > 0)
        dW1, db1 = dZ1 @ X.T / m, dZ1.mean(dim=1, keepdim=True)
        W1, b1, W2, b2 = W1 - config.alpha * dW1, b1 - config.alpha * db1, \
            W2 - config.alpha * dW2, b2 - config.alpha * db2
        assert torch.isfinite(loss)
    return (time.perf_counter() - start) / iterations


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iterations", type=int, default=100)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    mnist = data.load_mnist()
    contenders = {
        "default (corrected, float32)": lambda: time_numpy(Config(), mnist, args.iterations),
        "--faithful (seed's code, float64)":
            lambda: time_numpy(Config(faithful=True), mnist, args.iterations),
    }
    try:
        import torch

        torch.set_num_threads(max(1, torch.get_num_threads()))
        for name in ("float32", "float64"):
            contenders[f"PyTorch {torch.__version__} CPU, {name}"] = \
                (lambda n: lambda: time_torch(Config(), mnist, args.iterations, n))(name)
    except ImportError:
        print("PyTorch is not installed: skipping it")
    times = {name: [] for name in contenders}
    for _ in range(args.repeats):  # interleaved, so drift in machine load hits all alike
        for name, measure in contenders.items():
            times[name].append(measure())
    base = statistics.median(times["default (corrected, float32)"])
    print(f"{args.iterations} iterations x {args.repeats} repeats, median per iteration:")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"  {name:38s} {1000 * median:8.1f} ms   {median / base:5.2f}x the default")


if __name__ == "__main__":
    main()
