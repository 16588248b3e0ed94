"""benchmarks/harness/cache.py: feature blocks and rows cached under keys that cannot go
stale, in files that cannot run code."""

import json
import os
import pickle

import joblib
import numpy as np
import pytest
from sklearn.pipeline import make_union

from benchmarks.harness import cache, extract, fingerprint
from benchmarks.harness.cache import ResultCache, open_cache
from benchmarks.harness.extract import extract_features
from benchmarks.harness.runner import run_benchmark
from features import HOG, ColorHistogram
from tests.benchmarks.harness._data import tiny_dataset, tiny_split


def test_blocks_are_cached_and_the_images_hashed_once_per_call(tmp_path, monkeypatch):
    features = make_union(HOG(pixels_per_cell=(4, 4)), ColorHistogram())
    split = tiny_split()
    store = open_cache(tmp_path)
    first, _, cached = extract_features(features, split, store)
    assert not cached
    hashes = []
    real_hash = joblib.hash
    monkeypatch.setattr(joblib, "hash", lambda *a, **k: hashes.append(1) or real_hash(*a, **k))
    again, _, cached = extract_features(features, split, store)
    assert cached
    assert len(hashes) == 2  # one per block: no separate lookup before the call
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_disabled_cache_never_reports_a_hit(tmp_path):
    store = open_cache(enabled=False)
    split = tiny_split()
    for _ in range(2):
        _, _, cached = extract_features(HOG(pixels_per_cell=(4, 4)), split, store)
        assert not cached


def test_row_cache_key_has_no_memory_addresses_for_any_pipeline():
    # A key holding "<function f at 0x...>" differs in every process, so a
    # second run would miss the row cache (the reference rows did).
    import re

    import pipelines
    from benchmarks.harness.fingerprint import pipeline_fingerprint

    for name in pipelines.available():
        pipe = pipelines.make(name, image_shape=(32, 32, 3), random_state=0)
        key = str(pipeline_fingerprint(pipe))
        assert not re.search(r"0x[0-9a-f]{6,}", key), (name, key)
        assert key == str(pipeline_fingerprint(pipelines.make(name, image_shape=(32, 32, 3),
                                                      random_state=0)))


def test_changed_code_never_serves_cached_features(tmp_path, monkeypatch):
    split = tiny_split()
    store = open_cache(tmp_path)
    hog = HOG(pixels_per_cell=(4, 4))
    assert not extract_features(hog, split, store)[2]
    assert extract_features(hog, split, store)[2]
    monkeypatch.setattr(extract, "code_fingerprint", lambda: "edited kernel")
    assert not extract_features(hog, split, store)[2]


def test_code_fingerprint_changes_with_any_source_file(tmp_path, monkeypatch):
    package = tmp_path / "fb_fake_kernels"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    kernel = package / "sub" / "kernel.py"
    kernel.write_text("SCALE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(fingerprint, "_CODE_PACKAGES", ("fb_fake_kernels",))
    fingerprint.code_fingerprint.cache_clear()
    before = fingerprint.code_fingerprint()
    kernel.write_text("SCALE = 2\n")
    fingerprint.code_fingerprint.cache_clear()
    try:
        assert fingerprint.code_fingerprint() != before
    finally:
        monkeypatch.undo()
        fingerprint.code_fingerprint.cache_clear()


# -- nothing in the cache can run code ------------------------------------------------


class _Hostile:
    """A pickle whose loading would create ``marker``: code run by whoever reads it."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def _plant(folder, marker):
    # Every stored result (joblib's func_code.py is only a text copy of the function).
    planted = [p for p in folder.rglob("*") if p.is_file() and p.name != "func_code.py"]
    for path in planted:
        path.write_bytes(pickle.dumps(_Hostile(marker)))
    return planted


def test_hostile_pickles_planted_in_the_cache_run_nothing(tmp_path, capsys):
    ds, folder, marker = tiny_dataset(n_train=90, n_test=30), tmp_path / "c", tmp_path / "ran"
    kw = dict(val_size=15, augment="none", cache_dir=folder, quiet=True, make_plots=False)
    first = run_benchmark(ds, ["hog/svm"], out=tmp_path / "a", **kw)
    assert _plant(folder, marker)
    again = run_benchmark(ds, ["hog/svm"], out=tmp_path / "b", **kw)
    assert not marker.exists()
    # Computed again, the row and its feature block each said in one line.
    assert again["cache"].tolist() == ["none"]
    assert again["accuracy"].tolist() == first["accuracy"].tolist()
    err = capsys.readouterr().err
    assert err.count("is unreadable") == 2 and err.count("\n") == 2
    assert "(row hog/svm) is unreadable" in err and "(features HOG) is unreadable" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", ["entry.json", "0.npy"])
def test_a_hostile_pickle_in_any_file_of_an_entry_is_damage(tmp_path, name):
    notices, marker = [], tmp_path / "ran"
    store = ResultCache(tmp_path / "c", notices.append)
    key = store.key("x")
    store.store("blocks", key, {"seconds": 1.0}, [np.ones((2, 3))])
    entry = tmp_path / "c" / "blocks" / key
    (entry / name).write_bytes(pickle.dumps(_Hostile(marker)))
    assert store.fetch("blocks", key) is None
    assert not marker.exists() and not entry.exists()
    assert len(notices) == 1 and str(entry) in notices[0]


def test_object_arrays_are_never_stored(tmp_path):
    notices = []
    store = ResultCache(tmp_path, notices.append)
    store.store("blocks", "k", {}, [np.array([{"a": 1}], dtype=object)])
    assert store.fetch("blocks", "k") is None
    assert len(notices) == 1 and "could not store" in notices[0]


@pytest.mark.parametrize("damage", [
    lambda entry: (entry / "0.npy").write_bytes((entry / "0.npy").read_bytes()[:-8]),
    lambda entry: (entry / "entry.json").write_text("{"),
    lambda entry: (entry / "entry.json").write_text('{"format": 99}'),
    lambda entry: (entry / "1.npy").unlink(),
    lambda entry: np.save(entry / "0.npy", np.ones((3, 2))),  # not one row per image
    lambda entry: (entry / "entry.json").write_text("[" * 200_000 + "]" * 200_000),
], ids=["truncated", "bad-json", "other-format", "missing-array", "wrong-shape",
        "nested-200000-deep"])
def test_a_damaged_block_is_computed_again_with_one_line(tmp_path, damage):
    split, notices = tiny_split(), []
    store = ResultCache(tmp_path, notices.append)
    hog = HOG(pixels_per_cell=(4, 4))
    first, _, _ = extract_features(hog, split, store)
    (entry,) = (tmp_path / "blocks").iterdir()
    damage(entry)
    again, _, cached = extract_features(hog, split, store)
    assert not cached and len(notices) == 1 and "computing it again" in notices[0]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert extract_features(hog, split, store)[2]  # stored again, whole


def test_a_second_writer_of_the_same_entry_is_not_an_error(tmp_path):
    notices = []
    store = ResultCache(tmp_path, notices.append)
    store.store("rows", "k", {"a": 1})
    store.store("rows", "k", {"a": 2})  # the first one stays; no temporary folder is left
    assert store.fetch("rows", "k")[0] == {"a": 1} and notices == []
    assert [p.name for p in (tmp_path / "rows").iterdir()] == ["k"]


def test_a_cache_folder_that_cannot_be_written_is_said_up_front(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PermissionError, match=r"cache folder .*file/c is not writable.*"
                                              r"--cache-dir DIR.*--no-cache"):
        open_cache(blocker / "c")


def test_a_read_only_home_is_said_up_front(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("FEATBENCH_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(home))
    real_mkdir = type(home).mkdir

    def read_only(self, *args, **kwargs):
        if str(self).startswith(str(home)):
            raise PermissionError(13, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(type(home), "mkdir", read_only)
    with pytest.raises(PermissionError, match=r"home/.cache/featbench/features is not writable "
                                              r"\(Permission denied\).*--cache-dir DIR"):
        open_cache()


def test_an_entry_that_cannot_be_stored_is_a_notice_not_an_error(tmp_path, monkeypatch):
    notices = []
    store = ResultCache(tmp_path, notices.append)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", disk_full)
    out, _, cached = extract_features(HOG(pixels_per_cell=(4, 4)), tiny_split(), store)
    assert not cached and out[0].shape[0] == 20
    assert len(notices) == 1 and "No space left on device" in notices[0]
    assert not list((tmp_path / "blocks").iterdir())  # no half-written entry


def _stacking_split(n=600, seed=0):
    from benchmarks.harness.split import Split

    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (n + 100, 16, 16, 3), dtype=np.uint8)
    y = np.arange(n + 100) % 3
    return Split(X[:n], y[:n], X[n:n + 50], y[n:n + 50], X[n + 50:], y[n + 50:],
                 ("a", "b", "c"))


@pytest.mark.parametrize("use_cache", [False, True])
def test_stacked_blocks_equal_the_blocks_side_by_side(tmp_path, use_cache):
    split = _stacking_split(n=60)
    hog, color = HOG(pixels_per_cell=(4, 4), chunk_size=7), ColorHistogram(chunk_size=5)
    store = open_cache(tmp_path if use_cache else None, enabled=use_cache)
    for _ in range(2):  # computed, then (with the cache) read into place
        F, _, _ = extract_features(make_union(hog, color), split, store)
        for part, X in zip(F, (split.X_fit, split.X_val, split.X_test)):
            expected = np.hstack([hog.fit(split.X_fit).transform(X),
                                  color.fit(split.X_fit).transform(X)])
            assert part.dtype == expected.dtype and part.flags.c_contiguous
            np.testing.assert_array_equal(part, expected)


@pytest.mark.parametrize("use_cache", [False, True])
def test_stacking_holds_the_features_once(tmp_path, use_cache, monkeypatch):
    import tracemalloc

    monkeypatch.setattr(cache, "READ_ROWS", 64)  # cached blocks read a few rows at a time

    split = _stacking_split()
    features = make_union(HOG(pixels_per_cell=(4, 4), chunk_size=16),
                          HOG(pixels_per_cell=(4, 4), orientations=12, chunk_size=16))
    store = open_cache(tmp_path if use_cache else None, enabled=use_cache)
    # Stored, then measured when read back; without the cache, this builds the
    # kernels' lookup tables once (kept for the process) before the measure.
    extract_features(features, split, store)
    tracemalloc.start()
    try:
        F, _, cached = extract_features(features, split, store)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert cached == use_cache
    held = sum(part.nbytes for part in F)
    # The blocks and their concatenation side by side would be twice the features.
    assert peak < 1.4 * held


def test_stored_column_slices_read_back_whole_and_into_place(tmp_path):
    store = open_cache(tmp_path)
    wide = np.arange(60, dtype=np.float32).reshape(6, 10)
    store.store("blocks", "k", {"seconds": 1.0}, [wide[:, 3:7]])
    doc, (stored,) = store.fetch("blocks", "k", lazy=True)
    assert isinstance(stored, cache.StoredArray) and stored.shape == (6, 4)
    np.testing.assert_array_equal(stored.read(), wide[:, 3:7])
    out = np.zeros((6, 9), np.float32)
    stored.read_into(out[:, 2:6], rows=4)
    np.testing.assert_array_equal(out[:, 2:6], wide[:, 3:7])
    assert not out[:, :2].any() and not out[:, 6:].any()


@pytest.mark.parametrize("damage", ["truncate", "objects"])
def test_a_damaged_lazy_entry_is_computed_again(tmp_path, damage):
    notices = []
    store = ResultCache(tmp_path, notice=notices.append)
    store.store("blocks", "k", {"seconds": 1.0}, [np.ones((4, 3), np.float32)])
    path = tmp_path / "blocks" / "k" / "0.npy"
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:-5])
    else:
        with open(path, "wb") as fh:
            np.lib.format.write_array(fh, np.array([None, 1], dtype=object), allow_pickle=True)
    assert store.fetch("blocks", "k", lazy=True) is None
    assert "unreadable" in notices[0] and not (tmp_path / "blocks" / "k").exists()


@pytest.mark.parametrize("damage", [
    lambda doc: {k: v for k, v in doc.items() if k != "per_class_accuracy"},
    lambda doc: {**doc, "accuracy": "high"},
    lambda doc: {**doc, "predictions": doc["predictions"][:-1]},
], ids=["missing-key", "string-accuracy", "short-predictions"])
def test_a_damaged_cached_row_is_removed_and_computed_again(tmp_path, damage):
    from benchmarks.harness.evaluate import run_pipeline

    split, notices = tiny_split(), []
    store = ResultCache(tmp_path, notices.append)
    first = run_pipeline("hog/svm", split, store)
    (entry,) = (tmp_path / "rows").iterdir()
    doc = json.loads((entry / "entry.json").read_text())
    doc["document"] = damage(doc["document"])
    (entry / "entry.json").write_text(json.dumps(doc))
    again = run_pipeline("hog/svm", split, store)
    assert again["cache"] != "row" and again["accuracy"] == first["accuracy"]
    assert len(notices) == 1 and "row hog/svm" in notices[0] and "computing it again" in notices[0]
    assert run_pipeline("hog/svm", split, store)["cache"] == "row"  # stored again, whole


def test_a_cache_entry_being_written_by_another_process_is_left_to_it(tmp_path):
    import socket

    notices = []
    store = ResultCache(tmp_path, notices.append)
    (tmp_path / "rows").mkdir()
    # A live process (this test's parent) holds the entry's lock.
    (tmp_path / "rows" / ".k.lock").write_text(json.dumps({"pid": os.getppid(),
                                                            "host": socket.gethostname()}))
    store.store("rows", "k", {"a": 1})
    assert store.fetch("rows", "k") is None and notices == []
    assert sorted(p.name for p in (tmp_path / "rows").iterdir()) == [".k.lock"]


def test_a_cache_pickles_to_be_sent_to_dask_workers(tmp_path):
    store = pickle.loads(pickle.dumps(ResultCache(tmp_path)))
    assert store.location == tmp_path and store.fetch("rows", "nothing") is None
