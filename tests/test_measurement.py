"""The measurement chapter's formulas, checked by simulation."""

import numpy as np
import pytest

from primitive_nn.measurement import binomial_se, is_real, paired_difference, t_critical


def test_binomial_se_is_the_spread_of_simulated_accuracies():
    rng = np.random.default_rng(0)
    p, n = 0.975, 5_000
    accuracies = rng.binomial(n, p, size=20_000) / n
    assert accuracies.std() == pytest.approx(binomial_se(p, n), rel=0.03)


@pytest.mark.parametrize("k", [3, 5, 10])
def test_the_paired_t_test_is_wrong_five_times_in_a_hundred_under_no_difference(k):
    """Equal settings, normal seed-to-seed noise: |t| passes t_critical in about 5% of trials."""
    rng = np.random.default_rng(k)
    trials, critical = 20_000, t_critical(k - 1)
    shared = rng.normal(0.97, 0.004, size=(trials, k))  # what the seed does to both settings
    a = shared + rng.normal(0, 0.001, size=(trials, k))
    b = shared + rng.normal(0, 0.001, size=(trials, k))
    t = np.array([paired_difference(x, y)["t"] for x, y in zip(a, b)])
    assert np.mean(np.abs(t) > critical) == pytest.approx(0.05, abs=0.006)


def test_t_critical_approaches_the_normal_point_for_many_seeds():
    assert t_critical(2) > t_critical(5) > t_critical(100) > 1.96
    assert t_critical(1000) == pytest.approx(1.962, abs=0.002)


def test_paired_difference_removes_what_the_seeds_share():
    seeds = np.array([0.960, 0.975, 0.985])  # a large seed-to-seed spread, shared
    d = paired_difference(seeds + 0.004 + np.array([0.0, 0.0005, -0.0005]), seeds)
    assert d["mean"] == pytest.approx(0.004) and d["sd"] < 0.001


def test_the_rule_needs_three_seeds_and_the_same_number_of_each():
    with pytest.raises(ValueError, match="3 or more seeds"):
        is_real([0.98, 0.97], [0.96, 0.95], n_images=10_000)
    with pytest.raises(ValueError, match="3 or more seeds"):
        is_real([0.98, 0.97, 0.99], [0.96, 0.95], n_images=10_000)
