"""benchmarks/harness/cache.py: feature blocks and rows cached under keys that cannot go stale."""

import joblib
import numpy as np
from sklearn.pipeline import make_union

from benchmarks.harness import cache, evaluate
from benchmarks.harness.cache import feature_memory
from benchmarks.harness.evaluate import extract_features
from features import HOG, ColorHistogram
from tests.benchmarks.harness._data import tiny_split


def test_blocks_are_cached_and_the_images_hashed_once_per_call(tmp_path, monkeypatch):
    features = make_union(HOG(pixels_per_cell=(4, 4)), ColorHistogram())
    split = tiny_split()
    memory = feature_memory(tmp_path)
    first, _, cached = extract_features(features, split, memory)
    assert not cached
    hashes = []
    real_hash = joblib.memory.hashing.hash
    monkeypatch.setattr(joblib.memory.hashing, "hash",
                        lambda *a, **k: hashes.append(1) or real_hash(*a, **k))
    again, _, cached = extract_features(features, split, memory)
    assert cached
    assert len(hashes) == 2  # one per block: no separate lookup before the call
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_disabled_cache_never_reports_a_hit(tmp_path):
    memory = feature_memory(enabled=False)
    split = tiny_split()
    for _ in range(2):
        _, _, cached = extract_features(HOG(pixels_per_cell=(4, 4)), split, memory)
        assert not cached


def test_row_cache_key_has_no_memory_addresses_for_any_pipeline():
    # A key holding "<function f at 0x...>" differs in every process, so a
    # second run would miss the row cache (the reference rows did).
    import re

    import pipelines
    from benchmarks.harness.cache import pipeline_fingerprint

    for name in pipelines.available():
        pipe = pipelines.make(name, image_shape=(32, 32, 3), random_state=0)
        key = str(pipeline_fingerprint(pipe))
        assert not re.search(r"0x[0-9a-f]{6,}", key), (name, key)
        assert key == str(pipeline_fingerprint(pipelines.make(name, image_shape=(32, 32, 3),
                                                      random_state=0)))


def test_changed_code_never_serves_cached_features(tmp_path, monkeypatch):
    split = tiny_split()
    memory = feature_memory(tmp_path)
    hog = HOG(pixels_per_cell=(4, 4))
    assert not extract_features(hog, split, memory)[2]
    assert extract_features(hog, split, memory)[2]
    monkeypatch.setattr(evaluate, "code_fingerprint", lambda: "edited kernel")
    assert not extract_features(hog, split, memory)[2]


def test_code_fingerprint_changes_with_any_source_file(tmp_path, monkeypatch):
    package = tmp_path / "fb_fake_kernels"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    kernel = package / "sub" / "kernel.py"
    kernel.write_text("SCALE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cache, "_CODE_PACKAGES", ("fb_fake_kernels",))
    cache.code_fingerprint.cache_clear()
    before = cache.code_fingerprint()
    kernel.write_text("SCALE = 2\n")
    cache.code_fingerprint.cache_clear()
    try:
        assert cache.code_fingerprint() != before
    finally:
        monkeypatch.undo()
        cache.code_fingerprint.cache_clear()
