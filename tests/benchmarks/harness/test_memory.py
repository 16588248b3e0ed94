"""Peak memory per phase, the process's peak across resets, and the memory available."""

import numpy as np
import pytest

from benchmarks.harness import memory
from benchmarks.harness.memory import (available_memory, format_bytes, peak_rss, phase_peak,
                                       process_peak_rss, reset_peak_rss)

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
