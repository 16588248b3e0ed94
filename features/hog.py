"""Histogram of Oriented Gradients (Dalal & Triggs) for a whole batch of images.

The kernel reproduces :func:`skimage.feature.hog` step by step (same gradient
stencil, same orientation formula, same bin edges, same block normalizations)
but runs every step on a chunk of images at once with numpy, so the results
agree with scikit-image to floating-point rounding (about 1e-7) while being
many times faster than a Python loop over images. Orientation bins, the one
step where rounding could move a vote to another bin, are computed exactly
as skimage computes them, by table lookup (:mod:`features._hog_bins`).
8-bit images in gray mode without ``transform_sqrt`` take an exact integer
luminance path (:mod:`features._hog_gradients`), about twice as fast.
"""

import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator

from ._base import ImageTransformerMixin
from ._chunks import CHUNK_PIXELS
from ._hog_bins import orientation_bins, orientation_edges, ratio_lut
from ._hog_gradients import (centered_gradients, dominant_channel, integer_exact_angles,
                             integer_gray_gradients, luma_scale, take_channel)
from ._validation import check_images
from .checks import check_bool, check_choice, check_int, check_pair

__all__ = ["HOG", "hog_image", "plot_hog"]

BLOCK_NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")
COLORS = ("gray", "dominant")
# scikit-image's block-normalization epsilon; equality with it depends on it.
_EPS = 1e-5


def _image_gradients(images, color, transform_sqrt):
    """Gradient images (n, H, W) of a float batch (n, H, W, C) for a color mode.

    ``gray`` differentiates the luminance of :func:`skimage.color.rgb2gray`
    (or the only channel); ``dominant`` differentiates every channel and keeps,
    per pixel, the one with the largest gradient magnitude, as
    ``skimage.feature.hog(..., channel_axis=-1)`` does (first channel on ties).
    """
    if color == "gray" or images.shape[-1] == 1:
        if images.shape[-1] == 3:
            from skimage.color import rgb2gray

            gray = rgb2gray(images)
        else:
            gray = images[..., 0]
        if transform_sqrt:
            gray = np.sqrt(gray)
        return centered_gradients(gray)
    if transform_sqrt:
        images = np.sqrt(images)
    g_row, g_col = centered_gradients(images)
    return take_channel(dominant_channel(g_row, g_col), g_row, g_col)


@functools.lru_cache(maxsize=4)
def _histogram_offsets(n, n_cr, n_cc, c_row, c_col, orientations):
    """Start of each pixel's (image, cell) histogram in the flat bincount output."""
    rows = np.arange(n_cr * c_row) // c_row
    cols = np.arange(n_cc * c_col) // c_col
    cell = (rows[:, None] * n_cc + cols[None, :]) * orientations
    offsets = cell + (np.arange(n) * (n_cr * n_cc * orientations))[:, None, None]
    offsets.flags.writeable = False
    return offsets


def _cell_histograms(g_row, g_col, orientations, pixels_per_cell, scale=1.0,
                     exact_angles=None):
    """Orientation histograms per cell, shape (n, n_cells_row, n_cells_col, orientations).

    The histograms have the gradients' dtype.

    Each pixel votes its gradient magnitude into the bin of its unsigned
    orientation; a cell's histogram is divided by its pixel count. Pixels right
    of or below the last whole cell are ignored, as in skimage. Gradients
    ``scale`` times the reference ones give the reference histograms;
    ``exact_angles`` is passed on to :func:`orientation_bins`.
    """
    n, height, width = g_row.shape
    c_row, c_col = pixels_per_cell
    n_cr, n_cc = height // c_row, width // c_col
    crop = (slice(None), slice(0, n_cr * c_row), slice(0, n_cc * c_col))
    g_row, g_col = g_row[crop], g_col[crop]
    # The magnitude only needs to be accurate (skimage sums it in float32);
    # only the bins must be exact.
    magnitude = g_row * g_row
    magnitude += g_col * g_col
    np.sqrt(magnitude, out=magnitude)
    bins = orientation_bins(g_row, g_col, orientations, exact_angles)
    if orientation_edges(orientations)[-1] < 180:
        # A float32-rounded last edge below 180: skimage counts those pixels nowhere.
        dropped = bins == orientations
        magnitude[dropped] = 0.0
        bins[dropped] = 0
    index = bins + _histogram_offsets(n, n_cr, n_cc, c_row, c_col, orientations)
    hist = np.bincount(index.ravel(), weights=magnitude.ravel(),
                       minlength=n * n_cr * n_cc * orientations)
    # Back to the gradients' dtype: float32 block normalization moves values
    # (at most 1) by about 1e-7 and takes half the time of float64.
    hist = np.multiply(hist, 1.0 / (c_row * c_col * scale), dtype=g_row.dtype)
    return hist.reshape(n, n_cr, n_cc, orientations)


def _normalize_blocks(hist, cells_per_block, block_norm):
    """Normalize every overlapping block of cells.

    Returns (n, n_blocks_row * n_blocks_col * b_row * b_col * orientations)
    in skimage's order. Histograms are non-negative, so skimage's L1 norm
    ``sum(|x|)`` is ``sum(x)``.
    """
    n = hist.shape[0]
    blocks = np.moveaxis(sliding_window_view(hist, cells_per_block, axis=(1, 2)), 3, -1)
    # One contiguous copy, then every norm is a reduction over the last axis.
    blocks = blocks.reshape(n, -1, blocks.shape[3] * blocks.shape[4] * blocks.shape[5])
    if block_norm in ("L1", "L1-sqrt"):
        out = blocks / (blocks.sum(axis=-1, keepdims=True) + _EPS)
        if block_norm == "L1-sqrt":
            np.sqrt(out, out=out)
    else:
        out = blocks / np.sqrt(np.einsum("ijk,ijk->ij", blocks, blocks)[..., None] + _EPS ** 2)
        if block_norm == "L2-Hys":
            np.minimum(out, 0.2, out=out)
            out /= np.sqrt(np.einsum("ijk,ijk->ij", out, out)[..., None] + _EPS ** 2)
    return out.reshape(n, -1)


class HOG(ImageTransformerMixin, BaseEstimator):
    """Histogram of Oriented Gradients of every image in a batch.

    Equal to :func:`skimage.feature.hog` with the same parameters (to about
    1e-7): ``color="gray"`` matches ``hog(rgb2gray(image), ...)`` and
    ``color="dominant"`` matches ``hog(image, ..., channel_axis=-1)``.

    Parameters
    ----------
    orientations : int, default=9
        Number of unsigned orientation bins over [0, 180) degrees.
    pixels_per_cell : (int, int), default=(8, 8)
        Cell size in pixels (rows, columns). An int means a square cell.
    cells_per_block : (int, int), default=(2, 2)
        Block size in cells; (1, 1) normalizes each cell on its own.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}, default="L2-Hys"
        Block normalization, as in scikit-image (epsilon 1e-5).
    transform_sqrt : bool, default=False
        Take the square root of the image (gamma compression) first.
    color : {"gray", "dominant"}, default="gray"
        ``"gray"``: gradients of the luminance of
        :func:`skimage.color.rgb2gray` (RGB input) or of the single channel.
        ``"dominant"``: per pixel, the gradient of the channel with the largest
        gradient magnitude (any number of channels).
    chunk_size : int or None, default=None
        Images processed at once; None: as many as hold 65,536 pixels (64
        images of 32 x 32), at least one. Bounds the memory of intermediate
        arrays (about 100 bytes per pixel); chunks that stay in a core's cache are also faster
        than big ones.
    n_jobs : int or None, default=None
        Threads that process chunks in parallel; None means 1 (unless in a
        joblib ``parallel_config`` context), -1 all cores.

    Attributes
    ----------
    image_shape_ : tuple of int
        (H, W, C) of the training images; a 3-D batch (N, H, W) counts as C = 1.
    n_features_out_ : int
        n_blocks_row * n_blocks_col * b_row * b_col * orientations.

    Raises
    ------
    ValueError
        At fit, if an image is smaller than one block (pixels_per_cell *
        cells_per_block), or for an unknown block_norm or color, or if
        ``color="gray"`` meets images with neither 1 nor 3 channels.

    Notes
    -----
    Input: (N, H, W) or (N, H, W, C), uint8 in [0, 255] or float in [0, 1].
    Output dtype: float64 images give float64; all other input gives float32.
    Features are ordered like skimage's ``feature_vector=True`` output:
    block row, block column, cell row and column in the block, orientation.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    >>> hog = HOG().fit(X)
    >>> hog.transform(X).shape
    (4, 324)
    """

    _fit_uses_images = False  # fit only validates and records the image shape

    # The luminance is one small matrix-vector product per chunk.
    _chunk_products = False  # small products among element-wise passes
    _chunk_pixels = CHUNK_PIXELS

    def __init__(self, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                 block_norm="L2-Hys", transform_sqrt=False, color="gray",
                 chunk_size=None, n_jobs=None):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.transform_sqrt = transform_sqrt
        self.color = color
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs

    def _check_params(self, image_shape):
        check_int(self.orientations, "orientations", low=1)
        ppc, cpb = self._cell_shapes()
        check_choice(self.block_norm, "block_norm", BLOCK_NORMS)
        check_choice(self.color, "color", COLORS)
        check_bool(self.transform_sqrt, "transform_sqrt")
        height, width, channels = image_shape
        if self.color == "gray" and channels not in (1, 3):
            raise ValueError(
                f"color='gray' needs images with 1 or 3 (RGB) channels; got {channels}. "
                f"Use color='dominant', or drop an alpha channel with skimage.color.rgba2rgb."
            )
        min_h, min_w = ppc[0] * cpb[0], ppc[1] * cpb[1]
        if height < min_h or width < min_w:
            raise ValueError(
                f"images of {height}x{width} pixels are too small for one HoG block: "
                f"pixels_per_cell={ppc} and cells_per_block={cpb} need at least "
                f"{min_h}x{min_w}. Use smaller pixels_per_cell or cells_per_block."
            )
        return ppc, cpb

    def _cell_shapes(self):
        return (check_pair(self.pixels_per_cell, "pixels_per_cell"),
                check_pair(self.cells_per_block, "cells_per_block",
                           fix="Pass e.g. cells_per_block=(2, 2)."))

    def _grid(self):
        ppc, cpb = self._cell_shapes()
        height, width, _ = self.image_shape_
        n_br = height // ppc[0] - cpb[0] + 1
        n_bc = width // ppc[1] - cpb[1] + 1
        return ppc, cpb, n_br, n_bc

    @property
    def _n_features_out(self):
        _, cpb, n_br, n_bc = self._grid()
        return n_br * n_bc * cpb[0] * cpb[1] * self.orientations

    def _feature_names(self):
        _, cpb, n_br, n_bc = self._grid()
        return [f"hog_b{r}_{c}_c{i}_{j}_o{o}"
                for r in range(n_br) for c in range(n_bc)
                for i in range(cpb[0]) for j in range(cpb[1])
                for o in range(self.orientations)]

    def _before_transform(self, images):
        # The orientation table, built here once: on threads, every worker's first chunk
        # would build it at once.
        ratio_lut(self.orientations)

    def _transform_chunk(self, images):
        ppc, cpb, _, _ = self._grid()
        g_row, g_col = _image_gradients(images, self.color, self.transform_sqrt)
        hist = _cell_histograms(g_row, g_col, self.orientations, ppc)
        return _normalize_blocks(hist, cpb, self.block_norm).astype(images.dtype, copy=False)

    def _transform_raw_chunk(self, images, work_dtype):
        # 8-bit gray-mode gradients are exact in integer arithmetic (see
        # features._hog_gradients): same features, about twice as fast.
        integer = images.dtype.kind in "iu"
        gray = self.color == "gray" or images.shape[-1] == 1
        if not (integer and gray and not self.transform_sqrt):
            return super()._transform_raw_chunk(images, work_dtype)
        ppc, cpb, _, _ = self._grid()
        g_row, g_col = integer_gray_gradients(images)
        hist = _cell_histograms(
            g_row, g_col, self.orientations, ppc, scale=luma_scale(images.shape[-1]),
            exact_angles=integer_exact_angles(images, g_row, g_col, self.orientations))
        return _normalize_blocks(hist, cpb, self.block_norm)


def hog_image(image, **params):
    """Draw the HoG glyph picture of one image, like ``skimage.feature.hog(visualize=True)``.

    Each cell gets one line per orientation bin through its center,
    perpendicular to the bin's middle angle, with intensity equal to the cell's
    (unnormalized) histogram value; lines are ``min(pixels_per_cell) // 2 - 1``
    pixels long on each side.

    Parameters
    ----------
    image : array-like of shape (H, W) or (H, W, C)
        One image, uint8 in [0, 255] or float in [0, 1].
    **params
        :class:`HOG` parameters (e.g. ``**hog.get_params()``); only
        ``orientations``, ``pixels_per_cell``, ``color`` and ``transform_sqrt``
        change the picture.

    Returns
    -------
    picture : ndarray of shape (H, W)
        float64 for a float64 image, float32 otherwise.

    Raises
    ------
    ValueError, TypeError
        For a bad image or parameter, as :meth:`HOG.fit` does.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((16, 16)); img[:, 8:] = 1.0
    >>> hog_image(img, pixels_per_cell=(8, 8), cells_per_block=(1, 1)).shape
    (16, 16)
    """
    from skimage.draw import line

    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(
            f"image must be one image of shape (H, W) or (H, W, C); got shape {image.shape}. "
            f"For a batch, draw one image at a time: hog_image(X[i])."
        )
    est = HOG(**params)
    images = check_images(image[np.newaxis], name="image")
    ppc, _ = est._check_params(images.shape[1:])
    g_row, g_col = _image_gradients(images, est.color, est.transform_sqrt)
    hist = _cell_histograms(g_row, g_col, est.orientations, ppc)[0]
    n_cr, n_cc, n_or = hist.shape
    radius = min(ppc) // 2 - 1
    mid = np.pi * (np.arange(n_or) + 0.5) / n_or
    dr_all, dc_all = radius * np.sin(mid), radius * np.cos(mid)
    picture = np.zeros(images.shape[1:3], dtype=np.float64)
    # One picture, a few hundred short lines: a plain loop with skimage's own
    # endpoint rounding (int() of float sums) keeps the drawing identical.
    for r in range(n_cr):
        for c in range(n_cc):
            centre_r, centre_c = r * ppc[0] + ppc[0] // 2, c * ppc[1] + ppc[1] // 2
            for o in range(n_or):
                dr, dc = dr_all[o], dc_all[o]
                rr, cc = line(int(centre_r - dc), int(centre_c + dr),
                              int(centre_r + dc), int(centre_c - dr))
                picture[rr, cc] += hist[r, c, o]
    return picture.astype(images.dtype, copy=False)


def plot_hog(image, ax=None, **params):
    """Show :func:`hog_image` of one image on a matplotlib axes.

    Parameters
    ----------
    image : array-like of shape (H, W) or (H, W, C)
        One image, uint8 in [0, 255] or float in [0, 1].
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure's axes when None.
    **params
        :class:`HOG` parameters, passed to :func:`hog_image`.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> img = np.zeros((16, 16)); img[:, 8:] = 1.0
    >>> ax = plot_hog(img, pixels_per_cell=(8, 8), cells_per_block=(1, 1))
    >>> isinstance(ax, matplotlib.axes.Axes), len(ax.images), ax.get_title()
    (True, 1, 'HoG')
    >>> plt.close(ax.figure)
    """
    import matplotlib.pyplot as plt

    picture = hog_image(image, **params)
    if ax is None:
        _, ax = plt.subplots()
    ax.imshow(picture, cmap="gray")
    ax.set_axis_off()
    ax.set_title("HoG")
    return ax
