"""features/threads.py: the one thread policy."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from features.threads import (BATCH_SHARDS, SMALL_OUTPUT, SMALL_PRODUCT, blas_limit,
                              chunk_blas_threads, n_workers, ordered_sums,
                              product_blas_threads, shard_pool, task_limits, thread_map)


def _blas_threads():
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


@pytest.mark.parametrize("workers, products, expected", [
    (1, True, None), (2, True, 1), (8, True, 1), (1, False, 1), (4, False, 1),
    (1, None, None), (4, None, None)])
def test_chunk_blas_threads(workers, products, expected):
    assert chunk_blas_threads(workers, products) == expected


@pytest.mark.parametrize("kwargs, expected", [
    (dict(multiply_adds=SMALL_PRODUCT - 1), 1), (dict(multiply_adds=SMALL_PRODUCT), None),
    (dict(output_entries=SMALL_OUTPUT - 1), 1), (dict(output_entries=SMALL_OUTPUT), None),
    ({}, None)])
def test_product_blas_threads_gives_small_products_one_thread(kwargs, expected):
    assert product_blas_threads(**kwargs) == expected


def test_the_named_rows_linear_products_are_small():
    # LinearSVM on CIFAR-10 pixels (batch 200) and on all features (4354): one thread.
    assert product_blas_threads(200 * 3072 * 10) == product_blas_threads(200 * 4354 * 10) == 1


@pytest.mark.parametrize("n_jobs, n_items, expected", [(2, 5, 2), (-1, 1, 1), (None, 5, 1),
                                                       (4, 3, 3)])
def test_n_workers_never_exceeds_the_items(n_jobs, n_items, expected):
    assert n_workers(n_jobs, n_items) == expected


def test_thread_map_keeps_the_order_and_raises_the_first_error():
    assert thread_map(lambda x: -x, range(10), n_jobs=3) == [-x for x in range(10)]

    def fail(x):
        raise ValueError(f"item {x}")

    with pytest.raises(ValueError, match="item"):
        thread_map(fail, range(3), n_jobs=2)


@pytest.mark.parametrize("limit", [lambda: blas_limit(1), task_limits, ordered_sums])
def test_limits_hold_inside_the_block_only(limit):
    before = _blas_threads()
    if before <= {1}:
        pytest.skip("BLAS runs one thread already here (one core or OPENBLAS_NUM_THREADS=1)")
    with limit():
        assert _blas_threads() == {1}
        assert float(np.ones((3, 3)).sum()) == 9.0
    assert _blas_threads() == before


@pytest.mark.parametrize("rows", [2187, 2916, 3645])
def test_ordered_sums_gives_a_matrix_vector_product_the_bits_of_one_thread(rows):
    # Row means of 3, 4 and 5 images' patch distances to 800 words, as in the encoding.
    dist = np.random.RandomState(rows).rand(rows, 800).astype(np.float32) * 10
    ones = np.full((800, 1), 1 / 800, np.float32)
    with blas_limit(1):
        want = dist @ ones
    with blas_limit(2):
        if _blas_threads() != {2}:
            pytest.skip("BLAS cannot run two threads here")
        with ordered_sums():
            got = dist @ ones
    np.testing.assert_array_equal(got, want)


def test_no_limit_caps_nothing():
    before = _blas_threads()
    with blas_limit(None):
        assert _blas_threads() == before


@pytest.mark.parametrize("n_jobs, threads", [(1, 0), (2, 2), (3, 3)])
def test_a_shard_pool_holds_blas_to_one_thread_and_cuts_batches_whatever_the_cores(
        n_jobs, threads):
    before = _blas_threads()
    with shard_pool(n_jobs) as (pool, n_shards):
        assert n_shards == BATCH_SHARDS  # the same shards, so the same numbers, on any cores
        assert (pool is None) == (threads == 0)
        assert _blas_threads() <= {1}
        if pool is not None:
            assert pool._max_workers == threads
    assert _blas_threads() == before


def test_a_shard_pool_without_n_jobs_leaves_blas_alone():
    before = _blas_threads()
    with shard_pool(None) as (pool, n_shards):
        assert (pool, n_shards) == (None, 1)
        assert _blas_threads() == before


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
