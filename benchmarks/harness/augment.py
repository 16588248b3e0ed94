"""Training-set augmentation of a benchmark split: mirror images, and what is drawn per batch.

:func:`benchmarks.harness.make_split` appends mirror images to the fit part
only (never to the validation or test images) for the rows that train on
extracted features or on a stored set (kNN): their features of the mirrors are
extracted once. Shifts are never copied: the rows that learn from raw pixels
draw random mirrors and shifts afresh for every mini-batch instead
(:attr:`pipelines.PipelineSpec.augments_in_batches`), so no row's memory grows
with the shifts. Every pipeline of a run that reads the same kind of input
trains on the same augmentation, so each reference row sees exactly what the
rows it is compared with see.
"""

import numpy as np

__all__ = ["AUGMENTS", "check_augment", "resolve_augment", "augment_steps", "copied_augment",
           "shift_pixels", "augment_images"]

#: Values accepted by ``make_split(augment=...)`` and ``--augment``.
AUGMENTS = ("auto", "none", "hflip", "shift", "hflip+shift")


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


def resolve_augment(augment, X, auto="hflip"):
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
          without its shifts when the images are under 2x2 pixels.
    X : ndarray of shape (n, H, W) or (n, H, W, C)
        Training images (all of a dataset's, whatever part a run uses).
    auto : {"none", "hflip", "hflip+shift"}, default="hflip"
        What ``"auto"`` stands for on color images: the row's
        :attr:`pipelines.PipelineSpec.auto_augment`.

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
    return auto if min(X.shape[1:3]) >= 2 else "hflip"


def augment_steps(augment):
    """The steps a resolved ``augment`` value applies, in order: ``"hflip"``, then ``"shift"``.

    Examples
    --------
    >>> augment_steps("hflip+shift"), augment_steps("shift"), augment_steps("none")
    (('hflip', 'shift'), ('shift',), ())
    """
    return () if augment in (None, "none") else tuple(augment.split("+"))


def copied_augment(augment):
    """The part of a resolved ``augment`` made as copies: its mirrors, never its shifts.

    Examples
    --------
    >>> [copied_augment(a) for a in ("none", "hflip", "shift", "hflip+shift")]
    ['none', 'hflip', 'none', 'hflip']
    """
    return "hflip" if "hflip" in augment_steps(augment) else "none"


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


def augment_images(X, y, augment):
    """Images ``X`` and labels ``y`` followed by their mirror images when ``augment`` says so.

    Parameters
    ----------
    X : ndarray of shape (n, H, W) or (n, H, W, C)
    y : ndarray of shape (n,)
    augment : {"none", "hflip"}
        What :func:`copied_augment` leaves of a resolved value: ``"hflip"``
        appends the left-right mirror image of every image (``X[:, :, ::-1]``).

    Returns
    -------
    X_aug : ndarray of shape (k * n, ...)
        ``X`` first, then the mirror images; k is 1 or 2.
    y_aug : ndarray of shape (k * n,)

    Raises
    ------
    ValueError
        For any other value: shifts are drawn per mini-batch, never copied.

    Examples
    --------
    >>> X, y = augment_images(np.arange(8).reshape(2, 2, 2), np.array([0, 1]), "hflip")
    >>> X[2].tolist(), y.tolist()
    ([[1, 0], [3, 2]], [0, 1, 0, 1])
    """
    if augment not in ("none", "hflip"):
        raise ValueError(
            f"augment_images makes mirror copies only ('none' or 'hflip'); got {augment!r}. "
            "Shifts are drawn per mini-batch by the raw-pixel classifiers; pass "
            "copied_augment(augment)."
        )
    if augment == "hflip":
        X, y = np.concatenate([X, X[:, :, ::-1]]), np.concatenate([y, y])
    return X, y
