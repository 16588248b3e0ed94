"""Image augmentation: one value, :class:`Augment`, and the per-batch draws it stands for.

An :class:`Augment` says what is done to training images: random horizontal
mirrors, random shifts of up to ``shift`` pixels (zero fill), both or
neither. Its names (:data:`AUGMENTS`) are the one vocabulary of the
estimators' ``augment`` parameter, of :func:`pipelines.make` and of
``featbench --augment`` (which adds ``"auto"``, resolved per row by the
harness); :func:`default_shift` is the one default shift.

Every estimator that trains by mini-batches takes its batches from
:func:`minibatches`, which draws the augmentation afresh for each one, so
every epoch sees fresh random versions of the training images and no
augmented copy of the training set is ever stored. Batches are NHWC
``(N, H, W, C)`` of any dtype, or rows of flattened images viewed in that
shape; the functions return new arrays and leave their input alone.
"""

import numbers
from dataclasses import dataclass

import numpy as np

from features.checks import check_int

from ._flips_shifts import flip_images, flip_shift_images, shift_images

__all__ = ["AUGMENTS", "Augment", "default_shift", "check_augment", "check_image_shape",
           "augment_for_rows", "flip_images", "shift_images", "random_flip", "random_shift",
           "draw_moves", "move_images", "augment_batch", "minibatches"]

#: Names of the augmentations, in the order of :attr:`Augment.name`.
AUGMENTS = ("none", "hflip", "shift", "hflip+shift")


def default_shift(image_shape):
    """The largest shift, in pixels, of images of ``image_shape`` (H, W, ...).

    ``min(H, W) / 16`` rounded, at least 1: 2 pixels for CIFAR-10's 32x32
    images, 1 for the 8x8 digits.

    Examples
    --------
    >>> default_shift((32, 32, 3)), default_shift((8, 8))
    (2, 1)
    """
    return max(1, round(min(image_shape[:2]) / 16))


@dataclass(frozen=True)
class Augment:
    """What is done to training images: mirrors, shifts, both or nothing.

    Attributes
    ----------
    hflip : bool, default=False
        Mirror images left to right.
    shift : int, default=0
        Largest shift in pixels; 0 for no shifts.

    Examples
    --------
    >>> aug = Augment.parse("hflip+shift", image_shape=(32, 32, 3))
    >>> aug, aug.name, aug.mirrors.name
    (Augment(hflip=True, shift=2), 'hflip+shift', 'hflip')
    >>> Augment.parse(None).name, bool(Augment()), bool(aug)
    ('none', False, True)
    """

    hflip: bool = False
    shift: int = 0

    @property
    def name(self):
        """One of :data:`AUGMENTS`."""
        steps = ["hflip"] * self.hflip + ["shift"] * (self.shift > 0)
        return "+".join(steps) or "none"

    @property
    def mirrors(self):
        """The mirror part alone: what is made as copies of stored images."""
        return Augment(hflip=self.hflip)

    def __bool__(self):
        return self.hflip or self.shift > 0

    @classmethod
    def parse(cls, augment, shift=None, image_shape=None, option="augment"):
        """The :class:`Augment` a name (or an ``Augment``) stands for, checked.

        Parameters
        ----------
        augment : {"none", "hflip", "shift", "hflip+shift"}, None or Augment
            None is ``"none"``; an ``Augment`` is returned as it is.
        shift : int or None, default=None
            Largest shift in pixels (>= 1) of a name with ``"shift"``; None:
            :func:`default_shift` of ``image_shape`` (2 without one).
        image_shape : tuple of int or None, default=None
            (H, W, ...) of the images; shifts need at least 2x2 pixels.
        option : str, default="augment"
            The parameter or option named by the errors.

        Raises
        ------
        ValueError, TypeError
            For an unknown name, a bad ``shift``, or shifts of images under 2x2.
        """
        if isinstance(augment, Augment):
            return augment
        if augment is None:
            augment = "none"
        if not isinstance(augment, str) or augment not in AUGMENTS:
            raise ValueError(f"{option} must be one of {', '.join(map(repr, AUGMENTS))} (or "
                             f"None for 'none'); got {augment!r}.")
        if "shift" not in augment:
            return cls(hflip="hflip" in augment)
        if image_shape is not None and min(image_shape[:2]) < 2:
            raise ValueError(
                f"{option}={augment!r} moves images by a pixel or more, which leaves nothing "
                f"of images of {image_shape[0]}x{image_shape[1]} pixels; pass 'hflip' or "
                f"'none'.")
        if shift is None:
            shift = default_shift(image_shape) if image_shape is not None else 2
        return cls(hflip="hflip" in augment, shift=check_int(shift, "shift", low=1))


def check_augment(augment, shift=None, image_shape=None):
    """Validate the ``augment`` and ``shift`` parameters of an estimator.

    Returns
    -------
    Augment

    Raises
    ------
    ValueError, TypeError
        Naming the parameter and the accepted values.

    Examples
    --------
    >>> check_augment("hflip+shift", 2)
    Augment(hflip=True, shift=2)
    >>> check_augment("shift", None, (8, 8, 1)).shift
    1
    """
    if shift is not None:
        check_int(shift, "shift", low=1)
    return Augment.parse(augment, shift, image_shape)


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


def augment_for_rows(augment, shift, image_shape, n_features):
    """The augmentation of rows of flattened images, and the shape they are viewed in.

    Parameters
    ----------
    augment, shift
        An estimator's parameters (see :func:`check_augment`).
    image_shape : tuple of int or None
        The estimator's ``image_shape``; needed only with an augmentation.
    n_features : int
        Values per row.

    Returns
    -------
    augment : Augment
        With :func:`default_shift` of the images where ``shift`` is None.
    shape : tuple ``(H, W, C)`` or None
        None without augmentation.

    Examples
    --------
    >>> augment_for_rows("shift", None, (8, 8), 64)
    (Augment(hflip=False, shift=1), (8, 8, 1))
    >>> augment_for_rows("none", None, None, 64)
    (Augment(hflip=False, shift=0), None)
    """
    aug = check_augment(augment, shift)
    if not aug:
        return aug, None
    shape = check_image_shape(image_shape, n_features, aug.name)
    return check_augment(augment, shift, shape), shape


def _draw_mirrors(n, rng):
    """Which of ``n`` images to mirror: each with probability 1/2."""
    return rng.random(n) < 0.5


def _draw_offsets(n, shift, rng):
    """``(dy, dx)`` of ``n`` images, uniform in ``[-shift, shift]``."""
    return rng.integers(-shift, shift + 1, size=(n, 2))


def random_flip(X, rng):
    """Mirror each image left to right with probability 1/2 (one draw per image).

    Examples
    --------
    >>> X = np.arange(4).reshape(1, 1, 4, 1)
    >>> out = random_flip(X, np.random.default_rng(0))
    >>> out[0, 0, :, 0].tolist() in ([0, 1, 2, 3], [3, 2, 1, 0])
    True
    """
    return flip_images(X, _draw_mirrors(X.shape[0], rng))


def random_shift(X, shift, rng):
    """Shift each image by a uniform random ``(dy, dx)`` in ``[-shift, shift]``, zero-filled.

    Examples
    --------
    >>> out = random_shift(np.ones((5, 4, 4, 1)), 1, np.random.default_rng(0))
    >>> out.shape, bool(out.min() >= 0)
    ((5, 4, 4, 1), True)
    """
    return shift_images(X, _draw_offsets(X.shape[0], shift, rng), shift)


def draw_moves(n, augment, rng):
    """The random draws of ``augment`` for ``n`` images: the mirrors first, then the shifts.

    Returns
    -------
    which : ndarray of bool, shape (n,), or None
        Without ``augment.hflip``.
    offsets : ndarray of int, shape (n, 2), or None
        Without ``augment.shift``.

    Examples
    --------
    >>> which, offsets = draw_moves(4, Augment(hflip=True), np.random.default_rng(0))
    >>> which.shape, offsets
    ((4,), None)
    """
    which = _draw_mirrors(n, rng) if augment.hflip else None
    offsets = _draw_offsets(n, augment.shift, rng) if augment.shift else None
    return which, offsets


def move_images(X, which, offsets, shift):
    """``X`` mirrored where ``which`` says and moved by ``offsets`` (either may be None).

    Returns ``X`` itself when both are None, else a new array.

    Examples
    --------
    >>> X = np.arange(3).reshape(1, 1, 3, 1)
    >>> move_images(X, np.array([True]), None, 0)[0, 0, :, 0].tolist()
    [2, 1, 0]
    """
    # Both moves in one pass (docs/decisions.md#augment-one-pass).
    if offsets is not None:
        return flip_shift_images(X, which, offsets, shift)
    return X if which is None else flip_images(X, which)


def augment_batch(X, augment, rng):
    """Apply the augmentation ``augment`` to a mini-batch, with fresh random draws.

    Parameters
    ----------
    X : ndarray of shape (N, H, W, C)
    augment : Augment
        No augmentation returns ``X`` itself.
    rng : numpy.random.Generator
        Source of the random draws: the mirrors first, then the shifts.

    Returns
    -------
    ndarray of the shape and dtype of ``X``

    Examples
    --------
    >>> X = np.zeros((3, 8, 8, 1), dtype=np.uint8)
    >>> augment_batch(X, Augment(hflip=True, shift=2), np.random.default_rng(0)).shape
    (3, 8, 8, 1)
    """
    which, offsets = draw_moves(X.shape[0], augment, rng)
    return move_images(X, which, offsets, augment.shift)


def minibatches(X, batch_size, rng, augment=Augment(), image_shape=None):
    """One epoch of mini-batches in a fresh random order, each augmented afresh.

    The one batch loop of the estimators that train by mini-batches: the order
    is drawn first, then each batch's flips and shifts when it is reached, so
    that without augmentation nothing but the order is drawn.

    Parameters
    ----------
    X : ndarray of shape (n, n_features) or (n, H, W, C)
        Rows of flattened images (with ``image_shape``) or images.
    batch_size : int
        Rows per batch (the last batch may be smaller).
    rng : numpy.random.Generator
        Source of the order and of the augmentation.
    augment : Augment, default=Augment()
        See :func:`augment_batch`.
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
    >>> for idx, batch in minibatches(X, 2, np.random.default_rng(0), Augment(hflip=True),
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
        if augment:
            images = batch if image_shape is None else batch.reshape((-1,) + image_shape)
            batch = augment_batch(images, augment, rng).reshape(batch.shape)
        yield idx, batch
