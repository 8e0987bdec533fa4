"""The chapter "Your own handwriting": each step's properties, real photos, and the exercises.

The steps are checked on pictures made in the test (no files, no download);
the tests marked `mnist` make fake photos of real MNIST test digits with
`primitive_nn.machinery.pages.handwriting.photograph` and check that the
shipped network reads them as a person would. The solutions of the chapter's
exercises live here, between `--8<--` markers, and the book's page shows them
from this file.
"""

import io

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
def test_ink_is_one_at_the_darkest_ink_and_zero_on_the_paper(dark_on_light):
    grey = np.full((30, 30), 0.9 if dark_on_light else 0.1)
    grey[10:20, 12:15] = 0.1 if dark_on_light else 0.9
    ink = hw.to_ink(grey)
    assert ink[10:20, 12:15].min() == 1.0
    assert ink.sum() == 30.0                       # nothing but the stroke


def test_levels_follow_the_formula():
    grey = np.full((5, 5), 0.8)                    # paper 0.8: inverted b = 0.2
    grey[2, 1:4] = [0.2, 0.5, 0.7]                 # inverted 0.8 (p), 0.5, 0.3
    b, p = 0.2, 0.8
    t = b + hw.INK_LEVEL * (p - b)
    expected = np.clip((np.array([0.8, 0.5, 0.3]) - t) / (p - t), 0, 1)
    assert hw.to_ink(grey)[2, 1:4] == pytest.approx(expected)


@pytest.mark.parametrize("contrast, blank", [(0.19, True), (0.21, False)])
def test_blank_rule_is_the_contrast_between_paper_and_darkest_ink(contrast, blank):
    grey = np.full((10, 10), 0.9)
    grey[5, 5] = 0.9 - contrast
    if blank:
        with pytest.raises(DataError, match="blank image"):
            hw.to_ink(grey)
    else:
        assert hw.to_ink(grey)[5, 5] == 1.0


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


def test_crop_is_the_bounding_box():
    ink = np.zeros((10, 12))
    ink[2, 3] = ink[7, 9] = 0.5
    assert hw.crop(ink).shape == (6, 7)


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


def test_prepare_is_the_same_wherever_the_digit_is_and_however_large():
    small = hw.prepare(disc(100, 100, 30, 25, 15))
    moved = hw.prepare(disc(400, 300, 300, 200, 60))
    assert np.abs(small - moved).mean() < 0.02            # the edges are pixelated differently
    assert np.abs(small.sum() - moved.sum()) < 0.05 * small.sum()


def test_prepare_uses_floats_throughout():
    image = hw.prepare(disc(90, 90, 45, 45, 21))
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
