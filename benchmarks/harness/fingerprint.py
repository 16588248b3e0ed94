"""Fingerprints of featbench's code and of a pipeline's settings, for the cache and --resume.

:func:`pipeline_fingerprint` keys the row cache (every parameter, the version and
the code), :func:`code_fingerprint` the feature blocks' cache, and
:func:`settings_digest` is saved with each row and point, beside its parameters
(:func:`pipeline_params`), so that ``--resume`` refuses work done with other
settings of the same named row and names them (:func:`settings_changes`).
"""

import functools
import hashlib
import importlib
import json
from pathlib import Path

__all__ = ["code_fingerprint", "pipeline_fingerprint", "pipeline_params", "settings_digest",
           "settings_changes"]


def _pipeline_params(pipe):
    """Every parameter of the pipeline, defaults included, as sorted (name, text) pairs."""
    params = pipe.get_params(deep=True)
    return sorted((k, _stable_repr(v)) for k, v in params.items() if k != "memory")


def pipeline_fingerprint(pipe):
    """Every parameter of the pipeline, defaults included, the version and the code.

    Part of the row cache's key, so a changed default or a changed kernel
    invalidates cached rows.
    """
    from benchmarks import __version__

    return (__version__, code_fingerprint(), _pipeline_params(pipe))


#: Parameters that choose how the work runs, not what it computes: the same numbers,
#: bit for bit where the BLAS gives a product's rows the same bits in any block.
_EXECUTION_PARAMS = frozenset({"n_jobs", "chunk_size", "verbose"})


def pipeline_params(pipe):
    """Every parameter of the pipeline, defaults included, as ``{name: text}``.

    What a saved row or point records of its pipeline (JSON: texts only), so
    that a later ``--resume`` can say which settings changed.

    Examples
    --------
    >>> import pipelines
    >>> params = pipeline_params(pipelines.make("hog/svm", clf__alpha=0.5))
    >>> params["clf__alpha"], all(isinstance(v, str) for v in params.values())
    ('0.5', True)
    """
    return dict(_pipeline_params(pipe))


def _settings(params):
    """The parameters among ``params`` that choose what the pipeline computes."""
    return {k: v for k, v in params.items() if k.rpartition("__")[2] not in _EXECUTION_PARAMS}


def settings_digest(pipe):
    """A short digest of the pipeline's parameters (not of the code or the version).

    Saved with each row and point, so that ``--resume`` refuses work done with
    other settings of the same named row. Parameters that only choose how the
    work runs (``n_jobs``, ``chunk_size``, ``verbose``) are left out.

    Examples
    --------
    >>> import pipelines
    >>> a, b = pipelines.make("hog/svm"), pipelines.make("hog/svm", clf__alpha=1.0)
    >>> settings_digest(a) == settings_digest(pipelines.make("hog/svm")), len(settings_digest(a))
    (True, 16)
    >>> settings_digest(a) == settings_digest(b)
    False
    >>> settings_digest(a) == settings_digest(pipelines.make("hog/svm", features__n_jobs=2))
    True
    """
    text = json.dumps(list(_settings(pipeline_params(pipe)).items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def settings_changes(saved, now):
    """The settings that differ between a saved record of parameters and the current one.

    Parameters
    ----------
    saved : object
        What a saved row or point holds under ``params`` (:func:`pipeline_params`
        when it was saved): None or anything but an object of texts counts as
        no record.
    now : dict
        :func:`pipeline_params` of the pipeline now.

    Returns
    -------
    list of str or None
        ``"name: saved -> now"`` for each parameter that chooses what is
        computed and differs (``"(none)"`` for one the other lacks), in name
        order; an empty list if none differs (only how the work runs, or the
        digest's rule, changed); None without a record.

    Examples
    --------
    >>> settings_changes({"clf__alpha": "0.1", "clf__n_jobs": "1"},
    ...                  {"clf__alpha": "0.5", "clf__n_jobs": "2", "clf__tol": "0.001"})
    ['clf__alpha: 0.1 -> 0.5', 'clf__tol: (none) -> 0.001']
    >>> settings_changes({"clf__n_jobs": "1"}, {"clf__n_jobs": "2"}), settings_changes(None, {})
    ([], None)
    """
    if not (isinstance(saved, dict) and all(isinstance(v, str) for v in saved.values())):
        return None
    saved, now = _settings(saved), _settings(now)
    return [f"{k}: {saved.get(k, '(none)')} -> {now.get(k, '(none)')}"
            for k in sorted(saved.keys() | now.keys()) if saved.get(k) != now.get(k)]


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
