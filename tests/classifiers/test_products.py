"""sharded_matmul: the product, cut into fixed shards, with the same bits on any pool."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from classifiers.products import shard_axis, sharded_matmul, sum_in_order

# (a shape, b shape) whose cheapest cut is the rows, the columns, the sum.
SHAPES = {0: ((90, 40), (40, 7)), 1: ((7, 40), (40, 90)), 2: ((9, 120), (120, 8))}


def _operands(axis, dtype=np.float32, transposed=False):
    rng = np.random.default_rng(axis)
    a_shape, b_shape = SHAPES[axis]
    a = rng.standard_normal(a_shape[::-1] if transposed else a_shape).astype(dtype)
    return (a.T if transposed else a), rng.standard_normal(b_shape).astype(dtype)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_shard_axis_picks_the_cheapest_cut(axis):
    assert shard_axis(*SHAPES[axis]) == axis


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("n_shards", [1, 2, 5])
def test_sharded_product_equals_matmul(axis, n_shards, dtype):
    a, b = _operands(axis, dtype)
    out = sharded_matmul(a, b, np.empty((a.shape[0], b.shape[1]), dtype), n_shards)
    np.testing.assert_allclose(out, a @ b, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-5)


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("threads", [2, 3])
def test_the_same_bits_on_a_pool_as_here(axis, threads, transposed):
    a, b = _operands(axis, transposed=transposed)
    here = sharded_matmul(a, b, np.empty((a.shape[0], b.shape[1]), np.float32), 6)
    with ThreadPoolExecutor(threads) as pool:
        on_pool = sharded_matmul(a, b, np.empty_like(here), 6, pool=pool, workers=threads)
    assert np.array_equal(here, on_pool)


def test_more_shards_than_the_cut_dimension_are_capped():
    a, b = _operands(1)
    out = sharded_matmul(a, b, np.empty((7, 90), np.float32), 500)
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-5)


def test_a_cut_sum_reuses_the_scratch_it_is_given():
    a, b = _operands(2)
    parts = np.full((4, 9, 8), np.nan, np.float32)
    out = sharded_matmul(a, b, np.empty((9, 8), np.float32), 4, parts=parts)
    assert not np.isnan(parts).any()
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-5)


def test_an_error_in_a_shard_on_the_pool_is_raised_here():
    a, b = _operands(0)
    with ThreadPoolExecutor(2) as pool, pytest.raises(TypeError, match="Cannot cast"):
        # An out of the wrong dtype fails inside each shard's matmul, the pool's included.
        sharded_matmul(a, b, np.empty((90, 7), np.int8), 4, pool=pool, workers=2)


def test_out_of_the_wrong_shape_is_refused():
    a, b = _operands(0)
    with pytest.raises(ValueError, match=r"out has shape \(7, 90\); a @ b has shape \(90, 7\)"):
        sharded_matmul(a, b, np.empty((7, 90), np.float32), 2)


@pytest.mark.parametrize("into_out", [False, True])
def test_sum_in_order_adds_the_parts_first_to_last(into_out):
    # 1e8 + 1 - 1e8 in float32: the order decides (1 is lost after 1e8, kept before).
    parts = np.array([[1e8], [1.0], [-1e8]], np.float32)
    out = np.full(1, np.nan, np.float32) if into_out else None
    total = sum_in_order(parts, out=out)
    assert total.tolist() == [0.0]
    assert sum_in_order(parts[[0, 2, 1]]).tolist() == [1.0]
    assert (total is out) == into_out
