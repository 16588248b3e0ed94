"""Classifiers: ours (LinearSVM, SoftmaxClassifier, MLPClassifier) against scikit-learn's.

``python -m benchmarks.dev.accuracy classifiers --data DIR`` fits every model on
the CIFAR-10 training images and prints test accuracy and fit time, on two
inputs: raw pixels (scaled to [0, 1], minus the training mean) and HoG + hue
histogram (``make_union(HOG(**HOG_OPTIONS), ColorHistogram())``, then a
StandardScaler: 9 orientations, 8x8 cells and 2x2 blocks as the issue names
them, with the options it leaves open chosen on the training images).
The counterparts are LinearSVC, LogisticRegression and sklearn's
MLPClassifier with our hidden size and batch size, at their defaults.

With ``--tune cv`` (the default) our hyper-parameters are chosen per input,
as the lecture notes prescribe, on the training images only: a small grid
(:data:`TUNE_GRIDS`, which holds every default) scored by stratified
cross-validation (:data:`TUNE_FOLDS`: 5 folds for the linear models, 3 for
the MLP, whose fits take a minute on pixels); the best candidate is then
refit on all training images and scored once on the test images. The table
shows the chosen parameters, their validation accuracy and the search time
(``ours_fit_s`` is the refit alone). ``--tune none`` fits our defaults.
``--no-sklearn`` leaves out the reference fits (an hour on pixels).

``python -m benchmarks.dev.speed classifiers --data DIR`` times, in this one
process and on the same features: full fits of the linear models (with their
test accuracy, since a fast fit only counts at equal accuracy) and one MLP
epoch (the best of ``--repeat`` fits of ``--epochs`` epochs, divided by the
number of epochs), with ratios ours / sklearn.
"""

import time
import warnings

import numpy as np
import pandas as pd

from benchmarks.dev._timing import best_time, count_option
from benchmarks.harness.results import markdown_table

__all__ = ["add_speed_arguments", "run_speed", "add_accuracy_arguments", "run_accuracy"]

FEATURES = ("pixels", "hog+color")
MODELS = ("svm", "softmax", "mlp")
TUNE = ("cv", "none")

# HoG of the hog+color input. Orientations, cells and blocks are the ones the
# classifier issue names (#5); the other options were chosen by 5-fold CV of
# the SVM on the training images (never the test images), best alpha and step
# of a small grid per row:
#   gray, L2-Hys, no sqrt (HOG's defaults)              0.482
#   transform_sqrt=True                                0.491
#   color="dominant"                                   0.493
#   block_norm="L1-sqrt"                               0.484
#   all three                                          0.509
# scikit-learn's models see the same features, so the comparison stays even.
HOG_OPTIONS = dict(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                   block_norm="L1-sqrt", transform_sqrt=True, color="dominant")

# Candidates of --tune cv, each grid holding the model's defaults, chosen from
# validation scores on the training images only. Linear models: step size and
# regularization strength around the defaults (5-fold CV moved by about 1
# point over them; on HoG + hue the SVM preferred a stronger penalty). MLP:
# weight decay, which its defaults leave off; on three 20% folds of the
# training images 1e-2 was best on HoG + hue (+2.4 points over none), while
# on one fold of pixels it cost 4.5 points and 1e-3 was best (+1.7), so the
# value is chosen per input.
_SVM_STEPS = {"alpha": [1e-3, 1e-2, 1e-1, 3e-1], "learning_rate": [3e-4, 1e-3, 3e-3],
              "average": [False, True]}
TUNE_GRIDS = {
    # Averaged iterates: 5-fold CV on raw pixels 0.359 -> 0.363 at the best
    # step and alpha of each; level on HoG + hue. One-vs-rest squared hinge
    # (LinearSVC's loss) beside the notes' hinge: 5-fold CV on raw pixels
    # 0.363 -> 0.373 (one-vs-rest with the plain hinge 0.370). A list of
    # grids, as GridSearchCV takes it, so the two losses are not crossed
    # with the unused mixes.
    "svm": [{"multi_class": ["weston_watkins"], "loss": ["hinge"], **_SVM_STEPS},
            {"multi_class": ["ovr"], "loss": ["squared_hinge"], **_SVM_STEPS}],
    # Batches of 50: +0.9 points of 5-fold CV for the softmax on raw pixels
    # in the pixels/softmax pipeline (the SVM lost 0.3 points with batches of 100).
    "softmax": {"alpha": [1e-3, 1e-2, 1e-1], "learning_rate": [1e-3, 3e-3, 1e-2],
                "batch_size": [50, 200]},
    # An exponentially decayed step (0.95 per epoch): 3-fold CV on raw pixels
    # 0.412 -> 0.430 at alpha=1e-3; level on HoG + hue (0.560 against 0.557).
    "mlp": {"alpha": [0.0, 1e-3, 3e-3, 1e-2], "lr_schedule": ["constant", "exponential"]},
}
# Folds of --tune cv. One 10% hold-out (517 images) was too noisy for the MLP:
# on HoG + hue it chose no weight decay, which 3 folds had put 2.4 points
# below 1e-2 (a standard error of one hold-out is about 2 points).
TUNE_FOLDS = {"svm": 5, "softmax": 5, "mlp": 3}


def _load(data, n_train=None):
    from benchmarks.data.cifar10 import load_cifar10

    ds = load_cifar10(data)
    n = n_train or len(ds.y_train)
    return ds.X_train[:n], ds.y_train[:n], ds.X_test, ds.y_test


def make_features(name, X_train, X_test):
    """Feature matrices (float64) for ``"pixels"`` or ``"hog+color"``; fit on train only."""
    if name == "pixels":
        tr = X_train.reshape(len(X_train), -1) / 255.0
        te = X_test.reshape(len(X_test), -1) / 255.0
        mean = tr.mean(axis=0)
        return tr - mean, te - mean
    from sklearn.pipeline import make_union
    from sklearn.preprocessing import StandardScaler

    from features import HOG, ColorHistogram

    union = make_union(HOG(**HOG_OPTIONS), ColorHistogram())
    scaler = StandardScaler()
    tr = scaler.fit_transform(union.fit_transform(X_train).astype(np.float64))
    te = scaler.transform(union.transform(X_test).astype(np.float64))
    return tr, te


def _pairs(seed):
    """(model, ours, sklearn's) with our defaults and matching sklearn settings."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier as SkMLP
    from sklearn.svm import LinearSVC

    from classifiers import LinearSVM, MLPClassifier, SoftmaxClassifier

    mlp = MLPClassifier(random_state=seed)
    sk_mlp = SkMLP(hidden_layer_sizes=mlp.hidden_layer_sizes, batch_size=mlp.batch_size,
                   max_iter=200, random_state=seed)
    return [
        ("svm", LinearSVM(random_state=seed), LinearSVC(random_state=seed)),
        ("softmax", SoftmaxClassifier(random_state=seed), LogisticRegression(max_iter=1000)),
        ("mlp", mlp, sk_mlp),
    ]


def _format_params(params):
    """``params`` as ``"alpha=0.001 lr_schedule=exponential"`` (sorted by name)."""
    def fmt(v):
        return f"{v:g}" if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
    return " ".join(f"{k}={fmt(v)}" for k, v in sorted(params.items()))


def _fit(est, X, y):
    with warnings.catch_warnings():
        # sklearn's ConvergenceWarning at max_iter is expected and reported via n_iter_.
        warnings.simplefilter("ignore")
        return best_time(est.fit, X, y)


def tune(est, grid, X, y, n_folds, seed):
    """Pick ``est``'s parameters from ``grid`` by validation on the training data ``(X, y)``.

    Parameters
    ----------
    est : estimator
        Our classifier with its defaults (and ``random_state``).
    grid : dict of list, or list of such dicts
        Candidate values per parameter (every combination of each dict is
        tried), as :class:`~sklearn.model_selection.GridSearchCV` takes them.
    X, y : training data only
    n_folds : int
        Folds of the stratified (shuffled) cross-validation.
    seed : int
        Seeds the folds.

    Returns
    -------
    best : estimator
        A clone of ``est`` with the chosen parameters, not fitted: the caller
        refits it on all of ``(X, y)`` (and times that fit).
    params : dict
        The chosen parameters.
    val_acc : float
        Their mean validation accuracy.
    search_s : float
        Seconds spent on the validation fits (the refit excluded).
    """
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    splitter = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    search = GridSearchCV(est, grid, cv=splitter, refit=False, error_score="raise")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    search_s = time.perf_counter() - t0
    best = clone(est).set_params(**search.best_params_)
    return best, search.best_params_, float(search.best_score_), search_s


def _common_arguments(parser):
    parser.add_argument("--features", nargs="+", choices=FEATURES, default=list(FEATURES),
                        help="inputs to compare on (default: both)")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS),
                        help="models to compare (default: all)")
    parser.add_argument("--n-train", type=int, default=None,
                        help="use only the first N training images (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="random_state of every model")


def add_accuracy_arguments(parser):
    """Options of the ``classifiers`` accuracy target."""
    _common_arguments(parser)
    parser.add_argument("--tune", choices=TUNE, default="cv",
                        help="cv: choose our hyper-parameters by cross-validation on the "
                             "training images (5 folds, 3 for the MLP) and refit on all of "
                             "them; none: our defaults (default: cv)")
    parser.add_argument("--no-sklearn", action="store_true",
                        help="skip the scikit-learn reference fits (slow on pixels)")


def run_accuracy(args):
    """Fit ours (tuned on the training images or not) and sklearn's on each input; print test accuracy."""
    X_train, y_train, X_test, y_test = _load(args.data, args.n_train)
    rows = []
    for feat in args.features:
        t0 = time.perf_counter()
        tr, te = make_features(feat, X_train, X_test)
        print(f"{feat}: {tr.shape[1]} features in {time.perf_counter() - t0:.1f} s", flush=True)
        for model, ours, theirs in _pairs(args.seed):
            if model not in args.models:
                continue
            row = dict(features=feat, model=model)
            if args.tune == "cv":
                ours, params, val_acc, search_s = tune(ours, TUNE_GRIDS[model], tr, y_train,
                                                       TUNE_FOLDS[model], args.seed)
                row.update(ours_params=_format_params(params),
                           ours_val_acc=val_acc, tune_s=search_s)
                print(f"  {model}: chose {row['ours_params']} (validation {val_acc:.3f}, "
                      f"{search_s:.0f} s)", flush=True)
            fitted = [("ours", ours)] if args.no_sklearn else [("ours", ours), ("sklearn", theirs)]
            for who, est in fitted:
                fit_s, _ = _fit(est, tr, y_train)
                row[f"{who}_acc"] = est.score(te, y_test)
                row[f"{who}_fit_s"] = fit_s
                row[f"{who}_epochs"] = int(np.max(est.n_iter_))
            if not args.no_sklearn:
                row["sklearn_model"] = type(theirs).__name__
            rows.append(row)
            theirs_note = "" if args.no_sklearn else f" / sklearn {row['sklearn_acc']:.3f}"
            print(f"  {model}: ours {row['ours_acc']:.3f}{theirs_note}", flush=True)
    print(markdown_table(pd.DataFrame(rows)))
    return rows


def add_speed_arguments(parser):
    """Options of the ``classifiers`` speed target."""
    _common_arguments(parser)
    parser.add_argument("--epochs", type=int, default=3,
                        help="epochs per timed MLP fit (default: 3)")
    parser.add_argument("--repeat", type=count_option("--repeat"), default=2,
                        help="timed repeats; the best counts (default: 2)")


def run_speed(args):
    """Linear fits (time and accuracy) and MLP epoch times, ours vs sklearn."""
    X_train, y_train, X_test, y_test = _load(args.data, args.n_train)
    rows = []
    for feat in args.features:
        tr, te = make_features(feat, X_train, X_test)
        for model, ours, theirs in _pairs(args.seed):
            if model not in args.models:
                continue
            if model == "mlp":
                # Fixed epochs, no early stopping or validation: time the epoch itself.
                ours.set_params(max_epochs=args.epochs, early_stopping=False,
                                n_iter_no_change=args.epochs + 1)
                theirs.set_params(max_iter=args.epochs, n_iter_no_change=args.epochs + 1)
                o_s, _ = _fit_repeat(ours, tr, y_train, args.repeat)
                t_s, _ = _fit_repeat(theirs, tr, y_train, args.repeat)
                o_s, t_s, unit = o_s / ours.n_iter_, t_s / theirs.n_iter_, "epoch"
            else:
                o_s, _ = _fit_repeat(ours, tr, y_train, args.repeat)
                t_s, _ = _fit_repeat(theirs, tr, y_train, 1)  # slow; once is enough
                unit = "fit"
            rows.append(dict(
                features=feat, model=model, timed=unit, ours_s=o_s,
                sklearn_s=t_s, ratio=o_s / t_s, ours_acc=ours.score(te, y_test),
                sklearn_acc=theirs.score(te, y_test), sklearn_model=type(theirs).__name__,
            ))
            print(f"  {feat}/{model}: ours {o_s:.3f} s / sklearn {t_s:.3f} s per {unit}",
                  flush=True)
    print(markdown_table(pd.DataFrame(rows)))
    return rows


def _fit_repeat(est, X, y, repeat):
    best = np.inf
    for _ in range(max(1, repeat)):
        s, _ = _fit(est, X, y)
        best = min(best, s)
    return best, est
