"""Tests of features/_hue_table.py: the 8-bit color table holds skimage's hue bin of every color."""

import numpy as np
import pytest

from features._hue_table import _build, _rational_bins, cached_hue_table, color_keys, hue_table
from features._hsv_bins import exact_bin_indices, rgb_to_hsv


def float_hue_bins(keys, bins):
    """The float64 path: skimage's HSV of the 8-bit color, then numpy.histogram's bin."""
    rgb = np.stack([keys & 255, (keys >> 8) & 255, keys >> 16], axis=-1)
    (hue,) = rgb_to_hsv(rgb.astype(np.float64) * (1 / 255), (0,))
    return exact_bin_indices(hue, bins)


@pytest.mark.parametrize("bins", [10, 300])
def test_table_equals_the_float_path_for_every_8bit_color(bins):
    table = hue_table(bins)
    assert table.dtype == (np.uint8 if bins <= 256 else np.uint16)
    assert not table.flags.writeable
    step = 1 << 21
    for start in range(0, 1 << 24, step):
        keys = np.arange(start, start + step)
        np.testing.assert_array_equal(table[start:start + step], float_hue_bins(keys, bins))
    assert cached_hue_table(bins) is table


@pytest.mark.parametrize("n_jobs", [2, 3])
def test_table_built_on_threads_equals_the_table_of_one(n_jobs):
    # 16 blocks of 2**20 colors: 3 threads leave an uneven last share.
    np.testing.assert_array_equal(_build(10, n_jobs), hue_table(10))


@pytest.mark.parametrize("rgb, expected", [
    ((255, 0, 0), 0),      # hue 0: on the first edge, exact in float too
    ((5, 3, 0), -1),       # hue 0.1 exactly: float rounding decides
    ((0, 255, 0), 3),      # hue 1/3, inside bin 3
    ((0, 0, 255), 6),      # hue 2/3
    ((255, 0, 128), 9),    # red maximum, negative hue wraps to the last bin
    ((7, 7, 7), 0),        # gray: hue 0
])
def test_rational_bins_known_answers(rgb, expected):
    key = np.array([rgb[0] | rgb[1] << 8 | rgb[2] << 16], dtype=np.int32)
    assert _rational_bins(key, 10)[0] == expected


@pytest.mark.parametrize("shape", [(1, 1, 1, 3), (1, 1, 2, 3), (3, 5, 7, 3), (2, 32, 32, 3)])
def test_color_keys_pack_red_green_blue(shape):
    images = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    expected = (images[..., 0].astype(np.intp) | images[..., 1].astype(np.intp) << 8
                | images[..., 2].astype(np.intp) << 16).reshape(shape[0], -1)
    np.testing.assert_array_equal(color_keys(images), expected)
    # Views that are not contiguous, and wider integer dtypes, give the same keys.
    np.testing.assert_array_equal(color_keys(images[:, ::-1, ::-1][:, ::-1, ::-1]), expected)
    np.testing.assert_array_equal(color_keys(images.astype(np.int64)), expected)
