"""Color histograms: how much of an image falls in each color bin.

The HSV conversion is scikit-image's (:func:`skimage.color.rgb2hsv`) done with
the same float operations in the same order, so the values are bit-for-bit
equal, but on contiguous whole planes with masked copies instead of boolean
fancy indexing, which is several times faster on a batch. Binning is
:func:`numpy.histogram`'s with ``range=(0, 1)``: bin ``i`` holds values in
``[i / bins, (i + 1) / bins)`` and the last bin also holds 1; float32 values
get their bin from a table indexed by their top 16 bits, with numpy's own
edge comparisons for the few values whose bucket straddles an edge.
8-bit RGB batches get their hue bins from a table over all 2**24 colors
(:mod:`features._hue_table`), built once per process by the first batch of
at least ``_TABLE_MIN_PIXELS`` pixels: one gather instead of the HSV
conversion, with the same bins.
"""


import numpy as np
from sklearn.base import BaseEstimator

from ._base import ImageTransformerMixin
from ._chunks import CHUNK_PIXELS
from ._hsv_bins import bin_indices, rgb_to_hsv
from ._hue_table import MAX_TABLE_BINS, cached_hue_table, color_keys, hue_table
from ._validation import to_float_images
from .checks import check_bool, check_choice, check_int

__all__ = ["ColorHistogram", "rgb_to_hsv"]

COLOR_SPACES = ("rgb", "hsv")
CHANNEL_NAMES = {"rgb": ("red", "green", "blue"), "hsv": ("hue", "saturation", "value")}


# 8-bit batches of at least this many pixels build the hue table (features._hue_table).
_TABLE_MIN_PIXELS = 1 << 22

def _count_bytes(values, n_values):
    """:func:`_count_rows` of uint8 rows whose length is a multiple of 8.

    The 0/1 bytes of each comparison are summed as uint64 words: every byte
    lane of a word sum counts its own positions, and stays exact for up to
    255 words, so rows are summed in runs of 255 words and the lanes added
    at the end. This reads each comparison once, with no widening cast.
    """
    n, m = values.shape
    values = np.ascontiguousarray(values)
    starts = np.arange(0, m // 8, 255)
    equal = np.empty((n, m), dtype=bool)
    lanes = np.empty((n, n_values, starts.size), dtype=np.uint64)
    for v in range(n_values):
        np.equal(values, v, out=equal)
        np.add.reduceat(equal.view(np.uint64), starts, axis=1, out=lanes[:, v])
    # The lanes of all values added in one call rather than one per value.
    return lanes.view(np.uint8).reshape(n, n_values, -1).sum(axis=2, dtype=np.intp)


def _count_rows(values, n_values):
    """Occurrences of 0 .. n_values - 1 in every row of ``values`` (n, m), shape (n, n_values).

    A few values are counted by comparison (one vectorized pass per value,
    summed in byte lanes of uint64 words or with 16-bit sums), which beats
    :func:`numpy.bincount` and its offset indices; more values by one
    bincount over the whole chunk.
    """
    n, m = values.shape
    if n_values <= 16 and values.dtype == np.uint8 and m % 8 == 0:
        return _count_bytes(values, n_values)
    if n_values <= 16 and m < 1 << 16:
        counts = np.empty((n, n_values), dtype=np.uint16)
        for v in range(n_values):
            np.add.reduce((values == v).view(np.uint8), axis=1, dtype=np.uint16,
                          out=counts[:, v])
        return counts
    flat = values.astype(np.intp) + (np.arange(n, dtype=np.intp) * n_values)[:, None]
    return np.bincount(flat.ravel(), minlength=n * n_values).reshape(n, n_values)


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
    chunk_size : int or None, default=None
        Images processed at once; None: as many as hold 65,536 pixels (64
        images of 32 x 32), at least one. Bounds the memory of intermediate
        arrays; chunks that stay in a core's cache are also faster
        than big ones.
    n_jobs : int or None, default=None
        Threads that process chunks in parallel; None means 1 (unless in a
        joblib ``parallel_config`` context), -1 all cores.

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

    _fit_uses_images = False  # fit only validates and records the image shape
    _chunk_pixels = CHUNK_PIXELS

    def __init__(self, color_space="hsv", channels=(0,), bins=10, joint=False,
                 chunk_size=None, n_jobs=None):
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
        fix = f"Pass indices of {self.color_space!r} channels, e.g. channels=(0,)."
        try:
            channels = tuple(channels)
        except TypeError:  # not a sequence: one channel index
            return (check_int(channels, "channels", low=0, high=2, fix=fix),)
        if not channels:
            raise ValueError("channels is empty; pass at least one channel index, e.g. (0,).")
        # A bad element has always been a ValueError, a wrong type included.
        channels = tuple(check_int(c, f"channels[{i}]", low=0, high=2, type_error=ValueError,
                                   fix=fix) for i, c in enumerate(channels))
        if len(set(channels)) != len(channels):
            raise ValueError(f"channels must not repeat a channel; got {self.channels!r}.")
        return channels

    def _check_params(self, image_shape):
        check_choice(self.color_space, "color_space", COLOR_SPACES)
        self._channel_list()
        check_int(self.bins, "bins", low=1)
        check_bool(self.joint, "joint")
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

    def _channel_values(self, images, channels):
        """Values of ``channels`` as a list of (n, H, W) arrays."""
        if images.shape[-1] == 1:
            gray = images[..., 0]
            if self.color_space == "rgb":
                return [gray] * len(channels)
            # HSV of a gray pixel: hue 0, saturation 0, value = gray level.
            return [gray if c == 2 else np.zeros_like(gray) for c in channels]
        if self.color_space == "rgb":
            return [images[..., c] for c in channels]
        return rgb_to_hsv(images, channels)

    def _uses_hue_table(self, images):
        """Whether 8-bit RGB ``images`` can get their hue bins from the color table."""
        return (images.dtype.kind in "iu" and images.shape[-1] == 3
                and self.color_space == "hsv" and 0 in self._channel_list()
                and self.bins <= MAX_TABLE_BINS)

    def _before_transform(self, images):
        # Building the table costs about what the float path spends on
        # 10 million pixels; a batch this big recovers most of it at once and
        # every later batch gains the whole speed-up.
        if self._uses_hue_table(images) and images[..., 0].size >= _TABLE_MIN_PIXELS:
            hue_table(self.bins, self.n_jobs)

    def _transform_raw_chunk(self, images, work_dtype):
        table = cached_hue_table(self.bins) if self._uses_hue_table(images) else None
        if table is None:
            return super()._transform_raw_chunk(images, work_dtype)
        known = {0: np.take(table, color_keys(images), mode="clip")}  # keys < 2**24
        if len(self._channel_list()) > 1:
            images = to_float_images(images, work_dtype)
        return self._histograms(images, known)

    def _transform_chunk(self, images):
        return self._histograms(images, {}).astype(images.dtype, copy=False)

    def _histograms(self, images, known):
        """Histograms (n, n_features_out_) in float64; ``known`` maps channels to their bins."""
        n = images.shape[0]
        n_pixels = images.shape[1] * images.shape[2]
        bins = self.bins
        channels = self._channel_list()
        missing = [c for c in channels if c not in known]
        values = dict(zip(missing, self._channel_values(images, missing))) if missing else {}
        flat = None
        for k, c in enumerate(channels):
            idx = known[c] if c in known else bin_indices(values[c], bins)
            idx = idx.reshape(n, n_pixels)
            if len(channels) == 1:
                flat = idx
            elif self.joint:
                idx = idx.astype(np.intp)
                flat = idx if flat is None else flat * bins + idx
            else:
                idx = idx + np.intp(k * bins)
                flat = idx if flat is None else np.concatenate([flat, idx], axis=1)
        return _count_rows(flat, self._n_features_out) / n_pixels
