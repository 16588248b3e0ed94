from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from classifiers import layers as L
from classifiers._mlp_network import MLPNetwork, init_batchnorm, init_weights, product
from classifiers.gradient_check import check_gradient
from classifiers.losses import softmax_loss
from classifiers.mlp import ACTIVATIONS

PLAIN_ACTIVATIONS = [a for a in ACTIVATIONS if a != "maxout"]


def _network(activation, dropout, sizes=(5, 7, 6, 3), alpha=0.01, seed=0, batch_norm=False,
             pieces=1):
    rng = np.random.RandomState(seed)
    Ws, bs = init_weights(sizes, "he", rng, np.float64, pieces)
    bs = [b + 0.1 * rng.standard_normal(b.shape) for b in bs]
    bn = None
    if batch_norm:
        bn = init_batchnorm(Ws, np.float64)
        bn = [(g + 0.2 * rng.standard_normal(g.shape), b + 0.1 * rng.standard_normal(b.shape),
               m, v) for g, b, m, v in bn]
    net = MLPNetwork(Ws, bs, activation, dropout, alpha, batch_size=8, gen=None, bn=bn,
                   pieces=pieces)
    X = rng.standard_normal((8, sizes[0]))
    y = rng.randint(0, sizes[-1], 8)
    return net, X, y


@pytest.mark.parametrize("activation,pieces", [(a, 1) for a in PLAIN_ACTIVATIONS]
                         + [("maxout", 2), ("maxout", 3)])
@pytest.mark.parametrize("dropout", [0.0, 0.3, 0.5])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_network_backward_passes_gradient_check(activation, pieces, dropout, batch_norm):
    # Central differences are exact only away from kinks (relu at 0, tied
    # maxout pieces) and round-off (~5e-11 absolute) dominates gradient entries
    # below ~1e-4: seed 4 puts no pre-activation within the step of a kink and
    # no entry that small, for every configuration here (seeds 2 and 3 do not).
    net, X, y = _network(activation, dropout, batch_norm=batch_norm, pieces=pieces, seed=4)
    idx = np.arange(8)

    def f(_=None):
        net.gen = np.random.default_rng(1)  # same dropout mask at every evaluation
        return net.loss_and_grads(X[idx], y) + net.penalty()

    f()
    analytic = [g.copy() for g in net.grads]
    for param, grad in zip(net.params, analytic):
        assert check_gradient(f, param, grad) < 1e-6


@pytest.mark.parametrize("dropout", [0.3, 0.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_mask_keeps_1_minus_p_scaled_by_its_inverse(dropout, dtype):
    # p = 0.5 draws random bits and other p draw floats: both must give
    # Bernoulli(1 - p) masks of 0 and 1 / (1 - p), independent across units.
    net, _, _ = _network("relu", dropout)
    net.gen = np.random.default_rng(0)
    out = np.full((400, 250), np.nan, dtype)
    mask = net.dropout_mask(out)
    assert mask is out and mask.dtype == dtype
    keep = dtype(1.0 / (1.0 - dropout))
    assert set(np.unique(mask)) == {0.0, keep}
    kept = mask > 0
    # 100,000 units: the kept share is within 4 standard deviations (0.006).
    assert abs(kept.mean() - (1 - dropout)) < 0.006
    assert abs(np.corrcoef(kept[:, :-1].ravel(), kept[:, 1:].ravel())[0, 1]) < 0.02
    assert abs(kept.mean(axis=1).std() - np.sqrt(dropout * (1 - dropout) / 250)) < 0.01
    # A view of fewer rows (the last batch) gets a full mask of its own.
    part = net.dropout_mask(np.full((3, 250), np.nan, dtype)[:2])
    assert np.isin(part, [0.0, keep]).all()


def test_network_handles_a_last_smaller_batch():
    net, X, y = _network("relu", 0.0)  # buffers for 8 rows
    idx = np.arange(5)
    loss = net.loss_and_grads(X[idx], y[:5])
    grads = [g.copy() for g in net.grads]
    exact = MLPNetwork(net.Ws, net.bs, "relu", 0.0, 0.01, batch_size=5, gen=None)
    assert loss == pytest.approx(exact.loss_and_grads(X[idx], y[:5]))
    for g, e in zip(grads, exact.grads):
        np.testing.assert_allclose(g, e)


def _reference_scores(net, X, training):
    """Forward pass composed from the readable layers of classifiers.layers."""
    h, L_ = X, len(net.Ws)
    for i in range(L_):
        if i < L_ - 1 and net.pieces > 1 and net.bn is None:
            h, _ = L.maxout_forward(h, net.Ws[i], net.bs[i], net.pieces)
            continue
        h = h @ net.Ws[i] + (net.bs[i] if net.bn is None or i == L_ - 1 else 0.0)
        if i < L_ - 1:
            if net.bn is not None:
                gamma, beta, mean, var = net.bn[i]
                h, _ = L.batchnorm_forward(h, gamma, beta, mean.copy(), var.copy(), training)
            if net.pieces > 1:
                h3 = h.reshape(h.shape[0], net.pieces, -1)
                h = h3.max(axis=1)
            else:
                h = L.ACTIVATIONS[net.act][0](h)[0]
    return h


@pytest.mark.parametrize("activation,pieces,batch_norm", [
    ("relu", 1, True), ("tanh", 1, True), ("maxout", 2, False), ("maxout", 3, True),
])
def test_network_loss_equals_the_composed_layers(activation, pieces, batch_norm):
    net, X, y = _network(activation, 0.0, batch_norm=batch_norm, pieces=pieces)
    scores = _reference_scores(net, X, training=True)
    loss = net.loss_and_grads(X, y)
    assert loss == pytest.approx(softmax_loss(scores, y)[0], rel=1e-12)


def test_network_batchnorm_updates_the_running_stats():
    net, X, y = _network("relu", 0.0, batch_norm=True)
    mean, var = net.bn[0][2].copy(), net.bn[0][3].copy()
    z = X @ net.Ws[0]
    L.batchnorm_forward(z, net.bn[0][0], net.bn[0][1], mean, var)
    net.loss_and_grads(X, y)
    np.testing.assert_allclose(net.bn[0][2], mean, rtol=1e-12)
    np.testing.assert_allclose(net.bn[0][3], var, rtol=1e-12)


def test_batchnorm_network_leaves_hidden_biases_out_of_the_parameters():
    net, _, _ = _network("relu", 0.0, sizes=(5, 7, 6, 3), batch_norm=True)
    shapes = [p.shape for p in net.params]
    assert shapes == [(5, 7), (7, 6), (6, 3), (3,), (7,), (6,), (7,), (6,)]
    assert [g.shape for g in net.grads] == shapes


class _CountingPool(ThreadPoolExecutor):
    """A pool that counts the calls handed to it."""

    def __init__(self):
        super().__init__(max_workers=2)
        self.handed = 0

    def submit(self, *args, **kwargs):
        self.handed += 1
        return super().submit(*args, **kwargs)


@pytest.mark.parametrize("shape, handed", [
    ((200, 354, 512), 0),    # 2 shards of a product under POOL_PRODUCT: both here
    ((200, 3072, 512), 1),   # 16 shards: the second group of 8 on the pool
])
def test_product_hands_shards_to_the_pool_only_for_a_large_product(shape, handed):
    m, k, n = shape
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    here = product(a, b, sharded=True)
    with _CountingPool() as pool:
        out = product(a, b, pool=pool, workers=2, sharded=True)
    assert pool.handed == handed
    np.testing.assert_array_equal(out, here)
