import numpy as np
import pytest
from scipy.stats import binomtest, ttest_rel

from benchmarks.harness.stats import mcnemar, paired_difference, per_class_accuracy, wilson_interval


@pytest.mark.parametrize("k,n", [(0, 10), (10, 10), (37, 100), (500, 1017)])
def test_wilson_interval_contains_estimate_and_stays_in_unit_range(k, n):
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_interval_known_value():
    # Known answer: 81 of 263, 95%: 0.2553 to 0.3662 (Wilson, 1927 formula).
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-4) and high == pytest.approx(0.3662, abs=5e-4)


def test_wilson_interval_narrows_with_n():
    assert np.diff(wilson_interval(50, 100)) > np.diff(wilson_interval(500, 1000))


def test_wilson_interval_bad_input():
    with pytest.raises(ValueError, match="n_correct=5, n=3"):
        wilson_interval(5, 3)


def test_mcnemar_counts_and_exact_p():
    y = np.zeros(30, int)
    a = np.r_[np.zeros(20, int), np.ones(10, int)]   # right on 20
    b = np.r_[np.ones(12, int), np.zeros(18, int)]   # right on 18
    out = mcnemar(y, a, b)
    # a only: first 12 ; b only: last 10
    assert (out["a_only"], out["b_only"]) == (12, 10)
    assert out["p_value"] == pytest.approx(binomtest(12, 22, 0.5).pvalue)


def test_mcnemar_identical_predictions():
    y = np.arange(5)
    assert mcnemar(y, y, y) == {"a_only": 0, "b_only": 0, "p_value": 1.0}


def test_per_class_accuracy():
    acc = per_class_accuracy([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], 3)
    np.testing.assert_allclose(acc[:2], [0.5, 2 / 3])
    assert np.isnan(acc[2])


# -- paired differences over seeds ----------------------------------------------------


@pytest.mark.parametrize("seed,n", [(0, 2), (1, 4), (2, 10)])
def test_paired_difference_matches_scipy_paired_t(seed, n):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0.6, 0.8, n), rng.uniform(0.6, 0.8, n)
    out = paired_difference(a, b)
    ref = ttest_rel(a, b)
    ci = ref.confidence_interval(0.95)
    assert out["n"] == n and out["mean"] == pytest.approx(np.mean(a - b))
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert out["p_value"] == pytest.approx(ref.pvalue)
    assert out["a_ahead"] + out["b_ahead"] == n


def test_paired_difference_known_answer():
    # Differences 0.02, 0.03, 0.00: mean 0.0167, sd 0.0153, t(2) 97.5% = 4.3027.
    out = paired_difference([0.72, 0.74, 0.73], [0.70, 0.71, 0.73])
    half = 4.302653 * np.std([0.02, 0.03, 0.0], ddof=1) / np.sqrt(3)
    assert out["ci_low"] == pytest.approx(0.05 / 3 - half)
    assert (out["a_ahead"], out["b_ahead"]) == (2, 0)


def test_paired_difference_of_one_run_has_no_interval():
    out = paired_difference([0.7], [0.6])
    assert out["mean"] == pytest.approx(0.1) and out["a_ahead"] == 1
    assert all(np.isnan(out[k]) for k in ("sd", "ci_low", "ci_high", "p_value"))


@pytest.mark.parametrize("a,b,p", [([0.5, 0.6], [0.5, 0.6], 1.0), ([0.6, 0.7], [0.5, 0.6], 0.0)])
def test_paired_difference_of_constant_differences(a, b, p):
    out = paired_difference(a, b)
    assert out["p_value"] == p and out["ci_low"] == pytest.approx(out["ci_high"])


@pytest.mark.parametrize("a,b", [([0.5], [0.5, 0.6]), ([], []), ([[0.5]], [[0.5]])])
def test_paired_difference_refuses_unpaired_runs(a, b):
    with pytest.raises(ValueError, match="need two runs of equal length >= 1"):
        paired_difference(a, b)
