"""Tests of features/_hog_gradients.py: integer luminance gradients and skimage-exact fix-ups."""

import numpy as np
import pytest
from skimage.color import rgb2gray
from skimage.util import img_as_float

from features import HOG
from features._hog_gradients import (centered_gradients, exact_gradients_at,
                                     integer_gray_gradients, luma_scale)


def skimage_gray_gradients(images):
    """What skimage.feature.hog differentiates: rgb2gray (or the channel) of img_as_float."""
    floats = img_as_float(images)
    gray = rgb2gray(floats) if images.shape[-1] == 3 else floats[..., 0]
    return centered_gradients(gray)


@pytest.fixture(params=[3, 1], ids=["rgb", "gray"])
def images(request):
    rng = np.random.default_rng(request.param)
    return rng.integers(0, 256, (5, 9, 11, request.param), dtype=np.uint8)


def test_centered_gradients_are_zero_on_the_border_and_differences_inside():
    image = np.arange(20.0).reshape(1, 4, 5) ** 2
    g_row, g_col = centered_gradients(image)
    assert not g_row[:, [0, -1]].any() and not g_col[:, :, [0, -1]].any()
    np.testing.assert_array_equal(g_row[0, 1:-1], image[0, 2:] - image[0, :-2])
    np.testing.assert_array_equal(g_col[0, :, 1:-1], image[0, :, 2:] - image[0, :, :-2])


def test_integer_gradients_are_exact_integers_proportional_to_skimage(images):
    g_row, g_col = integer_gray_gradients(images)
    assert g_row.dtype == np.float32
    # Recomputed in int64: float32 holds every value exactly.
    weights = [2125, 7154, 721] if images.shape[-1] == 3 else [1]
    luma = images.astype(np.int64) @ np.array(weights)
    expected_row, expected_col = centered_gradients(luma)
    np.testing.assert_array_equal(g_row, expected_row)
    np.testing.assert_array_equal(g_col, expected_col)
    ref_row, ref_col = skimage_gray_gradients(images)
    scale = luma_scale(images.shape[-1])
    np.testing.assert_allclose(g_row.astype(np.float64) / scale, ref_row, rtol=0, atol=1e-15)
    np.testing.assert_allclose(g_col.astype(np.float64) / scale, ref_col, rtol=0, atol=1e-15)


def test_exact_gradients_at_equal_skimage_bit_for_bit_border_included(images):
    ref_row, ref_col = skimage_gray_gradients(images)
    where = np.nonzero(np.ones(ref_row.shape, dtype=bool))
    g_row, g_col = exact_gradients_at(images, *where)
    np.testing.assert_array_equal(g_row, ref_row[where])
    np.testing.assert_array_equal(g_col, ref_col[where])


def test_integer_path_equals_float64_path_for_every_integer_dtype(images):
    # uint8 takes the integer path; the same images as float64 take the float one.
    params = dict(pixels_per_cell=(3, 3), cells_per_block=(2, 2))
    fast = HOG(**params).fit(images).transform(images)
    slow = HOG(**params).fit(images).transform(img_as_float(images))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-6)
    wide = HOG(**params).fit(images).transform(images.astype(np.int64))
    np.testing.assert_array_equal(wide, fast)
