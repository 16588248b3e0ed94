"""The network of :class:`classifiers.ConvNetClassifier`: buffers, forward, backward.

The weights are a :class:`classifiers.ConvNetParams`, read by name.

Blocks of conv 3x3 (stride 1, zero padding 1, no bias: batch normalization's
shift replaces it) - batch normalization - ReLU - 2x2 max pooling, in NHWC
layout, then a head: ``[affine - ReLU] - dropout - affine``, softmax loss.
The formulas are those of :mod:`classifiers.layers`, arranged for speed:

- Every array of a mini-batch step lives in a buffer allocated once per fit
  (views ``[:m]`` serve a smaller last batch); the zero border of each padded
  conv input is written once, and the previous block's pooled output is
  written straight into its interior.
- Batch normalization followed by ReLU is a per-channel map
  ``a = max(0, scale z + shift)``, monotone in ``z``: max-pooling it equals
  applying it to the max-pooled ``z`` (to the min-pooled ``z`` for channels
  whose ``scale`` is negative). So the block pools ``z`` first and runs the
  normalization, the ReLU and most of their backward pass on maps four times
  smaller. The batch statistics still come from the full ``z``. The gradient
  goes where the layers would send it: to the first maximum of the window
  in row-major order (a tie in ``z`` is a tie after the map, and the extra
  ties of ReLU zeros carry no gradient), named by a tournament of three
  comparisons.
- The input gradient of batch normalization,
  ``scale (dy - mean(dy) - xhat mean(dy xhat))``, is
  ``scale dy + c1 z + c0`` with per-channel ``c1, c0``; ``dy`` is nonzero only
  at the pooling winners, so the dense part is two passes over ``z``.
- The input gradient's product writes one ``(M, C)`` slab per kernel
  offset (nine products against the filters of one offset each), and col2im
  assigns the centre offset's slab first (it covers the whole interior) and
  adds the other eight, so the padded gradient buffer needs no zeroing and
  each add runs over whole image rows.
"""

import functools

import numpy as np

from features.threads import blas_limit, product_blas_threads, run_shared

from .convnet_params import BN_EPS, BN_MOMENTUM
from .layers import conv2d_forward, dropout_mask
from .products import sum_in_order

__all__ = ["ConvNetwork"]


class ConvNetwork:
    """Parameters plus the buffers of one mini-batch step of at most ``batch_size`` images.

    Parameters
    ----------
    params : ConvNetParams
        Updated in place by training (running statistics included).
    image_shape : tuple ``(H, W, C)``
    dropout : float
        Drop probability before the last affine layer.
    alpha : float
        Weight decay ``alpha * sum W**2`` over conv filters and head weights.
    batch_size : int
    gen : numpy.random.Generator or None
        Source of the dropout masks.
    training : bool, default=True
        False allocates only what :meth:`scores` needs in inference mode.
    pool : concurrent.futures.Executor or None, default=None
        Threads that help this one run the per-image work of a batch
        (convolutions, pooling, normalization and their gradients) in
        ``n_shards`` contiguous shards of images, a block's filter gradient
        beside its input gradient's shards. The first block's filter gradient
        and the batch-norm gradients are summed per shard, and the shards'
        sums added in shard order; the batch statistics and the head stay on
        the calling thread.
        None: the shards one after another here. Every value depends on
        ``n_shards`` alone, never on the pool's threads. The caller holds
        BLAS to one thread (:func:`features.threads.shard_pool` does).
    n_shards : int, default=1
        Shards of a batch (at most one per image).
    workers : int, default=1
        Threads that take the shards, this one included
        (:func:`features.threads.run_shared`); 1, or no pool: all of them here.

    Attributes
    ----------
    grads : ConvNetParams or None
        Gradients of the last :meth:`loss_and_grads`, by the parameters' names
        (None when not training).
    """

    def __init__(self, params, image_shape, dropout, alpha, batch_size, gen, training=True,
                 pool=None, n_shards=1, workers=1):
        self.params, self.n_blocks = params, len(params.blocks)
        self.pool, self.n_shards, self.workers = pool, n_shards, workers
        self.p, self.alpha2, self.gen, self.B = dropout, 2.0 * alpha, gen, batch_size
        self.hidden = params.hidden is not None
        self.grads = params.empty_gradients() if training else None
        dt, B = params.blocks[0].weight.dtype, batch_size

        def train_buffer(shape, dtype=dt):
            return np.empty(shape, dtype) if training else None

        self.dtype = dt
        H, W, C = image_shape
        self.shapes, self.xp, self.cols, self.z, self.dz, self.dxp = [], [], [], [], [], []
        self.zp, self.tmp, self.win, self.dyp, self.sums, self.slabs = [], [], [], [], [], []
        for b, block in enumerate(params.blocks):
            F = block.weight.shape[3]
            Ho, Wo = H // 2, W // 2
            self.shapes.append((H, W, C, F, Ho, Wo))
            self.xp.append(np.zeros((B, H + 2, W + 2, C), dt))
            self.cols.append(np.empty((B * H * W, 9 * C), dt))
            self.z.append(np.empty((B * H * W, F), dt))
            self.dz.append(train_buffer((B * H * W, F)))
            self.dxp.append(train_buffer((B, H + 2, W + 2, C)) if b > 0 else None)
            self.zp.append(np.empty((B, Ho, Wo, F), dt))
            self.tmp.append(np.empty((B, Ho, Wo, F), dt))
            self.dyp.append(train_buffer((B, Ho, Wo, F)))
            self.win.append([train_buffer((B, Ho, Wo, F), bool) for _ in range(3)])
            self.sums.append(train_buffer((2, B, F)))  # per-image sums of z and z**2
            # Shards on threads write the input gradient's slabs while the filter gradient
            # reads the im2col buffer; shards here reuse that buffer once it is done.
            self.slabs.append(train_buffer((9, B * H * W, C))
                              if b > 0 and self.n_shards > 1 and pool is not None else None)
            H, W, C = Ho, Wo, F
        self.feat = np.empty((B, H, W, C), dt)  # output of the last block
        self.bn = [None] * self.n_blocks
        # Per-shard partial sums (dbeta, dgamma of each block; the first block's filter
        # gradient), totalled in shard order.
        n = min(n_shards, B)
        self.bn_parts = [train_buffer((2, n, s[3])) for s in self.shapes]
        self.filter_parts = train_buffer((n, 9 * image_shape[2], self.shapes[0][3]))

    def _each(self, work, m, alongside=None):
        """``work(lo, hi, k)`` for the contiguous image shards ``[lo, hi)`` of ``m`` images.

        ``k`` numbers the shards from 0. ``alongside()``, work over the whole
        batch, is taken first, then the shards in order. Returns the number of
        shards.
        """
        n = min(self.n_shards, m)
        calls = [alongside] if alongside is not None else []
        calls += [functools.partial(work, m * k // n, m * (k + 1) // n, k) for k in range(n)]
        # Taken in turn, not one pool task per shard: the small stages lost in hand-offs
        # (docs/decisions.md#convnet-shards-taken-in-turn).
        run_shared(self.pool, calls, self.workers)
        return n

    def dropout_mask(self, shape):
        """Inverted-dropout mask of ``shape`` (:func:`~classifiers.layers.dropout_mask`)."""
        return dropout_mask(self.gen, shape, self.p, self.dtype)

    def penalty(self):
        """Weight-decay term ``alpha * sum W**2``."""
        return 0.5 * self.alpha2 * sum(float(np.vdot(W, W)) for W in self.params.decayed())

    def _block_forward(self, b, m, training):
        H, W, C, F, Ho, Wo = self.shapes[b]
        block = self.params.blocks[b]
        Wc, gamma, beta = block.weight, block.gamma, block.beta
        rmean, rvar = block.running_mean, block.running_var
        M, HW = m * H * W, H * W

        def convolve(lo, hi, _):
            # The input buffer is padded already; im2col and the product write into buffers.
            rows = slice(lo * HW, hi * HW)
            conv2d_forward(self.xp[b][lo:hi], Wc, cols=self.cols[b][rows], out=self.z[b][rows])
            if training:
                zb = self.z[b][rows].reshape(hi - lo, HW, F)
                np.einsum("bij->bj", zb, out=self.sums[b][0, lo:hi])
                np.einsum("bij,bij->bj", zb, zb, out=self.sums[b][1, lo:hi])

        self._each(convolve, m)
        if training:
            # Per-image partial sums in the network's dtype, totalled in float64:
            # as fast as one flat sum, and E[z^2] - mu^2 no longer cancels away
            # float32 accuracy (1e-5 instead of 2e-3 relative for mean/std = 7).
            mu = self.sums[b][0, :m].sum(axis=0, dtype=np.float64) / M
            var = self.sums[b][1, :m].sum(axis=0, dtype=np.float64) / M - mu * mu
            np.maximum(var, 0, out=var)
            rmean *= BN_MOMENTUM
            rmean += (1.0 - BN_MOMENTUM) * mu
            rvar *= BN_MOMENTUM
            rvar += (1.0 - BN_MOMENTUM) * var * (M / max(M - 1, 1))
        else:
            mu, var = rmean, rvar
        inv_std = (1.0 / np.sqrt(var + BN_EPS)).astype(self.dtype)
        scale = gamma * inv_std
        shift = beta - mu.astype(self.dtype) * scale
        neg = scale < 0
        any_neg = neg.any()
        out = self.xp[b + 1][:m, 1:-1, 1:-1] if b + 1 < self.n_blocks else self.feat[:m]

        def pool_normalize(lo, hi, _):
            z4 = self.z[b][lo * HW:hi * HW].reshape(hi - lo, H, W, F)
            parts = [z4[:, i:2 * Ho:2, j:2 * Wo:2] for i in (0, 1) for j in (0, 1)]
            zp, tmp = self.zp[b][lo:hi], self.tmp[b][lo:hi]
            np.maximum(parts[0], parts[1], out=zp)
            np.maximum(parts[2], parts[3], out=tmp)
            if training:
                # A tournament names the first maximum in row-major order (strict
                # comparisons keep the earlier one on ties): right beats left in
                # the top row, in the bottom row, and bottom beats top.
                win = [w[lo:hi] for w in self.win[b]]
                np.greater(parts[1], parts[0], out=win[0])
                np.greater(parts[3], parts[2], out=win[1])
                np.greater(tmp, zp, out=win[2])
            np.maximum(zp, tmp, out=zp)
            if any_neg:  # these channels pool the minimum (a decreasing map turns it into the max)
                lo01, lo23 = np.minimum(parts[0], parts[1]), np.minimum(parts[2], parts[3])
                if training:
                    np.copyto(win[0], parts[1] < parts[0], where=neg)
                    np.copyto(win[1], parts[3] < parts[2], where=neg)
                    np.copyto(win[2], lo23 < lo01, where=neg)
                np.copyto(zp, np.minimum(lo01, lo23), where=neg)
            a = out[lo:hi]
            np.multiply(zp, scale, out=a)
            a += shift
            np.maximum(a, 0, out=a)

        self._each(pool_normalize, m)
        if training:
            self.bn[b] = (mu.astype(self.dtype), inv_std, scale, out)

    def _block_backward(self, b, m, dout):
        """``dout``: gradient of the block's pooled output; returns that of its input (or None)."""
        H, W, C, F, Ho, Wo = self.shapes[b]
        Wc = self.params.blocks[b].weight
        mu, inv_std, scale, a = self.bn[b]
        M, HW = m * H * W, H * W

        parts = self.bn_parts[b]

        def relu_xhat(lo, hi, k):
            dyp = np.multiply(dout[lo:hi], a[lo:hi] > 0, out=self.dyp[b][lo:hi])  # ReLU, pooled
            tmp = self.tmp[b][lo:hi]
            np.subtract(self.zp[b][lo:hi], mu, out=tmp)
            tmp *= inv_std                                        # xhat at the winners
            tmp *= dyp
            dyp.sum(axis=(0, 1, 2), out=parts[0, k])
            tmp.sum(axis=(0, 1, 2), out=parts[1, k])

        n = self._each(relu_xhat, m)
        dbeta, dgamma = sum_in_order(parts[0, :n]), sum_in_order(parts[1, :n])
        c1 = -scale * inv_std * dgamma / M
        c0 = -scale * dbeta / M - mu * c1

        def route(lo, hi, _):
            dz = np.multiply(self.z[b][lo * HW:hi * HW], c1, out=self.dz[b][lo * HW:hi * HW])
            dz += c0
            dyp, tmp, zp = self.dyp[b][lo:hi], self.tmp[b][lo:hi], self.zp[b][lo:hi]
            dyp *= scale
            # Route each window's gradient to its tournament winner: the bottom
            # row's share, split between right and left, the rest between top
            # right and top left. zp is free now: scratch.
            dz4 = dz.reshape(hi - lo, H, W, F)
            right_top, right_bottom, bottom = (w[lo:hi] for w in self.win[b])
            np.multiply(dyp, bottom, out=tmp)
            dyp -= tmp
            np.multiply(tmp, right_bottom, out=zp)
            dz4[:, 1:2 * Ho:2, 1:2 * Wo:2] += zp
            tmp -= zp
            dz4[:, 1:2 * Ho:2, 0:2 * Wo:2] += tmp
            np.multiply(dyp, right_top, out=zp)
            dz4[:, 0:2 * Ho:2, 1:2 * Wo:2] += zp
            dyp -= zp
            dz4[:, 0:2 * Ho:2, 0:2 * Wo:2] += dyp

        self._each(route, m)
        dz = self.dz[b][:M]
        g = self.grads.blocks[b]
        g.gamma[...] = dgamma
        g.beta[...] = dbeta

        def filter_gradient():
            # A small filter gradient (the first layer's 27 x 32, summed over 131,072
            # positions at batch 128) took a median 20 ms and up to 1.6 s on two threads
            # of a busy 2-core machine, 4 ms on one: the thread policy gives it one.
            with blas_limit(product_blas_threads(output_entries=9 * C * F)):
                np.matmul(self.cols[b][:M].T, dz, out=g.weight.reshape(9 * C, F))

        if b == 0:
            # Each shard's share of the first filter gradient, beside the others.
            def filter_share(lo, hi, k):
                rows = slice(lo * HW, hi * HW)
                np.matmul(self.cols[b][rows].T, self.dz[b][rows], out=self.filter_parts[k])

            with blas_limit(product_blas_threads(output_entries=9 * C * F)):
                n = self._each(filter_share, m)
            g.weight.reshape(9 * C, F)[...] = sum_in_order(self.filter_parts[:n])
            return None
        dxp = self.dxp[b][:m]
        Wt = Wc.reshape(9, C, F).transpose(0, 2, 1)
        slabs = (self.cols[b][:M].reshape(9, M, C) if self.slabs[b] is None
                 else self.slabs[b][:, :M])

        def input_gradient(lo, hi, _):
            # One (M, C) slab per kernel offset: each add below runs over whole image
            # rows (docs/decisions.md#convnet-col2im-per-offset).
            d9 = np.matmul(self.dz[b][lo * HW:hi * HW], Wt, out=slabs[:, lo * HW:hi * HW])
            d9 = d9.reshape(9, hi - lo, H, W, C)
            d = dxp[lo:hi]
            # The adds below spill onto the border ring; the buffer is reused, so clear it.
            d[:, 0] = d[:, H + 1] = 0
            d[:, :, 0] = d[:, :, W + 1] = 0
            d[:, 1:H + 1, 1:W + 1] = d9[4]
            for k in (0, 1, 2, 3, 5, 6, 7, 8):
                dy, dx = divmod(k, 3)
                d[:, dy:dy + H, dx:dx + W] += d9[k]

        self._each(input_gradient, m, alongside=filter_gradient)
        return dxp[:, 1:H + 1, 1:W + 1]

    def set_input(self, Xb):
        """Write a batch of images (scaled floats) into the first padded buffer."""
        m = Xb.shape[0]
        np.copyto(self.xp[0][:m, 1:-1, 1:-1], Xb, casting="same_kind")
        return m

    def scores(self, m, training):
        """Class scores of the ``m`` images set by :meth:`set_input`."""
        for b in range(self.n_blocks):
            self._block_forward(b, m, training)
        hidden, output = self.params.hidden, self.params.output
        self.flat = h = self.feat[:m].reshape(m, -1)
        if self.hidden:
            self.h_act = h = np.maximum(h @ hidden.weight + hidden.bias, 0)
        self.mask = self.dropout_mask(h.shape) if training and self.p > 0 else None
        if self.mask is not None:
            h = h * self.mask
        self.head_in = h
        return h @ output.weight + output.bias

    def loss_and_grads(self, m, y):
        """Mean cross-entropy of the ``m`` images set; fills ``grads`` (weight decay included)."""
        s = self.scores(m, training=True)
        s -= s.max(axis=1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=1, keepdims=True)
        rows = np.arange(m)
        loss = -np.log(np.maximum(s[rows, y], 1e-30)).sum(dtype=np.float64) / m
        s[rows, y] -= 1.0
        d = s / s.dtype.type(m)
        params, g = self.params, self.grads
        np.matmul(self.head_in.T, d, out=g.output.weight)
        np.sum(d, axis=0, out=g.output.bias)
        d = d @ params.output.weight.T
        if self.mask is not None:
            d *= self.mask
        if self.hidden:
            d *= self.h_act > 0
            np.matmul(self.flat.T, d, out=g.hidden.weight)
            np.sum(d, axis=0, out=g.hidden.bias)
            d = d @ params.hidden.weight.T
        d = d.reshape(self.feat[:m].shape)
        for b in range(self.n_blocks - 1, -1, -1):
            d = self._block_backward(b, m, d)
        if self.alpha2 > 0:
            for W, gW in zip(params.decayed(), g.decayed()):
                gW += self.alpha2 * W
        return float(loss)
