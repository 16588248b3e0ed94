"""benchmarks/data/dataset.py: the Dataset every loader returns."""

import numpy as np

from benchmarks.data.dataset import Dataset


def _xy(n=100, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 4, 4, 3), dtype=np.uint8), np.arange(n) % k


def test_summary_and_counts():
    X, y = _xy(8, 2)
    ds = Dataset(X, y, X[:2], y[:2], ("a", "b"), name="toy")
    assert ds.class_counts().loc["a", "train"] == 4
    assert "toy" in ds.summary() and "(8, 4, 4, 3)" in ds.summary()
    assert ds.image_shape == (4, 4, 3) and ds.n_classes == 2
