"""The dataset object every loader returns, and the errors of getting one."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Dataset", "DatasetError", "DownloadError", "UnsafeArchiveError"]


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


class DownloadError(OSError):
    """Network failure, truncated transfer, md5 mismatch, unreadable archive, or a
    target that already exists. An :class:`OSError`, so ``except OSError`` catches it."""


class UnsafeArchiveError(DownloadError):
    """A tar archive holds members that would escape the destination folder
    (absolute paths, ``..``, links leaving it) or special files (devices, fifos)."""


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
