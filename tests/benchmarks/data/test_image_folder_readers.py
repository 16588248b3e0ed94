"""load_image_folder's readers: this process and the decoding processes it starts."""

import os
import time
from pathlib import Path

import joblib
import numpy as np
import pytest

import benchmarks.data.image_decode as image_decode
import benchmarks.data.image_folder as image_folder
from benchmarks.data.dataset import DatasetError
from benchmarks.data.image_folder import load_image_folder


@pytest.mark.parametrize("n_jobs", [2, -1])
def test_several_processes_read_the_same_dataset_and_skips(with_bad_files, monkeypatch, n_jobs):
    folder, _ = with_bad_files
    alone = load_image_folder(folder, skip_unreadable=True, log=lambda message: None)
    monkeypatch.setattr(image_folder, "READ_BLOCK", 3)  # 17 files: six blocks
    monkeypatch.setattr(image_folder, "FILES_PER_PROCESS", 2)
    shared = load_image_folder(folder, skip_unreadable=True, log=lambda message: None,
                               n_jobs=n_jobs)
    for key in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(shared, key), getattr(alone, key))
    assert shared.extra == alone.extra  # files in array order, skips in file order


def test_joblib_processes_still_work_after_a_read_on_processes(folder, monkeypatch):
    # The readers share joblib's process pool: a later search must find it whole.
    monkeypatch.setattr(image_folder, "READ_BLOCK", 2)
    monkeypatch.setattr(image_folder, "FILES_PER_PROCESS", 2)
    load_image_folder(folder, n_jobs=2)
    assert joblib.Parallel(n_jobs=2)(joblib.delayed(abs)(v) for v in (-1, -2)) == [1, 2]


def _exit_on_a_bee(paths, image_size, max_pixels):
    """A block reader whose decoding process dies on the class ``bee``; this process, which
    reads blocks too, holds its first one until that has happened."""
    marker = Path(os.environ["FEATBENCH_TEST_MARKER"])
    if os.getpid() == int(os.environ["FEATBENCH_TEST_PARENT"]):
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    elif any(Path(p).parent.name == "bee" for p in paths):
        marker.touch()
        os._exit(3)
    return image_decode.read_images(paths, image_size, max_pixels)


def test_a_decoding_process_that_dies_is_named_with_its_files(folder, monkeypatch, tmp_path):
    bees = sorted((folder / "bee").iterdir())
    assert len(bees) >= 2  # one block can be this process's, one goes to the other
    monkeypatch.setenv("FEATBENCH_TEST_MARKER", str(tmp_path / "died"))
    monkeypatch.setenv("FEATBENCH_TEST_PARENT", str(os.getpid()))
    monkeypatch.setattr(image_folder, "READ_BLOCK", 1)
    monkeypatch.setattr(image_folder, "FILES_PER_PROCESS", 1)
    monkeypatch.setattr(image_folder, "read_images", _exit_on_a_bee)
    with pytest.raises(DatasetError, match=r"the process reading the 1 file\(s\) from \S*bee\S* "
                                           r"to \S*bee\S* stopped \(TerminatedWorkerError"):
        load_image_folder(folder, n_jobs=2)


def _thread_pools(seen):
    """A stand-in for the process pool: threads, recording the workers asked for."""
    from concurrent.futures import ThreadPoolExecutor

    def pool(max_workers):
        seen.append(max_workers)
        return ThreadPoolExecutor(max_workers)
    return pool


def test_blocks_of_files_go_to_the_processes_in_order(with_bad_files, monkeypatch):
    seen = []
    folder, bad = with_bad_files
    monkeypatch.setattr(image_folder, "ProcessPoolExecutor", _thread_pools(seen))
    monkeypatch.setattr(image_folder, "READ_BLOCK", 4)
    monkeypatch.setattr(image_folder, "FILES_PER_PROCESS", 2)
    with pytest.raises(DatasetError, match=r"2 of 17 file\(s\)") as info:
        load_image_folder(folder, n_jobs=8)
    assert seen == [4]  # five blocks: this process and four more, no more than blocks
    message = str(info.value)
    assert message.index(str(bad[0])) < message.index(str(bad[1]))


def test_a_reader_that_fails_fails_the_load(folder, monkeypatch):
    monkeypatch.setattr(image_folder, "ProcessPoolExecutor", _thread_pools([]))
    monkeypatch.setattr(image_folder, "READ_BLOCK", 2)
    monkeypatch.setattr(image_folder, "FILES_PER_PROCESS", 2)
    read, taken = image_folder.read_images, []

    def failing(paths, image_size, max_pixels):
        taken.append(paths)
        if len(taken) == 3:
            raise RuntimeError("decoder crashed")
        return read(paths, image_size, max_pixels)

    monkeypatch.setattr(image_folder, "read_images", failing)
    with pytest.raises(RuntimeError, match="decoder crashed"):
        load_image_folder(folder, n_jobs=4)


@pytest.mark.parametrize("block, per_process", [(1024, 2), (2, 1024)])
def test_a_small_folder_is_read_here(folder, monkeypatch, block, per_process):
    # 15 files: one block, or too few files to pay for starting processes.
    monkeypatch.setattr(image_folder, "READ_BLOCK", block)
    monkeypatch.setattr(image_folder, "FILES_PER_PROCESS", per_process)
    monkeypatch.setattr(image_folder, "ProcessPoolExecutor", None)  # never started
    assert len(load_image_folder(folder, n_jobs=4).y_train) > 0


@pytest.mark.parametrize("n_jobs, error", [(0, ValueError), (1.5, TypeError), ("2", TypeError)])
def test_bad_n_jobs_is_refused_before_any_reading(folder, n_jobs, error, no_reading):
    with pytest.raises(error, match="n_jobs"):
        load_image_folder(folder, n_jobs=n_jobs)
