"""benchmarks/harness/lock.py: one writer per --out folder, and what a second one is told."""

import json
import os
import socket
import subprocess
import sys

import pytest

from benchmarks.harness.lock import LOCK_NAME, FolderLockedError, folder_lock
from benchmarks.harness.runner import run_benchmark
from tests.benchmarks.harness._data import color_dataset


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid  # reaped: no process has it now


def _plant(folder, pid, host=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LOCK_NAME).write_text(json.dumps({"pid": pid,
                                                "host": host or socket.gethostname()}))


def test_a_second_command_on_a_locked_folder_is_refused_naming_the_holder(tmp_path):
    _plant(tmp_path / "r", os.getppid())  # a live process: this test's parent
    with pytest.raises(FolderLockedError, match=rf"--out folder {tmp_path / 'r'} is in use by "
                                                rf"process {os.getppid()} on "):
        run_benchmark(color_dataset(), ["color/svm"], val_size=15, out=tmp_path / "r",
                      cache_dir=tmp_path / "c", quiet=True, make_plots=False)
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [LOCK_NAME]  # nothing written


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    _plant(tmp_path / "r", _dead_pid())
    frame = run_benchmark(color_dataset(), ["color/svm"], val_size=15, out=tmp_path / "r",
                          cache_dir=tmp_path / "c", quiet=True, make_plots=False)
    assert len(frame) == 1 and not (tmp_path / "r" / LOCK_NAME).exists()


def test_a_lock_of_another_host_is_refused(tmp_path):
    _plant(tmp_path, 1, host="elsewhere.example")
    with pytest.raises(FolderLockedError, match="in use by process 1 on elsewhere.example"):
        with folder_lock(tmp_path):
            pass


@pytest.mark.parametrize("content", ["", "{", '{"pid": "x", "host": 1}', "[" * 100_000])
def test_an_unreadable_lock_is_taken_over(tmp_path, content):
    (tmp_path / LOCK_NAME).write_text(content)
    with folder_lock(tmp_path) as path:
        assert json.loads(path.read_text())["pid"] == os.getpid()
    assert not (tmp_path / LOCK_NAME).exists()


def test_the_same_process_cannot_take_its_own_lock_twice(tmp_path):
    with folder_lock(tmp_path):
        with pytest.raises(FolderLockedError, match="already in use by this process"):
            with folder_lock(tmp_path):
                pass


def test_two_commands_into_one_folder_at_once_one_is_refused(tmp_path):
    from tests.conftest import REPO_ROOT

    command = [sys.executable, "-m", "benchmarks", "run", "--dataset", "digits",
               "--pipelines", "color/svm", "--train-size", "300", "--quiet", "--no-cache",
               "--out", str(tmp_path / "r")]
    with folder_lock(tmp_path / "r"):  # the first command, still working
        second = subprocess.run(command + ["--seed", "1"], cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=300)
    assert second.returncode == 2 and "is in use by process" in second.stderr
    assert "Traceback" not in second.stderr
    assert not (tmp_path / "r" / "rows").exists()
