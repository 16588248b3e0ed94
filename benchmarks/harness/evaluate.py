"""One row of the table: extract a pipeline's features, fit, predict and score it.

Each block of features comes from the cache when it can
(:mod:`benchmarks.harness.extract`); raw pixels are computed again, as fast as
they load. A finished row is cached too, so a second identical run loads it.
"""

import time

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import ParameterGrid
from sklearn.pipeline import Pipeline

import pipelines
from benchmarks.harness.cache import ResultCache
from benchmarks.harness.extract import extract_features, mirror_parts
from benchmarks.harness.fingerprint import pipeline_fingerprint
from benchmarks.harness.fitting import fit_head, predict_chunked, takes_n_jobs
from benchmarks.harness.memory import phase_peak, process_peak_rss
from benchmarks.harness.saved import ROW_FIELDS, check_fields
from benchmarks.harness.search import SearchCells, search_head
from benchmarks.harness.stats import per_class_accuracy, wilson_interval
from features.threads import classifier_threads

__all__ = ["run_pipeline"]


def _jsonable(params):
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}


def _features_and_settings(pipe, split, cache, space, n_jobs, progress, timings,
                           search_backend=None, cells=None):
    """The features of the best feature setting of ``space`` and the best head settings.

    Without a search (``space`` None) the pipeline's own features and no
    settings. With one, each feature setting (a vocabulary's size) is
    extracted in turn and the classifier's grid searched on it
    (:func:`~benchmarks.harness.search.search_head`, its scores kept in
    ``cells``); the first best validation accuracy wins, and the features of
    the winner are extracted again (from the cache) unless they are the last
    ones.

    Returns
    -------
    F, feature_seconds, cached, settings, search_seconds, fitted
        ``fitted``: the winner's head as the search fitted it, or None (no
        search, or a head to fit again).
    """
    if space is None:
        F, seconds, cached = extract_features(pipe.named_steps["features"], split, cache,
                                              n_jobs, progress, timings)
        return F, seconds, cached, {}, 0.0, None
    feature_space, head_space = pipelines.split_space(space)
    head = Pipeline(pipe.steps[1:])
    best, total, searching, all_cached = None, 0.0, 0.0, True
    candidates = list(ParameterGrid(feature_space))
    for settings in candidates:
        pipe.set_params(**settings)
        F, seconds, cached = extract_features(pipe.named_steps["features"], split, cache,
                                              n_jobs, progress, timings)
        total, all_cached = total + seconds, all_cached and cached
        if progress is not None:
            progress.set_postfix_str("fit: search")
        score, head_settings, fitted, seconds = search_head(
            head, head_space, F, split, n_jobs, search_backend, cells, fixed=settings)
        searching += seconds
        if best is None or score > best[0]:
            best = (score, settings, head_settings, fitted)
    if best[1] != candidates[-1]:
        del F  # before the winner's features are read again
        pipe.set_params(**best[1])
        F, _, _ = extract_features(pipe.named_steps["features"], split, cache, n_jobs,
                                   progress, None)
    return F, total, all_cached, {**best[1], **best[2]}, searching, best[3]


def run_pipeline(name, split, cache, *, search=False, n_jobs=None, progress=None,
                 search_backend=None):
    """Extract, fit, predict and score one named pipeline (cached as a whole).

    A result row is cached on disk keyed by the pipeline's parameters, the
    split (its arrays and ``config``, augmentation included) and the grid
    of the search (if any); a miss still reuses cached feature blocks and
    search scores, so a new classifier parameter costs only the
    classifier's fit.

    Parameters
    ----------
    name : str
        A pipeline name (``pipelines.available()``).
    split : Split
    cache : ResultCache
        From :func:`~benchmarks.harness.cache.open_cache`.
    search : bool, default=False
        Tune the pipeline's grid (:func:`pipelines.search_space`) on the
        validation part, if its spec is :attr:`~pipelines.PipelineSpec.tuned`
        (the ConvNets keep their settings); the row's ``tuned`` says whether
        it was and ``best_params`` what was chosen. A vocabulary's size in the
        grid means its features are extracted once per size (cached blocks
        are read), the classifier's grid searched on each; ``feature_time``
        is then their sum and ``fit_time`` includes the searches. Each
        setting's validation score is cached as it lands, so a search
        stopped part-way resumes at the settings it had not scored (their
        recorded seconds count in ``fit_time``); the winner's fitted head
        serves the row unless it holds its training set (kNN), which is
        fitted again (:mod:`~benchmarks.harness.search`).
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
        (SGD-trained models), the tuned parameters, the augmentation
        (``augment``: ``"hflip"`` for mirror copies, ``"... per batch"`` for
        draws per mini-batch) and the number of images the classifier was
        fitted on, mirror copies included (``fit_images``), and ``cache``: "row" when
        the row came from the cache, "features" when only the features did,
        else "none".
    """
    info = split.info
    search = bool(search) and pipelines.get_spec(name).tuned
    space = pipelines.search_space(name) if search else None
    pipe = pipelines.make(name, image_shape=split.X_fit.shape[1:], random_state=info.seed,
                          augment=info.augment if info.in_batches else "none")
    # The grid is in the key: a row tuned on another grid is computed anew.
    fingerprint = pipeline_fingerprint(pipe)
    key, found = cache.lookup("rows", ("row", name, fingerprint, split,
                                       space if search else False),
                              _row_checker(name, split), what=f"row {name}")
    if found is not None:
        row = dict(found[0], cache="row")
    else:
        # Each setting's score is kept as it lands, so a stopped search resumes there.
        cells = SearchCells(cache, name, fingerprint, split) if search else None
        row = _evaluate(name, pipe, split, space, cache, n_jobs, progress, search_backend,
                        cells)
        cache.store("rows", key, row)
    # Raw-pixel and feature rows of one run are augmented differently: mirror copies
    # (counted in fit_images) or flips and shifts drawn per mini-batch (not counted).
    row["augment"] = (info.augment.name + (" per batch" if info.in_batches else "")
                      + (", test mirrors" if info.test_mirrors else ""))
    row["fit_images"] = int(len(split.y_fit))
    row["tuned"] = search
    return row


def _row_checker(name, split):
    def check(row, arrays):
        check_fields(row, ROW_FIELDS)
        if row["pipeline"] != name or len(row["predictions"]) != len(split.y_test):
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


def _evaluate(name, pipe, split, space, cache, n_jobs, progress, search_backend=None,
              cells=None):
    """One row computed; ``space`` is the grid a search tunes, None without a search."""
    spec = pipelines.get_spec(name)
    block_cache = cache if spec.cache_features else ResultCache(None)
    peaks, timings = {}, {}
    # A classifier that takes n_jobs (kNN, the MLP, the ConvNet) gets the row's cores for its
    # final fit and predictions (a search's fits share them); its numbers do not depend on it.
    if takes_n_jobs(pipe.named_steps["clf"]):
        pipe.set_params(clf__n_jobs=classifier_threads(n_jobs))
    with phase_peak(peaks, "features"):
        F, feature_time, cached, best, search_time, fitted = _features_and_settings(
            pipe, split, block_cache, space, n_jobs, progress, timings, search_backend, cells)
    if progress is not None:
        progress.set_postfix_str("fit")
        _report_epochs(pipe.named_steps["clf"], progress)
    with phase_peak(peaks, "fit"):
        start = time.perf_counter()
        if fitted is not None:  # the search's fit of the winner, on the same fit part
            head = fitted
            if takes_n_jobs(head.named_steps["clf"]):
                head.set_params(clf__n_jobs=pipe.named_steps["clf"].n_jobs)
        else:
            # Fitted on the fit part only, so the validation score stays honest.
            head = fit_head(Pipeline(pipe.steps[1:]).set_params(
                **pipelines.split_space(best)[1]), F[0], split.y_fit)
        fit_time = search_time + time.perf_counter() - start
    with phase_peak(peaks, "predict"):
        start = time.perf_counter()
        mirrored_val, mirrored_test = mirror_parts(F)
        pred = predict_chunked(head, F[2], mirrored=mirrored_test)
        predict_time = time.perf_counter() - start
        val_acc = float(np.mean(predict_chunked(head, F[1], mirrored=mirrored_val)
                                == split.y_val))
    if peaks:
        peaks["process"] = process_peak_rss()
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
        # Not in the table: the fits of the feature blocks (a vocabulary's k-means) and
        # each phase's peak resident bytes and the process's so far (where the system
        # reports them), for scaling work.
        "feature_fit_time": float(timings.get("fit", 0.0)),
        "peak_rss": peaks or None,
    }
