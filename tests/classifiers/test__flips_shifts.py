"""classifiers/_flips_shifts.py: mirrors and shifts of NHWC batches in one pass."""

import numpy as np
import pytest

from classifiers._flips_shifts import flip_images, flip_shift_images, shift_images


def _by_definition(X, which, offsets, shift):
    """Each image mirrored if chosen, padded by ``shift`` zeros, cropped at its offset."""
    H, W = X.shape[1:3]
    out = []
    for n, image in enumerate(X):
        if which is not None and which[n]:
            image = image[:, ::-1]
        padded = np.pad(image, ((shift, shift), (shift, shift), (0, 0)))
        dy, dx = offsets[n]
        out.append(padded[shift + dy:shift + dy + H, shift + dx:shift + dx + W])
    return np.stack(out)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("shift", [1, 2, 5])  # 5: moves past the 4 x 5 frame
@pytest.mark.parametrize("mirrors", ["none", "some", "all"])
def test_flip_shift_images_is_mirror_pad_and_crop(dtype, channels, shift, mirrors):
    rng = np.random.default_rng(shift * 10 + channels)
    X = rng.integers(1, 255, size=(23, 4, 5, channels)).astype(dtype)
    which = {"none": None, "some": rng.random(23) < 0.5, "all": np.ones(23, bool)}[mirrors]
    offsets = rng.integers(-shift, shift + 1, size=(23, 2))
    before = X.copy()
    out = flip_shift_images(X, which, offsets, shift)
    np.testing.assert_array_equal(out, _by_definition(X, which, offsets, shift))
    assert out.dtype == X.dtype and out.flags.c_contiguous
    np.testing.assert_array_equal(X, before)  # the input is left alone


def test_flip_shift_images_equals_flip_then_shift():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 8, 8, 3)).astype(np.float32)
    which, offsets = rng.random(50) < 0.5, rng.integers(-2, 3, size=(50, 2))
    np.testing.assert_array_equal(flip_shift_images(X, which, offsets, 2),
                                  shift_images(flip_images(X, which), offsets, 2))


def test_zero_offsets_and_no_mirror_give_the_batch_back_as_a_copy():
    X = np.arange(2 * 3 * 4 * 2, dtype=np.float64).reshape(2, 3, 4, 2)
    out = flip_shift_images(X, np.array([False, False]), np.zeros((2, 2), int), 2)
    np.testing.assert_array_equal(out, X)
    assert not np.shares_memory(out, X)
