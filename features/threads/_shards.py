"""The fixed shards of a network's batches and products, and the threads that take them.

A batch is cut into :data:`BATCH_SHARDS` shards and a product into
:func:`product_shards` whatever the cores, so the numbers do not depend on
them; :func:`shard_pool` gives the threads, :func:`run_shared` and
:func:`run_beside` hand them the shards, :func:`product_workers` keeps a small
product's shards on the calling thread and :func:`elementwise_pieces` cuts an
update rule's pass.
"""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

from joblib import effective_n_jobs

from ._limits import blas_limit

__all__ = ["shard_pool", "BATCH_SHARDS", "product_shards", "SHARD_PRODUCT",
           "product_workers", "POOL_PRODUCT", "elementwise_pieces", "ELEMENTWISE_PIECE",
           "run_beside", "run_shared"]

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
