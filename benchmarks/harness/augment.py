"""Training-set augmentation of a benchmark split: mirror images and shifted copies.

:func:`benchmarks.harness.make_split` appends these copies to the fit part
only (never to the validation or test images). Every pipeline of a run that
reads the same kind of input trains on the same augmented images: with
``"auto"``, the raw-pixel rows (ours and the ``ref:pixels/*`` rows) also see
shifted copies and the feature rows do not, so each reference row still sees
exactly the images of the rows it is compared with.
"""

import numpy as np

__all__ = ["AUGMENTS", "AUTO_SHIFT_MAX_BYTES", "check_augment", "resolve_augment",
           "augment_steps", "augment_copies", "shift_pixels", "augment_images"]

#: Values accepted by ``make_split(augment=...)`` and ``--augment``.
AUGMENTS = ("auto", "none", "hflip", "shift", "hflip+shift")

#: ``"auto"`` gives raw-pixel rows shifted copies only while the ten copies of
#: the training images, as float32 raw-pixel features, fit in this many bytes:
#: 2 GiB, about 17,000 CIFAR-10 images (the subset's 5,170 take 0.6 GiB). The
#: pipelines hold two or three arrays of that size at once, and the feature
#: cache one on disk.
AUTO_SHIFT_MAX_BYTES = 2 * 1024 ** 3


def check_augment(augment, image_shape=None):
    """``augment`` as one of :data:`AUGMENTS` (``None`` is ``"none"``), checked before any work.

    Parameters
    ----------
    augment : str or None
    image_shape : tuple of int or None, default=None
        (H, W, ...) of the images to augment; shifts need at least 2x2.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For an unknown value, or shifts of images less than 2 pixels on a side.

    Examples
    --------
    >>> check_augment(None)
    'none'
    """
    if augment is None:
        return "none"
    if not isinstance(augment, str) or augment not in AUGMENTS:
        raise ValueError(
            f"augment (--augment) must be one of {', '.join(AUGMENTS)} or None; "
            f"got {augment!r}."
        )
    if image_shape is not None and "shift" in augment_steps(augment) and min(image_shape[:2]) < 2:
        raise ValueError(
            f"augment={augment!r} moves images by a pixel or more, which leaves nothing "
            f"of images of {image_shape[0]}x{image_shape[1]} pixels; pass 'hflip' or "
            f"'none'."
        )
    return augment


def _is_color(X):
    """Whether images ``X`` have three channels that are not all equal (a color photo)."""
    if X.ndim != 4 or X.shape[-1] != 3:
        return False
    # Gray images stored as RGB (image folders convert them) repeat one channel.
    return bool(np.any(X[..., 0] != X[..., 1]) or np.any(X[..., 0] != X[..., 2]))


def resolve_augment(augment, X, auto="hflip", copies=True):
    """The augmentation ``make_split`` applies to training images ``X``.

    Parameters
    ----------
    augment : {"auto", "none", "hflip", "shift", "hflip+shift"} or None
        ``None`` is ``"none"``; the values other than ``"auto"`` are
        returned as they are. ``"auto"`` depends on the images:

        - gray images (such as the 8x8 digits, whose mirror images are other
          shapes): ``"none"``;
        - color images (three channels, not all equal: photos such as
          CIFAR-10, whose classes keep their meaning in a mirror): ``auto``,
          without its shifts when the shifted copies would be too large
          (:data:`AUTO_SHIFT_MAX_BYTES`) or the images are under 2x2 pixels.
    X : ndarray of shape (n, H, W) or (n, H, W, C)
        Training images (all of a dataset's, whatever part a run uses).
    auto : {"none", "hflip", "hflip+shift"}, default="hflip"
        What ``"auto"`` stands for on color images: the row's
        :attr:`pipelines.PipelineSpec.auto_augment`.
    copies : bool, default=True
        Whether the augmentation is made as copies, whose budget is
        :data:`AUTO_SHIFT_MAX_BYTES`; False for augmentation drawn per
        mini-batch, which makes none.

    Returns
    -------
    str
        Any of :data:`AUGMENTS` but ``"auto"``.

    Raises
    ------
    ValueError
        If ``augment`` or ``auto`` is not one of the accepted values.

    Examples
    --------
    >>> resolve_augment("auto", np.zeros((2, 8, 8), np.uint8), auto="hflip+shift")
    'none'
    >>> photos = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), np.uint8)
    >>> resolve_augment("auto", photos), resolve_augment("auto", photos, auto="hflip+shift")
    ('hflip', 'hflip+shift')
    """
    augment = check_augment(augment)
    if augment != "auto":
        return augment
    if auto not in ("none", "hflip", "hflip+shift"):
        raise ValueError(f"auto must be 'none', 'hflip' or 'hflip+shift'; got {auto!r}.")
    X = np.asarray(X)
    if not _is_color(X) or auto == "none":
        return "none"
    # Shifts need images of 2x2 pixels or more (see check_augment).
    shiftable = min(X.shape[1:3]) >= 2 and (not copies or 10 * X.size * 4 <= AUTO_SHIFT_MAX_BYTES)
    return auto if shiftable else "hflip"


def augment_steps(augment):
    """The steps a resolved ``augment`` value applies, in order: ``"hflip"``, then ``"shift"``.

    Examples
    --------
    >>> augment_steps("hflip+shift"), augment_steps("shift"), augment_steps("none")
    (('hflip', 'shift'), ('shift',), ())
    """
    return () if augment in (None, "none") else tuple(augment.split("+"))


def augment_copies(augment):
    """How many images :func:`augment_images` makes of each one with a resolved ``augment``.

    Examples
    --------
    >>> [augment_copies(a) for a in ("none", "hflip", "shift", "hflip+shift")]
    [1, 2, 5, 10]
    """
    copies = {"hflip": 2, "shift": 5}
    return int(np.prod([copies[step] for step in augment_steps(augment)]))


def shift_pixels(image_shape):
    """How far ``augment="shift"`` moves images of ``image_shape`` (H, W, ...).

    ``min(H, W) / 16`` rounded, at least 1: 2 pixels for CIFAR-10's 32x32
    images, 1 for the 8x8 digits.

    Examples
    --------
    >>> shift_pixels((32, 32, 3)), shift_pixels((8, 8))
    (2, 1)
    """
    return max(1, round(min(image_shape[:2]) / 16))


def _hflip(X, y):
    """``X`` followed by its left-right mirror images (``X[:, :, ::-1]``), labels repeated."""
    return np.concatenate([X, X[:, :, ::-1]]), np.concatenate([y, y])


def _shift(X, y, step):
    """``X`` followed by four copies moved ``step`` pixels down, up, right and left.

    The pixels moved in from outside the image are 0, as in the zero-padded
    crops that train convolutional networks; labels are repeated.
    """
    copies = [X]
    for axis in (1, 2):
        for sign in (1, -1):
            moved = np.zeros_like(X)
            src = [slice(None)] * X.ndim
            dst = [slice(None)] * X.ndim
            src[axis] = slice(0, -step) if sign > 0 else slice(step, None)
            dst[axis] = slice(step, None) if sign > 0 else slice(0, -step)
            moved[tuple(dst)] = X[tuple(src)]
            copies.append(moved)
    return np.concatenate(copies), np.tile(y, len(copies))


def augment_images(X, y, augment):
    """Images ``X`` and labels ``y`` followed by their augmented copies.

    Parameters
    ----------
    X : ndarray of shape (n, H, W) or (n, H, W, C)
    y : ndarray of shape (n,)
    augment : {"none", "hflip", "shift", "hflip+shift"}
        A resolved value (see :func:`resolve_augment`). ``"hflip"`` appends
        the left-right mirror images; ``"shift"`` four copies moved
        :func:`shift_pixels` pixels down, up, right and left (zero fill);
        ``"hflip+shift"`` shifts the images and their mirrors.

    Returns
    -------
    X_aug : ndarray of shape (k * n, ...)
        ``X`` first, then the copies in the order above; k is 1, 2, 5 or 10.
    y_aug : ndarray of shape (k * n,)

    Examples
    --------
    >>> X, y = augment_images(np.arange(8).reshape(2, 2, 2), np.array([0, 1]), "hflip")
    >>> X[2].tolist(), y.tolist()
    ([[1, 0], [3, 2]], [0, 1, 0, 1])
    """
    augment = check_augment(augment, X.shape[1:])
    if augment == "auto":
        raise ValueError("augment_images needs a resolved augment; call resolve_augment first.")
    steps = augment_steps(augment)
    if "hflip" in steps:
        X, y = _hflip(X, y)
    if "shift" in steps:
        X, y = _shift(X, y, shift_pixels(X.shape[1:]))
    return X, y
