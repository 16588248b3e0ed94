"""The rows of the ``cores`` benchmark's ``run`` phase: each row's accuracy and seconds.

:func:`accuracy_table` says whether a row prints the same accuracy at every
core count (issue 29: only the last bits of float sums may change with the
cores); :func:`row_seconds_table` says where the run's time goes at each
count, row by row, so that a run short of its speedup names the rows that
hold it back.
"""

import numpy as np
import pandas as pd

from benchmarks.dev._timing import ratio_quartiles

__all__ = ["accuracy_table", "row_seconds_table", "row_seconds"]


def _names(per_count):
    return list(dict.fromkeys(n for rounds in per_count.values() for r in rounds for n in r))


def accuracy_table(accuracy, decimals=3):
    """Each row's accuracy at every core count, and whether all equal at ``decimals``.

    Parameters
    ----------
    accuracy : dict of int to list of dict
        For each core count, one ``{pipeline: accuracy}`` per round of the
        ``run`` phase.
    decimals : int, default=3
        The printed precision of featbench's tables.

    Returns
    -------
    table : DataFrame
        One row per pipeline: its accuracy at each core count (a column named
        by the count; rounds that disagree are joined by ``/``) and ``same``,
        "yes" when every round at every count prints the same value.

    Examples
    --------
    >>> acc = {1: [{"a": 0.51234, "b": 0.7}], 2: [{"a": 0.51236, "b": 0.701}]}
    >>> accuracy_table(acc).values.tolist()
    [['a', '0.512', '0.512', 'yes'], ['b', '0.700', '0.701', 'no']]
    """
    rows = []
    for name in _names(accuracy):
        printed = {c: list(dict.fromkeys(f"{r[name]:.{decimals}f}" if name in r else "missing"
                                         for r in rounds))
                   for c, rounds in sorted(accuracy.items())}
        same = len({v for values in printed.values() for v in values}) == 1
        rows.append({"pipeline": name, **{str(c): " / ".join(v) for c, v in printed.items()},
                     "same": "yes" if same else "no"})
    return pd.DataFrame(rows)


def row_seconds(results):
    """``{pipeline: seconds}`` of a run's ``results.csv`` (features + fit + prediction).

    Examples
    --------
    >>> row_seconds(pd.DataFrame({"pipeline": ["a"], "feature_time": [1.0],
    ...                           "fit_time": [2.5], "predict_time": [0.5]}))
    {'a': 4.0}
    """
    total = results["feature_time"] + results["fit_time"] + results["predict_time"]
    return dict(zip(results["pipeline"], total.astype(float)))


def _cores(count):
    return f"{count} core" if count == 1 else f"{count} cores"


def row_seconds_table(seconds):
    """Each row's median seconds at every core count, its speedup, and the rows' total.

    Parameters
    ----------
    seconds : dict of int to list of dict
        For each core count (1 among them), one ``{pipeline: seconds}`` per
        round of the ``run`` phase (:func:`row_seconds`).

    Returns
    -------
    table : DataFrame
        One row per pipeline, then ``all rows`` (their sum in each round):
        ``1 core`` and ``<c> cores``, the median seconds at each count, and
        ``speedup <c>`` for each count above 1, the median per-round ratio of
        the 1-core seconds to these (NaN for a row missing from a round).

    Examples
    --------
    >>> s = {1: [{"a": 4.0, "b": 2.0}, {"a": 6.0, "b": 3.0}],
    ...      2: [{"a": 2.0, "b": 2.0}, {"a": 3.0, "b": 3.0}]}
    >>> row_seconds_table(s).values.tolist()
    [['a', 5.0, 2.5, 2.0], ['b', 2.5, 2.5, 1.0], ['all rows', 7.5, 5.0, 1.5]]
    """
    counts = sorted(seconds)
    names = _names(seconds)
    per = {c: np.array([[r.get(n, np.nan) for n in names] for r in seconds[c]], float)
           for c in counts}
    rows = []
    for i, name in enumerate(names + ["all rows"]):
        values = {c: (per[c].sum(axis=1) if name == "all rows" else per[c][:, i])
                  for c in counts}
        row = {"pipeline": name, **{_cores(c): float(np.median(values[c])) for c in counts}}
        for c in counts[1:]:
            row[f"speedup {c}"] = ratio_quartiles(values[1], values[c])[1]
        rows.append(row)
    return pd.DataFrame(rows)
