"""The one-core rows of a run side by side in worker processes, and the same numbers."""

import json
import os

import pytest

from benchmarks.harness.jobs import job_path
from benchmarks.harness.runner import run_benchmark
from benchmarks.harness import side_by_side
from benchmarks.harness.scheduler import LocalRunner, usable_cores
from benchmarks.harness.side_by_side import (one_core_row, run_side_by_side,
                                             side_by_side_workers)
from tests.benchmarks.harness._data import color_dataset, tiny_split

ONE_CORE = "pixels/svm,pixels/softmax,hog+color/svm,ref:pixels/logreg,ref:hog+color/linearsvc"


def record(name, split, cache, **kwargs):
    """A row that says where it ran and with which thread pools (module level: picklable)."""
    from threadpoolctl import threadpool_info

    if name == "ref:pixels/logreg" and cache == "fail":
        raise ZeroDivisionError("this row fails")
    threads = sorted({pool["num_threads"] for pool in threadpool_info()})
    return {"name": name, "pid": os.getpid(), "threads": threads, "first": int(split.y_fit[0]),
            **kwargs}


@pytest.mark.parametrize("name, search, expected", [
    ("pixels/svm", False, True), ("pixels/softmax", False, True),
    ("ref:pixels/logreg", False, True), ("hog+color/svm", False, True),
    ("ref:hog+color/linearsvc", False, True), ("ref:pixels/linearsvc", False, True),
    ("pixels/svm", True, False), ("hog/svm", True, False), ("bovw/svm", False, False),
    ("all/softmax", False, False), ("pixels/mlp", False, False), ("pixels/knn", False, False),
    ("pixels/cnn", False, False), ("ref:pixels/mlp", False, False),
    ("ref:pixels/cnn", False, False), ("hog+color/mlp", False, False)])
def test_one_core_rows_are_linear_models_on_quick_features_without_a_search(name, search, expected):
    assert one_core_row(name, search) is expected


@pytest.mark.parametrize("cores, n_jobs, available, expected", [
    (2, 3, None, 2), (8, 3, None, 3), (1, 3, None, 1), (4, 1, None, 1),
    (4, 3, 1024, 1), (None, 3, None, 1)])
def test_workers_are_held_to_the_cores_the_rows_and_the_memory(cores, n_jobs, available,
                                                               expected):
    jobs = [(i, "pixels/svm", tiny_split(i)) for i in range(n_jobs)]
    assert side_by_side_workers(jobs, cores, available=available) == expected


def test_each_row_lands_once_computed_in_a_worker_with_one_thread_everywhere():
    jobs = [(f"k{i}", name, tiny_split(i)) for i, name in enumerate(ONE_CORE.split(","))]
    rows = list(run_side_by_side(record, jobs, "C", 2, search=False))
    assert sorted(key for key, _, _ in rows) == [f"k{i}" for i in range(len(jobs))]
    for key, row, failure in rows:
        _, name, split = jobs[int(key[1])]
        assert failure is None and row["name"] == name
        assert row["first"] == int(split.y_fit[0])
        assert row["pid"] != os.getpid() and row["threads"] == [1]
        assert (row["search"], row["n_jobs"], row["progress"]) == (False, 1, None)


def test_an_error_in_a_worker_is_raised_here():
    jobs = [(f"k{i}", name, tiny_split(i)) for i, name in enumerate(ONE_CORE.split(","))]
    with pytest.raises(ZeroDivisionError, match="this row fails"):
        list(run_side_by_side(record, jobs, "fail", 2))


@pytest.mark.parametrize("n_jobs", [2, -1])
def test_the_local_runner_runs_one_core_rows_first_and_the_others_here(n_jobs):
    if n_jobs == -1 and (os.cpu_count() or 1) < 2:
        pytest.skip("one core: -1 means one job, nothing runs side by side")
    names = ["hog+color/mlp", "pixels/svm", "pixels/cnn", "pixels/softmax"]
    jobs = [(name, name, tiny_split()) for name in names]
    rows = list(LocalRunner(side_by_side=True).run(record, jobs, "C", n_jobs=n_jobs))
    assert sorted(key for key, _, _ in rows[:2]) == ["pixels/softmax", "pixels/svm"]
    assert [key for key, _, _ in rows[2:]] == ["hog+color/mlp", "pixels/cnn"]
    assert all(row["pid"] != os.getpid() and row["n_jobs"] == 1 for _, row, _ in rows[:2])
    assert all(row["pid"] == os.getpid() and row["n_jobs"] == n_jobs for _, row, _ in rows[2:])


@pytest.mark.parametrize("runner", [LocalRunner(side_by_side=True), LocalRunner()])
def test_one_job_or_one_core_runs_everything_here_in_order(runner):
    jobs = [(name, name, tiny_split()) for name in ["pixels/svm", "bovw/svm", "pixels/softmax"]]
    for n_jobs in (None, 1):
        rows = list(runner.run(record, jobs, "C", n_jobs=n_jobs))
        assert [key for key, _, _ in rows] == ["pixels/svm", "bovw/svm", "pixels/softmax"]
        assert all(row["pid"] == os.getpid() for _, row, _ in rows)
    rows = list(runner.run(record, jobs[:2], "C", n_jobs=2))  # one one-core row
    assert all(row["pid"] == os.getpid() for _, row, _ in rows)


def test_rows_side_by_side_equal_rows_run_here(tmp_path, monkeypatch):
    if usable_cores() < 2:
        pytest.skip("one core: --n-jobs 2 is lowered to 1 and nothing runs side by side")
    beside = []
    monkeypatch.setattr(side_by_side, "run_side_by_side",
                        lambda *args, **kwargs: beside.append(args[1]) or run_side_by_side(
                            *args, **kwargs))
    rows = {}
    for n_jobs in (1, 2):
        out = tmp_path / str(n_jobs)
        frame = run_benchmark(color_dataset(), ONE_CORE, n_jobs=n_jobs, out=out,
                              use_cache=False, quiet=True, make_plots=False)
        assert frame["pipeline"].tolist() == ONE_CORE.split(",")
        rows[n_jobs] = {name: json.loads(job_path(out, "rows", name).read_text())
                        for name in frame["pipeline"]}
    for name, here in rows[1].items():
        for field in ("predictions", "loss_curve", "val_accuracy", "accuracy"):
            assert here[field] == rows[2][name][field], (name, field)
    assert [[job[1] for job in jobs] for jobs in beside] == [ONE_CORE.split(",")]


def test_rows_side_by_side_store_and_read_the_feature_cache(tmp_path):
    if usable_cores() < 2:
        pytest.skip("one core: --n-jobs 2 is lowered to 1 and nothing runs side by side")
    runs = [run_benchmark(color_dataset(), ONE_CORE, n_jobs=2, out=tmp_path / str(i),
                          cache_dir=tmp_path / "cache", quiet=True, make_plots=False)
            for i in range(2)]
    rows = len(ONE_CORE.split(","))
    assert "row" not in runs[0]["cache"].tolist()
    assert runs[1]["cache"].tolist() == ["row"] * rows
    assert runs[0]["accuracy"].tolist() == runs[1]["accuracy"].tolist()


@pytest.mark.parametrize("search", [False, True])
def test_learning_curve_points_side_by_side_equal_points_run_here(tmp_path, monkeypatch, search):
    from benchmarks.harness.curve import learning_curve

    if usable_cores() < 2:
        pytest.skip("one core: --n-jobs 2 is lowered to 1 and nothing runs side by side")
    beside = []
    monkeypatch.setattr(side_by_side, "run_side_by_side",
                        lambda *args, **kwargs: beside.append(args[1]) or run_side_by_side(
                            *args, **kwargs))
    tables = [learning_curve(color_dataset(), ["pixels/svm", "hog/svm"], sizes=(30, None),
                             val_size=15, search=search, n_jobs=n_jobs,
                             out=tmp_path / f"lc{n_jobs}", use_cache=False, quiet=True)
              for n_jobs in (1, 2)]
    columns = ["pipeline", "train_size", "accuracy", "fit_images"]
    assert tables[0][columns].equals(tables[1][columns])
    # A search's fits share the row's cores: tuned points run here.
    assert [len(jobs) for jobs in beside] == ([] if search else [4])
