"""The exercises of Part I: every solution that is code, and its check.

The pages show each solution from this file, between `--8<--` markers
(pymdownx.snippets), so the code a reader sees is the code these tests run.
An exercise is named by its page and its label, never by its number (the
book numbers exercises itself, in book/hooks.py): the exercise headed
`### Exercise: ... {#log-softmax}` in docs/softmax.md shows the section
`softmax-log-softmax` of this file, and its tests are named
`test_softmax_log_softmax_...`. tests/test_book.py checks that every such
name points at an exercise that exists.
"""

import hashlib

import numpy as np
import pytest

from primitive_nn import seed
from primitive_nn.activations import relu, relu_derivative
from primitive_nn.calibration import expected_calibration_error
from primitive_nn.data import encode_idx, split_dev
from primitive_nn.gradcheck import (THRESHOLD, check_gradients, descend, elementwise_relative_error,
                                    error_against_step, numerical_gradient, relative_error)
from primitive_nn.layers import linear_backward, linear_backward_input, linear_forward
from primitive_nn.loss import (cross_entropy, cross_entropy_from_logits, one_hot, softmax,
                               softmax_cross_entropy_backward)
from primitive_nn.network import backward, forward, init_params
from primitive_nn.train import gradient_step


def small_problem(sizes=(6, 5, 4), m=8, seed=0, init="uniform"):
    """A small float64 network, random inputs in [0, 1) and random labels."""
    rng = np.random.default_rng(seed)
    params = init_params(list(sizes), rng, init)
    X = rng.random((sizes[0], m))
    Y = one_hot(rng.integers(0, sizes[-1], m), sizes[-1])
    return params, X, Y


# ---- data.md, the data ----------------------------------------------------------------

# --8<-- [start:data-pixel-offset]
def pixel_offset(j, r, c):
    """Byte offset of pixel (r, c) of image j in an IDX file of images."""
    header = 4 + 3 * 4        # magic number, three big-endian uint32 sizes
    return header + 784 * j + 28 * r + c
# --8<-- [end:data-pixel-offset]


def test_data_pixel_offset_finds_the_pixel():
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    raw = encode_idx(images)
    for j, r, c in [(0, 0, 0), (1, 5, 17), (2, 27, 27)]:
        assert raw[pixel_offset(j, r, c)] == images[j, r, c]
    assert pixel_offset(59_999, 27, 27) == 47_040_016 - 1  # the last byte of the training file


# --8<-- [start:data-sha256]
def sha256_of(path, chunk_size=1 << 20):
    """SHA-256 of a file as 64 hex digits, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()
# --8<-- [end:data-sha256]


def test_data_sha256_of_matches_hashlib_and_sees_one_bit(tmp_path):
    data = np.random.default_rng(1).integers(0, 256, 3_000_000, dtype=np.uint8).tobytes()
    path = tmp_path / "file"
    path.write_bytes(data)
    assert sha256_of(path, chunk_size=4096) == hashlib.sha256(data).hexdigest()
    flipped = bytearray(data)
    flipped[1_234_567] ^= 1                                   # one bit
    path.write_bytes(bytes(flipped))
    changed = sum(a != b for a, b in zip(sha256_of(path), hashlib.sha256(data).hexdigest()))
    assert changed > 40                                       # most of the 64 digits change


@pytest.mark.mnist
def test_data_sha256_the_cached_mnist_files_are_the_official_ones(mnist_cache):
    from primitive_nn.data import MNIST_FILES

    for name, digest in MNIST_FILES.items():
        assert sha256_of(mnist_cache / name) == digest


# --8<-- [start:data-shuffle]
def dev_digits(labels, dev_size, shuffle):
    """The digits that land in the dev set, with or without the shuffle."""
    if not shuffle:
        return set(labels[:dev_size].tolist())
    images = np.zeros((len(labels), 784), dtype=np.uint8)  # pixels: unused
    rng = np.random.default_rng(0)
    _, _, _, y_dev = split_dev(images, labels, dev_size, rng)
    return set(y_dev.tolist())
# --8<-- [end:data-shuffle]


def test_data_shuffle_a_sorted_file_needs_it():
    labels = np.repeat(np.arange(10), 500)                    # a file sorted by digit
    assert dev_digits(labels, 1000, shuffle=False) == {0, 1}
    assert dev_digits(labels, 1000, shuffle=True) == set(range(10))


def test_data_big_endian_size():
    assert int.from_bytes(bytes([0x00, 0x00, 0xEA, 0x60]), "big") == 60_000
    assert np.frombuffer(bytes([0, 0, 0xEA, 0x60]), ">u4")[0] == 60_000


# ---- forward.md, the forward pass ------------------------------------------------------

# --8<-- [start:forward-dx]
def numerical_dX(W, b, X, G, eps=1e-6):
    """Central differences of f(X) = sum(G * (W X + b)); df/dZ is G."""
    def f(X):
        return float(np.sum(G * linear_forward(W, b, X)))
    dX = np.zeros_like(X)
    for index in np.ndindex(X.shape):
        step = np.zeros_like(X)
        step[index] = eps
        dX[index] = (f(X + step) - f(X - step)) / (2 * eps)
    return dX
# --8<-- [end:forward-dx]


def test_forward_dx_is_W_transpose_dZ():
    rng = np.random.default_rng(2)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 1))
    X, G = rng.normal(size=(3, 5)), rng.normal(size=(4, 5))
    np.testing.assert_allclose(linear_backward_input(W, G), numerical_dX(W, b, X, G), atol=1e-8)


# --8<-- [start:forward-flat-bias]
def flat_bias_mistake():
    """A bias of shape (n_out,), with as many examples as units."""
    W, X = np.eye(3), np.zeros((3, 3))               # n_out = m = 3
    b_column = np.array([[1.0], [2.0], [3.0]])       # (n_out, 1): right
    b_flat = np.array([1.0, 2.0, 3.0])               # (n_out,): wrong
    return W @ X + b_column, W @ X + b_flat          # b_flat runs along rows
# --8<-- [end:forward-flat-bias]


def test_forward_flat_bias_goes_to_the_wrong_axis():
    right, wrong = flat_bias_mistake()
    assert right.tolist() == [[1, 1, 1], [2, 2, 2], [3, 3, 3]]
    assert wrong.tolist() == [[1, 2, 3], [1, 2, 3], [1, 2, 3]]   # bias by example, not by unit
    with pytest.raises(ValueError):
        np.eye(3) @ np.zeros((3, 4)) + np.array([1.0, 2.0, 3.0])  # m != n_out: an error at least


def test_forward_straddle_the_straddling_difference():
    eps = 2.0 ** -10
    for z in [-0.75 * eps, -0.25 * eps, 0.0, 0.5 * eps]:
        measured = (relu(z + eps) - relu(z - eps)) / (2 * eps)
        assert measured == 0.5 + z / (2 * eps)


# --8<-- [start:forward-collapse]
def collapse(W1, b1, W2, b2):
    """The one linear layer that two stacked linear layers amount to."""
    return W2 @ W1, W2 @ b1 + b2
# --8<-- [end:forward-collapse]


def test_forward_collapse_two_linear_layers_are_one():
    rng = np.random.default_rng(3)
    W1, b1 = rng.normal(size=(5, 4)), rng.normal(size=(5, 1))
    W2, b2 = rng.normal(size=(3, 5)), rng.normal(size=(3, 1))
    X = rng.normal(size=(4, 7))
    W, b = collapse(W1, b1, W2, b2)
    np.testing.assert_allclose(linear_forward(W2, b2, linear_forward(W1, b1, X)), W @ X + b)


# ---- softmax.md, softmax and cross-entropy -------------------------------------------

def test_softmax_db2_zero_the_correct_db2_sums_to_zero():
    params, X, Y = small_problem((6, 5, 4), m=20, seed=4)
    grads = backward(params, forward(params, X), Y)
    assert abs(grads["db2"].sum()) < 1e-15
    assert np.abs(grads["db2"]).max() > 1e-3                 # though its entries are not zero


# --8<-- [start:softmax-log-softmax]
def log_softmax(Z):
    """log softmax(Z) per column, as Z - logsumexp(Z): always finite."""
    c = Z.max(axis=0, keepdims=True)                        # (1, m)
    log_sum = np.log(np.exp(Z - c).sum(axis=0, keepdims=True))  # (1, m)
    return Z - c - log_sum                                  # (n_y, m)
# --8<-- [end:softmax-log-softmax]


def test_softmax_log_softmax_is_stable_and_exact():
    Z = np.random.default_rng(5).normal(size=(10, 30)) * 5
    np.testing.assert_allclose(log_softmax(Z), np.log(softmax(Z)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.exp(log_softmax(Z)).sum(axis=0), 1.0)
    big = np.array([[1000.0], [0.0], [-1000.0]])
    with np.errstate(divide="ignore"):
        assert np.isinf(np.log(softmax(big))).any()                # log of an underflowed 0
    assert log_softmax(big).ravel().tolist() == [0.0, -1000.0, -2000.0]


# --8<-- [start:softmax-likelihood]
def likelihood_and_loss(A, labels):
    """The likelihood prod_j A[y_j, j], and the mean negative log of it."""
    p = A[labels, np.arange(len(labels))]   # (m,): P(true label)
    return float(np.prod(p)), float(-np.log(p).mean())
# --8<-- [end:softmax-likelihood]


def test_softmax_likelihood_cross_entropy_is_its_negative_log():
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 10, 8)
    A = softmax(rng.normal(size=(10, 8)))
    likelihood, L = likelihood_and_loss(A, labels)
    assert L == pytest.approx(cross_entropy(A, one_hot(labels)), rel=1e-12)
    assert L == pytest.approx(-np.log(likelihood) / 8, rel=1e-12)
    labels = rng.integers(0, 10, 2000)
    likelihood, L = likelihood_and_loss(softmax(rng.normal(size=(10, 2000))), labels)
    assert likelihood == 0.0 and np.isfinite(L)   # the product underflows, the mean does not


# --8<-- [start:softmax-soft-labels]
def numerical_dz(z, y, eps=1e-6):
    """Central differences of -sum(y log softmax(z)) for a column z."""
    def loss(z):
        return float(-(y * np.log(softmax(z))).sum())
    steps = eps * np.eye(len(z))[:, :, None]   # steps[k]: eps at entry k
    return np.array([[(loss(z + s) - loss(z - s)) / (2 * eps)]
                     for s in steps])
# --8<-- [end:softmax-soft-labels]


def test_softmax_soft_labels_a_minus_y_needs_only_labels_that_sum_to_one():
    z = np.random.default_rng(7).normal(size=(5, 1))
    y = np.array([[0.1], [0.0], [0.6], [0.3], [0.0]])           # a soft label: sums to 1
    np.testing.assert_allclose(numerical_dz(z, y), softmax(z) - y, atol=1e-9)


# ---- backprop.md, backpropagation ------------------------------------------------------

def test_backprop_other_label_the_hand_worked_example():
    params = {"W1": np.array([[1.0, 1.0], [1.0, -1.0]]), "b1": np.zeros((2, 1)),
              "W2": np.array([[1.0, -1.0], [0.0, 1.0]]), "b2": np.array([[0.0], [3.0]])}
    X, Y = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])
    grads = backward(params, forward(params, X), Y)
    assert grads["dW2"].tolist() == [[1.5, 0.0], [-1.5, 0.0]]
    assert grads["db2"].ravel().tolist() == [0.5, -0.5]
    assert grads["dW1"].tolist() == [[0.5, 1.0], [0.0, 0.0]]
    assert grads["db1"].ravel().tolist() == [0.5, 0.0]


# --8<-- [start:backprop-he-variance]
def preactivation_stds(width, depth, weight_std, rng, m=2000):
    """Std of Z at each of `depth` ReLU layers of one width, no biases."""
    A, stds = rng.normal(size=(width, m)), []     # E[x^2] = 1
    for _ in range(depth):
        W = rng.normal(0.0, weight_std, (width, width))
        Z = W @ A
        stds.append(float(Z.std()))
        A = relu(Z)
    return stds
# --8<-- [end:backprop-he-variance]


def test_backprop_he_variance_keeps_the_scale_and_one_over_n_halves_it():
    n, depth = 200, 10
    he = preactivation_stds(n, depth, np.sqrt(2 / n), np.random.default_rng(8))
    lecun = preactivation_stds(n, depth, np.sqrt(1 / n), np.random.default_rng(8))
    assert 0.7 < he[-1] / he[1] < 1.4                          # layer 10 like layer 2
    assert lecun[-1] / lecun[1] == pytest.approx(2 ** -4, rel=0.3)  # halved variance 8 times


# --8<-- [start:backprop-multiply-adds]
def multiply_adds(layer_sizes):
    """Multiply-adds per example of the products, forward and backward."""
    shapes = list(zip(layer_sizes[1:], layer_sizes[:-1]))  # (n_l, n_l-1)
    forward = sum(n_l * n_prev for n_l, n_prev in shapes)  # W A
    first = shapes[0][0] * shapes[0][1]                     # n_1 n_0
    backward = 2 * forward - first       # dW and dA per layer, no dA0
    return forward, backward
# --8<-- [end:backprop-multiply-adds]


def test_backprop_multiply_adds():
    assert multiply_adds([784, 10, 10]) == (7_940, 8_040)
    assert multiply_adds([784, 100, 100, 10]) == (89_400, 100_400)
    assert multiply_adds([100] * 11) == (100_000, 190_000)


# --8<-- [start:backprop-three-layers]
def backward_three_layers(params, cache, Y):
    """The recurrence written out for D = 3, one line per equation."""
    m = Y.shape[1]
    A0, A1, A2, A3 = (cache[f"A{l}"] for l in range(4))
    Z1, Z2 = cache["Z1"], cache["Z2"]
    dZ3 = A3 - Y                                            # (n_3, m)
    dZ2 = (params["W3"].T @ dZ3) * relu_derivative(Z2)      # (n_2, m)
    dZ1 = (params["W2"].T @ dZ2) * relu_derivative(Z1)      # (n_1, m)
    grads = {}
    for l, dZ, A_prev in ((3, dZ3, A2), (2, dZ2, A1), (1, dZ1, A0)):
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.mean(axis=1, keepdims=True)
    return grads
# --8<-- [end:backprop-three-layers]


def test_backprop_three_layers_the_recurrence():
    params, X, Y = small_problem((7, 6, 5, 3))
    cache = forward(params, X)
    mine, theirs = backward_three_layers(params, cache, Y), backward(params, cache, Y)
    for name in theirs:
        np.testing.assert_allclose(mine[name], theirs[name], rtol=1e-12, atol=1e-15)
    assert max(check_gradients(params, X, Y, backprop=backward_three_layers).values()) <= THRESHOLD


# ---- gradcheck.md, checking gradients numerically --------------------------------------

# --8<-- [start:gradcheck-best-step]
def best_step(params, X, Y):
    """The step with the smallest worst-entry error, by half-decades."""
    eps_values = [10.0 ** -k for k in np.arange(4.0, 8.5, 0.5)]
    errors = error_against_step(params, X, Y, eps_values)
    return eps_values[int(np.argmin(errors))], min(errors)
# --8<-- [end:gradcheck-best-step]


def test_gradcheck_best_step_is_near_the_cube_root_of_machine_epsilon():
    eps_star, error = best_step(*small_problem((20, 8, 10), m=30, seed=0))
    cube_root = np.finfo(np.float64).eps ** (1 / 3)          # 6e-6
    assert cube_root / 3 <= eps_star <= cube_root * 30
    assert error <= THRESHOLD


# --8<-- [start:gradcheck-planted-bugs]
def backward_without_mean(params, cache, Y):
    """The bug: dW = dZ A.T, the sum over the examples, not the mean."""
    grads = backward(params, cache, Y)
    m = Y.shape[1]
    return {name: g * m if name.startswith("dW") else g
            for name, g in grads.items()}


def backward_without_transpose(params, cache, Y):
    """The bug: dA1 = W2 @ dZ2, not W2.T @ dZ2; it runs if W2 is square."""
    dZ2 = cache["A2"] - Y
    dW2, db2 = linear_backward(dZ2, cache["A1"])
    dA1 = params["W2"] @ dZ2                          # should be W2.T
    dZ1 = dA1 * relu_derivative(cache["Z1"])
    dW1, db1 = linear_backward(dZ1, cache["A0"])
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
# --8<-- [end:gradcheck-planted-bugs]


def test_gradcheck_planted_bugs_the_check_catches_each():
    params, X, Y = small_problem((6, 5, 5), m=8)                 # W2 is square: the bug runs
    assert max(check_gradients(params, X, Y).values()) <= THRESHOLD
    no_mean = check_gradients(params, X, Y, backprop=backward_without_mean)
    assert no_mean["W1"] == pytest.approx(7 / 8) and no_mean["W2"] == pytest.approx(7 / 8)
    assert no_mean["b1"] <= THRESHOLD                            # the bias lines were right
    no_transpose = check_gradients(params, X, Y, backprop=backward_without_transpose)
    assert no_transpose["W1"] > 1e-2 and no_transpose["b1"] > 1e-2
    assert no_transpose["W2"] <= THRESHOLD                       # layer 2 itself was right


# --8<-- [start:gradcheck-one-entry]
def one_wrong_entry(params, X, Y):
    """dW1 with its median-size entry off by 1 in 10,000; numerical dW1."""
    analytic = backward(params, forward(params, X), Y)["dW1"]
    sizes = np.abs(analytic).ravel()
    typical = np.argsort(sizes)[len(sizes) // 2]      # the median entry
    analytic.ravel()[typical] *= 1.0001
    return analytic, numerical_gradient(params, "W1", X, Y)
# --8<-- [end:gradcheck-one-entry]


def test_gradcheck_one_entry_norm_against_elementwise():
    params, X, Y = small_problem((100, 30, 10), m=20, seed=9)
    a, n = one_wrong_entry(params, X, Y)
    elementwise, norm = elementwise_relative_error(a, n).max(), relative_error(a, n)
    assert elementwise > 100 * THRESHOLD                  # caught: a thousand times the threshold
    assert norm < 10 * THRESHOLD                          # diluted by the 2,999 right entries
    assert elementwise > 50 * norm


# --8<-- [start:gradcheck-hidden-by-the-start]
def backward_no_bias_in_mask(params, cache, Y):
    """The bug: Z1 recomputed for the ReLU mask as W1 X, without b1."""
    dZ2 = cache["A2"] - Y
    dW2, db2 = linear_backward(dZ2, cache["A1"])
    Z1 = params["W1"] @ cache["A0"]                   # + b1 forgotten
    dZ1 = (params["W2"].T @ dZ2) * relu_derivative(Z1)
    dW1, db1 = linear_backward(dZ1, cache["A0"])
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def check_before_and_after(params, X, Y, backprop, steps=50, alpha=1.0):
    """Worst error of `backprop` at `params`, and after `steps` of descent."""
    def worst(point):
        return max(check_gradients(point, X, Y, backprop).values())
    return worst(params), worst(descend(params, X, Y, steps, alpha))
# --8<-- [end:gradcheck-hidden-by-the-start]


def test_gradcheck_hidden_by_the_start_a_bug_only_training_reveals():
    params, X, Y = small_problem((5, 4, 3), m=6, seed=1, init="he")
    before, after = check_before_and_after(params, X, Y, backward_no_bias_in_mask)
    assert before <= THRESHOLD < after
    before, after = check_before_and_after(params, X, Y, backward)
    assert before <= THRESHOLD and after <= THRESHOLD


# ---- training.md, gradient descent and training ----------------------------------------

# --8<-- [start:training-quadratic]
def descend_quadratic(lam, alpha, theta, steps):
    """Gradient descent on L = lam theta^2 / 2: the gradient is lam theta."""
    for _ in range(steps):
        theta = theta - alpha * lam * theta     # (1 - alpha lam) theta
    return theta
# --8<-- [end:training-quadratic]


def test_training_quadratic_the_step_size_limit_is_two_over_the_curvature():
    lam = 4.0
    assert abs(descend_quadratic(lam, 1.9 / lam, 1.0, 200)) < 1e-8
    assert abs(descend_quadratic(lam, 2.1 / lam, 1.0, 200)) > 1e8
    assert descend_quadratic(lam, 1 / lam, 1.0, 1) == 0.0    # alpha = 1/lam lands in one step


# ---- measurement.md, how sure are we ----------------------------------------------------

# --8<-- [start:measurement-optimistic]
def best_of(k, p, n, trials, rng):
    """The mean, over trials, of the largest of k dev accuracies of settings all truly p."""
    accuracies = rng.binomial(n, p, size=(trials, k)) / n   # (trials, k)
    return accuracies.max(axis=1).mean()
# --8<-- [end:measurement-optimistic]


def test_measurement_optimistic_the_best_of_ten_overstates_by_about_a_third_of_a_point():
    excess = best_of(10, 0.975, 5_000, 20_000, np.random.default_rng(0)) - 0.975
    assert excess == pytest.approx(1.54 * np.sqrt(0.975 * 0.025 / 5_000), rel=0.05)


# ---- calibration.md, what the best network gets wrong ------------------------------------

# --8<-- [start:calibration-useless]
def useless_and_overconfident(m, rng):
    """ECEs of a network that guesses with 1/10 everywhere, and of one right 99% of the time at 1.0."""
    labels = rng.integers(0, 10, m)
    guess = np.full((10, m), 0.1)
    guess[rng.integers(0, 10, m), np.arange(m)] += 1e-9    # a random answer, confidence 0.1
    sure = np.zeros((10, m))
    right = rng.random(m) < 0.99
    sure[np.where(right, labels, (labels + 1) % 10), np.arange(m)] = 1.0
    return (expected_calibration_error(guess, labels), expected_calibration_error(sure, labels))
# --8<-- [end:calibration-useless]


def test_calibration_useless_guessing_is_calibrated_and_sureness_costs_its_error_rate():
    guessing, sure = useless_and_overconfident(200_000, np.random.default_rng(0))
    assert guessing < 0.003
    assert sure == pytest.approx(0.01, abs=0.001)


def test_calibration_same_answers_under_any_temperature():
    Z = np.random.default_rng(0).normal(0, 3, (10, 1000))
    for T in (0.1, 0.5, 2.0, 30.0):
        assert (softmax(Z / T).argmax(axis=0) == Z.argmax(axis=0)).all()


def test_calibration_newton_second_derivative_is_the_variance_of_the_logits():
    rng = np.random.default_rng(1)
    z, beta, eps = rng.normal(0, 2, 10), 0.7, 1e-4
    lse = lambda b: np.log(np.sum(np.exp(b * z)))
    p = softmax((beta * z)[:, None])[:, 0]
    second = (lse(beta + eps) - 2 * lse(beta) + lse(beta - eps)) / eps ** 2
    assert second == pytest.approx(p @ z ** 2 - (p @ z) ** 2, rel=1e-5)


# ---- saturation.md, sigmoid, tanh and the squared error --------------------------------

# --8<-- [start:saturation-sigmoid-output]
def sigmoid_output_gradients(z, y):
    """dl/dz for one sigmoid output: squared error (s - y) s (1 - s), and cross-entropy s - y."""
    s = 1 / (1 + np.exp(-z))
    return (s - y) * s * (1 - s), s - y
# --8<-- [end:saturation-sigmoid-output]


def test_saturation_sigmoid_output_squared_error_is_150_times_weaker_at_z_5():
    squared, cross = sigmoid_output_gradients(5.0, 0.0)
    assert squared == pytest.approx(0.0066, abs=5e-5)
    assert cross == pytest.approx(0.9933, abs=5e-5)
    assert cross / squared == pytest.approx(2 + np.exp(5) + np.exp(-5))  # 1 / (s (1 - s))


# --8<-- [start:saturation-gradcheck]
def check_saturating_network(activation, kind, rng):
    """The worst relative error of backprop for a 3-layer network of `activation`, trained on `kind`."""
    params = init_params([8, 6, 6, 3], rng, "xavier")
    X, Y = rng.random((8, 10)), one_hot(rng.integers(0, 3, 10), 3)
    return max(check_gradients(params, X, Y, activation=activation, kind=kind).values())
# --8<-- [end:saturation-gradcheck]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("kind", ["cross_entropy", "squared"])
def test_saturation_gradcheck_passes_for_both_activations_and_losses(activation, kind):
    assert check_saturating_network(activation, kind, np.random.default_rng(0)) <= THRESHOLD


def test_saturation_xavier_first_sits_between_the_two_requests():
    n_in, n_out = 784, 100
    forward_request, backward_request, xavier = 1 / n_in, 1 / n_out, 2 / (n_in + n_out)
    assert forward_request < xavier < backward_request
    assert np.sqrt(xavier) == pytest.approx(0.0476, abs=5e-5)
    assert n_out * xavier == pytest.approx(0.226, abs=5e-4)      # the backward gain's n Var(w)
    assert n_in * xavier == pytest.approx(1.774, abs=5e-4)       # the forward one's


# ---- schedules.md, the learning rate ---------------------------------------------------

# --8<-- [start:schedules-cliff]
def heavy_ball_quadratic(lam, alpha, beta, theta, steps):
    """Momentum on L = lam theta^2 / 2: v <- beta v + lam theta, theta <- theta - alpha v."""
    v = 0.0
    for _ in range(steps):
        v = beta * v + lam * theta
        theta = theta - alpha * v
    return theta
# --8<-- [end:schedules-cliff]


def test_schedules_cliff_momentum_moves_the_cliff_out_to_two_times_one_plus_beta():
    lam, beta = 4.0, 0.9
    cliff = 2 * (1 + beta) / lam                                          # 0.95, not 2 / lam = 0.5
    assert abs(heavy_ball_quadratic(lam, 0.97 * cliff, beta, 1.0, 2000)) < 1e-8
    assert abs(heavy_ball_quadratic(lam, 1.03 * cliff, beta, 1.0, 300)) > 1e8
    assert abs(heavy_ball_quadratic(lam, 3.0 / lam, beta, 1.0, 2000)) < 1e-8  # past SGD's cliff
    assert abs(descend_quadratic(lam, 3.0 / lam, 1.0, 300)) > 1e8


# --8<-- [start:training-dead-unit]
def train_with_a_dead_unit(steps=20, alpha=0.5):
    """Hidden unit 0 starts with a bias so negative that it is always off."""
    params, X, Y = small_problem((6, 5, 4), m=8)
    params["b1"][0] = -100.0                   # z < 0 for every example
    start = {name: p.copy() for name, p in params.items()}
    for _ in range(steps):
        grads = backward(params, forward(params, X), Y)
        params = gradient_step(params, grads, alpha)
    return start, params
# --8<-- [end:training-dead-unit]


def test_training_dead_unit_never_moves():
    start, end = train_with_a_dead_unit()
    assert np.array_equal(end["W1"][0], start["W1"][0]) and end["b1"][0] == start["b1"][0]
    assert not np.array_equal(end["W1"][1:], start["W1"][1:])  # the live units did learn
    np.testing.assert_array_equal(end["W2"][:, 0], start["W2"][:, 0])  # its outgoing weights too


def test_training_logits_the_loss_from_them_is_not_capped():
    Z, Y = np.array([[1000.0], [0.0]]), np.array([[0.0], [1.0]])
    assert cross_entropy_from_logits(Z, Y) == 1000.0
    assert cross_entropy(softmax(Z), Y) == pytest.approx(-np.log(np.finfo(np.float64).tiny))
    dZ = softmax_cross_entropy_backward(softmax(Z), Y)
    assert dZ.ravel().tolist() == [1.0, -1.0]                 # the gradient of the true loss


def test_training_bytes_of_x():
    m = 41_000
    assert np.zeros((784, m), dtype=np.float32).nbytes == 128_576_000
    assert np.zeros((784, m), dtype=np.float64).nbytes == 2 * 128_576_000


# ---- seed.md, reproducing the seed -----------------------------------------------------

def test_seed_wrong_m_is_a_smaller_learning_rate():
    params, X, Y = small_problem((6, 5, 4), m=41)
    cache = forward(params, X)
    wrong = seed.backward_seed(params, cache, Y, m=42, defects=seed.Defects(False, False, True))
    right = backward(params, cache, Y)
    for name in right:
        np.testing.assert_allclose(wrong[name] * 42 / 41, right[name], rtol=1e-12)


def test_seed_scalar_db1_is_the_sum_of_the_right_ones():
    params, X, Y = small_problem((6, 5, 4), m=8)
    cache = forward(params, X)
    scalar = seed.backward_seed(params, cache, Y, defects=seed.Defects(True, False, False))
    right = backward(params, cache, Y)
    np.testing.assert_allclose(scalar["db1"], np.full((5, 1), right["db1"].sum()), rtol=1e-12)


def test_seed_exp_overflow_in_float64_and_float32():
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(709.78)) and np.isinf(np.exp(709.79))
        assert np.isfinite(np.exp(np.float32(88.72))) and np.isinf(np.exp(np.float32(88.73)))
    assert np.log(np.finfo(np.float64).max) == pytest.approx(709.78, abs=0.005)


# --8<-- [start:seed-uniform-spread]
def first_layer_std(X, rng):
    """Std of Z1 = W1 X + b1 under the seed's start, W1, b1 ~ U[-0.5, 0.5)."""
    params = init_params([X.shape[0], 10, 10], rng)   # uniform: the seed's
    return float((params["W1"] @ X + params["b1"]).std())
# --8<-- [end:seed-uniform-spread]


def test_seed_uniform_spread_matches_the_prediction():
    rng = np.random.default_rng(10)
    X = (rng.random((784, 500)) < 0.2).astype(float)           # E[x^2] = 0.2
    predicted = np.sqrt(784 * (1 / 12) * 0.2 + 1 / 12)
    measured = np.mean([first_layer_std(X, rng) for _ in range(20)])
    assert measured == pytest.approx(predicted, rel=0.1)


# ---- augmentation.md, augmentation ------------------------------------------------------

from primitive_nn.augmentation import gaussian_matrix                    # noqa: E402


# --8<-- [start:augmentation-separable]
def smooth_by_the_double_sum(U, sigma):
    """The smoothed field, one output pixel at a time: sum over k, l of g(i - k) g(j - l) U[k, l]."""
    n = U.shape[0]
    offsets = np.arange(-(n - 1), n)                        # every offset i - k there is
    g = np.exp(-offsets ** 2 / (2 * sigma ** 2))
    kernel = np.outer(g, g) / g.sum() ** 2                  # g(i - k) g(j - l), normalized
    return np.array([[np.sum(kernel[n - 1 - i:2 * n - 1 - i, n - 1 - j:2 * n - 1 - j] * U)
                      for j in range(n)] for i in range(n)])
# --8<-- [end:augmentation-separable]


def test_augmentation_separable_two_products_are_the_double_sum():
    U = np.random.default_rng(0).uniform(-1, 1, (28, 28))
    G = gaussian_matrix(4.0)
    np.testing.assert_allclose(G @ U @ G.T, smooth_by_the_double_sum(U, 4.0), atol=1e-14)


# --8<-- [start:augmentation-how-far]
def displacement_sd(alpha, sigma):
    """Standard deviation of one coordinate of alpha G U G^T away from the edges, U ~ U[-1, 1]."""
    g = gaussian_matrix(sigma)[14]                   # the kernel, centred on a middle pixel
    return alpha * np.sqrt(1 / 3) * np.sum(g ** 2)   # Var U = 1/3; sum of g_k^2 g_l^2 = (sum g^2)^2
# --8<-- [end:augmentation-how-far]


def test_augmentation_how_far_matches_sampled_fields():
    U = np.random.default_rng(0).uniform(-1, 1, (4000, 28, 28))
    G = gaussian_matrix(4.0)
    sampled = (34 * (G @ U @ G.T))[:, 14, 14].std()
    assert displacement_sd(34, 4) == pytest.approx(sampled, rel=0.05)
    assert displacement_sd(34, 4) == pytest.approx(34 / (2 * 4 * np.sqrt(3 * np.pi)), rel=0.01)
    assert round(displacement_sd(34, 4), 1) == 1.4                       # as the solution says


# ---- convolution.md, convolution as a matrix product ----------------------------------

from primitive_nn.architecture import count_params                     # noqa: E402
from primitive_nn.convolution import (col2im, conv_backward, conv_forward, layer_costs,  # noqa: E402
                                      padding_width, patches)


# --8<-- [start:convolution-flip]
def correlate_by_convolving(x, w):
    """np.correlate(x, w, "valid"), computed by np.convolve: convolve with the reversed kernel."""
    return np.convolve(x, w[::-1], "valid")


def correlate_as_a_layer(x, w):
    """The same with conv_forward: x is one 1 x n image of one channel, w one 1 x k kernel."""
    Z = conv_forward(x.reshape(1, 1, -1, 1), w.reshape(1, 1, -1, 1), np.zeros(1), padding="valid")
    return Z.ravel()
# --8<-- [end:convolution-flip]


def test_convolution_flip_three_ways_agree():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(11), rng.standard_normal(4)
    np.testing.assert_allclose(correlate_by_convolving(x, w), np.correlate(x, w, "valid"), rtol=1e-12)
    np.testing.assert_allclose(correlate_as_a_layer(x, w), np.correlate(x, w, "valid"), rtol=1e-12)
    assert not np.allclose(np.convolve(x, w, "valid"), np.correlate(x, w, "valid"))  # not the same


# --8<-- [start:convolution-coverage]
def coverage(n, k, stride, padding):
    """For each pixel of an n x n image: in how many windows, of how many rows of P, it lies."""
    p = padding_width(k, padding)
    P = patches(np.zeros((1, n, n, 1)), k, k, stride, p)
    return col2im(np.ones_like(P), (1, n, n, 1), k, k, stride, p)[0, :, :, 0]
# --8<-- [end:convolution-coverage]


def test_convolution_coverage_counts_the_windows():
    same = coverage(7, 3, 1, "same")
    assert same[1:-1, 1:-1].tolist() == np.full((5, 5), 9.0).tolist()
    assert (same[0, 0], same[0, 3]) == (4.0, 6.0)
    assert same.sum() == 7 * 7 * 9 - 4 * 7 * 3 + 4                   # every window's 9 entries, less padding
    strided = coverage(7, 3, 2, "valid")
    assert strided.max() == 4 and set(np.argwhere(strided == 4).ravel()) == {2, 4}
    assert strided.sum() == 3 * 3 * 9                                  # 9 windows of 9 entries
    skipping = coverage(7, 2, 3, "valid")
    assert np.flatnonzero(skipping.sum(axis=0) == 0).tolist() == [2, 5, 6]


# --8<-- [start:convolution-backward-is-convolution]
def input_gradient_by_convolution(dZ, W, p):
    """dX at stride 1: the padded dZ correlated with the turned kernels, channels swapped."""
    k = W.shape[1]
    turned = W[:, ::-1, ::-1, :].transpose(3, 1, 2, 0)         # (n_C, k, k, n_F)
    dXp = conv_forward(dZ, turned, np.zeros(W.shape[3]), padding=k - 1)  # the full convolution
    n_H, n_W = dXp.shape[1] - 2 * p, dXp.shape[2] - 2 * p
    return dXp[:, p:p + n_H, p:p + n_W, :]                      # the forward pass's padding cut away
# --8<-- [end:convolution-backward-is-convolution]


@pytest.mark.parametrize("padding", ["same", "valid", 1])
def test_convolution_backward_is_convolution_agrees_with_conv_backward(padding):
    rng = np.random.default_rng(1)
    X, W = rng.standard_normal((2, 7, 6, 3)), rng.standard_normal((4, 3, 3, 3))  # W: (n_F, k, k, n_C)
    dZ = rng.standard_normal(conv_forward(X, W, np.zeros(4), padding=padding).shape)
    dX, _, _ = conv_backward(dZ, X, W, padding=padding)
    np.testing.assert_allclose(input_gradient_by_convolution(dZ, W, padding_width(3, padding)), dX,
                               rtol=1e-12, atol=1e-12)


def test_convolution_parameters_the_counts_of_the_solution():
    costs = layer_costs()
    dense_like_conv1 = count_params([28 * 28, 28 * 28 * 16])
    assert dense_like_conv1 == 784 * 16 * 784 + 784 * 16
    assert dense_like_conv1 / costs[0]["params"] > 20_000
    assert costs[6]["params"] == count_params([7 * 7 * 32, 128])
    assert costs[6]["params"] > 0.9 * sum(c["params"] for c in costs)


# ---- pooling.md, pooling ----------------------------------------------------------------

from primitive_nn.pooling import (average_pool, average_pool_backward, blocks, max_pool,  # noqa: E402
                                  max_pool_backward, translate)


# --8<-- [start:pooling-shift-by-two]
def moved_then_pooled(X, k=2):
    """Move the images k pixels to the right, then max-pool by k."""
    return max_pool(translate(X, 0, k), k)


def pooled_then_moved(X, k=2):
    """Max-pool by k, then move the pooled maps one entry to the right."""
    return translate(max_pool(X, k), 0, 1)
# --8<-- [end:pooling-shift-by-two]


@pytest.mark.parametrize("k", [2, 4])
def test_pooling_shift_by_two_moves_the_pooled_map_by_one_entry(k):
    X = np.random.default_rng(0).standard_normal((3, 8, 8, 2))
    np.testing.assert_array_equal(moved_then_pooled(X, k), pooled_then_moved(X, k))
    assert not np.array_equal(max_pool(translate(X, 0, 1), k), pooled_then_moved(X, k))


# --8<-- [start:pooling-average-is-convolution]
def average_pool_by_convolution(X, k=2):
    """Average pooling as a convolution: stride k, a kernel of 1/k^2 from each channel to itself."""
    n_C = X.shape[3]
    W = np.eye(n_C)[:, None, None, :] * np.full((k, k, 1), 1 / k ** 2)  # (n_C, k, k, n_C)
    return conv_forward(X, W, np.zeros(n_C), stride=k, padding="valid")
# --8<-- [end:pooling-average-is-convolution]


def test_pooling_average_is_convolution_in_both_directions():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 6, 8, 3))
    np.testing.assert_allclose(average_pool_by_convolution(X), average_pool(X), rtol=1e-12)
    dA = rng.standard_normal(average_pool(X).shape)
    n_C = X.shape[3]
    W = np.eye(n_C)[:, None, None, :] * np.full((2, 2, 1), 0.25)
    dX, _, _ = conv_backward(dA, X, W, stride=2, padding="valid")
    np.testing.assert_allclose(dX, average_pool_backward(dA), rtol=1e-12)


# --8<-- [start:pooling-split-ties]
def max_pool_backward_split(dA, X, k=2):
    """Max pooling's gradient with each block's dA split evenly among its tied largest entries."""
    B = blocks(X, k)                                             # (m, n_H // k, k, n_W // k, k, n_C)
    tied = B == B.max(axis=(2, 4), keepdims=True)
    share = tied / tied.sum(axis=(2, 4), keepdims=True)          # 1 / (number tied) on each of them
    return (share * dA[:, :, None, :, None, :]).reshape(X.shape)
# --8<-- [end:pooling-split-ties]


def test_pooling_split_ties_is_another_subgradient():
    rng = np.random.default_rng(2)
    X = np.maximum(rng.standard_normal((2, 6, 6, 2)), 0)          # blocks of zeros: ties
    X[0, 0:2, 0:2, 0] = [[0.5, 0.5], [0.1, 0.5]]
    dA = rng.standard_normal(max_pool(X).shape)
    first, split = max_pool_backward(dA, X), max_pool_backward_split(dA, X)
    assert not np.allclose(first, split)                          # they differ at the ties ...
    np.testing.assert_allclose(blocks(first).sum(axis=(2, 4)), dA)  # ... but give each block its dA
    np.testing.assert_allclose(blocks(split).sum(axis=(2, 4)), dA)
    weights = blocks(split) / dA[:, :, None, :, None, :]          # the subgradient's weights per block
    tied = blocks(X) == blocks(X).max(axis=(2, 4), keepdims=True)
    assert np.all(weights >= 0) and np.all(weights[~tied] == 0)   # on the tied entries only ...
    np.testing.assert_allclose(weights.sum(axis=(2, 4)), 1.0)     # ... and summing to 1: in the hull


# --8<-- [start:pooling-receptive-field]
def receptive_field(rng, size=28, k=5):
    """The pixels one output of the second convolution depends on: conv k, pool 2, conv k."""
    X = rng.standard_normal((1, size, size, 1))
    W1, W2 = rng.standard_normal((4, k, k, 1)), rng.standard_normal((1, k, k, 4))
    A1 = average_pool(conv_forward(X, W1, np.zeros(4)))
    dZ2 = np.zeros(conv_forward(A1, W2, np.zeros(1)).shape)
    dZ2[0, size // 4, size // 4, 0] = 1.0                         # one output entry, near the middle
    dA1, _, _ = conv_backward(dZ2, A1, W2)
    dX, _, _ = conv_backward(average_pool_backward(dA1), X, W1)
    rows, cols = np.nonzero(dX[0, :, :, 0])
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
# --8<-- [end:pooling-receptive-field]


def test_pooling_receptive_field_is_fourteen_pixels():
    assert receptive_field(np.random.default_rng(3)) == (14, 14)


# ---- convnet.md, the convnet ------------------------------------------------------------

from primitive_nn import convnet                                          # noqa: E402
from primitive_nn.convolution import CONVNET, as_images                 # noqa: E402
from primitive_nn.network import n_layers                                # noqa: E402


# --8<-- [start:convnet-channel-order]
def flatten_channels_first(A):
    """Maps as columns in a channels-first library's order: channel, then row, then column."""
    return A if A.ndim == 2 else A.transpose(0, 3, 1, 2).reshape(len(A), -1).T


def channels_first_columns(n_H, n_W, n_C):
    """perm[q]: the row of flatten(A) that row q of flatten_channels_first(A) holds."""
    return np.arange(n_H * n_W * n_C).reshape(n_H, n_W, n_C).transpose(2, 0, 1).ravel()


def logits(params, X, read_maps=convnet.flatten):
    """Z^{[D]} of a convnet whose last maps are read into columns by read_maps."""
    n_blocks = sum(params[f"W{l}"].ndim == 4 for l in range(1, n_layers(params) + 1))
    blocks = {name: p for name, p in params.items() if int(name[1:]) <= n_blocks}
    A = read_maps(convnet.forward(blocks, X)[f"A{n_blocks}"])    # (n_in, m)
    for l in range(n_blocks + 1, n_layers(params) + 1):
        Z = linear_forward(params[f"W{l}"], params[f"b{l}"], A)  # (n_l, m)
        A = relu(Z)
    return Z
# --8<-- [end:convnet-channel-order]


def test_convnet_channel_order_permuted_columns_give_the_same_network():
    rng = np.random.default_rng(0)
    params = convnet.init_params(CONVNET, rng)
    params["b3"] = rng.standard_normal(params["b3"].shape)
    X = rng.random((784, 3))
    cache = convnet.forward(params, X)
    perm = channels_first_columns(7, 7, 32)
    np.testing.assert_array_equal(flatten_channels_first(cache["A2"]), convnet.flatten(cache["A2"])[perm])
    np.testing.assert_allclose(logits(params, X), cache["Z4"], rtol=1e-12)  # forward's Z^{[D]}
    permuted = {**params, "W3": params["W3"][:, perm]}
    np.testing.assert_allclose(logits(permuted, X, flatten_channels_first), cache["Z4"],
                               rtol=1e-12, atol=1e-12)
    assert not np.allclose(logits(params, X, flatten_channels_first), cache["Z4"], rtol=0.01)
    np.testing.assert_array_equal(permuted["W3"][:, np.argsort(perm)], params["W3"])  # and back
    assert perm[:3].tolist() == [0, 32, 64] and perm[49] == 1     # channel 0 at every position first


# --8<-- [start:convnet-global-average]
def global_average(A):
    """The maps' mean over positions: (m, n_H, n_W, n_C) -> (n_C, m), one number per channel."""
    return A if A.ndim == 2 else A.mean(axis=(1, 2)).T
# --8<-- [end:convnet-global-average]


def shifted(X, right):
    """The digits of X (784, m) moved `right` pixels to the right, zeros coming in."""
    return translate(as_images(X), 0, right).reshape(X.shape[1], -1).T


def a_digit_and_a_convnet(rng, b1_sign=-1):
    """A digit, ink in rows 4..23 and columns 6..17 of a blank 28 x 28 image, and two networks:
    CONVNET's blocks with random biases under a global average (W3: 128 x 32) and a flatten."""
    image = np.zeros((28, 28))
    image[4:24, 6:18] = rng.random((20, 12)) * (rng.random((20, 12)) < 0.5)
    params = convnet.init_params(CONVNET, rng)
    params["b1"] = b1_sign * np.abs(rng.normal(0, 0.1, 16))     # g(b1) = 0 where b1 <= 0
    params["b2"], params["b3"] = rng.normal(0, 0.1, 32), rng.normal(0, 0.1, (128, 1))
    flat = dict(params)
    params["W3"] = rng.normal(0, (2 / 32) ** 0.5, (128, 32))
    return image.reshape(784, 1), params, flat


def block_2_maps(params, X):
    """A^{[2]} minus the blank image's A^{[2]}: what the ink changes in the block-2 maps."""
    blocks = {name: params[name] for name in ("W1", "b1", "W2", "b2")}
    return convnet.forward(blocks, X)["A2"] - convnet.forward(blocks, np.zeros_like(X))["A2"]


def test_convnet_global_average_a_four_pixel_shift_moves_the_block_2_maps_by_one_entry():
    X, params, _ = a_digit_and_a_convnet(np.random.default_rng(0))
    np.testing.assert_allclose(block_2_maps(params, shifted(X, 4)),
                               translate(block_2_maps(params, X), 0, 1), rtol=1e-12, atol=1e-12)
    assert np.abs(block_2_maps(params, X)[:, :, 0]).max() > 0      # the ink reaches the left edge
    assert np.abs(block_2_maps(params, shifted(X, 4))[:, :, 6]).max() > 0  # ... and the right one


def test_convnet_global_average_is_invariant_to_it_and_the_flatten_is_not():
    X, params, flat = a_digit_and_a_convnet(np.random.default_rng(1))
    np.testing.assert_allclose(logits(params, shifted(X, 4), global_average),
                               logits(params, X, global_average), rtol=1e-12, atol=1e-12)
    assert not np.allclose(logits(flat, shifted(X, 4)), logits(flat, X), rtol=0.01)


def test_convnet_global_average_one_or_two_pixels_or_a_positive_first_bias_are_not_absorbed():
    X, params, _ = a_digit_and_a_convnet(np.random.default_rng(2))
    for right in (1, 2):
        assert not np.allclose(logits(params, shifted(X, right), global_average),
                               logits(params, X, global_average), rtol=1e-6, atol=1e-9)
    X, params, _ = a_digit_and_a_convnet(np.random.default_rng(2), b1_sign=+1)
    assert not np.allclose(logits(params, shifted(X, 4), global_average),
                           logits(params, X, global_average), rtol=1e-6, atol=1e-9)


# --8<-- [start:convnet-batch-memory]
def patch_bytes(m, itemsize=4):
    """Bytes of the two patch matrices P1 and P2 of a batch of m digits."""
    per_digit = 28 * 28 * 25 * 1 + 14 * 14 * 25 * 16      # rows times columns of P1 and of P2
    return m * per_digit * itemsize


def largest_batch(budget=2 * 10 ** 9, itemsize=4):
    """The most digits whose two patch matrices fit in `budget` bytes."""
    return budget // patch_bytes(1, itemsize)
# --8<-- [end:convnet-batch-memory]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_convnet_batch_memory_the_count_is_what_forward_holds(dtype):
    params = convnet.init_params(CONVNET, np.random.default_rng(0), dtype=dtype)
    cache = convnet.forward(params, np.zeros((784, 3), dtype))
    assert cache["P1"].shape == (3 * 28 * 28, 25) and cache["P2"].shape == (3 * 14 * 14, 400)
    itemsize = np.dtype(dtype).itemsize
    assert cache["P1"].nbytes + cache["P2"].nbytes == patch_bytes(3, itemsize)
    assert patch_bytes(1, 1) == sum(c["patch_entries"] for c in layer_costs())


def test_convnet_batch_memory_the_numbers_of_the_solution():
    assert patch_bytes(1) == 392_000 and largest_batch() == 5102
    assert patch_bytes(5102) <= 2 * 10 ** 9 < patch_bytes(5103)
    assert patch_bytes(convnet.ARCHITECTURES["convnet"].max_batch) == 196_000_000
    assert patch_bytes(10_000) == 3_920_000_000 and patch_bytes(500, 8) == 392_000_000


# ---- batchnorm.md, batch normalization ----------------------------------------------------

from primitive_nn import batchnorm as bn                                  # noqa: E402


def bn_problem(shape, seed=0):
    """Z far from standard, gamma and beta shaped like the layer's bias, an upstream gradient."""
    rng = np.random.default_rng(seed)
    Z = 2.0 + 3.0 * rng.standard_normal(shape)
    features = (shape[0], 1) if len(shape) == 2 else (shape[-1],)
    return Z, rng.uniform(0.5, 2.0, features), rng.standard_normal(features), rng.standard_normal(shape)


# --8<-- [start:batchnorm-staged-backward]
def batchnorm_backward_staged(dY, Z, gamma, eps=bn.EPS):
    """Batch normalization's backward pass one node of the forward pass at a time, last node first."""
    axes = bn.batch_axes(Z)
    m, N = Z.shape[axes[0]], Z.size // gamma.size           # examples; entries per feature

    def total(A):                                           # over each feature's N entries
        return A.sum(axis=axes, keepdims=True)

    mu = total(Z) / N                                       # the forward pass, node by node
    C = Z - mu
    var = total(C ** 2) / N
    s = np.sqrt(var + eps)
    Zhat = C / s
    dgamma = total(dY * Zhat).reshape(gamma.shape) / m      # y = gamma zhat + beta
    dbeta = total(dY).reshape(gamma.shape) / m
    dZhat = gamma * dY
    ds = -total(dZhat * C) / s ** 2                         # zhat = C / s, through s
    dvar = ds / (2 * s)                                     # s = sqrt(var + eps)
    dC = dZhat / s + dvar * 2 * C / N                       # zhat = C / s, and var = total(C^2) / N
    dmu = -total(dC)                                        # C = Z - mu, through mu
    dZ = dC + dmu / N                                       # C = Z - mu, and mu = total(Z) / N
    return dZ, dgamma, dbeta
# --8<-- [end:batchnorm-staged-backward]


@pytest.mark.parametrize("shape", [(3, 5), (3, 5, 3, 2)])
def test_batchnorm_staged_backward_is_the_compact_formula(shape):
    Z, gamma, beta, dY = bn_problem(shape)
    _, cache = bn.batchnorm_forward(Z, gamma, beta)
    compact = bn.batchnorm_backward(dY, cache, gamma)
    for staged, expected in zip(batchnorm_backward_staged(dY, Z, gamma), compact):
        np.testing.assert_allclose(staged, expected, rtol=1e-10, atol=1e-13)


def test_batchnorm_staged_backward_the_path_through_the_variance_adds_nothing_to_dmu():
    Z, gamma, beta, dY = bn_problem((4, 6), seed=1)
    C = Z - Z.mean(axis=1, keepdims=True)
    assert np.abs(C.sum(axis=1)).max() < 1e-12      # dvar * 2 C / N sums to 0: only dZhat / s reaches mu


# --8<-- [start:batchnorm-redundant-bias]
def bias_before_batchnorm(W, b, X, gamma, beta, dY):
    """A dense layer Z = W X + b followed by batch normalization: its output, and db."""
    Y, cache = bn.batchnorm_forward(linear_forward(W, b, X), gamma, beta)
    dZ, _, _ = bn.batchnorm_backward(dY, cache, gamma)
    _, db = linear_backward(dZ, X)
    return Y, db
# --8<-- [end:batchnorm-redundant-bias]


def test_batchnorm_redundant_bias_changes_nothing_and_gets_no_gradient():
    rng = np.random.default_rng(2)
    W, X = rng.standard_normal((3, 4)), rng.random((4, 8))
    b, gamma, beta, dY = (rng.standard_normal((3, 1)), rng.uniform(0.5, 2, (3, 1)),
                          rng.standard_normal((3, 1)), rng.standard_normal((3, 8)))
    Y, db = bias_before_batchnorm(W, b, X, gamma, beta, dY)
    Y0, _ = bias_before_batchnorm(W, np.zeros((3, 1)), X, gamma, beta, dY)
    np.testing.assert_allclose(Y, Y0, rtol=1e-12, atol=1e-12)
    assert np.abs(db).max() < 1e-15
    assert np.abs(linear_backward(dY, X)[1]).min() > 0.01    # without batch normalization it would move


# --8<-- [start:batchnorm-scale-invariance]
def weight_gradient(W, X, gamma, beta, dY, eps=bn.EPS):
    """A dense layer Z = W X with no bias, then batch normalization: its output, and dW."""
    Y, cache = bn.batchnorm_forward(W @ X, gamma, beta, eps)
    dZ, _, _ = bn.batchnorm_backward(dY, cache, gamma)
    return Y, dZ @ X.T / X.shape[1]
# --8<-- [end:batchnorm-scale-invariance]


def scale_problem(seed=3):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((3, 5)), rng.random((5, 9)), rng.uniform(0.5, 2, (3, 1)),
            rng.standard_normal((3, 1)), rng.standard_normal((3, 9)))


@pytest.mark.parametrize("a", [0.1, 3.0])
def test_batchnorm_scale_invariance_same_output_gradient_divided_by_a(a):
    W, X, gamma, beta, dY = scale_problem()
    Y, dW = weight_gradient(W, X, gamma, beta, dY, eps=0.0)
    Ya, dWa = weight_gradient(a * W, X, gamma, beta, dY, eps=0.0)
    np.testing.assert_allclose(Ya, Y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dWa, dW / a, rtol=1e-10, atol=1e-14)


def test_batchnorm_scale_invariance_each_row_of_dw_is_orthogonal_to_w_so_a_step_lengthens_it():
    W, X, gamma, beta, dY = scale_problem(seed=4)
    _, dW = weight_gradient(W, X, gamma, beta, dY, eps=0.0)
    assert np.abs((dW * W).sum(axis=1)).max() < 1e-12 * np.abs(dW).max() * np.abs(W).max() * W.shape[1]
    alpha = 0.5
    def squared_norms(A):
        return np.linalg.norm(A, axis=1) ** 2

    np.testing.assert_allclose(squared_norms(W - alpha * dW), squared_norms(W) + alpha ** 2 * squared_norms(dW))
    _, dW_eps = weight_gradient(W, X, gamma, beta, dY)         # with EPS: orthogonal to a part in 1e5
    cosine = (dW_eps * W).sum(axis=1) / np.linalg.norm(dW_eps, axis=1) / np.linalg.norm(W, axis=1)
    assert 0 < np.abs(cosine).max() < 1e-4


# --8<-- [start:batchnorm-fold]
def fold(W, b, gamma, beta, running_mean, running_var, eps=bn.EPS):
    """W' and b' of one layer that computes batchnorm_eval of the layer (W, b): dense or convolution."""
    a = gamma / np.sqrt(running_var + eps)                  # a scale per unit or channel, gamma's shape
    return a.reshape(len(W), *(1,) * (W.ndim - 1)) * W, a * (b - running_mean) + beta
# --8<-- [end:batchnorm-fold]


def test_batchnorm_fold_dense_and_convolution():
    rng = np.random.default_rng(5)
    layers = [(linear_forward, rng.standard_normal((3, 4)), rng.standard_normal((3, 1)), rng.random((4, 6))),
              (lambda W, b, X: conv_forward(X, W, b),
               rng.standard_normal((2, 3, 3, 1)), rng.standard_normal(2), rng.random((2, 5, 5, 1)))]
    for layer, W, b, X in layers:
        shape = b.shape
        gamma, beta = rng.uniform(0.5, 2, shape), rng.standard_normal(shape)
        mean, var = rng.standard_normal(shape), rng.uniform(0.5, 3, shape)
        W_folded, b_folded = fold(W, b, gamma, beta, mean, var)
        assert W_folded.shape == W.shape and b_folded.shape == b.shape
        expected = bn.batchnorm_eval(layer(W, b, X), gamma, beta, mean, var)
        np.testing.assert_allclose(layer(W_folded, b_folded, X), expected, rtol=1e-12, atol=1e-12)


from primitive_nn.network import n_layers                                # noqa: E402


# --8<-- [start:batchnorm-two-batches]
def logits_beside(params, x, others, training):
    """The logits of one digit x (n_0, 1) in a batch with the digits `others` (n_0, k): (n_D,)."""
    cache = forward(params, np.hstack([x, others]), training=training)
    return cache[f"Z{n_layers(params)}"][:, 0]                   # the logits: the last layer's Z
# --8<-- [end:batchnorm-two-batches]


def two_batches_problem(seed=6):
    """A network with batch normalization, its running statistics trained-looking; a digit; two batches."""
    rng = np.random.default_rng(seed)
    params = bn.with_batchnorm(init_params([20, 8, 6, 4], rng, "he"))
    for l in (1, 2):
        params[f"mean{l}"] = rng.standard_normal(params[f"mean{l}"].shape)
        params[f"var{l}"] = rng.uniform(0.5, 2.0, params[f"var{l}"].shape)
    return params, rng.random((20, 1)), rng.random((20, 7)), 2 * rng.random((20, 7))


def test_batchnorm_two_batches_training_mode_depends_on_the_batch_evaluation_mode_does_not():
    params, x, batch_a, batch_b = two_batches_problem()
    in_a, in_b = (logits_beside(params, x, others, training=True) for others in (batch_a, batch_b))
    assert np.abs(in_a - in_b).max() > 0.1 * np.abs(in_a).max()   # other batchmates, other logits
    eval_a, eval_b = (logits_beside(params, x, others, training=False) for others in (batch_a, batch_b))
    np.testing.assert_allclose(eval_a, eval_b, rtol=1e-12, atol=1e-12)
    alone = forward(params, x)["Z3"][:, 0]                        # evaluation: a batch of one works
    np.testing.assert_allclose(eval_a, alone, rtol=1e-12, atol=1e-12)


def test_batchnorm_two_batches_alone_in_training_mode_every_digit_gets_the_same_answer():
    params, x, batch_a, _ = two_batches_problem()
    answers = [forward(params, column[:, None], training=True)["Z3"][:, 0]
               for column in (x[:, 0], batch_a[:, 0], batch_a[:, 1])]
    for answer in answers[1:]:
        np.testing.assert_allclose(answer, answers[0], rtol=1e-12, atol=1e-12)
    expected = forward({**params, "W1": 0 * params["W1"]}, x, training=True)["Z3"][:, 0]
    np.testing.assert_allclose(answers[0], expected, rtol=1e-12, atol=1e-12)   # whatever the input


# ---- ensemble.md, ensembles ----------------------------------------------------------------

from primitive_nn.ensemble import ambiguity, average, squared_error  # noqa: E402


# --8<-- [start:ensemble-vote]
def vote(P):
    """Each member's answer counts once; a tie goes to the smallest digit: (K, 10, m) -> (m,)."""
    answers = P.argmax(axis=1)                                       # (K, m)
    counts = np.stack([(answers == c).sum(axis=0) for c in range(P.shape[1])])  # (10, m)
    return counts.argmax(axis=0)


P_VOTE = np.array([[0.60, 0.40, 0.00],       # member 1 says 0, barely
                   [0.55, 0.45, 0.00],       # member 2 says 0, barely
                   [0.00, 1.00, 0.00]])[:, :, None]  # member 3 says 1, sure: (K, 3 classes, 1 digit)
# --8<-- [end:ensemble-vote]


def test_ensemble_vote_and_average_can_answer_differently():
    assert P_VOTE.shape == (3, 3, 1)
    assert vote(P_VOTE).tolist() == [0]                  # two of three members say 0 ...
    assert average(P_VOTE).argmax(axis=0).tolist() == [1]  # ... but 1 has more probability on average


def test_ensemble_vote_of_two_members_that_disagree_is_a_tie():
    P = np.array([[[0.9], [0.1]], [[0.2], [0.8]]])
    assert vote(P).tolist() == [0] and average(P).argmax(axis=0).tolist() == [0]
    assert vote(P[::-1]).tolist() == [0]                 # the tie rule, not the members, decides


# --8<-- [start:ensemble-weighted]
def weighted_average(P, w):
    """The members' columns weighted by w (K,), w >= 0 summing to 1: (K, n_y, m) -> (n_y, m)."""
    return np.tensordot(w, P, axes=1)


def weighted_ambiguity(P, w):
    """sum_k w_k ||p_k - p_bar||^2, the mean over the m digits, p_bar the weighted average."""
    return float((w[:, None] * ((P - weighted_average(P, w)) ** 2).sum(axis=1)).sum(axis=0).mean())
# --8<-- [end:ensemble-weighted]


@pytest.mark.parametrize("seed", range(3))
def test_ensemble_weighted_decomposition_holds_for_any_weights(seed):
    rng = np.random.default_rng(seed)
    P = np.stack([softmax(3 * rng.standard_normal((10, 50))) for _ in range(4)])  # (K, 10, m)
    Y = one_hot(rng.integers(0, 10, 50), 10, np.float64)
    w = rng.dirichlet(np.ones(4))
    members = sum(wk * squared_error(p, Y) for wk, p in zip(w, P))
    assert squared_error(weighted_average(P, w), Y) == pytest.approx(
        members - weighted_ambiguity(P, w), rel=1e-12)
    equal = np.full(4, 0.25)                               # equal weights: the chapter's ambiguity
    assert weighted_ambiguity(P, equal) == pytest.approx(ambiguity(P), rel=1e-12)
