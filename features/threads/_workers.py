"""How many threads share a batch of calls, for the cores a row or an estimator is given.

:func:`n_workers` and :func:`thread_map` run a batch of calls (feature chunks,
blocks of rows) on up to ``n_jobs`` threads; :func:`product_map` does the same
for calls whose time is matrix products, with BLAS held as
:func:`~features.threads.chunk_blas_threads` says. :func:`classifier_threads`
shares a row's cores among a search's fits and :func:`task_n_jobs` gives a row
the threads of its dask worker.
"""

from concurrent.futures import ThreadPoolExecutor

from joblib import effective_n_jobs

from ._limits import blas_limit, chunk_blas_threads

__all__ = ["n_workers", "thread_map", "product_map", "classifier_threads", "task_n_jobs"]


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


def product_map(func, items, n_jobs):
    """:func:`thread_map` for calls whose time is matrix products, BLAS capped to match.

    One call at a time keeps every BLAS thread; calls side by side get one
    BLAS thread each (:func:`~features.threads.chunk_blas_threads`), so the
    cores hold ``workers`` threads, not ``workers x BLAS threads``.

    Parameters
    ----------
    func, items, n_jobs
        As for :func:`thread_map`.

    Returns
    -------
    results : list
        In the order of ``items``; the first exception raised by ``func`` is
        raised again here.

    Examples
    --------
    >>> import numpy as np
    >>> blocks = [np.eye(2), 2 * np.eye(2), 3 * np.eye(2)]
    >>> [float(p.trace()) for p in product_map(lambda a: a @ a, blocks, n_jobs=2)]
    [2.0, 8.0, 18.0]
    """
    items = list(items)
    with blas_limit(chunk_blas_threads(n_workers(n_jobs, len(items)), products=True)):
        return thread_map(func, items, n_jobs)


def classifier_threads(n_jobs, workers=1):
    """Threads of each classifier while ``workers`` fit at once in a row given ``n_jobs`` cores.

    One classifier alone (a row's final fit and predictions) takes the row's
    cores as given; the fits of a search that run side by side share them,
    at least one thread each.

    Examples
    --------
    >>> classifier_threads(2), classifier_threads(None), classifier_threads(-1)
    (2, None, -1)
    >>> classifier_threads(2, workers=2), classifier_threads(8, workers=3)
    (1, 2)
    """
    if workers <= 1 or n_jobs is None:
        return n_jobs
    return max(1, effective_n_jobs(n_jobs) // workers)


def task_n_jobs(worker_threads, n_jobs):
    """The ``n_jobs`` of a row run on a dask worker of ``worker_threads``, for ``--n-jobs``.

    A worker of one thread keeps ``n_jobs`` as given (None, not given, as
    1, as a run here takes it): the cluster's workers are the parallelism, a
    search's fits among them. A worker of several gives its row all of its
    threads (its extractors' threads, its search's workers): ``n_jobs`` None
    or -1 (every core) become the worker's threads, and a smaller count given
    holds the row to it.

    Examples
    --------
    >>> task_n_jobs(1, None), task_n_jobs(1, 4), task_n_jobs(4, None), task_n_jobs(4, -1)
    (1, 4, 4, 4)
    >>> task_n_jobs(4, 2), task_n_jobs(4, 8)
    (2, 4)
    """
    if worker_threads <= 1:
        return 1 if n_jobs is None else n_jobs
    if n_jobs is None or n_jobs == -1:
        return worker_threads
    return min(n_jobs, worker_threads)
