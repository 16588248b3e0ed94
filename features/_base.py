"""A small base for transformers that turn a batch of images into feature vectors.

Every image feature shares the same plumbing: validate the batch (one rule for
dtypes and value ranges, see :mod:`features._validation`), remember the image
shape seen at ``fit`` so that ``transform`` refuses a different one, run the
batched kernel over bounded chunks of images (optionally on several
threads), and name the output columns so that ``set_output(transform="pandas")``
and :class:`~sklearn.pipeline.FeatureUnion` work.

A subclass (``class MyFeature(ImageTransformerMixin, BaseEstimator)``)
implements:

``_check_params(self, image_shape)``
    Validate hyperparameters, also against ``(H, W, C)``; raise before any work.
``_fit_images(self, images, y)`` (optional)
    Learn state from the validated float images; the default learns nothing.
``_n_features_out`` (property)
    Number of output columns, available once fitted.
``_feature_names(self)``
    List of ``_n_features_out`` column names.
``_transform_chunk(self, images, **batch)``
    Map float images of shape (n, H, W, C) to an array (n, D); must not loop
    over images in Python. ``batch`` is what ``_before_transform`` returned.

Optional hooks of ``transform``, in the order it calls them:
``_check_transform_params(self)`` checks, before anything else, the
parameters that may change between fit and transform;
``_before_transform(self, images)`` sees the whole validated batch (to build
a lookup table worth it for the batch, say) and may return a dict of keyword
arguments for every chunk of that batch; ``_transform_raw_chunk(self, images,
work_dtype, **batch)`` gets each chunk in its own dtype, for kernels that are
faster on 8-bit input (the default converts it to floats of ``work_dtype``
and calls ``_transform_chunk``). ``_work_dtype`` and ``_default_chunk_size``
set the float dtype of the kernels and the chunk size when ``chunk_size`` is
None; ``_chunk_products`` says what the chunks spend their time on, from
which :func:`features.threads.chunk_blas_threads` decides their BLAS threads.

It may override ``_check_images_kwargs`` (e.g. ``{"n_channels": 3}``) to
restrict the accepted input, and set ``_fit_uses_images = False`` when
``fit`` needs no float copy of the whole batch: it learns nothing from the
pixels, or ``_fit_images`` converts only what it samples (it then gets the
validated images in their own dtype). ``transform`` validates the whole batch, then converts it to
floats one chunk at a time. Chunking reads the ``chunk_size`` and ``n_jobs``
attributes when the subclass has them as parameters.
"""

import threading

import numpy as np
from scipy import sparse
from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._chunks import iter_chunks, pixel_chunk_size
from .threads import blas_limit, chunk_blas_threads, n_workers, thread_map
from ._validation import check_image_shape, check_images, output_dtype, to_float_images
from .checks import check_int, check_n_jobs

__all__ = ["ImageTransformerMixin", "iter_chunks", "n_workers", "thread_map"]


class ImageTransformerMixin(TransformerMixin):
    """Validation, fitted image shape, chunked extraction and feature names.

    A :class:`~sklearn.base.TransformerMixin` (``fit_transform``,
    ``set_output``); it defines ``transform`` itself so that scikit-learn's
    output wrapping (pandas) applies to it. Put it first among the bases:
    ``class F(ImageTransformerMixin, BaseEstimator)`` (also listing
    ``TransformerMixin`` after it is harmless). See the module
    docstring for the hooks a subclass implements.

    Fitted attributes set by :meth:`fit`: ``image_shape_`` (H, W, C) of the
    training images (a 3-D batch counts as C = 1) and ``n_features_out_``.

    Output dtype: float64 images give float64 features; every other input
    (uint8, float32, ...) gives float32 (:func:`features._validation.output_dtype`).

    Examples
    --------
    A feature that is the mean of every channel:

    >>> from sklearn.base import BaseEstimator
    >>> class MeanColor(ImageTransformerMixin, BaseEstimator):
    ...     _n_features_out = property(lambda self: self.image_shape_[2])
    ...     def _transform_chunk(self, images):  # floats in [0, 1], shape (n, H, W, C)
    ...         return images.mean(axis=(1, 2))
    >>> X = np.zeros((2, 4, 4, 3), dtype=np.uint8); X[1] = 255
    >>> mc = MeanColor().fit(X)
    >>> mc.image_shape_, mc.n_features_out_
    ((4, 4, 3), 3)
    >>> mc.transform(X).tolist()
    [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    """

    #: Whether ``_fit_images`` needs the float images; features that learn
    #: nothing, or convert only a sample, set False (no float copy of the batch).
    _fit_uses_images = True

    #: BLAS threads while chunks are transformed (None: no cap). Kernels whose
    #: matrix products are small per chunk set 1: BLAS threads would only
    #: spin beside the chunk threads (or beside the other core's work).
    # What the chunks spend their time on, for the thread policy
    # (features.threads.chunk_blas_threads): None, no product to speak of.
    _chunk_products = None

    #: Pixels per chunk when ``chunk_size`` is None (None: the whole batch in one
    #: chunk). Per-pixel kernels set :data:`features._chunks.CHUNK_PIXELS`.
    _chunk_pixels = None

    def _check_images_kwargs(self):
        return {}

    def _check_params(self, image_shape):
        """Validate hyperparameters against ``image_shape`` = (H, W, C)."""

    def _fit_images(self, images, y):
        """Learn from validated images; the default feature learns nothing."""

    def _validate_images(self, X, *, reset, convert=True):
        """Check ``X`` and return it as float images (N, H, W, C) in [0, 1].

        With ``reset=True`` (fit) the hyperparameters are checked against the
        image shape and ``image_shape_`` is recorded; otherwise the estimator
        must be fitted and the shape must match the one seen at fit. A 3-D
        array whose last axis is 3 or 4 is refused (one color image without its
        batch axis) unless the estimator was fitted on gray images. With
        ``convert=False`` the validated batch keeps its dtype (see
        :func:`features._validation.to_float_images`).
        """
        if not reset:
            check_is_fitted(self, "image_shape_")
        if sparse.issparse(X):
            raise TypeError(
                f"{type(self).__name__} got a sparse matrix; sparse input is not supported. "
                f"Pass a dense batch of images of shape (N, H, W) or (N, H, W, C)."
            )
        if np.iscomplexobj(X):
            # Worded as scikit-learn words it, so that its common checks recognize it.
            raise ValueError(
                f"Complex data not supported: {type(self).__name__} needs real-valued "
                f"images (uint8 in [0, 255] or float in [0, 1])."
            )
        shape = np.shape(X)
        if len(shape) == 3 and shape[-1] in (3, 4) and (reset or self.image_shape_[-1] != 1):
            # One color image read as a batch would be H gray images of W x C pixels.
            raise ValueError(
                f"{type(self).__name__} got an array of shape {shape}: one color image, "
                f"not a batch of them; add a batch axis: X[np.newaxis]. (A batch of gray "
                f"images {shape[-1]} pixels wide is passed as (N, H, {shape[-1]}, 1).)"
            )
        images = check_images(X, convert=convert, **self._check_images_kwargs())
        if reset:
            if getattr(self, "chunk_size", None) is not None:
                check_int(self.chunk_size, "chunk_size", low=1)
            # Every bad n_jobs has always raised ValueError here.
            check_n_jobs(getattr(self, "n_jobs", None), type_error=ValueError)
            self._check_params(tuple(images.shape[1:]))
            self.image_shape_ = tuple(int(s) for s in images.shape[1:])
        else:
            check_image_shape(images, self.image_shape_)
        return images

    def fit(self, X, y=None):
        """Validate the parameters and record the image shape.

        Parameters
        ----------
        X : array-like of shape (N, H, W) or (N, H, W, C)
            uint8 images in [0, 255] or float images in [0, 1].
        y : None or array-like of shape (N,), default=None
            Ignored by features that learn nothing from labels.

        Returns
        -------
        self : object
            The fitted transformer.

        Raises
        ------
        ValueError, TypeError
            For a bad batch or hyperparameter (see the class docstring).
        """
        images = self._validate_images(X, reset=True, convert=self._fit_uses_images)
        self._fit_images(images, y)
        self.n_features_out_ = int(self._n_features_out)
        return self

    def transform(self, X):
        """Extract the features of every image.

        The batch is validated whole, then transformed in chunks of
        ``chunk_size`` images on ``n_jobs`` threads.

        Parameters
        ----------
        X : array-like of shape (N, H, W) or (N, H, W, C)
            Images of the shape seen at fit, uint8 in [0, 255] or float in [0, 1].

        Returns
        -------
        features : ndarray of shape (N, n_features_out_)
            float64 for float64 images, float32 otherwise.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If called before ``fit``.
        ValueError, TypeError
            For a bad batch or an image shape different from the one at fit.
        """
        return self._transform(X, None)

    def transform_into(self, X, out):
        """Write the features of ``X`` into ``out``, chunk by chunk, and return ``out``.

        The same numbers as :meth:`transform` without its full-size result:
        ``out`` may be a column slice of a larger array (the block of one
        feature among several).

        Parameters
        ----------
        X : array-like of shape (N, H, W) or (N, H, W, C)
            As for :meth:`transform`.
        out : ndarray of shape (N, n_features_out_)
            Float array the features are written to (cast to its dtype).

        Returns
        -------
        out : ndarray

        Raises
        ------
        ValueError
            If ``out`` does not have ``N`` rows of ``n_features_out_`` columns,
            or for what :meth:`transform` raises.

        Examples
        --------
        >>> from features import HOG, ColorHistogram
        >>> X = np.random.default_rng(0).integers(0, 256, (5, 16, 16, 3), dtype=np.uint8)
        >>> hog, color = HOG(chunk_size=2).fit(X), ColorHistogram().fit(X)
        >>> both = np.empty((5, hog.n_features_out_ + color.n_features_out_), np.float32)
        >>> _ = hog.transform_into(X, both[:, :hog.n_features_out_])
        >>> _ = color.transform_into(X, both[:, hog.n_features_out_:])
        >>> bool((both == np.hstack([hog.transform(X), color.transform(X)])).all())
        True
        """
        return self._transform(X, out)

    def _transform(self, X, out):
        self._check_transform_params()
        # Validate the whole batch first (errors before any work), then convert
        # to floats chunk by chunk so memory stays bounded by chunk_size.
        images = self._validate_images(X, reset=False, convert=False)
        if out is not None and out.shape != (images.shape[0], self.n_features_out_):
            raise ValueError(
                f"out has shape {out.shape}; the features of {images.shape[0]} images are "
                f"({images.shape[0]}, {self.n_features_out_}). Pass an array of that shape."
            )
        dtype = output_dtype(images.dtype)
        work = self._work_dtype(images.dtype)
        batch = self._before_transform(images) or {}
        return self._map_chunks(
            lambda chunk: self._transform_raw_chunk(chunk, work, **batch).astype(
                dtype, copy=False),
            images, work, out)

    def _check_transform_params(self):
        """Check, first thing in ``transform``, parameters that may change after fit."""

    def _before_transform(self, images):
        """Prepare for a validated batch (e.g. build a table worth it for its size).

        Returns None or a dict of keyword arguments given to every
        ``_transform_raw_chunk`` call of this batch.
        """

    def _transform_raw_chunk(self, images, work_dtype, **batch):
        """Features of a chunk of validated images in their own dtype.

        The default converts to floats of ``work_dtype`` and calls
        ``_transform_chunk(floats, **batch)``; a subclass may compute directly
        on 8-bit input.
        """
        return self._transform_chunk(to_float_images(images, work_dtype), **batch)

    def _work_dtype(self, dtype):
        """Float dtype the kernels compute in for input of ``dtype``.

        8-bit (integer, bool) images are computed in float64, as scikit-image
        converts them, so results equal skimage's on real 8-bit images: float32
        gradients and hues put some pixels across an orientation or hue bin
        edge. Float images are computed in their own dtype. The output dtype
        rule is unchanged (float32 unless the input is float64).
        """
        return np.dtype(np.float64) if np.dtype(dtype).kind in "biu" else output_dtype(dtype)

    def _default_chunk_size(self, n_images, work_dtype):
        """Images per chunk when ``chunk_size`` is None.

        The whole batch, or as many images as hold ``_chunk_pixels`` pixels
        where a kernel sets it (:func:`features._chunks.pixel_chunk_size`).
        """
        if self._chunk_pixels is None:
            return n_images
        return pixel_chunk_size(self.image_shape_, self._chunk_pixels)

    def _chunk_blas_limit(self, workers):
        """BLAS threads while chunks run on ``workers`` threads (None: no cap)."""
        return chunk_blas_threads(workers, self._chunk_products)

    def _map_chunks(self, func, images, work_dtype, out=None):
        """Apply ``func`` to chunks of ``images`` and stack the (n, D) results (into ``out``).

        Chunks bound the memory of the kernels' intermediate arrays. Workers
        are threads: the kernels spend their time in numpy calls that release
        the GIL, and threads avoid copying the batch to other processes.
        """
        n = images.shape[0]
        chunk_size = getattr(self, "chunk_size", None)
        chunk_size = (self._default_chunk_size(n, work_dtype) if chunk_size is None
                      else check_int(chunk_size, "chunk_size", low=1))
        n_jobs = getattr(self, "n_jobs", None)
        slices = list(iter_chunks(n, chunk_size))
        if len(slices) == 1 and out is None:
            with blas_limit(self._chunk_blas_limit(1)):
                return func(images)
        # Each chunk writes its rows into one result, allocated by the first to
        # finish: no list of parts that a concatenation would copy once more.
        result, lock = [] if out is None else [out], threading.Lock()

        def work(s):
            part = func(images[s])
            with lock:
                if not result:
                    result.append(np.empty((n,) + part.shape[1:], dtype=part.dtype))
            result[0][s] = part

        with blas_limit(self._chunk_blas_limit(n_workers(n_jobs, len(slices)))):
            thread_map(work, slices, n_jobs)
        return result[0]

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : None
            Ignored: image inputs have no column names. Accepted so that
            :class:`~sklearn.pipeline.FeatureUnion` and ``Pipeline`` can pass it.

        Returns
        -------
        names : ndarray of str objects, shape (n_features_out_,)
        """
        check_is_fitted(self, "image_shape_")
        return np.asarray(self._feature_names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
