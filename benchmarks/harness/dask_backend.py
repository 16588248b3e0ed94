"""The jobs of a run as tasks on a dask.distributed cluster (imported only with ``--scheduler``).

Each row (or learning-curve point) is one task, submitted longest first
(by :func:`~benchmarks.harness.scheduler.job_cost`, given by
:func:`~benchmarks.harness.scheduler.open_scheduler`) so that the long rows
do not end up last on one worker. Each distinct split is sent to the cluster
once (again if a worker that died took its last copy). A worker runs one
row at a time, with all of its threads: every BLAS and OpenMP pool held to
the worker's thread count (one on a worker of one thread, where the
cluster's workers, not BLAS, are the parallelism). The row returns to the
client, which writes it; a row whose worker died is run again, and
reported as failed only after dask's ``allowed-failures`` more tries; the
others still land.

The feature cache is the client's ``--cache-dir`` path, opened by each
worker: on a LocalCluster, or workers sharing that folder (NFS), they share
one cache; elsewhere each worker machine keeps its own under the same path,
or runs uncached with a notice where it cannot write there. Rows are written
by the client only, so ``--resume`` never depends on the workers' disks.
Whether a scheduler answers at an address is :mod:`~benchmarks.harness.dask_probe`'s
to say (:func:`probe_scheduler`, re-exported here).
"""

import collections
import contextlib
import os
import sys
import traceback
import uuid
from concurrent.futures import CancelledError

import dask
import joblib
from dask.distributed import Client, KilledWorker, LocalCluster, as_completed, get_worker

# The module too: connect() reads its CONNECT_TIMEOUT when it runs, as probe_scheduler does.
import benchmarks.harness.dask_probe as dask_probe
from benchmarks.harness.dask_probe import (CONNECT_TIMEOUT, HANDSHAKE_TIMEOUT, error_line,
                                           no_scheduler_error, probe_scheduler)
from features.threads import task_limits, task_n_jobs

__all__ = ["connect", "probe_scheduler", "local_cluster", "DaskRunner", "run_task",
           "worker_threads", "ROW_RESOURCE", "CONNECT_TIMEOUT", "HANDSHAKE_TIMEOUT"]

#: The dask worker resource of which each row takes one: a worker that declares one
#: unit (``dask worker --resources featbench-row=1``) runs one row at a time.
ROW_RESOURCE = "featbench-row"


def worker_threads():
    """Threads of the dask worker running the calling task; 1 outside a worker.

    Examples
    --------
    >>> worker_threads()
    1
    """
    try:
        return get_worker().state.nthreads
    except ValueError:  # not in a task of a worker
        return 1


def run_task(func, name, split, cache, kwargs):
    """``func(name, split, cache, **kwargs)`` on a worker, with all of the worker's threads.

    BLAS and OpenMP are held to the worker's thread count (process-wide
    limits: the worker runs this row alone), and ``kwargs["n_jobs"]``, the
    command's ``--n-jobs``, becomes the row's
    (:func:`features.threads.task_n_jobs`). On a worker of one thread, a
    row with ``n_jobs`` other than None or 1 sends its search's fits to the
    cluster as tasks (joblib's dask backend); on a worker of several, they
    run on joblib threads inside this task.
    """
    threads = worker_threads()
    n_jobs = task_n_jobs(threads, kwargs.get("n_jobs"))
    kwargs = {**kwargs, "n_jobs": n_jobs}
    if threads == 1 and n_jobs not in (None, 1):
        kwargs["search_backend"] = "dask"
    # --n-jobs extractor threads are threads: joblib's default process backend would
    # refuse them in a worker process (a daemon), with a warning.
    with task_limits(threads), joblib.parallel_config(backend="threading"):
        return func(name, split, cache, **kwargs)


def _reason(exc, tries=1):
    """One line saying why a task failed (``tries``: times it was cancelled)."""
    if isinstance(exc, CancelledError):
        return (f"the cluster cancelled it {tries} time{'s' * (tries > 1)} (the split it "
                f"reads lost with a worker that died?; dask {type(exc).__name__}: {exc})")
    if isinstance(exc, KilledWorker):
        tries = exc.allowed_failures + 1
        return (f"the worker running it died (tried on {tries} worker{'s' * (tries > 1)}; "
                f"dask KilledWorker, last on {exc.last_worker.address}: see its log)")
    return error_line(exc)


class DaskRunner:
    """Runs jobs as tasks through a connected :class:`dask.distributed.Client`.

    Parameters
    ----------
    client : dask.distributed.Client
    cost : callable or None, default=None
        ``cost(name, split)``, rough seconds of a job: the costliest are
        submitted first. None: in the order given.
    retries : int or None, default=None
        Times a job the cluster cancels is submitted again (its split lost
        with a worker); None: dask's ``distributed.scheduler.allowed-failures``
        (3), as for a job whose worker died.
    """

    def __init__(self, client, cost=None, retries=None):
        self.client = client
        self.cost = cost
        self.retries = (dask.config.get("distributed.scheduler.allowed-failures")
                        if retries is None else retries)

    def _slots(self, running):
        """Workers free for a row, and the resources a row asks for (None: none).

        Asked again after each row: workers may have joined, left or died. A row
        asks for :data:`ROW_RESOURCE` only where every worker has it: a worker
        without it would never get a row, and a cluster of none none at all.
        """
        workers = self.client.scheduler_info(n_workers=-1)["workers"].values()
        pinned = bool(workers) and all(
            (worker.get("resources") or {}).get(ROW_RESOURCE, 0) >= 1 for worker in workers)
        return max(len(workers), 1) - running, ({ROW_RESOURCE: 1} if pinned else None)

    def run(self, func, jobs, cache, *, search=False, n_jobs=None, progress=None):
        """Yield ``(key, row, failure)`` for each job ``(key, name, split)`` as it completes.

        ``row`` is ``func(name, split, cache, search=, n_jobs=, progress=None)``
        computed on a worker by :func:`run_task`, with all of that worker's
        threads: on a worker of one thread, ``n_jobs`` as given (other than
        None or 1, the search's joblib workers are tasks of the cluster too,
        joblib's dask backend); on a worker of T threads, ``n_jobs`` T (or
        the smaller count given), the search's workers threads of the task.
        ``failure`` is None, or why the job failed: the worker running it
        died (dask retries it on another worker first), or it raised (its
        traceback is printed on stderr). A job the cluster cancels (the last
        copy of its split died with a worker: dask cannot compute scattered
        data again) is submitted again, its split sent again, up to
        ``retries`` times. Jobs are submitted costliest first, one per free
        worker (each taking one :data:`ROW_RESOURCE` where every worker has
        one), so that a worker holds only the row it runs: the next longest
        goes to whichever worker frees first, and a worker that dies takes
        no waiting row down with it. Tasks not yet finished when the caller
        stops reading are cancelled.
        """
        kwargs = {"search": search, "n_jobs": n_jobs, "progress": None}
        # sorted() is stable: rows of equal cost keep the order they were given.
        waiting = collections.deque(jobs if self.cost is None else sorted(
            jobs, key=lambda job: -self.cost(job[1], job[2])))
        sent, futures, running, cancelled = {}, {}, as_completed(), collections.Counter()

        def scattered(split):
            # Sent once, however many rows read it, and to every worker: data scattered
            # to one worker only would die with it. Sent again if lost all the same.
            if id(split) not in sent or sent[id(split)].status != "finished":
                sent[id(split)] = self.client.scatter(split, hash=False, broadcast=True)
            return sent[id(split)]

        def submit(job, resources):
            data = scattered(job[2])
            future = self.client.submit(run_task, func, job[1], data, cache, kwargs,
                                        key=f"{job[1]}-{uuid.uuid4().hex}",
                                        resources=resources)
            futures[future] = (job, data)
            running.add(future)

        def fill():
            free, resources = self._slots(running.count())
            for _ in range(min(free, len(waiting))):
                submit(waiting.popleft(), resources)

        try:
            for _, _, split in waiting:
                scattered(split)
            fill()
            for future in running:
                job, data = futures.pop(future)
                (key, name, split), again = job, False
                if progress is not None:
                    progress.set_description(name)
                try:
                    row, failure = future.result(), None
                except CancelledError as exc:
                    row, failure = None, _reason(exc, cancelled[key] + 1)
                    again = cancelled[key] < self.retries
                except Exception as exc:  # a row's failure is reported, not raised
                    row, failure = None, _reason(exc)
                    if not isinstance(exc, KilledWorker):
                        text = "".join(traceback.format_exception(exc)).rstrip()
                        print(f"featbench: {name} failed on a worker:\n{text}", file=sys.stderr)
                future.release()
                if again:
                    cancelled[key] += 1
                    if sent.get(id(split)) is data:  # whatever its status says by now
                        del sent[id(split)]
                    submit(job, self._slots(running.count())[1])
                    continue
                fill()
                yield key, row, failure
        finally:
            self.client.cancel(list(futures) + list(sent.values()))


def _dashboard(client):
    try:
        link = client.dashboard_link
    except (KeyError, AttributeError):
        link = None
    return link or "none (the scheduler serves no dashboard; it needs bokeh)"


def local_cluster(n_workers, threads=1, **kwargs):
    """A LocalCluster of ``n_workers`` processes of ``threads`` threads, each holding one row.

    Processes, not threads: rows hold the GIL in places. Each row gets its
    worker's ``threads`` (:func:`run_task`). Each worker declares one
    :data:`ROW_RESOURCE`, of which every row takes one, and is sent a row
    only when it is free (worker saturation 1): the longest rows still
    waiting go to whichever worker frees first, and a worker that dies takes
    no queued row down with it. Port 0: a free dashboard port, printed by
    :func:`connect`. The worker processes start with BLAS and OpenMP on one
    thread (dask's default; a task raises that to its worker's threads), and
    without dask's ``MALLOC_TRIM_THRESHOLD_``. Every worker keeps its copy of
    each split: dask's active memory manager would drop all but one
    (``ReduceReplicas``), and a worker that dies would take it down with it.
    """
    options = dict(n_workers=n_workers, threads_per_worker=threads, processes=True,
                   dashboard_address=":0", resources={ROW_RESOURCE: 1})
    # dask's default MALLOC_TRIM_THRESHOLD_ slows the feature extraction by half
    # (docs/decisions.md#dask-local-cluster-malloc): the workers get glibc's own.
    spawn_environ = {name: value for name, value in
                     dask.config.get("distributed.nanny.pre-spawn-environ").items()
                     if name != "MALLOC_TRIM_THRESHOLD_"}
    amm = "distributed.scheduler.active-memory-manager.policies"
    policies = [policy for policy in dask.config.get(amm)
                if not str(policy.get("class")).endswith("ReduceReplicas")]
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0,
                          "distributed.nanny.pre-spawn-environ": spawn_environ,
                          amm: policies}):
        return LocalCluster(**{**options, **kwargs})


@contextlib.contextmanager
def connect(kind, log=print, option="--scheduler", cost=None):
    """A :class:`DaskRunner` on a new LocalCluster or a running scheduler, closed at the end.

    Parameters
    ----------
    kind : tuple
        ``("local", n_workers)``, ``("local", n_workers, threads)`` or
        ``("address", address)``, from
        :func:`~benchmarks.harness.scheduler.check_scheduler`.
    log : callable or None, default=print
        Receives one line: the cluster's workers and its dashboard link.
    option : str, default="--scheduler"
    cost : callable or None, default=None
        See :class:`DaskRunner`.

    Raises
    ------
    OSError
        If no dask scheduler answers at the address (see :func:`probe_scheduler`).
    """
    cluster, environ = None, {}
    if kind[0] == "local":
        # The nannies set the workers' variables in this process's environment
        # before they start them: put back what the caller had when done.
        names = set(dask.config.get("distributed.nanny.pre-spawn-environ")) | {"PYTHONHASHSEED"}
        environ = {name: os.environ.get(name) for name in names}
        cluster = local_cluster(*kind[1:])
        client = Client(cluster)
    else:
        probe_scheduler(kind[1], option)
        try:
            client = Client(kind[1], timeout=dask_probe.CONNECT_TIMEOUT)
        except Exception as exc:  # a dask server that is no scheduler (a worker) raises anything
            raise no_scheduler_error(option, kind[1], error_line(exc)) from exc
    try:
        if log is not None:
            info = client.scheduler_info(n_workers=-1)
            threads = sum(w.get("nthreads", 0) for w in info["workers"].values())
            log(f"dask: {len(info['workers'])} workers ({threads} threads) at "
                f"{info.get('address', kind[-1])}; dashboard: {_dashboard(client)}")
        yield DaskRunner(client, cost)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        for name, value in environ.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
