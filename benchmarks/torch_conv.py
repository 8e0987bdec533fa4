"""The `conv` recipe's training loop written in idiomatic PyTorch (CPU), as the benchmark's other contender.

    python benchmarks/torch_conv.py --seed 0 --steps 200 --threads 2     # prints one JSON line

The same data as `python -m primitive_nn.train --recipe conv --train-size
64*STEPS --dev-size 0 --epochs 1` (the first 64*STEPS training images,
shuffled by the seed, so that one epoch is STEPS steps of 64), the same
network (conv 5x5x16 'same', ReLU, max-pool 2, conv 5x5x32 'same', ReLU,
max-pool 2, dense 128, ReLU, dense 10; He-normal weights, zero biases), loss
(mean cross-entropy), optimizer (SGD with momentum 0.9 in PyTorch's form,
v = beta v + g, which is the book's `momentum_step`), L2 penalty on the
weights only (the book's `with_weight_decay`: biases have their own group,
without decay), cosine schedule per step, random shifts of up to 2 pixels
per image with zeros coming in (the book's `random_shift`), and dtype
(float32). Only the framework differs: `nn.Sequential` of `Conv2d`,
`MaxPool2d` and `Linear` on NCHW tensors (PyTorch's default layout, whose
convolutions run oneDNN's kernels), `CrossEntropyLoss`, `optim.SGD` and
autograd. Only the training loop is timed, as the NumPy run's
`wall_seconds` is.

PyTorch is not a dependency of the package: `pip install torch==2.13.0`.
"""

import argparse
import json
import time
from dataclasses import replace

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from primitive_nn import data
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.machinery.recipes import recipe_named
from primitive_nn.machinery.runs import split

SIDE, SHIFT = 28, 2  # MNIST's side; the shift recipe's largest move, in pixels


def fixed_steps(steps, seed):
    """The conv recipe cut to one epoch of `steps` batches: the benchmark's recipe, for both contenders."""
    recipe = recipe_named("conv")
    return replace(recipe, seed=seed, train_size=steps * recipe.batch_size, dev_size=0, epochs=1)


def convnet():
    """The conv recipe's network (`primitive_nn.convnet.CONVNET`), He-normal weights, zero biases."""
    model = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(7 * 7 * 32, 128), nn.ReLU(), nn.Linear(128, 10))
    for layer in model:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")   # N(0, 2 / fan-in)
            nn.init.zeros_(layer.bias)
    return model


def random_shift(images, generator, s=SHIFT):
    """Each image moved by its own whole number of pixels, -s..s each way, zeros coming in."""
    b = images.shape[0]
    padded = F.pad(images[:, 0], (s, s, s, s))                           # (b, 28 + 2s, 28 + 2s)
    dr, dc = torch.randint(0, 2 * s + 1, (2, b), generator=generator)
    rows = (dr[:, None] + torch.arange(SIDE))[:, :, None]                # (b, 28, 1)
    cols = (dc[:, None] + torch.arange(SIDE))[:, None, :]                # (b, 1, 28)
    return padded[torch.arange(b)[:, None, None], rows, cols][:, None]   # (b, 1, 28, 28)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2, help="torch's intra-op threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=200, help="steps of 64 images to time")
    p.add_argument("--data", default=None, help="a directory of MNIST IDX files (default: the cache)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    recipe = fixed_steps(args.steps, args.seed)
    mnist = load_mnist(args.data)
    X, y, _, _ = split(recipe, mnist)                                     # columns, as the NumPy run's
    images = torch.from_numpy(np.ascontiguousarray(X.T)).reshape(-1, 1, SIDE, SIDE)   # NCHW
    labels = torch.from_numpy(y).long()
    test = torch.from_numpy(data.to_columns(mnist.test_images).T.copy()).reshape(-1, 1, SIDE, SIDE)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    model = convnet()
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    optimizer = torch.optim.SGD([{"params": weights, "weight_decay": recipe.weight_decay},
                                 {"params": biases, "weight_decay": 0.0}],
                                lr=recipe.alpha, momentum=recipe.beta)
    m, batch = images.shape[0], recipe.batch_size
    steps = m // batch
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps * recipe.epochs)
    loss_fn = nn.CrossEntropyLoss()

    start = time.perf_counter()
    for _ in range(recipe.epochs):
        order = torch.randperm(m, generator=generator)
        for k in range(steps):
            rows = order[k * batch:(k + 1) * batch]
            loss = loss_fn(model(random_shift(images[rows], generator)), labels[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    seconds = time.perf_counter() - start

    with torch.no_grad():
        predicted = torch.cat([model(chunk).argmax(1) for chunk in test.split(1000)]).numpy()
    print(json.dumps({"seed": args.seed, "steps": steps * recipe.epochs, "wall_seconds": seconds,
                      "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "test_accuracy": float((predicted == mnist.test_labels).mean())}))


if __name__ == "__main__":
    main()
