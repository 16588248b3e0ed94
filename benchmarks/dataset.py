"""The dataset object every loader returns, and the splits carved out of it."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

__all__ = ["Dataset", "DatasetError", "validation_split", "stratified_subset"]


class DatasetError(ValueError):
    """A dataset on disk is present but unusable (corrupt, truncated, inconsistent).

    Examples
    --------
    >>> try:
    ...     raise DatasetError("data_batch_1 is truncated")
    ... except ValueError as exc:  # a DatasetError is a ValueError
    ...     print(type(exc).__name__, exc)
    DatasetError data_batch_1 is truncated
    """


@dataclass(frozen=True)
class Dataset:
    """Images and labels of a train/test split.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, H, W, C) or (n_train, H, W), uint8
        Training images, values in [0, 255].
    y_train : ndarray of shape (n_train,), int64
        Training labels, indices into ``class_names``.
    X_test : ndarray of shape (n_test, H, W, C) or (n_test, H, W), uint8
        Test images.
    y_test : ndarray of shape (n_test,), int64
        Test labels.
    class_names : tuple of str
        Name of each class, in label order.
    name : str, default="dataset"
        Short name used in reports ("cifar10", "digits", ...).
    source : str, default=""
        Where the data came from (a path, or "scikit-learn").

    Examples
    --------
    >>> ds = Dataset(np.zeros((2, 4, 4), np.uint8), np.array([0, 1]),
    ...              np.zeros((1, 4, 4), np.uint8), np.array([1]), ("a", "b"))
    >>> ds.image_shape, ds.n_classes
    ((4, 4), 2)
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    name: str = "dataset"
    source: str = ""
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def image_shape(self):
        """Shape of one image, (H, W) or (H, W, C)."""
        return tuple(self.X_train.shape[1:])

    @property
    def n_classes(self):
        """Number of classes."""
        return len(self.class_names)

    def class_counts(self):
        """Images per class in each split.

        Returns
        -------
        pandas.DataFrame
            Index: class names; columns ``train`` and ``test``.
        """
        k = self.n_classes
        return pd.DataFrame(
            {
                "train": np.bincount(self.y_train, minlength=k),
                "test": np.bincount(self.y_test, minlength=k),
            },
            index=pd.Index(list(self.class_names), name="class"),
        )

    def summary(self):
        """A few lines a person reads: name, source, shapes, dtype, class counts."""
        counts = self.class_counts()
        lines = [
            f"dataset: {self.name}" + (f" ({self.source})" if self.source else ""),
            f"train: {self.X_train.shape} {self.X_train.dtype}, "
            f"test: {self.X_test.shape} {self.X_test.dtype}, {self.n_classes} classes",
            counts.to_string(),
        ]
        return "\n".join(lines)


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
    X_sub, _, y_sub, _ = train_test_split(
        X, y, train_size=int(size), stratify=y, random_state=random_state
    )
    return X_sub, y_sub
