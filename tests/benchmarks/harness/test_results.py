"""benchmarks/harness/results.py (the tables and files are also checked end to end in test_runner)."""

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
