import numpy as np
from skimage.color import rgb2gray, rgb2hsv
from skimage.feature import hog

from pipelines.reference import reference_pixels, skimage_hog_hue


def test_hog_hue_matches_one_image_by_hand():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    h = hog(rgb2gray(img), 9, (8, 8), (2, 2), block_norm="L2-Hys")
    hist = np.histogram(rgb2hsv(img)[..., 0], bins=10, range=(0, 1))[0] / 1024
    np.testing.assert_allclose(skimage_hog_hue(img[None])[0], np.r_[h, hist])


def test_gray_images_get_no_hue_histogram():
    out = skimage_hog_hue(np.zeros((2, 8, 8), np.uint8), pixels_per_cell=(2, 2))
    assert out.shape == (2, 9 * 3 * 3 * 4)


def test_reference_pixels_scale():
    out = reference_pixels().fit_transform(np.full((1, 2, 2, 3), 255, np.uint8))
    assert out.dtype == np.float32 and out.shape == (1, 12) and (out == 1).all()
