"""scikit-learn's embedded 8x8 handwritten digits as a :class:`Dataset` (no download)."""

import numpy as np

from benchmarks.data.dataset import Dataset

__all__ = ["load_digits"]


def load_digits(test_fraction=0.25, random_state=0):
    """scikit-learn's embedded 8x8 handwritten digits as a :class:`Dataset`, offline.

    The 0-16 intensities are rescaled to uint8 0-255 so that every loader
    returns the same kind of images. Images are gray, shape (N, 8, 8) with
    no channel axis: the feature transformers read a 3-D batch as gray.

    Parameters
    ----------
    test_fraction : float in (0, 1), default=0.25
        Fraction of the 1,797 images held out for testing (stratified).
    random_state : int, default=0
        Seed of the split.

    Returns
    -------
    Dataset
        ``X_train`` (n_train, 8, 8) uint8, labels 0-9, ``class_names`` "0".."9".

    Examples
    --------
    >>> ds = load_digits()
    >>> ds.X_train.shape[1:], ds.X_train.dtype, ds.n_classes
    ((8, 8), dtype('uint8'), 10)
    """
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split

    if not (isinstance(test_fraction, float) and 0.0 < test_fraction < 1.0):
        raise ValueError(f"test_fraction must be a float in (0, 1); got {test_fraction!r}.")
    bunch = sk_load_digits()
    images = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        images, labels, test_size=test_fraction, stratify=labels, random_state=random_state
    )
    names = tuple(str(int(n)) for n in bunch.target_names)
    return Dataset(X_train, y_train, X_test, y_test, names, name="digits",
                   source="scikit-learn")
