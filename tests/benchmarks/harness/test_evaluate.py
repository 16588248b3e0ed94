"""benchmarks/harness/evaluate.py: one row, from features to scores."""

import warnings

import joblib
import numpy as np
import pytest

import pipelines
from benchmarks.harness.cache import open_cache
from benchmarks.harness.evaluate import run_pipeline
from benchmarks.harness.split import make_split
from tests.benchmarks.harness._data import color_dataset, tiny_dataset


def test_changed_augment_never_reuses_the_other_cached_row(tmp_path):
    ds = tiny_dataset(n_train=90, n_test=30)
    cache = open_cache(tmp_path)
    rows = {}
    for augment in ("none", "hflip", "none", "hflip"):
        split = make_split(ds, val_size=15, augment=augment)
        row = run_pipeline("hog/svm", split, cache)
        rows.setdefault(augment, []).append(row)
    first_none, again_none = rows["none"]
    first_flip, again_flip = rows["hflip"]
    assert first_none["cache"] == "none"
    assert first_flip["cache"] == "none"  # not the row (nor the features) of "none"
    assert again_none["cache"] == "row" and again_flip["cache"] == "row"
    assert again_none["predictions"] == first_none["predictions"]
    assert again_flip["predictions"] == first_flip["predictions"]


def _record_make(monkeypatch):
    import pipelines

    built, real = [], pipelines.make
    monkeypatch.setattr(pipelines, "make",
                        lambda *a, **k: built.append(real(*a, **k)) or built[-1])
    return built


@pytest.mark.parametrize("name", ["pixels/svm", "pixels/softmax", "pixels/mlp",
                                  "ref:pixels/logreg"])
@pytest.mark.parametrize("augment", ["hflip", "shift", "hflip+shift"])
def test_a_raw_pixel_row_draws_its_augmentation_per_batch(name, augment, monkeypatch):
    split = make_split(tiny_dataset(), val_size=12, augment=augment, in_batches=True)
    built = _record_make(monkeypatch)
    row = run_pipeline(name, split, open_cache(enabled=False))
    clf = built[0].named_steps["clf"]
    assert (clf.augment, clf.image_shape) == (augment, (8, 8, 3))
    if "shift" in augment:
        assert clf.shift == split.config["shift_pixels"] == 1
    assert row["augment"] == f"{augment} per batch" and row["fit_images"] == 48


@pytest.mark.parametrize("name", ["hog/svm", "pixels/knn"])
def test_a_row_without_batches_fits_on_the_mirror_copies(name, monkeypatch):
    split = make_split(tiny_dataset(), val_size=12, augment="hflip+shift")
    built = _record_make(monkeypatch)
    row = run_pipeline(name, split, open_cache(enabled=False))
    assert built[0].named_steps["clf"].get_params().get("augment") in (None, "none")
    assert row["augment"] == "hflip" and row["fit_images"] == 96


def test_raw_pixels_are_computed_again_not_stored(tmp_path):
    split = make_split(tiny_dataset(), val_size=12, augment="hflip")
    cache = open_cache(tmp_path)
    first = run_pipeline("pixels/svm", split, cache)
    again = run_pipeline("pixels/softmax", split, cache)
    assert first["cache"] == "none" and again["cache"] == "none"
    assert not (tmp_path / "blocks").exists()
    # Feature blocks still are.
    run_pipeline("hog/svm", split, cache)
    assert len(list((tmp_path / "blocks").glob("*/0.npy"))) == 1


def test_a_network_row_draws_its_augmentation_per_batch(monkeypatch):
    import pipelines

    split = make_split(tiny_dataset(), val_size=12, augment="auto",
                       auto_augment="hflip+shift", in_batches=True)
    built = []
    real = pipelines.make
    monkeypatch.setattr(pipelines, "make",
                        lambda *a, **k: built.append(real(*a, **k)) or built[-1])
    monkeypatch.setattr(pipelines.parts, "CNN_EPOCHS", 2)
    row = run_pipeline("pixels/cnn", split, open_cache(enabled=False))
    clf = built[0].named_steps["clf"]
    assert (clf.augment, clf.shift) == ("hflip+shift", split.config["shift_pixels"])
    assert row["augment"] == "hflip+shift per batch" and row["fit_images"] == 48
    assert row["n_features"] == 8 * 8 * 3 and len(row["loss_curve"]) == 2


def test_a_network_row_shows_its_epochs_on_the_progress_bar(monkeypatch):
    import pipelines

    class Bar:
        def __init__(self):
            self.shown = []

        def set_postfix_str(self, text):
            self.shown.append(text)

    monkeypatch.setattr(pipelines.parts, "CNN_EPOCHS", 2)
    split = make_split(tiny_dataset(), val_size=12, augment="none")
    bar = Bar()
    row = run_pipeline("pixels/cnn", split, open_cache(enabled=False), progress=bar)
    epochs = [s for s in bar.shown if s.startswith("fit: epoch")]
    assert [s.split(",")[0] for s in epochs] == ["fit: epoch 1/2", "fit: epoch 2/2"]
    assert f"loss {row['loss_curve'][-1]:.3f}" in epochs[-1]


def test_the_convnet_keeps_its_settings_under_search(monkeypatch):
    import pipelines
    from benchmarks.harness import evaluate

    real = pipelines.make
    monkeypatch.setattr(evaluate.pipelines, "make",
                        lambda name, **kw: real(name, **kw).set_params(
                            clf__max_epochs=1, clf__conv_channels=(4,)))
    split = make_split(tiny_dataset(), val_size=12, augment="none", in_batches=True)
    row = run_pipeline("pixels/cnn", split, open_cache(enabled=False), search=True)
    assert row["tuned"] is False and row["best_params"] == {}
    assert pipelines.get_spec("pixels/cnn").tuned is False
    assert all(pipelines.get_spec(n).tuned for n in pipelines.available()
               if pipelines.get_spec(n).classifier not in ("cnn", "torchcnn"))


class _RecordingParallel(joblib.Parallel):
    seen = []

    def __init__(self, n_jobs=None, **kwargs):
        self.seen.append(n_jobs)
        super().__init__(n_jobs=n_jobs, **kwargs)


@pytest.mark.parametrize("name, points", [("hog/svm", 3), ("pixels/knn", 4)])
def test_a_search_starts_no_more_workers_than_its_grid_has_points(name, points, monkeypatch):
    monkeypatch.setattr(_RecordingParallel, "seen", [])
    monkeypatch.setattr(joblib, "Parallel", _RecordingParallel)
    split = make_split(tiny_dataset(), val_size=12, augment="none")
    run_pipeline(name, split, open_cache(enabled=False), search=True, n_jobs=40)
    assert _RecordingParallel.seen == [points]


def test_a_search_starts_one_worker_where_memory_holds_one(monkeypatch):
    from benchmarks.harness import memory

    monkeypatch.setattr(_RecordingParallel, "seen", [])
    monkeypatch.setattr(joblib, "Parallel", _RecordingParallel)
    monkeypatch.setattr(memory, "available_memory", lambda: 1)
    split = make_split(tiny_dataset(), val_size=12, augment="none")
    run_pipeline("hog/svm", split, open_cache(enabled=False), search=True, n_jobs=40)
    assert _RecordingParallel.seen == [1]


def test_a_rows_validation_accuracy_is_its_searchs_best_score(monkeypatch):
    from benchmarks.harness import evaluate

    best = []
    real = evaluate.search_head

    def search_head(*args, **kwargs):
        found = real(*args, **kwargs)
        best.append(found[0])
        return found

    monkeypatch.setattr(evaluate, "search_head", search_head)
    split = make_split(tiny_dataset(), val_size=12, augment="none")
    row = run_pipeline("hog/svm", split, open_cache(enabled=False), search=True)
    assert row["val_accuracy"] == best[0]


def _record_knn_threads(monkeypatch):
    from classifiers import KNNClassifier

    seen = []
    real = KNNClassifier.predict

    def predict(self, X):
        seen.append(self.n_jobs)
        return real(self, X)

    monkeypatch.setattr(KNNClassifier, "predict", predict)
    return seen


@pytest.mark.parametrize("n_jobs, search", [(2, False), (2, True), (None, False), (None, True)])
def test_knn_predicts_on_the_rows_cores_with_or_without_a_search(n_jobs, search, monkeypatch):
    seen = _record_knn_threads(monkeypatch)
    split = make_split(tiny_dataset(), val_size=12, augment="none")
    alone = run_pipeline("pixels/knn", split, open_cache(enabled=False), search=search)
    seen.clear()
    with joblib.parallel_config(backend="threading"):
        row = run_pipeline("pixels/knn", split, open_cache(enabled=False), search=search,
                           n_jobs=n_jobs)
    assert seen[-2:] == [n_jobs, n_jobs]  # the winner's test and validation predictions
    assert row["predictions"] == alone["predictions"]


def test_a_logistic_regression_row_is_not_given_the_rows_cores():
    # scikit-learn's LogisticRegression warns on every fit that sets its n_jobs.
    split = make_split(color_dataset(), val_size=12, augment="none")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        row = run_pipeline("ref:hog+color/logreg", split, open_cache(enabled=False),
                           n_jobs=2)
    assert len(row["predictions"]) == 30


@pytest.mark.parametrize("memory, per_fit", [(None, 1), (1, 4)])
def test_a_searchs_knn_fits_share_the_rows_cores(memory, per_fit, monkeypatch):
    # Four settings of k on four cores: one thread each when four fits run at once, all
    # four when memory holds a single fit.
    from benchmarks.harness import memory as memory_module

    if memory is not None:
        monkeypatch.setattr(memory_module, "available_memory", lambda: memory)
    seen = _record_knn_threads(monkeypatch)
    split = make_split(tiny_dataset(), val_size=12, augment="none")
    with joblib.parallel_config(backend="threading"):
        run_pipeline("pixels/knn", split, open_cache(enabled=False), search=True, n_jobs=4)
    assert seen == [per_fit] * 4 + [4, 4]


@pytest.mark.parametrize("sizes", [[6, 24], [24, 6]])  # the winner last, or read again
def test_a_search_tunes_the_vocabulary_size_with_the_classifier(sizes, monkeypatch, tmp_path):
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from benchmarks.data.digits import load_digits
    from benchmarks.harness import evaluate
    from benchmarks.harness.extract import extract_features

    grid = {"features__n_words": sizes, "clf__alpha": [1e-4, 1e-1]}
    monkeypatch.setattr(evaluate.pipelines, "search_space", lambda name: grid)
    split = make_split(load_digits(), train_size=240, val_size=60, test_size=100)
    row = run_pipeline("bovw/svm", split, open_cache(tmp_path / "c"), search=True)
    # Each (vocabulary, alpha) scored on the validation part; the first best wins.
    scores = {}
    for n_words in grid["features__n_words"]:
        pipe = pipelines.make("bovw/svm", image_shape=split.X_fit.shape[1:],
                              features__n_words=n_words)
        F, _, _ = extract_features(pipe.named_steps["features"], split,
                                   open_cache(enabled=False))
        for alpha in grid["clf__alpha"]:
            head = clone(Pipeline(pipe.steps[1:])).set_params(clf__alpha=alpha)
            scores[n_words, alpha] = head.fit(F[0], split.y_fit).score(F[1], split.y_val)
    n_words, alpha = max(scores, key=lambda k: (scores[k], -list(scores).index(k)))
    assert row["best_params"] == {"features__n_words": n_words, "clf__alpha": alpha}
    assert row["n_features"] == 5 * n_words  # image and quadrant sums
    expected = pipelines.make("bovw/svm", image_shape=split.X_fit.shape[1:],
                              features__n_words=n_words, clf__alpha=alpha)
    pred = expected.fit(split.X_fit, split.y_fit).predict(split.X_test)
    assert row["predictions"] == pred.tolist()
    assert len(set(scores.values())) > 1  # the grid's settings are told apart here


def _symmetric_dataset():
    """Images that are their own mirrors (each the left half and its mirror)."""
    ds = tiny_dataset(n_train=90, n_test=30)
    for X in (ds.X_train, ds.X_test):
        X[:, :, 4:] = X[:, :, 3::-1]
    return ds


@pytest.mark.parametrize("name", ["hog+color/svm", "hog+color/mlp", "pixels/softmax"])
def test_test_mirrors_of_images_that_are_their_own_mirrors_change_no_prediction(name):
    ds = _symmetric_dataset()
    plain = run_pipeline(name, make_split(ds, val_size=15, augment="hflip"),
                         open_cache(enabled=False))
    mirrored = run_pipeline(name, make_split(ds, val_size=15, augment="hflip",
                                             test_mirrors=True), open_cache(enabled=False))
    assert mirrored["predictions"] == plain["predictions"]
    assert mirrored["val_accuracy"] == plain["val_accuracy"]
    assert mirrored["augment"] == plain["augment"] + ", test mirrors"


def test_test_mirrors_predict_the_largest_sum_of_each_image_and_its_mirror_scores():
    from sklearn.pipeline import Pipeline

    from benchmarks.harness.extract import extract_features
    from benchmarks.harness.fitting import class_scores, fit_head

    split = make_split(tiny_dataset(n_train=90, n_test=30), val_size=15, augment="hflip",
                       test_mirrors=True)
    row = run_pipeline("hog/svm", split, open_cache(enabled=False))
    pipe = pipelines.make("hog/svm", image_shape=split.X_fit.shape[1:], random_state=0)
    F, _, _ = extract_features(pipe.named_steps["features"], split, open_cache(enabled=False))
    head = fit_head(Pipeline(pipe.steps[1:]), F[0], split.y_fit)
    expected = (class_scores(head, F[2]) + class_scores(head, F[4])).argmax(axis=1)
    assert row["predictions"] == head.classes_[expected].tolist()
    assert row["predictions"] != head.predict(F[2]).tolist()  # the mirrors did change some
