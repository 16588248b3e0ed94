"""Raw pixels as a feature: the baseline every classic feature is compared with."""

import numpy as np
from sklearn.base import BaseEstimator

from ._base import ImageTransformerMixin
from ._validation import output_dtype

__all__ = ["RawPixels"]


class RawPixels(ImageTransformerMixin, BaseEstimator):
    """Flatten each image into a vector of pixel values in [0, 1].

    No centering or scaling is done here: that belongs to a scaler step
    (e.g. :class:`~sklearn.preprocessing.StandardScaler`) of the pipeline.

    Attributes
    ----------
    image_shape_ : tuple of int
        (H, W, C) of the training images; a 3-D batch (N, H, W) counts as C = 1.
    n_features_out_ : int
        H * W * C.

    Notes
    -----
    Input: (N, H, W) or (N, H, W, C), uint8 in [0, 255] or float in [0, 1].
    Output dtype: float64 images stay float64; every other input (uint8,
    float32, ...) gives float32. Values are ordered row, column, channel
    (``X.reshape(N, -1)`` order) and divided by 255 for integer input.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.full((2, 4, 4, 3), 255, dtype=np.uint8)
    >>> Z = RawPixels().fit_transform(X)
    >>> Z.shape, Z.dtype, float(Z.max())
    ((2, 48), dtype('float32'), 1.0)
    """

    _fit_uses_images = False  # fit only validates and records the image shape

    @property
    def _n_features_out(self):
        h, w, c = self.image_shape_
        return h * w * c

    def _feature_names(self):
        h, w, c = self.image_shape_
        if c == 1:
            return [f"pixel_{y}_{x}" for y in range(h) for x in range(w)]
        return [f"pixel_{y}_{x}_{k}" for y in range(h) for x in range(w) for k in range(c)]

    def _transform_raw_chunk(self, images, work_dtype):
        if images.dtype.kind not in "iu":
            return super()._transform_raw_chunk(images, work_dtype)
        # Integer pixels (validated to [0, 255]) are looked up in a table of
        # the 256 values the float64 conversion gives, rounded to the output
        # dtype: the same numbers in one pass, without a float64 batch to
        # convert and copy (7x faster on 46,530 CIFAR-10 images).
        table = (np.arange(256) * (1.0 / 255)).astype(output_dtype(images.dtype))
        return table[images.reshape(images.shape[0], -1)]

    def _transform_chunk(self, images):
        # Float input of the output dtype arrives uncopied: copy so that
        # editing the features never edits the caller's images.
        return images.reshape(images.shape[0], -1).copy()
