"""benchmarks/harness/extract.py: a split's features, block by block, with its test mirrors."""

import numpy as np
from sklearn.pipeline import make_union

from benchmarks.harness.cache import open_cache
from benchmarks.harness.extract import extract_features
from benchmarks.harness.split import make_split
from features import HOG, ColorHistogram
from tests.benchmarks.harness._data import tiny_dataset


def test_test_mirrors_add_the_features_of_the_validation_and_test_mirrors(tmp_path):
    split = make_split(tiny_dataset(n_train=90, n_test=30), val_size=15, augment="hflip",
                       test_mirrors=True)
    features = make_union(HOG(pixels_per_cell=(4, 4)), ColorHistogram())
    F, _, _ = extract_features(features, split, open_cache(tmp_path))
    assert len(F) == 5
    fitted = features.fit(split.X_fit)
    for part, images in zip(F, split.images):
        np.testing.assert_allclose(part, fitted.transform(images), rtol=1e-6)
    np.testing.assert_allclose(F[4], fitted.transform(split.X_test[:, :, ::-1]), rtol=1e-6)
    again, _, cached = extract_features(features, split, open_cache(tmp_path))
    assert cached and all(np.array_equal(a, b) for a, b in zip(again, F))


def test_a_cached_block_without_mirrors_is_not_served_to_a_split_with_them(tmp_path):
    ds = tiny_dataset(n_train=90, n_test=30)
    hog = HOG(pixels_per_cell=(4, 4))
    extract_features(hog, make_split(ds, val_size=15, augment="hflip"), open_cache(tmp_path))
    F, _, cached = extract_features(
        hog, make_split(ds, val_size=15, augment="hflip", test_mirrors=True),
        open_cache(tmp_path))
    assert not cached and len(F) == 5


def test_blocks_cached_on_one_core_are_served_to_a_run_on_two(tmp_path):
    split = make_split(tiny_dataset(n_train=90, n_test=30), val_size=15, augment="hflip")
    features = make_union(HOG(pixels_per_cell=(4, 4)), ColorHistogram())
    F, _, cached = extract_features(features, split, open_cache(tmp_path), n_jobs=1)
    assert not cached
    again, _, cached = extract_features(features, split, open_cache(tmp_path), n_jobs=2)
    assert cached and all(np.array_equal(a, b) for a, b in zip(again, F))
