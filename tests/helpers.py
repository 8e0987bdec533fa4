"""Small data files for the tests, made on the spot, and a numerical gradient."""

import numpy as np


def write_csv(path, rows=80, seed=0, labels=None):
    """A small Kaggle-style CSV: digits drawn as bright bands, so they are learnable."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, rows) if labels is None else np.asarray(labels)
    images = rng.integers(0, 40, (len(labels), 784))
    for i, label in enumerate(labels):
        images[i, 78 * label:78 * label + 78] = 255
    header = "label," + ",".join(f"pixel{k}" for k in range(784))
    lines = [header] + [",".join(map(str, [lab, *img])) for lab, img in zip(labels, images)]
    path.write_text("\n".join(lines) + "\n")
    return path


def central_differences(f, A, eps):
    """The gradient of the scalar f at A, entry by entry: (f(A + eps) - f(A - eps)) / (2 eps)."""
    A, grad = A.copy(), np.zeros_like(A)
    for index in np.ndindex(A.shape):
        saved = A[index]
        A[index] = saved + eps
        plus = f(A)
        A[index] = saved - eps
        minus = f(A)
        A[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad
