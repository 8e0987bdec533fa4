"""The photo generator of primitive_nn/machinery/photos.py: deterministic, frozen, and legible."""

import hashlib

import numpy as np
import PIL
import pytest

from primitive_nn import handwriting
from primitive_nn.machinery import models
from primitive_nn.machinery.pages.handwriting import condition_pictures, answers
from primitive_nn.machinery.photos import CONDITIONS, SIDE, clean_scan, photo

FROZEN_UNDER = "13.0"  # Pillow's JPEG and FreeType may round differently in other versions
DIGEST = "6849610fdb4e625e4e83607e5512ac27e4ed66b88f48c3b5264e4fd6005ad353"  # the first 20 of each


def digest(count=20):
    """SHA-256 over the first `count` pictures of every condition and their clean scans."""
    h = hashlib.sha256()
    for i in range(count):
        for rgba, label in [clean_scan(i)] + [photo(c, i) for c in CONDITIONS]:
            h.update(rgba.tobytes() + bytes([label]))
    return h.hexdigest()


@pytest.mark.skipif(not PIL.__version__.startswith(FROZEN_UNDER + "."),
                    reason=f"the digest was taken under Pillow {FROZEN_UNDER}")
def test_the_generator_is_frozen():
    """Change the pictures only on purpose: then take the new digest, and say why."""
    assert digest() == DIGEST


def test_a_picture_is_a_function_of_its_condition_and_index():
    first, label = photo("speck", 7)
    again, same_label = photo("speck", 7)
    assert np.array_equal(first, again) and label == same_label == 7
    assert first.shape == (SIDE, SIDE, 4) and first.dtype == np.uint8
    assert not np.array_equal(first, photo("speck", 17)[0])
    assert not np.array_equal(first, photo("plain", 7)[0])


def test_every_condition_is_a_photo_of_the_clean_scans_digit():
    for i in range(10):
        labels = {clean_scan(i)[1]} | {photo(c, i)[1] for c in CONDITIONS}
        assert labels == {i % 10}


@pytest.mark.slow
def test_the_clean_scans_are_legible():
    """A generator of unreadable digits would make every condition look bad."""
    pictures, labels = condition_pictures("clean", seed=0)
    read = answers(pictures, handwriting.prepare, models.load_shipped(), models.shipped_temperature())
    assert np.mean(read == labels) >= 0.95
