"""2-D convolution (cross-correlation) on NHWC batches, by im2col and a matrix product.

Layout: images are ``(N, H, W, C)`` (batch, height, width, channels) and
filters ``(kh, kw, C, F)``, so the im2col matrix, whose rows are the
``kh * kw * C`` input values under the filter at one output position, meets
the filters reshaped to ``(kh * kw * C, F)`` in a product whose result is
already the NHWC output. In a row of the padded input the ``kw * C`` values
under one kernel row are contiguous; when they are few (3x3 filters on RGB
images), im2col copies each such run as one opaque element, in ``kh`` copies
whose inner loop runs over output positions. The backward pass is one product
for the filter gradient, one for the gradient of the im2col matrix, and a
col2im that adds ``kh * kw`` shifted slices (a loop over kernel offsets, never
over images or pixels). Every array keeps the input's float dtype.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["conv_output_size", "window_view", "im2col", "col2im", "conv2d_forward",
           "conv2d_backward"]


def conv_output_size(size, kernel, stride=1, pad=0):
    """Number of output positions along one axis: ``(size + 2 pad - kernel) // stride + 1``.

    Raises
    ------
    ValueError
        If the kernel does not fit in the padded input.

    Examples
    --------
    >>> conv_output_size(32, 3, stride=1, pad=1), conv_output_size(5, 3, stride=2, pad=1)
    (32, 3)
    """
    if size + 2 * pad < kernel:
        raise ValueError(
            f"a kernel of size {kernel} does not fit in an input of size {size} padded by "
            f"{pad}; use a smaller kernel or more padding."
        )
    return (size + 2 * pad - kernel) // stride + 1


# Kernel rows of at most this many bytes are copied as one element each: a short
# contiguous run per inner step is slow (docs/decisions.md#im2col-kernel-row-elements).
_ELEMENT_BYTES = 64


def _check_buffer(name, buf, shape, dtype=None):
    """Raise a ValueError naming ``name`` unless ``buf`` is C-contiguous, of ``shape``
    (and of ``dtype`` when given)."""
    if (buf.shape != shape or not buf.flags.c_contiguous
            or (dtype is not None and buf.dtype != dtype)):
        kind = "" if dtype is None else f"{np.dtype(dtype)} "
        raise ValueError(
            f"{name} must be a C-contiguous {kind}array of shape {shape}; got {buf.dtype} of "
            f"shape {buf.shape}{'' if buf.flags.c_contiguous else ', not C-contiguous'}. "
            f"Pass {name}=None to allocate one."
        )


def _padded(x, pad, dtype):
    """C-contiguous copy of ``x`` in ``dtype`` with ``pad`` zeros around H and W (``x`` itself
    when it needs neither)."""
    if pad == 0:
        return np.ascontiguousarray(x, dtype=dtype)
    N, H, W, C = x.shape
    xp = np.empty((N, H + 2 * pad, W + 2 * pad, C), dtype)
    xp[:, :pad] = 0
    xp[:, pad + H:] = 0
    xp[:, pad:pad + H, :pad] = 0
    xp[:, pad:pad + H, pad + W:] = 0
    xp[:, pad:pad + H, pad:pad + W] = x
    return xp


def window_view(xp, kh, kw, stride, Ho, Wo):
    """Read-only view ``(N, Ho, Wo, kh, kw, C)`` of every filter window of the padded batch.

    Parameters
    ----------
    xp : ndarray of shape (N, H, W, C)
        The batch, padded already.
    kh, kw : int
        Window height and width.
    stride : int
    Ho, Wo : int
        Output positions along height and width (:func:`conv_output_size`).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> window_view(x, 2, 2, 2, 2, 2)[0, 1, 0, :, :, 0].tolist()  # bottom-left window
    [[8.0, 9.0], [12.0, 13.0]]
    """
    sN, sH, sW, sC = xp.strides
    return as_strided(xp, (xp.shape[0], Ho, Wo, kh, kw, xp.shape[3]),
                      (sN, stride * sH, stride * sW, sH, sW, sC), writeable=False)


def _as_elements(a):
    """View of ``a`` (last axis contiguous) with each run along the last axis one void element."""
    return a.view(np.dtype((np.void, a.shape[-1] * a.itemsize)))[..., 0]


def im2col(x, kh, kw, stride=1, pad=0, out=None):
    """The im2col matrix of an NHWC batch: one row per output position.

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C)
    kh, kw : int
        Kernel height and width.
    stride : int, default=1
    pad : int, default=0
        Zeros added on each side of both spatial axes.
    out : ndarray of shape (N * Ho * Wo, kh * kw * C) or None
        C-contiguous buffer to fill; ``x`` is cast to its dtype.

    Returns
    -------
    cols : ndarray of shape (N * Ho * Wo, kh * kw * C)
        Row ``(n, i, j)`` holds the window of output position ``(i, j)`` of image
        ``n``, ordered ``(dy, dx, c)``.

    Raises
    ------
    ValueError
        If ``out`` is not C-contiguous or has another shape.

    Examples
    --------
    >>> x = np.arange(4.0).reshape(1, 2, 2, 1)
    >>> im2col(x, 2, 2)
    array([[0., 1., 2., 3.]])
    """
    N, H, W, C = x.shape
    Ho, Wo = conv_output_size(H, kh, stride, pad), conv_output_size(W, kw, stride, pad)
    shape = (N * Ho * Wo, kh * kw * C)
    if out is None:
        out = np.empty(shape, dtype=x.dtype)
    else:
        _check_buffer("out", out, shape)
    if out.size == 0:
        return out
    xp = _padded(x, pad, out.dtype)
    if kw * C * out.itemsize > _ELEMENT_BYTES:
        np.copyto(out.reshape(N, Ho, Wo, kh, kw, C), window_view(xp, kh, kw, stride, Ho, Wo))
        return out
    sN, sH, sW, sC = xp.strides
    rows = out.reshape(N, Ho, Wo, kh, kw * C)
    for dy in range(kh):
        windows = as_strided(xp[:, dy:], (N, Ho, Wo, kw * C),
                             (sN, stride * sH, stride * sW, sC), writeable=False)
        np.copyto(_as_elements(rows[:, :, :, dy]), _as_elements(windows))
    return out


def col2im(dcols, x_shape, kh, kw, stride=1, pad=0):
    """Adjoint of :func:`im2col`: add every row's values back at their input positions.

    Parameters
    ----------
    dcols : ndarray of shape (N * Ho * Wo, kh * kw * C)
    x_shape : tuple ``(N, H, W, C)``
    kh, kw, stride, pad : int
        As given to :func:`im2col`.

    Returns
    -------
    dx : ndarray of shape (N, H, W, C), dtype of ``dcols``

    Examples
    --------
    Each of the four 2x2 windows of a 3x3 input adds 1 where it lies:

    >>> col2im(np.ones((4, 4)), (1, 3, 3, 1), 2, 2)[0, :, :, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    N, H, W, C = x_shape
    Ho, Wo = conv_output_size(H, kh, stride, pad), conv_output_size(W, kw, stride, pad)
    d = dcols.reshape(N, Ho, Wo, kh, kw, C)
    dxp = np.zeros((N, H + 2 * pad, W + 2 * pad, C), dtype=dcols.dtype)
    for dy in range(kh):
        for dx in range(kw):
            dxp[:, dy:dy + stride * (Ho - 1) + 1:stride,
                dx:dx + stride * (Wo - 1) + 1:stride] += d[:, :, :, dy, dx]
    return dxp[:, pad:pad + H, pad:pad + W] if pad else dxp


def conv2d_forward(x, W, b=None, stride=1, pad=0, *, cols=None, out=None):
    """2-D convolution (cross-correlation, as in deep-learning libraries) of an NHWC batch.

    ``out[n, i, j, f] = b[f] + sum over dy, dx, c of
    W[dy, dx, c, f] * xpad[n, i * stride + dy, j * stride + dx, c]``, where
    ``xpad`` is ``x`` with ``pad`` zeros on each side of H and W.

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C)
        Batch in NHWC layout.
    W : ndarray of shape (kh, kw, C, F)
        Filters, any kernel size.
    b : ndarray of shape (F,) or None, default=None
        Bias (None: no bias, e.g. before batch normalization).
    stride : int, default=1
    pad : int, default=0
    cols : ndarray of shape (N * Ho * Wo, kh * kw * C) or None, default=None
        C-contiguous buffer for the im2col matrix (see :func:`im2col`), which
        the cache keeps; None allocates one.
    out : ndarray of shape (N * Ho * Wo, F) or None, default=None
        C-contiguous buffer of ``x``'s dtype for the output; None allocates
        one. Buffers reused from one mini-batch to the next spare the fresh
        pages of two large arrays per call.

    Returns
    -------
    out : ndarray of shape (N, Ho, Wo, F), dtype of ``x``
        ``Ho = (H + 2 pad - kh) // stride + 1``, likewise ``Wo``; a view of
        the ``out`` buffer when one is given.
    cache : tuple
        ``(cols, W, x.shape, stride, pad, has_bias)`` for :func:`conv2d_backward`.

    Raises
    ------
    ValueError
        If the channel counts of ``x`` and ``W`` differ, the kernel does not
        fit, or a buffer has the wrong shape, dtype or layout.

    Examples
    --------
    A 2x2 kernel of ones sums each 2x2 window:

    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> out, _ = conv2d_forward(x, np.ones((2, 2, 1, 1)))
    >>> out[0, :, :, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    if x.ndim != 4 or W.ndim != 4 or x.shape[3] != W.shape[2]:
        raise ValueError(
            f"x must be (N, H, W, C) and W (kh, kw, C, F) with the same C; got x of shape "
            f"{x.shape} and W of shape {W.shape}."
        )
    kh, kw, C, F = W.shape
    N, H, Wd, _ = x.shape
    Ho, Wo = conv_output_size(H, kh, stride, pad), conv_output_size(Wd, kw, stride, pad)
    if cols is not None:
        _check_buffer("cols", cols, (N * Ho * Wo, kh * kw * C), x.dtype)
    if out is not None:
        _check_buffer("out", out, (N * Ho * Wo, F), x.dtype)
    cols = im2col(x, kh, kw, stride, pad, out=cols)
    # One product, not one per block of images (docs/decisions.md#conv-forward-one-product).
    out = np.matmul(cols, W.reshape(kh * kw * C, F).astype(x.dtype, copy=False), out=out)
    if b is not None:
        out += b.astype(x.dtype, copy=False)
    return out.reshape(N, Ho, Wo, F), (cols, W, x.shape, stride, pad, b is not None)


def conv2d_backward(dout, cache, compute_dx=True):
    """Gradients of :func:`conv2d_forward`.

    Parameters
    ----------
    dout : ndarray of shape (N, Ho, Wo, F)
    cache : tuple from :func:`conv2d_forward`
    compute_dx : bool, default=True
        False skips the input gradient (the first layer of a network needs none).

    Returns
    -------
    dx : ndarray of shape (N, H, W, C), or None when ``compute_dx`` is False
    dW : ndarray of shape (kh, kw, C, F)
    db : ndarray of shape (F,), or None when the forward pass had no bias

    Examples
    --------
    With ``dout`` all ones, ``db`` counts the output positions and ``dW`` sums
    the inputs under each kernel tap:

    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> _, cache = conv2d_forward(x, np.ones((2, 2, 1, 1)), np.zeros(1))
    >>> dx, dW, db = conv2d_backward(np.ones((1, 2, 2, 1)), cache)
    >>> dW[:, :, 0, 0], db
    (array([[ 8., 12.],
           [20., 24.]]), array([4.]))
    """
    cols, W, x_shape, stride, pad, has_bias = cache
    kh, kw, C, F = W.shape
    d2 = dout.reshape(-1, F)
    Wm = W.reshape(kh * kw * C, F).astype(d2.dtype, copy=False)
    dW = (cols.T @ d2).reshape(W.shape)
    db = d2.sum(axis=0) if has_bias else None
    dx = col2im(d2 @ Wm.T, x_shape, kh, kw, stride, pad) if compute_dx else None
    return dx, dW, db
