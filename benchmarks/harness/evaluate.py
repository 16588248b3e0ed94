"""One row of the table: extract a pipeline's features, fit, predict and score it.

Each block of features comes from the cache when it can
(:mod:`benchmarks.harness.cache`); raw pixels are computed again, as fast as
they load. A finished row is cached too, so a second identical run loads it.
"""

import time

import numpy as np
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import FeatureUnion, Pipeline

import pipelines
from benchmarks.harness.augment import augment_copies
from benchmarks.harness.cache import (code_fingerprint, feature_memory, new_call_id,
                                      pipeline_fingerprint)
from benchmarks.harness.stats import per_class_accuracy, wilson_interval

__all__ = ["extract_features", "run_pipeline"]


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
        call_id = new_call_id()
        out, sec, returned_id = cached_extract(block, split.X_fit, split.X_val, split.X_test,
                                               code=code_fingerprint(), call_id=call_id)
        all_cached &= returned_id != call_id
        seconds += sec
        for i in range(3):
            parts[i].append(out[i])
    stacked = tuple(np.hstack(p) if len(p) > 1 else p[0] for p in parts)
    return stacked, seconds, all_cached


def _jsonable(params):
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}


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
    call_id = new_call_id()
    row = dict(evaluate(name, pipeline_fingerprint(pipe), pipe, split, search, memory, n_jobs,
                        progress, call_id))
    if row.pop("call_id") != call_id:  # another call's result: from the cache
        row["cache"] = "row"
    # Raw-pixel and feature rows of one run may train on differently augmented images.
    row["augment"] = split.config["augment"]
    row["fit_images"] = int(len(split.y_fit))
    return row


def _evaluate(name, fingerprint, pipe, split, search, memory, n_jobs, progress, call_id=None):
    spec = pipelines.get_spec(name)
    block_memory = memory if spec.cache_features else feature_memory(enabled=False)
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
