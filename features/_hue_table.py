"""Hue bins of 8-bit RGB pixels by lookup in a table over all 2**24 colors.

The hue bin of a pixel depends only on its (R, G, B) triple, so for 8-bit
images one gather from a 16 MiB table replaces the float64 HSV conversion and
the binning (about ten passes over the pixels). The table is exact: it holds
the bin :func:`numpy.histogram` gives to the hue that
:func:`skimage.color.rgb2hsv` computes.

Building it does not convert 16.7 million colors to HSV. In exact rational
arithmetic, skimage's hue of a pixel with maximum ``v``, minimum ``m`` and
``delta = v - m`` is ``N / (6 delta)`` with the integer
``N = 2 s delta + d (mod 6 delta)``, where ``s`` is 0, 1 or 2 for red, green
or blue as the maximum (blue wins ties, then green, as in skimage) and ``d``
the difference of the other two channels in skimage's order. Its bin is
``floor(bins N / (6 delta))``. A rational hue that is not exactly on a bin
edge is at least ``1 / (6 * 255 * bins)`` away from it, far beyond float64
rounding, so float64 gives the same bin; the colors exactly on an edge are
binned from their float64 hue, which is what skimage's rounding decides.
"""

import threading
from collections import OrderedDict

import numpy as np

from ._hsv_bins import exact_bin_indices, rgb_to_hsv
from ._validation import to_float_images
from .threads import thread_map

__all__ = ["hue_table", "cached_hue_table", "color_keys", "MAX_TABLE_BINS"]

#: Tables store bins as uint16.
MAX_TABLE_BINS = 1 << 16
_N_COLORS = 1 << 24
_TABLES = OrderedDict()  # bins -> table, most recently used last
_MAX_TABLES = 2  # 32 MiB at most
_LOCK = threading.Lock()


def _rational_bins(keys, bins):
    """Exact hue bins of colors ``keys = R | G << 8 | B << 16``; -1 exactly on an edge."""
    r, g, b = keys & 255, (keys >> 8) & 255, keys >> 16
    v = np.maximum(np.maximum(r, g), b)
    delta = v - np.minimum(np.minimum(r, g), b)
    blue = b == v
    green = (g == v) & ~blue
    n = np.where(blue, r - g, np.where(green, b - r, g - b))
    n += np.where(blue, 4, np.where(green, 2, 0)) * delta
    n += np.where(n < 0, 6 * delta, 0)  # red maximum, negative hue: wraps, as ``% 1.0``
    n *= bins
    den = 6 * delta
    gray = delta == 0
    den[gray] = 1  # gray pixels have hue 0
    n[gray] = 0
    out, rem = np.divmod(n, den)
    out[(rem == 0) & (n != 0)] = -1  # exactly on an inner edge
    return out


def _build(bins, n_jobs=None):
    dtype = np.uint8 if bins <= 256 else np.uint16
    table = np.empty(_N_COLORS, dtype=dtype)
    step = 1 << 20

    # Each block of colors writes its own slice, so blocks run on threads
    # (numpy's integer passes over a million keys release the GIL).
    def block(start):
        keys = np.arange(start, start + step, dtype=np.int32)
        out = _rational_bins(keys, bins)
        edge = np.flatnonzero(out < 0)
        if edge.size:
            k = keys[edge]
            rgb = np.stack([k & 255, (k >> 8) & 255, k >> 16], axis=-1)
            # The float64 hue skimage computes for these 8-bit colors.
            (hue,) = rgb_to_hsv(to_float_images(rgb, np.float64), (0,))
            out[edge] = exact_bin_indices(hue, bins)
        table[start:start + step] = out

    thread_map(block, range(0, _N_COLORS, step), n_jobs)
    table.flags.writeable = False
    return table


def hue_table(bins, n_jobs=None):
    """The hue bin of every 8-bit color, indexed by ``R | G << 8 | B << 16``.

    Built on first use (about half a second on one core), then kept for the
    process (the two most recently used ``bins`` values).

    Parameters
    ----------
    bins : int
        Number of hue bins over [0, 1], at most ``MAX_TABLE_BINS``.
    n_jobs : int or None, default=None
        Threads that build the table, in blocks of 2**20 colors, as
        :func:`features.threads.thread_map` counts them; the table is the
        same for any value.

    Returns
    -------
    table : read-only ndarray of shape (2**24,), uint8 or uint16
    """
    with _LOCK:
        table = _TABLES.get(bins)
        if table is None:
            table = _TABLES[bins] = _build(bins, n_jobs)
            while len(_TABLES) > _MAX_TABLES:
                _TABLES.popitem(last=False)
        _TABLES.move_to_end(bins)
        return table


def cached_hue_table(bins):
    """The table of ``bins`` if it is already built, else None.

    Examples
    --------
    >>> cached_hue_table(12345) is None  # never built: looking does not build it
    True
    """
    with _LOCK:
        return _TABLES.get(bins)


def color_keys(images):
    """``R | G << 8 | B << 16`` of every pixel, shape (n, H * W), intp.

    Parameters
    ----------
    images : ndarray of shape (n, H, W, 3), integer dtype, values in [0, 255]

    Examples
    --------
    >>> red_green_blue = np.array([[[[1, 0, 0], [0, 1, 0], [0, 0, 1]]]], dtype=np.uint8)
    >>> color_keys(red_green_blue).tolist()  # 1, 1 << 8, 1 << 16
    [[1, 256, 65536]]
    """
    n = images.shape[0]
    flat = np.ascontiguousarray(images, dtype=np.uint8).reshape(-1)
    n_pixels = flat.size // 3
    keys = np.empty(n_pixels, dtype=np.intp)
    # Little-endian 8-byte reads at 3-byte steps start at each pixel's red
    # byte, and masking keeps its three bytes. The last two pixels' reads
    # would pass the end of the buffer, so they are assembled by hand.
    head = max(n_pixels - 2, 0)
    if head:
        words = np.ndarray((head,), dtype="<i8", buffer=flat, strides=(3,))
        np.bitwise_and(words, 0xFFFFFF, out=keys[:head])
    tail = flat[3 * head:].reshape(-1, 3).astype(np.intp)
    keys[head:] = tail[:, 0] | tail[:, 1] << 8 | tail[:, 2] << 16
    return keys.reshape(n, -1)
