"""features/threads/_shards.py: a network's fixed shards and their threads."""

import pytest

from features.threads import BATCH_SHARDS, shard_pool
from tests._blas import blas_threads


@pytest.mark.parametrize("n_jobs, threads", [(1, 0), (2, 2), (3, 3)])
def test_a_shard_pool_holds_blas_to_one_thread_and_cuts_batches_whatever_the_cores(
        n_jobs, threads):
    before = blas_threads()
    with shard_pool(n_jobs) as (pool, n_shards):
        assert n_shards == BATCH_SHARDS  # the same shards, so the same numbers, on any cores
        assert (pool is None) == (threads == 0)
        assert blas_threads() <= {1}
        if pool is not None:
            assert pool._max_workers == threads
    assert blas_threads() == before


def test_a_shard_pool_without_n_jobs_leaves_blas_alone():
    before = blas_threads()
    with shard_pool(None) as (pool, n_shards):
        assert (pool, n_shards) == (None, 1)
        assert blas_threads() == before


def test_run_beside_raises_the_first_error_after_every_call_has_finished():
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from features.threads import run_beside

    finished = threading.Event()

    def slow():
        time.sleep(0.05)
        finished.set()

    def fail():
        raise ValueError("from here")

    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="from here"):
        run_beside(pool, [fail, slow])
    assert finished.is_set()


class _CountingPool:
    """A thread pool that counts the tasks it is given."""

    def __init__(self, threads):
        from concurrent.futures import ThreadPoolExecutor

        self.pool, self.submitted = ThreadPoolExecutor(threads), 0

    def submit(self, call):
        self.submitted += 1
        return self.pool.submit(call)


@pytest.mark.parametrize("threads, tasks", [(1, 0), (2, 1), (3, 2), (40, 15)])
def test_run_shared_runs_every_call_once_and_wakes_the_pool_once_per_thread(threads, tasks):
    import threading

    from features.threads import run_shared

    pool, ran, lock = _CountingPool(3), [], threading.Lock()

    def call(k):
        with lock:
            ran.append((k, threading.get_ident()))

    run_shared(pool, [lambda k=k: call(k) for k in range(16)], threads)
    pool.pool.shutdown()
    assert sorted(k for k, _ in ran) == list(range(16))
    assert pool.submitted == tasks
    assert len({ident for _, ident in ran}) <= min(threads, 4)


@pytest.mark.parametrize("pool_threads", [None, 1])
def test_run_shared_on_one_thread_runs_the_calls_here_in_order(pool_threads):
    import threading

    from features.threads import run_shared

    pool = None if pool_threads is None else _CountingPool(pool_threads)
    ran = []
    run_shared(pool, [lambda k=k: ran.append((k, threading.get_ident())) for k in range(5)],
               threads=1 if pool else 3)
    assert ran == [(k, threading.get_ident()) for k in range(5)]
    assert pool is None or pool.submitted == 0


def test_run_shared_raises_the_first_error_after_the_other_calls_have_run():
    import time

    from features.threads import run_shared

    done = []

    def fail():
        raise ValueError("from a call")

    def slow(k):
        time.sleep(0.02)
        done.append(k)

    pool = _CountingPool(1)
    with pytest.raises(ValueError, match="from a call"):
        run_shared(pool, [fail] + [lambda k=k: slow(k) for k in range(4)], threads=2)
    assert sorted(done) == [0, 1, 2, 3]


@pytest.mark.parametrize("multiply_adds, workers, expected", [
    (200 * 354 * 512, 2, 1), (2**26 - 1, 4, 1), (2**26, 4, 4), (200 * 3072 * 512, 2, 2),
    (200 * 3072 * 512, 1, 1)])
def test_product_workers_keeps_small_products_on_the_calling_thread(
        multiply_adds, workers, expected):
    from features.threads import product_workers

    assert product_workers(multiply_adds, workers) == expected
