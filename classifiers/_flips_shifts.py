"""The moves of image augmentation: mirrors and shifts of NHWC batches, as copies.

Each function returns a new C-contiguous array of the shape and dtype of its
input and leaves the input alone. A batch's images move in a few whole-batch
copies, with no Python loop over images or offsets
(docs/decisions.md#augment-one-pass).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["flip_images", "shift_images", "flip_shift_images"]


def _rows(X):
    """``X`` (N, H, W, C) as image rows (N, H, W * C), and C."""
    N, H, W = X.shape[:3]
    rows = X.reshape(N, H, -1)
    return rows, rows.shape[2] // W


def _mirrored_rows(rows, W, C):
    """Image rows with their W pixels of C values each in reverse order."""
    # Gathering whole pixels in reverse order moves C values at a time, far faster
    # than a reversed strided copy.
    reverse = (np.arange(W - 1, -1, -1)[:, None] * C + np.arange(C)).ravel()
    return np.take(rows, reverse, axis=2)


def flip_images(X, which):
    """Mirror the images ``which`` selects left to right.

    Parameters
    ----------
    X : ndarray of shape (N, H, W, C)
    which : ndarray of bool, shape (N,)

    Returns
    -------
    ndarray of the shape and dtype of ``X``

    Examples
    --------
    >>> X = np.arange(6).reshape(2, 1, 3, 1)
    >>> flip_images(X, np.array([True, False]))[:, 0, :, 0]
    array([[2, 1, 0],
           [3, 4, 5]])
    """
    out = X.copy()
    chosen = np.flatnonzero(which)
    if chosen.size:
        rows, C = _rows(X)
        out.reshape(rows.shape)[chosen] = _mirrored_rows(rows[chosen], X.shape[2], C)
    return out


def flip_shift_images(X, which, offsets, shift):
    """Mirror the images ``which`` selects, then move each by its own offset, zero-filled.

    The same array as ``shift_images(flip_images(X, which), offsets, shift)``,
    made in one pass: the (mirrored) images are copied inside a border of
    ``shift`` zeros, and each output image is one window of that padded
    batch, picked in a single gather.

    Parameters
    ----------
    X : ndarray of shape (N, H, W, C)
    which : ndarray of bool, shape (N,), or None
        The images to mirror; None mirrors none.
    offsets : ndarray of int, shape (N, 2)
        ``(dy, dx)`` per image, each in ``[-shift, shift]``: output pixel
        ``(i, j)`` shows pixel ``(i + dy, j + dx)`` of the (mirrored) image.
    shift : int
        Width of the zero border, >= 0.

    Returns
    -------
    ndarray of the shape and dtype of ``X``

    Examples
    --------
    >>> X = np.arange(1, 4).reshape(1, 1, 3, 1)
    >>> flip_shift_images(X, np.array([True]), np.array([[0, 1]]), 1)[0, 0, :, 0]
    array([2, 1, 0])
    """
    N, H, W = X.shape[:3]
    rows, C = _rows(X)
    padded = np.empty((N, H + 2 * shift, (W + 2 * shift) * C), X.dtype)
    # Only the border is zeroed: the images overwrite the rest.
    padded[:, :shift], padded[:, shift + H:] = 0, 0
    padded[:, :, :shift * C], padded[:, :, (shift + W) * C:] = 0, 0
    inner = padded[:, shift:shift + H, shift * C:(shift + W) * C]
    if which is not None and np.any(which):
        chosen, kept = np.flatnonzero(which), np.flatnonzero(~np.asarray(which))
        inner[kept] = rows[kept]
        inner[chosen] = _mirrored_rows(rows[chosen], W, C)
    else:
        inner[...] = rows
    # Window (y, x) of an image starts at padded row y and value x: output pixel
    # (i, j) of the window at (dy + shift, (dx + shift) * C) is image pixel (i + dy, j + dx).
    windows = sliding_window_view(padded, (H, W * C), axis=(1, 2))
    offsets = np.asarray(offsets)
    out = windows[np.arange(N), offsets[:, 0] + shift, (offsets[:, 1] + shift) * C]
    return out.reshape(X.shape)


def shift_images(X, offsets, shift):
    """Move each image by its own offset, filling the uncovered border with zeros.

    Equivalent to padding every image by ``shift`` zeros on each side and
    cropping the original size at ``(shift + dy, shift + dx)``: the content
    moves by ``(-dy, -dx)`` pixels (:func:`flip_shift_images` with no mirror).

    Parameters
    ----------
    X : ndarray of shape (N, H, W, C)
    offsets : ndarray of int, shape (N, 2)
        ``(dy, dx)`` per image, each in ``[-shift, shift]``.
    shift : int
        Padding width.

    Returns
    -------
    ndarray of the shape and dtype of ``X``

    Examples
    --------
    Cropping one pixel lower shows the next row; the new last row is zeros:

    >>> X = np.arange(1, 10).reshape(1, 3, 3, 1)
    >>> shift_images(X, np.array([[1, 0]]), 1)[0, :, :, 0]
    array([[4, 5, 6],
           [7, 8, 9],
           [0, 0, 0]])
    """
    return flip_shift_images(X, None, offsets, shift)
