"""benchmarks/harness/workflow.py: the steps run, learning-curve and seeds share."""

import os
import time

import pytest

from benchmarks.harness.workflow import check_n_jobs, latest_out, make_splits, output_folder
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
