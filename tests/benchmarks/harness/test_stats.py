import numpy as np
import pytest
from scipy.stats import binomtest

from benchmarks.harness.stats import mcnemar, per_class_accuracy, wilson_interval


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
