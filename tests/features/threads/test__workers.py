"""features/threads/_workers.py: the threads a batch of calls runs on."""

import numpy as np
import pytest

from features.threads import blas_limit, n_workers, product_map, thread_map
from tests._blas import blas_threads


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


@pytest.mark.parametrize("n_jobs, n_items, one_blas_thread", [
    (2, 4, True), (3, 2, True), (2, 1, False), (1, 4, False), (None, 4, False)])
def test_product_map_gives_calls_side_by_side_one_blas_thread_each(
        n_jobs, n_items, one_blas_thread):
    before = blas_threads()
    if one_blas_thread and before <= {1}:
        pytest.skip("BLAS runs one thread already here (one core or OPENBLAS_NUM_THREADS=1)")
    seen = product_map(lambda _: blas_threads(), range(n_items), n_jobs)
    assert seen == [{1} if one_blas_thread else before] * n_items
    assert blas_threads() == before


def test_product_map_keeps_the_order_and_the_values_of_the_products():
    rng = np.random.RandomState(0)
    blocks = [rng.standard_normal((50, 8)) for _ in range(7)]
    with blas_limit(1):
        want = [b.T @ b for b in blocks]
    got = product_map(lambda b: b.T @ b, blocks, n_jobs=3)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_product_map_raises_the_first_error():
    def fail(x):
        raise ValueError(f"block {x}")

    with pytest.raises(ValueError, match="block"):
        product_map(fail, range(3), n_jobs=2)
