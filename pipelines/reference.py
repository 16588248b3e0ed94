"""Reference features built only from off-the-shelf parts.

A per-image loop of ``skimage.feature.hog`` plus a hue histogram from
``skimage.color.rgb2hsv`` and ``np.histogram``: the way a user would write it
without featbench, so the benchmark table can read our rows against it.
"""

import numpy as np
from skimage.color import rgb2gray, rgb2hsv
from skimage.feature import hog
from sklearn.preprocessing import FunctionTransformer

__all__ = ["skimage_hog_hue", "reference_hog_color", "reference_pixels"]


def skimage_hog_hue(images, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                    bins=10):
    """HoG of the gray image plus a normalized hue histogram, one image at a time.

    Parameters
    ----------
    images : ndarray of shape (N, H, W, 3) or (N, H, W)
        uint8 images. Gray images get no hue histogram (hue is undefined).
    orientations, pixels_per_cell, cells_per_block :
        Passed to ``skimage.feature.hog`` (block_norm "L2-Hys").
    bins : int, default=10
        Hue bins over [0, 1], counts divided by the number of pixels.

    Returns
    -------
    ndarray of shape (N, D), float64

    Examples
    --------
    >>> skimage_hog_hue(np.zeros((1, 16, 16, 3), np.uint8)).shape
    (1, 46)
    """
    images = np.asarray(images)
    color = images.ndim == 4 and images.shape[-1] == 3
    rows = []
    for img in images:
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        gray = rgb2gray(img) if color else img
        h = hog(gray, orientations=orientations, pixels_per_cell=pixels_per_cell,
                cells_per_block=cells_per_block, block_norm="L2-Hys")
        if color:
            hue = rgb2hsv(img)[..., 0]
            hist, _ = np.histogram(hue, bins=bins, range=(0.0, 1.0))
            h = np.concatenate([h, hist / hue.size])
        rows.append(h)
    return np.asarray(rows)


def _flatten_scaled(images):
    images = np.asarray(images)
    return images.reshape(len(images), -1).astype(np.float32) / np.float32(255)


def reference_hog_color(pixels_per_cell=(8, 8)):
    """A ``FunctionTransformer`` around :func:`skimage_hog_hue`.

    Examples
    --------
    >>> ft = reference_hog_color(pixels_per_cell=(8, 8))
    >>> ft.fit_transform(np.zeros((2, 16, 16, 3), np.uint8)).shape  # 36 HoG + 10 hue bins
    (2, 46)
    """
    return FunctionTransformer(
        skimage_hog_hue, kw_args={"pixels_per_cell": tuple(pixels_per_cell)}
    )


def reference_pixels():
    """A ``FunctionTransformer`` that flattens uint8 images to float32 in [0, 1].

    Examples
    --------
    >>> out = reference_pixels().fit_transform(np.array([[[0, 255], [255, 0]]], np.uint8))
    >>> out.tolist(), out.dtype.name
    ([[0.0, 1.0, 1.0, 0.0]], 'float32')
    """
    return FunctionTransformer(_flatten_scaled)
