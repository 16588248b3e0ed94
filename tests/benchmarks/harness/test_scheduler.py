"""benchmarks/harness/scheduler.py: the --scheduler switch, what it refuses, and the local runner.

None of these needs dask; the runs on a cluster are in test_dask_backend.py.
"""

import importlib
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

from benchmarks.harness.cli import main
import benchmarks.harness.scheduler as scheduler
from benchmarks.harness.scheduler import (INSTALL_HINT, LocalRunner, RowsFailedError,
                                          cap_n_jobs, check_scheduler, job_cost,
                                          open_scheduler, parse_scheduler, scheduler_from_env)
from tests.benchmarks.harness._data import tiny_dataset


@pytest.mark.parametrize("value,expected", [
    (None, None), ("", None), ("  ", None), ("local:1", ("local", 1)),
    ("LOCAL:12", ("local", 12)), (" local:2 ", ("local", 2)),
    ("tcp://127.0.0.1:8786", ("address", "tcp://127.0.0.1:8786")),
    ("127.0.0.1:8786", ("address", "127.0.0.1:8786")),
])
def test_scheduler_values_parse(value, expected):
    assert parse_scheduler(value) == expected


# '²' passes str.isdigit() but not int(); '١' (Arabic-Indic one) and '２' (full width)
# pass both: digits of other scripts are refused all the same.
@pytest.mark.parametrize("value", ["local:0", "local:", "local:x", "local:-1", "local:1.5",
                                   "local:²", "local:١", "local:２", "local:+2"])
def test_local_needs_a_positive_worker_count(value):
    with pytest.raises(ValueError, match=r"^--scheduler local:N needs a whole number N >= 1 "
                                         r"of worker processes, in the digits 0-9 \(such as "
                                         rf"local:4\); got '{re.escape(value)}'\.$"):
        parse_scheduler(value)


@pytest.mark.parametrize("value,expected", [
    ("local:2x4", ("local", 2, 4)), ("LOCAL:1X2", ("local", 1, 2)),
    ("local: 3 x 2 ", ("local", 3, 2)),
    ("local:3x1", ("local", 3)),  # one thread each: local:3
])
def test_local_workers_of_several_threads_parse(value, expected):
    assert parse_scheduler(value) == expected


@pytest.mark.parametrize("value", ["local:2x0", "local:x3", "local:2x", "local:0x2",
                                   "local:2x²", "local:2x4x1", "local:2x-1", "local:1.5x2"])
def test_local_threads_need_positive_counts(value):
    with pytest.raises(ValueError, match=r"^--scheduler local:NxT needs whole numbers N >= 1 "
                                         r"of worker processes and T >= 1 of threads each, in "
                                         r"the digits 0-9 \(such as local:2x4\); got "
                                         rf"'{re.escape(value)}'\.$"):
        parse_scheduler(value)


def test_cli_says_a_non_ascii_worker_count_as_a_usage_error(no_work, capsys):
    assert main(["run", "--dataset", "digits", "--scheduler", "local:²"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("featbench run: error: --scheduler local:N needs a whole number N "
                          ">= 1 of worker processes, in the digits 0-9 (such as local:4); "
                          "got 'local:²'.")
    assert "Traceback" not in err


def test_a_scheduler_that_is_not_a_string_is_refused():
    with pytest.raises(TypeError, match=r"^--scheduler must be a string .*; got 2\.$"):
        parse_scheduler(2)


@pytest.fixture
def without_dask(monkeypatch):
    # A None entry makes importlib.util.find_spec (and import) see no such module.
    monkeypatch.setitem(sys.modules, "distributed", None)


@pytest.mark.parametrize("value", ["local:2", "tcp://127.0.0.1:8786"])
def test_a_cluster_without_dask_names_the_install_command(value, without_dask):
    with pytest.raises(ValueError, match=rf"^--scheduler {value} needs dask.distributed, "
                                         r"which is not installed: pip install "
                                         r"'featbench\[dask\]'"):
        check_scheduler(value)
    assert check_scheduler(None) is None  # no cluster asked for: no dask needed


@pytest.mark.parametrize("command", ["run", "learning-curve"])
def test_cli_without_dask_fails_at_once_with_the_install_command(command, without_dask,
                                                                 no_work, tmp_path, capsys):
    code = main([command, "--dataset", "digits", "--scheduler", "local:2",
                 "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert f"--scheduler local:2 needs dask.distributed, which is not installed: " \
           f"{INSTALL_HINT}" in err


def test_the_environment_variable_is_the_default_and_is_named(without_dask, no_work,
                                                              monkeypatch, capsys):
    monkeypatch.setenv("FEATBENCH_SCHEDULER", "local:3")
    assert main(["run", "--dataset", "digits"]) == 2
    assert "$FEATBENCH_SCHEDULER local:3 needs dask.distributed" in capsys.readouterr().err


def test_the_environment_variable_is_checked_as_the_option_is(no_work, monkeypatch, capsys):
    monkeypatch.setenv("FEATBENCH_SCHEDULER", "local:none")
    assert main(["run", "--dataset", "digits"]) == 2
    assert "$FEATBENCH_SCHEDULER local:N needs a whole number" in capsys.readouterr().err


@pytest.mark.parametrize("value,env,expected", [
    (None, "local:2", "local:2"), ("local:1", "local:2", "local:1"), (None, "", None),
    (None, None, None),
])
def test_the_option_wins_over_the_environment(value, env, expected, monkeypatch):
    if env is None:
        monkeypatch.delenv("FEATBENCH_SCHEDULER", raising=False)
    else:
        monkeypatch.setenv("FEATBENCH_SCHEDULER", env)
    assert scheduler_from_env(value) == expected


@pytest.mark.parametrize("module,api", [("runner", "run_benchmark"),
                                        ("curve", "learning_curve")])
def test_the_python_api_refuses_a_bad_scheduler_before_any_work(module, api, tmp_path,
                                                                monkeypatch):
    module = importlib.import_module(f"benchmarks.harness.{module}")
    monkeypatch.setattr(module, "run_pipeline", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(ValueError, match="^--scheduler local:N needs"):
        getattr(module, api)(tiny_dataset(), ["hog/svm"], scheduler="local:0",
                             out=tmp_path / "o", cache_dir=tmp_path / "c", quiet=True)
    assert not (tmp_path / "o").exists()


def test_longest_jobs_cost_most():
    full, fifth = (SimpleNamespace(config={"train_size": n}) for n in (5170, 1034))
    names = ["color/svm", "pixels/cnn", "hog+color/mlp", "ref:pixels/linearsvc",
             "pixels/mlp"]
    ranked = sorted(names, key=lambda name: -job_cost(name, full))
    assert ranked == ["pixels/cnn", "pixels/mlp", "hog+color/mlp", "ref:pixels/linearsvc",
                      "color/svm"]
    assert job_cost("pixels/cnn", fifth) == pytest.approx(job_cost("pixels/cnn", full) / 5)


def test_the_local_runner_runs_in_order_and_an_error_stops_it():
    seen = []

    def func(name, split, cache, **kwargs):
        seen.append((name, split, cache, kwargs))
        if name == "b":
            raise ZeroDivisionError("b")
        return name.upper()

    rows = LocalRunner().run(func, [("ka", "a", 1), ("kb", "b", 2), ("kc", "c", 3)], "C",
                             search=True, n_jobs=2)
    assert next(rows) == ("ka", "A", None)
    with pytest.raises(ZeroDivisionError):
        next(rows)
    assert [s[0] for s in seen] == ["a", "b"]
    assert seen[0][1:] == (1, "C", {"search": True, "n_jobs": 2, "progress": None})


def test_no_scheduler_is_the_local_runner():
    with open_scheduler(None) as where:
        assert isinstance(where, LocalRunner)


def test_the_failure_message_names_each_failed_row_and_the_resume_command(tmp_path):
    exc = RowsFailedError({"pixels/knn": "the worker running it died", "hog/svm": "boom"},
                          tmp_path, total=5)
    text = str(exc)
    assert text.startswith("2 of 5 pipelines failed (pixels/knn: the worker running it "
                           "died; hog/svm: boom).")
    assert f"--resume --out {tmp_path}" in text
    assert exc.failed == {"pixels/knn": "the worker running it died", "hog/svm": "boom"}
    assert exc.frame is None and isinstance(exc, RuntimeError)


def test_a_run_without_scheduler_never_imports_dask(tmp_path):
    code = (
        "import sys\n"
        "from benchmarks.harness.cli import main\n"
        f"assert main(['run', '--dataset', 'digits', '--pipelines', 'color/svm', '--quiet',"
        f" '--no-cache', '--out', {str(tmp_path / 'o')!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "FEATBENCH_SCHEDULER": ""}, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


# -- more workers than can work ----------------------------------------------------------


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(scheduler, "usable_cores", lambda: 2)


@pytest.fixture
def started(monkeypatch):
    """The ``kind`` each cluster is started with, dask and its cluster replaced by a stand-in."""
    import contextlib
    import types

    kinds = []

    @contextlib.contextmanager
    def connect(kind, **kwargs):
        kinds.append(kind)
        yield "runner"

    monkeypatch.setattr(scheduler, "_dask_installed", lambda: True)
    monkeypatch.setitem(sys.modules, "benchmarks.harness.dask_backend",
                        types.SimpleNamespace(connect=connect))
    return kinds


def test_local_workers_beyond_the_cores_are_capped_with_a_warning(two_cores, started,
                                                                  capsys):
    with open_scheduler("local:100000") as runner_:
        assert runner_ == "runner"
    assert started == [("local", 2)]
    assert capsys.readouterr().err == (
        "featbench: --scheduler local:100000 asks for more worker processes than the 2 cores "
        "of this machine: starting 2 (--scheduler local:2).\n")


def test_local_workers_up_to_the_cores_are_started_as_asked(two_cores, started, capsys):
    with open_scheduler("local:2"):
        pass
    assert started == [("local", 2)]
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("value,expected,said", [
    ("local:4x2", ("local", 1, 2), "local:4x2 asks for more threads (8) than the 2 cores of "
                                   "this machine: starting 1 of 2 (--scheduler local:1x2)."),
    ("local:1x8", ("local", 1, 2), "local:1x8 asks for more threads (8) than the 2 cores of "
                                   "this machine: starting 1 of 2 (--scheduler local:1x2)."),
    ("local:3x1", ("local", 2), "local:3 asks for more worker processes than the 2 cores "
                                "of this machine: starting 2 (--scheduler local:2)."),
])
def test_local_threads_beyond_the_cores_are_capped_with_a_warning(value, expected, said,
                                                                  two_cores, started, capsys):
    with open_scheduler(value):
        pass
    assert started == [expected]
    assert capsys.readouterr().err == f"featbench: --scheduler {said}\n"


def test_local_threads_up_to_the_cores_are_started_as_asked(two_cores, started, capsys):
    with open_scheduler("local:1x2"):
        pass
    assert started == [("local", 1, 2)]
    assert capsys.readouterr().err == ""


def test_n_jobs_beyond_the_cores_is_capped_with_a_warning(two_cores):
    said = []
    assert cap_n_jobs(40, warn=said.append) == 2
    assert said == ["featbench: --n-jobs 40 is more workers than the 2 cores of this "
                    "machine: using 2 (--n-jobs 2)."]


@pytest.mark.parametrize("n_jobs,scheduler_,expected", [
    (None, None, 1),  # not given, the rows here: one core, the networks in fixed shards
    (None, "local:2", None), (None, "tcp://10.0.0.1:8786", None),  # each worker's own
    (1, None, 1), (2, None, 2),
    (-1, None, 2),  # every core: as many as can work, unsaid
    (40, "tcp://10.0.0.1:8786", 40),  # the workers' cores are not this machine's
    (40, "local:2", 2),
])
def test_n_jobs_caps_hold_where_the_work_runs(n_jobs, scheduler_, expected, two_cores,
                                              monkeypatch):
    monkeypatch.setattr(scheduler, "check_scheduler", pytest.fail)  # no address is probed
    said = []
    assert cap_n_jobs(n_jobs, scheduler=scheduler_, warn=said.append) == expected
    # Said only where a count given was lowered.
    assert len(said) == (n_jobs not in (None, -1) and expected != n_jobs)
