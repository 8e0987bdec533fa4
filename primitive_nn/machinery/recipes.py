r"""Recipes: every way the book trains a network, as data.

A `Recipe` names every setting of a run. Its defaults are the seed
notebook's. Each field is declared with `setting`, which keeps beside it
everything the rest of the package needs to know about it: its help text,
the values it may take, and whether Part I's full-batch loop can honour it.
From those come the train command's options
(`primitive_nn.machinery.train_cli`) and `validate`, the one place where
settings are checked.

A named recipe is an instance of `Recipe`. `RECIPES` holds Part II's
ladder, in its order, with a line about what each rung is and what it adds
to the rung before; `CONVNETS` holds Part IV's convolutional networks, and
`NAMED` every name the train command accepts. Nothing in the package
asks which recipe it is running: `primitive_nn.machinery.runs.run` reads the
fields, so two recipes with the same fields are the same run.
"""

import math
from dataclasses import dataclass, field, fields, replace

from primitive_nn.activations import ACTIVATIONS
from primitive_nn.augmentation import AUGMENTATIONS
from primitive_nn.batchnorm import MOMENTUM
from primitive_nn.convnet import ARCHITECTURES
from primitive_nn.errors import TrainingError
from primitive_nn.initialization import CHANGES
from primitive_nn.loss import LOSSES
from primitive_nn.network import INITIALIZERS
from primitive_nn.optimizers import OPTIMIZERS
from primitive_nn.schedules import SCHEDULES
from primitive_nn.seed import NOTEBOOK_TRAIN_SIZE, Defects

DEFECTS = tuple(f.name for f in fields(Defects))  # the seed notebook's three defects
DTYPES = ("float32", "float64")
N_IN, N_OUT = 784, 10


def setting(default, help, *, low=None, below=None, choices=None, flag=None, part1=True,
            networks=None):
    """A `Recipe` field: its default, its help text and its checks, in one place.

    Parameters
    ----------
    default
        The seed notebook's value.
    help : str
        One line for `--help`.
    low : number, optional
        The smallest value allowed.
    below : number, optional
        Values must stay below this.
    choices : iterable of str, optional
        The allowed values; for a tuple field, of each of its members.
    flag : str, optional
        The command-line option, when it is not the field's name with dashes.
    part1 : bool
        False for a setting that Part I's full-batch loop (`primitive_nn.train.train`)
        cannot honour: a recipe that sets it to anything but its default
        trains with `primitive_nn.minibatch.fit`. (An optimizer's own settings
        are honoured trivially: any optimizer but plain SGD already needs `fit`.)
    networks : tuple of str, optional
        The architectures (`primitive_nn.convnet.ARCHITECTURES`) that honour
        the setting; a recipe of another architecture must leave it at its
        default. None: every architecture.
    """
    return field(default=default, metadata={
        "help": help, "low": low, "below": below, "flag": flag, "part1": part1,
        "networks": networks, "choices": None if choices is None else tuple(choices)})


@dataclass(frozen=True)
class Recipe:
    """One way to train; the defaults are the seed notebook's."""

    seed: int = setting(0, "one np.random.Generator from this seed splits the data, starts "
                           "the network, shuffles and draws dropout and augmentation", low=0)
    train_size: int = setting(NOTEBOOK_TRAIN_SIZE, "train on the first N training images, 0 for "
                                               "all 60,000", low=0)
    dev_size: int = setting(1000, "examples held out as the dev set, after shuffling", low=0)
    architecture: str = setting("mlp", "the network: an MLP of --layers, or Part IV's convnet, "
                                       "whose layers are its own", choices=ARCHITECTURES,
                                part1=False)
    layers: tuple = setting((N_IN, 10, N_OUT), "layer sizes from 784 to 10, e.g. 784,128,10",
                            networks=("mlp",))
    activation: str = setting("relu", "the hidden layers' nonlinearity (sigmoid and tanh: the "
                                      "saturation chapter)", choices=ACTIVATIONS)
    loss: str = setting("cross_entropy", "what training minimizes (squared: the saturation "
                                         "chapter); the loss it records is the cross-entropy",
                        choices=LOSSES)
    init: str = setting("uniform", "the start (uniform is the seed's; zero suits no hidden layer "
                                   "only)", choices=INITIALIZERS)
    he_changes: tuple = setting((), "some of He's changes to the uniform start (the "
                                    "initialization chapter's ablation)", choices=CHANGES,
                                networks=("mlp",))
    epochs: int = setting(500, "passes over the training set; a full-batch step is one pass",
                          low=1)
    batch_size: int | None = setting(None, "examples per step, or full for all of them",
                                     low=1, part1=False)
    optimizer: str = setting("sgd", "the optimizer", choices=OPTIMIZERS, part1=False)
    alpha: float = setting(0.1, "the learning rate (the peak, under a schedule)")
    beta: float = setting(0.9, "beta of the momentum optimizer: how much velocity survives a "
                               "step", low=0, below=1, flag="--momentum")
    beta1: float = setting(0.9, "Adam's beta1: the decay of its average of the gradients",
                           low=0, below=1)
    beta2: float = setting(0.999, "Adam's beta2: the decay of its average of their squares",
                           low=0, below=1)
    schedule: str = setting("constant", "the learning rate over time", choices=SCHEDULES,
                            part1=False)
    warmup: float = setting(0.0, "epochs of linear warm-up", low=0, part1=False)
    weight_decay: float = setting(0.0, "lambda of the L2 penalty on the weights", low=0,
                                  part1=False)
    dropout: float = setting(0.0, "probability of dropping each hidden activation while "
                                  "training", low=0, below=1, part1=False, networks=("mlp",))
    augment: str = setting("none", "random changes to each training batch: shift moves up to 2 "
                                   "pixels, affine also turns and scales", choices=AUGMENTATIONS,
                           part1=False)
    elastic: float = setting(0.0, "alpha of the elastic distortions after --augment, in pixels "
                                  "(0: none; Simard et al.'s 34)", low=0, part1=False)
    defects: tuple = setting((), "the seed notebook's defects to reproduce (--faithful: all three)",
                             choices=DEFECTS, networks=("mlp",))
    dtype: str = setting("float32", "the arithmetic", choices=DTYPES)
    watch_test: bool = setting(False, "record the test accuracy at every record too, for "
                                      "figures of the gap; never for choosing")
    record_divergence: bool = setting(False, "when training dies, report and save the run "
                                             "instead of stopping with an error")
    batchnorm: bool = setting(False, "batch normalization before every hidden nonlinearity (the "
                                     "batch normalization chapter)", part1=False)
    bn_momentum: float = setting(MOMENTUM, "batch normalization's running statistics: the weight "
                                           "of their old value at each step", low=0, below=1)
    members: int = setting(1, "networks trained one after another and averaged, an ensemble (the "
                              "ensemble chapter); their time is counted together", low=1)
    member: int = setting(0, "train only network K of an ensemble: the seed's split, then a "
                             "generator of its own from (seed, K); 0 is the recipe's own run", low=0)


def option(f):
    """The command-line option of a `Recipe` field: `--weight-decay` for `weight_decay`."""
    return f.metadata["flag"] or "--" + f.name.replace("_", "-")


def uses_part1_loop(recipe):
    """True if Part I's full-batch loop, `primitive_nn.train.train`, honours every setting."""
    return all(getattr(recipe, f.name) == f.default for f in fields(recipe) if not f.metadata["part1"])


def runs_notebook_code(recipe):
    """True if the seed notebook's code can run `recipe`, so that its `defects` can be switched on.

    That is full batch, plain SGD at a constant rate, the uniform start and
    one hidden layer.
    """
    return (uses_part1_loop(recipe) and recipe.init == "uniform" and not recipe.he_changes
            and len(recipe.layers) == 3 and recipe.activation == "relu"
            and recipe.loss == "cross_entropy")


# ---------------------------------------------------------------- checks


def validate(recipe):
    """Raise `TrainingError` for settings no run can use, in one line that names the option."""
    for f in fields(recipe):
        _check_field(f, getattr(recipe, f.name))
    _check_network(recipe)
    layers = tuple(recipe.layers)
    if len(layers) < 2 or layers[0] != N_IN or layers[-1] != N_OUT or min(layers) < 1:
        raise TrainingError(f"--layers must run from 784 inputs to 10 outputs, each at least 1, "
                            f"such as 784,128,10; got {','.join(map(str, layers))}")
    if recipe.init == "zero" and len(layers) > 2:
        raise TrainingError("--init zero starts every hidden unit alike, and units that start "
                            "alike get equal gradients and stay alike: a zero start suits no "
                            "hidden layer (--layers 784,10); use --init he or uniform")
    if recipe.he_changes and recipe.init != "uniform":
        raise TrainingError("--he-changes changes the uniform start; it needs --init uniform")
    if recipe.defects and not runs_notebook_code(recipe):
        raise TrainingError("--faithful and --defects reproduce the seed's recipe: full batch, "
                            "plain SGD, the uniform start, one hidden layer, ReLU, cross-entropy")
    if recipe.dropout and (recipe.activation, recipe.loss) != ("relu", "cross_entropy"):
        raise TrainingError("--dropout is written for ReLU and cross-entropy; leave out "
                            "--activation and --loss, or --dropout")
    _check_batchnorm(recipe)
    if recipe.members > 1 and recipe.member:
        raise TrainingError("--member trains one network of an ensemble, --members all of them; "
                            "leave out one of the two")


def _check_batchnorm(recipe):
    """Raise `TrainingError` for batch normalization with a setting it cannot honour."""
    if recipe.bn_momentum != MOMENTUM and not recipe.batchnorm:
        raise TrainingError("--bn-momentum sets batch normalization's running statistics; "
                            "add --batchnorm, or leave --bn-momentum out")
    if recipe.batchnorm and recipe.dropout:
        raise TrainingError("--batchnorm and --dropout do not train together here: dropout "
                            "brings its own forward pass, without batch normalization; choose one")
    if recipe.batchnorm and recipe.batch_size == 1:
        raise TrainingError("--batchnorm needs batches of 2 or more: a batch of one example has "
                            "no spread to normalize by; choose a larger --batch-size")


def honours(recipe, name):
    """True if the recipe's architecture honours the field `name` (`setting`'s `networks`)."""
    networks = Recipe.__dataclass_fields__[name].metadata["networks"]
    return networks is None or recipe.architecture in networks


def _check_network(recipe):
    """Raise `TrainingError` for a setting the architecture does not honour, or too large a batch."""
    for f in fields(recipe):
        if not honours(recipe, f.name) and getattr(recipe, f.name) != f.default:
            raise TrainingError(f"{option(f)} is a setting of --architecture "
                                f"{' or '.join(f.metadata['networks'])}, not "
                                f"{recipe.architecture}; leave it at its default")
    largest = ARCHITECTURES[recipe.architecture].max_batch
    if largest is not None and (recipe.batch_size is None or recipe.batch_size > largest):
        given = "full" if recipe.batch_size is None else recipe.batch_size
        raise TrainingError(f"--batch-size {given} is too large for --architecture "
                            f"{recipe.architecture}, which holds at most {largest} examples at "
                            f"once; choose --batch-size {largest} or less")


def _check_field(f, value):
    """Raise `TrainingError` if `value` breaks the bounds or choices `setting` gave field `f`."""
    low, below, choices = f.metadata["low"], f.metadata["below"], f.metadata["choices"]
    if f.name == "alpha" and not (math.isfinite(value) and value > 0):
        raise TrainingError(f"--alpha must be a positive number, got {value}")
    if value is None or isinstance(value, bool):
        return
    if choices is not None:
        unknown = [v for v in (value if isinstance(value, tuple) else (value,)) if v not in choices]
        if unknown:
            raise TrainingError(f"unknown {option(f)} {unknown[0]!r}; choose one of "
                                f"{', '.join(choices)}")
    if f.name == "batch_size" and value < low:
        raise TrainingError(f"--batch-size must be a positive integer (or 'full'), got {value}")
    if f.type is int and low is not None and value < low:
        raise TrainingError(f"{option(f)} must be a whole number {low} or more, got {value}")
    if (low is not None and value < low) or (below is not None and value >= below):
        bounds = " and ".join(filter(None, [f"at least {low:g}" if low is not None else "",
                                            f"below {below:g}" if below is not None else ""]))
        raise TrainingError(f"{option(f)} must be {bounds}, got {value}")


# ---------------------------------------------------------------- named recipes


@dataclass(frozen=True)
class Named:
    """A named recipe: the recipe, what it is, and what it changes in the rung it starts from.

    `after` names that rung; empty, it is the rung before in `RECIPES`.
    """

    recipe: Recipe
    about: str
    adds: str
    after: str = ""


NOTEBOOK = Recipe()  # the seed notebook's recipe, its defects corrected
FAITHFUL = replace(NOTEBOOK, defects=DEFECTS, dtype="float64")  # the notebook, bug for bug
PART2 = Recipe(train_size=0, dev_size=5000, init="he")  # Part II: all 60,000, 5,000 held out
PART2_SEEDS = (0, 1, 2)  # the seeds of Part II's comparisons and of the ladder

_MINIBATCH = replace(PART2, epochs=6, batch_size=128, alpha=0.1)
_MOMENTUM = replace(_MINIBATCH, optimizer="momentum", alpha=0.02)
_COSINE = replace(_MOMENTUM, schedule="cosine", warmup=0.5, alpha=0.2)
_FAST = replace(_COSINE, layers=(784, 256, 10))
_FAST_LONG = replace(_FAST, epochs=15, warmup=1.0)
_DEEP = replace(_FAST_LONG, layers=(784, 800, 800, 10))
_DEEP_LONG = replace(_DEEP, epochs=40, alpha=0.1)

RECIPES = {  # name -> Named; the order of Part II's ladder
    "seed": Named(NOTEBOOK, "the seed notebook's recipe, its defects corrected: 784-10-10, "
                            "full batch", "the seed's recipe, corrected: 784-10-10, uniform "
                                          "start, full batch"),
    "linear": Named(replace(NOTEBOOK, layers=(784, 10), init="zero"),
                    "softmax regression (no hidden layer) on the seed's budget",
                    "no hidden layer at all: softmax regression from a zero start, same "
                    "budget"),
    "he": Named(replace(NOTEBOOK, init="he"), "the seed's recipe started with He initialization",
                "the seed's network and budget, He's start", after="seed"),
    "minibatch": Named(_MINIBATCH, "784-10-10 in batches of 128 for 6 epochs",
                       "batches of 128 for 6 epochs, on 55,000 images"),
    "momentum": Named(_MOMENTUM, "the minibatch rung with momentum 0.9 (at α = 0.02)",
                      "momentum 0.9, and α = 0.02 instead of 0.1"),
    "cosine": Named(_COSINE, "the momentum rung with a cosine schedule",
                    "a cosine schedule with warm-up, and a peak rate ten times larger"),
    "fast": Named(_FAST, "98% test accuracy in seconds, the narrowest width to 98% dev: "
                         "784-256-10, momentum, cosine, 6 epochs",
                  "256 hidden units instead of 10: the fast recipe"),
    "fast-long": Named(_FAST_LONG, "the fast recipe trained for 15 epochs",
                       "15 epochs instead of 6, with a warm-up of one epoch instead of half"),
    "deep": Named(_DEEP, "784-800-800-10, momentum, cosine, 15 epochs",
                  "two hidden layers of 800 instead of one of 256"),
    "regularized": Named(replace(_DEEP, dropout=0.2), "the deep rung with dropout 0.2",
                         "dropout 0.2 on the hidden layers"),
    "deep-long": Named(_DEEP_LONG, "the deep rung trained for 40 epochs: the best rung's control",
                       "40 epochs instead of 15, at a peak rate of 0.1 instead of 0.2", after="deep"),
    "best": Named(replace(_DEEP_LONG, augment="affine"),
                  "the most accurate MLP here: 784-800-800-10, momentum, cosine, "
                  "augmentation, 40 epochs",
                  "random shifts, rotations and scalings of the training images"),
}

# The network `python -m primitive_nn.predict` ships and the "Try it" page runs: the best
# recipe at a size that stays under about 2 MB as float32, trained on 55,000 images; the
# 5,000 it holds out calibrate its probabilities (a temperature, `primitive_nn.calibration`).
SHIPPED = replace(RECIPES["best"].recipe, layers=(784, 400, 400, 10), dev_size=5000)


# Part IV's convolutional network (`primitive_nn.convnet`), trained with Part II's loop. Not a
# rung of Part II's ladder, whose page trains every recipe of RECIPES: Part IV has its own
# table (`pages/convnet.py`). Its settings are those of a PyTorch probe of the same network,
# but for the peak rate, the best on dev of the three the convnet chapter tried (`conv_alpha`).
CONVNETS = {
    "conv": Named(replace(PART2, architecture="convnet", epochs=12, batch_size=64,
                          optimizer="momentum", alpha=0.1, schedule="cosine",
                          weight_decay=5e-4, augment="shift"),
                  "Part IV's convnet: conv 5x5x16, pool, conv 5x5x32, pool, dense 128, 10; "
                  "momentum, cosine, shifts, 12 epochs",
                  "a convolutional network instead of an MLP"),
}
CONVNETS["conv-bn"] = Named(  # the batch normalization chapter's: the conv recipe, one change
    replace(CONVNETS["conv"].recipe, batchnorm=True),
    "Part IV's convnet with batch normalization after each convolution and the dense hidden "
    "layer; otherwise the conv recipe", "batch normalization before every hidden ReLU", after="conv")
CONVNETS["conv-affine"] = Named(  # the convnet chapter's: the conv recipe, one change
    replace(CONVNETS["conv"].recipe, augment="affine"),
    "Part IV's convnet trained on digits also turned and scaled; otherwise the conv recipe",
    "random rotations and scalings besides the shifts", after="conv")
CONVNETS["conv-ensemble"] = Named(  # the ensemble chapter's: conv-bn, one change
    replace(CONVNETS["conv-bn"].recipe, members=2),
    "two conv-bn networks of one seed, their probabilities averaged; their time together",
    "two networks instead of one, their probabilities averaged", after="conv-bn")
CONVNETS["conv-ensemble-3"] = Named(  # the ensemble chapter's: conv-ensemble, one change
    replace(CONVNETS["conv-bn"].recipe, members=3),
    "three conv-bn networks of one seed, their probabilities averaged; their time together",
    "three networks instead of two", after="conv-ensemble")
CONVNETS["conv-best"] = Named(  # the candidate with the best mean dev accuracy (`pages/ensemble.py`)
    CONVNETS["conv-ensemble-3"].recipe,
    "Part IV's most accurate on dev: three conv-bn networks averaged, an ensemble",
    "the candidate with the best dev accuracy", after="conv")
NAMED = {**RECIPES, **CONVNETS}  # every name `--recipe` takes


def recipe_named(name):
    """The `Recipe` called `name`, or a `TrainingError` that lists the names."""
    if name not in NAMED:
        raise TrainingError(f"unknown recipe {name!r}; choose one of {', '.join(NAMED)} "
                            "(--recipe list describes them)")
    return NAMED[name].recipe
