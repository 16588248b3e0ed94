"""What each row of a run trains on: ``--augment`` resolved once per row, and mirror copies.

The augmentation itself is one value, :class:`classifiers.Augment`, with one
vocabulary (:data:`classifiers.AUGMENTS`); ``--augment`` adds ``"auto"``,
which each row's :attr:`pipelines.PipelineSpec.auto_augment` resolves on
color images (gray ones get none). :func:`resolve_augment` turns the request
into the row's :class:`~classifiers.Augment` once; the split carries it
(:class:`benchmarks.harness.split.SplitInfo`) and it is read where it acts:
:func:`benchmarks.harness.split.mirror_copies` appends mirror images to the
fit part of the rows that train on extracted features or on a stored set (kNN);
the rows that learn from
raw pixels draw it per mini-batch instead
(:attr:`pipelines.PipelineSpec.augments_in_batches`), so no row's memory
grows with the shifts.
"""

import numpy as np

from classifiers import AUGMENTS as NAMES
from classifiers import Augment

__all__ = ["REQUESTS", "check_request", "resolve_augment"]

#: Values accepted by ``make_split(augment=...)`` and ``--augment``.
REQUESTS = ("auto",) + NAMES


def check_request(augment, image_shape=None):
    """``augment`` as one of :data:`REQUESTS` (``None`` is ``"none"``), checked before any work.

    Parameters
    ----------
    augment : str, None or Augment
    image_shape : tuple of int or None, default=None
        (H, W, ...) of the images to augment; shifts need at least 2x2.

    Returns
    -------
    str or Augment

    Raises
    ------
    ValueError
        For an unknown value, or shifts of images less than 2 pixels on a side.

    Examples
    --------
    >>> check_request(None), check_request("auto")
    ('none', 'auto')
    """
    if augment == "auto":
        return augment
    if augment is not None and not isinstance(augment, Augment) and augment not in NAMES:
        raise ValueError(f"augment (--augment) must be one of {', '.join(REQUESTS)} or None; "
                         f"got {augment!r}.")
    Augment.parse(augment, image_shape=image_shape, option="augment (--augment)")
    return "none" if augment is None else augment


def _is_color(X):
    """Whether images ``X`` have three channels that are not all equal (a color photo)."""
    if X.ndim != 4 or X.shape[-1] != 3:
        return False
    # Gray images stored as RGB (image folders convert them) repeat one channel.
    return bool(np.any(X[..., 0] != X[..., 1]) or np.any(X[..., 0] != X[..., 2]))


def resolve_augment(augment, X, auto="hflip", in_batches=True):
    """The augmentation a row trains on, from the request ``augment`` and its images ``X``.

    Parameters
    ----------
    augment : {"auto", "none", "hflip", "shift", "hflip+shift"}, None or Augment
        ``None`` is ``"none"``; names shift by
        :func:`classifiers.default_shift` of the images. ``"auto"`` depends
        on the images:

        - gray images (such as the 8x8 digits, whose mirror images are other
          shapes): none;
        - color images (three channels, not all equal: photos such as
          CIFAR-10, whose classes keep their meaning in a mirror): ``auto``,
          without its shifts when the images are under 2x2 pixels.
    X : ndarray of shape (n, H, W) or (n, H, W, C)
        Training images (all of a dataset's, whatever part a run uses, so
        that every point of a learning curve gets the same).
    auto : {"none", "hflip", "hflip+shift"}, default="hflip"
        What ``"auto"`` stands for on color images: the row's
        :attr:`pipelines.PipelineSpec.auto_augment`.
    in_batches : bool, default=True
        Whether the row draws its augmentation per mini-batch
        (:attr:`pipelines.PipelineSpec.augments_in_batches`); a row that
        does not gets the mirror part alone, as copies.

    Returns
    -------
    Augment

    Raises
    ------
    ValueError
        If ``augment`` or ``auto`` is not one of the accepted values.

    Examples
    --------
    >>> resolve_augment("auto", np.zeros((2, 8, 8), np.uint8), auto="hflip+shift").name
    'none'
    >>> photos = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), np.uint8)
    >>> resolve_augment("auto", photos, auto="hflip+shift")
    Augment(hflip=True, shift=2)
    >>> resolve_augment("hflip+shift", photos, in_batches=False).name
    'hflip'
    """
    X = np.asarray(X)
    augment = check_request(augment, X.shape[1:])
    if augment == "auto":
        if auto not in ("none", "hflip", "hflip+shift"):
            raise ValueError(f"auto must be 'none', 'hflip' or 'hflip+shift'; got {auto!r}.")
        # Shifts need images of 2x2 pixels or more.
        augment = "none" if not _is_color(X) else auto if min(X.shape[1:3]) >= 2 else "hflip"
    augment = Augment.parse(augment, image_shape=X.shape[1:])
    return augment if in_batches else augment.mirrors
