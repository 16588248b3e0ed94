"""Tests of features/color.py: HSV equal to skimage, histograms equal to numpy's."""

import numpy as np
from skimage.util import img_as_float
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage.color import rgb2hsv

from features import ColorHistogram
from features.color import _count_rows
from features._validation import check_images

DTYPES = [np.uint8, np.float32, np.float64]


def as_dtype(X_uint8, dtype):
    return X_uint8 if dtype == np.uint8 else (X_uint8 / 255).astype(dtype)


def numpy_reference(images, color_space, channels, bins):
    """Per-image loop: color conversion, then np.histogram per channel / n_pixels.

    8-bit images go through skimage's own conversion (img_as_float: float64),
    as a user's loop of rgb2hsv would.
    """
    images = np.asarray(images)
    floats = img_as_float(images) if images.ndim == 4 else check_images(images)
    space = rgb2hsv(floats) if color_space == "hsv" else floats
    n_pixels = floats.shape[1] * floats.shape[2]
    return np.stack([
        np.concatenate([np.histogram(im[..., c], bins=bins, range=(0, 1))[0] for c in channels])
        / n_pixels
        for im in space
    ])


@pytest.fixture(scope="module")
def real_images(cifar10):
    return cifar10.X_train[:150]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("color_space", ["hsv", "rgb"])
@pytest.mark.parametrize("bins", [10, 7, 32])
def test_equals_numpy_histogram_per_image(real_images, dtype, color_space, bins):
    X = as_dtype(real_images, dtype)
    got = ColorHistogram(color_space=color_space, channels=None, bins=bins).fit_transform(X)
    assert got.dtype == (np.float64 if dtype == np.float64 else np.float32)
    expected = numpy_reference(X, color_space, (0, 1, 2), bins)
    np.testing.assert_array_equal(got, expected.astype(got.dtype))


def test_default_is_the_lecture_hue_histogram(real_images):
    got = ColorHistogram().fit_transform(real_images)
    assert got.shape == (len(real_images), 10)
    np.testing.assert_array_equal(got, numpy_reference(real_images, "hsv", (0,), 10)
                                  .astype(np.float32))


@pytest.mark.parametrize("color_space", ["hsv", "rgb"])
def test_joint_equals_numpy_histogramdd(real_images, color_space):
    X = as_dtype(real_images[:40], np.float64)
    got = ColorHistogram(color_space=color_space, channels=(0, 2), bins=6,
                         joint=True).fit_transform(X)
    space = rgb2hsv(X) if color_space == "hsv" else X
    expected = np.stack([
        np.histogramdd(im[..., [0, 2]].reshape(-1, 2), bins=6, range=[(0, 1), (0, 1)])[0].ravel()
        for im in space
    ]) / 1024
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("rgb, hue_bin", [((255, 0, 0), 0), ((0, 255, 0), 3), ((0, 0, 255), 6),
                                          ((255, 255, 0), 1), ((255, 0, 255), 8)])
def test_solid_color_fills_one_hue_bin(rgb, hue_bin):
    X = np.empty((2, 8, 8, 3), dtype=np.uint8)
    X[...] = rgb
    got = ColorHistogram().fit_transform(X)
    expected = np.zeros((2, 10), dtype=np.float32)
    expected[:, hue_bin] = 1
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("joint", [False, True])
def test_histogram_ignores_pixel_order(real_images, joint):
    X = real_images[:20]
    rng = np.random.default_rng(1)
    flat = X.reshape(20, -1, 3)
    shuffled = flat[:, rng.permutation(flat.shape[1])].reshape(X.shape)
    est = ColorHistogram(channels=None, bins=5, joint=joint)
    np.testing.assert_array_equal(est.fit_transform(X), est.fit_transform(shuffled))


def test_histogram_is_comparable_across_image_sizes(real_images):
    X = real_images[:10]
    tiled = np.tile(X, (1, 2, 3, 1))  # 64 x 96 images made of the same pixels
    est = ColorHistogram(channels=None)
    np.testing.assert_array_equal(est.fit_transform(X), est.fit_transform(tiled))


@pytest.mark.parametrize("joint, channels", [(False, (0,)), (False, None), (True, (0, 1)),
                                             (True, None)])
def test_each_histogram_sums_to_one(real_images, joint, channels):
    est = ColorHistogram(channels=channels, bins=4, joint=joint)
    got = est.fit_transform(real_images[:30]).astype(np.float64)
    n_hists = 1 if joint else len(est._channel_list())
    sums = got.reshape(30, n_hists, -1).sum(axis=-1)
    np.testing.assert_allclose(sums, 1.0, rtol=1e-6)


@pytest.mark.parametrize("color_space", ["hsv", "rgb"])
@pytest.mark.parametrize("gray_shape", [(6, 10, 10), (6, 10, 10, 1)])
def test_gray_images_are_rgb_with_equal_channels(color_space, gray_shape):
    gray = np.random.default_rng(2).integers(0, 256, gray_shape, dtype=np.uint8)
    rgb = np.repeat(gray.reshape(6, 10, 10, 1), 3, axis=-1)
    est = ColorHistogram(color_space=color_space, channels=None, bins=8)
    np.testing.assert_array_equal(est.fit_transform(gray), est.fit_transform(rgb))


def test_gray_images_have_all_hue_in_bin_zero():
    gray = np.random.default_rng(3).random((4, 6, 6))
    got = ColorHistogram().fit_transform(gray)
    np.testing.assert_array_equal(got[:, 0], 1.0)


@pytest.mark.parametrize(
    "params, names",
    [(dict(), [f"hue_{b}" for b in range(10)]),
     (dict(color_space="rgb", channels=(2, 0), bins=2), ["blue_0", "blue_1", "red_0", "red_1"]),
     (dict(channels=(0, 1), bins=2, joint=True),
      ["hue0_saturation0", "hue0_saturation1", "hue1_saturation0", "hue1_saturation1"])],
)
def test_feature_names(params, names):
    est = ColorHistogram(**params).fit(np.zeros((1, 4, 4, 3)))
    assert list(est.get_feature_names_out()) == names
    assert est.n_features_out_ == len(names)


@pytest.mark.parametrize("rgb, name", [((1.0, 0.0, 0.0), "hue0_saturation1"),
                                       ((0.0, 1.0, 1.0), "hue1_saturation1"),
                                       ((0.5, 0.5, 0.5), "hue0_saturation0")])
def test_joint_column_order_matches_feature_names(rgb, name):
    # red: hue 0, saturation 1; cyan: hue 0.5 (upper bin), saturation 1; gray: 0, 0.
    X = np.empty((1, 2, 2, 3))
    X[...] = rgb
    est = ColorHistogram(channels=(0, 1), bins=2, joint=True)
    row = est.fit_transform(X)[0]
    assert row.max() == 1.0
    assert est.get_feature_names_out()[np.argmax(row)] == name


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(color_space="lab"), ValueError, "color_space must be one of .*; got 'lab'"),
        (dict(channels=(3,)), ValueError,
         r"channels\[0\] must be an integer in \[0, 2\]; got 3\. Pass indices of 'hsv'"),
        (dict(channels=5), ValueError, r"channels must be an integer in \[0, 2\]; got 5"),
        (dict(channels=(0, 0)), ValueError, "must not repeat"),
        (dict(channels=()), ValueError, "channels is empty"),
        (dict(channels="h"), ValueError, r"channels\[0\] must be an integer in \[0, 2\]; got 'h'"),
        (dict(channels=(0, True)), ValueError, r"channels\[1\] must be .*; got True"),
        (dict(channels=1.5), TypeError, r"channels must be an integer in \[0, 2\]; got 1.5"),
        (dict(bins=0), ValueError, "bins must be an integer >= 1; got 0"),
        (dict(joint="no"), TypeError, "joint must be True or False; got 'no'"),
    ],
)
def test_bad_parameter_raises_at_fit(params, error, match):
    with pytest.raises(error, match=match):
        ColorHistogram(**params).fit(np.zeros((2, 4, 4, 3)))


def test_four_channel_images_raise_naming_the_fix():
    with pytest.raises(ValueError, match="got 4 channels.*rgba2rgb"):
        ColorHistogram().fit(np.zeros((2, 4, 4, 4)))


@settings(max_examples=40, deadline=None)
@given(
    images=arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 9), st.integers(1, 9),
                                        st.sampled_from([1, 3])),
                  elements=st.floats(0, 1)),
    color_space=st.sampled_from(["hsv", "rgb"]),
    joint=st.booleans(),
    bins=st.integers(1, 12),
)
@example(images=np.zeros((2, 3, 3, 3)), color_space="hsv", joint=False, bins=10)
@example(images=np.ones((1, 4, 2, 1)), color_space="hsv", joint=True, bins=3)
def test_property_finite_nonnegative_and_normalized(images, color_space, joint, bins):
    est = ColorHistogram(color_space=color_space, channels=(0, 1), bins=bins, joint=joint)
    got = est.fit_transform(images)
    assert np.isfinite(got).all() and got.min() >= 0
    n_hists = 1 if joint else 2
    np.testing.assert_allclose(got.reshape(len(images), n_hists, -1).sum(-1), 1.0)


@pytest.mark.parametrize("params", [dict(), dict(channels=(0, 1)), dict(channels=(2, 0)),
                                    dict(channels=(0, 1), joint=True, bins=4), dict(bins=7)])
def test_8bit_hue_table_path_equals_the_float_path(real_images, params, monkeypatch):
    from features import color

    hist = ColorHistogram(**params).fit(real_images)
    with monkeypatch.context() as patched:
        patched.setattr(color, "cached_hue_table", lambda bins: None)
        float_path = hist.transform(real_images)
    # A batch this big builds the table; later small batches use it too.
    copies = color._TABLE_MIN_PIXELS // real_images[..., 0].size + 1
    big = hist.transform(np.tile(real_images, (copies, 1, 1, 1)))
    assert color.cached_hue_table(hist.bins) is not None
    np.testing.assert_array_equal(big[: len(real_images)], float_path)
    np.testing.assert_array_equal(hist.transform(real_images), float_path)


@pytest.mark.parametrize("params", [dict(), dict(channels=(0, 1, 2), joint=True)])
@pytest.mark.parametrize("chunk_size, n_jobs", [(None, None), (None, 2), (7, 2), (1, -1)])
def test_chunking_and_threads_do_not_change_the_result(real_images, params, chunk_size, n_jobs):
    whole = ColorHistogram(chunk_size=1000, **params).fit_transform(real_images)
    got = ColorHistogram(chunk_size=chunk_size, n_jobs=n_jobs, **params).fit_transform(real_images)
    assert ColorHistogram().chunk_size is None
    np.testing.assert_array_equal(got, whole)


@pytest.mark.parametrize("dtype", [np.uint8, np.intp])
@pytest.mark.parametrize("m", [8, 1024, 2040, 2048, 4096 + 8, 12])
@pytest.mark.parametrize("n_values", [1, 10, 16, 300])
def test_count_rows_equals_bincount_per_row(dtype, m, n_values):
    # Byte-lane sums, comparison sums and bincount must agree, including rows
    # longer than 255 words (several runs) and rows of one repeated value.
    rng = np.random.default_rng(m + n_values)
    values = rng.integers(0, min(n_values, 256), size=(5, m)).astype(dtype)
    values[0] = min(n_values, 256) - 1
    expected = np.stack([np.bincount(row, minlength=n_values) for row in values])
    np.testing.assert_array_equal(_count_rows(values, n_values), expected)
