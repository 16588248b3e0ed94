"""How many threads each piece of work may use: the one thread policy of featbench.

Every decision about threads is made here and asked for elsewhere: how many
threads a batch of feature chunks runs on (:func:`n_workers`,
:func:`thread_map`), how many BLAS threads each gets while they run
(:func:`chunk_blas_threads`), which products run on one BLAS thread
(:func:`product_blas_threads`, :func:`ordered_sums`), how a row's cores are
shared by a search's fits (:func:`classifier_threads`), what a row on a dask
worker may use (:func:`task_limits`, :func:`task_n_jobs`), the threads that
share a network's batches (:func:`shard_pool`, :func:`run_shared`), the fixed
shards of its products (:func:`product_shards`) and whether they leave the
calling thread (:func:`product_workers`). Capping goes through one
:class:`threadpoolctl.ThreadpoolController` (:func:`blas_limit`).
"""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

from joblib import effective_n_jobs
from threadpoolctl import ThreadpoolController

__all__ = ["blas_limit", "n_workers", "thread_map", "chunk_blas_threads",
           "product_blas_threads", "ordered_sums", "SMALL_PRODUCT", "SMALL_OUTPUT",
           "classifier_threads", "task_limits", "task_n_jobs", "shard_pool", "BATCH_SHARDS",
           "product_shards", "SHARD_PRODUCT", "product_workers", "POOL_PRODUCT",
           "elementwise_pieces", "ELEMENTWISE_PIECE", "run_beside", "run_shared"]

#: Multiply-adds below which a training product runs on one BLAS thread: threads save
#: little there and cost far more when other processes share the cores
#: (docs/decisions.md#mlp-blas-threads).
SMALL_PRODUCT = 10**7
#: Entries below which a product's output (a filter gradient summed over every
#: position of a batch) runs on one BLAS thread.
SMALL_OUTPUT = 2**12
#: Shards of each network batch for a given ``n_jobs``, whatever the cores: the products
#: of a shard have the same bits on any number of threads (docs/decisions.md#convnet-fixed-shards).
BATCH_SHARDS = 16
#: Multiply-adds of each shard of a network's matrix product, at least: smaller shards
#: cost more in packing than their threads save (docs/decisions.md#mlp-fixed-shards).
SHARD_PRODUCT = 2**24
#: Multiply-adds of a sharded product, at least, whose shards go to other threads:
#: below it, waking them costs more than they save (docs/decisions.md#mlp-small-products-here).
POOL_PRODUCT = 2**26
#: Values of each thread's piece of an element-wise pass (an update rule's), at least:
#: smaller pieces cost more in hand-offs than their threads save
#: (docs/decisions.md#mlp-blas-threads).
ELEMENTWISE_PIECE = 2**18

_CONTROLLER = []


def _controller():
    # threadpool_limits scans the loaded libraries on every call (about 5 ms, as
    # long as a whole small batch); a controller scans once.
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def blas_limit(n_threads, user_api="blas"):
    """Context manager capping BLAS (or ``user_api``; None: every library) at ``n_threads``.

    ``n_threads=None`` caps nothing.

    Examples
    --------
    >>> import numpy as np
    >>> with blas_limit(1):
    ...     float(np.ones((4, 4)).dot(np.ones(4)).sum())
    16.0
    """
    if n_threads is None:
        return contextlib.nullcontext()
    return _controller().limit(limits=n_threads, user_api=user_api)


def n_workers(n_jobs, n_items):
    """Threads :func:`thread_map` runs ``n_items`` calls on for ``n_jobs``.

    Examples
    --------
    >>> n_workers(2, 5), n_workers(-1, 1), n_workers(None, 5)
    (2, 1, 1)
    """
    return min(effective_n_jobs(n_jobs), n_items)


def chunk_blas_threads(workers, products):
    """BLAS threads of each chunk while ``workers`` chunks run at once (None: no cap).

    Parameters
    ----------
    workers : int
    products : bool or None
        True for chunks whose time goes to large products (the visual-word
        encoding): every BLAS thread alone, one each beside other workers (no
        ``workers x BLAS threads``). False for small products among
        element-wise passes (HoG): one thread always. None: no cap.

    Examples
    --------
    >>> chunk_blas_threads(1, True), chunk_blas_threads(4, True), chunk_blas_threads(1, False)
    (None, 1, 1)
    """
    if products is None:
        return None
    return 1 if workers > 1 or not products else None


def ordered_sums():
    """Context manager holding BLAS to one thread for a matrix-vector product.

    OpenBLAS shares a matrix-vector product's rows among its threads, and the
    rows beside a boundary are summed in another order: their last bits
    change with the number of threads. On one thread they do not.

    Examples
    --------
    >>> import numpy as np
    >>> with ordered_sums():
    ...     (np.ones((3, 4), np.float32) @ np.ones((4, 1), np.float32)).ravel().tolist()
    [4.0, 4.0, 4.0]
    """
    return blas_limit(1)


def product_blas_threads(multiply_adds=None, output_entries=None):
    """BLAS threads of a training product: 1 for a small one, None (no cap) otherwise.

    Parameters
    ----------
    multiply_adds : int or None
        Multiply-adds of the largest per-batch product (small: under
        :data:`SMALL_PRODUCT`).
    output_entries : int or None
        Entries of a product's output (small: under :data:`SMALL_OUTPUT`).

    Examples
    --------
    >>> product_blas_threads(200 * 3072 * 10), product_blas_threads(128 * 3072 * 512)
    (1, None)
    >>> product_blas_threads(output_entries=27 * 32)
    1
    """
    small = ((multiply_adds is not None and multiply_adds < SMALL_PRODUCT)
             or (output_entries is not None and output_entries < SMALL_OUTPUT))
    return 1 if small else None


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


@contextlib.contextmanager
def shard_pool(n_jobs):
    """Threads that share the images of a network's batches, for a model given ``n_jobs`` cores.

    Yields ``(pool, n_shards)``. For a given ``n_jobs`` (-1: every core), each
    batch is cut into :data:`BATCH_SHARDS` shards whatever the cores, so the
    numbers do not depend on them; with 2 or more cores a pool of that many
    threads runs the shards, with BLAS held to one thread (the shards are the
    threads; idle BLAS threads would spin on the cores the shards need); with
    1, no pool and one BLAS thread. For None, no pool, the whole batch as one
    shard, and BLAS as it is.

    Examples
    --------
    >>> with shard_pool(None) as (pool, n_shards):
    ...     pool, n_shards
    (None, 1)
    >>> with shard_pool(1) as (pool, n_shards):
    ...     pool, n_shards
    (None, 16)
    >>> with shard_pool(2) as (pool, n_shards):
    ...     sorted(pool.map(abs, [-1, 2])), n_shards
    ([1, 2], 16)
    """
    if n_jobs is None:
        yield None, 1
        return
    workers = effective_n_jobs(n_jobs)
    with blas_limit(1):
        if workers <= 1:
            yield None, BATCH_SHARDS
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                yield pool, BATCH_SHARDS


def product_shards(multiply_adds):
    """Fixed shards of a matrix product of ``multiply_adds``, whatever the cores.

    One shard per :data:`SHARD_PRODUCT` multiply-adds, at least one and at most
    :data:`BATCH_SHARDS`; see :func:`classifiers.products.sharded_matmul`.

    Examples
    --------
    >>> product_shards(200 * 354 * 512), product_shards(200 * 8354 * 512), product_shards(10)
    (2, 16, 1)
    """
    return max(1, min(BATCH_SHARDS, multiply_adds // SHARD_PRODUCT))


def product_workers(multiply_adds, workers):
    """Threads that run a sharded product's shards: ``workers``, or 1 below :data:`POOL_PRODUCT`.

    Examples
    --------
    >>> product_workers(200 * 354 * 512, 2), product_workers(200 * 3072 * 512, 2)
    (1, 2)
    """
    return workers if multiply_adds >= POOL_PRODUCT else 1


def elementwise_pieces(size, workers):
    """Pieces of an element-wise pass over ``size`` values for ``workers`` threads.

    One per :data:`ELEMENTWISE_PIECE` values, at least one and at most ``workers``.

    Examples
    --------
    >>> elementwise_pieces(354 * 512, 2), elementwise_pieces(3072 * 512, 2)
    (1, 2)
    >>> elementwise_pieces(3072 * 512, 16)
    6
    """
    return max(1, min(workers, size // ELEMENTWISE_PIECE))


def run_beside(pool, calls):
    """Run ``calls[0]()`` here while ``pool`` runs the others; return when all have.

    The first exception raised by any call is raised again here, after every
    call has finished (none is left writing into buffers the caller reuses).

    Parameters
    ----------
    pool : concurrent.futures.Executor
    calls : sequence of callable
        At least one, each taking no argument.

    Examples
    --------
    >>> seen = []
    >>> with ThreadPoolExecutor(1) as pool:
    ...     run_beside(pool, [lambda: seen.append("here"), lambda: seen.append("pool")])
    >>> sorted(seen)
    ['here', 'pool']
    """
    tasks = [pool.submit(call) for call in calls[1:]]
    try:
        calls[0]()
    finally:
        for task in tasks:
            task.result()


def run_shared(pool, calls, threads):
    """Run ``calls`` on ``threads`` threads, this one and ``threads - 1`` of ``pool``'s.

    Each thread takes the next call not yet taken, in order, until none is
    left: a long call first and many short ones after it balance on their
    own, and the pool wakes ``threads - 1`` times rather than once per call.
    Errors are raised as :func:`run_beside` raises them, after every thread
    has stopped.

    Parameters
    ----------
    pool : concurrent.futures.Executor or None
        None, or ``threads`` 1: every call here, in order.
    calls : sequence of callable
        Each taking no argument; their order is the order they start in.
    threads : int
        Threads that take the calls, this one included; at most one per call.

    Examples
    --------
    >>> seen = []
    >>> with ThreadPoolExecutor(1) as pool:
    ...     run_shared(pool, [lambda k=k: seen.append(k) for k in range(5)], threads=2)
    >>> sorted(seen)
    [0, 1, 2, 3, 4]
    """
    threads = min(threads, len(calls)) if pool is not None else 1
    pending, lock = iter(calls), threading.Lock()

    def take():
        while True:
            with lock:
                call = next(pending, None)
            if call is None:
                return
            call()

    if threads <= 1:
        take()
    else:
        run_beside(pool, [take] * threads)


def task_limits(n_threads=1):
    """Every BLAS and OpenMP library held to ``n_threads``: a row on a dask worker of that many.

    Process-wide: such a worker runs one row at a time, and more threads would
    fight the other workers for the cores.

    Examples
    --------
    >>> import numpy as np
    >>> with task_limits(2):
    ...     float(np.ones((4, 4)).dot(np.ones(4)).sum())
    16.0
    """
    return blas_limit(n_threads, user_api=None)


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


