"""HoG gradients: skimage's centered differences, each pixel's dominant channel, and an exact
integer path for 8-bit gray mode.

skimage's luminance of an 8-bit RGB pixel is ``0.2125 R + 0.7154 G + 0.0721 B``
on values scaled to [0, 1], so it is ``L / 2,550,000`` with the integer
``L = 2125 R + 7154 G + 721 B`` up to float64 rounding. ``L`` and its centered
differences stay below 2**24, so float32 holds them exactly: the gradients
are exact multiples of skimage's, computed at half the memory traffic of the
float64 path. The only thing float32 could get wrong is the orientation bin
of a gradient that lies on a bin edge (skimage's float64 rounding decides
those); :func:`exact_gradients_at` recomputes such pixels the way skimage does.
"""

import numpy as np

from ._hog_bins import orientation_edges, unsigned_angles
from ._validation import to_float_images

__all__ = ["centered_gradients", "dominant_channel", "take_channel", "integer_gray_gradients",
           "exact_gradients_at", "integer_exact_angles", "luma_scale"]

# Squared magnitudes closer than this many eps (relative) go to np.hypot: their rounding
# (3 eps at most) and hypot's (1 eps) cannot reorder magnitudes further apart.
_NEAR_TIE = 64
#: skimage.color.rgb2gray's weights times 10,000, which makes them integers.
LUMA_WEIGHTS = np.array([2125, 7154, 721], dtype=np.float32)


def centered_gradients(images):
    """Centered differences along rows and columns, zero on the border (skimage's stencil).

    ``images`` has shape (n, H, W) or (n, H, W, C); the results keep its dtype.

    Examples
    --------
    A vertical step edge has a column gradient only, on the two columns beside it:

    >>> img = np.zeros((1, 3, 4)); img[:, :, 2:] = 1.0
    >>> g_row, g_col = centered_gradients(img)
    >>> g_col[0].tolist()
    [[0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]]
    >>> bool(g_row.any())
    False
    """
    images = np.ascontiguousarray(images)
    flat = images.reshape(-1)
    col_step = int(np.prod(images.shape[3:], dtype=int))  # C, or 1 for (n, H, W)
    row_step = images.shape[2] * col_step
    # Differences over the flat arrays run as one contiguous (SIMD) loop,
    # about 3x faster than over 3-D slices; the values that straddle a row
    # or image boundary are the border, zeroed below.
    grads = []
    for step in (row_step, col_step):
        g = np.empty_like(flat)
        np.subtract(flat[2 * step:], flat[:-2 * step], out=g[step:flat.size - step])
        g[:step] = 0
        g[flat.size - step:] = 0
        grads.append(g.reshape(images.shape))
    g_row, g_col = grads
    # Images at least 3 pixels on a side have an interior; smaller ones are all border.
    g_row[:, 0] = 0
    g_row[:, -1] = 0
    g_col[:, :, 0] = 0
    g_col[:, :, -1] = 0
    return g_row, g_col


def dominant_channel(g_row, g_col):
    """Each pixel's channel of largest gradient magnitude, shape (..., 1).

    Of the smallest unsigned integer dtype that holds ``C - 1`` (uint8 up to
    256 channels).

    The channel ``np.hypot(g_row, g_col).argmax(axis=-1)`` picks, as
    skimage's ``channel_axis`` mode does (first channel on ties, magnitudes
    in the working dtype), found from the squared magnitudes: a pixel whose
    largest two are within :data:`_NEAR_TIE` eps of each other, where the
    squares' rounding could order them otherwise, is decided by ``np.hypot``
    itself (docs/decisions.md#hog-dominant-squares).

    Examples
    --------
    >>> g_row = np.array([[[3.0, 0.0, 1.0]]]); g_col = np.array([[[4.0, 5.0, 1.0]]])
    >>> dominant_channel(g_row, g_col).ravel().tolist()  # 5 and 5: the first
    [0]
    """
    squares = g_row * g_row
    squares += g_col * g_col
    # Channel by channel over whole images: argmax and counts along an axis of 3
    # values cost more than the squares themselves.
    n_channels = squares.shape[-1]
    top = squares[..., 0].copy()
    best = np.zeros(top.shape, np.min_scalar_type(n_channels - 1))
    for c in range(1, n_channels):
        # Later channels win only if larger; c is above every earlier winner, so a
        # maximum over small ints sets it (much faster than np.copyto with where=).
        larger = squares[..., c] > top
        np.maximum(best, larger.view(np.uint8) * best.dtype.type(c), out=best)
        np.maximum(top, squares[..., c], out=top)
    floor = top * (1 - _NEAR_TIE * np.finfo(squares.dtype).eps)
    # Whether one, and two or more, channels reach the floor: flags, not counts, so
    # any number of channels fits in a byte.
    one = squares[..., 0] >= floor
    two = np.zeros(top.shape, bool)
    for c in range(1, n_channels):
        close = squares[..., c] >= floor
        two |= one & close
        one |= close
    near = two & (top > 0)
    if near.any():
        rows = np.flatnonzero(near)
        channels = g_row.shape[-1]
        flat_row, flat_col = g_row.reshape(-1, channels), g_col.reshape(-1, channels)
        best.reshape(-1)[rows] = np.hypot(flat_row[rows], flat_col[rows]).argmax(axis=-1)
    return best[..., np.newaxis]


def take_channel(channel, *arrays):
    """Each pixel's value in its channel ``channel``, from each of ``arrays``, shape (...).

    ``np.take_along_axis(a, channel, axis=-1)[..., 0]`` for each array ``a``
    of shape (..., C), as one flat gather per array through indices computed
    once (docs/decisions.md#hog-take-channel).

    Parameters
    ----------
    channel : ndarray of int, shape (..., 1)
        As :func:`dominant_channel` returns it.
    *arrays : ndarray of shape (..., C)

    Returns
    -------
    tuple of ndarray
        One per array, of its dtype.

    Examples
    --------
    >>> g = np.arange(12.0).reshape(1, 2, 2, 3)
    >>> take_channel(np.array([[[[0], [2]], [[1], [1]]]]), g)[0].tolist()
    [[[0.0, 5.0], [7.0, 10.0]]]
    """
    n_channels = arrays[0].shape[-1]
    flat = channel.reshape(-1) + np.arange(0, channel.size * n_channels, n_channels)
    return tuple(np.take(a.reshape(-1), flat).reshape(a.shape[:-1]) for a in arrays)


def luma_scale(n_channels):
    """Factor from the integer luminance to skimage's gray level in [0, 1].

    Examples
    --------
    >>> luma_scale(3), luma_scale(1)  # 255 * 10,000 for RGB, 255 for gray
    (2550000.0, 255.0)
    """
    return 255.0 * 10_000 if n_channels == 3 else 255.0


def integer_gray_gradients(images):
    """Centered differences of the integer luminance, zero on the border.

    Parameters
    ----------
    images : ndarray of shape (n, H, W, C), integer dtype, values in [0, 255]
        C = 3 (RGB, rgb2gray's luminance) or C = 1 (the gray level itself).

    Returns
    -------
    g_row, g_col : ndarray of shape (n, H, W), float32
        Exact integers; divided by ``luma_scale(C)`` they are skimage's
        gradients to float64 rounding.

    Examples
    --------
    A black-to-white vertical edge in an RGB image:

    >>> X = np.zeros((1, 3, 4, 3), dtype=np.uint8); X[:, :, 2:] = 255
    >>> g_row, g_col = integer_gray_gradients(X)
    >>> g_col[0, 1].tolist(), g_col.dtype
    ([0.0, 2550000.0, 2550000.0, 0.0], dtype('float32'))
    >>> (g_col[0, 1] / luma_scale(3)).tolist()  # skimage's gray-level gradient
    [0.0, 1.0, 1.0, 0.0]
    """
    if images.shape[-1] == 3:
        # Products below 255 * 7154 and sums below 2**24: exact in float32,
        # whatever order or fused operations the matrix product uses. A 2-D
        # product runs as one BLAS call, five times faster than over (n, H, W, 3).
        flat = images.reshape(-1, 3).astype(np.float32)
        luma = (flat @ LUMA_WEIGHTS).reshape(images.shape[:-1])
    else:
        luma = images[..., 0].astype(np.float32)
    return centered_gradients(luma)


def _gray_at(images, flat):
    """skimage's float64 gray level of pixels given by flat (n * H * W) positions."""
    from skimage.color import rgb2gray

    channels = images.shape[-1]
    # Gather single elements (fast) rather than rows of C bytes (a slow generic copy).
    values = np.ascontiguousarray(images).reshape(-1)
    where = flat[:, None] * channels + np.arange(channels)
    pixels = to_float_images(np.take(values, where), np.float64)
    return rgb2gray(pixels) if channels == 3 else pixels[:, 0]


def exact_gradients_at(images, img, row, col):
    """skimage's float64 gradients of the gray image at the given pixels.

    Parameters
    ----------
    images : ndarray of shape (n, H, W, C), integer dtype
        The batch :func:`integer_gray_gradients` was computed from.
    img, row, col : ndarray of int, shape (k,)
        Pixel positions.

    Returns
    -------
    g_row, g_col : ndarray of shape (k,), float64
        Equal to the values ``skimage.feature.hog`` computes from
        ``rgb2gray(img_as_float(image))``: differences of the two neighbours'
        gray levels, 0 on the border.

    Examples
    --------
    >>> X = np.zeros((1, 3, 4, 3), dtype=np.uint8); X[:, :, 2:] = 255
    >>> g_row, g_col = exact_gradients_at(X, np.array([0, 0]), np.array([1, 1]), np.array([1, 0]))
    >>> g_row.tolist(), g_col.tolist()  # pixel (1, 1) beside the edge, (1, 0) on the border
    ([0.0, 0.0], [1.0, 0.0])
    """
    n, height, width, _ = images.shape
    flat = (img * height + row) * width + col
    # The four neighbours of every pixel in one gather; border pixels look at
    # themselves and get 0 below.
    inner_row = (row > 0) & (row < height - 1)
    inner_col = (col > 0) & (col < width - 1)
    step_row = np.where(inner_row, width, 0)
    step_col = np.where(inner_col, 1, 0)
    gray = _gray_at(images, np.concatenate([flat + step_row, flat - step_row,
                                            flat + step_col, flat - step_col]))
    down, up, right, left = gray.reshape(4, -1)
    g_row = np.where(inner_row, down - up, 0.0)
    g_col = np.where(inner_col, right - left, 0.0)
    return g_row, g_col


#: Degrees within which an angle of integer gradients may bin differently
#: from skimage's float64 ones. skimage's gray levels are the integer
#: luminance over 2,550,000 within 2.2e-16, so its gradients, at least
#: 1 / 2,550,000 when non-zero, are off by a relative 6e-10 at most: an angle
#: error below 4e-8 degrees, 25 times under this margin.
ANGLE_MARGIN = 1e-6


def integer_exact_angles(images, g_row, g_col, orientations):
    """A callback for :func:`features._hog_bins.orientation_bins` on integer gradients.

    For the pixels the ratio table leaves ambiguous it returns the angles of
    the integer gradients (exact, so right to float64 rounding) unless such
    an angle is within ``ANGLE_MARGIN`` of a bin edge (0 and 180 included):
    there only skimage's own float64 gradients decide, and those pixels, mostly
    with an exactly zero row gradient, go through :func:`exact_gradients_at`.

    Parameters
    ----------
    images : ndarray of shape (n, H, W, C), integer dtype
    g_row, g_col : ndarray of shape (n, H, W)
        :func:`integer_gray_gradients` of ``images``.
    orientations : int

    Returns
    -------
    callable
        ``exact(img, row, col) -> angles``, skimage's unsigned angles in
        degrees (float64) of those pixels.
    """
    edges = np.concatenate([[0.0], orientation_edges(orientations), [180.0]])

    def exact(img, row, col):
        angles = unsigned_angles(g_row[img, row, col], g_col[img, row, col])
        # An edge lies within the margin exactly when the two ends of
        # [angle - margin, angle + margin] fall between different edges.
        near = (np.searchsorted(edges, angles - ANGLE_MARGIN)
                != np.searchsorted(edges, angles + ANGLE_MARGIN))
        if near.any():
            angles[near] = unsigned_angles(
                *exact_gradients_at(images, img[near], row[near], col[near]))
        return angles

    return exact
