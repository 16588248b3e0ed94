import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import KNeighborsClassifier

from classifiers import KNNClassifier

SK_METRIC = {"l2": "euclidean", "l1": "manhattan"}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 7))
    y = rng.integers(0, 4, 120)
    return X, y, rng.standard_normal((90, 7))


@pytest.mark.parametrize("metric", ["l2", "l1"])
@pytest.mark.parametrize("k", [1, 3, 4, 10])
def test_predictions_equal_sklearn_brute_force(data, metric, k):
    X, y, Xt = data
    ours = KNNClassifier(k, metric=metric).fit(X, y)
    ref = KNeighborsClassifier(k, metric=SK_METRIC[metric], algorithm="brute").fit(X, y)
    np.testing.assert_array_equal(ours.predict(Xt), ref.predict(Xt))
    np.testing.assert_allclose(ours.predict_proba(Xt), ref.predict_proba(Xt))
    dist, ind = ours.kneighbors(Xt)
    ref_dist, ref_ind = ref.kneighbors(Xt)
    np.testing.assert_array_equal(ind, ref_ind)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("metric,expected", [
    # query (0, 0); training points (3, 4): l2 5, l1 7; (6, 0): 6 and 6; (1, 1): sqrt 2 and 2
    ("l2", [[np.sqrt(2), 5.0, 6.0]]),
    ("l1", [[2.0, 6.0, 7.0]]),
])
def test_known_distances(metric, expected):
    X = np.array([[3.0, 4.0], [6.0, 0.0], [1.0, 1.0]])
    clf = KNNClassifier(3, metric=metric).fit(X, [0, 1, 1])
    dist, ind = clf.kneighbors([[0.0, 0.0]])
    np.testing.assert_allclose(dist, expected)
    assert ind.tolist() == ([[2, 0, 1]] if metric == "l2" else [[2, 1, 0]])


def test_majority_vote_known_answer():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [10.0]])
    clf = KNNClassifier(3).fit(X, ["cat", "dog", "dog", "cat", "cat"])
    # neighbours of 1.6: 2 (dog), 1 (dog), 3 (cat)
    assert clf.predict([[1.6]]).tolist() == ["dog"]
    np.testing.assert_allclose(clf.predict_proba([[1.6]]), [[1 / 3, 2 / 3]])


def test_vote_tie_goes_to_the_smallest_label():
    X = np.array([[0.0], [1.0], [5.0], [6.0]])
    clf = KNNClassifier(2).fit(X, [7, 3, 3, 7])
    # 0.9: nearest 1.0 (label 3), then 0.0 (label 7) -> tie -> 3
    # 5.9: nearest 6.0 (label 7), then 5.0 (label 3) -> tie -> 3 as well
    assert clf.predict([[0.9], [5.9]]).tolist() == [3, 3]


def test_distance_ties_go_to_training_order():
    # Four training points at the same distance 1 from the query.
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, -1.0], [-1.0, 0.0], [5.0, 5.0]])
    clf = KNNClassifier(2).fit(X, [0, 1, 1, 0, 1])
    _, ind = clf.kneighbors([[0.0, 0.0]], n_neighbors=3)
    assert ind.tolist() == [[0, 1, 2]]
    # The two neighbours are rows 0 (label 0) and 1 (label 1), whichever order they come in.
    X_rev = X[[3, 2, 1, 0, 4]]
    _, ind = KNNClassifier(2).fit(X_rev, [0, 1, 1, 0, 1]).kneighbors([[0.0, 0.0]])
    assert ind.tolist() == [[0, 1]]


@pytest.mark.parametrize("metric", ["l2", "l1"])
@pytest.mark.parametrize("chunk_size", [1, 7, 89, 90, 1000])
def test_chunking_gives_identical_results(data, metric, chunk_size):
    X, y, Xt = data
    whole = KNNClassifier(5, metric=metric, chunk_size=None).fit(X, y)
    chunked = KNNClassifier(5, metric=metric, chunk_size=chunk_size).fit(X, y)
    np.testing.assert_array_equal(chunked.predict_proba(Xt), whole.predict_proba(Xt))
    np.testing.assert_array_equal(chunked.predict(Xt), whole.predict(Xt))
    (dist, ind), (whole_dist, whole_ind) = chunked.kneighbors(Xt), whole.kneighbors(Xt)
    np.testing.assert_array_equal(ind, whole_ind)
    # BLAS may round a product of fewer rows differently, in the last bit.
    np.testing.assert_allclose(dist, whole_dist, rtol=1e-14)


@pytest.mark.parametrize("elements,test_rows", [(1, 1), (3, 2), (7, 3), (64, 8), (2**17, 5)])
def test_l1_blocks_give_the_same_distances(data, monkeypatch, elements, test_rows):
    # Budgets below the number of features split each row into runs of features;
    # larger ones take several training rows per block.
    X, y, Xt = data
    expected = np.abs(Xt[:, None, :] - X[None, :, :]).sum(axis=2)
    monkeypatch.setattr("classifiers.knn._L1_BLOCK_ELEMENTS", elements)
    monkeypatch.setattr("classifiers.knn._L1_TEST_ROWS", test_rows)
    dist, ind = KNNClassifier(len(X), metric="l1").fit(X, y).kneighbors(Xt)
    np.testing.assert_allclose(dist, np.sort(expected, axis=1), rtol=1e-12)
    np.testing.assert_allclose(np.take_along_axis(expected, ind, axis=1), dist, rtol=1e-12)


@pytest.mark.parametrize("metric", ["l2", "l1"])
def test_float32_is_kept(data, metric):
    X, y, Xt = data
    clf = KNNClassifier(3, metric=metric).fit(X.astype(np.float32), y)
    dist, _ = clf.kneighbors(Xt.astype(np.float32))
    assert dist.dtype == np.float32
    ref = KNNClassifier(3, metric=metric).fit(X, y)
    np.testing.assert_array_equal(clf.predict(Xt.astype(np.float32)), ref.predict(Xt))


@pytest.mark.parametrize("params,error,match", [
    ({"n_neighbors": 0}, ValueError, "n_neighbors must be an integer >= 1; got 0"),
    ({"n_neighbors": 2.5}, TypeError, "n_neighbors must be an integer >= 1; got 2.5"),
    ({"metric": "cosine"}, ValueError, "metric must be one of 'l2', 'l1'; got 'cosine'"),
    ({"chunk_size": 0}, ValueError, "chunk_size must be an integer >= 1; got 0"),
    ({"n_neighbors": 11}, ValueError,
     "n_neighbors must be at most the number of training samples; got n_neighbors=11 "
     "for n_samples=10"),
])
def test_invalid_parameters(params, error, match):
    X, y = np.arange(20.0).reshape(10, 2), [0, 1] * 5
    with pytest.raises(error, match=match):
        KNNClassifier(**params).fit(X, y)


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError):
        KNNClassifier().predict(np.zeros((1, 2)))


def test_feature_count_must_match(data):
    X, y, _ = data
    clf = KNNClassifier().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features"):
        clf.predict(np.zeros((2, 3)))
