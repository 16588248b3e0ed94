"""HoG gradients: skimage's centered differences, and an exact integer path for 8-bit gray mode.

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

__all__ = ["centered_gradients", "integer_gray_gradients", "exact_gradients_at", "luma_scale"]

#: skimage.color.rgb2gray's weights times 10,000, which makes them integers.
LUMA_WEIGHTS = np.array([2125, 7154, 721], dtype=np.float32)


def centered_gradients(images):
    """Centered differences along rows and columns, zero on the border (skimage's stencil).

    ``images`` has shape (n, H, W) or (n, H, W, C); the results keep its dtype.
    """
    # Images at least 3 pixels on a side have an interior; smaller ones are all border.
    g_row = np.empty_like(images, order="C")
    g_col = np.empty_like(images, order="C")
    g_row[:, [0, -1]] = 0
    g_col[:, :, [0, -1]] = 0
    np.subtract(images[:, 2:], images[:, :-2], out=g_row[:, 1:-1])
    np.subtract(images[:, :, 2:], images[:, :, :-2], out=g_col[:, :, 1:-1])
    return g_row, g_col


def luma_scale(n_channels):
    """Factor from the integer luminance to skimage's gray level in [0, 1]."""
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
    """
    if images.shape[-1] == 3:
        # Products below 255 * 7154 and sums below 2**24: exact in float32,
        # whatever order or fused operations the matrix product uses.
        luma = images.astype(np.float32) @ LUMA_WEIGHTS
    else:
        luma = images[..., 0].astype(np.float32)
    return centered_gradients(luma)


def _gray_at(images, flat):
    """skimage's float64 gray level of pixels given by flat (n * H * W) positions."""
    from skimage.color import rgb2gray

    from ._validation import to_float_images

    pixels = to_float_images(images.reshape(-1, images.shape[-1])[flat], np.float64)
    return rgb2gray(pixels) if images.shape[-1] == 3 else pixels[:, 0]


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
    """
    n, height, width, _ = images.shape
    flat = (img * height + row) * width + col
    g_row = np.zeros(flat.shape)
    g_col = np.zeros(flat.shape)
    inner = (row > 0) & (row < height - 1)
    g_row[inner] = _gray_at(images, flat[inner] + width) - _gray_at(images, flat[inner] - width)
    inner = (col > 0) & (col < width - 1)
    g_col[inner] = _gray_at(images, flat[inner] + 1) - _gray_at(images, flat[inner] - 1)
    return g_row, g_col
