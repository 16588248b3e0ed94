"""benchmarks/harness/dask_backend.py: runs on a dask LocalCluster equal local runs, row for row,
the cache works from the workers, a row has all of its worker's threads, and a row whose worker
dies is retried or reported.

Local runs are compared on one BLAS thread, as every task of a one-thread worker runs (rows
of a two-thread worker, as the table prints them): a float32 sum split over another number
of threads may differ in its last bits (see the README).
"""

import functools
import os
from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip(
    "distributed", reason="the --scheduler tests need dask.distributed: "
                          "pip install 'featbench[dask]'")

import benchmarks.harness.dask_backend as dask_backend  # noqa: E402
import benchmarks.harness.runner as runner  # noqa: E402
from benchmarks.harness.cli import main  # noqa: E402
from benchmarks.harness.curve import learning_curve  # noqa: E402
from benchmarks.harness.evaluate import run_pipeline  # noqa: E402
from benchmarks.harness.runner import run_benchmark  # noqa: E402
from benchmarks.harness.scheduler import RowsFailedError  # noqa: E402
from benchmarks.harness.seeds import seed_sweep  # noqa: E402

DIGITS_ROWS = ["pixels/svm", "hog+color/softmax", "bovw/svm", "pixels/mlp",
               "ref:hog+color/logreg", "pixels/knn"]
FAILING_ROWS = ["color/svm", "pixels/knn", "hog/svm"]  # pixels/knn is made to fail
# What may differ between two runs of the same table: where and when it ran.
_RUN_DEPENDENT = ("feature_time", "fit_time", "predict_time", "peak_rss", "cache")


@pytest.fixture(scope="module")
def cluster():
    environ = dict(os.environ)  # the nannies set their workers' variables here too
    with dask_backend.local_cluster(2, dashboard_address=None) as cluster:
        yield cluster
    os.environ.clear()
    os.environ.update(environ)


@pytest.fixture(scope="module")
def cluster_1x2():
    """One worker of two threads: one row at a time, with both."""
    environ = dict(os.environ)
    with dask_backend.local_cluster(1, 2) as cluster:
        yield cluster
    os.environ.clear()
    os.environ.update(environ)


@pytest.fixture
def address(cluster):
    # A test that killed a worker leaves the nanny restarting it: start each test whole.
    with distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)
    return cluster.scheduler_address


def _digits():
    from benchmarks.data.digits import load_digits

    return load_digits()


def _local(function, *args, **kwargs):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return function(*args, **kwargs)


@pytest.fixture(scope="module")
def digits_here(tmp_path_factory):
    """results.csv of DIGITS_ROWS run here, on one BLAS thread."""
    out = tmp_path_factory.mktemp("here")
    _local(run_benchmark, _digits(), DIGITS_ROWS, out=out, use_cache=False, quiet=True,
           make_plots=False)
    return pd.read_csv(out / "results.csv")


def _same_table(a, b):
    drop = [c for c in a.columns if c in _RUN_DEPENDENT]
    pd.testing.assert_frame_equal(a.drop(columns=drop).reset_index(drop=True),
                                  b.drop(columns=drop).reset_index(drop=True))


def test_cli_local_cluster_on_the_digits_equals_the_local_run(digits_here, tmp_path, capsys,
                                                              monkeypatch):
    import benchmarks.harness.scheduler as scheduler

    monkeypatch.setattr(scheduler, "usable_cores", lambda: 2)  # local:2 on one core too
    before = os.environ.get("OMP_NUM_THREADS")
    assert main(["run", "--dataset", "digits", "--pipelines", ",".join(DIGITS_ROWS),
                 "--no-cache", "--scheduler", "local:2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "dask: 2 workers (2 threads) at tcp://127.0.0.1:" in out
    assert "dashboard: http://127.0.0.1:" in out
    there = pd.read_csv(tmp_path / "results.csv")
    assert there["pipeline"].tolist() == DIGITS_ROWS  # the table's order, not the finish order
    _same_table(digits_here, there)
    assert os.environ.get("OMP_NUM_THREADS") == before  # the caller's environment, as it was


def test_cifar_slice_on_a_cluster_equals_the_local_run_and_caches_on_the_workers(
        cifar10, address, tmp_path):
    # Default augmentation: the raw-pixel and the feature rows get different splits.
    names = ["pixels/softmax", "hog+color/mlp", "color/svm", "ref:hog+color/logreg"]
    kw = dict(train_size=200, test_size=100, quiet=True, make_plots=False)
    here = _local(run_benchmark, cifar10, names, out=tmp_path / "here", use_cache=False, **kw)
    there = run_benchmark(cifar10, names, out=tmp_path / "cluster", cache_dir=tmp_path / "c",
                          scheduler=address, **kw)
    _same_table(here, there)
    assert (there["cache"] != "row").all()
    again = run_benchmark(cifar10, names, out=tmp_path / "again", cache_dir=tmp_path / "c",
                          scheduler=address, **kw)
    assert (again["cache"] == "row").all()  # the workers stored every row in the cache
    _same_table(here, again)


def test_learning_curve_on_a_cluster_equals_the_local_one(address, tmp_path):
    kw = dict(sizes=(100, None), quiet=True, use_cache=False)
    names = ["hog/svm", "pixels/softmax"]
    here = _local(learning_curve, _digits(), names, out=tmp_path / "here", **kw)
    there = learning_curve(_digits(), names, out=tmp_path / "cluster", scheduler=address,
                           **kw)
    cols = ["pipeline", "train_size", "accuracy", "fit_images"]
    pd.testing.assert_frame_equal(there[cols], here[cols])
    assert (tmp_path / "cluster" / "learning-curve.md").read_text() == (
        tmp_path / "here" / "learning-curve.md").read_text()


def test_seed_sweep_on_a_cluster_equals_the_local_one(address, tmp_path):
    kw = dict(seeds=(0, 2), train_size=400, quiet=True, use_cache=False)
    names = ["hog/svm", "pixels/softmax"]
    here = _local(seed_sweep, _digits(), names, out=tmp_path / "here", **kw)
    there = seed_sweep(_digits(), names, out=tmp_path / "cluster", scheduler=address, **kw)
    cols = ["pipeline", "seed", "accuracy", "val_accuracy", "fit_images"]
    pd.testing.assert_frame_equal(there[cols], here[cols])
    assert (tmp_path / "cluster" / "seeds.md").read_text() == (
        tmp_path / "here" / "seeds.md").read_text()


def test_search_folds_are_tasks_of_the_cluster_with_n_jobs(cluster, address, tmp_path):
    names = ["hog/svm", "pixels/softmax"]
    kw = dict(search=True, quiet=True, make_plots=False, use_cache=False)
    here = _local(run_benchmark, _digits(), names, out=tmp_path / "here", **kw)
    there = run_benchmark(_digits(), names, out=tmp_path / "cluster", n_jobs=2,
                          scheduler=address, **kw)
    _same_table(here, there)
    # joblib's dask backend names its tasks after what they run.
    assert any("validation_score" in prefix for prefix in cluster.scheduler.task_prefixes)


class _Recorder:
    """A client that notes the pipeline and resources of every task submitted through it.

    ``bare``: its workers seem to declare no resources, as workers started without
    ``--resources``.
    """

    def __init__(self, client, bare=False):
        self._client, self.submitted, self.resources, self.bare = client, [], [], bare

    def __getattr__(self, name):
        return getattr(self._client, name)

    def scheduler_info(self, **kwargs):
        info = self._client.scheduler_info(**kwargs)
        if self.bare:  # a copy: the client keeps what it was told
            info = {**info, "workers": {address: {**worker, "resources": {}}
                                        for address, worker in info["workers"].items()}}
        return info

    def submit(self, function, func, name, *args, **kwargs):
        self.submitted.append(name)
        self.resources.append(kwargs.get("resources"))
        return self._client.submit(function, func, name, *args, **kwargs)


def test_the_costliest_jobs_are_submitted_first(address):
    from types import SimpleNamespace

    from benchmarks.harness.scheduler import job_cost

    split = SimpleNamespace(config={"train_size": 100})
    names = ["color/svm", "pixels/mlp", "hog/svm", "pixels/cnn", "all/mlp"]
    with distributed.Client(address) as client:
        recorder = _Recorder(client)
        where = dask_backend.DaskRunner(recorder, cost=job_cost)
        done = list(where.run(lambda name, split, cache, **kw: name.upper(),
                              [(f"k{i}", n, split) for i, n in enumerate(names)], None))
    # Ties (1 s each) keep the order given.
    assert recorder.submitted == ["pixels/cnn", "all/mlp", "pixels/mlp", "color/svm", "hog/svm"]
    assert sorted(done) == sorted((f"k{i}", n.upper(), None) for i, n in enumerate(names))


# -- a row has all of its worker's threads ---------------------------------------------


def _threads_seen(name, split, cache, **kwargs):
    """On a worker: the row's keyword arguments and the thread limits of its libraries."""
    from threadpoolctl import threadpool_info

    return kwargs, sorted({lib["num_threads"] for lib in threadpool_info()})


def _seen_on(address, **options):
    with distributed.Client(address) as client:
        [(_, seen, failure)] = dask_backend.DaskRunner(client).run(
            _threads_seen, [("k", "hog/svm", "the split")], None, **options)
    assert failure is None
    return seen


@pytest.mark.parametrize("n_jobs,expected", [(None, 2), (-1, 2), (1, 1), (4, 2)])
def test_a_row_on_a_worker_of_two_threads_has_both(n_jobs, expected, cluster_1x2):
    kwargs, threads = _seen_on(cluster_1x2.scheduler_address, search=True, n_jobs=n_jobs)
    # Its search's fits run on joblib threads of the task, not as tasks of the cluster.
    assert kwargs == {"search": True, "n_jobs": expected, "progress": None}
    assert threads == [2]


@pytest.mark.parametrize("n_jobs,search_backend,expected", [
    (None, {}, 1),  # not given: one core, as a run here takes it
    (1, {}, 1), (3, {"search_backend": "dask"}, 3)])
def test_a_row_on_a_worker_of_one_thread_keeps_n_jobs_and_one_blas_thread(
        n_jobs, search_backend, expected, address):
    kwargs, threads = _seen_on(address, search=True, n_jobs=n_jobs)
    assert kwargs == {"search": True, "n_jobs": expected, "progress": None, **search_backend}
    assert threads == [1]


def test_one_row_at_a_time_goes_to_a_worker_of_several_threads(cluster_1x2):
    jobs = [(f"k{i}", name, "the split") for i, name in enumerate(["a", "b", "c"])]
    with distributed.Client(cluster_1x2) as client:
        recorder = _Recorder(client)
        rows = dask_backend.DaskRunner(recorder).run(_threads_seen, jobs, None)
        next(rows)
        # One row sent, then the next as it came back: not one per thread.
        assert recorder.submitted == ["a", "b"]
        assert len(list(rows)) == 2
    assert recorder.resources == [{"featbench-row": 1}] * 3  # pinned: one per worker


def test_rows_ask_for_no_resource_where_a_worker_declares_none(address):
    with distributed.Client(address) as client:
        recorder = _Recorder(client, bare=True)
        done = list(dask_backend.DaskRunner(recorder).run(
            lambda name, split, cache, **kw: name, [("k", "a", 0), ("l", "b", 0)], None))
    assert sorted(done) == [("k", "a", None), ("l", "b", None)]
    assert recorder.resources == [None, None]


def test_cli_local_cluster_of_two_threads_on_the_digits_equals_the_local_run(
        digits_here, tmp_path, capsys, monkeypatch):
    import benchmarks.harness.scheduler as scheduler

    monkeypatch.setattr(scheduler, "usable_cores", lambda: 2)  # local:1x2 on one core too
    names = ["hog+color/softmax", "pixels/knn"]
    assert main(["run", "--dataset", "digits", "--pipelines", ",".join(names), "--no-cache",
                 "--scheduler", "local:1x2", "--out", str(tmp_path)]) == 0
    assert "dask: 1 workers (2 threads) at tcp://127.0.0.1:" in capsys.readouterr().out
    there = pd.read_csv(tmp_path / "results.csv")
    here = digits_here.set_index("pipeline").loc[names].reset_index()
    # Two BLAS threads may sum floats in another order: equal as results.md prints them.
    printed = ["pipeline", "accuracy", "ci_low", "ci_high", "balanced_accuracy",
               "val_accuracy", "n_features", "fit_images", "augment"]
    pd.testing.assert_frame_equal(there[printed].round(3), here[printed].round(3))


# -- a worker that dies, a row that raises ----------------------------------------------


def _die_once(marker, name, *args, **kwargs):
    """On a worker: the first run of pixels/knn kills its process, as a crash would."""
    if name == "pixels/knn" and not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)
    return run_pipeline(name, *args, **kwargs)


def _fail(how, name, *args, **kwargs):
    if name == "pixels/knn":
        if how == "dies":
            os._exit(1)
        raise ZeroDivisionError("no neighbours today")
    return run_pipeline(name, *args, **kwargs)


def test_a_row_whose_worker_died_once_is_run_again(digits_here, address, tmp_path,
                                                   monkeypatch):
    monkeypatch.setattr(runner, "run_pipeline",
                        functools.partial(_die_once, str(tmp_path / "died")))
    run_benchmark(_digits(), DIGITS_ROWS, out=tmp_path / "r", scheduler=address, quiet=True,
                  make_plots=False, use_cache=False)
    assert (tmp_path / "died").exists()  # the worker did die
    _same_table(digits_here, pd.read_csv(tmp_path / "r" / "results.csv"))


def test_every_worker_of_a_local_cluster_keeps_its_copy_of_a_split(address):
    def replicas(key, dask_scheduler):
        dask_scheduler.extensions["amm"].run_once()  # what it does every 2 s
        return len(dask_scheduler.tasks[key].who_has)

    with distributed.Client(address) as client:
        split = client.scatter("a split", hash=False, broadcast=True)
        assert client.run_on_scheduler(replicas, split.key) == 2


class _OnOneWorker:
    """A client that sends each split to one worker only and runs its rows there.

    As dask's active memory manager may leave a split on a cluster it does not start:
    the worker that dies running a row takes the split's last copy with it.
    """

    def __init__(self, client):
        self._client, self.holder = client, None

    def __getattr__(self, name):
        return getattr(self._client, name)

    def scatter(self, data, **kwargs):
        self.holder = sorted(self._client.scheduler_info(n_workers=-1)["workers"])[0]
        return self._client.scatter(data, **{**kwargs, "broadcast": False,
                                             "workers": [self.holder]})

    def submit(self, *args, **kwargs):
        return self._client.submit(*args, workers=[self.holder], allow_other_workers=True,
                                   **kwargs)


def _die_first(marker, name, split, cache, **kwargs):
    """On a worker: the first run kills its process, as a crash would."""
    if not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)
    return f"{name} on {split}"


def test_a_row_whose_split_died_with_its_worker_gets_the_split_again(address, tmp_path):
    with distributed.Client(address) as client:
        where = dask_backend.DaskRunner(_OnOneWorker(client))
        done = list(where.run(functools.partial(_die_first, str(tmp_path / "died")),
                              [("k", "hog/svm", "the split")], None))
    assert (tmp_path / "died").exists()  # the worker did die
    assert done == [("k", "hog/svm on the split", None)]


def test_a_row_cancelled_more_often_than_the_retries_is_reported(address, tmp_path):
    with distributed.Client(address) as client:
        where = dask_backend.DaskRunner(_OnOneWorker(client), retries=0)
        done = list(where.run(functools.partial(_die_first, str(tmp_path / "died")),
                              [("k", "hog/svm", "the split")], None))
    [(key, row, failure)] = done
    assert (key, row) == ("k", None)
    assert failure.startswith("the cluster cancelled it 1 time (the split it reads lost with "
                              "a worker that died?; dask FutureCancelledError: ")


@pytest.mark.parametrize("how,reason", [
    ("dies", "pixels/knn: the worker running it died (tried on 1 worker; dask KilledWorker"),
    ("raises", "pixels/knn: ZeroDivisionError: no neighbours today"),
])
def test_a_failed_row_is_reported_the_others_land_and_resume_computes_it(
        how, reason, cluster, address, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cluster.scheduler, "allowed_failures", 0)  # no retry on death
    argv = ["run", "--dataset", "digits", "--pipelines", ",".join(FAILING_ROWS),
            "--no-cache", "--quiet", "--scheduler", address, "--out", str(tmp_path / "r")]
    monkeypatch.setattr(runner, "run_pipeline", functools.partial(_fail, how))
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"featbench run: 1 of {len(FAILING_ROWS)} pipelines failed ({reason}" in err
    assert f"--resume --out {tmp_path / 'r'}" in err
    assert ("Traceback" in err) == (how == "raises")  # a bug shows where it is
    landed = pd.read_csv(tmp_path / "r" / "results.csv")
    assert landed["pipeline"].tolist() == [n for n in FAILING_ROWS if n != "pixels/knn"]
    saved = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "r" / "rows").iterdir()}

    monkeypatch.setattr(runner, "run_pipeline", run_pipeline)
    assert main([*argv, "--resume"]) == 0
    rows = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "r" / "rows").iterdir()}
    assert set(rows) - set(saved) == {"pixels-knn.json"}
    assert all(rows[name] == saved[name] for name in saved)  # only the missing row ran
    assert pd.read_csv(tmp_path / "r" / "results.csv")["pipeline"].tolist() == FAILING_ROWS


def test_the_api_raises_with_the_table_of_the_rows_that_landed(address, tmp_path,
                                                               monkeypatch):
    monkeypatch.setattr(runner, "run_pipeline", functools.partial(_fail, "raises"))
    with pytest.raises(RowsFailedError) as info:
        run_benchmark(_digits(), ["color/svm", "pixels/knn"], out=tmp_path / "r",
                      use_cache=False, quiet=True, make_plots=False, scheduler=address)
    assert list(info.value.failed) == ["pixels/knn"]
    assert info.value.frame["pipeline"].tolist() == ["color/svm"]
    assert info.value.out == tmp_path / "r"


def test_failed_learning_curve_points_are_reported_and_the_others_written(address, tmp_path,
                                                                         monkeypatch):
    import benchmarks.harness.curve as curve

    monkeypatch.setattr(curve, "run_pipeline", functools.partial(_fail, "raises"))
    with pytest.raises(RowsFailedError, match=r"^2 of 4 learning-curve points failed") as info:
        learning_curve(_digits(), ["color/svm", "pixels/knn"], sizes=(100, None),
                       out=tmp_path / "lc", use_cache=False, quiet=True, scheduler=address)
    assert sorted(info.value.failed) == ["pixels/knn at 100 images",
                                         "pixels/knn at 1347 images"]
    table = pd.read_csv(tmp_path / "lc" / "learning-curve.csv")
    assert table[["pipeline", "train_size"]].values.tolist() == [["color/svm", 100],
                                                                 ["color/svm", 1347]]
    assert "| train_size | color/svm | pixels/knn |" in (tmp_path / "lc" / "learning-curve.md"
                                                         ).read_text()
