"""benchmarks/dev/classifiers.py: hyper-parameters chosen on training images only."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.model_selection import ParameterGrid
from sklearn.preprocessing import StandardScaler

from benchmarks.dev import classifiers as bench_classifiers
from benchmarks.dev.classifiers import tune
from benchmarks.dev.speed import build_parser
from classifiers import LinearSVM, MLPClassifier


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=300, centers=3, n_features=8, cluster_std=3.0, random_state=0)
    return StandardScaler().fit_transform(X), y


def test_every_tuning_grid_holds_the_defaults():
    # Then the chosen candidate scores at least as well as the defaults on validation.
    for model, ours, _ in bench_classifiers._pairs(0):
        grid = bench_classifiers.TUNE_GRIDS[model]
        grids = grid if isinstance(grid, list) else [grid]
        defaults = ours.get_params()
        assert any(all(defaults[name] in values for name, values in g.items())
                   for g in grids), model
        for g in grids:  # every candidate is a valid setting of the model
            for params in ParameterGrid(g):
                clone(ours).set_params(**params)._check_params()


@pytest.mark.parametrize("n_folds", [3, 5])
def test_tune_picks_the_better_candidate_unfitted(blobs, n_folds):
    X, y = blobs
    # A step of 1e-9 leaves the random initial weights: chance level on
    # validation. It comes first, so a tie or an inverted choice would pick it.
    est = LinearSVM(max_epochs=20, random_state=0)
    grid = {"learning_rate": [1e-9, 1e-3]}
    best, params, val_acc, search_s = tune(est, grid, X, y, n_folds, seed=0)
    assert params == {"learning_rate": 1e-3} and best.learning_rate == 1e-3
    assert best.max_epochs == 20 and best.random_state == 0  # the other settings kept
    assert not hasattr(best, "coef_") and not hasattr(est, "coef_")
    assert val_acc > 0.8 and search_s > 0


def test_tune_fits_each_candidate_on_every_fold(blobs, monkeypatch):
    X, y = blobs
    seen = []
    fit = MLPClassifier.fit

    def spy(self, X_fit, y_fit):
        seen.append(X_fit.shape[0])
        return fit(self, X_fit, y_fit)

    monkeypatch.setattr(MLPClassifier, "fit", spy)
    est = MLPClassifier((8,), max_epochs=3, random_state=0)
    tune(est, {"alpha": [0.0, 1e-3]}, X, y, 3, seed=0)
    assert seen == [200] * 6  # 2 candidates x 3 folds, each on 2/3 of the 300 samples


def test_accuracy_tunes_on_training_images_and_can_skip_sklearn(cifar10_dir, monkeypatch,
                                                                capsys):
    monkeypatch.setattr(bench_classifiers, "TUNE_GRIDS",
                        {"svm": {"learning_rate": [1e-9, 1e-3]}, "softmax": {"alpha": [1e-2]}})
    seen = []
    real_tune = bench_classifiers.tune

    def spy(est, grid, X, y, n_folds, seed):
        seen.append((X.shape[0], n_folds))
        return real_tune(est, grid, X, y, n_folds, seed)

    monkeypatch.setattr(bench_classifiers, "tune", spy)
    args = build_parser("accuracy").parse_args(
        ["classifiers", "--data", str(cifar10_dir), "--features", "hog+color",
         "--models", "svm", "softmax", "--n-train", "300", "--no-sklearn"])
    rows = args._run(args)
    assert seen == [(300, 5), (300, 5)]  # the training images, never the test
    assert [r["ours_params"] for r in rows] == ["learning_rate=0.001", "alpha=0.01"]
    for r in rows:
        assert not any(k.startswith("sklearn") for k in r)
        assert 0.2 < r["ours_acc"] < 1 and np.isfinite(r["ours_val_acc"])
    assert "| ours_params |" in capsys.readouterr().out


def test_hog_color_features_keep_the_hog_the_issue_names():
    # Orientations, cells and blocks are fixed by the issue; only the options
    # it leaves open were chosen by validation.
    opts = bench_classifiers.HOG_OPTIONS
    assert (opts["orientations"], opts["pixels_per_cell"], opts["cells_per_block"]) == (9, (8, 8), (2, 2))


def test_hog_color_features_are_fit_on_train_only():
    rng = np.random.default_rng(0)
    X_train = rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8)
    X_test = rng.integers(0, 256, (7, 32, 32, 3), dtype=np.uint8)
    tr, te = bench_classifiers.make_features("hog+color", X_train, X_test)
    # 3x3 blocks of 2x2 cells of 9 orientations, then 10 hue bins.
    assert tr.shape == (40, 334) and te.shape == (7, 334)
    assert tr.dtype == te.dtype == np.float64
    # Standardized with the training statistics: only the training columns
    # are exactly centered (constant columns stay at zero).
    np.testing.assert_allclose(tr.mean(axis=0), 0, atol=1e-12)
    assert np.abs(te.mean(axis=0)).max() > 1e-3


def test_chosen_parameters_print_numbers_flags_and_names():
    text = bench_classifiers._format_params(
        {"lr_schedule": "exponential", "alpha": 1e-3, "average": True, "batch_size": 50})
    assert text == "alpha=0.001 average=True batch_size=50 lr_schedule=exponential"
