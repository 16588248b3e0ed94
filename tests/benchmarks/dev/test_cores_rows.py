"""The cores benchmark's per-row tables of the run phase: accuracy and seconds from known values."""

import numpy as np
import pandas as pd

from benchmarks.dev import cores_rows


def test_accuracy_table_says_which_rows_print_the_same_at_every_core_count():
    acc = {1: [{"a": 0.7004, "b": 0.50}, {"a": 0.7001, "b": 0.50}],
           2: [{"a": 0.6996, "b": 0.5004}, {"a": 0.7003, "b": 0.501}],
           4: [{"a": 0.7002}]}
    table = cores_rows.accuracy_table(acc).set_index("pipeline")
    assert table.loc["a"].tolist() == ["0.700", "0.700", "0.700", "yes"]  # 0.6996 prints 0.700
    # Rounds that disagree are both shown; a row missing from a run is named.
    assert table.loc["b"].tolist() == ["0.500", "0.500 / 0.501", "missing", "no"]


def test_row_seconds_add_features_fit_and_prediction_per_row():
    results = pd.DataFrame({"pipeline": ["a", "b"], "feature_time": [1.0, 0.0],
                            "fit_time": [2.0, 5.0], "predict_time": [0.25, 1.0],
                            "accuracy": [0.5, 0.6]})
    assert cores_rows.row_seconds(results) == {"a": 3.25, "b": 6.0}


def test_row_seconds_table_pairs_rounds_and_totals_the_rows():
    # Round ratios 2.0 and 4.0 for a: the median of the per-round ratios, not of the times.
    seconds = {1: [{"a": 4.0, "b": 3.0}, {"a": 8.0, "b": 3.0}, {"a": 6.0, "b": 3.0}],
               2: [{"a": 2.0, "b": 3.0}, {"a": 2.0, "b": 1.0}, {"a": 2.0, "b": 3.0}],
               4: [{"a": 1.0, "b": 1.0}, {"a": 1.0, "b": 1.0}, {"a": 1.0, "b": 1.0}]}
    table = cores_rows.row_seconds_table(seconds).set_index("pipeline")
    assert table.columns.tolist() == ["1 core", "2 cores", "4 cores", "speedup 2", "speedup 4"]
    assert table.loc["a"].tolist() == [6.0, 2.0, 1.0, 3.0, 6.0]
    assert table.loc["b"].tolist() == [3.0, 3.0, 1.0, 1.0, 3.0]
    # Per-round sums: 7, 11, 9 on one core; 5, 3, 5 on two.
    assert table.loc["all rows"].tolist() == [9.0, 5.0, 2.0, 1.8, 4.5]


def test_row_seconds_table_leaves_a_missing_row_without_a_speedup():
    table = cores_rows.row_seconds_table({1: [{"a": 2.0, "b": 1.0}], 2: [{"a": 1.0}]})
    assert np.isnan(table.set_index("pipeline").loc["b", "speedup 2"])
