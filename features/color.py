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

import functools

import numpy as np
from sklearn.base import BaseEstimator

from ._base import ImageTransformerMixin
from ._hue_table import MAX_TABLE_BINS, cached_hue_table, color_keys, hue_table
from ._validation import to_float_images
from .checks import check_bool, check_choice, check_int

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
    # Contiguous planes: numpy's SIMD loops skip strided (interleaved) views.
    r, g, b = (np.ascontiguousarray(images[..., c]) for c in range(3))
    v = np.maximum(r, g)
    np.maximum(v, b, out=v)
    out = {2: v}
    wanted = set(channels)
    if wanted & {0, 1}:
        delta = np.minimum(r, g)
        np.minimum(delta, b, out=delta)
        np.subtract(v, delta, out=delta)
        gray = delta == 0
        # Gray pixels divide by zero here; their results are overwritten below.
        with np.errstate(divide="ignore", invalid="ignore"):
            if 1 in wanted:
                s = delta / v
                s[gray] = 0
                out[1] = s
            if 0 in wanted:
                out[0] = _hue(r, g, b, v, delta, gray)
    return [out[c] for c in channels]


def _hue(r, g, b, v, delta, gray):
    """skimage's hue, operation for operation, from contiguous planes."""
    h = g - b
    h /= delta
    # skimage assigns red-max, then green-max, then blue-max pixels, so on
    # ties the later channel wins: same priority here.
    for plus, (x, y, top) in ((2.0, (b, r, g)), (4.0, (r, g, b))):
        t = x - y
        t /= delta
        t += plus
        np.copyto(h, t, where=top == v)
    h /= 6.0
    # ``h % 1.0`` for h in [-1/6, 5/6]: numpy's float mod adds 1 to negatives.
    np.add(h, 1.0, out=h, where=h < 0)
    h[gray] = 0
    return h


# 8-bit batches of at least this many pixels build the hue table (features._hue_table).
_TABLE_MIN_PIXELS = 1 << 22

# Values in [0, 1] are binned through the top 16 bits of their float32 pattern.
_HIGH_BITS = 16


@functools.lru_cache(maxsize=32)
def _float32_bin_lut(bins):
    """Bin of every float32 top-16-bit bucket within [0, 1]; -1 where it is not one bin.

    Binning is monotonic, so a bucket whose smallest and largest float32
    values share a bin holds only that bin; no rounding is involved (the
    table is looked up with the value's own bits). Buckets that straddle an
    edge, or lie outside [0, 1], are -1 and their values take
    :func:`_exact_bin_indices`.
    """
    high = np.arange(1 << 16, dtype=np.uint32) << _HIGH_BITS
    lo, hi = high.view(np.float32), (high | 0xFFFF).view(np.float32)
    with np.errstate(invalid="ignore"):
        inside = (lo >= 0) & (hi <= 1) & ~np.signbit(lo)
    lo_bin = _exact_bin_indices(np.where(inside, lo, 0), bins)
    hi_bin = _exact_bin_indices(np.where(inside, hi, 0), bins)
    lut = np.where(inside & (lo_bin == hi_bin), lo_bin, -1)
    # The bucket of 1.0 also holds values above 1, which validated images
    # and HSV never produce; 1.0 itself is in the last bin.
    lut[np.float32(1).view(np.uint32) >> _HIGH_BITS] = bins - 1
    return lut


def _exact_bin_indices(values, bins):
    """Bin index of every value in [0, 1], exactly as :func:`numpy.histogram` bins."""
    edges = np.linspace(0.0, 1.0, bins + 1, dtype=values.dtype)
    idx = (values * values.dtype.type(bins)).astype(np.intp)
    np.minimum(idx, bins - 1, out=idx)
    # The product can land one bin off within an ulp of an edge; numpy
    # corrects against the edges the same way.
    idx -= values < edges[idx]
    idx += (values >= edges[idx + 1]) & (idx != bins - 1)
    return idx


def _bin_indices(values, bins):
    """:func:`_exact_bin_indices`, by table lookup for float32 values."""
    if values.dtype != np.float32:
        return _exact_bin_indices(values, bins)
    shape = values.shape
    values = values.reshape(-1)  # C order, so flat positions agree below
    key = values.view(np.uint32) >> _HIGH_BITS
    idx = _float32_bin_lut(bins)[key.astype(np.intp)]
    unsure = np.flatnonzero(idx < 0)
    if unsure.size:
        idx[unsure] = _exact_bin_indices(values[unsure], bins)
    return idx.reshape(shape)


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
    chunk_size : int, default=256
        Images processed at once. Bounds the memory of intermediate arrays;
        chunks that stay in the CPU cache are also faster than big ones.
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

    def __init__(self, color_space="hsv", channels=(0,), bins=10, joint=False,
                 chunk_size=256, n_jobs=None):
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
            hue_table(self.bins)

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
            idx = known[c] if c in known else _bin_indices(values[c], bins)
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
