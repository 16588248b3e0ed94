"""Peak memory per phase, the process's peak across resets, and the memory available."""

import numpy as np
import pytest

from benchmarks.harness import memory
from benchmarks.harness.memory import (available_memory, format_bytes, peak_rss, phase_peak,
                                       process_peak_rss, reset_peak_rss, row_peak)

needs_proc = pytest.mark.skipif(peak_rss() is None or not reset_peak_rss(),
                                reason="needs Linux's VmHWM and a writable /proc/self/clear_refs")
MB = 2**20


def _touch(n_bytes):
    block = np.ones(n_bytes // 8)  # written, so resident
    return block


@needs_proc
def test_phase_peak_records_at_least_what_the_phase_allocated():
    peaks = {}
    with phase_peak(peaks, "work"):
        start = peak_rss()
        block = _touch(200 * MB)
        del block
    assert peaks["work"] >= start + 190 * MB


@needs_proc
def test_a_later_phase_does_not_see_an_earlier_phase_peak():
    peaks = {}
    with phase_peak(peaks, "big"):
        block = _touch(300 * MB)
        del block
    with phase_peak(peaks, "small"):
        pass
    assert peaks["small"] < peaks["big"] - 250 * MB


@needs_proc
def test_process_peak_keeps_what_resets_forget():
    block = _touch(300 * MB)
    high = peak_rss()
    del block
    reset_peak_rss()
    assert peak_rss() < high - 250 * MB
    # The kernel's counters are synchronized lazily: equal to within a few pages.
    assert process_peak_rss() >= high - 4 * MB


def test_nothing_is_recorded_where_the_peak_cannot_be_read(monkeypatch, tmp_path):
    monkeypatch.setattr(memory, "_STATUS", tmp_path / "missing")
    monkeypatch.setattr(memory, "_CLEAR_REFS", tmp_path / "no-such-dir" / "clear_refs")
    peaks = {}
    with phase_peak(peaks, "work"):
        pass
    assert peaks == {} and peak_rss() is None and process_peak_rss() is None


def test_available_memory_reads_memavailable(monkeypatch, tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemFree:  100 kB\n"
                       "MemAvailable:    2000000 kB\n")
    monkeypatch.setattr(memory, "_MEMINFO", meminfo)
    assert available_memory() == 2_000_000 * 1024


def test_available_memory_falls_back_to_free_pages(monkeypatch, tmp_path):
    monkeypatch.setattr(memory, "_MEMINFO", tmp_path / "missing")
    pages = {"SC_AVPHYS_PAGES": 1000, "SC_PAGE_SIZE": 4096}
    monkeypatch.setattr(memory.os, "sysconf", lambda name: pages[name])
    assert available_memory() == 4_096_000


@pytest.mark.parametrize("n, shown", [(512 * MB, "512 MB"), (3 * 1024 * MB, "3.0 GB"),
                                      (1536 * MB, "1.5 GB")])
def test_format_bytes(n, shown):
    assert format_bytes(n) == shown


@pytest.mark.parametrize("peaks, expected", [
    ({"features": 3 * MB, "fit": 5 * MB, "predict": 4 * MB, "process": 9 * MB}, 5 * MB),
    ({"features": 7 * MB, "fit": 5 * MB, "process": 7 * MB}, 7 * MB),
    ({"fit": None, "predict": 2 * MB}, 2 * MB),
    ({"process": 9 * MB}, None),
    ({}, None),
    (None, None),
])
def test_row_peak_is_the_largest_phase_never_the_process_so_far(peaks, expected):
    assert row_peak(peaks) == expected


def test_a_row_records_its_phase_peaks_and_vocabulary_time(tmp_path):
    from benchmarks.harness.cache import open_cache
    from benchmarks.harness.evaluate import run_pipeline
    from benchmarks.harness.split import make_split
    from tests.benchmarks.harness._data import color_dataset

    split = make_split(color_dataset(), val_size=15, augment="none")
    cache = open_cache(tmp_path)
    row = run_pipeline("bovw/svm", split, cache)
    assert row["feature_fit_time"] > 0  # the vocabulary's k-means, timed apart
    assert row["feature_fit_time"] < row["feature_time"]
    if peak_rss() is not None and reset_peak_rss():
        assert set(row["peak_rss"]) == {"features", "fit", "predict", "process"}
        assert row["peak_rss"]["process"] >= max(row["peak_rss"].values()) - 4 * MB
    # A row computed again from the cached features keeps the recorded fit seconds.
    again = run_pipeline("bovw/softmax", split, cache)
    assert again["cache"] == "features"
    assert again["feature_fit_time"] == row["feature_fit_time"]


def _split(n_fit=100, n_val=10, n_test=20, shape=(32, 32, 3), train_size=None):
    from benchmarks.harness.split import Split, SplitInfo

    X, y = np.zeros((n_fit,) + shape, np.uint8), np.arange(n_fit) % 10
    return Split(X, y, X[:n_val], y[:n_val], X[:n_test], y[:n_test], tuple("abcdefghij"),
                 SplitInfo(train_size=train_size or 0))


@pytest.mark.parametrize("name", ["pixels/svm", "color/svm", "hog+color/svm", "bovw/svm",
                                  "all/svm", "ref:hog+color/linearsvc", "ref:pixels/logreg"])
@pytest.mark.parametrize("augment, test_mirrors", [("none", False), ("hflip", True)])
def test_estimated_width_is_the_width_extracted(name, augment, test_mirrors):
    import pipelines
    from benchmarks.harness.cache import open_cache
    from benchmarks.harness.extract import extract_features
    from benchmarks.harness.split import make_split
    from tests.benchmarks.harness._data import color_dataset

    split = make_split(color_dataset(), val_size=15, augment=augment, test_mirrors=test_mirrors)
    F, _, _ = extract_features(pipelines.make(name, image_shape=(16, 16, 3)).named_steps[
        "features"], split, open_cache(enabled=False))
    row = memory.estimate_row(name, split)
    assert row["width"] == F[0].shape[1]
    assert row["features"] == sum(part.nbytes for part in F)


def test_estimate_counts_a_vocabulary_s_patches_and_liblinear_s_copies():
    split = _split()
    bovw = memory.estimate_row("bovw/svm", split)
    # 50 float32 6x6x3 patches per image, and their 8-bit sample while converted.
    assert bovw["vocabulary"] == 100 * 50 * 6 * 6 * 3 * (4 + 1)
    assert bovw["classifier"] == 0
    ref = memory.estimate_row("ref:hog+color/linearsvc", split)
    assert ref["classifier"] == 100 * ref["width"] * 24 and ref["vocabulary"] == 0
    assert memory.estimate_row("ref:pixels/logreg", split)["classifier"] == 0  # keeps float32
    assert ref["peak"] == int(memory.SLACK * (ref["features"] + ref["classifier"]))
    # The networks read the images they are given: nothing to add.
    assert memory.estimate_row("pixels/cnn", split)["peak"] == 0


def test_estimate_counts_the_patches_of_a_capped_vocabulary_sample():
    # 20,000 fit images x 50 patches exceed the cap of 500,000: 10,000 images give theirs.
    bovw = memory.estimate_row("bovw/svm", _split(n_fit=20_000))
    assert bovw["vocabulary"] == 10_000 * 50 * 6 * 6 * 3 * (4 + 1)


def test_check_passes_what_fits_and_names_the_largest_row():
    small, large = _split(), _split(n_fit=400)
    found = memory.check_memory([("hog/svm", small), ("bovw/svm", large), ("color/svm", large)],
                                available=2**30)
    assert found["name"] == "bovw/svm"
    assert memory.check_memory([("all/svm", large)], available=None) is not None  # unknown


def test_check_refuses_what_does_not_fit_with_the_figures_and_the_fixes():
    split = _split(n_fit=1000, n_val=100, n_test=200, train_size=600)
    need = memory.estimate_row("all/svm", split)["peak"]
    with pytest.raises(memory.InsufficientMemoryError) as info:
        memory.check_memory([("hog/svm", split), ("all/svm", split)], available=need // 4)
    message = str(info.value)
    assert message.startswith(f"all/svm needs about {format_bytes(need)} of memory")
    assert "1,300 images (1,000 fit, 100 validation, 200 test) x 4,354 values" in message
    assert f"but {format_bytes(need // 4)} is available" in message
    assert "smaller --train-size (about 150 would fit)" in message
    assert "leave all/svm out of --pipelines" in message and "--scheduler cluster" in message
    assert isinstance(info.value, MemoryError) and isinstance(info.value, ValueError)


def test_the_learning_curve_fix_names_its_option():
    with pytest.raises(memory.InsufficientMemoryError, match="smaller --sizes"):
        memory.check_memory([("bovw/svm", _split())], available=2**10, train_option="--sizes")


@pytest.mark.parametrize("command", ["run", "learning-curve"])
def test_a_run_that_would_not_fit_stops_before_any_work(tmp_path, monkeypatch, capsys, command):
    from benchmarks.harness import curve, runner
    from benchmarks.harness.cli import main

    monkeypatch.setattr(memory, "available_memory", lambda: 2**20)
    for module in (runner, curve):
        monkeypatch.setattr(module, "run_pipeline", lambda *a, **k: pytest.fail("a row ran"))
    out = tmp_path / "out"
    argv = [command, "--dataset", "digits", "--pipelines", "hog/svm", "--out", str(out),
            "--no-cache", "--quiet"] + (["--sizes", "100", "200"] if command != "run" else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "hog/svm needs about" in err and "1 MB is available" in err
    assert ("--sizes" if command != "run" else "--train-size") in err
    assert not list(out.rglob("*.json"))
