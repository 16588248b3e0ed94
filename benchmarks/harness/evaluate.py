"""One row of the table: extract a pipeline's features, fit, predict and score it.

Each block of features comes from the cache when it can
(:mod:`benchmarks.harness.cache`); raw pixels are computed again, as fast as
they load. A finished row is cached too, so a second identical run loads it.
"""

import contextlib
import time

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import FeatureUnion, Pipeline

import pipelines
from benchmarks.harness.augment import augment_copies
from benchmarks.harness.cache import ResultCache, code_fingerprint, pipeline_fingerprint
from benchmarks.harness.stats import per_class_accuracy, wilson_interval

__all__ = ["extract_features", "run_pipeline"]


def _extract_block(transformer, X_fit, X_val, X_test):
    """Fit one feature block on the fit images and transform all three parts."""
    start = time.perf_counter()
    fitted = clone(transformer).fit(X_fit)
    out = tuple(np.asarray(fitted.transform(X)) for X in (X_fit, X_val, X_test))
    return out, time.perf_counter() - start


def _blocks(features):
    if isinstance(features, FeatureUnion):
        return [t for _, t in features.transformer_list if t not in (None, "drop")]
    return [features]


def _block_checker(split):
    rows = [len(split.y_fit), len(split.y_val), len(split.y_test)]

    def check(doc, arrays):
        ok = (isinstance(doc.get("seconds"), (int, float)) and len(arrays) == 3
              and all(a.ndim == 2 and a.dtype.kind == "f" and len(a) == n
                      for a, n in zip(arrays, rows))
              and len({a.shape[1] for a in arrays}) == 1)
        if not ok:
            raise ValueError("its arrays do not fit the images of its key")
    return check


def extract_features(features, split, cache, n_jobs=None, progress=None):
    """Features of the three parts of ``split``, one cached block at a time.

    Parameters
    ----------
    features : transformer or FeatureUnion
        The ``features`` step of a pipeline.
    split : Split
    cache : ResultCache
        Where blocks are looked up and stored (:func:`~benchmarks.harness.cache.open_cache`).
    n_jobs : int or None, default=None
        Threads of each block that has an ``n_jobs`` parameter.
    progress : tqdm or None, default=None
        Bar whose postfix names the block being computed.

    Returns
    -------
    (F_fit, F_val, F_test) : tuple of ndarray
        Blocks concatenated along the feature axis (as ``FeatureUnion`` would).
    seconds : float
        Extraction time as measured when each block was computed.
    cached : bool
        Whether every block came from the cache.
    """
    parts, seconds, all_cached = [[], [], []], 0.0, True
    check = _block_checker(split)
    for block in _blocks(features):
        block = clone(block)
        if n_jobs is not None and "n_jobs" in block.get_params():
            block.set_params(n_jobs=n_jobs)
        if progress is not None:
            progress.set_postfix_str(f"features {type(block).__name__}")
        # The code is in the key: a changed feature kernel computes anew.
        key, found = cache.lookup(
            "blocks", ("block", block, split.X_fit, split.X_val, split.X_test,
                       code_fingerprint()), check, what=f"features {type(block).__name__}")
        if found is not None:
            (doc, out), cached = found, True
            sec = doc["seconds"]
        else:
            out, sec = _extract_block(block, split.X_fit, split.X_val, split.X_test)
            cached = False
            cache.store("blocks", key, {"seconds": sec, "block": type(block).__name__}, out)
        all_cached &= cached
        seconds += sec
        for i in range(3):
            parts[i].append(out[i])
    stacked = tuple(np.hstack(p) if len(p) > 1 else p[0] for p in parts)
    return stacked, seconds, all_cached


def _jsonable(params):
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}


def _fit_classifier(pipe, name, F, split, search, n_jobs, search_backend=None):
    head = Pipeline(pipe.steps[1:])
    if not search:
        return head.fit(F[0], split.y_fit), {}
    X = np.vstack([F[0], F[1]])
    y = np.concatenate([split.y_fit, split.y_val])
    fold = np.r_[np.full(len(split.y_fit), -1), np.zeros(len(split.y_val), dtype=int)]
    grid = GridSearchCV(head, pipelines.search_space(name), cv=PredefinedSplit(fold),
                        n_jobs=n_jobs, refit=False)
    with (joblib.parallel_config(backend=search_backend) if search_backend is not None
          else contextlib.nullcontext()):
        grid.fit(X, y)
    best = grid.best_params_
    # Refit on the fit part only, so the validation score stays honest.
    return head.set_params(**best).fit(F[0], split.y_fit), best


def run_pipeline(name, split, cache, *, search=False, n_jobs=None, progress=None,
                 search_backend=None):
    """Extract, fit, predict and score one named pipeline (cached as a whole).

    A result row is cached on disk keyed by the pipeline's parameters, the
    split (its arrays and ``config``, augmentation included) and ``search``;
    a miss still reuses cached feature blocks, so a new classifier parameter
    costs only the classifier's fit.

    Parameters
    ----------
    name : str
        A pipeline name (``pipelines.available()``).
    split : Split
    cache : ResultCache
        From :func:`~benchmarks.harness.cache.open_cache`.
    search : bool, default=False
        Tune the pipeline's grid on the validation part.
    n_jobs : int or None, default=None
        Threads of the feature extractors, workers of the search.
    progress : tqdm or None, default=None
    search_backend : str or None, default=None
        joblib backend of the search's workers (``"dask"``: tasks of the dask
        cluster this runs on); None: joblib's default. It changes where the
        grid's fits run, never what they compute.

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
    config = split.config
    in_batches = bool(config.get("augment_in_batches"))
    pipe = pipelines.make(name, image_shape=split.X_fit.shape[1:], random_state=config["seed"],
                          fit_copies=1 if in_batches else augment_copies(config.get("augment")),
                          batch_augment=config["augment"] if in_batches else None,
                          shift=config.get("shift_pixels", 2))
    key, found = cache.lookup("rows", ("row", name, pipeline_fingerprint(pipe), split,
                                       bool(search)), _row_checker(name, split),
                              what=f"row {name}")
    if found is not None:
        row = dict(found[0], cache="row")
    else:
        row = _evaluate(name, pipe, split, search, cache, n_jobs, progress, search_backend)
        cache.store("rows", key, row)
    # Raw-pixel and feature rows of one run may train on differently augmented images.
    row["augment"] = config["augment"] + (" per batch" if in_batches else "")
    row["fit_images"] = int(len(split.y_fit))
    return row


_ROW_KEYS = {"pipeline", "accuracy", "ci_low", "ci_high", "balanced_accuracy", "val_accuracy",
             "n_features", "feature_time", "fit_time", "predict_time", "cache",
             "per_class_accuracy", "best_params", "loss_curve", "predictions"}


def _row_checker(name, split):
    def check(row, arrays):
        if not (isinstance(row, dict) and _ROW_KEYS <= set(row) and row["pipeline"] == name
                and isinstance(row["predictions"], list)
                and len(row["predictions"]) == len(split.y_test)):
            raise ValueError(f"not a row of {name} on this split")
    return check


def _report_epochs(clf, progress):
    """Show a network's epoch, loss and validation accuracy on the progress bar as it trains."""
    if "epoch_callback" not in clf.get_params():
        return

    def show(epoch, loss, score):
        shown = f"fit: epoch {epoch}/{clf.max_epochs}, loss {loss:.3f}"
        progress.set_postfix_str(shown + (f", val {score:.3f}" if score is not None else ""))

    # Set after the row's cache key is computed, so the callback is not part of it.
    clf.set_params(epoch_callback=show)


def _evaluate(name, pipe, split, search, cache, n_jobs, progress, search_backend=None):
    spec = pipelines.get_spec(name)
    block_cache = cache if spec.cache_features else ResultCache(None)
    F, feature_time, cached = extract_features(
        pipe.named_steps["features"], split, block_cache, n_jobs, progress)
    if progress is not None:
        progress.set_postfix_str("fit")
        _report_epochs(pipe.named_steps["clf"], progress)
    start = time.perf_counter()
    head, best = _fit_classifier(pipe, name, F, split, search, n_jobs, search_backend)
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
        "n_features": int(np.prod(F[0].shape[1:])),
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
    }
