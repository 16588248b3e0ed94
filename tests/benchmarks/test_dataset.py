import numpy as np
import pytest

from benchmarks.dataset import Dataset, stratified_subset, validation_split


def _xy(n=100, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 4, 4, 3), dtype=np.uint8), np.arange(n) % k


def test_validation_split_is_stratified_and_seeded():
    X, y = _xy()
    X_fit, X_val, y_fit, y_val = validation_split(X, y, val_size=0.2, random_state=3)
    assert len(y_val) == 20 and np.bincount(y_val).tolist() == [5, 5, 5, 5]
    again = validation_split(X, y, val_size=0.2, random_state=3)
    np.testing.assert_array_equal(again[1], X_val)
    assert len(y_fit) + len(y_val) == len(y)


@pytest.mark.parametrize("bad", [0.0, 1.0, 0, 100, "a"])
def test_validation_split_bad_size(bad):
    X, y = _xy()
    with pytest.raises(ValueError, match="val_size"):
        validation_split(X, y, val_size=bad)


def test_stratified_subset():
    X, y = _xy()
    X_sub, y_sub = stratified_subset(X, y, 40, random_state=0)
    assert np.bincount(y_sub).tolist() == [10, 10, 10, 10]
    assert stratified_subset(X, y, None)[0] is X
    with pytest.raises(ValueError, match="number of samples \\(100\\); got 101"):
        stratified_subset(X, y, 101)


def test_summary_and_counts():
    X, y = _xy(8, 2)
    ds = Dataset(X, y, X[:2], y[:2], ("a", "b"), name="toy")
    assert ds.class_counts().loc["a", "train"] == 4
    assert "toy" in ds.summary() and "(8, 4, 4, 3)" in ds.summary()
    assert ds.image_shape == (4, 4, 3) and ds.n_classes == 2
