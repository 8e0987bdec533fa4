"""The "Try it" page in headless Chromium: its JavaScript against NumPy, and drawing on it.

The page's script mirrors `primitive_nn.handwriting`, `primitive_nn.network`
and, for the convnet, `primitive_nn.convolution`, `.pooling` and `.convnet`
function for function, and exposes them as `window.primitiveNN`. These tests
give the script and NumPy the same inputs: the forward pass on MNIST test
images, each step of the convnet on small maps, and the preparation of
drawings made here (the same 28x28 image, or, for digits side by side, the
same DataError message). The convnet's tests do not wait for the book
command to ship one: they serve the page a convnet of random He weights
(seed 0), exported as the site's build exports the shipped networks, in
place of the site's own `assets/models/`. Then they draw on the canvas, with synthetic pointer events and
with the mouse, and read the answer from `#prediction`'s `data-digit`, or
the message shown in its place. Forty small synthetic drawings, fed through
`window.primitiveNN.drawStrokes`, check that the brush scaled to the drawing
lets them be read; probabilities given to `showAnswer` check how sure the
answer says it is. The layout is checked on a 390x844 phone (the answer and
its bar in view with the box) and in the light and dark colour schemes.

Run them on a built site, like tests/test_browser.py, whose server and
browser fixtures they use:

    PRIMITIVE_NN_SITE=site pytest tests/test_try_page.py

Screenshots of the page, at 1280 and 390 pixels wide with a digit drawn,
and at 390 in each colour scheme, are saved in $PRIMITIVE_NN_ARTIFACTS
(artifacts/).
"""

import base64
import functools
import math
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from primitive_nn import convnet, convolution, handwriting, pooling
from primitive_nn.errors import DataError
from primitive_nn.machinery import models
from primitive_nn.machinery.mnist import load_mnist
from test_browser import ARTIFACTS, SITE, base_url, browser, is_local  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not SITE, reason="PRIMITIVE_NN_SITE is not set")]

PAGE = "try/"
READY_JS = "() => window.primitiveNN.ready.then(() => true)"
PREDICTED_JS = "() => document.getElementById('prediction').dataset.digit !== ''"


def open_page(browser, base_url, models_folder=None):
    """The Try it page, loaded, with its networks, in a context of its own (close it when done).

    Every request it makes is in `page.requests`. With `models_folder`, the
    page's `assets/models/` files (models.json, the .bin files) come from
    there instead of the site.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    requests, errors = [], []
    context.on("request", lambda r: requests.append(r.url))
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    if models_folder is not None:   # registered last, so it answers first
        context.route(f"**/{models.SITE_DIR.as_posix()}/*", lambda route: route.fulfill(
            path=Path(models_folder) / Path(urlsplit(route.request.url).path).name))
    page = context.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(base_url + PAGE, wait_until="load")
    page.evaluate(READY_JS)
    page.requests, page.errors = requests, errors
    return context, page


@pytest.fixture
def page(browser, base_url):
    """The Try it page with the site's own networks."""
    context, page = open_page(browser, base_url)
    yield page
    context.close()


CONVNET_T = 1.3  # the random convnet's temperature: not 1, so that the page must apply it


@pytest.fixture(scope="module")
def random_convnet(tmp_path_factory):
    """The package's MLPs and a convnet of random He weights (seed 0), shipped into a folder of
    their own and exported for the page: (models folder, the page's assets/models folder)."""
    shipped = tmp_path_factory.mktemp("models")
    for path in models.MODELS_DIR.iterdir():
        if path.suffix in (".npz", ".json") and path.name != "convnet.npz":
            shutil.copy(path, shipped / path.name)
    params = convnet.init_params(convolution.CONVNET, np.random.default_rng(0), dtype=np.float32)
    models.write_shipped("convnet", params, "random He weights, seed 0", 0.1, CONVNET_T,
                         models_dir=shipped)
    site = tmp_path_factory.mktemp("site")
    models.export_for_site(shipped, site)
    return shipped, site / models.SITE_DIR


@pytest.fixture
def convnet_page(browser, base_url, random_convnet):
    """The Try it page offering the random convnet beside the site's MLPs."""
    context, page = open_page(browser, base_url, random_convnet[1])
    yield page
    context.close()


def canvas_box(page):
    """Map canvas pixels (0-280) to page coordinates."""
    box = page.locator("#try-canvas").bounding_box()
    scale = box["width"] / page.eval_on_selector("#try-canvas", "c => c.width")
    return lambda x, y: (box["x"] + x * scale, box["y"] + y * scale)


def draw(page, points, steps=6):
    """Drag the mouse through `points`, in canvas pixels."""
    at = canvas_box(page)
    page.mouse.move(*at(*points[0]))
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(*at(x, y), steps=steps)
    page.mouse.up()


def prediction(page):
    page.wait_for_function(PREDICTED_JS, timeout=5000)
    return page.get_attribute("#prediction", "data-digit")


# ---- the JavaScript against NumPy ---------------------------------------------------


FORWARD_JS = """([name, columns]) => {
    const params = window.primitiveNN.network(name);
    const forward = window.primitiveNN.ARCHITECTURES[params.architecture];
    return columns.map(x => Array.from(forward(params, Float64Array.from(x))["A" + params.D]));
}"""


def forward_in_page(page, name, X):
    """The page's probabilities (10, m) for the columns of X, by network `name`'s forward pass."""
    return np.array(page.evaluate(FORWARD_JS, [name, X.T.tolist()])).T


@pytest.mark.mnist
@pytest.mark.parametrize("name", models.NAMES)
def test_forward_pass_matches_numpy_on_the_first_100_test_images(page, mnist_cache, name):
    """Each shipped network, as the site serves it (the convnet once the book has shipped it)."""
    if name not in models.read_manifest()["networks"]:
        pytest.skip(f"{name}.npz is not shipped yet: `python -m primitive_nn.book` writes it "
                    "(test_the_convnet_matches_numpy... checks a random one meanwhile)")
    X = load_mnist(mnist_cache).test_images[:100].T / 255.0          # (784, 100) float64
    expected = models.probabilities(models.load_shipped(name), X,
                                    models.shipped_temperature(name))      # (10, 100)
    got = forward_in_page(page, name, X)                                   # (10, 100)
    assert (got.argmax(axis=0) == expected.argmax(axis=0)).all()
    assert np.abs(got - expected).max() < 1e-5


@pytest.mark.mnist
def test_the_convnet_matches_numpy_on_the_first_100_test_images(convnet_page, random_convnet,
                                                                 mnist_cache):
    """A convnet of random He weights, exported as the build exports the shipped networks."""
    shipped, _ = random_convnet
    X = load_mnist(mnist_cache).test_images[:100].T / 255.0          # (784, 100) float64
    params = models.load_shipped("convnet", shipped)
    expected = models.probabilities(params, X, CONVNET_T)                  # (10, 100)
    assert convnet_page.evaluate("() => window.primitiveNN.network('convnet').architecture") == "convnet"
    got = forward_in_page(convnet_page, "convnet", X)                      # (10, 100)
    assert (got.argmax(axis=0) == expected.argmax(axis=0)).all()
    assert np.abs(got - expected).max() < 1e-5
    assert len(set(expected.argmax(axis=0))) > 1                           # not one digit for all


STEPS_JS = """([X, shape, W, W_shape, b]) => {
    const nn = window.primitiveNN;
    const maps = {h: shape[0], w: shape[1], c: shape[2], data: Float64Array.from(X)};
    const k = W_shape[1];
    const P = nn.patches(maps, k, k, nn.paddingWidth(k));
    const Z = nn.convForward(maps, Float32Array.from(W), Float32Array.from(b), W_shape);
    const A = nn.maxPool(Z, 2);
    return {P: [[P.h, P.w], Array.from(P.data)], Z: [[Z.h, Z.w, Z.c], Array.from(Z.data)],
            A: [[A.h, A.w, A.c], Array.from(A.data)], flat: Array.from(nn.convnet.flatten(A))};
}"""


@pytest.mark.parametrize("k, n_C", [(5, 1), (3, 4)])
def test_the_convnet_steps_match_numpy(page, k, n_C):
    """patches, convForward, maxPool and convnet.flatten on one example of 6x8 maps, 'same'."""
    rng = np.random.default_rng(k)
    X = rng.normal(size=(1, 6, 8, n_C))                                     # NHWC, m = 1
    W = rng.normal(size=(3, k, k, n_C)).astype(np.float32)                  # as the .bin holds it
    b = rng.normal(size=3).astype(np.float32)
    got = page.evaluate(STEPS_JS, [X.ravel().tolist(), list(X.shape[1:]), W.ravel().tolist(),
                                   list(W.shape), b.tolist()])
    P = convolution.patches(X, k, k, 1, convolution.padding_width(k, "same"))   # (48, k k n_C)
    Z = convolution.conv_forward(X, W.astype(np.float64), b.astype(np.float64))  # (1, 6, 8, 3)
    A = pooling.max_pool(Z)                                                  # (1, 3, 4, 3)
    for name, expected in (("P", P), ("Z", Z[0]), ("A", A[0])):
        shape, values = got[name]
        assert tuple(shape) == expected.shape, name
        assert np.abs(np.array(values) - expected.ravel()).max() < 1e-12, name
    assert got["flat"] == got["A"][1]                           # the maps' own data: row, column, channel
    assert np.abs(np.array(got["flat"]) - convnet.flatten(A)[:, 0]).max() < 1e-12


def test_the_convnet_is_offered_and_reads_a_drawing_as_numpy_does(convnet_page, random_convnet):
    page = convnet_page
    assert [page.get_attribute(f"#try-networks label:nth-of-type({i + 1}) input", "value")
            for i in range(3)] == list(models.NAMES)                        # the manifest's order
    label = page.locator("#try-networks label", has=page.locator("input[value=convnet]"))
    assert label.locator("strong").inner_text() == "conv 5×5×16, pool 2, conv 5×5×32, pool 2, 128, 10"
    assert "random He weights, seed 0" in label.inner_text()
    page.check("input[value=convnet]")
    draw(page, DIGITS["7"][0])
    digit = prediction(page)
    X = np.array(page.evaluate(
        "() => Array.from(window.primitiveNN.prepare(window.primitiveNN.canvasRGBA(), 280, 280))"))
    A = models.probabilities(models.load_shipped("convnet", random_convnet[0]), X.reshape(784, 1),
                             CONVNET_T)[:, 0]
    assert digit == str(A.argmax())
    assert float(page.get_attribute("#prediction", "data-confidence")) == pytest.approx(A.max(), abs=1e-5)
    assert page.is_hidden("#try-hidden") and not page.errors
    assert any(url.endswith("assets/models/convnet.bin") for url in page.requests)


def arc(cx, cy, rx, ry, start, stop, n=24):
    """Points of an elliptic arc, from angle `start` to `stop` in degrees, clockwise from 3 o'clock."""
    return [(cx + rx * math.cos(math.radians(start + (stop - start) * k / n)),
             cy + ry * math.sin(math.radians(start + (stop - start) * k / n))) for k in range(n + 1)]


def drawing(size, lines, ink, paper, width, ellipse=None, alpha=False):
    """Strokes drawn 4 times as large with Pillow, then shrunk to `size` (grey edges), as RGBA bytes."""
    from PIL import Image, ImageDraw

    big = Image.new("RGBA", (4 * size[0], 4 * size[1]), (0, 0, 0, 0) if alpha else paper)
    pen = ImageDraw.Draw(big)
    for line in lines:
        pen.line([(4 * x, 4 * y) for x, y in line], fill=ink, width=4 * width, joint="curve")
    if ellipse:
        pen.ellipse([4 * v for v in ellipse], outline=ink, width=4 * width)
    return np.asarray(big.resize(size, Image.BOX))


def lit_from_the_left(rgba, right):
    """A copy in a light that falls from 1 at the left edge to `right` at the right one."""
    light = np.linspace(1.0, right, rgba.shape[1])[None, :, None]              # (1, W, 1)
    out = rgba.copy()
    out[..., :3] = np.rint(rgba[..., :3] * light)
    return out


def inked_at(rgba, rows, cols, ink=(0, 0, 0)):
    """A copy with the pixels in `rows` x `cols` (slices) painted `ink`: a speck, a ruled line."""
    out = rgba.copy()
    out[rows, cols, :3] = ink
    return out


WHITE, BLACK = (255, 255, 255, 255), (0, 0, 0, 255)
SEVEN = [[(70, 50), (210, 50), (120, 245)]]


@functools.cache
def drawings():
    """Fixture drawings, each of which `handwriting.prepare` reads as one digit.

    Between them they make every step count: a picture too large (`shrink`),
    uneven light (`flatten`), a ruled line (`unrule`), a speck (`digit_pieces`
    drops it) and digits of strokes that do not touch (the pieces it joins,
    one of them only on its second pass, and a stem beside its bar that is
    not `another_digit`).
    """
    seven = drawing((280, 280), SEVEN, BLACK, WHITE, 22)
    return {
        "seven": seven,
        "zero, blue on cream, off-centre": drawing((300, 200), [], (30, 40, 160, 255),
                                                   (250, 240, 215, 255), 9, (20, 20, 110, 170)),
        "four, light on dark": drawing((90, 140), [[(20, 20), (15, 80), (70, 80)], [(55, 40), (55, 130)]],
                                       (240, 240, 240, 255), (20, 20, 20, 255), 7),
        "one on a transparent canvas": drawing((64, 64), [[(34, 6), (28, 58)]], (0, 0, 0, 255),
                                               None, 5, alpha=True),
        "white seven on a transparent canvas": drawing((96, 96), [[(24, 16), (72, 16), (40, 84)]],
                                                       (255, 255, 255, 255), None, 7, alpha=True),
        "seven on paper 30% darker on the right": lit_from_the_left(seven, 0.7),
        "seven and a speck in a corner": inked_at(seven, slice(262, 265), slice(12, 15)),
        "seven and a speck near it": inked_at(seven, slice(150, 153), slice(195, 198)),
        "seven crossed by a ruled line": inked_at(seven, slice(150, 152), slice(None)),
        "five whose bar does not touch": drawing(
            (280, 280), [[(95, 40), (200, 40)], [(90, 62), (85, 125), *arc(135, 170, 60, 55, -120, 150)]],
            BLACK, WHITE, 20),
        "four of three strokes": drawing(
            (280, 280),
            [[(95, 30), (40, 170), (200, 170)], [(160, 70), (160, 145)], [(160, 195), (160, 255)]],
            (20, 30, 120, 255), (245, 240, 225, 255), 20),
        "four whose stem stands apart, beside its bar": drawing(
            (280, 280), [[(90, 30), (60, 170), (150, 170)], [(180, 60), (180, 260)]], BLACK, WHITE, 20),
        "seven of three strokes, the bar joining last": drawing(
            (280, 280), [[(110, 40), (200, 40)], [(196, 62), (166, 128)], [(158, 150), (104, 262)]],
            BLACK, WHITE, 20),
        "seven in a picture 1100 pixels wide": drawing((1100, 300), [[(480, 30), (640, 30), (540, 275)]],
                                                      BLACK, WHITE, 20),
    }


@functools.cache
def several_digits():
    """Digits side by side, which `handwriting.prepare` refuses to read as one: (how many, RGBA)."""
    return {
        "42": (2, drawing(
            (260, 160), [[(60, 20), (20, 100), (110, 100)], [(85, 50), (85, 145)],
                         [(150, 45), (175, 22), (215, 25), (230, 55), (215, 90), (150, 140), (240, 140)]],
            BLACK, WHITE, 12)),
        "123, blue on cream": (3, drawing(
            (360, 160), [[(60, 20), (60, 140)],
                         [(120, 45), (145, 22), (185, 25), (200, 55), (185, 90), (120, 140), (210, 140)],
                         [(250, 30), (330, 25), (285, 70), (330, 95), (320, 135), (260, 140)]],
            (20, 30, 120, 255), (245, 240, 225, 255), 12)),
    }


PREPARE_JS = """([bytes, h, w]) => {
    const rgba = Uint8ClampedArray.from(atob(bytes), c => c.charCodeAt(0));
    try {
        const X = window.primitiveNN.prepare(rgba, h, w);
        return {image: X && Array.from(X)};
    } catch (error) {
        return {error: error.name, message: error.message};
    }
}"""


def prepare_in_page(page, rgba):
    """`window.primitiveNN.prepare` on RGBA bytes (sent as base64): {image} or {error, message}."""
    bytes_ = base64.b64encode(np.ascontiguousarray(rgba, dtype=np.uint8).tobytes()).decode("ascii")
    return page.evaluate(PREPARE_JS, [bytes_, *rgba.shape[:2]])


@pytest.mark.parametrize("name", list(drawings()))
def test_preparation_matches_python_within_one_grey_level(page, name):
    rgba = drawings()[name]
    expected = handwriting.prepare(rgba).reshape(784)
    got = prepare_in_page(page, rgba)
    assert "error" not in got, got
    assert np.abs(np.array(got["image"]) - expected).max() <= 1 / 255


@pytest.mark.parametrize("name", list(several_digits()))
def test_digits_side_by_side_are_refused_with_the_python_message(page, name):
    count, rgba = several_digits()[name]
    with pytest.raises(DataError) as raised:
        handwriting.prepare(rgba)
    assert str(raised.value).startswith(f"{count} digits side by side")
    assert prepare_in_page(page, rgba) == {"error": "DataError", "message": str(raised.value)}


DIGIT_PIECES_JS = """boxes => {
    try {
        const [chosen, box] = window.primitiveNN.digitPieces(new Map(boxes));
        return {chosen: [...chosen].sort((a, b) => a - b), box: box};
    } catch (error) {
        return {error: error.name, message: error.message};
    }
}"""


@pytest.mark.parametrize("boxes", [
    {0: [0, 3, 30, 50, 40], 4: [5, 45, 28, 52, 300], 9: [95, 97, 95, 97, 4]},   # a 5's bar, a speck
    {0: [0, 2, 0, 10, 20], 7: [50, 60, 50, 52, 20]},        # a tie: the first is the largest
    {0: [0, 40, 0, 25, 500], 3: [2, 40, 35, 55, 450]},      # two digits
    {0: [0, 10, 40, 60, 90], 5: [12, 40, 0, 30, 300], 8: [30, 60, 10, 20, 200]},  # grown twice
])
def test_digit_pieces_matches_python(page, boxes):
    got = page.evaluate(DIGIT_PIECES_JS, [[p, box] for p, box in boxes.items()])
    try:
        chosen, box = handwriting.digit_pieces(boxes)
    except DataError as error:
        assert got == {"error": "DataError", "message": str(error)}
    else:
        assert got == {"chosen": sorted(chosen), "box": box}


@pytest.mark.parametrize("x", [0.5, 4.5, -0.5, 2.4999, 3.0000001, 13.5 - 9.5, 0.4999999999999999])
def test_pixel_shift_rounds_like_python(page, x):
    assert page.evaluate("x => window.primitiveNN.pixelShift(x)", x) == handwriting.pixel_shift(x)


def test_the_page_uses_the_python_constants(page):
    constants = page.evaluate("() => window.primitiveNN.constants()")
    assert constants == models.preprocessing_constants()


def test_a_blank_canvas_prepares_to_nothing(page):
    assert page.evaluate("() => window.primitiveNN.prepare(window.primitiveNN.canvasRGBA(), 280, 280)") is None


# ---- drawing ------------------------------------------------------------------------


def test_prediction_is_empty_before_drawing_and_after_clear(page):
    assert page.get_attribute("#prediction", "data-digit") == ""
    assert page.inner_text("#prediction") == ""
    draw(page, [(140, 40), (135, 240)])
    assert prediction(page) != ""
    page.click("#try-clear")
    assert page.get_attribute("#prediction", "data-digit") == ""
    assert page.inner_text("#prediction") == ""


@pytest.mark.parametrize("pointer_type", ["pen", "touch", "mouse"])
def test_a_stroke_of_synthetic_pointer_events_gives_a_prediction(page, pointer_type):
    at = canvas_box(page)
    points = [at(150, 40 + 10 * k) for k in range(21)]
    page.evaluate("""([points, pointerType]) => {
        const canvas = document.getElementById("try-canvas");
        const fire = (type, [x, y]) => canvas.dispatchEvent(new PointerEvent(type, {
            clientX: x, clientY: y, pointerId: 7, pointerType: pointerType,
            isPrimary: true, bubbles: true, cancelable: true, buttons: type === "pointerup" ? 0 : 1}));
        fire("pointerdown", points[0]);
        points.slice(1).forEach(p => fire("pointermove", p));
        fire("pointerup", points[points.length - 1]);
    }""", [points, pointer_type])
    assert prediction(page) in set("0123456789")


def ellipse(cx, cy, rx, ry, n=48):
    return [(cx + rx * math.sin(2 * math.pi * k / n), cy - ry * math.cos(2 * math.pi * k / n))
            for k in range(n + 1)]


DIGITS = {  # strokes in canvas pixels (the canvas is 280 wide), drawn as a person would
    "1": [[(146, 40), (134, 245)]],
    "0": [ellipse(140, 142, 62, 98)],
    "7": [[(70, 50), (210, 50), (120, 245)]],
}


def sheared(strokes, slant):
    """Strokes leaning right: x moves by `slant` times the height above the bottom (y = 1)."""
    return [[(x + slant * (1 - y), y) for x, y in points] for points in strokes]


def figure_eight(cx, cy, rx, ry, n=48):
    """One stroke, top to bottom and back, crossing itself at the centre."""
    return [(cx + rx * math.sin(4 * math.pi * k / n), cy - ry * math.cos(2 * math.pi * k / n))
            for k in range(n + 1)]


# The ten digits in two styles, in a box 1 tall and about 0.6 wide (y down): upright print,
# and a slanted hand with the other common shapes (a 1 with a flag, an open 4, a 7 crossed...).
SHAPES = {
    "print": {
        "0": [ellipse(0.3, 0.5, 0.28, 0.5)],
        "1": [[(0.3, 0), (0.3, 1)]],
        "2": [arc(0.3, 0.27, 0.27, 0.27, 180, 405, 18) + [(0.02, 1), (0.6, 1)]],
        "3": [arc(0.3, 0.25, 0.25, 0.25, 200, 450, 18) + arc(0.3, 0.74, 0.27, 0.26, 270, 520, 18)],
        "4": [[(0.45, 1), (0.45, 0), (0, 0.7), (0.62, 0.7)]],
        "5": [[(0.55, 0), (0.1, 0), (0.07, 0.47)] + arc(0.3, 0.7, 0.28, 0.3, 225, 500, 18)],
        "6": [[(0.5, 0), (0.25, 0.2), (0.08, 0.5)] + arc(0.3, 0.73, 0.25, 0.27, 180, -180, 24)],
        "7": [[(0, 0), (0.6, 0), (0.2, 1)]],
        "8": [ellipse(0.3, 0.24, 0.22, 0.24), ellipse(0.3, 0.73, 0.28, 0.27)],
        "9": [ellipse(0.3, 0.27, 0.26, 0.27), [(0.56, 0.27), (0.5, 1)]],
    },
    "slanted": {d: sheared(strokes, 0.2) for d, strokes in {
        "0": [ellipse(0.3, 0.5, 0.22, 0.5)],
        "1": [[(0.2, 0.12), (0.35, 0), (0.35, 1)]],
        "2": [[(0.05, 0.2), (0.25, 0), (0.5, 0.05), (0.55, 0.3), (0.3, 0.6), (0, 1), (0.3, 0.92),
               (0.6, 1)]],
        "3": [[(0.05, 0), (0.55, 0), (0.25, 0.4)] + arc(0.3, 0.7, 0.28, 0.3, 250, 520, 18)],
        "4": [[(0.1, 0), (0.02, 0.6), (0.6, 0.6)], [(0.45, 0.25), (0.45, 1)]],
        "5": [[(0.12, 0.02), (0.07, 0.46)] + arc(0.3, 0.7, 0.28, 0.3, 225, 500, 18),
              [(0.12, 0), (0.58, 0)]],
        "6": [[(0.45, 0), (0.08, 0.62)] + arc(0.3, 0.75, 0.24, 0.25, 180, -180, 24)],
        "7": [[(0, 0.05), (0.6, 0), (0.25, 1)], [(0.15, 0.5), (0.5, 0.5)]],
        "8": [figure_eight(0.3, 0.5, 0.27, 0.5)],
        "9": [ellipse(0.3, 0.25, 0.24, 0.25), [(0.54, 0.25), (0.54, 1)]],
    }.items()},
}


def placed(strokes, height, where, canvas=280, margin=15):
    """`strokes` (of SHAPES) scaled to `height` canvas pixels and put at the centre or a corner."""
    xs = [x for points in strokes for x, _ in points]
    width = height * (max(xs) - min(xs))
    corners = {"centre": ((canvas - width) / 2, (canvas - height) / 2),
               "top left": (margin, margin), "top right": (canvas - margin - width, margin),
               "bottom left": (margin, canvas - margin - height),
               "bottom right": (canvas - margin - width, canvas - margin - height)}
    left, top = corners[where]
    return [[(left + height * (x - min(xs)), top + height * y) for x, y in points] for points in strokes]


CORNERS = ("top left", "top right", "bottom left", "bottom right")


def small_drawings(height=70):
    """The 40 drawings a quarter of the box tall: each digit in each style, centred and in a corner."""
    return [(digit, f"{style} {digit}, {where}", placed(strokes, height, where))
            for style, shapes in SHAPES.items() for digit, strokes in shapes.items()
            for where in ("centre", CORNERS[int(digit) % 4])]


READ_STROKES_JS = """drawings => drawings.map(strokes => {
    window.primitiveNN.drawStrokes(strokes);
    return document.getElementById("prediction").dataset.digit;
})"""


@pytest.mark.parametrize("digit", list(DIGITS))
def test_digits_drawn_with_the_mouse_are_recognized(page, digit):
    for points in DIGITS[digit]:
        draw(page, points)
    assert prediction(page) == digit
    seen = np.array(page.evaluate(
        "() => Array.from(window.primitiveNN.prepare(window.primitiveNN.canvasRGBA(), 280, 280))"))
    rgba = np.array(page.evaluate("() => Array.from(window.primitiveNN.canvasRGBA())"), dtype=np.uint8)
    assert np.abs(seen - handwriting.prepare(rgba.reshape(280, 280, 4)).reshape(784)).max() <= 1 / 255


@pytest.mark.parametrize("height", [70, 40])
def test_small_drawings_are_read_with_a_brush_that_scales_with_them(page, height):
    """The ten digits in two styles, a quarter (70 px) or a seventh (40 px) of the box tall.

    A fixed brush of a twelfth of the box, once such a drawing is scaled up to
    the 20-pixel box, gives strokes several times MNIST's: at 40 px it read 13
    of these 40. The brush proportional to the drawing reads them all.
    """
    drawings = small_drawings(height)
    got = page.evaluate(READ_STROKES_JS, [strokes for _, _, strokes in drawings])
    wrong = [(name, read) for (digit, name, _), read in zip(drawings, got) if read != digit]
    assert len(drawings) == 40 and len(wrong) <= 2, wrong
    assert not page.errors


def ink_width(page, row):
    """How many pixels of `row` of the canvas are dark: the width of a vertical stroke there."""
    rgba = np.array(page.evaluate("() => Array.from(window.primitiveNN.canvasRGBA())"), dtype=np.uint8)
    return int((rgba.reshape(280, 280, 4)[row, :, 0] < 128).sum())


def test_the_brush_grows_with_the_drawing_and_redraws_what_is_there(page):
    draw(page, [(140, 120), (140, 160)])                    # a short stroke: a thin brush
    prediction(page)
    thin = ink_width(page, 140)
    draw(page, [(60, 40), (220, 40), (140, 250)])           # now a large 7: every stroke thicker
    page.wait_for_function("() => window.primitiveNN.strokes().length === 2")
    page.wait_for_function("w => window.primitiveNN.brushWidth(window.primitiveNN.strokes()) > w",
                           arg=thin)
    page.evaluate("() => new Promise(requestAnimationFrame)")  # the frame that draws them
    assert ink_width(page, 140) > 2 * thin
    assert page.evaluate("() => window.primitiveNN.brushWidth([[[0, 0], [0, 40]]])") < \
        page.evaluate("() => window.primitiveNN.brushWidth([[[0, 0], [0, 200]]])") <= 280 / 8


# ---- how sure -----------------------------------------------------------------------


SHOW_ANSWER_JS = "A => window.primitiveNN.showAnswer(Float64Array.from(A))"


def probabilities_with(digit, p):
    """Ten probabilities: `p` for `digit`, the rest shared out evenly."""
    return [p if d == digit else (1 - p) / 9 for d in range(10)]


def test_the_threshold_is_the_python_setting_read_from_the_manifest(page):
    assert page.evaluate("() => window.primitiveNN.unsureBelow()") == models.UNSURE
    script = page.evaluate("() => fetch('../javascripts/try.js').then(r => r.text())")
    assert "unsure_below" in script and str(models.UNSURE) not in script   # not typed twice


@pytest.mark.parametrize("digit, p, sure", [(7, 0.982, True), (3, 0.59, False),
                                            (1, models.UNSURE, True), (4, models.UNSURE - 1e-3, False)])
def test_an_answer_shows_its_probability_and_says_unsure_below_the_threshold(page, digit, p, sure):
    page.evaluate(SHOW_ANSWER_JS, probabilities_with(digit, p))
    text = page.inner_text("#prediction").lower()                  # "unsure" is set in capitals
    assert page.get_attribute("#prediction", "data-digit") == str(digit)
    assert float(page.get_attribute("#prediction", "data-confidence")) == pytest.approx(p)
    assert text.startswith(f"{digit} · {math.floor(100 * p)}%")   # rounded down, as the page does
    assert ("unsure" in text) is not sure
    assert page.locator("#prediction.try-unsure").count() == (0 if sure else 1)
    assert page.locator("#try-bars .try-best .try-label").inner_text() == str(digit)


def test_an_unsure_answer_is_lighter_than_a_sure_one(page):
    colour_js = "() => getComputedStyle(document.querySelector('#prediction .try-digit')).color"
    page.evaluate(SHOW_ANSWER_JS, probabilities_with(2, 0.99))
    sure = page.evaluate(colour_js)
    page.evaluate(SHOW_ANSWER_JS, probabilities_with(2, 0.5))
    assert page.evaluate(colour_js) != sure


def test_a_drawn_digit_shows_the_probability_of_its_bar(page):
    draw(page, DIGITS["7"][0])
    assert prediction(page) == "7"
    p = float(page.get_attribute("#prediction", "data-confidence"))
    shown = page.locator("#try-bars .try-best .try-value").inner_text()
    assert shown == f"{math.floor(1000 * p) / 10:.1f}%"                 # rounded down, as the answer
    assert (page.locator("#prediction.try-unsure").count() == 1) is (p < models.UNSURE)


def test_two_digits_drawn_side_by_side_show_the_message_until_cleared(page):
    draw(page, [(70, 40), (70, 240)])
    assert prediction(page) != ""
    draw(page, [(210, 40), (210, 240)])
    page.wait_for_function("() => document.getElementById('prediction').dataset.message !== ''",
                           timeout=5000)
    rgba = np.array(page.evaluate("() => Array.from(window.primitiveNN.canvasRGBA())"), dtype=np.uint8)
    with pytest.raises(DataError) as raised:
        handwriting.prepare(rgba.reshape(280, 280, 4))
    assert page.inner_text("#prediction") == str(raised.value)
    assert str(raised.value).startswith("2 digits side by side")
    assert page.get_attribute("#prediction", "data-digit") == ""
    assert page.locator("#try-bars .try-best").count() == 0
    page.click("#try-clear")
    assert page.inner_text("#prediction") == ""
    assert page.get_attribute("#prediction", "data-message") == ""
    assert not page.errors


def test_both_networks_can_be_chosen_and_the_seed_shows_its_hidden_units(page):
    assert page.is_checked("input[value=predict]")
    assert page.is_hidden("#try-hidden")
    draw(page, DIGITS["7"][0])
    prediction(page)
    page.check("input[value=seed]")
    assert page.is_visible("#try-hidden")
    assert page.locator("#try-hidden-units li").count() == 10
    assert prediction(page) in set("0123456789")
    assert page.locator("#try-hidden-units .try-value").first.inner_text() != "–"


WEIGHT_PICTURES_JS = """() => [...document.querySelectorAll("#try-hidden-units canvas.try-weights")].map(
    c => Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data))"""


def test_the_seed_shows_each_hidden_unit_s_weights_as_a_picture(page):
    page.check("input[value=seed]")
    pictures = [np.array(p, dtype=np.uint8).reshape(28, 28, 4)
                for p in page.evaluate(WEIGHT_PICTURES_JS)]
    assert len(pictures) == 10
    assert page.locator("canvas.try-weights").first.is_visible()
    W1 = models.load_shipped("seed")["W1"]                                     # (10, 784)
    for unit, picture in enumerate(pictures):
        assert len(np.unique(picture.reshape(-1, 4), axis=0)) > 1, f"unit {unit} is one colour"
        red, blue = picture[..., 0].astype(int).ravel(), picture[..., 2].astype(int).ravel()
        strongest, weakest = W1[unit].argmax(), W1[unit].argmin()   # red for +, blue for -
        assert red[strongest] > blue[strongest] and blue[weakest] > red[weakest]
    page.check("input[value=predict]")
    assert page.is_hidden("#try-hidden")


def test_the_page_makes_no_request_outside_the_loopback_address(page):
    draw(page, DIGITS["0"][0])
    prediction(page)
    assert page.requests and not page.errors
    outside = [url for url in page.requests if not is_local(url)]
    assert not outside, f"requests that left 127.0.0.1: {outside}"
    assert any(url.endswith("assets/models/predict.bin") for url in page.requests)


def inside(box, top, bottom):
    return box["y"] >= top - 0.5 and box["y"] + box["height"] <= bottom + 0.5


@pytest.mark.parametrize("where", ["center", "start"])
def test_on_a_phone_the_answer_and_its_bar_show_with_the_box(browser, base_url, where):
    """390x844: with the box in view (centred, or just under the header), so are the answer, its bar."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(base_url + PAGE, wait_until="load")
        page.evaluate(READY_JS)
        page.evaluate("""where => {
            const canvas = document.getElementById("try-canvas");
            canvas.scrollIntoView({block: where});
            const header = document.querySelector(".md-header").getBoundingClientRect();
            if (where === "start") scrollBy(0, canvas.getBoundingClientRect().top - header.bottom - 4);
        }""", where)
        draw(page, DIGITS["7"][0])
        assert prediction(page) == "7"
        top = page.locator(".md-header").bounding_box()
        top = top["y"] + top["height"]
        for selector in ["#try-canvas", "#prediction", "#try-bars .try-best"]:  # its li: digit, bar, value
            assert inside(page.locator(selector).bounding_box(), top, 844), selector
        bars = page.locator("#try-bars").bounding_box()
        assert page.locator("#try-networks").bounding_box()["y"] >= bars["y"] + bars["height"]
    finally:
        context.close()


def test_on_a_wide_screen_the_answer_stands_beside_the_box(page):
    canvas = page.locator("#try-canvas").bounding_box()
    answer = page.locator("#prediction").bounding_box()
    bars = page.locator("#try-bars").bounding_box()
    assert answer["x"] >= canvas["x"] + canvas["width"] and answer["y"] < canvas["y"] + canvas["height"]
    assert bars["width"] > 200 and bars["y"] < canvas["y"] + canvas["height"]


CANVAS_CORNER_JS = "() => Array.from(window.primitiveNN.canvasRGBA().slice(0, 4))"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_both_colour_schemes_keep_white_paper_and_readable_text(browser, base_url, scheme):
    """Material opens in the scheme the system asks for; the box stays white with black ink."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(base_url + PAGE, wait_until="load")
        page.evaluate(READY_JS)
        slate = page.evaluate("() => document.body.dataset.mdColorScheme") == "slate"
        assert slate is (scheme == "dark")
        page.check("input[value=seed]")
        page.eval_on_selector("#try-canvas", "c => c.scrollIntoView({block: 'center'})")
        draw(page, DIGITS["7"][0])
        prediction(page)
        assert page.evaluate(CANVAS_CORNER_JS) == [255, 255, 255, 255]
        assert ink_width(page, 150) > 5
        page.evaluate(SHOW_ANSWER_JS, probabilities_with(2, 0.5))
        colours = page.evaluate("""() => ["#prediction .try-digit", "#prediction .try-unsure-word",
                                          "#try-bars .try-label", "#try-networks legend"].map(
            s => getComputedStyle(document.querySelector(s)).color.match(/[\\d.]+/g).map(Number))""")
        background = page.evaluate("""() => getComputedStyle(document.body).backgroundColor
                                            .match(/[\\d.]+/g).map(Number)""")
        for rgb in colours:  # text light on slate, dark on white
            assert (sum(rgb[:3]) > 384) is slate and (sum(background[:3]) > 384) is not slate
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"try-390-{scheme}.png", full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_page_fits_its_width_and_is_screenshotted(browser, base_url, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(base_url + PAGE, wait_until="load")
        page.evaluate(READY_JS)
        draw(page, DIGITS["7"][0])
        prediction(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"try-{width}.png", full_page=True)
    finally:
        context.close()
