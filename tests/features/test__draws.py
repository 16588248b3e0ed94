"""The weighted draws that keep their cumulative sums, against NumPy's legacy stream."""

import numpy as np
import pytest
from sklearn.cluster import MiniBatchKMeans

from features._draws import CumulativeRandomState, even_searchsorted


def _weights(n, seed, dtype=np.float64):
    p = np.random.RandomState(seed).rand(n).astype(dtype)
    return p / p.sum()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sizes", [[1, 5, 4096, 4096], [300] * 6])
def test_weighted_draws_equal_the_parent_stream(dtype, sizes):
    p = _weights(2000, 0, dtype)
    ours, theirs = CumulativeRandomState(7), np.random.RandomState(7)
    for size in sizes:
        np.testing.assert_array_equal(ours.choice(2000, size, p=p),
                                      theirs.choice(2000, size, p=p))
    # The stream is left where the parent leaves it.
    assert ours.randint(10**9) == theirs.randint(10**9)


def test_new_weights_are_summed_again():
    p, q = _weights(500, 1), _weights(500, 2)
    ours, theirs = CumulativeRandomState(3), np.random.RandomState(3)
    for weights in (p, p, q, q, p):
        np.testing.assert_array_equal(ours.choice(500, 64, p=weights),
                                      theirs.choice(500, 64, p=weights))


@pytest.mark.parametrize("kwargs", [dict(replace=False, p=None), dict(replace=False),
                                    dict(size=None), dict(size=(3, 2))])
def test_other_draws_are_the_parents(kwargs):
    p = _weights(50, 4)
    call = dict(size=5, replace=True, p=p) | kwargs
    ours, theirs = CumulativeRandomState(5), np.random.RandomState(5)
    for _ in range(3):
        np.testing.assert_array_equal(ours.choice(50, **call), theirs.choice(50, **call))


def test_minibatch_kmeans_learns_the_same_centers_as_with_its_seed():
    X = np.random.RandomState(0).rand(6000, 8).astype(np.float32)
    kw = dict(n_clusters=12, init="random", batch_size=256, n_init=3, max_iter=5)
    ours = MiniBatchKMeans(random_state=CumulativeRandomState(11), **kw).fit(X)
    theirs = MiniBatchKMeans(random_state=11, **kw).fit(X)
    assert ours.n_steps_ == theirs.n_steps_ > 1
    np.testing.assert_array_equal(ours.cluster_centers_, theirs.cluster_centers_)


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 258_500])
def test_even_weights_draw_as_the_parent(n):
    p = np.full(n, np.float32(1) / np.float32(n), np.float32)
    ours, theirs = CumulativeRandomState(9), np.random.RandomState(9)
    for _ in range(4):
        np.testing.assert_array_equal(ours.choice(n, 4096, p=p), theirs.choice(n, 4096, p=p))


def test_even_searchsorted_on_the_steps_themselves():
    # Values on the cumulative sum and just below: the places a guess is most often off.
    cdf = np.full(1000, 1e-3).cumsum()
    cdf /= cdf[-1]
    # The largest value below 1 too: the last index.
    u = np.concatenate([[0.0, np.nextafter(1.0, 0.0)], cdf[:-1], np.nextafter(cdf[:-1], 0)])
    np.testing.assert_array_equal(even_searchsorted(cdf, u),
                                  cdf.searchsorted(u, side="right"))


@pytest.mark.parametrize("steps", [0, 1, 3])
def test_even_searchsorted_falls_back_for_uneven_weights(steps):
    rng = np.random.RandomState(1)
    cdf = (rng.rand(500) ** 6).cumsum()
    cdf[100:200] = cdf[99]  # zero weights: flat steps
    cdf /= cdf[-1]
    u = rng.random_sample(3000)
    np.testing.assert_array_equal(even_searchsorted(cdf, u, steps=steps),
                                  cdf.searchsorted(u, side="right"))


def test_kept_weights_are_checked_against_a_new_population():
    p = _weights(10, 6)
    draws = CumulativeRandomState(0)
    draws.choice(10, 4, p=p)
    with pytest.raises(ValueError, match="same size"):
        draws.choice(20, 4, p=p)
