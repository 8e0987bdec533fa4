"""What each speed decision of the convnet's NumPy step buys: the step with one decision undone at a time.

    python benchmarks/bench_conv_steps.py --rounds 7 --steps 20

A step here is one forward and one backward pass of `CONVNET` on a batch of
64 real MNIST training images (the first 64, as `to_columns` scales them,
with their one-hot labels), at He's start, seed 0, with 2 threads for the
matrix products: the gradients, without the momentum and L2 update, which
is the same few element-wise lines for every contender. The contenders:

* `package`: `primitive_nn.convnet.forward` and `backward` as they are:
  float32, NHWC images, kernels stored (n_F, k_H, k_W, n_C) so that the
  patch matrix's columns come in memory order (u, v, c), max pooling and
  its gradient by strided slices, each patch matrix kept from the forward
  pass for dW, `input_gradient` as k_H k_W strided adds.
* `local_copy`: `step` below, the same calls in the same order written out
  for `CONVNET`, with nothing changed. Every other row is `step` with one
  part changed, so this row shows what writing the step out costs (nothing,
  if it matches `package`).
* `float64`: parameters, images and labels in float64.
* `channels_first`: kernels stored (n_F, n_C, k_H, k_W), as most libraries
  store them. `W.reshape(n_F, -1)` then reads a filter in the order
  (c, u, v), so the patch matrix's columns must come in that order too:
  the window view is transposed before the copy into rows, which fetches a
  window's numbers n_C apart instead of in runs of k_W n_C. This is what
  the layout costs where the images stay NHWC; dW comes out in the
  kernels' layout, and `input_gradient` reads the kernels through a
  transposed view (no copy).
* `channels_first_weights`: the same kernels, reordered instead to
  (n_F, k_H, k_W, n_C) on every pass (`W.transpose(0, 2, 3, 1)`, copied;
  dW copied back), the patch matrix kept in memory order: the other way a
  channels-first layout could be paid for.
* `argmax_pool`: max pooling by reshape, the reduction
  `blocks(X).max(axis=(2, 4))` forward, and backward each block copied to
  an axis of its own, `argmax` over it (the first max, as the package's
  tie rule) and the gradient put there and copied back.
* `recompute_patches`: the patch matrix made inside `conv_forward` and
  dropped, then made again in backward for dW.
* `add_at_col2im`: the layer's dX made the textbook way: the whole dP by
  one product, then scattered onto the pixels by `np.add.at` (the scatter
  indices, `patches` of the pixels' flat positions, are made once and
  reused, as a library would).
* `one_thread`: `local_copy` with the products held to 1 thread.

Before any timing, every contender's gradients are checked against the
package's (relative error of each dW and db, see `TOLERANCE`), so no row
can time a wrong step. Then the contenders take turns, A B C ... A B C
..., for `--rounds` rounds of `--steps` steps each, every step timed on its
own; the median step of each contender is reported, and its ratio to the
package's median. All run in this one process: they are all NumPy, so no
second thread pool is there to slow them (unlike `bench_conv.py`, whose
PyTorch runs in a process of its own). The thread limit is switched
inside the process (`primitive_nn.machinery.threads.limited`) around each
block of steps, outside the timed steps.

`stages_ms` splits the package's step into its parts: `step`, unchanged,
with a clock read after each part (the median of each part over the same
rounds and steps). `--no-save` prints without writing docs/benchmark.json;
otherwise the result goes there under "conv_steps".
"""

import argparse
import functools
import time
from collections import defaultdict
from typing import Callable, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from common import median, save
from primitive_nn import convnet
from primitive_nn.activations import ACTIVATIONS
from primitive_nn.convolution import (CONVNET, as_images, conv_forward, filter_gradients,
                                      input_gradient, output_size, pad, padding_width, patches)
from primitive_nn.data import to_columns
from primitive_nn.layers import linear_backward, linear_backward_input, linear_forward
from primitive_nn.loss import LOSSES, one_hot, softmax
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.machinery.threads import limited
from primitive_nn.pooling import blocks, max_pool, max_pool_backward

BATCH = 64           # the conv recipe's batch size
POOL = convnet.POOL
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-4}  # largest relative error of a gradient, by dtype
                                                  # (float64 against float32: float32's rounding)


def same_patches(A, W):
    """`patches` of A for kernels W, 'same' padding, stride 1; k is `W.shape[2]` in either layout."""
    k = W.shape[2]
    return patches(A, k, k, 1, padding_width(k, "same"))   # (m n_H n_W, k k n_C)


def product_with(A, W, b, P):
    return conv_forward(A, W, b, P=P)


def pool_by_slices(X):
    return max_pool(X, POOL)


def pool_backward_by_slices(dA, X, A):
    return max_pool_backward(dA, X, POOL, A=A)


def gradients_from_kept_patches(dZ, P, A, W):
    return filter_gradients(dZ, P, W)


def strided_input_gradient(dZ, W, X_shape):
    return input_gradient(dZ, W, X_shape)


class Parts(NamedTuple):
    """The parts of a step that a contender may change, each the package's by default."""

    patches: Callable = same_patches                            # (A, W) -> P, or None
    conv: Callable = product_with                               # (A, W, b, P) -> Z
    pool: Callable = pool_by_slices                             # (X) -> A
    pool_backward: Callable = pool_backward_by_slices           # (dA, X, A) -> dX
    filter_gradients: Callable = gradients_from_kept_patches    # (dZ, P, A, W) -> dW, db
    input_gradient: Callable = strided_input_gradient           # (dZ, W, X_shape) -> dX


def unclocked(part, value):
    return value


def step(params, X, Y, parts=Parts(), clock=unclocked):
    """`convnet.forward` and `backward` written out for CONVNET: the gradients; `clock` reads each part."""
    g, g_prime = ACTIVATIONS["relu"]
    W1, b1, W2, b2, W3, b3, W4, b4 = (params[name] for name in ("W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"))
    A0 = as_images(X)                                                           # (m, 28, 28, 1)
    P1 = clock("patches_1", parts.patches(A0, W1))                              # (m 28 28, 25)
    Z1 = clock("conv1_product", parts.conv(A0, W1, b1, P1))                     # (m, 28, 28, 16)
    A1 = clock("relu_pool1", parts.pool(g(Z1)))                                 # (m, 14, 14, 16)
    P2 = clock("patches_2", parts.patches(A1, W2))                              # (m 14 14, 400)
    Z2 = clock("conv2_product", parts.conv(A1, W2, b2, P2))                     # (m, 14, 14, 32)
    A2 = clock("relu_pool2", parts.pool(g(Z2)))                                 # (m, 7, 7, 32)
    Z3 = linear_forward(W3, b3, convnet.flatten(A2))                            # (128, m)
    A3 = g(Z3)
    A4 = clock("dense_forward", softmax(linear_forward(W4, b4, A3)))            # (10, m)
    dZ4 = LOSSES["cross_entropy"][1](A4, Y)                                     # (10, m)
    dW4, db4 = linear_backward(dZ4, A3)
    dZ3 = linear_backward_input(W4, dZ4) * g_prime(Z3)                          # (128, m)
    dW3, db3 = linear_backward(dZ3, convnet.flatten(A2))
    dA2 = clock("dense_backward", convnet.unflatten(linear_backward_input(W3, dZ3), A2))  # (m, 7, 7, 32)
    dZ2 = clock("pool2_backward", parts.pool_backward(dA2, g(Z2), A2) * g_prime(Z2))    # (m, 14, 14, 32)
    dW2, db2 = clock("conv2_filter_gradients", parts.filter_gradients(dZ2, P2, A1, W2))
    dA1 = clock("conv2_input_gradient", parts.input_gradient(dZ2, W2, A1.shape))   # (m, 14, 14, 16)
    dZ1 = clock("pool1_backward", parts.pool_backward(dA1, g(Z1), A1) * g_prime(Z1))    # (m, 28, 28, 16)
    dW1, db1 = clock("conv1_filter_gradients", parts.filter_gradients(dZ1, P1, A0, W1))
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3, "dW4": dW4, "db4": db4}


def package_step(params, X, Y):
    """The package's own two passes: its gradients."""
    return convnet.backward(params, convnet.forward(params, X), Y)


# --- channels first: kernels (n_F, n_C, k_H, k_W) ---------------------------------------------

def patches_cuv(A, W):
    """The patch matrix with its columns in the order (c, u, v) of channels-first kernels."""
    m, n_H, n_W, n_C = A.shape
    k = W.shape[2]
    p = padding_width(k, "same")
    o_H, o_W = output_size(n_H, k, 1, p), output_size(n_W, k, 1, p)
    V = sliding_window_view(pad(A, p), (k, k, n_C), axis=(1, 2, 3))[:, :, :, 0]  # (m, o_H, o_W, k, k, n_C)
    return V.transpose(0, 1, 2, 5, 3, 4).reshape(m * o_H * o_W, n_C * k * k)    # the copy, (c, u, v)


def conv_channels_first(A, W, b, P):
    """`conv_forward`'s product with kernels (n_F, n_C, k_H, k_W) and a patch matrix to match."""
    Z = P @ W.reshape(len(W), -1).T + b                    # (m o_H o_W, n_F)
    return Z.reshape(*A.shape[:3], len(W))


CHANNELS_FIRST = Parts(                                     # filter_gradients unchanged: dW in W's layout
    patches=patches_cuv, conv=conv_channels_first,
    input_gradient=lambda dZ, W, shape: input_gradient(dZ, W.transpose(0, 2, 3, 1), shape))  # a view


def kernels_reordered(W):
    """Channels-first kernels copied into the package's layout (n_F, k_H, k_W, n_C)."""
    return np.ascontiguousarray(W.transpose(0, 2, 3, 1))


def reordered_filter_gradients(dZ, P, A, W):
    """dW in the package's layout (only W's shape is read), then copied to (n_F, n_C, k_H, k_W)."""
    dW, db = filter_gradients(dZ, P, W.transpose(0, 2, 3, 1))
    return np.ascontiguousarray(dW.transpose(0, 3, 1, 2)), db


CHANNELS_FIRST_WEIGHTS = Parts(                             # the patch matrix as the package makes it
    conv=lambda A, W, b, P: conv_forward(A, kernels_reordered(W), b, P=P),
    filter_gradients=reordered_filter_gradients,
    input_gradient=lambda dZ, W, shape: input_gradient(dZ, kernels_reordered(W), shape))


# --- max pooling by reshape and argmax --------------------------------------------------------

def pool_by_reduction(X, k=POOL):
    """Max pooling as one reduction over the blocks' two axes."""
    return blocks(X, k).max(axis=(2, 4))                    # (m, n_H / k, n_W / k, n_C)


def pool_backward_by_argmax(dA, X, A, k=POOL):
    """Max pooling's gradient by argmax: each block copied to an axis of its own, its first max found."""
    m, o_H, o_W, n_C = dA.shape
    B = blocks(X, k).transpose(0, 1, 3, 5, 2, 4).reshape(m, o_H, o_W, n_C, k * k)  # a copy
    first = B.argmax(axis=-1)[..., None]                    # (m, o_H, o_W, n_C, 1): the first max
    dB = np.zeros(B.shape, dtype=dA.dtype)
    np.put_along_axis(dB, first, dA[..., None], axis=-1)
    return dB.reshape(m, o_H, o_W, n_C, k, k).transpose(0, 1, 4, 2, 5, 3).reshape(X.shape)


# --- the patch matrix made again in backward --------------------------------------------------

RECOMPUTE_PATCHES = Parts(
    patches=lambda A, W: None,                              # conv_forward makes it, and drops it
    filter_gradients=lambda dZ, P, A, W: filter_gradients(dZ, same_patches(A, W), W))


# --- col2im by np.add.at ----------------------------------------------------------------------

@functools.cache
def scatter_index(X_shape, k, p):
    """Where each entry of the patch matrix comes from: its flat position in the padded input."""
    m, n_H, n_W, n_C = X_shape
    positions = np.arange(m * (n_H + 2 * p) * (n_W + 2 * p) * n_C).reshape(m, n_H + 2 * p, n_W + 2 * p, n_C)
    return patches(positions, k, k)                         # (m o_H o_W, k k n_C)


def input_gradient_add_at(dZ, W, X_shape):
    r"""$dX = \text{col2im}(dZ_\text{mat} W_\text{mat})$: dP made whole, then scattered by `np.add.at`."""
    m, n_H, n_W, n_C = X_shape
    k, p = W.shape[1], padding_width(W.shape[1], "same")
    dP = dZ.reshape(-1, len(W)) @ W.reshape(len(W), -1)     # (m o_H o_W, k k n_C)
    dXp = np.zeros((m, n_H + 2 * p, n_W + 2 * p, n_C), dtype=dP.dtype)
    np.add.at(dXp.reshape(-1), scatter_index(X_shape, k, p), dP)  # a view: adds into dXp
    return dXp[:, p:p + n_H, p:p + n_W, :]


# --- the contenders ---------------------------------------------------------------------------

class Contender(NamedTuple):
    """One row: the step it runs, its data's dtype, its kernels' layout, and its threads."""

    run: Callable                   # run(params, X, Y) -> grads
    dtype: type = np.float32
    channels_first: bool = False    # kernels stored (n_F, n_C, k_H, k_W)
    threads: int | None = None      # None: --threads


CONTENDERS = {
    "package": Contender(package_step),
    "local_copy": Contender(step),
    "float64": Contender(step, dtype=np.float64),
    "channels_first": Contender(functools.partial(step, parts=CHANNELS_FIRST), channels_first=True),
    "channels_first_weights": Contender(functools.partial(step, parts=CHANNELS_FIRST_WEIGHTS),
                                        channels_first=True),
    "argmax_pool": Contender(functools.partial(step, parts=Parts(pool=pool_by_reduction,
                                                                 pool_backward=pool_backward_by_argmax))),
    "recompute_patches": Contender(functools.partial(step, parts=RECOMPUTE_PATCHES)),
    "add_at_col2im": Contender(functools.partial(step, parts=Parts(input_gradient=input_gradient_add_at))),
    "one_thread": Contender(step, threads=1),
}


def batch_and_params(mnist, dtype, channels_first):
    """The first 64 MNIST training images and their labels, and He's start at seed 0, in `dtype`."""
    X = np.asfortranarray(to_columns(mnist.train_images[:BATCH], dtype=dtype))  # (784, 64), as the loop's batches
    Y = one_hot(mnist.train_labels[:BATCH], 10, dtype=dtype)                    # (10, 64)
    params = convnet.init_params(CONVNET, np.random.default_rng(0), dtype=dtype)
    if channels_first:                                                          # (n_F, n_C, k_H, k_W)
        params = {name: p.transpose(0, 3, 1, 2).copy() if p.ndim == 4 else p for name, p in params.items()}
    return params, X, Y


def relative_error(got, expected):
    return float(np.linalg.norm(got - expected) / (np.linalg.norm(got) + np.linalg.norm(expected)))


def check(name, contender, inputs, reference):
    """Raise unless the contender's gradients are the package's, to `TOLERANCE`; return the worst error."""
    grads = contender.run(*inputs)
    if contender.channels_first:                            # dW back to (n_F, k_H, k_W, n_C)
        grads = {key: g.transpose(0, 2, 3, 1) if g.ndim == 4 else g for key, g in grads.items()}
    worst = max(relative_error(grads[key], expected) for key, expected in reference.items())
    if worst > TOLERANCE[contender.dtype]:
        raise AssertionError(f"{name}: a gradient is {worst:.1e} away from the package's "
                             f"(relative error; at most {TOLERANCE[contender.dtype]:.0e} allowed)")
    return worst


def time_steps(run, inputs, steps, times):
    """Append the milliseconds of each of `steps` runs of `run(*inputs)` to `times`."""
    for _ in range(steps):
        start = time.perf_counter()
        run(*inputs)
        times.append(1000 * (time.perf_counter() - start))


class Clock:
    """Milliseconds since the previous reading, collected per part of the step."""

    def __init__(self):
        self.parts, self.last = defaultdict(list), None

    def start(self):
        self.last = time.perf_counter()
        return self

    def __call__(self, part, value):
        now = time.perf_counter()
        self.parts[part].append(1000 * (now - self.last))
        self.last = now
        return value


def measure(inputs, rounds, steps, threads):
    """Every contender's step times and the package's parts, in turns: per round, each contender's steps."""
    times, clock = defaultdict(list), Clock()
    for _ in range(rounds):
        for name, contender in CONTENDERS.items():
            with limited(contender.threads or threads):
                time_steps(contender.run, inputs[name], steps, times[name])
        with limited(threads):
            for _ in range(steps):
                step(*inputs["local_copy"], clock=clock.start())
    return times, clock.parts


def report(args, times, parts, errors):
    """The medians, their ratios to the package's, and the parts, as docs/benchmark.json keeps them."""
    ms = {name: median(t) for name, t in times.items()}
    return {"threads": args.threads, "batch": BATCH, "rounds": args.rounds, "steps": args.steps,
            "numpy_version": np.__version__, "timed": "forward and backward, no update",
            "ms": {name: round(value, 1) for name, value in ms.items()},
            "over_package": {name: round(value / ms["package"], 2) for name, value in ms.items()},
            "stages_ms": {part: round(median(t), 2) for part, t in parts.items()},
            "stages_sum_ms": round(sum(median(t) for t in parts.values()), 1),
            "gradient_error": {name: float(f"{error:.1e}") for name, error in errors.items()}}


def print_table(result):
    print(f"{'contender':<24}{'ms':>8}{'x package':>11}{'grad error':>12}")
    for name, value in result["ms"].items():
        print(f"{name:<24}{value:>8.1f}{result['over_package'][name]:>11.2f}"
              f"{result['gradient_error'][name]:>12.0e}")
    print(f"\nthe package's step, part by part (ms; {result['stages_sum_ms']} in all):")
    for part, value in result["stages_ms"].items():
        print(f"  {part:<24}{value:>8.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7, help="turns of every contender")
    p.add_argument("--steps", type=int, default=20, help="steps each contender times per round")
    p.add_argument("--threads", type=int, default=2, help="threads for the matrix products")
    p.add_argument("--no-save", action="store_true", help="print only; leave docs/benchmark.json alone")
    args = p.parse_args()
    mnist = load_mnist()
    inputs = {name: batch_and_params(mnist, c.dtype, c.channels_first) for name, c in CONTENDERS.items()}
    with limited(args.threads):
        reference = package_step(*inputs["package"])
    errors = {}
    for name, contender in CONTENDERS.items():              # also a first, untimed step of each
        with limited(contender.threads or args.threads):
            errors[name] = check(name, contender, inputs[name], reference)
    times, parts = measure(inputs, args.rounds, args.steps, args.threads)
    result = report(args, times, parts, errors)
    print_table(result)
    if not args.no_save:
        save("conv_steps", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
