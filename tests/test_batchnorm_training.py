r"""Batch normalization in the training loop: both networks' passes, the running statistics, folding.

The gradient checks compare every gradient of a whole network in training
mode, an MLP and a small convnet with batch normalization on every hidden
layer, with central differences of the mean cross-entropy of the same
training-mode pass, in float64. In training mode the batch's statistics
move with every parameter, so the check covers the coupling of the
examples too. The differences are five-point ones, whose error falls as
$h^4$: through batch normalization the loss curves more than Part I's, and
with the plain three-point formula no step of the convnet's check is both
short enough for the curvature and long enough for the rounding to keep the
worst entry below 1e-7 (it is near 1.3e-7 at $h = 10^{-5}$ and 2.7e-7 at
$h = 3 \cdot 10^{-6}$); the five-point one keeps every entry near 2e-8. No
step crosses a kink: every evaluation is checked to leave the sign of every
hidden $Y$, and the largest entry of every pooling block, as they were.
"""

import hashlib
import json
from dataclasses import fields, replace

import numpy as np
import pytest

from helpers import write_csv
from primitive_nn import __version__, convnet, network
from primitive_nn.convnet import ARCHITECTURES
from primitive_nn.batchnorm import (MOMENTUM, batchnorm_forward, fold_batchnorm, normalize,
                                    running_update, trainable, update_running, with_batchnorm)
from primitive_nn.gradcheck import THRESHOLD, elementwise_relative_error
from primitive_nn.loss import cross_entropy_from_logits, one_hot
from primitive_nn.machinery import files, models, predict_cli, recipes, report, runs, train_cli
from primitive_nn.machinery.lab import RunCache
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.minibatch import fit
from primitive_nn.network import n_layers
from primitive_nn.optimizers import OPTIMIZERS, init_state
from primitive_nn.pooling import blocks

STEP = 3e-5          # h of the five-point central differences
SMALL_CONVNET = (("conv", 3, 2), ("relu",), ("pool", 2), ("conv", 3, 3), ("relu",), ("pool", 2),
                 ("dense", 5), ("relu",), ("dense", 10))


def shaken(params, rng):
    """`params` with gamma, beta and the running statistics moved off their start: a general point."""
    out = {}
    for name, p in params.items():
        if name.startswith("gamma"):
            p = rng.uniform(0.5, 2.0, p.shape)
        elif name.startswith(("beta", "mean")):
            p = rng.standard_normal(p.shape)
        elif name.startswith("var"):
            p = rng.uniform(0.5, 3.0, p.shape)
        out[name] = p
    return out


def mlp_problem(seed=0, m=7):
    rng = np.random.default_rng(seed)
    params = shaken(with_batchnorm(network.init_params([6, 5, 4, 3], rng, "he")), rng)
    return params, rng.standard_normal((6, m)), one_hot(rng.integers(0, 3, m), 3)


def convnet_problem(seed=0, m=4):
    rng = np.random.default_rng(seed)
    params = shaken(with_batchnorm(convnet.init_params(SMALL_CONVNET, rng, shape=(8, 8, 1))), rng)
    return params, rng.random((64, m)), one_hot(rng.integers(0, 10, m), 10)


def training_pass(passes, params, X, Y, activation="relu"):
    """The mean cross-entropy of the training-mode pass, with the batch's own statistics, and its cache."""
    cache = passes.forward(params, X, activation, training=True)
    return cross_entropy_from_logits(cache[f"Z{n_layers(params)}"], Y), cache


def kinks(params, cache):
    """Which side of every kink a ReLU network's pass is on: each hidden Y's sign, each pooling's max."""
    sides = []
    for l in range(1, n_layers(params)):
        Y = cache[f"Y{l}"]
        sides.append(Y > 0)
        if Y.ndim == 4:
            sides.append(blocks(np.maximum(Y, 0)).transpose(0, 1, 3, 5, 2, 4).reshape(-1, 4).argmax(axis=1))
    return sides


def numerical(passes, params, X, Y, name, activation):
    r"""d loss / d params[name] entry by entry, by five-point central differences:

    $(8 (f(\theta + h) - f(\theta - h)) - (f(\theta + 2h) - f(\theta - 2h))) / 12h$. Each
    evaluation of a ReLU network must be on the same side of every kink as the unmoved one.
    """
    theta, params = params[name].copy(), dict(params)
    params[name], grad = theta, np.zeros_like(theta)
    _, cache = training_pass(passes, params, X, Y, activation)
    sides = kinks(params, cache)
    for index in np.ndindex(theta.shape):
        saved, f = theta[index], {}
        for k in (-2, -1, 1, 2):
            theta[index] = saved + k * STEP
            f[k], moved = training_pass(passes, params, X, Y, activation)
            if activation == "relu":                     # a kink crossed would spoil the difference
                assert all(np.array_equal(a, b) for a, b in zip(kinks(params, moved), sides)), name
        theta[index] = saved
        grad[index] = (8 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12 * STEP)
    return grad


def trained_names(params):
    """The entries a gradient step moves: all but the running statistics."""
    return {name for name in params if not name.startswith(("mean", "var"))}


@pytest.mark.parametrize("which, activation", [("mlp", "relu"), ("mlp", "tanh"), ("convnet", "relu")])
def test_the_whole_networks_gradient_in_training_mode_matches_central_differences(which, activation):
    passes, (params, X, Y) = {"mlp": (network, mlp_problem()),
                              "convnet": (convnet, convnet_problem(seed=2))}[which]
    _, cache = training_pass(passes, params, X, Y, activation)
    grads = passes.backward(params, cache, Y, activation)
    assert set(grads) == {"d" + name for name in trained_names(params)}
    for name in trained_names(params):
        error = elementwise_relative_error(grads["d" + name], numerical(passes, params, X, Y, name,
                                                                       activation)).max()
        assert error <= THRESHOLD, (which, name, error)


def test_a_normalized_hidden_layer_has_no_bias_and_the_last_layer_keeps_its_own():
    params = with_batchnorm(network.init_params([784, 8, 6, 10], np.random.default_rng(0), "he",
                                                np.float32))
    assert list(params) == ["W1", "gamma1", "beta1", "mean1", "var1",
                            "W2", "gamma2", "beta2", "mean2", "var2", "W3", "b3"]
    assert params["gamma2"].shape == (6, 1) and all(p.dtype == np.float32 for p in params.values())
    conv = with_batchnorm(convnet.init_params(convnet.CONVNET, np.random.default_rng(0)))
    assert conv["gamma1"].shape == (16,) and conv["var3"].shape == (128, 1) and "b4" in conv
    assert n_layers(params) == 3 and n_layers(conv) == 4


def test_training_mode_uses_the_batch_and_evaluation_mode_the_running_statistics():
    params, X, _ = mlp_problem(seed=1)
    train = network.forward(params, X, training=True)
    Z1 = params["W1"] @ X                                          # no bias: beta took its place
    expected, _ = batchnorm_forward(Z1, params["gamma1"], params["beta1"])
    np.testing.assert_allclose(train["Y1"], expected, rtol=1e-12)
    assert "BN1" in train and "BN1" not in network.forward(params, X)
    # with the running statistics set to this batch's own, evaluation gives training's numbers
    at_batch = dict(params)
    for l in (1, 2):
        at_batch[f"mean{l}"] = train[f"BN{l}"]["mu"]
        at_batch[f"var{l}"] = train[f"BN{l}"]["var"]
    evaluated = network.forward(at_batch, X)
    np.testing.assert_allclose(evaluated["Z3"], train["Z3"], rtol=1e-10, atol=1e-12)
    assert not np.allclose(network.forward(params, X)["Z3"], train["Z3"])


def test_the_backward_pass_refuses_an_evaluation_cache():
    params, X, Y = mlp_problem()
    with pytest.raises(ValueError, match="training=True"):
        network.backward(params, network.forward(params, X), Y)


@pytest.mark.parametrize("which", ["mlp", "convnet"])
def test_folding_gives_a_plain_network_that_computes_the_evaluation_pass(which):
    passes, (params, X, _) = {"mlp": (network, mlp_problem(seed=3)),
                              "convnet": (convnet, convnet_problem(seed=3))}[which]
    folded = fold_batchnorm(params)
    D = n_layers(params)
    assert list(folded) == [f"{p}{l}" for l in range(1, D + 1) for p in "Wb"]
    assert all(folded[f"b{l}"].shape == params[f"gamma{l}"].shape for l in range(1, D))
    np.testing.assert_allclose(passes.forward(folded, X)[f"Z{D}"], passes.forward(params, X)[f"Z{D}"],
                               rtol=1e-10, atol=1e-12)
    again = fold_batchnorm(folded)                                # nothing to fold: as it was
    assert again is not folded and all(again[k] is folded[k] for k in folded) and again.keys() == folded.keys()


def test_the_optimizers_step_the_parameters_and_carry_the_running_statistics_over():
    params, X, Y = mlp_problem()
    grads = network.backward(params, network.forward(params, X, training=True), Y)
    assert set(trainable(params)) == trained_names(params) == {k[1:] for k in grads}
    for name, (step, letters) in OPTIMIZERS.items():
        state = init_state(trainable(params), letters)              # as fit makes it: no velocity for a statistic
        _, new = step(state, params, grads, 0.1)
        assert list(new) == list(params), name
        for key in params:
            moved = not np.array_equal(new[key], params[key])
            assert moved == (key in trained_names(params)), (name, key)


def test_fit_updates_the_running_statistics_after_each_step_from_that_steps_batch():
    params, X, _ = mlp_problem(seed=4, m=8)
    labels = np.arange(8) % 3
    stepped, _ = fit(params, X, labels, 1, 8, 0.1, np.random.default_rng(0),
                     forward=lambda p, Xb: network.forward(p, Xb, training=True),
                     after_step=update_running)
    cache = network.forward(params, X, training=True)            # one batch of all 8: its statistics
    for l in (1, 2):
        mean, var = running_update(params[f"mean{l}"], params[f"var{l}"], cache[f"BN{l}"])
        np.testing.assert_allclose(stepped[f"mean{l}"], mean, rtol=1e-10)
        np.testing.assert_allclose(stepped[f"var{l}"], var, rtol=1e-10)
    assert not np.allclose(stepped["W1"], params["W1"])
    unchanged, _ = fit(params, X, labels, 1, 8, 0.1, np.random.default_rng(0),
                       forward=lambda p, Xb: network.forward(p, Xb, training=True))
    assert np.array_equal(unchanged["mean1"], params["mean1"])   # no hook, no update


def test_update_running_moves_each_layer_by_its_momentum():
    params, X, _ = mlp_problem(seed=5)
    cache = network.forward(params, X, training=True)
    new = update_running(params, cache, momentum=0.5)
    mu = cache["BN2"]["mu"]
    np.testing.assert_allclose(new["mean2"], 0.5 * params["mean2"] + 0.5 * mu)
    assert new["W1"] is params["W1"]


# ---------------------------------------------------------------- recipes, runs and the commands


def test_the_conv_bn_recipe_is_the_conv_recipe_with_batch_normalization():
    conv, conv_bn = recipes.CONVNETS["conv"], recipes.CONVNETS["conv-bn"]
    assert conv_bn.recipe == replace(conv.recipe, batchnorm=True) and conv_bn.after == "conv"
    recipes.validate(conv_bn.recipe)
    assert not recipes.uses_part1_loop(replace(recipes.NOTEBOOK, batchnorm=True))
    assert "batch norm" in report.describe(conv_bn.recipe)
    assert "batch norm" not in report.describe(conv.recipe)


def test_a_recipe_without_batch_normalization_keeps_its_run_cache_key():
    """The key of a run made before these settings existed: its settings away from their defaults,
    the data and the version, hashed as `RunCache.key` hashes them, none of the new settings in it."""
    cache, fast = RunCache("unused", "data"), recipes.RECIPES["fast"].recipe
    before = {f.name: getattr(fast, f.name) for f in fields(fast)
              if f.name not in ("batchnorm", "bn_momentum") and getattr(fast, f.name) != f.default}
    text = json.dumps({"recipe": before, "data": "data", "version": __version__}, sort_keys=True)
    assert cache.key(fast) == hashlib.sha256(text.encode()).hexdigest()[:32]
    assert cache.key(replace(fast, batchnorm=True)) != cache.key(fast)


@pytest.fixture
def csv(tmp_path):
    return write_csv(tmp_path / "train.csv", rows=120)


def run_cli(capsys, *args):
    code = train_cli.main([*map(str, args), "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("args, message", [
    (("--recipe", "fast", "--batchnorm", "--dropout", "0.2"), "--batchnorm and --dropout"),
    (("--recipe", "fast", "--batchnorm", "--batch-size", "1"), "batches of 2 or more"),
    (("--recipe", "fast", "--bn-momentum", "0.5"), "add --batchnorm"),
    (("--recipe", "fast", "--batchnorm", "--bn-momentum", "1"), "--bn-momentum must be"),
    (("--batchnorm", "--faithful"), "--faithful and --defects"),
    (("--recipe", "fast", "--batchnorm", "--dev-size", "19", "--batch-size", "50"),
     "leave a batch of one"),
])
def test_the_train_command_refuses_what_batch_normalization_cannot_do_in_one_line(csv, capsys, args,
                                                                                  message):
    code, out, err = run_cli(capsys, "--data", csv, *args)
    assert code != 0 and err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize("recipe, epochs", [("fast", 3), ("conv-bn", 1)])
def test_a_batch_normalized_run_trains_saves_loads_folded_and_predicts(csv, tmp_path, capsys,
                                                                       recipe, epochs):
    out = tmp_path / "run"
    extra = ("--batchnorm",) if recipe == "fast" else ()
    code, stdout, _ = run_cli(capsys, "--recipe", recipe, *extra, "--data", csv, "--dev-size", 20,
                              "--epochs", epochs, "--batch-size", 16, "--out", out)
    assert code == 0 and "batch norm" in stdout
    saved = files.load_model(out / "model.npz")
    assert {"gamma1", "beta1", "mean1", "var1"} <= set(saved) and "b1" not in saved
    assert not np.array_equal(saved["mean1"], np.zeros_like(saved["mean1"]))  # the loop updated them
    loaded = models.load(out / "model.npz")                  # folded: W and b alone
    assert all(name[0] in "Wb" for name in loaded)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["batchnorm"] is True
    mnist = load_mnist(csv)
    recipe_run = replace(recipes.recipe_named(recipe), batchnorm=True, dev_size=20, epochs=epochs,
                         batch_size=16, seed=metrics["seed"])
    _, _, X_dev, y_dev = runs.split(recipe_run, mnist)
    net = ARCHITECTURES[recipe_run.architecture]
    D = n_layers(saved)
    logits, folded_logits = (net.forward(p, X_dev)[f"Z{D}"] for p in (saved, loaded))  # (10, 20)
    np.testing.assert_allclose(folded_logits, logits, rtol=1e-4, atol=1e-4 * np.abs(logits).max())
    with_bn = runs.evaluate(saved, X_dev, y_dev, architecture=recipe_run.architecture)
    assert with_bn["accuracy"] == metrics["dev_accuracy"]        # the run was scored in evaluation mode
    assert predict_cli.main([str(write_picture(tmp_path)), "--model", str(out / "model.npz")]) == 0


def write_picture(tmp_path):
    """A white picture with a dark upright bar: a 1."""
    from PIL import Image

    rgb = np.full((60, 50, 3), 235, dtype=np.uint8)
    rgb[10:50, 20:26] = 30
    Image.fromarray(rgb).save(tmp_path / "one.png")
    return tmp_path / "one.png"


def test_a_shipped_network_with_batch_normalization_is_written_folded(tmp_path):
    params = with_batchnorm(network.init_params([784, 12, 10], np.random.default_rng(0), "he"))
    params = shaken(params, np.random.default_rng(1))
    path = models.write_shipped("predict", params, "a test network", 0.5, models_dir=tmp_path)
    shipped = files.load_model(path)
    assert sorted(shipped) == ["W1", "W2", "b1", "b2"]
    X = np.random.default_rng(2).random((784, 5))
    np.testing.assert_allclose(models.probabilities(shipped, X),
                               models.probabilities(params, X), rtol=1e-4, atol=1e-6)


@pytest.mark.mnist
def test_batch_normalization_trains_on_a_few_hundred_digits():
    mnist = load_mnist()
    recipe = replace(recipes.RECIPES["fast"].recipe, layers=(784, 64, 64, 10), train_size=800,
                     dev_size=200, epochs=3, batchnorm=True)
    result = runs.run(recipe, mnist, quiet=True)
    assert result.diverged is None and result.history[-1]["loss"] < result.history[0]["loss"]
    assert result.dev_accuracy > 0.75 and result.test_accuracy > 0.75     # chance is 0.1
    start = result.initial_params
    assert not np.allclose(result.params["var1"], start["var1"])          # the running statistics moved
    assert result.params["mean1"].dtype == np.float32
