"""benchmarks/harness/search.py: a row's grid, each setting fitted once, scored and cached."""

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

import pipelines
from benchmarks.harness import search
from benchmarks.harness.cache import ResultCache, open_cache
from benchmarks.harness.evaluate import run_pipeline
from benchmarks.harness.fitting import fit_head, predict_chunked
from benchmarks.harness.search import SearchCells, array_bytes, keeps_head, search_head
from benchmarks.harness.split import make_split
from classifiers import LinearSVM
from tests.benchmarks.harness._data import tiny_dataset


def _head(name="hog/svm"):
    return Pipeline(pipelines.make(name, image_shape=(8, 8, 3), random_state=0).steps[1:])


def _features(split, d=6, seed=0):
    rng = np.random.RandomState(seed)
    return (rng.standard_normal((len(split.y_fit), d)) * 3 + 5,
            rng.standard_normal((len(split.y_val), d)) * 3 + 5)


def _split():
    return make_split(tiny_dataset(), val_size=12, augment="none")


def test_search_equals_grid_search_cv_on_the_predefined_split():
    from sklearn.model_selection import GridSearchCV, PredefinedSplit

    split = _split()
    F = _features(split)
    head = _head()
    space = {"clf__alpha": [1e-4, 1e-2, 1.0, 10.0]}
    fold = np.r_[np.full(len(split.y_fit), -1), np.zeros(len(split.y_val), dtype=int)]
    reference = GridSearchCV(head, space, cv=PredefinedSplit(fold), refit=False).fit(
        np.vstack(F), np.concatenate([split.y_fit, split.y_val]))
    score, params, _, _ = search_head(head, space, F, split, n_jobs=2)
    assert score == pytest.approx(reference.best_score_, abs=1e-12)
    assert params == reference.best_params_


def test_a_search_leaves_the_features_it_shares_unscaled():
    split = _split()
    F = _features(split)
    before = tuple(part.copy() for part in F)
    search_head(_head(), {"clf__alpha": [1e-4, 1e-2]}, F, split, n_jobs=None)
    for part, kept in zip(F, before):
        np.testing.assert_array_equal(part, kept)


def test_a_search_fit_holds_one_copy_of_the_fit_features():
    import tracemalloc

    from benchmarks.harness.memory import SEARCH_COPIES

    rng = np.random.RandomState(0)
    F_fit = rng.standard_normal((20000, 60)).astype(np.float32)
    y = np.arange(20000) % 3
    tracemalloc.start()
    try:
        search.validation_score(_head(), {"clf__max_epochs": 1}, F_fit, y, F_fit[:100], y[:100])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Its copy of the fit part and blocks of rows, within what the memory model counts
    # for a worker; GridSearchCV's fit held 2.25 copies.
    assert F_fit.nbytes <= peak < SEARCH_COPIES * F_fit.nbytes


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_the_search_hands_back_the_winner_as_fitted_alone(n_jobs):
    split = _split()
    F = _features(split)
    space = {"clf__alpha": [1e-4, 1e-2, 1.0]}
    score, params, fitted, _ = search_head(_head(), space, F, split, n_jobs=n_jobs)
    alone = fit_head(_head().set_params(**params), F[0].copy(), split.y_fit)
    X = np.vstack(F)
    np.testing.assert_array_equal(predict_chunked(fitted, X, copy=True),
                                  predict_chunked(alone, X, copy=True))
    assert np.mean(predict_chunked(fitted, F[1], copy=True) == split.y_val) == score


def test_the_search_hands_back_no_head_larger_than_its_budget(monkeypatch):
    split = _split()
    F = _features(split)
    # A kNN holds its training set: the fit features, larger than this budget.
    monkeypatch.setattr(search, "HEAD_BYTES", F[0].nbytes - 1)
    _, _, fitted, _ = search_head(_head("pixels/knn"), {"clf__n_neighbors": [1, 3]}, F, split,
                                  n_jobs=None)
    assert fitted is None
    _, _, fitted, _ = search_head(_head(), {"clf__alpha": [1e-4, 1e-2]}, F, split, n_jobs=None)
    assert fitted is not None


def test_array_bytes_counts_the_weights_in_an_mlps_lists():
    split = _split()
    F = _features(split, d=20)
    head = _head("hog+color/mlp").set_params(clf__max_epochs=1, clf__hidden_layer_sizes=(7,))
    fitted = fit_head(head, F[0], split.y_fit)
    clf = fitted.named_steps["clf"]
    weights = sum(a.nbytes for a in clf.coefs_ + clf.intercepts_)
    assert weights == (20 * 7 + 7 * 3 + 7 + 3) * clf.coefs_[0].itemsize
    assert array_bytes(clf) >= weights
    assert array_bytes(fitted) == array_bytes(clf) + array_bytes(fitted.named_steps["scale"])


@pytest.mark.parametrize("name", ["hog/svm", "hog+color/mlp", "pixels/knn"])
def test_a_head_is_kept_when_its_arrays_fit_the_budget(name):
    split = _split()
    F = _features(split, d=50)
    head = _head(name)
    if "max_epochs" in head.named_steps["clf"].get_params():
        head.set_params(clf__max_epochs=1)
    fitted = fit_head(head, F[0].copy(), split.y_fit)
    size = array_bytes(fitted)
    assert size > 0
    assert keeps_head(fitted) and keeps_head(fitted, budget=size)
    assert not keeps_head(fitted, budget=size - 1)


def _count_fits(monkeypatch):
    fits = []
    real = LinearSVM.fit

    def fit(self, X, y):
        fits.append(self.alpha)
        return real(self, X, y)

    monkeypatch.setattr(LinearSVM, "fit", fit)
    return fits


def test_a_searched_row_fits_each_setting_once(monkeypatch):
    fits = _count_fits(monkeypatch)
    row = run_pipeline("hog/svm", _split(), open_cache(enabled=False), search=True)
    assert sorted(fits) == sorted(pipelines.search_space("hog/svm")["clf__alpha"])
    assert row["tuned"] and row["best_params"]["clf__alpha"] in fits


def test_a_stopped_search_resumes_at_the_settings_it_had_not_scored(monkeypatch, tmp_path):
    import shutil

    split = _split()
    grid = pipelines.search_space("hog/svm")["clf__alpha"]
    alone = run_pipeline("hog/svm", split, open_cache(enabled=False), search=True)
    real = search.validation_score
    calls = []

    def stopped_after_two(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(search, "validation_score", stopped_after_two)
    cache = open_cache(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_pipeline("hog/svm", split, cache, search=True)
    assert len(list((tmp_path / "search").glob("*/entry.json"))) == 2
    fits = _count_fits(monkeypatch)
    monkeypatch.setattr(search, "validation_score", real)
    row = run_pipeline("hog/svm", split, cache, search=True)
    # The third setting scored; the winner fitted again unless it was the third.
    assert fits[0] == grid[2] and len(fits) in (1, 2)
    for key in ("best_params", "val_accuracy", "predictions", "accuracy"):
        assert row[key] == alone[key]
    shutil.rmtree(tmp_path / "rows")  # the row computed again: every score read back
    fits.clear()
    again = run_pipeline("hog/svm", split, cache, search=True)
    assert fits == [again["best_params"]["clf__alpha"]]
    assert again["predictions"] == alone["predictions"]


def test_a_resumed_row_counts_the_seconds_of_the_scores_it_read(tmp_path):
    import shutil

    split = _split()
    cache = open_cache(tmp_path)
    run_pipeline("hog/svm", split, cache, search=True)
    shutil.rmtree(tmp_path / "rows")
    recorded = 0.0
    for entry in (tmp_path / "search").glob("*"):
        doc, _ = cache.fetch("search", entry.name)
        recorded += doc["seconds"]
    again = run_pipeline("hog/svm", split, cache, search=True)
    assert again["fit_time"] >= recorded > 0


def test_search_scores_are_kept_apart_by_feature_setting(tmp_path):
    cells = SearchCells(ResultCache(tmp_path), "bovw/svm", 0)
    cells.put({"features__n_words": 6, "clf__alpha": 0.1}, 0.5, 1.0)
    assert cells.get({"clf__alpha": 0.1, "features__n_words": 6}) == (0.5, 1.0)
    assert cells.get({"features__n_words": 24, "clf__alpha": 0.1}) is None
    assert SearchCells(ResultCache(tmp_path), "bovw/svm", 1).get(
        {"features__n_words": 6, "clf__alpha": 0.1}) is None


@pytest.mark.parametrize("doc", [{"score": 2.0, "seconds": 1.0}, {"score": "0.5", "seconds": 1.0},
                                 {"score": 0.5}, {"score": True, "seconds": 1.0},
                                 {"score": 0.5, "seconds": -1.0}, [0.5, 1.0]])
def test_a_damaged_search_score_is_said_and_scored_again(doc, tmp_path):
    notices = []
    cache = ResultCache(tmp_path, notice=notices.append)
    cells = SearchCells(cache, "hog/svm", 0)
    settings = {"clf__alpha": 0.1}
    cache.store("search", cells._key(settings), doc)
    assert cells.get(settings) is None
    assert len(notices) == 1 and "unreadable" in notices[0] and "search score" in notices[0]
    assert not any((tmp_path / "search").glob("*/entry.json"))
