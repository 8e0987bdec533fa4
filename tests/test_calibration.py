"""What the best network gets wrong: confusion matrices, calibration and temperature scaling."""

import numpy as np
import pytest

from primitive_nn.calibration import (confusion_matrix, expected_calibration_error, fit_temperature,
                                      most_confused, per_class_accuracy, reliability)
from primitive_nn.loss import cross_entropy, one_hot, softmax
from primitive_nn.machinery import models


def test_the_confusion_matrix_counts_every_pair_once():
    rng = np.random.default_rng(0)
    labels, predictions = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    C = confusion_matrix(predictions, labels)
    assert C.sum() == 500 and C.sum(axis=1).tolist() == np.bincount(labels, minlength=10).tolist()
    for i, j in [(0, 0), (3, 7), (9, 2)]:
        assert C[i, j] == np.sum((labels == i) & (predictions == j))
    expected = [np.mean(predictions[labels == d] == d) for d in range(10)]
    assert np.allclose(per_class_accuracy(C), expected)


def test_most_confused_reads_the_largest_entries_off_the_diagonal():
    C = np.diag([50] * 4)
    C[3, 1], C[0, 2], C[2, 0] = 7, 4, 4
    assert most_confused(C, k=3) == [(3, 1, 7), (0, 2, 4), (2, 0, 4)]


def test_reliability_and_ece_agree_with_a_loop_over_the_answers():
    rng = np.random.default_rng(1)
    A = softmax(rng.normal(0, 3, (10, 2000)))
    labels = rng.integers(0, 10, 2000)
    counts, accuracy, confidence = reliability(A, labels, bins=10)
    c, right = A.max(axis=0), A.argmax(axis=0) == labels
    ece = 0.0
    for b in range(10):
        inside = (c >= b / 10) & ((c < (b + 1) / 10) if b < 9 else (c <= 1))
        assert counts[b] == inside.sum()
        if inside.any():
            assert accuracy[b] == pytest.approx(right[inside].mean())
            assert confidence[b] == pytest.approx(c[inside].mean())
            ece += inside.mean() * abs(right[inside].mean() - c[inside].mean())
    assert expected_calibration_error(A, labels, bins=10) == pytest.approx(ece)


def test_labels_drawn_from_the_probabilities_themselves_are_calibrated():
    rng = np.random.default_rng(2)
    A = softmax(rng.normal(0, 2, (10, 50_000)))
    labels = (rng.random(50_000) > np.cumsum(A, axis=0)).sum(axis=0)   # label ~ A[:, j]
    assert expected_calibration_error(A, labels) < 0.01
    assert expected_calibration_error(softmax(3 * np.log(A)), labels) > 0.05  # sharpened: not


@pytest.mark.parametrize("true_T", [0.5, 1.0, 3.0])
def test_the_fitted_temperature_is_the_minimum_of_the_cross_entropy(true_T):
    rng = np.random.default_rng(3)
    Z = rng.normal(0, 2, (10, 20_000))
    labels = (rng.random(20_000) > np.cumsum(softmax(Z), axis=0)).sum(axis=0)
    T = fit_temperature(Z * true_T, labels)
    assert T == pytest.approx(true_T, rel=0.05)
    Y = one_hot(labels)
    loss = lambda t: cross_entropy(softmax(Z * true_T / t), Y)
    assert loss(T) < min(loss(0.97 * T), loss(1.03 * T))


def test_the_fitted_temperature_stays_positive_when_every_answer_is_right():
    labels = np.arange(10).repeat(5)
    Z = 20 * one_hot(labels)                    # separable: the loss falls as T falls
    T = fit_temperature(Z, labels)
    assert 0 < T < 1 and np.isfinite(T)


def test_probabilities_divide_the_logits_by_the_temperature():
    rng = np.random.default_rng(4)
    params = {"W1": rng.normal(0, 0.1, (10, 784)), "b1": np.zeros((10, 1))}
    X = rng.random((784, 5))
    Z = params["W1"] @ X
    assert np.allclose(models.probabilities(params, X, 2.5), softmax(Z / 2.5))
    assert np.allclose(models.probabilities(params, X), softmax(Z))


def test_the_shipped_networks_record_a_temperature_fitted_on_held_out_images():
    manifest = models.read_manifest()   # the convnet once the book command has written it
    assert {"predict", "seed"} <= set(manifest["networks"]) <= set(models.NAMES)
    for name in manifest["networks"]:
        T = manifest["networks"][name]["temperature"]
        assert 0.2 < T < 5 and models.shipped_temperature(name) == T
