"""Where the rows of a run are computed: here, one after another, or as tasks on a dask cluster.

``--scheduler`` (``$FEATBENCH_SCHEDULER`` when the option is not given) is
the one switch, read by :func:`open_scheduler` for
:func:`~benchmarks.harness.runner.run_benchmark` and
:func:`~benchmarks.harness.curve.learning_curve`:

- unset: each row (or learning-curve point) runs in this process, in order,
  and an error stops the run, as it always has; with ``--n-jobs`` 2 or more,
  the rows whose work is on one core run first, side by side in worker
  processes (:mod:`~benchmarks.harness.side_by_side`);
- ``local:N``: a dask ``LocalCluster`` of N worker processes on this machine,
  one thread each, closed when the run ends; at most one per core
  (:func:`usable_cores`): a larger N starts that many, with a warning;
- ``local:NxT``: N worker processes of T threads each, each row using its
  worker's T threads (``local:2x4``: two rows at a time, four threads
  each); at most N x T threads, one per core: fewer workers (and at most
  as many threads as cores) are started, with a warning;
- any other value: the address of a running dask scheduler
  (``tcp://host:8786``), whose workers must have featbench installed. It
  is checked before any work, within seconds: whatever else listens there
  (an SSH or HTTP server, a silent process) is refused with one line.

On a cluster the rows are tasks (:mod:`~benchmarks.harness.dask_backend`),
the longest first, one per worker, each on its worker's threads (one BLAS
thread on a worker of one); their results come back to this process, which
writes them as they land. dask is imported only then: the
core install works without it.
"""

import contextlib
import importlib.util
import os
import re
import sys

__all__ = ["open_scheduler", "parse_scheduler", "check_scheduler", "scheduler_from_env",
           "RowsFailedError", "LocalRunner", "job_cost", "usable_cores", "cap_n_jobs",
           "ENV_VAR", "INSTALL_HINT"]

#: Read when ``--scheduler`` is not given.
ENV_VAR = "FEATBENCH_SCHEDULER"
#: What a user without dask is told to run.
INSTALL_HINT = "pip install 'featbench[dask]'"

_LOCAL = re.compile(r"local:(.*)", re.IGNORECASE)
# local:NxT, told apart from a malformed local:N by an 'x' beside something.
_THREADS = re.compile(r"(.*?)x(.*)", re.IGNORECASE)
_WHOLE = re.compile(r"[0-9]+")  # not str.isdigit(), which takes '²' and other scripts' digits

_MEASURED_TRAIN_SIZE = 5170


def job_cost(name, split):
    """Rough seconds of pipeline ``name`` on ``split``, to start the longest jobs first.

    The row's time on the CIFAR-10 subset
    (:attr:`pipelines.PipelineSpec.seconds`) scaled by the split's training
    images: a learning-curve point at 1,000 images costs a fifth of one at
    5,000.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> half = SimpleNamespace(config={"train_size": 2585})
    >>> job_cost("pixels/cnn", half), job_cost("color/svm", half)
    (160.0, 0.5)
    """
    import pipelines

    size = split.config.get("train_size") or _MEASURED_TRAIN_SIZE
    return pipelines.get_spec(name).seconds * size / _MEASURED_TRAIN_SIZE


def scheduler_from_env(value):
    """``value``, or ``$FEATBENCH_SCHEDULER`` when ``value`` is None; None if neither is set.

    Examples
    --------
    >>> scheduler_from_env("local:2")
    'local:2'
    """
    if value is not None:
        return value
    return os.environ.get(ENV_VAR) or None


def _dask_installed():
    return all(importlib.util.find_spec(name) is not None for name in ("dask", "distributed"))


def parse_scheduler(value, option="--scheduler"):
    """What ``value`` asks for: None (this process), a LocalCluster or ``("address", text)``.

    Parameters
    ----------
    value : str or None
        ``None`` or ``""``: no cluster; ``"local:N"``: a LocalCluster of N
        worker processes of one thread, ``("local", N)``; ``"local:NxT"``: of
        T threads each, ``("local", N, T)`` (``("local", N)`` for T 1);
        anything else: a dask scheduler's address.
    option : str, default="--scheduler"
        Named in the error messages.

    Raises
    ------
    ValueError
        If ``local:N`` has no whole number N >= 1 written in the digits 0-9,
        or ``local:NxT`` no such N and T.
    TypeError
        If ``value`` is neither a string nor None.

    Examples
    --------
    >>> parse_scheduler(None) is None, parse_scheduler("local:2"), parse_scheduler("local:2x4")
    (True, ('local', 2), ('local', 2, 4))
    >>> parse_scheduler("tcp://127.0.0.1:8786")
    ('address', 'tcp://127.0.0.1:8786')
    >>> parse_scheduler("local:0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: --scheduler local:N needs a whole number N >= 1 of worker processes, ...
    >>> parse_scheduler("local:2x0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: --scheduler local:NxT needs whole numbers N >= 1 of worker processes and ...
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{option} must be a string such as 'local:2' or "
                        f"'tcp://host:8786'; got {value!r}.")
    value = value.strip()
    if not value:
        return None
    local = _LOCAL.fullmatch(value)
    if local is None:
        return ("address", value)
    count = local.group(1).strip()
    pair = _THREADS.fullmatch(count)
    if pair is not None and any(part.strip() for part in pair.groups()):
        parts = [part.strip() for part in pair.groups()]
        if not all(_WHOLE.fullmatch(part) and int(part) >= 1 for part in parts):
            raise ValueError(f"{option} local:NxT needs whole numbers N >= 1 of worker "
                             f"processes and T >= 1 of threads each, in the digits 0-9 "
                             f"(such as local:2x4); got {value!r}.")
        workers, threads = map(int, parts)
        return ("local", workers) if threads == 1 else ("local", workers, threads)
    if not _WHOLE.fullmatch(count) or int(count) < 1:
        raise ValueError(f"{option} local:N needs a whole number N >= 1 of worker processes, "
                         f"in the digits 0-9 (such as local:4); got {value!r}.")
    return ("local", int(count))


def check_scheduler(value, option="--scheduler", probe=True):
    """:func:`parse_scheduler`; a cluster needs dask.distributed, an address a scheduler.

    ``probe=False`` leaves the address unchecked, for a caller that connects
    at once (:func:`~benchmarks.harness.dask_backend.connect` probes it first).

    Raises
    ------
    ValueError
        As :func:`parse_scheduler`, or if a cluster is asked for and
        dask.distributed is not installed (the message gives the install
        command).
    OSError
        If no dask scheduler answers at an address, within seconds
        (:func:`~benchmarks.harness.dask_probe.probe_scheduler`).

    Examples
    --------
    >>> check_scheduler(None) is None
    True
    """
    kind = parse_scheduler(value, option)
    if kind is not None and not _dask_installed():
        raise ValueError(f"{option} {value.strip()} needs dask.distributed, which is not "
                         f"installed: {INSTALL_HINT} (or leave {option} out to run here).")
    if probe and kind is not None and kind[0] == "address":
        from benchmarks.harness.dask_probe import probe_scheduler

        probe_scheduler(kind[1], option)  # before any data is loaded
    return kind


def _warn(message):
    print(message, file=sys.stderr)


def usable_cores():
    """The cores this process may run on (its CPU affinity, where the system has one).

    Examples
    --------
    >>> usable_cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def cap_n_jobs(n_jobs, scheduler=None, option="--n-jobs", warn=_warn):
    """The ``--n-jobs`` a run uses: no more workers than the cores that run them.

    ``n_jobs`` is each feature extractor's threads and the ``--search``
    grid's joblib workers. Where the rows run on this machine (no
    ``scheduler``, ``local:N`` or ``local:NxT``), workers beyond
    :func:`usable_cores` would only share the cores. (A grid's workers are
    also held to its points where the grid runs:
    :func:`benchmarks.harness.evaluate.run_pipeline`; on a worker of T
    threads a row's are held to T: :func:`features.threads.task_n_jobs`.)

    Parameters
    ----------
    n_jobs : int or None
        As validated by the run: None, -1 (every core) or a count >= 1.
    scheduler : str or None, default=None
        The run's ``--scheduler``: with an address, the cores of this machine
        bound nothing.
    option : str, default="--n-jobs"
        Named in the warning.
    warn : callable, default=print on stderr
        Receives the one-line warning when a count given is lowered.

    Returns
    -------
    int or None
        ``n_jobs`` capped; -1 becomes the cap where there is one, silently.
        None (not given) becomes 1 where the rows run here, so that the
        networks compute in their fixed shards on one BLAS thread and give
        the numbers of any ``--n-jobs``; on a cluster it stays None, for
        each worker to resolve (:func:`features.threads.task_n_jobs`).

    Examples
    --------
    >>> cap_n_jobs(None), cap_n_jobs(1), cap_n_jobs(5, "tcp://10.0.0.1:8786")
    (1, 1, 5)
    >>> cap_n_jobs(None, "local:2") is None
    True
    """
    kind = parse_scheduler(scheduler)
    if n_jobs is None:
        return 1 if kind is None else None
    if n_jobs == 1:
        return n_jobs
    if kind is not None and kind[0] != "local":
        return n_jobs
    cap = usable_cores()
    if n_jobs == -1:
        return cap
    if n_jobs > cap:
        warn(f"featbench: {option} {n_jobs} is more workers than the {cap} cores of this "
             f"machine: using {cap} ({option} {cap}).")
        return cap
    return n_jobs


class RowsFailedError(RuntimeError):
    """Some rows (or points) of a run on a cluster failed; every other one was written.

    Attributes
    ----------
    failed : dict of str to str
        What failed (a pipeline, or ``pipeline at N images``) -> the reason.
    out : pathlib.Path
        The output folder, where ``--resume`` computes only what failed.
    frame : pandas.DataFrame or None
        The table of the rows that landed, as the run would have returned it.
    """

    def __init__(self, failed, out, total, what="pipelines", frame=None):
        self.failed, self.out, self.frame = dict(failed), out, frame
        reasons = "; ".join(f"{name}: {reason}" for name, reason in self.failed.items())
        super().__init__(
            f"{len(self.failed)} of {total} {what} failed ({reasons}). The others are "
            f"written in {out}/; run the same command with --resume --out {out} to compute "
            f"only the failed ones.")


class LocalRunner:
    """Runs jobs in this process, one after another, in the order given.

    With ``side_by_side``, and ``n_jobs`` of 2 or more, the jobs of rows
    that use one core (:func:`~benchmarks.harness.side_by_side.one_core_row`)
    run first, side by side in worker processes
    (:mod:`~benchmarks.harness.side_by_side`), then the others here, in
    order. An exception raised by a job stops the run, as without a scheduler.

    Parameters
    ----------
    side_by_side : bool, default=False
    """

    workers = 1

    def __init__(self, side_by_side=False):
        self.side_by_side = side_by_side

    def run(self, func, jobs, cache, *, search=False, n_jobs=None, progress=None):
        """Yield ``(key, row, None)`` for each job ``(key, name, split)``.

        ``row`` is ``func(name, split, cache, search=, n_jobs=, progress=)``;
        a row run side by side gets ``n_jobs=1`` and ``progress=None``.
        """
        if self.side_by_side:
            from benchmarks.harness import side_by_side as beside

            alone = [job for job in jobs if beside.one_core_row(job[1], search)]
            workers = beside.side_by_side_workers(alone, n_jobs, search)
            if workers > 1:
                if progress is not None:
                    progress.set_description(f"{len(alone)} one-core rows, {workers} at once")
                yield from beside.run_side_by_side(func, alone, cache, workers, search=search,
                                                   cost=job_cost)
                landed = {job[0] for job in alone}
                jobs = [job for job in jobs if job[0] not in landed]
        for key, name, split in jobs:
            if progress is not None:
                progress.set_description(name)
            yield key, func(name, split, cache, search=search, n_jobs=n_jobs,
                            progress=progress), None


def _cap_local(kind, option):
    """``kind`` of a LocalCluster, lowered to no more threads than the cores (said on stderr)."""
    # More would only share the cores, each process holding its own copy of the data.
    cores = usable_cores()
    if len(kind) == 2:
        if kind[1] > cores:
            _warn(f"featbench: {option} local:{kind[1]} asks for more worker processes than "
                  f"the {cores} cores of this machine: starting {cores} ({option} "
                  f"local:{cores}).")
            return ("local", cores)
        return kind
    workers, threads = kind[1:]
    if workers * threads <= cores:
        return kind
    # The threads of a row are what local:NxT asks for: fewer workers before fewer threads.
    threads = min(threads, cores)
    workers = min(workers, cores // threads)
    _warn(f"featbench: {option} local:{kind[1]}x{kind[2]} asks for more threads "
          f"({kind[1] * kind[2]}) than the {cores} cores of this machine: starting "
          f"{workers} of {threads} ({option} local:{workers}x{threads}).")
    return ("local", workers) if threads == 1 else ("local", workers, threads)


@contextlib.contextmanager
def open_scheduler(scheduler=None, log=print, option="--scheduler"):
    """The runner of a run's jobs, as a context manager that shuts a LocalCluster down.

    Parameters
    ----------
    scheduler : str or None, default=None
        As :func:`parse_scheduler` reads it.
    log : callable or None, default=print
        Receives the line that names the cluster and its dashboard (None: silent).
    option : str, default="--scheduler"
        Named in the error messages, and in the warning on stderr when
        ``local:N`` or ``local:NxT`` asks for more threads than
        :func:`usable_cores` (as many as the cores are started).

    Yields
    ------
    LocalRunner or benchmarks.harness.dask_backend.DaskRunner
        Its ``run(func, jobs, cache, search=, n_jobs=, progress=)`` yields
        ``(key, row, failure)``: ``failure`` is None, or on a cluster the
        reason the job failed (the worker died, or the job raised).

    Examples
    --------
    >>> with open_scheduler(None) as runner:
    ...     list(runner.run(lambda name, split, cache, **kw: name.upper(),
    ...                     [("k", "hog/svm", None)], None))
    [('k', 'HOG/SVM', None)]
    """
    kind = check_scheduler(scheduler, option, probe=False)  # connect() probes the address
    if kind is None:
        yield LocalRunner(side_by_side=True)
        return
    if kind[0] == "local":
        kind = _cap_local(kind, option)
    from benchmarks.harness.dask_backend import connect

    with connect(kind, log=log, option=option, cost=job_cost) as runner:
        yield runner
