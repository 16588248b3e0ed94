"""Tests of features/pixels.py."""

import numpy as np
import pytest

from features import RawPixels


@pytest.mark.parametrize("dtype, out_dtype", [(np.uint8, np.float32), (np.float32, np.float32),
                                              (np.float64, np.float64)])
def test_values_are_flattened_pixels_in_unit_range(dtype, out_dtype):
    X8 = np.random.default_rng(0).integers(0, 256, (4, 5, 6, 3), dtype=np.uint8)
    X = X8 if dtype == np.uint8 else (X8 / 255).astype(dtype)
    got = RawPixels().fit_transform(X)
    assert got.dtype == out_dtype
    assert got.shape == (4, 90)
    np.testing.assert_allclose(got, (X8 / 255).reshape(4, -1), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.int64])
def test_integer_pixels_are_the_float64_conversion_rounded_to_float32(dtype):
    # Every value 0..255, so each of the 256 entries of the lookup is checked
    # against x * (1 / 255) in float64 (as skimage's img_as_float), then float32.
    X = (np.arange(256 * 3).reshape(16, 16, 3) % 256).astype(dtype)
    X = np.stack([X, X[::-1]])
    got = RawPixels().fit_transform(X)
    expected = (X.astype(np.float64) * (1.0 / 255)).astype(np.float32).reshape(2, -1)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)


def test_real_images_keep_row_column_channel_order(cifar10):
    X = cifar10.X_train[:10]
    got = RawPixels().fit_transform(X)
    assert got.min() >= 0 and got.max() <= 1
    # Pixel (row 3, column 7), green channel of image 2.
    assert got[2, (3 * 32 + 7) * 3 + 1] == np.float32(X[2, 3, 7, 1]) / np.float32(255)


@pytest.mark.parametrize("shape", [(3, 8, 8), (3, 8, 8, 1)])
def test_gray_batches_give_one_value_per_pixel(shape):
    X = np.random.default_rng(1).random(shape)
    est = RawPixels().fit(X)
    assert est.image_shape_ == (8, 8, 1)
    np.testing.assert_array_equal(est.transform(X), X.reshape(3, 64))
    assert est.get_feature_names_out()[9] == "pixel_1_1"


def test_feature_names_for_color_images():
    names = RawPixels().fit(np.zeros((1, 2, 2, 3))).get_feature_names_out()
    assert list(names[:4]) == ["pixel_0_0_0", "pixel_0_0_1", "pixel_0_0_2", "pixel_0_1_0"]
    assert len(names) == 12


def test_output_does_not_alias_the_input():
    X = np.random.default_rng(2).random((2, 4, 4, 3))
    out = RawPixels().fit_transform(X)
    out[:] = 0
    assert X.max() > 0


def test_pandas_output_has_pixel_columns():
    df = RawPixels().set_output(transform="pandas").fit_transform(np.zeros((2, 2, 2)))
    assert list(df.columns) == ["pixel_0_0", "pixel_0_1", "pixel_1_0", "pixel_1_1"]
