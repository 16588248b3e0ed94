"""Batch normalization of dense ``(N, D)`` and spatial NHWC ``(N, H, W, C)`` activations.

Statistics are per feature: per column of a dense batch, per channel (the last
axis) of a spatial one, over all the other axes. In NHWC layout a spatial
batch is the dense case on its ``(N * H * W, C)`` reshape, so one pair of
functions serves both.
"""

import numpy as np

__all__ = ["batchnorm_forward", "batchnorm_backward"]


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True,
                      momentum=0.9, eps=1e-5):
    """Normalize each feature, then scale by ``gamma`` and shift by ``beta``.

    Training mode: ``xhat = (x - mu) / sqrt(var + eps)`` with the batch's mean
    ``mu`` and (biased) variance ``var`` per feature, ``out = gamma xhat + beta``,
    and the running averages are updated in place:
    ``running = momentum * running + (1 - momentum) * batch_statistic``, where
    the variance that enters the running average is the unbiased one
    (``var * m / (m - 1)`` over ``m`` values per feature, as PyTorch does;
    ``momentum=0.9`` here is PyTorch's ``momentum=0.1``). Inference mode
    normalizes with the running averages and leaves them unchanged.

    Parameters
    ----------
    x : ndarray of shape (N, D) or (N, H, W, C)
        Dense batch, or spatial batch in NHWC layout.
    gamma, beta : ndarray of shape (D,) or (C,)
        Learned scale and shift.
    running_mean, running_var : ndarray of shape (D,) or (C,)
        Running statistics, updated in place in training mode.
    training : bool, default=True
    momentum : float, default=0.9
        Weight of the old running value in each update, in [0, 1).
    eps : float, default=1e-5
        Added to the variance before the square root.

    Returns
    -------
    out : ndarray of the shape and dtype of ``x``
    cache : tuple for :func:`batchnorm_backward`

    Examples
    --------
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> rm, rv = np.zeros(2), np.ones(2)
    >>> out, _ = batchnorm_forward(x, np.ones(2), np.zeros(2), rm, rv, eps=0.0)
    >>> out
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> rm, rv  # 0.1 of the batch mean and of the unbiased variance (2 and 200)
    (array([0.2, 2. ]), array([ 1.1, 20.9]))
    """
    shape, C = x.shape, x.shape[-1]
    x2 = x.reshape(-1, C)
    dt = x.dtype
    if training:
        m = x2.shape[0]
        mu = x2.mean(axis=0)
        xc = x2 - mu
        var = np.einsum("ij,ij->j", xc, xc) / dt.type(m)
        inv_std = 1.0 / np.sqrt(var + dt.type(eps))
        xhat = np.multiply(xc, inv_std, out=xc)
        running_mean *= momentum
        running_mean += (1.0 - momentum) * mu
        running_var *= momentum
        running_var += (1.0 - momentum) * var * (m / max(m - 1, 1))
    else:
        inv_std = (1.0 / np.sqrt(running_var + eps)).astype(dt, copy=False)
        xhat = (x2 - running_mean.astype(dt, copy=False)) * inv_std
    out = xhat * gamma.astype(dt, copy=False) + beta.astype(dt, copy=False)
    return out.reshape(shape), (xhat, gamma, inv_std, training)


def batchnorm_backward(dout, cache):
    """Gradients of :func:`batchnorm_forward` in the compact vectorized form.

    In training mode, with ``m`` values per feature,
    ``dx = gamma / sqrt(var + eps) / m * (m dout - sum(dout) - xhat sum(dout xhat))``
    (sums over the ``m`` values of each feature): the batch mean and variance
    depend on every input, which the two sums account for. In inference mode
    the statistics are constants and ``dx = gamma dout / sqrt(running_var + eps)``.

    Returns
    -------
    dx : ndarray of the shape of ``dout``
    dgamma : ndarray of shape (C,)
        ``sum(dout * xhat)``.
    dbeta : ndarray of shape (C,)
        ``sum(dout)``.

    Examples
    --------
    A gradient that only shifts all values of a feature equally is removed by
    the mean subtraction:

    >>> x = np.array([[1.0], [3.0]])
    >>> _, cache = batchnorm_forward(x, np.ones(1), np.zeros(1), np.zeros(1), np.ones(1))
    >>> dx, dgamma, dbeta = batchnorm_backward(np.array([[5.0], [5.0]]), cache)
    >>> dx.ravel(), dgamma, dbeta
    (array([0., 0.]), array([0.]), array([10.]))
    """
    xhat, gamma, inv_std, training = cache
    shape, C = dout.shape, dout.shape[-1]
    d2 = dout.reshape(-1, C)
    dt = d2.dtype
    dbeta = d2.sum(axis=0)
    dgamma = np.einsum("ij,ij->j", d2, xhat)
    scale = gamma.astype(dt, copy=False) * inv_std
    if not training:
        return (d2 * scale).reshape(shape), dgamma, dbeta
    m = d2.shape[0]
    dx = xhat * (dgamma / dt.type(m))
    dx += dbeta / dt.type(m)
    np.subtract(d2, dx, out=dx)
    dx *= scale
    return dx.reshape(shape), dgamma, dbeta
