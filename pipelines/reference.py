"""Reference rows' parts: off-the-shelf features; scikit-learn fits on augmented batches.

A per-image loop of ``skimage.feature.hog`` plus a hue histogram from
``skimage.color.rgb2hsv`` and ``np.histogram``: the way a user would write it
without featbench, so the benchmark table can read our rows against it. The
raw-pixel references train a scikit-learn classifier by ``partial_fit`` on
mini-batches that :class:`PartialFitAugmented` flips and shifts afresh, as our
raw-pixel rows do, so that they see the same augmentation without a stored copy.
"""

import numpy as np
from joblib import Parallel, delayed
from skimage.color import rgb2gray, rgb2hsv
from skimage.feature import hog
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from classifiers.augment import augment_for_rows, check_augment, minibatches
from features.checks import check_int, check_n_jobs, check_pair
from features.threads import n_workers

__all__ = ["skimage_hog_hue", "SkimageHogHue", "reference_hog_color", "reference_pixels",
           "PartialFitAugmented"]


def skimage_hog_hue(images, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                    bins=10):
    """HoG of the gray image plus a normalized hue histogram, one image at a time.

    Parameters
    ----------
    images : ndarray of shape (N, H, W, 3) or (N, H, W)
        uint8 images. Gray images get no hue histogram (hue is undefined).
    orientations, pixels_per_cell, cells_per_block :
        Passed to ``skimage.feature.hog`` (block_norm "L2-Hys").
    bins : int, default=10
        Hue bins over [0, 1], counts divided by the number of pixels.

    Returns
    -------
    ndarray of shape (N, D), float64

    Examples
    --------
    >>> skimage_hog_hue(np.zeros((1, 16, 16, 3), np.uint8)).shape
    (1, 46)
    """
    images = np.asarray(images)
    color = images.ndim == 4 and images.shape[-1] == 3
    rows = []
    for img in images:
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        gray = rgb2gray(img) if color else img
        h = hog(gray, orientations=orientations, pixels_per_cell=pixels_per_cell,
                cells_per_block=cells_per_block, block_norm="L2-Hys")
        if color:
            hue = rgb2hsv(img)[..., 0]
            hist, _ = np.histogram(hue, bins=bins, range=(0.0, 1.0))
            h = np.concatenate([h, hist / hue.size])
        rows.append(h)
    return np.asarray(rows)


def _flatten_scaled(images):
    images = np.asarray(images)
    return images.reshape(len(images), -1).astype(np.float32) / np.float32(255)


class SkimageHogHue(TransformerMixin, BaseEstimator):
    """:func:`skimage_hog_hue` as a transformer, its images shared among processes.

    Parameters
    ----------
    pixels_per_cell : int or tuple of int, default=(8, 8)
        Passed to ``skimage.feature.hog``; ``n`` means ``(n, n)``.
    n_jobs : int or None, default=None
        Processes that share the images (-1: every core; None or 1: this
        process alone). Each image's features are the same on any.

    Raises
    ------
    TypeError, ValueError
        From :meth:`fit` and :meth:`transform`: a ``pixels_per_cell`` that is
        not one or two integers >= 1, or a bad ``n_jobs``.

    Examples
    --------
    >>> SkimageHogHue().fit_transform(np.zeros((2, 16, 16, 3), np.uint8)).shape
    (2, 46)
    """

    def __init__(self, pixels_per_cell=(8, 8), n_jobs=None):
        self.pixels_per_cell = pixels_per_cell
        self.n_jobs = n_jobs

    def _check_params(self):
        check_n_jobs(self.n_jobs)
        return check_pair(self.pixels_per_cell, "pixels_per_cell")

    def fit(self, X, y=None):
        """Nothing to learn; checks the parameters. Returns self."""
        self._check_params()
        return self

    def transform(self, X):
        """Features of the images ``X`` (N, H, W[, 3]) uint8: ndarray (N, D), float64."""
        kw = {"pixels_per_cell": self._check_params()}
        images = np.asarray(X)
        # The images' loop holds the GIL, so its workers are processes; a few
        # chunks each keep them busy to the end.
        workers = n_workers(self.n_jobs, len(images))
        if workers <= 1:
            return skimage_hog_hue(images, **kw)
        chunks = np.array_split(images, 4 * workers)
        parts = Parallel(n_jobs=workers)(delayed(skimage_hog_hue)(c, **kw) for c in chunks)
        return np.concatenate(parts)


def reference_hog_color(pixels_per_cell=(8, 8)):
    """The reference rows' HoG and hue features: a :class:`SkimageHogHue`.

    Examples
    --------
    >>> reference_hog_color(pixels_per_cell=(8, 8)).fit_transform(
    ...     np.zeros((2, 16, 16, 3), np.uint8)).shape  # 36 HoG + 10 hue bins
    (2, 46)
    """
    return SkimageHogHue(pixels_per_cell=pixels_per_cell)


def reference_pixels():
    """A ``FunctionTransformer`` that flattens uint8 images to float32 in [0, 1].

    Examples
    --------
    >>> out = reference_pixels().fit_transform(np.array([[[0, 255], [255, 0]]], np.uint8))
    >>> out.tolist(), out.dtype.name
    ([[0.0, 1.0, 1.0, 0.0]], 'float32')
    """
    return FunctionTransformer(_flatten_scaled)


def _estimator_has(method):
    return lambda self: hasattr(self.estimator_ if hasattr(self, "estimator_")
                                else self.estimator, method)


class PartialFitAugmented(ClassifierMixin, BaseEstimator):
    """Train a scikit-learn classifier by ``partial_fit`` on mini-batches augmented afresh.

    Every epoch visits the rows in a new random order, in mini-batches drawn by
    :func:`classifiers.augment.minibatches` (each row viewed as an image of
    ``image_shape``, mirrored and/or shifted anew), and passes each batch to
    ``estimator.partial_fit``. Memory holds one batch of augmented rows, never
    an augmented copy of the training set.

    Parameters
    ----------
    estimator : classifier with ``partial_fit``
        Cloned, then trained; e.g. ``SGDClassifier(loss="log_loss")``.
    max_epochs : int, default=20
        Passes over the training rows.
    batch_size : int, default=200
        Rows per call of ``partial_fit`` (capped at the number of rows).
    augment : {"none", "hflip", "shift", "hflip+shift"}, default="none"
        Per-batch augmentation (see :mod:`classifiers.augment`).
    shift : int or None, default=None
        Largest shift in pixels, >= 1 (None: 1/16 of the smaller image side,
        :func:`classifiers.augment.default_shift`, 2 for 32x32 images).
    image_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(H, W, C)`` of the images the rows hold; required with
        ``augment``.
    random_state : int, RandomState instance or None, default=None
        Seeds the order of the rows and the augmentation (the estimator keeps
        its own ``random_state``).

    Attributes
    ----------
    estimator_ : the trained clone of ``estimator``
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : int
        Epochs run.
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((40, 12)), np.arange(40) % 2
    >>> clf = PartialFitAugmented(SGDClassifier(random_state=0), max_epochs=3,
    ...                           augment="hflip", image_shape=(2, 2, 3), random_state=0)
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    def __init__(self, estimator, *, max_epochs=20, batch_size=200, augment="none", shift=None,
                 image_shape=None, random_state=None):
        self.estimator = estimator
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.augment = augment
        self.shift = shift
        self.image_shape = image_shape
        self.random_state = random_state

    def fit(self, X, y):
        """Train a clone of ``estimator`` for ``max_epochs`` epochs of augmented batches.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object

        Raises
        ------
        ValueError, TypeError
            Invalid parameters, naming the parameter; an ``estimator`` without
            ``partial_fit``; an ``image_shape`` that does not match the features.
        """
        check_int(self.max_epochs, "max_epochs", low=1)
        check_int(self.batch_size, "batch_size", low=1)
        check_augment(self.augment, self.shift)
        if not hasattr(self.estimator, "partial_fit"):
            raise TypeError(
                f"estimator must have a partial_fit method; got {self.estimator!r}. Pass "
                "e.g. sklearn.linear_model.SGDClassifier()."
            )
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        augment, shape = augment_for_rows(self.augment, self.shift, self.image_shape, X.shape[1])
        rng = check_random_state(self.random_state)
        gen = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        est = clone(self.estimator)
        batch_size = min(self.batch_size, X.shape[0])
        for _ in range(self.max_epochs):
            for idx, batch in minibatches(X, batch_size, gen, augment, shape):
                est.partial_fit(batch, y[idx], classes=self.classes_)
        self.estimator_, self.n_iter_ = est, self.max_epochs
        return self

    def _rows(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def predict(self, X):
        """Labels the trained estimator predicts for ``X`` (n_samples, n_features)."""
        return self.estimator_.predict(self._rows(X))

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the trained estimator, shape (n_samples, n_classes)."""
        return self.estimator_.predict_proba(self._rows(X))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Class scores of the trained estimator."""
        return self.estimator_.decision_function(self._rows(X))
