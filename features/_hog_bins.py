"""Orientation bins of HoG gradients, equal to scikit-image's, without arctan2 per pixel.

scikit-image bins a gradient by ``rad2deg(arctan2(g_row, g_col)) % 180``
against float32-rounded edges. The orientation is a monotonic function of the
ratio ``g_row / g_col`` (with a wrap at 180 degrees), so the top 18 bits of the
float32 ratio (sign, exponent and 9 mantissa bits) already decide the bin of
almost every pixel: :func:`ratio_lut` tabulates the bin of each such bucket and
marks the few buckets near a bin change, whose pixels :func:`exact_bins` bins
the way skimage does. One division, a shift and a lookup replace arctan2,
rad2deg, the modulo and a search, and the bins stay exactly skimage's.
"""

import functools

import numpy as np

#: Leading bits of the float32 ratio that key the table (sign, exponent and
#: KEY_BITS - 9 mantissa bits). 18 bits leave about 0.3 % of CIFAR pixels
#: ambiguous (16 bits: 1 %) with a 256 KiB table that stays in the L2 cache.
KEY_BITS = 18
_LOW_BITS = 32 - KEY_BITS

__all__ = ["orientation_edges", "unsigned_angles", "angle_bins", "exact_bins", "ratio_lut",
           "orientation_bins"]


def orientation_edges(orientations):
    """Upper bin edges in degrees, rounded as skimage's Cython kernel rounds them.

    The kernel stores ``180 / orientations`` in a C float and multiplies it in
    float precision; bins are ``[edge_{i-1}, edge_i)`` compared in double.

    Examples
    --------
    >>> orientation_edges(4).tolist()
    [45.0, 90.0, 135.0, 180.0]
    >>> float(orientation_edges(7)[0])  # float32 180 / 7, not 25.714285714285715
    25.714284896850586
    """
    step = np.float32(180.0 / orientations)
    return (step * np.arange(1, orientations + 1, dtype=np.float32)).astype(np.float64)


def unsigned_angles(g_row, g_col):
    """skimage's unsigned orientation in degrees, [0, 180): float64 arctan2, then mod 180.

    Examples
    --------
    >>> g_row, g_col = np.array([1.0, 1.0, -1.0, 0.0]), np.array([1.0, -1.0, 0.0, -1.0])
    >>> unsigned_angles(g_row, g_col).tolist()  # 45, 135, -90 and 180 degrees, mod 180
    [45.0, 135.0, 90.0, 0.0]
    """
    angle = np.rad2deg(np.arctan2(g_row.astype(np.float64), g_col.astype(np.float64)))
    # Equal to skimage's ``angle % 180`` for angles in (-180, 180], without fmod's cost.
    np.add(angle, 180.0, out=angle, where=angle < 0)
    angle[angle == 180.0] = 0.0
    return angle


def angle_bins(angles, orientations):
    """Bins of unsigned angles in degrees, skimage's ``[edge_{i-1}, edge_i)`` comparison.

    Returns ints in [0, orientations]; ``orientations`` marks angles at or
    above a float32-rounded last edge below 180, which skimage counts nowhere.

    Examples
    --------
    >>> angle_bins(np.array([0.0, 19.9, 20.0, 179.9]), 9).tolist()  # edges 20, 40, ..., 180
    [0, 0, 1, 8]
    """
    return np.searchsorted(orientation_edges(orientations), angles, side="right")


def exact_bins(g_row, g_col, orientations):
    """Orientation bins computed as skimage computes them (float64 arctan2 in degrees).

    Returns ints in [0, orientations], as :func:`angle_bins`.

    Examples
    --------
    >>> g_row, g_col = np.array([1.0, 0.0, 1.0, -1.0]), np.array([1.0, 1.0, 0.0, 1.0])
    >>> exact_bins(g_row, g_col, 4).tolist()  # 45, 0, 90 and 135 degrees; edges 45, 90, ...
    [1, 0, 2, 3]
    """
    return angle_bins(unsigned_angles(g_row, g_col), orientations)


def _bucket_bins(orientations):
    """Exact bin at both ends of every bucket (see :func:`ratio_lut`), shape (2**KEY_BITS, 2)."""
    high = np.arange(1 << KEY_BITS, dtype=np.uint32) << _LOW_BITS
    low = np.uint32((1 << _LOW_BITS) - 1)
    with np.errstate(invalid="ignore"):  # the table covers NaN bit patterns too
        ends = np.stack([high, high | low], axis=1).view(np.float32).astype(np.float64)
    finite = np.isfinite(ends)
    # Ratios g_row / g_col; infinite ones (g_col = 0) are 90 degrees, NaN (0 / 0) weighs nothing.
    g_row = np.where(finite, ends, np.where(np.isinf(ends), np.sign(ends), 0.0))
    g_col = np.where(finite, 1.0, 0.0)
    return exact_bins(g_row, g_col, orientations)


@functools.lru_cache(maxsize=16)
def ratio_lut(orientations):
    """Orientation bin for the top ``KEY_BITS`` bits of the float32 ratio g_row / g_col.

    The top 18 bits of a float32 (sign, exponent, 9 mantissa bits) cut the
    ratios into buckets about 0.2 % wide, over which the orientation is
    monotonic. A bucket whose ends or neighbours (in ratio order, where +0
    meets -0 and +inf meets -inf) have different bins holds a bin change
    (an edge, or the wrap of angles just below 180 to 0); it and the buckets
    next to it get -1, and their pixels are binned exactly. Every other pixel
    is at least a bucket away from a change, far beyond any rounding, so its
    table bin is skimage's bin.
    """
    ends = _bucket_bins(orientations)
    # Per sign: buckets 0 .. that of +inf; the ones above hold NaN patterns.
    half, n_finite = 1 << (KEY_BITS - 1), (0x7F800000 >> _LOW_BITS) + 1
    pos, neg = ends[:n_finite], ends[half:half + n_finite]
    # The inf bucket's upper end is a NaN pattern that division never yields.
    pos[-1, 1], neg[-1, 1] = pos[-1, 0], neg[-1, 0]

    def pure(e):
        ok = e[:, 0] == e[:, 1]
        ok[1:] &= e[1:, 0] == e[:-1, 1]
        ok[:-1] &= e[:-1, 1] == e[1:, 0]
        return ok

    pure_pos, pure_neg = pure(pos), pure(neg)
    for i in (0, -1):  # +0 meets -0, +inf meets -inf
        same = pos[i, 0] == neg[i, 0]
        pure_pos[i] &= same
        pure_neg[i] &= same
    # NaN buckets come only from 0 / 0: bin 0, the pixel weighs nothing.
    lut = np.zeros(1 << KEY_BITS, dtype=np.intp)
    for start, ok, e in ((0, pure_pos, pos), (half, pure_neg, neg)):
        unsure = ~ok
        unsure[1:] |= ~ok[:-1]
        unsure[:-1] |= ~ok[1:]
        lut[start:start + n_finite] = np.where(unsure, -1, e[:, 0])
    lut[lut == orientations] = -1
    return lut.astype(np.min_scalar_type(-orientations))


def orientation_bins(g_row, g_col, orientations, exact_angles=None):
    """Bins of every pixel, equal to :func:`exact_bins` but mostly by table lookup.

    One division and a lookup on the ratio's top bits replace arctan2; only
    pixels in buckets marked ambiguous go through the exact path.

    Parameters
    ----------
    g_row, g_col : ndarray of shape (n, H, W), float
        Gradients. Any positive multiple of the reference gradients gives the
        same table bins.
    orientations : int
        Number of bins over [0, 180) degrees.
    exact_angles : callable or None, default=None
        ``exact_angles(img, row, col)`` returns the reference (skimage)
        unsigned angles in degrees of the given pixels; the ambiguous pixels
        are binned from them instead of from ``g_row, g_col``. For gradients
        computed in another precision or scale than the reference.

    Returns
    -------
    bins : ndarray of shape (n, H, W), small signed int
        Values in [0, orientations]; see :func:`exact_bins`.

    Examples
    --------
    >>> g_row = np.array([[[1.0, 0.0, 1.0, -1.0, 0.0]]])
    >>> g_col = np.array([[[1.0, 1.0, 0.0, 1.0, 0.0]]])
    >>> orientation_bins(g_row, g_col, 4).tolist()  # as exact_bins; 0 / 0 goes to bin 0
    [[[1, 0, 2, 3, 0]]]
    """
    shape = g_row.shape
    # Flat C-order copies only if the input is not C-contiguous already, so that
    # the positions of ambiguous pixels index the same elements everywhere.
    g_row, g_col = g_row.reshape(-1), g_col.reshape(-1)
    # 0 / 0 is NaN and x / 0 is inf, both binned by the table; float64
    # ratios beyond float32's range become inf, the same 90 degrees.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.divide(g_row, g_col, dtype=g_row.dtype).astype(np.float32, copy=False)
    # Arithmetic shift: negative ratios give negative keys, which index from
    # the table's end, exactly where their unsigned top bits point.
    key = ratio.view(np.int32) >> _LOW_BITS
    bins = ratio_lut(orientations)[key.astype(np.intp)]
    unsure = np.flatnonzero(bins < 0)
    if unsure.size:
        if exact_angles is None:
            bins[unsure] = exact_bins(g_row[unsure], g_col[unsure], orientations)
        else:
            bins[unsure] = angle_bins(exact_angles(*np.unravel_index(unsure, shape)),
                                      orientations)
    return bins.reshape(shape)
