"""HSV conversion equal to scikit-image's, and histogram binning equal to numpy's, fast.

The kernels of :mod:`features.color` and :mod:`features._hue_table`: both
import them from here, so neither imports the other.
"""

import functools

import numpy as np

__all__ = ["rgb_to_hsv", "exact_bin_indices", "bin_indices"]


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


# Values in [0, 1] are binned through the top 16 bits of their float32 pattern.
_HIGH_BITS = 16


@functools.lru_cache(maxsize=32)
def _float32_bin_lut(bins):
    """Bin of every float32 top-16-bit bucket within [0, 1]; -1 where it is not one bin.

    Binning is monotonic, so a bucket whose smallest and largest float32
    values share a bin holds only that bin; no rounding is involved (the
    table is looked up with the value's own bits). Buckets that straddle an
    edge, or lie outside [0, 1], are -1 and their values take
    :func:`exact_bin_indices`.
    """
    high = np.arange(1 << 16, dtype=np.uint32) << _HIGH_BITS
    lo, hi = high.view(np.float32), (high | 0xFFFF).view(np.float32)
    with np.errstate(invalid="ignore"):
        inside = (lo >= 0) & (hi <= 1) & ~np.signbit(lo)
    lo_bin = exact_bin_indices(np.where(inside, lo, 0), bins)
    hi_bin = exact_bin_indices(np.where(inside, hi, 0), bins)
    lut = np.where(inside & (lo_bin == hi_bin), lo_bin, -1)
    # The bucket of 1.0 also holds values above 1, which validated images
    # and HSV never produce; 1.0 itself is in the last bin.
    lut[np.float32(1).view(np.uint32) >> _HIGH_BITS] = bins - 1
    return lut


def exact_bin_indices(values, bins):
    """Bin index of every value in [0, 1], exactly as :func:`numpy.histogram` bins.

    Examples
    --------
    >>> exact_bin_indices(np.array([0.0, 0.25, 0.5, 1.0]), 4).tolist()
    [0, 1, 2, 3]
    """
    edges = np.linspace(0.0, 1.0, bins + 1, dtype=values.dtype)
    idx = (values * values.dtype.type(bins)).astype(np.intp)
    np.minimum(idx, bins - 1, out=idx)
    # The product can land one bin off within an ulp of an edge; numpy
    # corrects against the edges the same way.
    idx -= values < edges[idx]
    idx += (values >= edges[idx + 1]) & (idx != bins - 1)
    return idx


def bin_indices(values, bins):
    """:func:`exact_bin_indices`, by table lookup for float32 values.

    Examples
    --------
    >>> bin_indices(np.array([0.0, 0.25, 0.5, 1.0], np.float32), 4).tolist()
    [0, 1, 2, 3]
    """
    if values.dtype != np.float32:
        return exact_bin_indices(values, bins)
    shape = values.shape
    values = values.reshape(-1)  # C order, so flat positions agree below
    key = values.view(np.uint32) >> _HIGH_BITS
    idx = _float32_bin_lut(bins)[key.astype(np.intp)]
    unsure = np.flatnonzero(idx < 0)
    if unsure.size:
        idx[unsure] = exact_bin_indices(values[unsure], bins)
    return idx.reshape(shape)
