"""Per-batch image augmentation: random horizontal mirrors and random shifts.

The networks call :func:`augment_batch` on every mini-batch, so each epoch
sees fresh random versions of the training images. Batches are NHWC
``(N, H, W, C)`` of any dtype; the functions return new arrays and leave
their input alone.
"""

import numpy as np

from features.checks import check_choice, check_int

__all__ = ["AUGMENTS", "check_augment", "flip_images", "shift_images", "random_flip",
           "random_shift", "augment_batch"]

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
    return np.where(which[:, None, None, None], X[:, :, ::-1], X)


def shift_images(X, offsets, shift):
    """Move each image by its own offset, filling the uncovered border with zeros.

    Equivalent to padding every image by ``shift`` zeros on each side and
    cropping the original size at ``(shift + dy, shift + dx)``: the content
    moves by ``(-dy, -dx)`` pixels. One gather for the whole batch, no loop.

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
    N, H, W, _ = X.shape
    padded = np.pad(X, ((0, 0), (shift, shift), (shift, shift), (0, 0)))
    rows = (offsets[:, 0] + shift)[:, None] + np.arange(H)           # (N, H)
    cols = (offsets[:, 1] + shift)[:, None] + np.arange(W)           # (N, W)
    return padded[np.arange(N)[:, None, None], rows[:, :, None], cols[:, None, :]]


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
