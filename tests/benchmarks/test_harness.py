"""Tests of benchmarks/harness.py that need no real data: feature-block caching."""

import joblib
import numpy as np

from benchmarks.harness import Split, extract_features, feature_memory
from features import ColorHistogram, HOG
from sklearn.pipeline import make_union


def tiny_split(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (30, 16, 16, 3), dtype=np.uint8)
    y = np.arange(30) % 3
    return Split(X[:20], y[:20], X[20:25], y[20:25], X[25:], y[25:], ("a", "b", "c"), {})


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
