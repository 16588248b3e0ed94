"""Classifiers: ours (LinearSVM, SoftmaxClassifier, MLPClassifier) against scikit-learn's.

``python -m benchmarks.accuracy classifiers --data DIR`` fits every model with
its defaults on the CIFAR-10 training images and prints test accuracy and fit
time, on two inputs: raw pixels (scaled to [0, 1], minus the training mean) and
HoG + hue histogram (``make_union(HOG(), ColorHistogram())``, then a
StandardScaler). The counterparts are LinearSVC, LogisticRegression and
sklearn's MLPClassifier with our hidden size and batch size.

``python -m benchmarks.speed classifiers --data DIR`` times, in this one
process and on the same features: full fits of the linear models (with their
test accuracy, since a fast fit only counts at equal accuracy) and one MLP
epoch (the best of ``--repeat`` fits of ``--epochs`` epochs, divided by the
number of epochs), with ratios ours / sklearn.
"""

import time
import warnings

import numpy as np
import pandas as pd

from benchmarks._report import best_time, markdown_table

__all__ = ["add_speed_arguments", "run_speed", "add_accuracy_arguments", "run_accuracy"]

FEATURES = ("pixels", "hog+color")
MODELS = ("svm", "softmax", "mlp")


def _load(data, n_train=None):
    from benchmarks.datasets import load_cifar10

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

    union = make_union(HOG(), ColorHistogram())
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


def _fit(est, X, y):
    with warnings.catch_warnings():
        # sklearn's ConvergenceWarning at max_iter is expected and reported via n_iter_.
        warnings.simplefilter("ignore")
        return best_time(est.fit, X, y)


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


def run_accuracy(args):
    """Fit ours and sklearn's with defaults on each input; print test accuracy and fit time."""
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
            for who, est in (("ours", ours), ("sklearn", theirs)):
                fit_s, _ = _fit(est, tr, y_train)
                row[f"{who}_acc"] = est.score(te, y_test)
                row[f"{who}_fit_s"] = fit_s
                row[f"{who}_epochs"] = int(np.max(est.n_iter_))
            row["sklearn_model"] = type(theirs).__name__
            rows.append(row)
            print(f"  {model}: ours {row['ours_acc']:.3f} / sklearn {row['sklearn_acc']:.3f}",
                  flush=True)
    print(markdown_table(pd.DataFrame(rows)))
    return rows


def add_speed_arguments(parser):
    """Options of the ``classifiers`` speed target."""
    _common_arguments(parser)
    parser.add_argument("--epochs", type=int, default=3,
                        help="epochs per timed MLP fit (default: 3)")
    parser.add_argument("--repeat", type=int, default=2,
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
