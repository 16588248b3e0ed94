"""Chunks and threads of the batched feature kernels: batch slices, a thread map, a BLAS cap."""

import contextlib
from concurrent.futures import ThreadPoolExecutor

from joblib import effective_n_jobs
from threadpoolctl import ThreadpoolController

__all__ = ["blas_limit", "iter_chunks", "n_workers", "thread_map"]

_CONTROLLER = None


def blas_limit(n_threads):
    """Context manager capping BLAS at ``n_threads`` (None: no cap).

    One :class:`threadpoolctl.ThreadpoolController` is kept for the process:
    ``threadpool_limits`` scans the loaded libraries on every call (about
    5 ms, as long as a whole small batch), the controller only once.
    """
    global _CONTROLLER
    if n_threads is None:
        return contextlib.nullcontext()
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=n_threads, user_api="blas")


def n_workers(n_jobs, n_items):
    """Threads :func:`thread_map` runs ``n_items`` calls on for ``n_jobs``.

    Examples
    --------
    >>> n_workers(2, 5), n_workers(-1, 1), n_workers(None, 5)
    (2, 1, 1)
    """
    return min(effective_n_jobs(n_jobs), n_items)


def thread_map(func, items, n_jobs):
    """``[func(item) for item in items]``, run on up to ``n_jobs`` threads.

    ``n_jobs`` means what it means to joblib (-1: every CPU; None: 1, or the
    ``n_jobs`` of an enclosing :func:`joblib.parallel_config`). The threads
    are the standard library's rather than :class:`joblib.Parallel`'s:
    joblib's result loop polls every 10 ms, and a whole batch of small images
    takes about that long (the 10-bin hue histograms of 5,170 CIFAR images
    take 17 ms on one core), so ``Parallel`` made two threads slower than one.

    Parameters
    ----------
    func : callable
        Called once per item; its calls must be thread-safe.
    items : iterable
    n_jobs : int or None

    Returns
    -------
    results : list
        In the order of ``items``. The first exception raised by ``func``
        is raised again here.

    Examples
    --------
    >>> thread_map(lambda x: x * x, range(4), n_jobs=2)
    [0, 1, 4, 9]
    """
    items = list(items)
    workers = n_workers(n_jobs, len(items))
    if workers <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))


def iter_chunks(n, chunk_size):
    """Yield ``slice`` objects covering ``range(n)`` in pieces of ``chunk_size``.

    Examples
    --------
    >>> list(iter_chunks(5, 2))
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    for start in range(0, n, chunk_size):
        yield slice(start, min(start + chunk_size, n))
