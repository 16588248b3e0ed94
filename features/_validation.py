"""Input validation shared by every image transformer.

One place decides what an image batch is, so that every feature rejects bad
input with the same message and converts dtypes by the same rule.
"""

import numpy as np

__all__ = ["check_images", "to_float_images", "output_dtype", "check_image_shape"]


def output_dtype(dtype):
    """Float dtype that features computed from images of ``dtype`` are returned in.

    float64 input stays float64; every other input (uint8, integers, float16,
    float32, bool) gives float32, which halves memory at no loss of accuracy
    for 8-bit images.

    Parameters
    ----------
    dtype : numpy dtype
        Dtype of the input images.

    Returns
    -------
    numpy dtype
        ``np.float64`` or ``np.float32``.

    Examples
    --------
    >>> output_dtype(np.dtype(np.uint8))
    dtype('float32')
    """
    return np.dtype(np.float64) if np.dtype(dtype) == np.float64 else np.dtype(np.float32)


def check_images(X, *, name="X", allow_nd=(3, 4), n_channels=None, dtype=None, convert=True):
    """Validate a batch of images and return it as floats in [0, 1].

    Parameters
    ----------
    X : array-like of shape (N, H, W) or (N, H, W, C)
        uint8 (or other integer) images with values in [0, 255], bool
        images, or float images with values in [0, 1].
    name : str, default="X"
        Name of the argument, used in error messages.
    allow_nd : tuple of int, default=(3, 4)
        Accepted numbers of dimensions.
    n_channels : int or None, default=None
        If given, the number of channels a 4-D batch must have.
    dtype : numpy dtype or None, default=None
        Float dtype of the result; by default :func:`output_dtype` of the input.
    convert : bool, default=True
        If False, only validate: return the input array (with the channel
        axis added) in its own dtype, for :func:`to_float_images` later.

    Returns
    -------
    images : ndarray of shape (N, H, W, C)
        Floats in [0, 1]; a 3-D batch gets a trailing channel axis of 1.
        The input is not copied when it is already C-contiguous float of
        the target dtype.

    Raises
    ------
    TypeError
        If ``X`` is not numeric (strings, objects, complex).
    ValueError
        If ``X`` has the wrong number of dimensions, is empty, contains NaN
        or infinite values, or has values outside the range of its dtype.

    Examples
    --------
    >>> imgs = check_images(np.zeros((2, 4, 4), dtype=np.uint8))
    >>> imgs.shape, imgs.dtype
    ((2, 4, 4, 1), dtype('float32'))
    """
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        X = X.to_numpy()
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be a numeric image array (uint8 in [0, 255] or float in [0, 1]); "
            f"got dtype {X.dtype}. Convert it with np.asarray(..., dtype=np.uint8)."
        )
    if X.ndim not in allow_nd:
        dims = " or ".join(
            {2: "(N, D)", 3: "(N, H, W)", 4: "(N, H, W, C)"}[d] for d in allow_nd
        )
        raise ValueError(
            f"{name} must be a batch of images of shape {dims}; got an array with "
            f"{X.ndim} dimension(s), shape {X.shape}. A single image needs a leading "
            f"batch axis: use {name}[np.newaxis]."
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch (shape {X.shape}); pass at least one image.")
    if X.ndim == 4 and n_channels is not None and X.shape[-1] != n_channels:
        raise ValueError(
            f"{name} must have {n_channels} channels in its last axis; got shape {X.shape}."
        )
    if X.dtype.kind == "f":
        if not np.isfinite(X).all():
            raise ValueError(
                f"{name} contains NaN or infinite values; float images must be finite "
                f"values in [0, 1]."
            )
        lo, hi = X.min(), X.max()
        if lo < 0 or hi > 1:
            raise ValueError(
                f"{name} is a float array with values in [{lo:g}, {hi:g}]; float images "
                f"must lie in [0, 1]. Divide 8-bit data by 255 or pass it as uint8."
            )
    elif X.dtype.kind != "b" and X.dtype != np.uint8:  # uint8 cannot leave [0, 255]
        lo, hi = X.min(), X.max()
        if lo < 0 or hi > 255:
            raise ValueError(
                f"{name} is an integer array with values in [{lo}, {hi}]; integer images "
                f"must lie in [0, 255]. Rescale it to uint8 or to floats in [0, 1]."
            )
    if not X.flags.c_contiguous:
        # One layout for the kernels: on a Fortran-ordered or strided batch
        # numpy takes other loops, whose float32 sums can differ in the last
        # bit, so the same images would not give the same features.
        X = np.ascontiguousarray(X)
    if X.ndim == 3:
        X = X[..., np.newaxis]
    return to_float_images(X, dtype) if convert else X


def to_float_images(images, dtype=None):
    """Convert images already accepted by :func:`check_images` to floats in [0, 1].

    No checks: this is the conversion step of :func:`check_images`, for code
    that validates a whole batch once (``convert=False``) and converts it
    chunk by chunk to keep memory bounded.

    Parameters
    ----------
    images : ndarray
        Validated images (integer in [0, 255], bool, or float in [0, 1]).
    dtype : numpy dtype or None, default=None
        Float dtype of the result; by default :func:`output_dtype` of the input.

    Returns
    -------
    ndarray
        Same shape; not copied when already float of the target dtype.

    Examples
    --------
    >>> to_float_images(np.array([0, 255], dtype=np.uint8))
    array([0., 1.], dtype=float32)
    """
    target = np.dtype(dtype) if dtype is not None else output_dtype(images.dtype)
    if images.dtype.kind == "f":
        return images.astype(target, copy=False)
    if images.dtype.kind == "b":
        return images.astype(target)
    # Multiply by 1/255 as skimage's img_as_float does (not divide by 255): the
    # two differ in the last bit, enough to move pixels across histogram edges.
    return np.multiply(images, 1.0 / 255, dtype=target)


def check_image_shape(images, expected, *, name="X"):
    """Raise if a batch's per-image shape differs from the one seen at fit.

    Parameters
    ----------
    images : ndarray of shape (N, H, W, C)
        Batch as returned by :func:`check_images`.
    expected : tuple of int
        ``(H, W, C)`` recorded at fit.
    name : str, default="X"
        Name of the argument, used in error messages.

    Raises
    ------
    ValueError
        If ``images.shape[1:] != expected``.

    Examples
    --------
    >>> images = np.zeros((2, 4, 4, 1))
    >>> check_image_shape(images, (4, 4, 1))  # same shape: returns None
    >>> check_image_shape(images, (8, 8, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: X has images of shape (4, 4, 1) (H, W, C) but this transformer was fitted on ...
    """
    if tuple(images.shape[1:]) != tuple(expected):
        raise ValueError(
            f"{name} has images of shape {tuple(images.shape[1:])} (H, W, C) but this "
            f"transformer was fitted on images of shape {tuple(expected)}. Resize the "
            f"images to the fit size or fit again."
        )

