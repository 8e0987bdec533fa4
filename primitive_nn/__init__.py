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

# Reading order

One line per chapter, in the order the book reads them (the book numbers
them itself, from its table of contents). Part I builds the seed's network
and reproduces its result:

- `primitive_nn.data`: the MNIST files, checked; the seed's split.
- `primitive_nn.layers` and `primitive_nn.activations`: the forward pass.
- `primitive_nn.loss`: softmax and cross-entropy, and their joint gradient.
- `primitive_nn.network`: parameters, forward and backward for any depth.
- `primitive_nn.gradcheck`: checking every gradient by finite differences.
- `primitive_nn.train`: gradient descent, the training loop, dying runs.
- `primitive_nn.seed`: the seed notebook's code, defects and all.

Part II climbs from the seed's accuracy to the best MLP here, one idea per
chapter:

- `primitive_nn.measurement`: how sure a measured accuracy is; the rule for a real difference.
- `primitive_nn.baselines`: chance, and softmax regression.
- `primitive_nn.initialization`: He's variance, derived, and its three changes.
- `primitive_nn.saturation`: sigmoid, tanh and the squared error: gradients that vanish.
- `primitive_nn.minibatch`: mini-batch SGD, an unbiased gradient, a fast gather.
- `primitive_nn.optimizers`: momentum and Adam, as pure functions.
- `primitive_nn.schedules`: the learning rate: the cliff, and schedules.
- `primitive_nn.architecture`: width and depth.
- `primitive_nn.regularization`: weight decay, dropout, early stopping.
- `primitive_nn.augmentation`: random shifts, rotations, scalings and elastic distortions.
- `primitive_nn.calibration`: what the best network gets wrong, and what its probabilities mean.

Part III reads your own handwriting:

- `primitive_nn.handwriting`: how MNIST's digits were made, and yours.

Part IV builds a convolutional network from the same linear algebra:

- `primitive_nn.convolution`: convolution as a matrix product over image patches, forward and backward.
- `primitive_nn.pooling`: max and average pooling, their gradients, and a little tolerance to shifts.
- `primitive_nn.convnet`: the two stacked into a network, trained with Part II's loop, and looked into.
- `primitive_nn.batchnorm`: batch normalization, its two modes, and its backward pass.
- `primitive_nn.ensemble`: several networks averaged: what the average guarantees, and what it does not.

Everything else (fetching files, command lines, figures) is machinery, in
`primitive_nn.machinery`.

# Notation

One notation holds everywhere, in the prose and in the code.

| symbol | code | shape | meaning |
|---|---|---|---|
| $m$ | `m` | scalar | number of examples in a batch |
| $D$ | `D` | scalar | depth: the number of layers with weights; the seed's network has $D = 2$ |
| $n_0, \dots, n_D$ | `layer_sizes` | scalars | layer widths: $n_0 = 784$ pixels in, $n_D = 10$ digits out |
| $n_x, n_h, n_y$ | `n_x, n_h, n_y` | scalars | the same widths of the two-layer network: $n_0, n_1, n_2$ |
| $X = A^{[0]}$ | `X`, `A0` | $(n_0, m)$ | inputs, **one example per column** |
| $X$ in Part IV | `X` | $(m, n_H, n_W, n_C)$ | images, **examples first, channels last** (NHWC): `X.T.reshape(m, 28, 28, 1)` of the $X$ above |
| $W^{[l]}$ | `W1`, `W2`, ... | $(n_l, n_{l-1})$ | weights of layer $l$ |
| $b^{[l]}$ | `b1`, `b2`, ... | $(n_l, 1)$ | biases of layer $l$, a column |
| $W, b$ of a convolution | `W, b` | $(n_F, k_H, k_W, n_C)$, $(n_F,)$ | Part IV: $n_F$ filters, each a $k_H \times k_W$ kernel per input channel, shaped like a window of $X$; one bias per filter |
| $Z^{[l]}, A^{[l]}$ | `Z1, A1`, ... | $(n_l, m)$ | pre-activation and activation of layer $l$ |
| $Y$ | `Y` | $(n_D, m)$ | one-hot labels, one example per column |
| $\ell_j$ | | scalar | the cross-entropy of example $j$ |
| $L$ | `loss` | scalar | the loss: the mean of $\ell_j$ over the $m$ examples |
| $dW^{[l]}, db^{[l]}$ | `dW1, db1`, ... | like `W1, b1` | $\partial L / \partial W^{[l]}$ and $\partial L / \partial b^{[l]}$ |
| $dZ^{[l]}, dA^{[l]}$ | `dZ1, dA1`, ... | $(n_l, m)$ | **per example**: column $j$ is $\partial \ell_j / \partial Z^{[l]}_{:,j}$ |
| $\alpha$ | `alpha` | scalar | learning rate |

$L$ is only ever the loss; the number of layers is $D$.

**Two kinds of gradient.** $dW^{[l]}$ and $db^{[l]}$ are gradients of the
mean loss $L$, because gradient descent steps against them. $dZ^{[l]}$ and
$dA^{[l]}$ are not: column $j$ is the gradient of example $j$'s own loss
$\ell_j$, so $dZ^{[l]} = m\, \partial L / \partial Z^{[l]}$. That is the
seed's convention (its `dZ2 = A2 - Y` has no $\frac{1}{m}$), and it puts the
mean in exactly one place: the parameter gradients, such as
$dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]\top}$.

Examples are columns because that is the seed's convention and because it
makes a layer read like the equation $Z = W X + b$: `Z = W @ X + b`.

Examples
--------
>>> import primitive_nn
>>> primitive_nn.__version__
'0.1.0'
"""

__version__ = "0.1.0"
