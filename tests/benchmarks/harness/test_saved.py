"""benchmarks/harness/saved.py: saved work read back defensively."""

import json

import pytest

from benchmarks.harness.saved import (COUNT, POINT_FIELDS, ROW_FIELDS, DamagedFileError,
                                      check_fields, load_json, read_saved)

_POINT = {"pipeline": "hog/svm", "train_size": 500, "accuracy": 0.5, "ci_low": 0.4,
          "ci_high": 0.6, "val_accuracy": 0.5, "fit_images": 900, "fit_time": 1.5,
          "config": {"seed": 0}}


@pytest.mark.parametrize("text, reason", [
    ("[" * 200_000 + "]" * 200_000, "nested too deep"), ("{", "Expecting"),
    (b"\xff", "can't decode")])
def test_load_json_names_the_file_and_the_reason(tmp_path, text, reason):
    path = tmp_path / "x.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(DamagedFileError, match=rf"{path} is damaged \(.*{reason}"):
        load_json(path)


@pytest.mark.parametrize("change, reason", [
    (dict(accuracy=None), "accuracy is None, not a number in"),
    (dict(accuracy="0.5"), "accuracy is '0.5', not a number in"),
    (dict(accuracy=1.2), "accuracy is 1.2, not a number in \\[0, 1\\]"),
    (dict(accuracy=float("nan")), "accuracy is nan"),
    (dict(fit_images=True), "fit_images is True, not a whole number"),
    (dict(fit_time=-1), "fit_time is -1, not a number in \\[0, inf\\]"),
    (dict(train_size=2.5), "train_size is 2.5, not a whole number"),
])
def test_a_point_with_a_bad_field_is_damaged(change, reason):
    with pytest.raises(ValueError, match=reason):
        check_fields({**_POINT, **change}, dict(POINT_FIELDS, train_size=COUNT))


def test_a_point_without_its_accuracy_is_damaged_not_blank(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({k: v for k, v in _POINT.items() if k != "accuracy"}))
    assert read_saved(path, POINT_FIELDS) is None
    err = capsys.readouterr().err
    assert f"{path} is damaged (no accuracy); computing it again." in err


def test_a_good_point_is_read_as_saved(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_POINT))
    assert read_saved(path, POINT_FIELDS, {"train_size": COUNT}) == _POINT


def test_row_fields_name_what_the_table_reads():
    assert {"accuracy", "ci_low", "ci_high", "per_class_accuracy", "predictions"} <= set(
        ROW_FIELDS)


def test_a_setting_is_type_checked_before_it_is_compared(tmp_path, capsys):
    from benchmarks.harness.saved import equal_to

    path = tmp_path / "p.json"
    path.write_text(json.dumps({**_POINT, "seed": True}))  # True == 1 in Python
    assert read_saved(path, dict(POINT_FIELDS, seed=COUNT), {"seed": equal_to(1)}) is None
    assert "seed is True, not a whole number" in capsys.readouterr().err
