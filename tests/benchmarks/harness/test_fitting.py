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


class _Scores:
    """A fitted head whose probabilities and decision values disagree on purpose."""

    classes_ = np.array([10, 20, 30])

    def predict_proba(self, X):
        return X[:, :3]

    def decision_function(self, X):
        return -X[:, :3]


class _Decisions:
    """A fitted head with decision values only, as LinearSVM."""

    def __init__(self, classes):
        self.classes_ = np.asarray(classes)

    def decision_function(self, X):
        return X[:, 0] if len(self.classes_) == 2 else X[:, :len(self.classes_)]


def test_with_mirrors_the_largest_sum_of_probabilities_decides():
    X = np.array([[0.6, 0.4, 0.0], [0.1, 0.2, 0.7]])
    M = np.array([[0.0, 0.5, 0.5], [0.5, 0.6, 0.0]])
    # Sums [0.6, 0.9, 0.5] and [0.6, 0.8, 0.7]; the decision values would pick 30 and 10.
    assert predict_chunked(_Scores(), X, mirrored=M).tolist() == [20, 20]


@pytest.mark.parametrize("rows", [1, 2, 5])
def test_with_mirrors_decision_values_add_up_in_blocks(rows):
    X = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0], [3.0, 0.0, 0.0]])
    M = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    head = _Decisions(["a", "b", "c"])
    assert predict_chunked(head, X, rows=rows, mirrored=M).tolist() == ["b", "b", "c", "a"]


def test_with_mirrors_two_classes_sum_the_one_decision_value():
    X, M = np.array([[1.0], [-1.0], [0.5]]), np.array([[-2.0], [0.5], [0.25]])
    assert predict_chunked(_Decisions([0, 1]), X, mirrored=M).tolist() == [0, 0, 1]


@pytest.mark.parametrize("name", ["hog+color/svm", "hog+color/mlp", "hog+color/softmax"])
def test_an_image_that_is_its_own_mirror_is_predicted_as_without_mirrors(name):
    X, y = _features()
    head = fit_head(_head(name), X, y)
    X_test, _ = _features(n=300, seed=1)
    np.testing.assert_array_equal(
        predict_chunked(head, X_test, copy=True, mirrored=X_test),
        predict_chunked(head, X_test, copy=True))


def test_with_mirrors_copy_leaves_both_feature_arrays_as_they_are():
    X, y = _features()
    head = fit_head(_head("hog+color/svm"), X, y)
    X_test, _ = _features(n=300, seed=1)
    M = X_test[::-1].copy()
    before = X_test.copy(), M.copy()
    predict_chunked(head, X_test, copy=True, mirrored=M)
    np.testing.assert_array_equal(X_test, before[0])
    np.testing.assert_array_equal(M, before[1])
