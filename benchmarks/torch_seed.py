"""The seed's full-batch recipe written with PyTorch tensors, as a benchmark contender.

    python benchmarks/torch_seed.py --dtype float32 --iterations 100    # prints one JSON line

The same corrected recipe as `python -m primitive_nn.train` (784-10-10, the
seed's uniform start from the same generator, alpha = 0.1, the seed's
41,000 training columns), written with torch matrix products and no
autograd, so that only the framework differs. It prints the median seconds
per iteration of the training loop.
"""

import argparse
import json
import statistics
import time

import numpy as np
import torch

from primitive_nn import data
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.machinery.recipes import NOTEBOOK
from primitive_nn.network import init_params


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1, help="torch's intra-op threads")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--iterations", type=int, default=100)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    mnist = load_mnist()
    rng = np.random.default_rng(NOTEBOOK.seed)
    X, labels, _, _ = data.split_dev(mnist.train_images[:NOTEBOOK.train_size],
                                     mnist.train_labels[:NOTEBOOK.train_size], NOTEBOOK.dev_size, rng)
    params = {k: torch.tensor(v, dtype=dtype) for k, v in init_params(list(NOTEBOOK.layers), rng).items()}
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    X = torch.tensor(X, dtype=dtype)
    Y = torch.nn.functional.one_hot(torch.tensor(labels), 10).T.to(dtype)
    m, alpha, times = X.shape[1], NOTEBOOK.alpha, []
    for _ in range(args.iterations):
        start = time.perf_counter()
        Z1 = W1 @ X + b1
        A1 = Z1.clamp(min=0)
        A2 = torch.softmax(W2 @ A1 + b2, dim=0)
        dZ2 = A2 - Y
        dW2, db2 = dZ2 @ A1.T / m, dZ2.mean(dim=1, keepdim=True)
        dZ1 = (W2.T @ dZ2) * (Z1 > 0)
        dW1, db1 = dZ1 @ X.T / m, dZ1.mean(dim=1, keepdim=True)
        W1, b1, W2, b2 = W1 - alpha * dW1, b1 - alpha * db1, W2 - alpha * dW2, b2 - alpha * db2
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds_per_iteration": statistics.median(times), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
