"""benchmarks/harness/results.py (the tables and files are also checked end to end in test_runner)."""

import numpy as np
import pytest

from benchmarks.harness.results import augment_note


@pytest.mark.parametrize("config, note", [
    ({"augment": "none"}, ""),
    ({}, ""),
    ({"augment": "hflip"}, ", fit part augmented by horizontal flips"),
    ({"augment": "shift", "shift_pixels": 2}, ", fit part augmented by 2-pixel shifts"),
    ({"augment": "hflip+shift", "shift_pixels": 1},
     ", fit part augmented by horizontal flips and 1-pixel shifts"),
    ({"augment": "hflip+shift", "augment_in_batches": True, "shift_pixels": 2},
     ", fit part augmented by horizontal flips and 2-pixel shifts drawn per mini-batch"),
    ({"augment": "hflip", "augment_per_batch": "hflip+shift", "shift_pixels": 2},
     ", fit part augmented by horizontal flips "
     "(raw-pixel rows: horizontal flips and 2-pixel shifts drawn per mini-batch)"),
    ({"augment": "none", "augment_per_batch": "shift", "shift_pixels": 1},
     ", fit part not augmented (raw-pixel rows: 1-pixel shifts drawn per mini-batch)"),
    ({"augment": "hflip", "augment_per_batch": "none"},
     ", fit part augmented by horizontal flips (raw-pixel rows: none)"),
    ({"augment": "hflip", "augment_per_batch": "hflip+shift", "shift_pixels": 2,
      "augment_knn": "none"},
     ", fit part augmented by horizontal flips (raw-pixel rows: horizontal flips and "
     "2-pixel shifts drawn per mini-batch; kNN: none)"),
    ({"augment": "hflip", "augment_knn": "none"},
     ", fit part augmented by horizontal flips (kNN: none)"),
])
def test_augment_note_names_every_applied_augmentation(config, note):
    assert augment_note(config) == note


def test_frame_of_rows_without_the_newer_columns_leaves_them_empty():
    from benchmarks.harness.results import SCALAR_COLUMNS, _display_frame, rows_to_frame

    row = {k: 0 for k in SCALAR_COLUMNS if k not in ("fit_images", "augment")}
    row.update(pipeline="hog/svm", per_class_accuracy={"cat": 0.5})
    frame = rows_to_frame([row])
    assert frame["fit_images"].isna().all() and frame["augment"].isna().all()
    assert _display_frame(frame)["fit images"].isna().all()
    assert _display_frame(frame)["augment"].isna().all()


def test_peak_column_is_each_row_s_largest_phase_in_gb():
    from benchmarks.harness.results import SCALAR_COLUMNS, _display_frame, rows_to_frame

    gb = 1024 ** 3
    base = {k: 0 for k in SCALAR_COLUMNS}
    rows = [{**base, "pipeline": "hog/svm", "per_class_accuracy": {"cat": 0.5},
             "peak_rss": {"features": gb, "fit": 3 * gb, "predict": 2 * gb, "process": 8 * gb}},
            {**base, "pipeline": "bovw/svm", "per_class_accuracy": {"cat": 0.5},
             "peak_rss": None}]
    frame = rows_to_frame(rows)
    assert frame["peak_rss"].tolist()[0] == 3 * gb and np.isnan(frame["peak_rss"].tolist()[1])
    shown = _display_frame(frame)["peak GB"].tolist()
    assert shown[0] == 3.0 and np.isnan(shown[1])


def test_results_md_explains_the_peak_column():
    from benchmarks.harness.results import render_markdown, rows_to_frame

    md = render_markdown(rows_to_frame([]), None, {"dataset": "d", "train_size": 1,
                                                   "val_size": 0, "test_size": 1, "seed": 0})
    assert "`peak GB` is the most resident memory a row's process held" in md
