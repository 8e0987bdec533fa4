r"""A neural network from scratch, in NumPy and linear algebra.

`primitive_nn` is a textbook you can run. Each module is one chapter: its
docstring derives the mathematics, and the functions below it implement that
mathematics line for line. The examples in every docstring are doctests, so a
reader can check each formula by running it:

```text
python -m doctest primitive_nn/loss.py
```

The network is the one from the seed notebook (amir-tav/primitive-nn, after
Samson Zhang's tutorial): 784 pixel inputs, one hidden layer of 10 ReLU units
and a softmax over the 10 digits, trained by full-batch gradient descent.

## Reading order

1. `primitive_nn.data`: MNIST files, checked and cached; the seed's split.
2. `primitive_nn.layers` and `primitive_nn.activations`: the forward pass.
3. `primitive_nn.loss`: softmax and cross-entropy, and their joint gradient.
4. `primitive_nn.network`: parameters, forward and backward for any depth.
5. `primitive_nn.train`: gradient descent, the training loop and its CLI.
6. `primitive_nn.gradcheck`: checking every gradient by finite differences.
7. `primitive_nn.seed`: the seed notebook's code, defects and all.

## Notation

One notation holds everywhere, in the prose and in the code.

| symbol | code | shape | meaning |
|---|---|---|---|
| $m$ | `m` | scalar | number of examples in a batch |
| $n_x, n_h, n_y$ | `n_x, n_h, n_y` | scalars | input, hidden and output sizes: 784, 10, 10 |
| $X = A^{[0]}$ | `X`, `A0` | $(n_x, m)$ | inputs, **one example per column** |
| $Y$ | `Y` | $(n_y, m)$ | one-hot labels, one example per column |
| $W^{[1]}$ | `W1` | $(n_h, n_x)$ | hidden-layer weights |
| $b^{[1]}$ | `b1` | $(n_h, 1)$ | hidden-layer biases, a column |
| $Z^{[1]}, A^{[1]}$ | `Z1, A1` | $(n_h, m)$ | pre-activation and ReLU output |
| $W^{[2]}$ | `W2` | $(n_y, n_h)$ | output-layer weights |
| $b^{[2]}$ | `b2` | $(n_y, 1)$ | output-layer biases |
| $Z^{[2]}, A^{[2]}$ | `Z2, A2` | $(n_y, m)$ | logits and softmax probabilities |
| $L$ | `loss` | scalar | mean cross-entropy over the $m$ examples |
| $\alpha$ | `alpha` | scalar | learning rate |
| $dW^{[1]}$ | `dW1` | like `W1` | $\partial L / \partial W^{[1]}$; likewise `db1`, `dZ1`, ... |

Examples are columns because that is the seed's convention and because it
makes a layer read like the equation $Z = W X + b$: `Z = W @ X + b`.

Examples
--------
>>> import primitive_nn
>>> primitive_nn.__version__
'0.1.0'
"""

__version__ = "0.1.0"
