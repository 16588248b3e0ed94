"""Tests of features/_hog_gradients.py: integer luminance gradients and skimage-exact fix-ups."""

import numpy as np
import pytest
from skimage.color import rgb2gray
from skimage.util import img_as_float

from features import HOG
from features._hog_gradients import (centered_gradients, dominant_channel,
                                     exact_gradients_at, integer_exact_angles,
                                     integer_gray_gradients, luma_scale, take_channel)


def skimage_gray_gradients(images):
    """What skimage.feature.hog differentiates: rgb2gray (or the channel) of img_as_float."""
    floats = img_as_float(images)
    gray = rgb2gray(floats) if images.shape[-1] == 3 else floats[..., 0]
    return centered_gradients(gray)


@pytest.fixture(params=[3, 1], ids=["rgb", "gray"])
def images(request):
    rng = np.random.default_rng(request.param)
    return rng.integers(0, 256, (5, 9, 11, request.param), dtype=np.uint8)


@pytest.mark.parametrize("shape", [(2, 1, 1), (2, 2, 3), (3, 5, 4), (3, 5, 4, 3), (2, 3, 3, 1)])
def test_centered_gradients_equal_the_stencil_for_any_shape(shape):
    images = np.random.default_rng(0).random(shape).astype(np.float32)
    expected_row, expected_col = np.zeros_like(images), np.zeros_like(images)
    for i in range(1, shape[1] - 1):
        expected_row[:, i] = images[:, i + 1] - images[:, i - 1]
    for j in range(1, shape[2] - 1):
        expected_col[:, :, j] = images[:, :, j + 1] - images[:, :, j - 1]
    g_row, g_col = centered_gradients(images)
    np.testing.assert_array_equal(g_row, expected_row)
    np.testing.assert_array_equal(g_col, expected_col)
    # A strided view gives the same.
    g_row, _ = centered_gradients(np.repeat(images, 2, axis=0)[::2])
    np.testing.assert_array_equal(g_row, expected_row)


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


@pytest.mark.parametrize("orientations", [9, 8])
def test_integer_exact_angles_bin_like_skimage_recomputing_only_edge_pixels(
        images, orientations, monkeypatch):
    from features import _hog_gradients
    from features._hog_bins import angle_bins, exact_bins

    g_row, g_col = integer_gray_gradients(images)
    every = np.nonzero(np.ones(g_row.shape, dtype=bool))
    recomputed = []
    real = _hog_gradients.exact_gradients_at
    monkeypatch.setattr(_hog_gradients, "exact_gradients_at",
                        lambda *a: recomputed.append(a[1].size) or real(*a))
    angles = integer_exact_angles(images, g_row, g_col, orientations)(*every)
    ref_row, ref_col = skimage_gray_gradients(images)
    np.testing.assert_array_equal(angle_bins(angles, orientations),
                                  exact_bins(ref_row[every], ref_col[every], orientations))
    # The top and bottom rows (row gradient exactly 0, angle 0) are on an edge;
    # most other pixels keep their integer gradients.
    assert 2 * images.shape[0] * images.shape[2] <= sum(recomputed) < g_row.size / 2


def _hypot_choice(g_row, g_col):
    return np.hypot(g_row, g_col).argmax(axis=-1)[..., np.newaxis]


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dominant_channel_is_hypots_choice_on_random_gradients(dtype, channels):
    rng = np.random.default_rng(channels)
    g_row, g_col = (rng.standard_normal((5, 9, 11, channels)).astype(dtype) for _ in range(2))
    np.testing.assert_array_equal(dominant_channel(g_row, g_col), _hypot_choice(g_row, g_col))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dominant_channel_breaks_near_and_exact_ties_as_hypot(dtype):
    rng = np.random.default_rng(7)
    a, b = (rng.random(3000).astype(dtype) for _ in range(2))
    # Channel 1: the magnitude of channel 0 in another direction, so the two are equal
    # or a rounding apart; channel 2: channel 0 swapped (an exact tie); then no gradient.
    m, angle = np.hypot(a, b), rng.random(3000) * np.pi / 2
    c, d = (m * np.cos(angle)).astype(dtype), (m * np.sin(angle)).astype(dtype)
    g_row = np.stack([a, c, b, np.zeros_like(a)], axis=-1)
    g_col = np.stack([b, d, a, np.zeros_like(a)], axis=-1)
    g_row[:50] = g_col[:50] = 0  # pixels without any gradient
    want = _hypot_choice(g_row, g_col)
    squares = g_row * g_row + g_col * g_col
    assert (squares.argmax(axis=-1)[..., np.newaxis] != want).sum() > 100  # the hard cases
    np.testing.assert_array_equal(dominant_channel(g_row, g_col), want)


@pytest.mark.parametrize("channels, dtype", [(256, np.uint8), (300, np.uint16)])
def test_dominant_channel_counts_ties_among_many_channels(channels, dtype):
    # Channels of one magnitude in other directions: more near ties than a byte counts.
    rng = np.random.default_rng(5)
    angle = rng.random((40, 1, channels)) * np.pi / 2
    g_row, g_col = 0.7 * np.cos(angle), 0.7 * np.sin(angle)
    want = _hypot_choice(g_row, g_col)
    squares_choice = (np.square(g_row) + np.square(g_col)).argmax(axis=-1)[..., np.newaxis]
    assert not np.array_equal(squares_choice, want)  # the squares alone would be wrong
    got = dominant_channel(g_row, g_col)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("channels", [2, 3, 256, 300])
def test_dominant_channel_finds_the_largest_channel_wherever_it_is(channels):
    # Known answer: pixel p's magnitudes grow up to channel p % channels, then fall.
    peak = np.arange(2 * channels) % channels
    magnitude = channels + 1.0 - np.abs(np.arange(channels) - peak[:, None])
    g_row, g_col = magnitude[None] * 0.6, magnitude[None] * 0.8
    np.testing.assert_array_equal(dominant_channel(g_row, g_col)[0, :, 0], peak)


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("contiguous", [True, False])
def test_take_channel_gathers_what_take_along_axis_gathers(channels, contiguous):
    rng = np.random.default_rng(channels)
    arrays = [rng.standard_normal((4, 6, 10, channels)).astype(np.float32) for _ in range(2)]
    if not contiguous:  # every other column: reshape(-1) must copy, not mix pixels
        arrays = [a[:, :, ::2] for a in arrays]
    channel = rng.integers(0, channels, arrays[0].shape[:-1] + (1,))
    got = take_channel(channel, *arrays)
    assert len(got) == 2
    for g, a in zip(got, arrays):
        assert g.dtype == a.dtype
        np.testing.assert_array_equal(g, np.take_along_axis(a, channel, axis=-1)[..., 0])
