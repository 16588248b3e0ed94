"""Who leads a learning curve at each size, by how much, and where a learner overtakes.

Read by :func:`~benchmarks.harness.curve.learning_curve`, which adds both
tables to ``learning-curve.md``: :func:`leaders` (at each size the best point,
the runner-up, the margin and McNemar's test of the two on the same test
images) and :func:`overtakes` (from which size on a learned row stays ahead
of each classic row).
"""

import numpy as np
import pandas as pd

from benchmarks.harness.stats import mcnemar

__all__ = ["leaders", "overtakes", "crossing_markdown"]


def leaders(points, y_test):
    """The leader and the runner-up at each training size.

    Parameters
    ----------
    points : pandas.DataFrame
        One row per point: ``pipeline``, ``train_size``, ``accuracy``,
        ``ci_low``, ``ci_high`` and ``predictions`` (the test predictions).
    y_test : array-like of shape (n_test,)

    Returns
    -------
    pandas.DataFrame
        One row per size with two points or more: ``train_size``,
        ``leader``, ``accuracy``, ``ci_low``, ``ci_high``, ``runner_up``,
        ``runner_up_accuracy``, ``margin`` (leader less runner-up),
        ``leader_only`` and ``runner_up_only`` (test images only that one gets
        right) and ``p_value`` (exact McNemar). Ties go to the pipeline listed
        first.

    Examples
    --------
    >>> y = np.array([0, 1, 1, 0])
    >>> pts = pd.DataFrame({"pipeline": ["a", "b"], "train_size": [10, 10],
    ...                     "accuracy": [0.5, 0.75], "ci_low": [0.1, 0.3],
    ...                     "ci_high": [0.9, 0.95],
    ...                     "predictions": [[0, 0, 0, 0], [0, 1, 1, 1]]})
    >>> row = leaders(pts, y).iloc[0]
    >>> row["leader"], row["runner_up"], float(row["margin"]), int(row["leader_only"])
    ('b', 'a', 0.25, 2)
    """
    rows = []
    for size, group in points.groupby("train_size", sort=True):
        # A stable sort keeps the listed order among equal accuracies.
        ranked = group.sort_values("accuracy", ascending=False, kind="stable")
        if len(ranked) < 2:
            continue
        first, second = ranked.iloc[0], ranked.iloc[1]
        test = mcnemar(y_test, first["predictions"], second["predictions"])
        rows.append({"train_size": size, "leader": first["pipeline"],
                     "accuracy": first["accuracy"], "ci_low": first["ci_low"],
                     "ci_high": first["ci_high"], "runner_up": second["pipeline"],
                     "runner_up_accuracy": second["accuracy"],
                     "margin": first["accuracy"] - second["accuracy"],
                     "leader_only": test["a_only"], "runner_up_only": test["b_only"],
                     "p_value": test["p_value"]})
    return pd.DataFrame(rows)


def overtakes(points, learner, others):
    """For each row of ``others``, the smallest size from which ``learner`` stays ahead.

    Parameters
    ----------
    points : pandas.DataFrame
        ``pipeline``, ``train_size`` and ``accuracy`` of each point.
    learner : str
        The row that may overtake (the ConvNet).
    others : sequence of str
        The rows it is compared with (the classic rows).

    Returns
    -------
    dict
        Row name -> the first size at which ``learner`` is strictly ahead and
        stays strictly ahead at every larger size both have; None where it is
        not ahead at the largest such size, or where the two share no size.

    Examples
    --------
    >>> pts = pd.DataFrame({"pipeline": ["cnn"] * 3 + ["hog"] * 3 + ["bovw"] * 3,
    ...                     "train_size": [100, 200, 400] * 3,
    ...                     "accuracy": [0.3, 0.5, 0.7, 0.4, 0.45, 0.5, 0.5, 0.6, 0.72]})
    >>> overtakes(pts, "cnn", ["hog", "bovw"])
    {'hog': 200, 'bovw': None}
    """
    wide = points.pivot(index="train_size", columns="pipeline", values="accuracy").sort_index()
    found = {}
    for name in others:
        if learner not in wide or name not in wide:
            found[name] = None
            continue
        both = wide[[learner, name]].dropna()
        ahead = (both[learner] > both[name]).to_numpy()
        if not len(ahead) or not ahead[-1]:
            found[name] = None
            continue
        # The last size at which the learner was not ahead; it leads from the next on.
        behind = np.flatnonzero(~ahead)
        found[name] = int(both.index[behind[-1] + 1 if len(behind) else 0])
    return found


def crossing_markdown(points, y_test, learner, others):
    """Both tables of the learning curve's page, as markdown.

    Examples
    --------
    >>> pts = pd.DataFrame({"pipeline": ["cnn", "hog"], "train_size": [10, 10],
    ...                     "accuracy": [0.75, 0.5], "ci_low": [0.3, 0.1],
    ...                     "ci_high": [0.95, 0.9],
    ...                     "predictions": [[0, 1, 1, 1], [0, 0, 0, 0]]})
    >>> print(crossing_markdown(pts, [0, 1, 1, 0], "cnn", ["hog"]).splitlines()[-1])
    - cnn is ahead of hog from 10 training images on.
    """
    from benchmarks.harness.results import markdown_table

    table = leaders(points, y_test)
    if table.empty:
        return ""
    shown = pd.DataFrame({
        "train_size": table["train_size"], "leader": table["leader"],
        "accuracy (95% CI)": [f"{a:.3f} ({lo:.3f}-{hi:.3f})" for a, lo, hi in
                              zip(table["accuracy"], table["ci_low"], table["ci_high"])],
        "runner-up": [f"{n} ({a:.3f})" for n, a in zip(table["runner_up"],
                                                       table["runner_up_accuracy"])],
        "margin": [f"{m:+.3f}" for m in table["margin"]],
        "only leader / only runner-up right": [
            f"{a} / {b}" for a, b in zip(table["leader_only"], table["runner_up_only"])],
        "McNemar p": [f"{p:.2g}" for p in table["p_value"]]})
    lines = ["Leader at each size, against the runner-up on the same test images:", "",
             markdown_table(shown), ""]
    if learner in set(points["pipeline"]):
        for name, size in overtakes(points, learner, others).items():
            lines.append(f"- {learner} is ahead of {name} from {size} training images on."
                         if size is not None else
                         f"- {learner} is not ahead of {name} at the largest size.")
    return "\n".join(lines) + "\n"
