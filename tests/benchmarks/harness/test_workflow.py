"""benchmarks/harness/workflow.py: the steps run, learning-curve and seeds share."""

import json
import os
import time

import pytest

from benchmarks.harness.curve import learning_curve
from benchmarks.harness.workflow import (Job, check_n_jobs, job_path, latest_out,
                                         make_splits, output_folder)
from tests.benchmarks.harness._data import color_dataset


def test_latest_out_reads_the_dataset_name_as_written_not_as_a_pattern(tmp_path):
    older, newer = tmp_path / "d*-20260101-000000", tmp_path / "dogs-20260102-000000"
    for folder in (older, newer):
        (folder / "rows").mkdir(parents=True)
    os.utime(older, (time.time() - 100, time.time() - 100))
    assert latest_out("d*", tmp_path) == older  # not the newer "dogs" folder
    with pytest.raises(FileNotFoundError, match="--resume found no earlier run of d\\?"):
        latest_out("d?", tmp_path)


def test_output_folder_without_out_is_new_and_with_resume_the_newest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fresh = output_folder(None, "tiny", "-curve")
    assert fresh.parent.name == "featbench-results" and fresh.name.startswith("tiny-curve-")
    (fresh / "points").mkdir(parents=True)
    assert output_folder(None, "tiny", "-curve", resume=True, holds="points") == fresh


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_check_n_jobs_names_the_option(bad):
    with pytest.raises((ValueError, TypeError), match="--n-jobs"):
        check_n_jobs(bad)


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


def test_test_mirrors_reach_the_rows_trained_on_mirrors_and_the_config():
    names = ["hog/svm", "pixels/knn", "pixels/cnn"]
    splits, config = make_splits(color_dataset(), names, None, 15, None, 0, "auto",
                                 test_mirrors=True)
    assert [splits[n].info.test_mirrors for n in names] == [True, False, True]
    assert config["test_mirrors"] is True
    _, plain = make_splits(color_dataset(), names, None, 15, None, 0, "auto")
    assert "test_mirrors" not in plain


@pytest.mark.parametrize("augment, names", [("none", ["hog/svm"]), ("auto", ["pixels/knn"]),
                                            ("shift", ["pixels/svm", "hog/svm"])])
def test_test_mirrors_without_a_row_trained_on_mirrors_is_a_usage_error(augment, names):
    with pytest.raises(ValueError, match=r"--test-mirrors .*--augment " + augment):
        make_splits(color_dataset(), names, None, 15, None, 0, augment, test_mirrors=True)
