"""features/threads/_limits.py: BLAS and OpenMP caps."""

import numpy as np
import pytest

from features.threads import (SMALL_OUTPUT, SMALL_PRODUCT, blas_limit, chunk_blas_threads,
                              ordered_sums, product_blas_threads, task_limits)
from tests._blas import blas_threads


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


@pytest.mark.parametrize("limit", [lambda: blas_limit(1), task_limits, ordered_sums])
def test_limits_hold_inside_the_block_only(limit):
    before = blas_threads()
    if before <= {1}:
        pytest.skip("BLAS runs one thread already here (one core or OPENBLAS_NUM_THREADS=1)")
    with limit():
        assert blas_threads() == {1}
        assert float(np.ones((3, 3)).sum()) == 9.0
    assert blas_threads() == before


@pytest.mark.parametrize("rows", [2187, 2916, 3645])
def test_ordered_sums_gives_a_matrix_vector_product_the_bits_of_one_thread(rows):
    # Row means of 3, 4 and 5 images' patch distances to 800 words, as in the encoding.
    dist = np.random.RandomState(rows).rand(rows, 800).astype(np.float32) * 10
    ones = np.full((800, 1), 1 / 800, np.float32)
    with blas_limit(1):
        want = dist @ ones
    with blas_limit(2):
        if blas_threads() != {2}:
            pytest.skip("BLAS cannot run two threads here")
        with ordered_sums():
            got = dist @ ones
    np.testing.assert_array_equal(got, want)


def test_no_limit_caps_nothing():
    before = blas_threads()
    with blas_limit(None):
        assert blas_threads() == before
