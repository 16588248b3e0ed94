"""The network of :class:`classifiers.MLPClassifier`: weights, buffers, forward and backward.

Forward and backward follow :mod:`classifiers.layers` (affine, optional batch
normalization, activation or maxout, inverted dropout) but the plain path
(no batch normalization, no maxout) runs on buffers allocated once per fit,
with activations applied in place and their local gradients computed from
the outputs, so an epoch allocates almost nothing beyond what BLAS needs.
"""

import numpy as np

from features.threads import product_shards, product_workers

from .layers import activate_inplace, backprop_activation_inplace, batchnorm_backward
from .layers import batchnorm_forward, dropout_mask
from .products import shard_axis, sharded_matmul

BN_MOMENTUM, BN_EPS = 0.9, 1e-5


def init_weights(sizes, init, rng, dtype=np.float32, pieces=1):
    """Random weights and zero biases for layer widths ``sizes`` (input first).

    ``init="he"`` draws ``N(0, 2 / fan_in)``, which keeps the variance of ReLU
    activations constant across layers; ``"xavier"`` draws
    ``N(0, 2 / (fan_in + fan_out))`` (Glorot), suited to tanh and sigmoid.
    With ``pieces > 1`` (maxout) each hidden layer has ``pieces`` linear
    pieces per unit: ``pieces * sizes[i + 1]`` columns.

    Returns
    -------
    Ws : list of ndarray, ``Ws[i]`` of shape (sizes[i], sizes[i + 1]), times ``pieces``
        columns for hidden layers
    bs : list of ndarray, ``bs[i]`` of shape (Ws[i].shape[1],)
    """
    Ws, bs = [], []
    last = len(sizes) - 2
    for i, (fan_in, units) in enumerate(zip(sizes[:-1], sizes[1:])):
        fan_out = units if i == last else units * pieces
        var = 2.0 / fan_in if init == "he" else 2.0 / (fan_in + fan_out)
        Ws.append((np.sqrt(var) * rng.standard_normal((fan_in, fan_out))).astype(dtype))
        bs.append(np.zeros(fan_out, dtype=dtype))
    return Ws, bs


def init_batchnorm(Ws, dtype=np.float32):
    """Unit gammas, zero betas, zero running means and unit running variances.

    One set per hidden layer, of its linear output width.

    Returns
    -------
    bn : list of tuple ``(gamma, beta, running_mean, running_var)``
    """
    return [(np.ones(W.shape[1], dtype), np.zeros(W.shape[1], dtype),
             np.zeros(W.shape[1], dtype), np.ones(W.shape[1], dtype)) for W in Ws[:-1]]


def product(a, b, out=None, pool=None, workers=1, sharded=False, scratch=None):
    """``a @ b`` into ``out``: whole on BLAS's threads, or in fixed shards (``sharded``).

    The shards (:func:`features.threads.product_shards` of the product's
    multiply-adds, run on ``pool``'s ``workers`` threads when the product is
    large enough, :func:`features.threads.product_workers`, else here) give the
    same bits on any threads; ``scratch``, a dict, keeps the partial products
    of a cut sum from one call to the next.
    """
    if out is None:
        out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b))
    if not sharded:
        return np.matmul(a, b, out=out)
    multiply_adds = a.shape[0] * a.shape[1] * b.shape[1]
    n, workers = product_shards(multiply_adds), product_workers(multiply_adds, workers)
    parts = None
    if scratch is not None and n > 1 and shard_axis(a.shape, b.shape) == 2:
        key = (n,) + out.shape
        parts = scratch.get(key)
        if parts is None:
            parts = scratch[key] = np.empty(key, out.dtype)
    return sharded_matmul(a, b, out, n, pool, workers, parts)


def max_pieces(z, pieces):
    """Maxout over ``pieces`` blocks of columns (piece-major, as :mod:`classifiers.layers.maxout`).

    Returns
    -------
    out : ndarray of shape (n, z.shape[1] // pieces)
    arg : ndarray of int, the winning piece of each output (the first on ties)
    """
    z3 = z.reshape(z.shape[0], pieces, -1)
    arg = z3.argmax(axis=1)
    return np.take_along_axis(z3, arg[:, None, :], axis=1)[:, 0], arg


def unmax_pieces(d, arg, pieces):
    """Gradient of :func:`max_pieces`: ``d`` routed to each output's winning piece."""
    dz = np.zeros((d.shape[0], pieces, d.shape[1]), dtype=d.dtype)
    np.put_along_axis(dz, arg[:, None, :], d[:, None, :], axis=1)
    return dz.reshape(d.shape[0], -1)


class MLPNetwork:
    """Weights plus the buffers of one mini-batch step (forward, softmax loss, backward).

    Buffers are allocated once in the weights' dtype; views ``[:m]`` serve a
    last, smaller batch. Gradients land in ``grads`` (same order as ``params``:
    weights, biases, then the batch-norm gammas and betas).

    ``activation="maxout"`` takes the maximum of ``pieces`` linear pieces per
    hidden unit; ``bn`` (from :func:`init_batchnorm`) normalizes every hidden
    layer's linear output before its activation, and then the hidden biases
    are left out of ``params`` (the batch-norm shift replaces them).

    ``sharded`` computes every matrix product in fixed shards (see
    :func:`product`), on ``pool``'s ``workers`` threads or here, with the
    same bits either way; the caller holds BLAS to one thread.
    """

    def __init__(self, Ws, bs, activation, dropout, alpha, batch_size, gen, bn=None,
                 pieces=1, pool=None, workers=1, sharded=False):
        self.Ws, self.bs, self.act, self.p = Ws, bs, activation, dropout
        self.alpha2, self.batch_size, self.gen = 2.0 * alpha, batch_size, gen
        self.bn, self.pieces = bn, pieces if activation == "maxout" else 1
        dt, B = Ws[0].dtype, batch_size
        widths = [W.shape[1] for W in Ws]                        # linear outputs
        units = [w // self.pieces for w in widths[:-1]]          # hidden activations
        self.xb = np.empty((B, Ws[0].shape[0]), dt)
        self.A = [np.empty((B, s), dt) for s in widths]          # linear outputs, scores
        self.G = [np.empty((B, s), dt) for s in units]           # gradients wrt activations
        self.T = [np.empty((B, s), dt) for s in units]           # scratch
        self.D = [np.empty((B, s), dt) for s in units] if dropout > 0 else None  # masks
        self.H = [np.empty((B, s), dt) for s in units] if dropout > 0 else None  # dropped
        self.gW = [np.empty_like(W) for W in Ws]
        self.gb = [np.empty_like(b) for b in bs]
        self.wtmp = [np.empty_like(W) for W in Ws]
        self.params, self.grads = Ws + bs, self.gW + self.gb
        if bn is not None:
            self.params = Ws + bs[-1:] + [g for g, _, _, _ in bn] + [b for _, b, _, _ in bn]
            self.gbn = [(np.empty_like(g), np.empty_like(b)) for g, b, _, _ in bn]
            self.grads = (self.gW + self.gb[-1:] + [g for g, _ in self.gbn]
                          + [b for _, b in self.gbn])
        self.rows = np.arange(B)
        self.cache = [None] * len(units)
        self.shards = dict(pool=pool, workers=workers, sharded=sharded, scratch={})

    def dropout_mask(self, out):
        """Fill ``out`` with an inverted-dropout mask: 0 with probability ``p``, else 1 / (1 - p).

        Returns ``out``.
        """
        scale = out.dtype.type(1.0 / (1.0 - self.p))
        if self.p == 0.5:
            # A fair coin per unit needs one random bit, not a float: drawing
            # 32x fewer random bits makes the mask about 5x faster, which is
            # several percent of a training step of a small network.
            n = out.size
            bits = np.unpackbits(np.frombuffer(self.gen.bytes(-(-n // 8)), np.uint8), count=n)
            return np.multiply(bits.reshape(out.shape), scale, out=out)
        return dropout_mask(self.gen, out.shape, self.p, out.dtype, out=out)

    def penalty(self):
        """Weight-decay term ``alpha * sum W**2``."""
        return 0.5 * self.alpha2 * sum(float(np.vdot(W, W)) for W in self.Ws)

    def _hidden_forward(self, i, z):
        """Normalization and activation of hidden layer ``i``'s linear output ``z``."""
        if self.bn is not None:
            gamma, beta, mean, var = self.bn[i]
            z, bn_cache = batchnorm_forward(z, gamma, beta, mean, var, True, BN_MOMENTUM, BN_EPS)
        if self.pieces > 1:
            a, arg = max_pieces(z, self.pieces)
        else:
            activate_inplace(self.act, z)
            a, arg = z, None
        if self.bn is not None or self.pieces > 1:
            self.cache[i] = (a, arg, bn_cache if self.bn is not None else None)
        return a

    def _hidden_backward(self, i, d):
        """Gradient wrt hidden layer ``i``'s linear output, from that wrt its activation."""
        m = d.shape[0]
        if self.bn is None and self.pieces == 1:
            backprop_activation_inplace(self.act, d, self.A[i][:m], self.T[i][:m])
            return d
        a, arg, bn_cache = self.cache[i]
        if self.pieces > 1:
            d = unmax_pieces(d, arg, self.pieces)
        else:
            backprop_activation_inplace(self.act, d, a, self.T[i][:m])
        if bn_cache is not None:
            d, dgamma, dbeta = batchnorm_backward(d, bn_cache)
            self.gbn[i][0][...] = dgamma
            self.gbn[i][1][...] = dbeta
        return d

    def loss_and_grads(self, batch, y):
        """Mean cross-entropy of the rows ``batch`` with labels ``y``; fills ``grads``.

        The weight-decay penalty's gradient is included in ``grads``.
        """
        Ws, bs, p, L = self.Ws, self.bs, self.p, len(self.Ws)
        m = batch.shape[0]
        np.copyto(self.xb[:m], batch)
        inputs = [self.xb[:m]]
        for i in range(L):
            z = product(inputs[i], Ws[i], self.A[i][:m], **self.shards)
            if self.bn is None or i == L - 1:
                z += bs[i]
            if i < L - 1:
                z = self._hidden_forward(i, z)
                if p > 0:
                    z = np.multiply(z, self.dropout_mask(self.D[i][:m]), out=self.H[i][:m])
                inputs.append(z)
        # Softmax cross-entropy on the scores, in place (max subtracted first).
        s = self.A[L - 1][:m]
        s -= s.max(axis=1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=1, keepdims=True)
        rows = self.rows[:m]
        loss = -np.log(np.maximum(s[rows, y], 1e-30)).sum(dtype=np.float64) / m
        d = s  # the probabilities become the gradient in place
        d[rows, y] -= 1.0
        d *= 1.0 / m
        for i in range(L - 1, -1, -1):
            product(inputs[i].T, d, self.gW[i], **self.shards)
            np.sum(d, axis=0, out=self.gb[i])
            if self.alpha2 > 0:
                np.multiply(Ws[i], self.alpha2, out=self.wtmp[i])
                self.gW[i] += self.wtmp[i]
            if i > 0:
                dprev = product(d, Ws[i].T, self.G[i - 1][:m], **self.shards)
                if p > 0:
                    dprev *= self.D[i - 1][:m]
                d = self._hidden_backward(i - 1, dprev)
        return float(loss)
