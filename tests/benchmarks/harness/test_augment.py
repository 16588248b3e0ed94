"""benchmarks/harness/augment.py (make_split's use of it is tested in test_split)."""

import numpy as np
import pytest

from benchmarks.harness.augment import augment_images, check_augment, shift_pixels


@pytest.mark.parametrize("augment, copies", [("none", 1), ("hflip", 2), ("shift", 5),
                                             ("hflip+shift", 10)])
@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 3)])
def test_augment_images_keeps_the_originals_first_and_repeats_labels(augment, copies, shape):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (6, *shape), dtype=np.uint8)
    y = np.arange(6) % 3
    X_aug, y_aug = augment_images(X, y, augment)
    assert X_aug.shape == (6 * copies, *shape) and X_aug.dtype == X.dtype
    np.testing.assert_array_equal(X_aug[:6], X)
    np.testing.assert_array_equal(y_aug, np.tile(y, copies))


def test_shifted_copies_keep_every_pixel_that_stays_inside():
    # A 16x16 ramp moved by one pixel: each copy loses one row or column of
    # the original and gains one of zeros, so its sum drops by that line.
    X = np.arange(1, 257, dtype=np.int64).reshape(1, 16, 16)
    X_aug, _ = augment_images(X, np.array([0]), "shift")
    down, up, right, left = X_aug[1:]
    total = X.sum()
    assert down.sum() == total - X[0, -1].sum() and up.sum() == total - X[0, 0].sum()
    assert right.sum() == total - X[0, :, -1].sum() and left.sum() == total - X[0, :, 0].sum()


@pytest.mark.parametrize("shape, step", [((32, 32, 3), 2), ((8, 8), 1), ((64, 48), 3),
                                         ((2, 2), 1), ((24, 24), 2)])
def test_shift_pixels_is_a_sixteenth_of_the_smaller_side(shape, step):
    assert shift_pixels(shape) == step


def test_augment_images_refuses_auto():
    with pytest.raises(ValueError, match="needs a resolved augment; call resolve_augment"):
        augment_images(np.zeros((2, 4, 4)), np.zeros(2), "auto")


@pytest.mark.parametrize("bad", ["vflip", "", 3, "HFLIP"])
def test_check_augment_names_the_choices(bad):
    with pytest.raises(ValueError, match=r"must be one of auto, none, hflip, shift, "
                                         r"hflip\+shift or None; got " + repr(bad)):
        check_augment(bad)
