"""Fingerprints of featbench's code and of a pipeline's settings, for the cache and --resume.

:func:`pipeline_fingerprint` keys the row cache (every parameter, the version and
the code), :func:`code_fingerprint` the feature blocks' cache, and
:func:`settings_digest` is saved with each row and point so that ``--resume``
refuses work done with other settings of the same named row.
"""

import functools
import hashlib
import importlib
import json
from pathlib import Path

__all__ = ["code_fingerprint", "pipeline_fingerprint", "settings_digest"]


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
    params = [(k, v) for k, v in _pipeline_params(pipe)
              if k.rpartition("__")[2] not in _EXECUTION_PARAMS]
    text = json.dumps(params)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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
