"""ConvNetClassifier's batch shards: the same numbers on a pool of threads or here, for any n_jobs."""

import numpy as np
import pytest

from classifiers import ConvNetClassifier, ConvNetParams
from classifiers._convnet_network import ConvNetwork
from tests.classifiers.test_convnet import FAST, _images


def _sharded_steps(pool, n_shards, negative_gamma, n=20, shape=(16, 16, 3), workers=3):
    """Loss, gradients, running statistics and scores over three updates (the last batch short)."""
    rng = np.random.RandomState(0)
    params = ConvNetParams.initialize(shape, (8, 16), 12, 5, rng)
    if negative_gamma:
        params.blocks[0].gamma[::2] *= -1
        params.blocks[1].gamma[1::2] *= -1
    net = ConvNetwork(params, shape, 0.3, 5e-4, n, np.random.default_rng(1), pool=pool,
                      n_shards=n_shards, workers=workers)
    X = rng.rand(n, *shape).astype(np.float32)
    y = rng.randint(0, 5, n)
    seen = []
    for m in (n, n, n - 7):
        net.set_input(X[:m])
        seen.append(net.loss_and_grads(m, y[:m]))
        seen += [g.copy() for g in net.grads.trainable()]
        seen += [b.running_var.copy() for b in params.blocks]
        for p, g in zip(params.trainable(), net.grads.trainable()):
            p -= np.float32(0.05) * g
    seen.append(net.scores(n, training=False).copy())
    return seen


@pytest.mark.parametrize("n_shards", [2, 3, 40])
@pytest.mark.parametrize("negative_gamma", [False, True])
def test_shards_of_a_batch_compute_the_values_of_the_whole_batch(n_shards, negative_gamma):
    # The shards' partial sums (batch-norm gradients, the first filter gradient) are added
    # in another order than the whole batch's: the same values but for the last bits.
    from concurrent.futures import ThreadPoolExecutor

    expected = _sharded_steps(None, 1, negative_gamma)
    with ThreadPoolExecutor(max_workers=3) as pool:
        got = _sharded_steps(pool, n_shards, negative_gamma)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("workers", [2, 4])
@pytest.mark.parametrize("n_shards", [2, 3, 40])
def test_a_batch_gives_the_same_bits_with_its_shards_on_threads_or_here(n_shards, workers):
    # Whatever the BLAS: each shard's products are the same calls on either path.
    from concurrent.futures import ThreadPoolExecutor

    expected = _sharded_steps(None, n_shards, negative_gamma=True)
    with ThreadPoolExecutor(max_workers=3) as pool:
        got = _sharded_steps(pool, n_shards, negative_gamma=True, workers=workers)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_n_jobs_gives_the_same_network_bit_for_bit_on_any_blas():
    X, y = _images(n=40, h=16, w=16)
    fits = [ConvNetClassifier(**{**FAST, "batch_size": 16}, augment="hflip+shift",
                              n_jobs=n_jobs).fit(X, y) for n_jobs in (1, 2, -1)]
    for fit in fits[1:]:
        assert fit.loss_curve_ == fits[0].loss_curve_
        for a, b in zip(fit.conv_weights_ + fit.coefs_, fits[0].conv_weights_ + fits[0].coefs_):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(fit.predict_proba(X), fits[0].predict_proba(X))


def test_n_jobs_none_trains_the_network_of_any_n_jobs_but_for_the_last_bits():
    X, y = _images(n=40, h=16, w=16)
    fits = [ConvNetClassifier(**{**FAST, "batch_size": 16}, augment="hflip+shift",
                              n_jobs=n_jobs).fit(X, y) for n_jobs in (None, 2)]
    np.testing.assert_allclose(fits[0].loss_curve_, fits[1].loss_curve_, rtol=1e-4)
    for a, b in zip(fits[0].conv_weights_ + fits[0].coefs_, fits[1].conv_weights_ + fits[1].coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
