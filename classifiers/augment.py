"""Per-batch image augmentation: random horizontal mirrors and random shifts.

Every estimator that trains by mini-batches takes its batches from
:func:`minibatches`, which calls :func:`augment_batch` on each one, so every
epoch sees fresh random versions of the training images and no augmented copy
of the training set is ever stored. Batches are NHWC ``(N, H, W, C)`` of any
dtype, or rows of flattened images viewed in that shape; the functions return
new arrays and leave their input alone.
"""

import numbers

import numpy as np

from features.checks import check_choice, check_int

__all__ = ["AUGMENTS", "check_augment", "check_image_shape", "flip_images", "shift_images",
           "random_flip", "random_shift", "augment_batch", "minibatches"]

AUGMENTS = (None, "hflip", "shift", "hflip+shift")


def check_augment(augment, shift):
    """Validate the ``augment`` and ``shift`` parameters of an estimator.

    Returns
    -------
    augment : str or None
    shift : int

    Raises
    ------
    ValueError, TypeError
        Naming the parameter and the accepted values.

    Examples
    --------
    >>> check_augment("hflip+shift", 2)
    ('hflip+shift', 2)
    """
    check_choice(augment, "augment", AUGMENTS)
    return augment, check_int(shift, "shift", low=1)


def check_image_shape(image_shape, n_features, augment):
    """``(H, W, C)`` of the images rows of ``n_features`` values are flattened from.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)`` or ``(H, W, C)``, positive integers.
    n_features : int
        Values per row; must equal ``H * W * C``.
    augment : str
        The augmentation that needs the shape (named by the message).

    Returns
    -------
    tuple of int
        ``(H, W, C)`` (``C`` is 1 for a 2-tuple).

    Raises
    ------
    ValueError
        If ``image_shape`` is not such a tuple or does not match ``n_features``.

    Examples
    --------
    >>> check_image_shape((32, 32, 3), 3072, "hflip")
    (32, 32, 3)
    >>> check_image_shape((8, 8), 64, "shift")
    (8, 8, 1)
    """
    ok = isinstance(image_shape, tuple) and len(image_shape) in (2, 3) and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1
        for v in image_shape)
    if not ok or int(np.prod(image_shape)) != n_features:
        raise ValueError(
            f"image_shape must be (H, W) or (H, W, C) with H * W * C = n_features = "
            f"{n_features} when augment={augment!r}; got {image_shape!r}. Pass the shape "
            "of the images the rows were flattened from."
        )
    return tuple(int(v) for v in image_shape) + (1,) * (3 - len(image_shape))


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
    N, H, W = X.shape[:3]
    out = X.copy()
    chosen = np.flatnonzero(which)
    if chosen.size:
        # Each image row as W pixels of C values: gathering the pixels in reverse
        # order moves C values at a time, far faster than a reversed strided copy.
        rows = X.reshape(N, H, -1)
        C = rows.shape[2] // W
        reverse = (np.arange(W - 1, -1, -1)[:, None] * C + np.arange(C)).ravel()
        out.reshape(N, H, -1)[chosen] = np.take(rows[chosen], reverse, axis=2)
    return out


def shift_images(X, offsets, shift):
    """Move each image by its own offset, filling the uncovered border with zeros.

    Equivalent to padding every image by ``shift`` zeros on each side and
    cropping the original size at ``(shift + dy, shift + dx)``: the content
    moves by ``(-dy, -dx)`` pixels. One slice copy per distinct offset (at
    most ``(2 shift + 1) ** 2``), which moves whole rows of pixels at a time.

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
    H, W = X.shape[1:3]
    out = np.zeros_like(X)
    offsets = np.asarray(offsets)
    keys = (offsets[:, 0] + shift) * (2 * shift + 1) + (offsets[:, 1] + shift)
    for key in np.unique(keys):
        images = np.flatnonzero(keys == key)
        dy, dx = (int(v) for v in offsets[images[0]])
        if abs(dy) >= H or abs(dx) >= W:
            continue  # moved out of the frame: all zeros
        # Output pixel (i, j) shows input pixel (i + dy, j + dx).
        out[images, max(0, -dy):H - max(0, dy), max(0, -dx):W - max(0, dx)] = (
            X[images, max(0, dy):H + min(0, dy), max(0, dx):W + min(0, dx)])
    return out


def random_flip(X, rng):
    """Mirror each image left to right with probability 1/2 (one draw per image).

    Examples
    --------
    >>> X = np.arange(4).reshape(1, 1, 4, 1)
    >>> out = random_flip(X, np.random.default_rng(0))
    >>> out[0, 0, :, 0].tolist() in ([0, 1, 2, 3], [3, 2, 1, 0])
    True
    """
    return flip_images(X, rng.random(X.shape[0]) < 0.5)


def random_shift(X, shift, rng):
    """Shift each image by a uniform random ``(dy, dx)`` in ``[-shift, shift]``, zero-filled.

    Examples
    --------
    >>> out = random_shift(np.ones((5, 4, 4, 1)), 1, np.random.default_rng(0))
    >>> out.shape, bool(out.min() >= 0)
    ((5, 4, 4, 1), True)
    """
    return shift_images(X, rng.integers(-shift, shift + 1, size=(X.shape[0], 2)), shift)


def augment_batch(X, augment, rng, shift=2):
    """Apply the augmentation ``augment`` names to a mini-batch.

    Parameters
    ----------
    X : ndarray of shape (N, H, W, C)
    augment : {None, "hflip", "shift", "hflip+shift"}
        None returns ``X`` itself.
    rng : numpy.random.Generator
        Source of the random draws.
    shift : int, default=2
        Largest shift in pixels, for ``"shift"`` and ``"hflip+shift"``.

    Returns
    -------
    ndarray of the shape and dtype of ``X``

    Examples
    --------
    >>> X = np.zeros((3, 8, 8, 1), dtype=np.uint8)
    >>> augment_batch(X, "hflip+shift", np.random.default_rng(0)).shape
    (3, 8, 8, 1)
    """
    if augment in ("hflip", "hflip+shift"):
        X = random_flip(X, rng)
    if augment in ("shift", "hflip+shift"):
        X = random_shift(X, shift, rng)
    return X


def minibatches(X, batch_size, rng, augment=None, shift=2, image_shape=None):
    """One epoch of mini-batches in a fresh random order, each augmented afresh.

    The one batch loop of the estimators that train by mini-batches: the order
    is drawn first, then each batch's flips and shifts when it is reached, so
    that with ``augment=None`` nothing but the order is drawn.

    Parameters
    ----------
    X : ndarray of shape (n, n_features) or (n, H, W, C)
        Rows of flattened images (with ``image_shape``) or images.
    batch_size : int
        Rows per batch (the last batch may be smaller).
    rng : numpy.random.Generator
        Source of the order and of the augmentation.
    augment : {None, "hflip", "shift", "hflip+shift"}, default=None
        See :func:`augment_batch`.
    shift : int, default=2
        Largest shift in pixels.
    image_shape : tuple ``(H, W, C)`` or None, default=None
        The shape each row of ``X`` is viewed in for augmentation (see
        :func:`check_image_shape`); None when ``X`` holds images.

    Yields
    ------
    idx : ndarray of int
        The rows of ``X`` in the batch.
    batch : ndarray
        ``X[idx]``, flipped and/or shifted, in the layout and dtype of ``X``.

    Examples
    --------
    >>> X = np.arange(12.0).reshape(4, 3)  # four 1x3 gray images
    >>> for idx, batch in minibatches(X, 2, np.random.default_rng(0), "hflip",
    ...                               image_shape=(1, 3, 1)):
    ...     print(idx.tolist(), batch.tolist())
    [2, 0] [[8.0, 7.0, 6.0], [2.0, 1.0, 0.0]]
    [1, 3] [[3.0, 4.0, 5.0], [9.0, 10.0, 11.0]]
    """
    n = X.shape[0]
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        batch = X[idx]
        if augment is not None:
            images = batch if image_shape is None else batch.reshape((-1,) + image_shape)
            batch = augment_batch(images, augment, rng, shift).reshape(batch.shape)
        yield idx, batch
