"""A row's grid searched on its validation split: each setting fitted once, scored and cached.

Each setting of a row's grid (:func:`pipelines.search_space`) is fitted on the
fit part and scored on the validation part, as ``GridSearchCV`` with that one
predefined split would, without stacking the two parts into one more copy; the
first best setting in the grid's order wins. Two things spare work:

- the winner's fitted head is handed back to become the row's, so the row does
  not fit it a second time, when it is small (:func:`keeps_head`); a larger
  one, such as a kNN that holds a large training set, stays in its worker and
  is fitted again, which for a kNN costs little;
- each setting's score is cached (:class:`SearchCells`), so a search stopped
  part-way (a lost machine, Ctrl-C) resumes at the settings it had not scored.
"""

import contextlib
import time

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid

from benchmarks.harness.extract import mirror_parts
from benchmarks.harness.fitting import fit_head, predict_chunked, takes_n_jobs
from benchmarks.harness.memory import SEARCH_COPIES, affordable_workers
from features.threads import classifier_threads, n_workers

__all__ = ["search_head", "validation_score", "keeps_head", "array_bytes", "SearchCells",
           "HEAD_BYTES"]

#: A fitted head is handed back by the search when its arrays take at most this many
#: bytes (an MLP of 512 units on 8,354 features: 17 MB).
HEAD_BYTES = 64 * 2**20


def array_bytes(obj, depth=6):
    """Bytes of the numpy arrays an estimator holds, in its attributes and in their lists.

    A pipeline counts its steps; attributes, lists, tuples and dicts are
    followed ``depth`` levels down (a pipeline's steps, an MLP's list of
    layers' pairs of arrays).

    Examples
    --------
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> scale = StandardScaler().fit(np.zeros((5, 3)))  # mean_, var_, scale_: 3 floats each
    >>> array_bytes(scale), array_bytes(Pipeline([("scale", scale)])), array_bytes([np.ones(4)])
    (72, 72, 32)
    """
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if depth == 0:
        return 0
    if isinstance(obj, dict):
        values = obj.values()
    elif isinstance(obj, (list, tuple)):
        values = obj
    elif hasattr(obj, "get_params") and hasattr(obj, "__dict__"):
        values = vars(obj).values()
    else:
        return 0
    return sum(array_bytes(v, depth - 1) for v in values)


def keeps_head(fitted, budget=None):
    """Whether a search hands back ``fitted``: its arrays take at most ``budget`` bytes.

    ``budget`` None: :data:`HEAD_BYTES`.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> scale = StandardScaler().fit(np.zeros((5, 3)))
    >>> keeps_head(scale), keeps_head(scale, budget=72), keeps_head(scale, budget=71)
    (True, True, False)
    """
    return array_bytes(fitted) <= (HEAD_BYTES if budget is None else budget)


def validation_score(head, params, F_fit, y_fit, F_val, y_val, F_val_mirrored=None):
    """Accuracy on the validation part of ``head`` with ``params``, fitted on the fit part.

    Fitted as a row's head is (:func:`~benchmarks.harness.fitting.fit_head`), on
    one copy of the fit part that it scales in place; the validation part (with
    its mirrors' features where given) is predicted from copies of its blocks.
    The parts every setting reads stay as they are.

    Returns
    -------
    score : float
    fitted : Pipeline or None
        The fitted head where :func:`keeps_head` hands it back, else None.
    seconds : float
        The fit's and the prediction's wall time.
    """
    start = time.perf_counter()
    fitted = fit_head(clone(head).set_params(**params), np.array(F_fit), y_fit)
    score = float(np.mean(predict_chunked(fitted, F_val, copy=True, mirrored=F_val_mirrored)
                          == y_val))
    kept = fitted if keeps_head(fitted) else None
    return score, kept, time.perf_counter() - start


def _check_cell(doc, arrays):
    if not isinstance(doc, dict):
        raise ValueError(f"not a search score: {doc!r}")
    score, seconds = doc.get("score"), doc.get("seconds")
    for value in (score, seconds):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ValueError(f"not a search score: {doc!r}")
    if score > 1 or arrays:
        raise ValueError(f"not a search score: {doc!r}")


class SearchCells:
    """The cached validation score of each setting of one row's search.

    Parameters
    ----------
    cache : ResultCache
        Where the scores are stored (entries of kind ``"search"``, JSON only);
        a disabled cache finds and stores nothing.
    *key_parts
        What every score of the row depends on besides its setting (the row's
        name, its :func:`~benchmarks.harness.fingerprint.pipeline_fingerprint`
        and its split).

    Examples
    --------
    >>> import tempfile
    >>> from benchmarks.harness.cache import ResultCache
    >>> cells = SearchCells(ResultCache(tempfile.mkdtemp()), "demo", 1)
    >>> cells.get({"clf__alpha": 0.1}) is None
    True
    >>> cells.put({"clf__alpha": 0.1}, 0.75, 2.5)
    >>> cells.get({"clf__alpha": 0.1}), SearchCells(ResultCache(None), "demo").get({})
    ((0.75, 2.5), None)
    """

    def __init__(self, cache, *key_parts):
        self.cache = cache
        self._base = cache.key("search cell", *key_parts) if cache.enabled else None

    def _key(self, settings):
        return self.cache.key(self._base, sorted(settings.items()))

    def get(self, settings):
        """``(score, seconds)`` of ``settings`` scored before, or None."""
        if self._base is None:
            return None
        found = self.cache.fetch("search", self._key(settings), _check_cell,
                                 what=f"search score of {settings}")
        return None if found is None else (found[0]["score"], found[0]["seconds"])

    def put(self, settings, score, seconds):
        """Store the validation ``score`` of ``settings``, found in ``seconds``."""
        if self._base is not None:
            self.cache.store("search", self._key(settings),
                             {"score": float(score), "seconds": float(seconds)})


def search_head(head, space, F, split, n_jobs, search_backend=None, cells=None, fixed=None):
    """Best validation accuracy and settings of ``head``'s grid ``space`` on features ``F``.

    Parameters
    ----------
    head : Pipeline
        The row's ``scale`` and ``clf`` steps.
    space : dict
        The head's grid.
    F : tuple of ndarray
        Fit and validation features, then (with test mirrors) the features of
        the validation and test images' mirrors at ``F[3:]``.
    split : Split
    n_jobs : int or None
        The row's cores: the search's workers, and the classifiers' threads
        where they take ``n_jobs``.
    search_backend : str or None, default=None
        joblib backend of the workers (``"dask"``: tasks of a cluster).
    cells : SearchCells or None, default=None
        Scores found before are read, each new one stored as it lands.
    fixed : dict or None, default=None
        The feature settings ``F`` were extracted with, part of each score's key.

    Returns
    -------
    score : float
    params : dict
        The first best setting in the grid's order.
    fitted : Pipeline or None
        The winner fitted on the fit part, where it was fitted here and kept
        (:func:`keeps_head`); None: fit it again.
    seconds : float
        The search's wall time, plus the recorded time of each score read from
        ``cells``.
    """
    start = time.perf_counter()
    grid = list(ParameterGrid(space))
    fixed = fixed or {}
    found = [cells.get({**fixed, **params}) if cells is not None else None for params in grid]
    scores = [None if hit is None else hit[0] for hit in found]
    earlier = sum(hit[1] for hit in found if hit is not None)
    todo = [i for i, score in enumerate(scores) if score is None]
    # No more workers than settings to score, nor than memory holds: each copies the
    # fit features (to scale them in place).
    workers = 1 if n_jobs is None or not todo else n_workers(n_jobs, len(todo))
    workers = affordable_workers(workers, SEARCH_COPIES * F[0].nbytes,
                                 shared=F[0].nbytes + F[1].nbytes)
    if takes_n_jobs(head.named_steps["clf"]):
        # The fits share the row's cores; on a cluster each runs on a worker of one thread.
        head = clone(head).set_params(clf__n_jobs=1 if search_backend is not None
                                      else classifier_threads(n_jobs, workers))
    mirrored_val = mirror_parts(F)[0]
    leader = (None, None)  # (index, head) of the first best setting fitted here
    with (joblib.parallel_config(backend=search_backend) if search_backend is not None
          else contextlib.nullcontext()):
        results = joblib.Parallel(n_jobs=workers, return_as="generator")(
            joblib.delayed(validation_score)(head, grid[i], F[0], split.y_fit, F[1],
                                             split.y_val, mirrored_val)
            for i in todo)
        # In the grid's order, so only the leader's head is held, beside those in flight.
        for i, (score, fitted, seconds) in zip(todo, results):
            scores[i] = score
            if cells is not None:
                cells.put({**fixed, **grid[i]}, score, seconds)
            if leader[0] is None or score > scores[leader[0]]:
                leader = (i, fitted)
    best = int(np.argmax(scores))
    fitted = leader[1] if leader[0] == best else None
    return scores[best], grid[best], fitted, time.perf_counter() - start + earlier
