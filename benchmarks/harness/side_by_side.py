"""Rows that use one core, run side by side on the cores a run is given.

Without a scheduler the rows of a run go one after another, each given the
``--n-jobs`` cores. A row whose classifier fits on one core (the linear
models, ours and scikit-learn's), on features that are quick beside the fit,
spends most of its time on one core wherever it is, and would leave the
others idle. With ``--n-jobs`` 2 or more, such rows (:func:`one_core_row`)
run first, side by side in worker processes, one core each, the costliest
first, as many at once as the cores and the memory allow
(:func:`side_by_side_workers`); the other rows then run in this process, one
after another, as before. A row computes the same numbers in a worker as
here.
"""

import joblib

from benchmarks.harness.memory import affordable_workers, estimate_row
from features.threads import n_workers, task_limits

__all__ = ["one_core_row", "side_by_side_workers", "run_side_by_side"]


def one_core_row(name, search=False):
    """Whether pipeline ``name`` runs side by side: one core each, whatever ``--n-jobs``.

    Rows whose work is on one core (:attr:`pipelines.PipelineSpec.one_core`),
    unless a search of their grid runs (its fits share the row's cores).

    Examples
    --------
    >>> one_core_row("pixels/svm"), one_core_row("hog+color/svm"), one_core_row("pixels/cnn")
    (True, True, False)
    >>> one_core_row("bovw/svm")  # its vocabulary and encoding use every core
    False
    >>> one_core_row("pixels/svm", search=True)  # the grid's fits run side by side
    False
    """
    import pipelines

    spec = pipelines.get_spec(name)
    return spec.one_core and not (search and spec.tuned)


def side_by_side_workers(jobs, n_jobs, search=False, available=None):
    """Worker processes for the one-core ``jobs``: at most ``n_jobs``, as memory allows.

    Each worker holds a copy of its row's images and what the row needs
    beyond them (:func:`~benchmarks.harness.memory.estimate_row`); the
    largest of each counts for every worker.

    Parameters
    ----------
    jobs : list of (key, name, split)
    n_jobs : int or None
        The run's ``--n-jobs``, as joblib reads it
        (:func:`features.threads.n_workers`: None is 1, -1 every CPU).
    search : bool, default=False
    available : int or None, default=None
        Bytes available; None reads them now.

    Returns
    -------
    int
        Between 1 (the rows run here, in turn) and ``min(n_jobs, len(jobs))``.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.harness.split import Split
    >>> X, y = np.zeros((100, 32, 32, 3), np.uint8), np.arange(100) % 10
    >>> split = Split(X, y, X[:10], y[:10], X[:20], y[:20], tuple("abcdefghij"))
    >>> jobs = [(k, "pixels/svm", split) for k in "abc"]
    >>> side_by_side_workers(jobs, 2), side_by_side_workers(jobs, 8)
    (2, 3)
    >>> side_by_side_workers(jobs, 8, available=2**10)  # too little memory for two
    1
    """
    wanted = n_workers(n_jobs, len(jobs))
    if wanted <= 1:
        return 1
    images = max(sum(part.nbytes for part in (split.X_fit, split.X_val, split.X_test))
                 for _, _, split in jobs)
    need = max(estimate_row(name, split, search)["peak"] for _, name, split in jobs)
    return affordable_workers(wanted, images + need, available=available)


def _alone(func, key, name, split, cache, search):
    """``(key, row)``, the row computed with one core: every thread pool held to one."""
    with task_limits(1):
        return key, func(name, split, cache, search=search, n_jobs=1, progress=None)


def run_side_by_side(func, jobs, cache, workers, *, search=False, cost=None):
    """Yield ``(key, row, None)`` for each job as it lands, ``workers`` at a time.

    Parameters
    ----------
    func : callable
        ``func(name, split, cache, search=, n_jobs=1, progress=None)``, in a
        worker process (joblib's loky backend) with every thread pool held to
        one thread.
    jobs : list of (key, name, split)
    cache : ResultCache
    workers : int
        Worker processes, 2 or more.
    search : bool, default=False
    cost : callable or None, default=None
        ``cost(name, split)``: the costliest jobs start first (None: in order).

    Raises
    ------
    Exception
        What a job raised, once it is reached; the rows that landed before it
        were yielded.
    """
    order = jobs if cost is None else sorted(jobs, key=lambda job: -cost(job[1], job[2]))
    # One task at a time per worker, so the costliest start first and a worker holds
    # only the split of the row it runs; max_nbytes=None: a writable copy, not a memmap.
    parallel = joblib.Parallel(n_jobs=workers, backend="loky", max_nbytes=None,
                               return_as="generator_unordered", pre_dispatch="n_jobs",
                               batch_size=1)
    tasks = (joblib.delayed(_alone)(func, key, name, split, cache, search)
             for key, name, split in order)
    for key, row in parallel(tasks):
        yield key, row, None
