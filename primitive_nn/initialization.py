r"""Initialization: the scale a network starts at.

The seed draws every weight and bias from $U[-0.5, 0.5)$. He et al. (2015)
draw weights from $\mathcal{N}(0, 2/n_{in})$ and start biases at 0. On the
seed's own network and budget, that change alone is worth several points
(Part I, "Reproducing the seed"). This chapter derives He's variance, says
when its factor of 2 applies, and takes the change apart.

# How variance moves through a layer

One unit computes $z = \sum_{k=1}^{n} w_k a_k$ (plus a bias) from $n$
inputs $a_k$. At the start the weights are drawn independently of each other
and of the inputs, with mean 0. For one term, $\mathbb{E}[w a] =
\mathbb{E}[w]\,\mathbb{E}[a] = 0$ and $\operatorname{Var}(w a) =
\mathbb{E}[w^2 a^2] = \operatorname{Var}(w)\, \mathbb{E}[a^2]$. The terms
are uncorrelated (different, independent weights), so their variances add:

$$
\operatorname{Var} z = n \operatorname{Var}(w)\, \mathbb{E}[a^2] .
$$

Note $\mathbb{E}[a^2]$, not $\operatorname{Var} a$: inputs that are all
positive (ReLU outputs, pixels) carry their mean into $z$'s spread too.

# He's factor of 2

If the inputs are ReLU outputs, $a = \operatorname{relu}(z')$ of a
pre-activation $z'$ of the layer below that is symmetric about 0, then half
the time $a = 0$ and otherwise $a^2 = z'^2$, so

$$
\mathbb{E}[a^2] = \tfrac{1}{2} \mathbb{E}[z'^2] = \tfrac{1}{2} \operatorname{Var} z' .
$$

Substituting, $\operatorname{Var} z = \frac{n}{2} \operatorname{Var}(w)
\operatorname{Var} z'$. The pre-activations keep their scale from layer to
layer exactly when

$$
\operatorname{Var}(w) = \frac{2}{n_{in}} ,
$$

`rng.normal(0, np.sqrt(2 / n_in), (n_out, n_in))`. The 2 undoes the half
that ReLU throws away. Through ten layers, a factor of 1.5 too much or too
little would multiply the scale by $1.5^{10} \approx 58$ or divide it by as
much.

**Where the 2 does not apply.** The first layer's inputs are pixels, not
ReLU outputs: $\mathbb{E}[x^2]$ is whatever the data says, 0.112 for MNIST
scaled to $[0, 1]$ over all 60,000 training images (most pixels are 0; the
data chapter measures it). With He's variance the first layer gives
$\operatorname{Var} z^{[1]} = 784 \cdot \frac{2}{784} \cdot 0.112 \approx
0.22$. The output layer's inputs *are* ReLU outputs, so there the
derivation holds as stated. `predicted_std` computes these predictions;
`measured_std` checks them on real digits.

# The seed's start, next to He's

A weight from $U[-0.5, 0.5)$ has variance $1/12$, standard deviation 0.289.
For the first layer that is far too large: $\operatorname{Var} z^{[1]}
\approx 784 \cdot \frac{1}{12} \cdot 0.112 \approx 7.3$, plus the bias's
$1/12$. For the output layer, with $n_{in} = 10$, He asks for standard
deviation $\sqrt{2/10} = 0.447$, *larger* than the seed's 0.289. So He's
start differs from the seed's in three ways:

1. smaller first-layer weights, $\mathcal{N}(0, 2/784)$ instead of
   $U[-0.5, 0.5)$;
2. larger output weights, $\mathcal{N}(0, 2/10)$;
3. biases that start at 0 instead of $U[-0.5, 0.5)$.

`ablation_start` applies any subset of the three to the seed's start, so
that the book can measure each alone and all three together. The logits
the seed's start produces are spread widely, so the untrained network
favours digits its random weights chose, with a loss well above $\ln 10$; He's start gives logits
near 0, probabilities near $1/10$, and a loss near $\ln 10$.
"""

import numpy as np

from primitive_nn.network import forward, init_params, n_layers

CHANGES = ("small_first", "large_output", "zero_bias")  # He's three differences from the seed


def ablation_start(layer_sizes, rng, changes=(), dtype=np.float64):
    r"""The seed's uniform start with some of He's three `CHANGES` applied.

    Both starts are drawn from `rng`, uniform first, so every subset of
    changes takes the same random numbers for what it keeps.

    Parameters
    ----------
    layer_sizes : sequence of int
        $[n_0, \dots, n_D]$.
    rng : numpy.random.Generator
    changes : iterable of str
        Any of `"small_first"` (layer 1's weights from He), `"large_output"`
        (layer $D$'s weights from He), `"zero_bias"` (every bias 0).
    dtype : numpy dtype

    Returns
    -------
    params : dict of str to ndarray

    Examples
    --------
    All three changes give exactly He's start from the same draws:

    >>> import numpy as np
    >>> start = ablation_start([784, 10, 10], np.random.default_rng(0), CHANGES)
    >>> round(float(start["W1"].std()), 3), round(float(start["W2"].std()), 2), float(abs(start["b1"]).max())
    (0.05, 0.43, 0.0)
    """
    unknown = set(changes) - set(CHANGES)
    if unknown:
        raise ValueError(f"unknown changes {sorted(unknown)}; choose from {CHANGES}")
    params = init_params(layer_sizes, rng, "uniform", dtype)
    he = init_params(layer_sizes, rng, "he", dtype)
    D = len(layer_sizes) - 1
    if "small_first" in changes:
        params["W1"] = he["W1"]
    if "large_output" in changes:
        params[f"W{D}"] = he[f"W{D}"]
    if "zero_bias" in changes:
        params.update({name: np.zeros_like(p) for name, p in params.items() if name.startswith("b")})
    return params


def predicted_std(layer_sizes, weight_var, bias_var, first_second_moment):
    r"""Predicted standard deviation of each $Z^{[l]}$ at the start: $\operatorname{Var} z = n \operatorname{Var}(w)\,\mathbb{E}[a^2] + \operatorname{Var}(b)$.

    Parameters
    ----------
    layer_sizes : sequence of int
    weight_var, bias_var : sequence of float
        $\operatorname{Var}(w)$ and $\operatorname{Var}(b)$ of each layer.
    first_second_moment : float
        $\mathbb{E}[x^2]$ of the inputs; deeper layers use
        $\mathbb{E}[a^2] = \frac{1}{2}\operatorname{Var} z$ of the layer below.

    Returns
    -------
    list of float
        One standard deviation per layer, 1 to $D$.

    Examples
    --------
    He's start on MNIST-like inputs with $\mathbb{E}[x^2] = 0.1$:

    >>> [round(s, 3) for s in predicted_std([784, 10, 10], [2 / 784, 2 / 10], [0, 0], 0.1)]
    [0.447, 0.447]
    """
    stds, second_moment = [], first_second_moment
    for l in range(1, len(layer_sizes)):
        var_z = layer_sizes[l - 1] * weight_var[l - 1] * second_moment + bias_var[l - 1]
        stds.append(float(np.sqrt(var_z)))
        second_moment = var_z / 2        # E[relu(z)^2] = Var(z) / 2 for z symmetric about 0
    return stds


def measured_std(params, X):
    r"""Standard deviation of every entry of each $Z^{[l]}$ on the columns of X.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W1": np.array([[2.0, 0.0]]), "b1": np.zeros((1, 1))}
    >>> measured_std(params, np.array([[1.0, -1.0], [5.0, 5.0]]))
    [2.0]
    """
    cache = forward(params, X)
    return [float(cache[f"Z{l}"].std()) for l in range(1, n_layers(params) + 1)]
