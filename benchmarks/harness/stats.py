"""Statistics for the comparison tables: accuracy intervals, McNemar's test on one
test set, and paired differences across seeds."""

import numpy as np
from scipy.stats import binomtest, norm, t, ttest_rel

__all__ = ["wilson_interval", "mcnemar", "per_class_accuracy", "paired_difference"]


def wilson_interval(n_correct, n, confidence=0.95):
    """Wilson score interval of a proportion.

    Better than the normal approximation for small ``n`` and proportions near
    0 or 1, and never leaves [0, 1].

    Parameters
    ----------
    n_correct : int
        Successes (correct predictions).
    n : int
        Trials (test images), > 0.
    confidence : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    (low, high) : tuple of float

    Raises
    ------
    ValueError
        If ``n <= 0`` or ``n_correct`` is not in [0, n].

    Examples
    --------
    >>> [round(float(v), 3) for v in wilson_interval(50, 100)]
    [0.404, 0.596]
    """
    if n <= 0 or not 0 <= n_correct <= n:
        raise ValueError(f"need 0 <= n_correct <= n and n > 0; got n_correct={n_correct}, n={n}.")
    z = norm.ppf(0.5 + confidence / 2)
    p = n_correct / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # The bounds are exactly 0 and 1 at the extremes; floating point may miss them.
    low = 0.0 if n_correct == 0 else max(0.0, center - half)
    high = 1.0 if n_correct == n else min(1.0, center + half)
    return low, high


def mcnemar(y_true, pred_a, pred_b):
    """Exact McNemar test of two classifiers on the same test set.

    Parameters
    ----------
    y_true, pred_a, pred_b : array-like of shape (n,)
        True labels and the two classifiers' predictions.

    Returns
    -------
    dict
        ``a_only`` (images only A gets right), ``b_only``, and ``p_value``
        (two-sided exact binomial test of a_only against b_only; 1.0 when
        they never disagree).

    Examples
    --------
    >>> mcnemar([0, 1, 1, 0], [0, 1, 1, 1], [1, 0, 1, 1])["a_only"]
    2
    """
    y_true, pred_a, pred_b = map(np.asarray, (y_true, pred_a, pred_b))
    right_a, right_b = pred_a == y_true, pred_b == y_true
    a_only = int(np.sum(right_a & ~right_b))
    b_only = int(np.sum(~right_a & right_b))
    n = a_only + b_only
    p = 1.0 if n == 0 else float(binomtest(a_only, n, 0.5).pvalue)
    return {"a_only": a_only, "b_only": b_only, "p_value": p}


def per_class_accuracy(y_true, y_pred, n_classes):
    """Fraction of each class's test images predicted correctly (its recall).

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n,)
        True and predicted labels, in ``[0, n_classes)``.
    n_classes : int
        Number of classes: the length of the result.

    Returns
    -------
    ndarray of shape (n_classes,)
        NaN for a class absent from ``y_true``.

    Examples
    --------
    >>> per_class_accuracy([0, 0, 1, 1], [0, 1, 1, 1], n_classes=3).tolist()
    [0.5, 1.0, nan]
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    totals = np.bincount(y_true, minlength=n_classes).astype(float)
    hits = np.bincount(y_true[y_true == y_pred], minlength=n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, hits / totals, np.nan)


def paired_difference(a, b, confidence=0.95):
    """Mean of ``a - b`` over paired runs (seeds), with Student's t interval.

    Parameters
    ----------
    a, b : array-like of shape (n,)
        The two pipelines' accuracies, run ``i`` of each on the same split.
    confidence : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    dict
        ``n``, ``mean`` and ``sd`` of the differences, ``ci_low`` and
        ``ci_high`` (NaN with fewer than 2 runs), ``a_ahead`` and ``b_ahead``
        (runs where that one is strictly higher) and ``p_value`` of the
        two-sided paired t-test (NaN with fewer than 2 runs; 1.0 when every
        difference is 0, 0.0 when all are the same other value).

    Raises
    ------
    ValueError
        If ``a`` and ``b`` differ in length or are empty.

    Examples
    --------
    >>> d = paired_difference([0.72, 0.74, 0.73], [0.70, 0.71, 0.73])
    >>> round(d["mean"], 4), d["a_ahead"], d["b_ahead"]
    (0.0167, 2, 0)
    >>> [round(float(d[k]), 4) for k in ("ci_low", "ci_high")]
    [-0.0213, 0.0546]
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"need two runs of equal length >= 1; got shapes {a.shape} and "
                         f"{b.shape}.")
    diff = a - b
    n, mean = len(diff), float(diff.mean())
    out = {"n": n, "mean": mean, "sd": float("nan"), "ci_low": float("nan"),
           "ci_high": float("nan"), "a_ahead": int(np.sum(diff > 0)),
           "b_ahead": int(np.sum(diff < 0)), "p_value": float("nan")}
    if n < 2:
        return out
    sd = float(diff.std(ddof=1))
    half = float(t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
    if sd == 0:  # every run differs by the same amount: t is 0 or infinite
        p_value = 1.0 if mean == 0 else 0.0
    else:
        p_value = float(ttest_rel(a, b).pvalue)
    out.update(sd=sd, ci_low=mean - half, ci_high=mean + half, p_value=p_value)
    return out
