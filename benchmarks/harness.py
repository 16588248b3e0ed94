"""The benchmark harness: run named pipelines on one split and tabulate them.

Features are the expensive part and are shared between pipelines (``hog+color``
is in ``hog+color/svm``, ``/softmax``, ``/mlp`` and in ``all/*``), so each block
of a pipeline's ``features`` step is extracted once and cached on disk with
``joblib.Memory``, keyed by the block's parameters and the images. Changing a
classifier parameter reuses the features; a second identical run only loads them.
Raw pixels are the exception: they are computed again, as fast as they load.
Each finished row is cached too, so a second identical run loads the rows.
"""

import functools
import hashlib
import importlib
import itertools
import time
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import FeatureUnion, Pipeline
from tqdm.auto import tqdm

import pipelines
from benchmarks._paths import cache_dir
from benchmarks.augment import (augment_copies, augment_images, augment_steps, check_augment,
                                resolve_augment, shift_pixels)
from benchmarks.dataset import stratified_subset, validation_split
from benchmarks.stats import per_class_accuracy, wilson_interval

__all__ = ["Split", "make_split", "feature_memory", "extract_features", "run_pipeline",
           "code_fingerprint"]

@dataclass
class Split:
    """The three parts one benchmark run uses, and how they were made."""

    X_fit: np.ndarray
    y_fit: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    config: dict


def _check_size(value, n, option):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{option} must be a positive integer; got {value!r}.")
    if value > n:
        raise ValueError(
            f"{option}={value} is larger than the data ({n} images); pass at most {n} "
            f"or leave it out to use all of them."
        )
    return int(value)


def make_split(dataset, train_size=None, val_size=0.1, test_size=None, seed=0,
               augment=None, *, raw_pixels=False):
    """Carve the fit, validation and test parts out of a dataset, seeded and stratified.

    Parameters
    ----------
    dataset : Dataset
        Images and labels.
    train_size : int or None, default=None
        Training images used in all (fit + validation); ``None``: all of them.
    val_size : float in (0, 1) or int, default=0.1
        Validation part carved out of the training images (never the test images).
    test_size : int or None, default=None
        Test images used; ``None``: all of them.
    seed : int, default=0
        Seed of every subset and split.
    augment : {"auto", "none", "hflip", "shift", "hflip+shift"} or None, default=None
        ``"hflip"`` appends the left-right mirror image of every fit image
        (same label) after the fit part, so every pipeline trains on twice the
        images; the validation and test parts are never augmented. Meant for
        CIFAR-10-like photos, not for the digits, whose mirror images change
        meaning. ``"shift"`` appends four copies of every fit image moved
        :func:`benchmarks.augment.shift_pixels` pixels down, up, right and
        left (zero fill): five times the images, and as many times the
        extraction and fit time. ``"hflip+shift"`` shifts the fit images and
        their mirrors (ten times). ``"auto"``: ``"hflip"`` for color images
        (``"hflip+shift"`` with ``raw_pixels``), ``"none"`` for gray ones (see
        :func:`benchmarks.augment.resolve_augment`). ``None`` or ``"none"``:
        no augmentation. The applied value (never ``"auto"``) is recorded in
        ``config["augment"]``, and the shift in ``config["shift_pixels"]``.
    raw_pixels : bool, default=False
        Whether the split is for pipelines that learn from raw pixels; only
        ``augment="auto"`` reads it.

    Returns
    -------
    Split

    Raises
    ------
    ValueError
        If a size is not a positive integer or is larger than the data, or
        ``augment`` is unknown or shifts images smaller than 2x2, before any
        work.

    Examples
    --------
    >>> from benchmarks.dataset import Dataset
    >>> X, y = np.zeros((80, 8, 8, 3), np.uint8), np.arange(80) % 3
    >>> ds = Dataset(X[:60], y[:60], X[60:], y[60:], ("a", "b", "c"))
    >>> split = make_split(ds, val_size=12, augment="hflip")
    >>> len(split.y_fit), len(split.y_val), len(split.y_test), split.config["augment"]
    (96, 12, 20, 'hflip')
    """
    augment = check_augment(augment, dataset.X_train.shape[1:])
    n_train, n_test = len(dataset.y_train), len(dataset.y_test)
    train_size = _check_size(train_size, n_train, "--train-size")
    test_size = _check_size(test_size, n_test, "--test-size")
    X_tr, y_tr = stratified_subset(dataset.X_train, dataset.y_train, train_size, seed)
    X_te, y_te = stratified_subset(dataset.X_test, dataset.y_test, test_size, seed)
    try:
        X_fit, X_val, y_fit, y_val = validation_split(X_tr, y_tr, val_size, seed)
    except ValueError as exc:
        raise ValueError(f"--val-size: {exc}") from None
    # Resolved here, so "auto" and the value it stands for give the same
    # config (and share cached rows); on all the training images, not the
    # train_size in use, so every point of a learning curve gets the same.
    augment = resolve_augment(augment, dataset.X_train, raw_pixels)
    # Copies are added after the validation split, so no mirror or shift of
    # a validation image is ever trained on.
    X_fit, y_fit = augment_images(X_fit, y_fit, augment)
    # train_size and val_size count original images; the fit part holds
    # (train_size - val_size) images, 2, 5 or 10 times that when augmented.
    config = {
        "dataset": dataset.name, "source": dataset.source,
        "train_size": int(len(y_tr)), "val_size": int(len(y_val)),
        "test_size": int(len(y_te)), "seed": int(seed), "augment": augment,
    }
    # Only then, so that the other configs (cache keys) stay as they were.
    if "shift" in augment_steps(augment):
        config["shift_pixels"] = shift_pixels(X_fit.shape[1:])
    return Split(X_fit, y_fit, X_val, y_val, X_te, y_te, tuple(dataset.class_names), config)


def feature_memory(cache=None, enabled=True):
    """A ``joblib.Memory`` for feature blocks (``cache_dir()/features`` by default).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> feature_memory(folder).location == folder
    True
    >>> feature_memory(enabled=False).location is None
    True
    """
    if not enabled:
        return joblib.Memory(None, verbose=0)
    folder = Path(cache) if cache is not None else cache_dir() / "features"
    return joblib.Memory(str(folder), verbose=0)


def _extract_block(transformer, X_fit, X_val, X_test, code=None, call_id=None):
    """Fit one feature block on the fit images and transform all three parts.

    ``code`` (:func:`code_fingerprint`) is part of the cache key only: a
    changed feature kernel computes anew. ``call_id`` is left out of the
    cache key and returned: a result that carries another call's id came from
    the cache (one hash of the images per call instead of a lookup and then
    the call).
    """
    start = time.perf_counter()
    fitted = clone(transformer).fit(X_fit)
    out = tuple(np.asarray(fitted.transform(X)) for X in (X_fit, X_val, X_test))
    return out, time.perf_counter() - start, call_id


def _blocks(features):
    if isinstance(features, FeatureUnion):
        return [t for _, t in features.transformer_list if t not in (None, "drop")]
    return [features]


def extract_features(features, split, memory, n_jobs=None, progress=None):
    """Features of the three parts of ``split``, one cached block at a time.

    Returns
    -------
    (F_fit, F_val, F_test) : tuple of ndarray
        Blocks concatenated along the feature axis (as ``FeatureUnion`` would).
    seconds : float
        Extraction time as measured when each block was computed.
    cached : bool
        Whether every block came from the cache.
    """
    cached_extract = memory.cache(_extract_block, ignore=["call_id"])
    parts, seconds, all_cached = [[], [], []], 0.0, True
    for block in _blocks(features):
        block = clone(block)
        if n_jobs is not None and "n_jobs" in block.get_params():
            block.set_params(n_jobs=n_jobs)
        if progress is not None:
            progress.set_postfix_str(f"features {type(block).__name__}")
        call_id = _new_call_id()
        out, sec, returned_id = cached_extract(block, split.X_fit, split.X_val, split.X_test,
                                               code=code_fingerprint(), call_id=call_id)
        all_cached &= returned_id != call_id
        seconds += sec
        for i in range(3):
            parts[i].append(out[i])
    stacked = tuple(np.hstack(p) if len(p) > 1 else p[0] for p in parts)
    return stacked, seconds, all_cached


def _fit_classifier(pipe, name, F, split, search, n_jobs):
    head = Pipeline(pipe.steps[1:])
    if not search:
        return head.fit(F[0], split.y_fit), {}
    X = np.vstack([F[0], F[1]])
    y = np.concatenate([split.y_fit, split.y_val])
    fold = np.r_[np.full(len(split.y_fit), -1), np.zeros(len(split.y_val), dtype=int)]
    grid = GridSearchCV(head, pipelines.search_space(name), cv=PredefinedSplit(fold),
                        n_jobs=n_jobs, refit=False)
    grid.fit(X, y)
    best = grid.best_params_
    # Refit on the fit part only, so the validation score stays honest.
    return head.set_params(**best).fit(F[0], split.y_fit), best


def _jsonable(params):
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}


def _fingerprint(pipe):
    """Every parameter of the pipeline, defaults included, the version and the code.

    Part of the row cache's key, so a changed default or a changed kernel
    invalidates cached rows.
    """
    from benchmarks import __version__

    params = pipe.get_params(deep=True)
    return (__version__, code_fingerprint(),
            sorted((k, _stable_repr(v)) for k, v in params.items() if k != "memory"))


_CODE_PACKAGES = ("features", "classifiers", "pipelines")


@functools.lru_cache(maxsize=1)
def code_fingerprint():
    """SHA-256 of the source of the packages that compute features and fit models.

    Cached results carry it in their keys: an edited kernel (a bug fix, say)
    never serves numbers computed by the old code, even at the same version.

    Returns
    -------
    str
        Hex digest over every ``.py`` file of ``features``, ``classifiers``
        and ``pipelines``, by relative path.
    """
    digest = hashlib.sha256()
    for package in _CODE_PACKAGES:
        root = Path(importlib.import_module(package).__file__).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _stable_repr(value):
    """``repr`` without memory addresses, so that another process computes the same key.

    Estimators are named by their class (their parameters are listed apart by
    ``get_params(deep=True)``) and functions by module and qualified name;
    a plain ``repr`` would include ``<function f at 0x7f...>``.
    """
    if hasattr(value, "get_params") and not isinstance(value, type):
        return f"{type(value).__module__}.{type(value).__qualname__}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "(" + ", ".join(_stable_repr(v) for v in value) + ")"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    return repr(value)


def run_pipeline(name, split, memory, *, search=False, n_jobs=None, progress=None):
    """Extract, fit, predict and score one named pipeline (cached as a whole).

    A result row is cached on disk keyed by the pipeline's parameters, the
    split (its arrays and ``config``, augmentation included) and ``search``;
    a miss still reuses cached feature blocks, so a new classifier parameter
    costs only the classifier's fit.

    Returns
    -------
    dict
        One result row: accuracy with its 95% interval, balanced and per-class
        accuracy, validation accuracy, feature dimension, timings (as measured
        when the row was computed), the test predictions, the loss curve
        (SGD-trained models), the tuned parameters, the augmentation and the
        number of images the classifier was fitted on (``augment``,
        ``fit_images``), and ``cache``: "row" when
        the row came from the cache, "features" when only the features did,
        else "none".
    """
    pipe = pipelines.make(name, image_shape=split.X_fit.shape[1:],
                          random_state=split.config["seed"],
                          fit_copies=augment_copies(split.config.get("augment")))
    evaluate = memory.cache(_evaluate,
                            ignore=["pipe", "memory", "n_jobs", "progress", "call_id"])
    call_id = _new_call_id()
    row = dict(evaluate(name, _fingerprint(pipe), pipe, split, search, memory, n_jobs,
                        progress, call_id))
    if row.pop("call_id") != call_id:  # another call's result: from the cache
        row["cache"] = "row"
    # Raw-pixel and feature rows of one run may train on differently augmented images.
    row["augment"] = split.config["augment"]
    row["fit_images"] = int(len(split.y_fit))
    return row


def _new_call_id():
    """A token unique among live calls, for telling cached results from fresh ones."""
    return f"{time.time_ns()}-{next(_CALLS)}"


_CALLS = itertools.count()


def _evaluate(name, fingerprint, pipe, split, search, memory, n_jobs, progress, call_id=None):
    spec = pipelines.get_spec(name)
    # Raw pixels are not cached: computing them (0.3 s for the 46,530 shifted
    # CIFAR-10 subset images) is no slower than reading them back (0.3-1.6 s),
    # and each stored copy would take 564 MB of disk.
    block_memory = feature_memory(enabled=False) if spec.features == "pixels" else memory
    F, feature_time, cached = extract_features(
        pipe.named_steps["features"], split, block_memory, n_jobs, progress)
    if progress is not None:
        progress.set_postfix_str("fit")
    start = time.perf_counter()
    head, best = _fit_classifier(pipe, name, F, split, search, n_jobs)
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    pred = head.predict(F[2])
    predict_time = time.perf_counter() - start
    val_acc = float(np.mean(head.predict(F[1]) == split.y_val))
    n_test = len(split.y_test)
    n_correct = int(np.sum(pred == split.y_test))
    low, high = wilson_interval(n_correct, n_test)
    curve = getattr(head.named_steps["clf"], "loss_curve_", None)
    return {
        "pipeline": name,
        "features": spec.features,
        "classifier": spec.classifier,
        "reference": spec.reference,
        "learned": spec.learned,
        "accuracy": n_correct / n_test,
        "ci_low": low,
        "ci_high": high,
        "balanced_accuracy": float(balanced_accuracy_score(split.y_test, pred)),
        "val_accuracy": val_acc,
        "n_features": int(F[0].shape[1]),
        "feature_time": float(feature_time),
        "fit_time": float(fit_time),
        "predict_time": float(predict_time),
        "cache": "features" if cached else "none",
        "per_class_accuracy": dict(zip(
            split.class_names,
            per_class_accuracy(split.y_test, pred, len(split.class_names)).tolist())),
        "best_params": _jsonable(best),
        "loss_curve": [float(v) for v in curve] if curve is not None else None,
        "predictions": pred.astype(int).tolist(),
        "description": spec.description,
        "call_id": call_id,
    }
