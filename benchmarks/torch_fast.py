"""The `fast` recipe written in idiomatic PyTorch (CPU), as the benchmark's other contender.

    python benchmarks/torch_fast.py --seed 0       # prints one JSON line

The same data and split as `python -m primitive_nn.train --recipe fast`
(the 60,000 training images, 5,000 held out by the seed), the same network
(784-128-10, He-normal weights, zero biases), loss (mean cross-entropy),
optimizer (SGD with momentum 0.9 in PyTorch's form, v = beta v + g, which is
the book's `momentum_step`), cosine schedule per step, batch size, epochs
and dtype (float32), and the same dev evaluation after every epoch. Only the
framework differs: `nn.Sequential`, `CrossEntropyLoss`, `optim.SGD` and
autograd, with examples as rows as PyTorch expects. Only the training loop
is timed, as the NumPy run's `wall_seconds` is.

PyTorch is not a dependency of the package: `pip install torch==2.13.0`.
"""

import argparse
import json
import math
import time

import numpy as np
import torch
from torch import nn

from primitive_nn import data
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.machinery.recipes import RECIPES


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1, help="torch's intra-op threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", default=None, help="a directory of MNIST IDX files (default: the cache)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    recipe = RECIPES["fast"].recipe
    mnist = load_mnist(args.data)
    rng = np.random.default_rng(args.seed)
    X, y, X_dev, y_dev = data.split_dev(mnist.train_images, mnist.train_labels, recipe.dev_size, rng)
    X, y = torch.from_numpy(np.ascontiguousarray(X.T)), torch.from_numpy(y)   # rows are examples
    X_dev, X_test = torch.from_numpy(X_dev.T.copy()), torch.from_numpy(data.to_columns(mnist.test_images).T.copy())
    torch.manual_seed(args.seed)
    n_in, hidden, n_out = recipe.layers
    model = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))
    for layer in (model[0], model[2]):
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")   # N(0, 2 / n_in)
        nn.init.zeros_(layer.bias)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=recipe.alpha, momentum=recipe.beta)
    m, batch = X.shape[0], recipe.batch_size
    steps_per_epoch = math.ceil(m / batch)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps_per_epoch * recipe.epochs)

    def accuracy(inputs, labels):
        with torch.no_grad():
            return float((model(inputs).argmax(1).numpy() == labels).mean())

    start = time.perf_counter()
    for _ in range(recipe.epochs):
        order = torch.randperm(m)
        for k in range(steps_per_epoch):
            batch_rows = order[k * batch:(k + 1) * batch]
            loss = loss_fn(model(X[batch_rows]), y[batch_rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        accuracy(X_dev, y_dev)  # the dev evaluation the NumPy loop makes after every epoch
    seconds = time.perf_counter() - start
    print(json.dumps({"seed": args.seed, "wall_seconds": seconds, "torch": torch.__version__,
                      "threads": torch.get_num_threads(),
                      "test_accuracy": accuracy(X_test, mnist.test_labels)}))


if __name__ == "__main__":
    main()
