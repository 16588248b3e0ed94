"""Tests of features/hog.py: equality with skimage, known answers, errors, plumbing."""

import itertools

import matplotlib
import numpy as np
from skimage.util import img_as_float
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage.color import rgb2gray
from skimage.feature import hog as sk_hog
from sklearn.datasets import load_digits

from features import HOG, hog_image, plot_hog
from features._validation import check_images

matplotlib.use("Agg")

TOL = 1e-6
BLOCK_NORMS = ["L1", "L1-sqrt", "L2", "L2-Hys"]


def skimage_reference(images, color, **params):
    """Loop of skimage.feature.hog over the images as skimage converts them.

    img_as_float: 8-bit images become float64 (x * 1/255), float images keep
    their dtype.
    """
    floats = img_as_float(np.asarray(images))
    if floats.ndim == 3:
        floats = floats[..., np.newaxis]
    if color == "gray":
        if floats.shape[-1] == 3:
            return np.stack([sk_hog(rgb2gray(im), **params) for im in floats])
        return np.stack([sk_hog(im[..., 0], **params) for im in floats])
    return np.stack([sk_hog(im, channel_axis=-1, **params) for im in floats])


@pytest.fixture(scope="module")
def real_images(cifar10):
    return cifar10.X_train[:60]


@pytest.mark.parametrize(
    "block_norm, color, cells_per_block, transform_sqrt",
    list(itertools.product(BLOCK_NORMS, ["gray", "dominant"], [(2, 2), (1, 1)], [False, True])),
)
def test_equals_skimage_on_real_images(real_images, block_norm, color, cells_per_block,
                                       transform_sqrt):
    params = dict(orientations=9, pixels_per_cell=(8, 8), cells_per_block=cells_per_block,
                  block_norm=block_norm, transform_sqrt=transform_sqrt)
    got = HOG(color=color, **params).fit_transform(real_images)
    expected = skimage_reference(real_images, color, **params)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= TOL


@pytest.mark.parametrize(
    "orientations, pixels_per_cell, cells_per_block, shape",
    [(9, (8, 8), (3, 3), (32, 32)), (7, (6, 5), (2, 2), (32, 32)), (12, (4, 4), (2, 3), (21, 27)),
     (4, (3, 3), (1, 1), (10, 13)), (6, (5, 7), (1, 2), (17, 30))],
)
@pytest.mark.parametrize("color", ["gray", "dominant"])
def test_equals_skimage_on_random_images(orientations, pixels_per_cell, cells_per_block, shape,
                                         color):
    X = np.random.default_rng(1).integers(0, 256, (12, *shape, 3), dtype=np.uint8)
    params = dict(orientations=orientations, pixels_per_cell=pixels_per_cell,
                  cells_per_block=cells_per_block, block_norm="L2-Hys")
    got = HOG(color=color, **params).fit_transform(X)
    assert np.abs(got - skimage_reference(X, color, **params)).max() <= TOL


@pytest.mark.parametrize("dtype, out_dtype", [(np.uint8, np.float32), (np.float32, np.float32),
                                              (np.float64, np.float64)])
def test_dtype_rule_and_equality_for_every_input_dtype(real_images, dtype, out_dtype):
    X = real_images[:20] if dtype == np.uint8 else (real_images[:20] / 255).astype(dtype)
    got = HOG(color="dominant").fit_transform(X)
    assert got.dtype == out_dtype
    expected = skimage_reference(X, "dominant", cells_per_block=(2, 2))
    assert np.abs(got - expected).max() <= TOL


def test_vertical_step_edge_puts_energy_in_orientation_zero():
    # Left half dark, right half bright: the gradient points along the columns,
    # orientation 0 degrees, which is bin 0 of 9.
    X = np.zeros((1, 16, 16), dtype=np.float64)
    X[:, :, 8:] = 1.0
    feats = HOG(pixels_per_cell=(8, 8), cells_per_block=(1, 1), block_norm="L1").fit_transform(X)
    per_cell = feats.reshape(2, 2, 9)
    assert np.all(per_cell[..., 1:] == 0)
    np.testing.assert_allclose(per_cell[..., 0], 1.0, atol=1e-4)


def test_horizontal_step_edge_puts_energy_in_orientation_ninety():
    X = np.zeros((1, 16, 16), dtype=np.float64)
    X[:, 8:, :] = 1.0
    feats = HOG(pixels_per_cell=(8, 8), cells_per_block=(1, 1), block_norm="L1").fit_transform(X)
    per_cell = feats.reshape(2, 2, 9)
    # 90 degrees falls in [80, 100), bin 4.
    assert np.all(np.delete(per_cell, 4, axis=-1) == 0)
    np.testing.assert_allclose(per_cell[..., 4], 1.0, atol=1e-4)


@pytest.mark.parametrize("value", [0, 128, 255])
def test_constant_image_gives_zero_features(value):
    X = np.full((3, 32, 32, 3), value, dtype=np.uint8)
    feats = HOG().fit_transform(X)
    assert np.all(feats == 0)


def test_gray_three_and_four_dimensional_batches_agree():
    X = np.random.default_rng(2).random((5, 24, 24))
    a = HOG().fit_transform(X)
    b = HOG().fit_transform(X[..., np.newaxis])
    c = HOG(color="dominant").fit_transform(X[..., np.newaxis])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_gray_mode_on_rgb_equals_hog_of_rgb2gray():
    X = np.random.default_rng(3).random((6, 32, 32, 3))
    np.testing.assert_allclose(HOG().fit_transform(X), HOG().fit_transform(rgb2gray(X)),
                               rtol=0, atol=1e-12)


def test_small_gray_digits_with_scaled_cells():
    digits = load_digits().images[:50] / 16.0
    params = dict(orientations=9, pixels_per_cell=(2, 2), cells_per_block=(2, 2))
    got = HOG(**params).fit_transform(digits)
    expected = np.stack([sk_hog(im, **params) for im in digits])
    assert got.shape == (50, 3 * 3 * 2 * 2 * 9)
    assert np.abs(got - expected).max() <= TOL


@pytest.mark.parametrize("chunk_size, n_jobs", [(7, None), (1, 2), (16, -1), (None, 2)])
def test_chunking_and_threads_do_not_change_the_result(real_images, chunk_size, n_jobs):
    X = real_images[:150]
    whole = HOG(chunk_size=1000).fit_transform(X)
    chunked = HOG(chunk_size=chunk_size, n_jobs=n_jobs).fit_transform(X)
    np.testing.assert_array_equal(whole, chunked)


@pytest.mark.parametrize("orientations", [9, 12])
def test_the_orientation_table_is_built_before_the_chunks_are_handed_out(
        real_images, orientations, monkeypatch):
    from features import _base
    from features._hog_bins import ratio_lut

    ratio_lut.cache_clear()
    built_at_dispatch, real = [], _base.ImageTransformerMixin._map_chunks

    def recording(self, *args, **kwargs):
        built_at_dispatch.append(ratio_lut.cache_info().currsize)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(_base.ImageTransformerMixin, "_map_chunks", recording)
    HOG(orientations=orientations, chunk_size=8, n_jobs=2).fit_transform(real_images[:32])
    assert built_at_dispatch == [1]  # one table, built here, before the threads start
    assert ratio_lut.cache_info().misses == 1


@pytest.mark.parametrize("shape, chunk", [((32, 32, 3), 64), ((8, 8), 1024), ((300, 300), 1)])
def test_default_chunk_holds_the_pixel_budget(shape, chunk):
    hog = HOG(pixels_per_cell=(2, 2)).fit(np.zeros((1,) + shape))
    assert hog.chunk_size is None and hog._default_chunk_size(10, np.float64) == chunk


def test_feature_names_are_unique_and_match_the_output_width():
    est = HOG(cells_per_block=(1, 2), orientations=4).fit(np.zeros((1, 16, 24)))
    names = est.get_feature_names_out()
    assert len(names) == est.n_features_out_ == 2 * 2 * 1 * 2 * 4
    assert len(set(names)) == len(names)
    assert names[0] == "hog_b0_0_c0_0_o0" and names[-1] == "hog_b1_1_c0_1_o3"


def test_pandas_output(real_images):
    df = HOG().set_output(transform="pandas").fit(real_images).transform(real_images[:4])
    assert df.shape == (4, 324)
    assert list(df.columns[:2]) == ["hog_b0_0_c0_0_o0", "hog_b0_0_c0_0_o1"]


@pytest.mark.parametrize(
    "params, shape",
    [(dict(), (2, 15, 32)), (dict(), (2, 32, 15)), (dict(pixels_per_cell=(4, 4),
                                                     cells_per_block=(3, 3)), (2, 11, 40))],
)
def test_image_too_small_for_one_block_raises_at_fit(params, shape, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("work started before the size check")

    monkeypatch.setattr(HOG, "_transform_chunk", fail)
    with pytest.raises(ValueError, match=r"too small for one HoG block.*pixels_per_cell"):
        HOG(**params).fit_transform(np.zeros(shape))


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(block_norm="L3"), ValueError, r"block_norm must be one of 'L1', .*; got 'L3'"),
        (dict(color="rgb"), ValueError, r"color must be one of 'gray', 'dominant'; got 'rgb'"),
        (dict(orientations=0), ValueError, "orientations must be an integer >= 1; got 0"),
        (dict(orientations=4.5), TypeError, "orientations must be an integer >= 1; got 4.5"),
        (dict(pixels_per_cell=(8, 0)), ValueError,
         r"pixels_per_cell\[1\] must be an integer >= 1; got 0"),
        (dict(pixels_per_cell=(8, 8, 8)), TypeError,
         r"pixels_per_cell must be a pair of integers >= 1; got \(8, 8, 8\)"),
        (dict(cells_per_block="2"), TypeError,
         r"cells_per_block must be a pair .*; got '2' .*cells_per_block=\(2, 2\)"),
        (dict(transform_sqrt="yes"), TypeError, "transform_sqrt must be True or False; got 'yes'"),
        (dict(chunk_size=0), ValueError, "chunk_size must be an integer >= 1; got 0"),
    ],
)
def test_bad_parameter_raises_at_fit(params, error, match):
    with pytest.raises(error, match=match):
        HOG(**params).fit(np.zeros((2, 32, 32, 3)))


def test_gray_mode_refuses_four_channels():
    with pytest.raises(ValueError, match=r"color='gray' needs images with 1 or 3.*got 4"):
        HOG().fit(np.zeros((2, 32, 32, 4)))


def test_dominant_mode_accepts_any_channel_count():
    X = np.random.default_rng(4).random((3, 16, 16, 4))
    params = dict(pixels_per_cell=(4, 4), cells_per_block=(2, 2))
    got = HOG(color="dominant", **params).fit_transform(X)
    assert np.abs(got - skimage_reference(X, "dominant", **params)).max() <= TOL


@settings(max_examples=40, deadline=None)
@given(
    images=arrays(np.uint8, st.tuples(st.integers(1, 3), st.integers(8, 20), st.integers(8, 20),
                                      st.sampled_from([1, 3])),
                  elements=st.integers(0, 255)),
    block_norm=st.sampled_from(BLOCK_NORMS),
    color=st.sampled_from(["gray", "dominant"]),
    transform_sqrt=st.booleans(),
)
@example(images=np.zeros((2, 8, 8, 3), dtype=np.uint8), block_norm="L1-sqrt", color="gray",
         transform_sqrt=True)
@example(images=np.full((1, 12, 9, 1), 255, dtype=np.uint8), block_norm="L2-Hys",
         color="dominant", transform_sqrt=False)
def test_property_features_are_finite_and_in_unit_range(images, block_norm, color,
                                                         transform_sqrt):
    est = HOG(pixels_per_cell=(4, 4), cells_per_block=(2, 2), block_norm=block_norm,
              color=color, transform_sqrt=transform_sqrt)
    feats = est.fit_transform(images)
    assert feats.shape == (images.shape[0], est.n_features_out_)
    assert np.isfinite(feats).all()
    assert feats.min() >= 0 and feats.max() <= 1 + 1e-6


@pytest.mark.parametrize("params", [dict(), dict(orientations=6, pixels_per_cell=(6, 6)),
                                    dict(color="dominant", transform_sqrt=True)])
def test_hog_image_equals_skimage_visualization(real_images, params):
    image = check_images(real_images[:1])[0]
    full = {"orientations": 9, "pixels_per_cell": (8, 8), **params}
    color = full.pop("color", "gray")
    picture = hog_image(image, color=color, **full)
    if color == "gray":
        _, expected = sk_hog(rgb2gray(image), visualize=True, **full)
    else:
        _, expected = sk_hog(image, visualize=True, channel_axis=-1, **full)
    assert picture.shape == (32, 32)
    np.testing.assert_allclose(picture, expected, rtol=0, atol=TOL)


def test_hog_image_refuses_a_batch():
    with pytest.raises(ValueError, match=r"one image of shape \(H, W\) or \(H, W, C\)"):
        hog_image(np.zeros((2, 32, 32, 3)))


def test_plot_hog_draws_on_given_axes():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    image = np.zeros((16, 16))
    image[:, 8:] = 1
    assert plot_hog(image, ax=ax) is ax
    assert len(ax.images) == 1
    plt.close(fig)


def test_equals_skimage_on_every_real_8bit_training_image(cifar10):
    # 8-bit input is computed in float64 as skimage converts it; in float32 a
    # few pixels of this set fall into the neighbouring orientation bin.
    from skimage.color import rgb2gray
    from skimage.feature import hog

    X = cifar10.X_train
    expected = np.stack([hog(rgb2gray(im), 9, (8, 8), (2, 2), block_norm="L2-Hys") for im in X])
    got = HOG().fit(X[:1]).transform(X)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
