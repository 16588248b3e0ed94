"""Max pooling and global average pooling on NHWC batches ``(N, H, W, C)``.

Max pooling routes the whole upstream gradient of a window to ONE input: the
first maximum of the window in row-major order (top row first, then left to
right), the position ``np.argmax`` picks on the flattened window. Windows that
overlap (stride < pool size) add their gradients where they share an input.
"""

import numpy as np

from .conv import conv_output_size, window_view

__all__ = ["maxpool_forward", "maxpool_backward", "global_avgpool_forward",
           "global_avgpool_backward"]


def maxpool_forward(x, pool=2, stride=None):
    """Maximum over each ``pool x pool`` window, moved by ``stride`` (no padding).

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C)
        Batch in NHWC layout.
    pool : int, default=2
        Window size (square).
    stride : int or None, default=None
        Step between windows; None means ``pool`` (non-overlapping windows).

    Returns
    -------
    out : ndarray of shape (N, Ho, Wo, C), dtype of ``x``
        ``Ho = (H - pool) // stride + 1``: rows and columns that no window
        covers are ignored.
    cache : tuple for :func:`maxpool_backward`
        Which window position holds the routed maximum.

    Notes
    -----
    Non-overlapping 2x2 windows on even-sized maps (the common case) take a
    fast path: a reshape to ``(N, H/2, 2, W/2, 2, C)`` and three elementwise
    maxima, with no window copy.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, 5.0, 0.0],
    ...               [3.0, 4.0, 6.0, 6.0]]).reshape(1, 2, 4, 1)
    >>> maxpool_forward(x)[0][0, :, :, 0]
    array([[4., 6.]])
    """
    stride = pool if stride is None else stride
    N, H, W, C = x.shape
    Ho, Wo = conv_output_size(H, pool, stride), conv_output_size(W, pool, stride)
    if pool == 2 and stride == 2 and H % 2 == 0 and W % 2 == 0:
        r = x.reshape(N, Ho, 2, Wo, 2, C)
        parts = (r[:, :, 0, :, 0], r[:, :, 0, :, 1], r[:, :, 1, :, 0], r[:, :, 1, :, 1])
        out = np.maximum(parts[0], parts[1])
        np.maximum(out, np.maximum(parts[2], parts[3]), out=out)
        # One location per window: a part wins if it is the maximum and no
        # earlier part (in row-major order) already is.
        winners = [parts[0] == out]
        taken = winners[0].copy()
        for part in parts[1:3]:
            win = (part == out) & ~taken
            taken |= win
            winners.append(win)
        winners.append(~taken)
        return out, ("2x2", x.shape, winners)
    view = window_view(x, pool, pool, stride, Ho, Wo).reshape(N, Ho, Wo, pool * pool, C)
    arg = view.argmax(axis=3)
    out = np.take_along_axis(view, arg[:, :, :, None], axis=3)[:, :, :, 0]
    return out, ("general", x.shape, (arg, pool, stride))


def maxpool_backward(dout, cache):
    """Gradient of :func:`maxpool_forward`: each window's gradient to its first maximum.

    Parameters
    ----------
    dout : ndarray of shape (N, Ho, Wo, C)
    cache : tuple from :func:`maxpool_forward`

    Returns
    -------
    dx : ndarray of shape (N, H, W, C), dtype of ``dout``

    Examples
    --------
    The tie between the two 6s goes to the first (top-left-most) one:

    >>> x = np.array([[1.0, 2.0, 5.0, 0.0],
    ...               [3.0, 4.0, 6.0, 6.0]]).reshape(1, 2, 4, 1)
    >>> out, cache = maxpool_forward(x)
    >>> maxpool_backward(np.array([10.0, 20.0]).reshape(1, 1, 2, 1), cache)[0, :, :, 0]
    array([[ 0.,  0.,  0.,  0.],
           [ 0., 10., 20.,  0.]])
    """
    kind, x_shape, data = cache
    N, H, W, C = x_shape
    if kind == "2x2":
        dx = np.empty(x_shape, dtype=dout.dtype)
        r = dx.reshape(N, H // 2, 2, W // 2, 2, C)
        for k, win in enumerate(data):
            np.multiply(dout, win, out=r[:, :, k // 2, :, k % 2])
        return dx
    arg, pool, stride = data
    _, Ho, Wo, _ = dout.shape
    dx = np.zeros(x_shape, dtype=dout.dtype)
    for k in range(pool * pool):
        dy, dxo = divmod(k, pool)
        dx[:, dy:dy + stride * (Ho - 1) + 1:stride,
           dxo:dxo + stride * (Wo - 1) + 1:stride] += dout * (arg == k)
    return dx


def global_avgpool_forward(x):
    """Mean of each channel over all positions: ``(N, H, W, C) -> (N, C)``.

    Returns
    -------
    out : ndarray of shape (N, C), dtype of ``x``
    cache : tuple ``x.shape``

    Examples
    --------
    >>> global_avgpool_forward(np.arange(8.0).reshape(1, 2, 2, 2))[0]
    array([[3., 4.]])
    """
    return x.mean(axis=(1, 2)), x.shape


def global_avgpool_backward(dout, cache):
    """Spread each ``(n, c)`` gradient evenly over the ``H * W`` positions.

    Examples
    --------
    >>> global_avgpool_backward(np.array([[4.0]]), (1, 2, 2, 1))[0, :, :, 0]
    array([[1., 1.],
           [1., 1.]])
    """
    N, H, W, C = cache
    scale = dout.dtype.type(1.0 / (H * W))
    return np.broadcast_to((dout * scale)[:, None, None, :], cache).copy()
