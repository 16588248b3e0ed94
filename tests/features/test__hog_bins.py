"""Tests of features/_hog_bins.py: table-lookup orientation bins equal skimage's exact bins."""

import numpy as np
import pytest
from skimage.feature import hog as sk_hog

from features._hog_bins import (angle_bins, exact_bins, orientation_bins, orientation_edges,
                                ratio_lut, unsigned_angles)


def adversarial_gradients(dtype, orientations, seed):
    """Gradients on and around every bin edge, axis-aligned, diagonal, signed zeros, tiny."""
    rng = np.random.default_rng(seed)
    edges = np.deg2rad(np.concatenate([[0.0], orientation_edges(orientations), [45, 90, 135]]))
    ulps = np.array([-3, -2, -1, 0, 1, 2, 3])
    angles = (edges[:, None] + ulps * 1e-15).ravel()
    angles = np.concatenate([angles, angles + np.pi, rng.uniform(-np.pi, np.pi, 2000)])
    radius = rng.choice([1.0, 1 / 255, 1e-20], size=angles.size)
    g_row = (radius * np.sin(angles)).astype(dtype)
    g_col = (radius * np.cos(angles)).astype(dtype)
    levels = (np.arange(256) / 255).astype(dtype)
    quantized = rng.choice(levels, (4, 3000))  # differences of 8-bit levels, as in images
    special = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e-30], dtype=dtype)
    sr, sc = np.meshgrid(special, special)
    g_row = np.concatenate([g_row, quantized[0] - quantized[1], g_row, sr.ravel()])
    g_col = np.concatenate([g_col, quantized[2] - quantized[3], g_row[: g_col.size] * 1.0,
                            sc.ravel()])
    return g_row[None, None], g_col[None, None]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("orientations", [1, 2, 3, 4, 6, 7, 8, 9, 12, 18, 36])
def test_table_lookup_bins_equalexact_bins(dtype, orientations):
    g_row, g_col = adversarial_gradients(dtype, orientations, seed=orientations)
    fast = orientation_bins(g_row, g_col, orientations)
    np.testing.assert_array_equal(fast, exact_bins(g_row, g_col, orientations))


@pytest.mark.parametrize("orientations", [9, 4])
def test_exact_bins_reproduce_skimage_histogram(orientations):
    # One 1x1 cell per pixel, no normalization effect on the winning bin:
    # skimage's histogram of each pixel is non-zero only in its bin.
    rng = np.random.default_rng(orientations)
    image = rng.random((12, 12))
    g_row = np.zeros_like(image)
    g_col = np.zeros_like(image)
    g_row[1:-1] = image[2:] - image[:-2]
    g_col[:, 1:-1] = image[:, 2:] - image[:, :-2]
    hist = sk_hog(image, orientations=orientations, pixels_per_cell=(1, 1),
                  cells_per_block=(1, 1), block_norm="L1", feature_vector=False)
    hist = hist.reshape(12, 12, orientations)
    moving = np.hypot(g_row, g_col) > 0
    np.testing.assert_array_equal(exact_bins(g_row, g_col, orientations)[moving],
                                  hist.argmax(axis=-1)[moving])


@pytest.mark.parametrize("orientations", [9, 12, 200])
def test_table_marks_few_buckets_and_fits_its_dtype(orientations):
    lut = ratio_lut(orientations)
    assert lut.min() >= -1 and lut.max() < orientations
    assert (lut < 0).mean() < 0.01 * max(1, orientations / 9)


@pytest.mark.parametrize("orientations", [9, 8, 36])
def test_exact_angles_callback_bins_ambiguous_pixels_from_the_reference(orientations):
    # Scaled float32 copies of float64 gradients: their table bins are right
    # except near edges, where only the float64 originals decide.
    ref_row, ref_col = adversarial_gradients(np.float64, orientations, seed=1)
    scaled_row = (ref_row * 1e3).astype(np.float32)
    scaled_col = (ref_col * 1e3).astype(np.float32)
    calls = []

    def exact(*where):
        calls.append(where[0].size)
        return unsigned_angles(ref_row[where], ref_col[where])

    got = orientation_bins(scaled_row, scaled_col, orientations, exact_angles=exact)
    expected = exact_bins(ref_row, ref_col, orientations)
    np.testing.assert_array_equal(got, expected)
    assert calls and calls[0] < ref_row.size
    # Without the callback the rounded copies put some edge pixels elsewhere.
    assert (orientation_bins(scaled_row, scaled_col, orientations) != expected).any()


def test_angle_bins_close_each_bin_on_the_left():
    # 9 bins of 20 degrees: an angle on an edge belongs to the bin above it.
    angles = np.array([0.0, 19.999, 20.0, 90.0, 179.999])
    np.testing.assert_array_equal(angle_bins(angles, 9), [0, 0, 1, 4, 8])
