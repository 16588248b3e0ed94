"""Color histograms: how much of an image falls in each color bin.

The HSV conversion is scikit-image's (:func:`skimage.color.rgb2hsv`) done with
the same float operations in the same order, so the values are bit-for-bit
equal, but computed channel by channel with ``np.where`` instead of boolean
masks, which is several times faster on a batch. Binning is
:func:`numpy.histogram`'s with ``range=(0, 1)``: bin ``i`` holds values in
``[i / bins, (i + 1) / bins)`` and the last bin also holds 1.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator

from ._base import ImageTransformerMixin
from ._validation import check_positive_int

__all__ = ["ColorHistogram", "rgb_to_hsv"]

COLOR_SPACES = ("rgb", "hsv")
CHANNEL_NAMES = {"rgb": ("red", "green", "blue"), "hsv": ("hue", "saturation", "value")}


def rgb_to_hsv(images, channels=(0, 1, 2)):
    """HSV channels of a float RGB batch, equal to :func:`skimage.color.rgb2hsv`.

    Parameters
    ----------
    images : ndarray of shape (..., 3)
        Float RGB values in [0, 1].
    channels : sequence of int, default=(0, 1, 2)
        Which of hue (0), saturation (1) and value (2) to compute.

    Returns
    -------
    hsv : list of ndarray of shape images.shape[:-1]
        One array per requested channel, in the dtype of ``images``. Hue and
        saturation are 0 where the pixel is gray (max == min), as in skimage.

    Examples
    --------
    >>> import numpy as np
    >>> [float(c[0]) for c in rgb_to_hsv(np.array([[0.0, 0.0, 1.0]]))]
    [0.6666666666666666, 1.0, 1.0]
    """
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    v = np.maximum(np.maximum(r, g), b)
    out = {2: v}
    wanted = set(channels)
    if wanted & {0, 1}:
        delta = v - np.minimum(np.minimum(r, g), b)
        gray = delta == 0
        # Gray pixels divide by zero here; their results are overwritten below.
        with np.errstate(divide="ignore", invalid="ignore"):
            if 1 in wanted:
                out[1] = np.where(gray, 0, delta / v).astype(images.dtype, copy=False)
            if 0 in wanted:
                # skimage assigns red-max, then green-max, then blue-max pixels,
                # so on ties the later channel wins: same priority here.
                h = (g - b) / delta
                h = np.where(g == v, 2.0 + (b - r) / delta, h)
                h = np.where(b == v, 4.0 + (r - g) / delta, h)
                h /= 6.0
                np.mod(h, 1.0, out=h)
                h[gray] = 0
                out[0] = h
    return [out[c] for c in channels]


def _bin_indices(values, bins):
    """Bin index of every value in [0, 1], exactly as :func:`numpy.histogram` bins."""
    edges = np.linspace(0.0, 1.0, bins + 1, dtype=values.dtype)
    idx = (values * values.dtype.type(bins)).astype(np.intp)
    np.minimum(idx, bins - 1, out=idx)
    # The product can land one bin off within an ulp of an edge; numpy
    # corrects against the edges the same way.
    idx -= values < edges[idx]
    idx += (values >= edges[idx + 1]) & (idx != bins - 1)
    return idx


class ColorHistogram(ImageTransformerMixin, BaseEstimator):
    """Normalized color histograms of every image in a batch.

    The defaults are the lecture notes' feature: the hue of HSV in 10 bins.

    Parameters
    ----------
    color_space : {"hsv", "rgb"}, default="hsv"
        Color space of the histogram; HSV as :func:`skimage.color.rgb2hsv`
        computes it (all channels in [0, 1]).
    channels : int or sequence of int or None, default=(0,)
        Channels of ``color_space`` to histogram (0, 1, 2 = hue, saturation,
        value or red, green, blue); None means all three.
    bins : int, default=10
        Number of equal-width bins over [0, 1] per channel.
    joint : bool, default=False
        False: one histogram per channel, concatenated (``len(channels) *
        bins`` features). True: one histogram over the combinations of the
        channels' bins (``bins ** len(channels)`` features).
    chunk_size : int, default=1024
        Images processed at once (bounds the memory of intermediate arrays).
    n_jobs : int or None, default=None
        Chunks processed in parallel by joblib threads; None means 1.

    Attributes
    ----------
    image_shape_ : tuple of int
        (H, W, C) of the training images; a 3-D batch (N, H, W) counts as C = 1.
    n_features_out_ : int
        Number of output columns.

    Raises
    ------
    ValueError
        At fit, for an unknown color space, a channel outside 0..2 or repeated,
        or images with neither 1 nor 3 channels.

    Notes
    -----
    Every histogram is divided by the number of pixels, so each per-channel
    histogram (or the joint one) sums to 1 whatever the image size. Gray
    images ((N, H, W) or one channel) are treated as RGB with three equal
    channels: in HSV their hue and saturation are 0 (skimage's convention for
    gray pixels) and their value is the gray level.

    Input: (N, H, W) or (N, H, W, C), uint8 in [0, 255] or float in [0, 1].
    Output dtype: float64 images give float64; all other input gives float32.

    Examples
    --------
    >>> import numpy as np
    >>> red = np.zeros((1, 4, 4, 3), dtype=np.uint8); red[..., 0] = 255
    >>> ColorHistogram().fit_transform(red)
    array([[1., 0., 0., 0., 0., 0., 0., 0., 0., 0.]], dtype=float32)
    """

    def __init__(self, color_space="hsv", channels=(0,), bins=10, joint=False,
                 chunk_size=1024, n_jobs=None):
        self.color_space = color_space
        self.channels = channels
        self.bins = bins
        self.joint = joint
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs

    def _channel_list(self):
        channels = self.channels
        if channels is None:
            return (0, 1, 2)
        if isinstance(channels, numbers.Integral) and not isinstance(channels, bool):
            channels = (channels,)
        try:
            channels = tuple(channels)
        except TypeError:
            raise TypeError(
                f"channels must be an int, a sequence of ints in 0..2 or None; got {self.channels!r}."
            ) from None
        if not channels:
            raise ValueError("channels is empty; pass at least one channel index, e.g. (0,).")
        for c in channels:
            if isinstance(c, bool) or not isinstance(c, numbers.Integral) or not 0 <= c <= 2:
                raise ValueError(
                    f"channels must hold channel indices 0, 1 or 2 of {self.color_space!r}; "
                    f"got {self.channels!r}."
                )
        if len(set(channels)) != len(channels):
            raise ValueError(f"channels must not repeat a channel; got {self.channels!r}.")
        return tuple(int(c) for c in channels)

    def _check_params(self, image_shape):
        if self.color_space not in COLOR_SPACES:
            raise ValueError(f"color_space must be one of {COLOR_SPACES}; got {self.color_space!r}.")
        self._channel_list()
        check_positive_int(self.bins, "bins")
        if not isinstance(self.joint, (bool, np.bool_)):
            raise TypeError(f"joint must be True or False; got {self.joint!r}.")
        if image_shape[2] not in (1, 3):
            raise ValueError(
                f"ColorHistogram needs gray (1 channel) or RGB (3 channels) images; got "
                f"{image_shape[2]} channels. Drop an alpha channel with skimage.color.rgba2rgb."
            )

    @property
    def _n_features_out(self):
        k = len(self._channel_list())
        return self.bins ** k if self.joint else k * self.bins

    def _feature_names(self):
        names = [CHANNEL_NAMES[self.color_space][c] for c in self._channel_list()]
        if not self.joint:
            return [f"{name}_{b}" for name in names for b in range(self.bins)]
        grid = np.indices((self.bins,) * len(names)).reshape(len(names), -1).T
        return ["_".join(f"{name}{b}" for name, b in zip(names, combo)) for combo in grid]

    def _channel_values(self, images):
        """Requested channels as a list of (n, H, W) arrays."""
        channels = self._channel_list()
        if images.shape[-1] == 1:
            gray = images[..., 0]
            if self.color_space == "rgb":
                return [gray] * len(channels)
            # HSV of a gray pixel: hue 0, saturation 0, value = gray level.
            return [gray if c == 2 else np.zeros_like(gray) for c in channels]
        if self.color_space == "rgb":
            return [images[..., c] for c in channels]
        return rgb_to_hsv(images, channels)

    def _transform_chunk(self, images):
        n = images.shape[0]
        n_pixels = images.shape[1] * images.shape[2]
        bins = self.bins
        flat = None
        for k, values in enumerate(self._channel_values(images)):
            idx = _bin_indices(values.reshape(n, n_pixels), bins)
            if self.joint:
                flat = idx if flat is None else flat * bins + idx
            else:
                idx += k * bins
                flat = idx if flat is None else np.concatenate([flat, idx], axis=1)
        n_out = self._n_features_out
        flat += (np.arange(n) * n_out)[:, None]
        counts = np.bincount(flat.ravel(), minlength=n * n_out).reshape(n, n_out)
        return (counts / n_pixels).astype(images.dtype, copy=False)
