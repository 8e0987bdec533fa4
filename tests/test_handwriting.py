"""The chapter "Your own handwriting": each step's properties, real photos, and the exercises.

The steps are checked on pictures made in the test (no files, no download);
the tests marked `mnist` make fake photos of real MNIST test digits with
`primitive_nn.machinery.pages.handwriting.photograph` and check that the
shipped network reads them as a person would. The solutions of the chapter's
exercises live here, between `--8<--` markers, and the book's page shows them
from this file.
"""

import io
from pathlib import Path

import numpy as np
import pytest

from primitive_nn import handwriting as hw
from primitive_nn.errors import DataError
from primitive_nn.machinery import models
from primitive_nn.machinery.mnist import load_mnist
from primitive_nn.machinery.pages.handwriting import photograph, shift


def white(h, w):
    """An opaque white RGBA picture."""
    return np.full((h, w, 4), 255, dtype=np.uint8)


def disc(h, w, r0, c0, radius, value=0):
    """A white picture with a disc of grey `value` centred at (r0, c0)."""
    rgba = white(h, w)
    r, c = np.mgrid[:h, :w]
    rgba[(r - r0) ** 2 + (c - c0) ** 2 < radius ** 2, :3] = value
    return rgba


# ---- grey and ink -------------------------------------------------------------------


def test_grey_is_luminance_over_white_paper():
    rgba = np.array([[[255, 0, 0, 255], [0, 0, 255, 255], [10, 20, 30, 0]]], dtype=np.uint8)
    assert hw.to_grey(rgba) == pytest.approx(np.array([[0.299, 0.114, 1.0]]))


def test_grey_refuses_a_picture_without_alpha():
    with pytest.raises(ValueError, match="RGBA"):
        hw.to_grey(np.zeros((4, 4, 3), dtype=np.uint8))


@pytest.mark.parametrize("dark_on_light", [True, False])
def test_ink_is_one_in_the_stroke_and_zero_on_the_paper(dark_on_light):
    grey = np.full((30, 30), 0.9 if dark_on_light else 0.1)
    grey[10:20, 12:15] = 0.1 if dark_on_light else 0.9
    ink = hw.to_ink(hw.flatten(grey))
    assert ink[10:20, 12:15].min() == 1.0
    assert ink.sum() == 30.0                       # nothing but the stroke


def test_levels_follow_the_formula():
    f = np.zeros((5, 5))                           # flattened: paper 0
    f[2, 1:4] = [0.8, 0.5, 0.2]
    f[3, 1:4] = [0.7, 0.6, 0.1]
    b, p = 0.0, 0.8
    t = b + hw.INK_LEVEL * (p - b)                 # 0.28: 0.2 and 0.1 are paper
    q = np.median([0.8, 0.5, 0.7, 0.6])            # the stroke's typical level
    expected = np.clip((f[2:4, 1:4] - t) / (q - t), 0, 1)
    assert hw.to_ink(f)[2:4, 1:4] == pytest.approx(expected)
    assert hw.to_ink(f)[2, 1] == hw.to_ink(f)[3, 1] == 1.0 and hw.to_ink(f)[2, 3] == 0.0


@pytest.mark.parametrize("contrast, blank", [(0.09, True), (0.11, False)])
def test_blank_rule_is_the_contrast_between_paper_and_darkest_ink(contrast, blank):
    grey = np.full((10, 10), 0.9)
    grey[5, 5] = 0.9 - contrast
    if blank:
        with pytest.raises(DataError, match="blank image"):
            hw.to_ink(hw.flatten(grey))
    else:
        assert hw.to_ink(hw.flatten(grey))[5, 5] == 1.0


def lit(grey, strength, angle):
    """`grey` under light that falls by `strength` across the picture, in direction `angle`."""
    h, w = grey.shape
    r, c = np.mgrid[:h, :w]
    ramp = c / (w - 1) * np.cos(angle) + r / (h - 1) * np.sin(angle)
    ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
    return grey * (1 - strength * ramp)


def ring(h, w, r0, c0, outer, inner):
    """A mask: a ring (a 0 of sorts) of radii `inner` to `outer` around (r0, c0)."""
    r, c = np.mgrid[:h, :w]
    d2 = (r - r0) ** 2 + (c - c0) ** 2
    return (d2 < outer ** 2) & (d2 >= inner ** 2)


@pytest.mark.parametrize("angle", [0.0, 1.0, 2.5, 4.0])
def test_flattening_takes_away_a_lighting_gradient(angle):
    paper = np.full((120, 100), 0.9)
    paper[ring(120, 100, 60, 50, 30, 22)] = 0.35
    even, shaded = hw.flatten(paper), hw.flatten(lit(paper, 0.3, angle))
    stroke = ring(120, 100, 60, 50, 30, 22)
    assert np.abs(even[~stroke]).max() < 1e-12                # flat paper stays 0
    assert np.abs(shaded[~stroke]).max() < 0.05               # lit paper: nearly 0
    assert shaded[stroke].min() > 0.5 * even[stroke].min()    # the stroke stands out everywhere


def test_a_gradient_does_not_become_ink():
    """One global threshold made the shaded corner ink; the threshold relative to the paper does not."""
    paper = np.full((120, 100), 0.9)
    stroke = ring(120, 100, 60, 50, 30, 25)
    paper[stroke] = 0.55                                      # light pencil
    ink = hw.to_ink(hw.flatten(lit(paper, 0.3, 0.7)))
    assert not ink[~ring(120, 100, 60, 50, 32, 23)].any()
    assert (ink[ring(120, 100, 60, 50, 29, 26)] > 0.5).all()


def test_uniform_and_noisy_paper_are_blank():
    rng = np.random.default_rng(0)
    for grey in (np.ones((20, 20)), np.zeros((20, 20)), 0.8 + rng.normal(0, 0.02, (50, 50))):
        with pytest.raises(DataError, match="blank"):
            hw.prepare(np.dstack([np.clip(grey * 255, 0, 255).astype(np.uint8)] * 3 +
                                 [np.full(grey.shape, 255, np.uint8)]))


def test_a_transparent_drawing_is_read_as_drawn_on_white():
    rgba = np.zeros((40, 40, 4), dtype=np.uint8)   # transparent black everywhere
    rgba[5:35, 18:22, 3] = 255                     # an opaque black bar
    assert hw.prepare(rgba)[4:25].any()


# ---- crop, box, centre --------------------------------------------------------------


def flood_fill_pieces(mask):
    """The pieces of a mask by a plain flood fill, 8-connected: a set of frozensets of pixels."""
    unseen, pieces = set(zip(*np.nonzero(mask))), set()
    while unseen:
        stack, piece = [unseen.pop()], set()
        while stack:
            r, c = stack.pop()
            piece.add((r, c))
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    if (r + dr, c + dc) in unseen:
                        unseen.remove((r + dr, c + dc))
                        stack.append((r + dr, c + dc))
        pieces.add(frozenset(piece))
    return pieces


@pytest.mark.parametrize("seed", range(20))
def test_components_are_the_pieces_a_flood_fill_finds(seed):
    rng = np.random.default_rng(seed)
    mask = rng.random((rng.integers(1, 30), rng.integers(1, 30))) < rng.uniform(0.1, 0.6)
    piece, boxes = hw.components(mask)
    row, start, stop = hw.runs(mask)
    found = {}
    for i, p in enumerate(piece):
        found.setdefault(p, set()).update((row[i], c) for c in range(start[i], stop[i]))
    assert {frozenset(pixels) for pixels in found.values()} == flood_fill_pieces(mask)
    for p, (top, bottom, left, right, area) in boxes.items():
        rows, cols = zip(*found[p])
        assert (top, bottom, left, right, area) == (min(rows), max(rows) + 1, min(cols),
                                                    max(cols) + 1, len(found[p]))


def drawn(strokes, h=200, w=160, width=9, size=(None, None)):
    """Dark strokes on white paper, drawn large and shrunk (grey edges): RGBA bytes."""
    from PIL import Image, ImageDraw

    big = Image.new("RGB", (4 * w, 4 * h), (245, 245, 240))
    pen = ImageDraw.Draw(big)
    for line in strokes:
        pen.line([(4 * x, 4 * y) for x, y in line], fill=(20, 20, 30), width=4 * width, joint="curve")
    rgba = np.asarray(big.resize((w, h), Image.BOX).convert("RGBA")).copy()
    return rgba


# digits of several strokes that do not touch, each stroke a polyline (x, y)
SEVERAL_STROKES = {
    "a 5 with its bar apart": (5, [[(60, 40), (55, 95), (90, 85), (115, 110), (110, 150), (80, 165),
                                    (50, 155)], [(70, 25), (120, 22)]]),
    "an open 4": (4, [[(85, 30), (45, 115), (88, 115)], [(102, 60), (102, 175)]]),
    "a 1 with a broken line": (1, [[(85, 25), (82, 90)], [(81, 104), (78, 175)]]),
    "a 7 whose bar and stem do not touch": (7, [[(40, 35), (120, 35)], [(115, 52), (70, 175)]]),
    "an 8 of two loops apart": (8, [[(80, 25), (105, 40), (100, 80), (80, 88), (58, 78), (55, 40),
                                     (80, 25)], [(80, 103), (110, 118), (110, 160), (80, 175),
                                                 (50, 160), (50, 118), (80, 103)]]),
}


@pytest.mark.parametrize("name", list(SEVERAL_STROKES))
def test_a_digit_in_strokes_that_do_not_touch_stays_one_digit(name):
    label, strokes = SEVERAL_STROKES[name]
    rgba = drawn(strokes)
    ink = hw.to_ink(hw.flatten(hw.to_grey(rgba)))
    _, boxes = hw.components(ink > 0)
    assert len(boxes) >= 2                                   # the strokes really are apart
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    assert np.array_equal(hw.crop(ink), ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    assert read(hw.prepare(rgba)) == label


@pytest.mark.parametrize("gap", [30, 60])
def test_two_digits_side_by_side_are_flagged(gap):
    four = [[(40, 30), (15, 110), (70, 110)], [(55, 60), (55, 170)]]
    two = [[(x + 70 + gap, y) for x, y in line] for line in
           [[(5, 55), (30, 30), (60, 40), (60, 80), (5, 170), (70, 170)]]]
    with pytest.raises(DataError, match="2 digits side by side"):
        hw.prepare(drawn(four + two, w=160 + gap))


def test_a_speck_changes_nothing():
    label, strokes = SEVERAL_STROKES["an open 4"]
    rgba = drawn(strokes)
    specked = rgba.copy()
    r, c = np.mgrid[:200, :160]
    specked[(r - 12) ** 2 + (c - 148) ** 2 <= 16, :3] = 20    # about 8 px across, in a corner
    assert np.abs(hw.prepare(specked) - hw.prepare(rgba)).max() < 0.01  # the ink level moves a hair


def test_a_ruled_line_as_dark_as_the_ink_is_erased():
    label, strokes = SEVERAL_STROKES["a 7 whose bar and stem do not touch"]
    rgba = drawn(strokes)
    ruled = rgba.copy()
    ruled[120:122, :, :3] = 20                                # across the digit, and the page
    ruled[:, 5:7, :3] = 20                                    # a margin line, down
    assert read(hw.prepare(ruled)) == label
    assert np.abs(hw.prepare(ruled) - hw.prepare(rgba)).mean() < 0.02


def test_a_thick_bar_across_the_picture_is_not_a_ruled_line():
    mask = np.zeros((280, 280), dtype=bool)
    mask[30:53, :] = True                                    # a 7's bar, drawn edge to edge
    assert not hw.rule_rows(mask).any()


def test_a_fine_pen_1_as_tall_as_the_picture_is_not_a_ruled_line():
    rgba = white(300, 1100)
    rgba[10:290, 548:552, :3] = 20                           # 4 px wide, 280 of 300 tall
    assert hw.prepare(rgba).any(axis=1).sum() == hw.BOX       # all 20 rows of it: not erased
    assert read(hw.prepare(rgba)) == 1


def read(image):
    """The shipped network's answer for a 28x28 image."""
    return int(models.probabilities(models.load_shipped(), image.reshape(784, 1))[:, 0].argmax())


@pytest.mark.parametrize("n, n2", [(5, 2), (3, 7), (200, 20), (20, 20), (1, 20), (37, 13)])
def test_area_weights_rows_are_means_and_mass_is_kept(n, n2):
    R = hw.area_weights(n, n2)
    assert R.shape == (n2, n)
    assert R.sum(axis=1) == pytest.approx(np.ones(n2))            # each new pixel: a mean
    assert R.sum(axis=0) == pytest.approx(np.full(n, n2 / n))      # each old pixel: spread out
    assert (R >= 0).all()


def test_area_averaging_a_constant_gives_the_constant():
    assert hw.size_normalize(np.full((57, 31), 0.25)) == pytest.approx(np.full((20, 11), 0.25))


def test_size_normalize_fits_the_longer_side_to_twenty():
    for shape in [(300, 40), (40, 300), (7, 5), (1, 1), (19, 20)]:
        small = hw.size_normalize(np.ones(shape))
        assert max(small.shape) == hw.BOX and min(small.shape) >= 1


def test_centre_of_mass_lands_within_half_a_pixel_of_14():
    rng = np.random.default_rng(0)
    for _ in range(50):
        small = hw.size_normalize(rng.random((rng.integers(1, 60), rng.integers(1, 60))) ** 4)
        r_bar, c_bar = hw.centre_of_mass(hw.centre(small))
        assert -0.5 <= r_bar - hw.CENTRE < 0.5 and -0.5 <= c_bar - hw.CENTRE < 0.5


def test_pixel_shift_rounds_half_up_and_absorbs_the_last_bit():
    assert [hw.pixel_shift(x) for x in (0.5, 1.5, -0.5, -1.5, 2.49, -2.51)] == [1, 2, 0, -1, 2, -3]
    tie = 14 - 9.5
    assert hw.pixel_shift(np.nextafter(tie, 0)) == hw.pixel_shift(np.nextafter(tie, 9)) == 5


def test_place_drops_what_falls_off_the_field():
    field = hw.place(np.ones((20, 20)), -5, 20)
    assert field.sum() == 15 * 8 and field[:15, 20:].all()
    assert not hw.place(np.ones((3, 3)), 40, 0).any()


def ring_picture(h, w, r0, c0, outer):
    """A white picture with a dark ring, a 0 whose stroke is a fifth of its radius."""
    rgba = white(h, w)
    rgba[ring(h, w, r0, c0, outer, 0.8 * outer), :3] = 0
    return rgba


def test_prepare_is_the_same_wherever_the_digit_is_and_however_large():
    small = hw.prepare(ring_picture(120, 120, 40, 35, 25))
    moved = hw.prepare(ring_picture(400, 300, 300, 200, 60))
    assert np.abs(small - moved).mean() < 0.02            # the edges are pixelated differently
    assert np.abs(small.sum() - moved.sum()) < 0.05 * small.sum()


def test_prepare_uses_floats_throughout():
    image = hw.prepare(ring_picture(90, 90, 45, 45, 21))
    values = np.unique(image)
    assert image.dtype == np.float64
    assert not np.allclose(values * 255, np.round(values * 255))  # not 8-bit levels


def test_read_image_decodes_png_and_jpeg_and_refuses_the_rest(tmp_path):
    from PIL import Image

    picture = disc(60, 50, 30, 25, 12)
    Image.fromarray(picture).save(tmp_path / "digit.png")
    Image.fromarray(picture[..., :3]).save(tmp_path / "digit.jpg", quality=90)
    assert (hw.read_image(tmp_path / "digit.png") == picture).all()
    assert np.abs(hw.read_image(tmp_path / "digit.jpg").astype(int) - picture).max() < 40
    (tmp_path / "notes.png").write_text("not a picture")
    (tmp_path / "cut.png").write_bytes((tmp_path / "digit.png").read_bytes()[:120])
    cases = {"notes.png": "not an image", "cut.png": "cannot read", "missing.png": "no such file",
             ".": "directory"}
    for name, message in cases.items():
        with pytest.raises(DataError, match=message):
            hw.read_image(tmp_path / name)


def test_a_white_digit_on_a_transparent_canvas_reads_like_a_black_one_on_paper():
    """Composited over white it would be blank; over black it is the same digit."""
    r, c = np.mgrid[:120, :120]
    disc = (r - 60) ** 2 + (c - 55) ** 2 < 30 ** 2
    ring = disc & ((r - 60) ** 2 + (c - 55) ** 2 > 20 ** 2)
    white_on_nothing = np.zeros((120, 120, 4), dtype=np.uint8)
    white_on_nothing[ring] = 255
    black_on_paper = np.full((120, 120, 4), 255, dtype=np.uint8)
    black_on_paper[ring, :3] = 0
    assert np.abs(hw.prepare(white_on_nothing) - hw.prepare(black_on_paper)).max() < 1e-12
    sheet = black_on_paper.copy()
    sheet[:10, :, 3] = 0                       # a sheet with a transparent margin stays on white
    assert hw.paper_behind(sheet) == 1.0


@pytest.mark.parametrize("name", ["moving.gif", "pages.tiff"])
def test_read_image_refuses_an_image_of_several_frames(tmp_path, name):
    from PIL import Image

    frames = [Image.new("L", (40, 40), level) for level in (255, 128, 0)]
    frames[0].save(tmp_path / name, save_all=True, append_images=frames[1:])
    with pytest.raises(DataError, match="an image of 3 frames"):
        hw.read_image(tmp_path / name)


def test_read_image_scales_a_16_bit_grey_png(tmp_path):
    from PIL import Image

    grey = np.full((40, 30), 60000, dtype=np.uint16)
    grey[10:30, 12:16] = 2000
    Image.fromarray(grey).save(tmp_path / "deep.png")
    rgba = hw.read_image(tmp_path / "deep.png")
    assert rgba[0, 0].tolist() == [233, 233, 233, 255] and rgba[20, 14, 0] == 8
    assert hw.prepare(rgba).max() == 1.0


def test_read_image_turns_a_phone_photo_upright(tmp_path):
    from PIL import Image

    picture = Image.fromarray(disc(40, 80, 20, 10, 8)[..., :3])  # wide, the disc at the left
    exif = Image.Exif()
    exif[0x0112] = 6                                        # orientation: rotate 90 degrees
    picture.save(tmp_path / "phone.jpg", exif=exif)
    assert hw.read_image(tmp_path / "phone.jpg").shape[:2] == (80, 40)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_read_image_applies_every_exif_orientation_as_pillow_does(tmp_path, orientation):
    from PIL import Image, ImageOps

    picture = Image.fromarray(np.arange(6 * 4 * 3, dtype=np.uint8).reshape(6, 4, 3))
    exif = Image.Exif()
    exif[0x0112] = orientation
    picture.save(tmp_path / "turned.png", exif=exif)
    with Image.open(tmp_path / "turned.png") as opened:
        expected = np.asarray(ImageOps.exif_transpose(opened).convert("RGBA"))
    assert np.array_equal(hw.read_image(tmp_path / "turned.png"), expected)


def test_reading_a_large_file_reduces_it_as_shrink_would(tmp_path):
    from PIL import Image

    rgba = ring_picture(2100, 1500, 1000, 700, 500)
    Image.fromarray(rgba[..., :3]).save(tmp_path / "large.png")
    read = hw.read_image(tmp_path / "large.png")
    assert read.shape == (700, 500, 4)                       # f = 3
    assert np.abs(hw.to_grey(read) - hw.shrink(hw.to_grey(rgba))).max() <= 0.5 / 255 + 1e-12


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak from Linux's /proc")
@pytest.mark.parametrize("kind", ["png", "jpg"])
def test_a_64_megapixel_picture_is_read_in_bounded_memory(tmp_path, kind):
    """Decoded at full size into NumPy floats it took about 58 bytes a pixel; now under 8."""
    import subprocess
    import sys

    from PIL import Image, ImageDraw

    side = 8000
    picture = Image.new("RGB", (side, side), (240, 238, 230))
    ImageDraw.Draw(picture).ellipse([3000, 2500, 5000, 5500], outline=(20, 20, 20), width=300)
    path = tmp_path / f"large.{kind}"
    picture.save(path)
    del picture
    # VmHWM, the peak resident memory of this process image; getrusage's ru_maxrss would also
    # count the pytest process this one was forked from, which exec does not reset
    script = ("import re, sys\n"
              "from primitive_nn import handwriting as hw\n"
              "rgba = hw.read_image(sys.argv[1])\n"
              "image = hw.prepare(rgba)\n"
              "peak = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read())[1]\n"
              "print(rgba.shape[0], rgba.shape[1], image.shape[0], peak)")
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                         text=True, check=True).stdout.split()
    h, w, field, peak_kb = map(int, out)
    assert (h, w, field) == (1000, 1000, 28)
    assert peak_kb * 1024 < 8 * side * side                  # bytes: under 8 a pixel


def test_reduction_changes_the_28x28_image_within_the_books_bound():
    """On pictures the book did not measure: where box and shift agree, no pixel moves past the bound."""
    from primitive_nn.machinery import photos
    from primitive_nn.machinery.pages.handwriting import REDUCTION_BOUND, enlarged, reduction_change

    for condition, index in (("plain", 2), ("pencil_gradient", 7)):
        largest, mean, same, _ = reduction_change(enlarged(photos.photo(condition, index, 2)[0]))
        assert mean < 5
        if same:
            assert largest <= REDUCTION_BOUND


def test_handwriting_blot_is_mostly_taken_for_paper():
    """The exercise {#blot}: a blot twice as wide as the window, and strokes wider than it."""
    k = hw.window(200, 200)
    blot = np.full((200, 200), 0.9)
    inside = ring(200, 200, 100, 100, k, 0)                  # a filled disc, 2k across
    blot[inside] = 0.1
    f = hw.flatten(blot)
    assert f[100, 100] == 0.0                                 # its middle is "paper"
    assert (f[inside] > 0.4).mean() < 0.2                     # most of it is lost
    outline = np.full((200, 200), 0.9)
    thick = ring(200, 200, 100, 100, 95, 95 - k - 10)         # strokes wider than the window
    outline[thick] = 0.1
    assert (hw.flatten(outline)[thick] > 0.4).mean() < 0.3    # mostly lost too


# ---- real digits --------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist(mnist_cache):
    from primitive_nn import data

    return load_mnist(mnist_cache)


def as_file(rgb, fmt):
    """The picture after a round trip through a PNG or JPEG file."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGBA"))


@pytest.mark.mnist
def test_fake_photos_of_test_digits_are_read_as_a_person_reads_them(mnist):
    """Dark on light, off-centre, blurred, 300 pixels wide: the shipped network reads them."""
    rng = np.random.default_rng(1)
    params = models.load_shipped()
    columns, labels = [], mnist.test_labels[:100]
    for k, fmt in zip(range(100), ["PNG", "JPEG"] * 50):
        photo = photograph(mnist.test_images[k], rng)
        assert min(photo.shape[:2]) > 28 * 8
        columns.append(hw.prepare(as_file(photo, fmt)).reshape(784))
    read = models.probabilities(params, np.array(columns).T).argmax(axis=0)
    raw = models.probabilities(params, mnist.test_images[:100].T / 255).argmax(axis=0)
    assert np.mean(read == labels) >= 0.95
    assert np.sum((read != labels) & (raw == labels)) <= 3  # few new mistakes


@pytest.mark.mnist
def test_uncentred_digits_fool_the_network_centred_ones_do_not(mnist):
    """The chapter's claim: move test digits by four pixels and far fewer are read."""
    params = models.load_shipped()
    X = mnist.test_images[:500].T / 255.0
    labels = mnist.test_labels[:500]
    centred = np.mean(models.probabilities(params, X).argmax(axis=0) == labels)
    moved = shift(X, 4, 4)
    assert np.mean(models.probabilities(params, moved).argmax(axis=0) == labels) < centred - 0.2


# ---- the exercises ------------------------------------------------------------------


def test_exercise_area_weights_by_hand():
    """handwriting.md#area-by-hand: five pixels into two, s = 2.5."""
    by_hand = [[0.4, 0.4, 0.2, 0.0, 0.0], [0.0, 0.0, 0.2, 0.4, 0.4]]
    assert hw.area_weights(5, 2) == pytest.approx(np.array(by_hand))


# --8<-- [start:recipe_check]
def recipe_check(images):
    """For MNIST images (m, 784): the fraction whose digit's longer side is 20 pixels,
    and the fraction whose centre of mass is within half a pixel of (14, 14)."""
    images = images.reshape(-1, 28, 28).astype(np.float64)
    rows, cols = images.any(axis=2), images.any(axis=1)          # (m, 28) each
    height = 28 - rows.argmax(axis=1) - rows[:, ::-1].argmax(axis=1)
    width = 28 - cols.argmax(axis=1) - cols[:, ::-1].argmax(axis=1)
    mass = images.sum(axis=(1, 2))
    r_bar = images.sum(axis=2) @ np.arange(28) / mass           # (m,)
    c_bar = images.sum(axis=1) @ np.arange(28) / mass
    longer_is_20 = np.maximum(height, width) == 20
    centred = (np.abs(r_bar - 14) <= 0.5) & (np.abs(c_bar - 14) <= 0.5)
    return longer_is_20.mean(), centred.mean()
# --8<-- [end:recipe_check]


@pytest.mark.mnist
def test_exercise_recipe_check(mnist):
    """handwriting.md#recipe-check: the recipe, checked on the test set."""
    longer_is_20, centred = recipe_check(mnist.test_images)
    assert longer_is_20 > 0.9
    assert centred == 1.0


# --8<-- [start:thicken]
def thicken(ink, radius):
    """Each pixel becomes the largest ink within `radius` pixels along rows and columns:
    a (2 radius + 1)-square max filter, which widens every stroke by 2 radius pixels."""
    H, W = ink.shape
    padded = np.pad(ink, radius)                                 # (H + 2r, W + 2r), zeros
    shifted = [padded[dr:dr + H, dc:dc + W]
               for dr in range(2 * radius + 1) for dc in range(2 * radius + 1)]
    return np.max(shifted, axis=0)                               # (H, W)
# --8<-- [end:thicken]


def test_exercise_thicken_widens_a_thin_stroke():
    """handwriting.md#thicken: a one-pixel pen line becomes a stroke as bold as MNIST's."""
    ink = np.zeros((200, 120))
    ink[10:190, 60] = 1.0                                        # a 1 drawn with a fine pen
    assert thicken(ink, 0) == pytest.approx(ink)
    bold = thicken(ink, 4)
    assert bold.shape == ink.shape and bold[100].sum() == 9      # 1 + 2 * 4 pixels wide
    thin_field = hw.centre(hw.size_normalize(hw.crop(ink)))
    bold_field = hw.centre(hw.size_normalize(hw.crop(bold)))
    assert bold_field.max() > thin_field.max()                   # darker after shrinking
