"""benchmarks/harness/jobs.py: what each job saves, and what --resume reads back."""

import json

import pytest

from benchmarks.harness.curve import learning_curve
from benchmarks.harness.jobs import Job, job_path
from tests.benchmarks.harness._data import color_dataset


def test_a_job_keeps_the_whole_row_or_the_points_fields(tmp_path):
    row = {"pipeline": "a", "accuracy": 0.5, "predictions": [1]}
    assert Job(tmp_path, "a", None, {}).record(row) == row
    point = Job(tmp_path, "a", None, {}, {"seed": 3}, ("accuracy",))
    assert point.record(row) == {"pipeline": "a", "seed": 3, "accuracy": 0.5}
    assert job_path(tmp_path, "points", "hog+color/svm", "seed3").name == "hog+color-svm-seed3.json"


@pytest.mark.parametrize("damage", [
    lambda doc: {k: v for k, v in doc.items() if k != "accuracy"},
    lambda doc: {**doc, "accuracy": "0.9"},
    lambda doc: {**doc, "accuracy": 7},
    lambda doc: {**doc, "train_size": 61},
], ids=["no-accuracy", "string-accuracy", "out-of-range", "other-size"])
def test_a_damaged_point_is_computed_again_never_a_blank(tmp_path, damage, capsys):
    kw = dict(sizes=(30, None), val_size=15, out=tmp_path / "lc", cache_dir=tmp_path / "c",
              quiet=True)
    first = learning_curve(color_dataset(), ["color/svm"], **kw)
    path = tmp_path / "lc" / "points" / "color-svm-30.json"
    path.write_text(json.dumps(damage(json.loads(path.read_text()))))
    again = learning_curve(color_dataset(), ["color/svm"], resume=True, **kw)
    assert f"{path} is damaged" in capsys.readouterr().err
    assert again["accuracy"].notna().all()
    assert again["accuracy"].tolist() == first["accuracy"].tolist()
