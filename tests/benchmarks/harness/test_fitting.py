"""benchmarks/harness/fitting.py: a row's head fitted on its features in place, predicted in blocks."""

import tracemalloc

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import pipelines
from benchmarks.harness.fitting import fit_head, predict_chunked


def _features(n=900, d=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = (rng.standard_normal((n, d)) * rng.uniform(0.1, 5, d) + y[:, None] * 0.5 + 2)
    return X.astype(np.float32), y


def _head(name):
    return Pipeline(pipelines.make(name, image_shape=(8, 8, 3)).steps[1:])


@pytest.mark.parametrize("name", ["hog+color/svm", "hog+color/softmax", "pixels/svm",
                                  "hog+color/mlp", "ref:hog+color/linearsvc"])
def test_fitting_in_place_predicts_as_the_pipeline_fitted_on_a_copy(name):
    X, y = _features()
    reference = _head(name).fit(X.copy(), y)
    head = fit_head(_head(name), X, y, rows=128)
    scale, ref_scale = head.named_steps["scale"], reference.named_steps["scale"]
    np.testing.assert_allclose(scale.mean_, ref_scale.mean_, rtol=1e-12)
    if ref_scale.scale_ is not None:
        np.testing.assert_allclose(scale.scale_, ref_scale.scale_, rtol=1e-12)
    # X now holds the scaled features, still float32, as the classifier saw them.
    assert X.dtype == np.float32
    np.testing.assert_allclose(X, ref_scale.transform(_features()[0]), rtol=1e-6, atol=1e-6)
    X_test, _ = _features(n=300, seed=1)
    np.testing.assert_array_equal(predict_chunked(head, X_test.copy(), rows=64),
                                  reference.predict(X_test))


def test_a_head_without_a_scaler_is_fitted_as_it_is():
    X, y = _features()
    kept = X.copy()
    head = fit_head(_head("pixels/knn"), X, y)
    np.testing.assert_array_equal(X, kept)
    assert head.named_steps["clf"].n_samples_fit_ == len(y)


def test_fitting_holds_no_copy_of_the_features():
    X, y = _features(n=20000, d=50)
    head = _head("hog+color/svm").set_params(clf__max_epochs=1)
    tracemalloc.start()
    try:
        fit_head(head, X, y, rows=500)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Pipeline.fit makes a scaled copy (1x) and StandardScaler.fit a float64
    # temporary (2x); in place, only blocks of rows and the model's arrays remain.
    assert peak < 0.3 * X.nbytes


@pytest.mark.parametrize("name", ["hog+color/svm", "hog+color/mlp", "pixels/knn"])
@pytest.mark.parametrize("rows", [1, 7, 3200])
def test_chunked_prediction_equals_the_whole(name, rows):
    X, y = _features()
    head = _head(name).fit(X, y)
    X_test, _ = _features(n=250, seed=2)
    expected = clone(head).fit(X, y).predict(X_test)
    np.testing.assert_array_equal(predict_chunked(head, X_test, rows=rows), expected)


@pytest.mark.parametrize("rows", [7, 3200])
def test_chunked_prediction_of_copies_leaves_the_features_unscaled(rows):
    X, y = _features()
    head = fit_head(_head("hog+color/svm"), X.copy(), y)
    X_test, _ = _features(n=250, seed=2)
    before = X_test.copy()
    expected = predict_chunked(clone(head).fit(X, y), X_test.copy(), rows=rows)
    np.testing.assert_array_equal(predict_chunked(head, X_test, rows=rows, copy=True), expected)
    np.testing.assert_array_equal(X_test, before)
