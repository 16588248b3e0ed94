"""features/_hsv_bins.py: HSV bit for bit equal to skimage, bins equal to numpy.histogram."""

import numpy as np
import pytest
from skimage.color import rgb2hsv

from features._hsv_bins import bin_indices, exact_bin_indices, rgb_to_hsv
from features._validation import check_images

DTYPES = [np.uint8, np.float32, np.float64]


def as_dtype(X_uint8, dtype):
    return X_uint8 if dtype == np.uint8 else (X_uint8 / 255).astype(dtype)


@pytest.fixture(scope="module")
def real_images(cifar10):
    return cifar10.X_train[:150]


@pytest.mark.parametrize("dtype", DTYPES)
def test_rgb_to_hsv_is_bitwise_skimage_on_real_images(real_images, dtype):
    floats = check_images(as_dtype(real_images, dtype))
    np.testing.assert_array_equal(np.stack(rgb_to_hsv(floats), axis=-1), rgb2hsv(floats))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rgb_to_hsv_is_bitwise_skimage_on_random_and_gray_pixels(dtype):
    rng = np.random.default_rng(0)
    X = rng.random((20, 9, 11, 3)).astype(dtype)
    X[:, :3] = X[:, :3, :, :1]          # gray pixels: max == min
    X[:, 3:5, :, 1] = X[:, 3:5, :, 0]   # red and green tie for the max
    X[:, 5, :, :] = 0                   # black
    np.testing.assert_array_equal(np.stack(rgb_to_hsv(X), axis=-1), rgb2hsv(X))


@pytest.mark.parametrize("bins", [1, 3, 7, 10, 32, 100])
def test_table_binning_equals_numpy_histogram_at_edges(bins):
    edges = np.linspace(0, 1, bins + 1, dtype=np.float32)
    near = np.concatenate([edges, np.nextafter(edges, np.float32(0)),
                           np.nextafter(edges, np.float32(1))])
    rng = np.random.default_rng(bins)
    values = np.concatenate([near, rng.random(5000, dtype=np.float32),
                             np.float32([0.0, -0.0, 1.0, 1e-40, 1e-30])])
    values = np.clip(values, 0, 1).astype(np.float32)
    counts = np.bincount(bin_indices(values, bins), minlength=bins)
    np.testing.assert_array_equal(counts, np.histogram(values, bins=bins, range=(0, 1))[0])
    np.testing.assert_array_equal(bin_indices(values, bins), exact_bin_indices(values, bins))
