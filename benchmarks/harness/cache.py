"""What the harness caches, and under which key: feature blocks and finished rows.

Features are the expensive part and are shared between pipelines (``hog+color``
is in ``hog+color/svm``, ``/softmax``, ``/mlp`` and in ``all/*``), so each block
of a pipeline's ``features`` step is cached on disk with ``joblib.Memory``,
keyed by the block's parameters, the images and the code that computes them.
Finished rows are cached the same way, keyed by :func:`pipeline_fingerprint`.
"""

import functools
import hashlib
import importlib
import itertools
import time
from pathlib import Path

import joblib

from benchmarks.data.paths import cache_dir

__all__ = ["feature_memory", "code_fingerprint", "pipeline_fingerprint", "new_call_id"]


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


def pipeline_fingerprint(pipe):
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


def new_call_id():
    """A token unique among live calls, for telling cached results from fresh ones."""
    return f"{time.time_ns()}-{next(_CALLS)}"


_CALLS = itertools.count()
