"""The "Try it" page in headless Chromium: its JavaScript against NumPy, and drawing on it.

The page's script mirrors `primitive_nn.handwriting` and
`primitive_nn.network` function for function, and exposes them as
`window.primitiveNN`. These tests give the script and NumPy the same inputs:
the forward pass on MNIST test images, and the preparation of drawings made
here. Then they draw on the canvas, with synthetic pointer events and with
the mouse, and read the answer from `#prediction`'s `data-digit`.

Run them on a built site, like tests/test_browser.py, whose server and
browser fixtures they use:

    PRIMITIVE_NN_SITE=site pytest tests/test_try_page.py

Screenshots of the page, at 1280 and 390 pixels wide with a digit drawn,
are saved in $PRIMITIVE_NN_ARTIFACTS (artifacts/).
"""

import math

import numpy as np
import pytest

from primitive_nn import handwriting
from primitive_nn.machinery import models
from primitive_nn.machinery.mnist import load_mnist
from test_browser import ARTIFACTS, SITE, base_url, browser, is_local  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not SITE, reason="PRIMITIVE_NN_SITE is not set")]

PAGE = "try/"
READY_JS = "() => window.primitiveNN.ready.then(() => true)"
PREDICTED_JS = "() => document.getElementById('prediction').dataset.digit !== ''"


@pytest.fixture
def page(browser, base_url):
    """The Try it page, loaded, with its networks; every request it makes is in `page.requests`."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    requests, errors = [], []
    context.on("request", lambda r: requests.append(r.url))
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    page = context.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(base_url + PAGE, wait_until="load")
    page.evaluate(READY_JS)
    page.requests, page.errors = requests, errors
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


@pytest.mark.mnist
@pytest.mark.parametrize("name", ["predict", "seed"])
def test_forward_pass_matches_numpy_on_the_first_100_test_images(page, mnist_cache, name):
    X = load_mnist(mnist_cache).test_images[:100].T / 255.0          # (784, 100) float64
    expected = models.probabilities(models.load_shipped(name), X,
                                    models.shipped_temperature(name))      # (10, 100)
    got = np.array(page.evaluate("""([name, columns]) => {
        const params = window.primitiveNN.network(name);
        return columns.map(x => Array.from(
            window.primitiveNN.forward(params, Float64Array.from(x))["A" + params.D]));
    }""", [name, X.T.tolist()])).T                                         # (10, 100)
    assert (got.argmax(axis=0) == expected.argmax(axis=0)).all()
    assert np.abs(got - expected).max() < 1e-5


def drawings():
    """Fixture drawings as RGBA bytes: strokes drawn large with Pillow, then shrunk (grey edges)."""
    from PIL import Image, ImageDraw

    def drawing(size, lines, ink, paper, width, ellipse=None, alpha=False):
        big = Image.new("RGBA", (4 * size[0], 4 * size[1]), (0, 0, 0, 0) if alpha else paper)
        pen = ImageDraw.Draw(big)
        for line in lines:
            pen.line([(4 * x, 4 * y) for x, y in line], fill=ink, width=4 * width, joint="curve")
        if ellipse:
            pen.ellipse([4 * v for v in ellipse], outline=ink, width=4 * width)
        return np.asarray(big.resize(size, Image.BOX))

    return {
        "seven": drawing((280, 280), [[(70, 50), (210, 50), (120, 245)]], (0, 0, 0, 255),
                         (255, 255, 255, 255), 22),
        "zero, blue on cream, off-centre": drawing((300, 200), [], (30, 40, 160, 255),
                                                   (250, 240, 215, 255), 9, (20, 20, 110, 170)),
        "four, light on dark": drawing((90, 140), [[(20, 20), (15, 80), (70, 80)], [(55, 40), (55, 130)]],
                                       (240, 240, 240, 255), (20, 20, 20, 255), 7),
        "one on a transparent canvas": drawing((64, 64), [[(34, 6), (28, 58)]], (0, 0, 0, 255),
                                               None, 5, alpha=True),
        "white seven on a transparent canvas": drawing((96, 96), [[(24, 16), (72, 16), (40, 84)]],
                                                       (255, 255, 255, 255), None, 7, alpha=True),
    }


@pytest.mark.parametrize("name", list(drawings()))
def test_preparation_matches_python_within_one_grey_level(page, name):
    rgba = drawings()[name]
    expected = handwriting.prepare(rgba).reshape(784)
    got = np.array(page.evaluate("""([rgba, h, w]) =>
        Array.from(window.primitiveNN.prepare(Uint8ClampedArray.from(rgba), h, w))""",
                                 [rgba.reshape(-1).tolist(), *rgba.shape[:2]]))
    assert np.abs(got - expected).max() <= 1 / 255


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


@pytest.mark.parametrize("digit", list(DIGITS))
def test_digits_drawn_with_the_mouse_are_recognized(page, digit):
    for points in DIGITS[digit]:
        draw(page, points)
    assert prediction(page) == digit
    seen = np.array(page.evaluate(
        "() => Array.from(window.primitiveNN.prepare(window.primitiveNN.canvasRGBA(), 280, 280))"))
    rgba = np.array(page.evaluate("() => Array.from(window.primitiveNN.canvasRGBA())"), dtype=np.uint8)
    assert np.abs(seen - handwriting.prepare(rgba.reshape(280, 280, 4)).reshape(784)).max() <= 1 / 255


def test_both_networks_can_be_chosen_and_the_seed_shows_its_hidden_units(page):
    assert page.is_checked("input[value=predict]")
    assert page.is_hidden("#try-hidden")
    draw(page, DIGITS["7"][0])
    prediction(page)
    page.check("input[value=seed]")
    assert page.is_visible("#try-hidden")
    assert page.locator("#try-hidden-units li").count() == 10
    assert prediction(page) in set("0123456789")


def test_the_page_makes_no_request_outside_the_loopback_address(page):
    draw(page, DIGITS["0"][0])
    prediction(page)
    assert page.requests and not page.errors
    outside = [url for url in page.requests if not is_local(url)]
    assert not outside, f"requests that left 127.0.0.1: {outside}"
    assert any(url.endswith("assets/models/predict.bin") for url in page.requests)


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
