"""The split one benchmark run uses: fit, validation and test parts, seeded and stratified.

The fit part may hold mirror images, or come with flips and shifts for the
classifier to draw per mini-batch (:mod:`benchmarks.harness.augment`); the
validation and test parts are never augmented.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from benchmarks.harness.augment import resolve_augment
from classifiers import Augment
from features.checks import check_bool, check_int, check_real

__all__ = ["Split", "SplitInfo", "make_split", "mirror_copies", "mirror_images",
           "validation_split", "stratified_subset"]


@dataclass(frozen=True)
class SplitInfo:
    """How a split was made: the data, the sizes, the seed and the augmentation.

    Attributes
    ----------
    dataset, source : str
        The dataset's name and where it was read.
    train_size, val_size, test_size : int
        Original images: training (fit + validation), validation, test.
    seed : int
    augment : Augment
        What the fit part trains on: mirror copies it holds, or (with
        ``in_batches``) what the classifier draws for every mini-batch.
    in_batches : bool
        Whether ``augment`` is drawn per mini-batch (never without one).
    test_mirrors : bool
        Whether each validation and test image is scored with its mirror image
        too (the mean of the two's class scores decides), for models trained
        on mirrors (never without them).

    Examples
    --------
    >>> SplitInfo("digits", "sklearn", 100, 10, 50, 0, Augment(shift=1), True).as_dict()
    ... # doctest: +NORMALIZE_WHITESPACE
    {'dataset': 'digits', 'source': 'sklearn', 'train_size': 100, 'val_size': 10,
     'test_size': 50, 'seed': 0, 'augment': 'shift', 'shift_pixels': 1,
     'augment_in_batches': True}
    """

    dataset: str = ""
    source: str = ""
    train_size: int = 0
    val_size: int = 0
    test_size: int = 0
    seed: int = 0
    augment: Augment = Augment()
    in_batches: bool = False
    test_mirrors: bool = False

    def as_dict(self):
        """The record saved with every row and point, and compared by ``--resume``."""
        doc = {"dataset": self.dataset, "source": self.source, "train_size": self.train_size,
               "val_size": self.val_size, "test_size": self.test_size, "seed": self.seed,
               "augment": self.augment.name}
        # Only then, so that the records of runs without them keep their keys.
        if self.augment.shift:
            doc["shift_pixels"] = self.augment.shift
        if self.in_batches:
            doc["augment_in_batches"] = True
        if self.test_mirrors:
            doc["test_mirrors"] = True
        return doc


@dataclass
class Split:
    """The three parts one benchmark run uses, and how they were made (``info``)."""

    X_fit: np.ndarray
    y_fit: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    info: SplitInfo = SplitInfo()

    @property
    def config(self):
        """``info`` as the dict saved with rows and points (:meth:`SplitInfo.as_dict`)."""
        return self.info.as_dict()

    @property
    def images(self):
        """The images a row's features are computed for: fit, validation and test, then,
        with ``info.test_mirrors``, the mirror images of the validation and test parts."""
        parts = (self.X_fit, self.X_val, self.X_test)
        if self.info.test_mirrors:
            parts += (mirror_images(self.X_val), mirror_images(self.X_test))
        return parts

    @property
    def part_sizes(self):
        """The number of images of each part :attr:`images` holds, without mirroring any."""
        sizes = (len(self.y_fit), len(self.y_val), len(self.y_test))
        return sizes + sizes[1:] if self.info.test_mirrors else sizes


def _check_size(value, n, option):
    if value is None:
        return None
    value = check_int(value, option, low=1, fix=f"Pass at most {n}, or 'all'.")
    if value > n:
        raise ValueError(
            f"{option}={value} is larger than the data ({n} images); pass at most {n} "
            f"or leave it out to use all of them."
        )
    return value


def _check_stratifiable(y, size, option, what):
    """Raise, naming ``option``, unless a stratified subset of ``size`` has every class."""
    k = len(np.unique(y))
    if size is not None and size < k:
        raise ValueError(
            f"{option}={size} is fewer than the {k} classes: the {what} needs an image of "
            f"each class. Pass at least {k}."
        )


def _n_val(val_size, n):
    """Validation images ``val_size`` stands for among ``n`` (scikit-learn's rounding)."""
    if isinstance(val_size, (float, np.floating)):
        check_real(val_size, "--val-size", low=0, high=1, low_open=True, high_open=True,
                   fix=_VAL_FIX)
        return int(np.ceil(val_size * n))
    return check_int(val_size, "--val-size", low=1, fix=_VAL_FIX)


_VAL_FIX = "Pass a fraction such as 0.1, or a whole number of images such as 500."


def _check_val_size(val_size, y, train_option):
    """Raise, naming the option at fault, unless ``val_size`` can split ``y`` stratified."""
    n, counts = len(y), np.bincount(y)
    counts = counts[counts > 0]
    k, n_val = len(counts), _n_val(val_size, len(y))
    if counts.min() < 2:
        raise ValueError(
            f"{train_option}={n} leaves a class with a single training image, which "
            f"cannot go to both the fit and the validation part. Pass a larger "
            f"{train_option}."
        )
    if n_val < k:
        raise ValueError(
            f"--val-size={val_size} gives {n_val} validation image(s) of {n} for {k} "
            f"classes; each class needs one. Pass at least {k} (or a fraction of at "
            f"least {k / n:.3g}), or a larger {train_option}."
        )
    if n - n_val < k:
        raise ValueError(
            f"--val-size={val_size} leaves {n - n_val} of {n} images to fit on, fewer "
            f"than the {k} classes. Pass at most {n - k} (or a smaller fraction)."
        )


def make_split(dataset, train_size=None, val_size=0.1, test_size=None, seed=0,
               augment=None, *, auto_augment="hflip", in_batches=False,
               train_option="--train-size", test_mirrors=False):
    """Carve the fit, validation and test parts out of a dataset, seeded and stratified.

    Parameters
    ----------
    dataset : Dataset
        Images and labels.
    train_size : int or None, default=None
        Training images used in all (fit + validation); ``None``: all of them.
    val_size : float in (0, 1) or int, default=0.1
        Validation part carved out of the training images (never the test images).
    test_size : int or None, default=None
        Test images used; ``None``: all of them.
    seed : int, default=0
        Seed of every subset and split.
    augment : {"auto", "none", "hflip", "shift", "hflip+shift"}, None or Augment, default=None
        Augmentation of the fit part (the validation and test parts never
        are), resolved by :func:`benchmarks.harness.augment.resolve_augment`
        (``"auto"``: ``auto_augment`` on color images, none on gray ones).
        Without ``in_batches`` its mirror part is made as copies: with
        mirrors, the left-right mirror image of every fit image is appended
        (same label), so the pipeline trains on twice the images; shifts are
        never copied. With ``in_batches`` no copies are made: the classifier
        draws the whole augmentation per mini-batch. Meant for CIFAR-10-like
        photos, not for the digits, whose mirror images change meaning.
        What the fit part gets is ``split.info.augment``.
    auto_augment : {"hflip", "hflip+shift"}, default="hflip"
        What ``augment="auto"`` stands for on color images: the
        :attr:`pipelines.PipelineSpec.auto_augment` of the rows the split is for.
    in_batches : bool, default=False
        For rows whose classifier draws the augmentation per mini-batch
        (:attr:`pipelines.PipelineSpec.augments_in_batches`): the fit part is
        the fit images alone.
    train_option : str, default="--train-size"
        The option ``train_size`` came from, named by its errors (a learning
        curve passes ``"--sizes"``).
    test_mirrors : bool, default=False
        Score each validation and test image with its mirror image too
        (``--test-mirrors``), when the fit part trains on mirrors (copies or
        draws); without mirrors it is off (``split.info.test_mirrors``).

    Returns
    -------
    Split

    Raises
    ------
    ValueError, TypeError
        Before any work, naming the option at fault (``--seed``, ``--val-size``,
        ``--train-size``, ``--test-size``, ``--augment``): a seed outside
        [0, 2**32 - 1], a size that is not a positive integer, is larger than
        the data or leaves a class without an image in a part, a validation
        size that is neither a fraction in (0, 1) nor a count, an unknown
        ``augment`` or one that shifts images smaller than 2x2.

    Examples
    --------
    >>> from benchmarks.data import Dataset
    >>> X, y = np.zeros((80, 8, 8, 3), np.uint8), np.arange(80) % 3
    >>> ds = Dataset(X[:60], y[:60], X[60:], y[60:], ("a", "b", "c"))
    >>> split = make_split(ds, val_size=12, augment="hflip")
    >>> len(split.y_fit), len(split.y_val), len(split.y_test), split.info.augment.name
    (96, 12, 20, 'hflip')
    """
    # Resolved first, so that a bad value is refused before any work, and once, so
    # that "auto" and the value it stands for give the same info (and share cached
    # rows); on all the training images, so every point of a learning curve gets the same.
    augment = resolve_augment(augment, dataset.X_train, auto_augment, in_batches)
    # Asked for only: the default scores each image once (docs/decisions.md#test-mirrors-opt-in).
    test_mirrors = check_bool(test_mirrors, "--test-mirrors")
    # Checked here, so that a bad seed is not reported by the first scikit-learn
    # call that receives it, as a problem of another option.
    seed = check_int(seed, "--seed", low=0, high=2**32 - 1)
    n_train, n_test = len(dataset.y_train), len(dataset.y_test)
    train_size = _check_size(train_size, n_train, train_option)
    test_size = _check_size(test_size, n_test, "--test-size")
    _check_stratifiable(dataset.y_train, train_size, train_option, "training part")
    _check_stratifiable(dataset.y_test, test_size, "--test-size", "test part")
    _n_val(val_size, n_train)
    X_tr, y_tr = stratified_subset(dataset.X_train, dataset.y_train, train_size, seed)
    X_te, y_te = stratified_subset(dataset.X_test, dataset.y_test, test_size, seed)
    _check_val_size(val_size, y_tr, train_option)
    X_fit, X_val, y_fit, y_val = validation_split(X_tr, y_tr, val_size, seed)
    if not in_batches:
        # Mirrors are added after the validation split, so no mirror of a
        # validation image is ever trained on.
        X_fit, y_fit = mirror_copies(X_fit, y_fit, augment)
    # train_size and val_size count original images; the fit part holds
    # (train_size - val_size) images, twice that with mirror copies.
    info = SplitInfo(dataset.name, dataset.source, int(len(y_tr)), int(len(y_val)),
                     int(len(y_te)), int(seed), augment, bool(in_batches and augment),
                     test_mirrors and augment.hflip)
    return Split(X_fit, y_fit, X_val, y_val, X_te, y_te, tuple(dataset.class_names), info)


def validation_split(X, y, val_size=0.1, random_state=0):
    """Carve a seeded, stratified validation split out of a training set.

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        Training images or features.
    y : ndarray of shape (n_samples,)
        Training labels.
    val_size : float in (0, 1) or int >= 1, default=0.1
        Fraction or number of samples held out for validation.
    random_state : int, RandomState or None, default=0
        Seed of the split; the same seed gives the same split.

    Returns
    -------
    X_fit, X_val, y_fit, y_val : ndarrays
        The remaining training part and the validation part.

    Raises
    ------
    ValueError
        If ``val_size`` is out of range or leaves a class without a sample.

    Examples
    --------
    >>> X, y = np.arange(20).reshape(10, 2), np.array([0, 1] * 5)
    >>> X_fit, X_val, y_fit, y_val = validation_split(X, y, val_size=0.2)
    >>> len(y_fit), np.bincount(y_val).tolist()
    (8, [1, 1])
    """
    n = len(y)
    if isinstance(val_size, float):
        if not 0.0 < val_size < 1.0:
            raise ValueError(f"val_size as a fraction must be in (0, 1); got {val_size}.")
    elif not (isinstance(val_size, (int, np.integer)) and 1 <= val_size < n):
        raise ValueError(
            f"val_size must be a fraction in (0, 1) or a count in [1, {n - 1}] "
            f"(the training set has {n} samples); got {val_size!r}."
        )
    return train_test_split(X, y, test_size=val_size, stratify=y, random_state=random_state)


def stratified_subset(X, y, size, random_state=0):
    """A seeded, stratified subset of ``size`` samples (all of them if ``size`` is None).

    Raises
    ------
    ValueError
        If ``size`` is larger than the number of samples or smaller than the
        number of classes.

    Examples
    --------
    >>> X, y = np.arange(20).reshape(10, 2), np.array([0, 1] * 5)
    >>> X_sub, y_sub = stratified_subset(X, y, 4)
    >>> X_sub.shape, np.bincount(y_sub).tolist()
    ((4, 2), [2, 2])
    """
    n = len(y)
    if size is None or size == n:
        return X, y
    n_classes = len(np.unique(y))
    if not (isinstance(size, (int, np.integer)) and n_classes <= size <= n):
        raise ValueError(
            f"size must be an integer between the number of classes ({n_classes}) and "
            f"the number of samples ({n}); got {size!r}."
        )
    # Left out, fewer images than classes cannot be stratified (scikit-learn
    # refuses); leaving out so few keeps the class proportions anyway.
    stratify = y if n - size >= n_classes else None
    X_sub, _, y_sub, _ = train_test_split(
        X, y, train_size=int(size), stratify=stratify, random_state=random_state
    )
    return X_sub, y_sub


def mirror_copies(X, y, augment):
    """Images ``X`` and labels ``y`` followed by their mirror images when ``augment`` says so.

    Parameters
    ----------
    X : ndarray of shape (n, H, W) or (n, H, W, C)
    y : ndarray of shape (n,)
    augment : Augment
        Its mirror part: with ``hflip``, the left-right mirror image of every
        image (``X[:, :, ::-1]``) is appended. Shifts are never copied.

    Returns
    -------
    X_aug : ndarray of shape (k * n, ...)
        ``X`` first, then the mirror images; k is 1 or 2.
    y_aug : ndarray of shape (k * n,)

    Raises
    ------
    ValueError
        For an augmentation with shifts: they are drawn per mini-batch.

    Examples
    --------
    >>> X, y = mirror_copies(np.arange(8).reshape(2, 2, 2), np.array([0, 1]),
    ...                      Augment(hflip=True))
    >>> X[2].tolist(), y.tolist()
    ([[1, 0], [3, 2]], [0, 1, 0, 1])
    """
    if augment.shift:
        raise ValueError(
            f"mirror_copies makes mirror copies only; got {augment.name!r}. Shifts are drawn "
            "per mini-batch by the raw-pixel classifiers; pass augment.mirrors.")
    if augment.hflip:
        # The view, not mirror_images's copy: concatenate copies it once.
        X, y = np.concatenate([X, X[:, :, ::-1]]), np.concatenate([y, y])
    return X, y


def mirror_images(X):
    """The left-right mirror image of every image of ``X``, as a new array.

    Parameters
    ----------
    X : ndarray of shape (n, H, W) or (n, H, W, C)

    Returns
    -------
    ndarray of the shape and dtype of ``X``, C-contiguous

    Examples
    --------
    >>> mirror_images(np.arange(4).reshape(1, 2, 2)).tolist()
    [[[1, 0], [3, 2]]]
    """
    return np.ascontiguousarray(X[:, :, ::-1])
