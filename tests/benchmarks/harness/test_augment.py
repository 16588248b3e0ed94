"""benchmarks/harness/augment.py (make_split's use of it is tested in test_split)."""

import numpy as np
import pytest

from benchmarks.harness.augment import (augment_images, check_augment, copied_augment,
                                        shift_pixels)


@pytest.mark.parametrize("augment, copies", [("none", 1), ("hflip", 2)])
@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 3)])
def test_augment_images_keeps_the_originals_first_and_repeats_labels(augment, copies, shape):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (6, *shape), dtype=np.uint8)
    y = np.arange(6) % 3
    X_aug, y_aug = augment_images(X, y, augment)
    assert X_aug.shape == (6 * copies, *shape) and X_aug.dtype == X.dtype
    np.testing.assert_array_equal(X_aug[:6], X)
    np.testing.assert_array_equal(y_aug, np.tile(y, copies))
    if augment == "hflip":
        np.testing.assert_array_equal(X_aug[6:], X[:, :, ::-1])


@pytest.mark.parametrize("augment", ["auto", "shift", "hflip+shift"])
def test_augment_images_copies_mirrors_only(augment):
    with pytest.raises(ValueError, match=r"makes mirror copies only \('none' or 'hflip'\); got "
                                         + repr(augment).replace("+", r"\+")
                                         + r"\. Shifts are drawn per mini-batch"):
        augment_images(np.zeros((2, 4, 4)), np.zeros(2), augment)


@pytest.mark.parametrize("augment, copied", [("none", "none"), ("hflip", "hflip"),
                                             ("shift", "none"), ("hflip+shift", "hflip")])
def test_copied_augment_keeps_the_mirrors_and_drops_the_shifts(augment, copied):
    assert copied_augment(augment) == copied


def test_the_copy_budget_is_gone():
    import benchmarks.harness.augment as augment

    assert not hasattr(augment, "AUTO_SHIFT_MAX_BYTES") and not hasattr(augment, "_shift")
    assert not hasattr(augment, "augment_copies")


@pytest.mark.parametrize("shape, step", [((32, 32, 3), 2), ((8, 8), 1), ((64, 48), 3),
                                         ((2, 2), 1), ((24, 24), 2)])
def test_shift_pixels_is_a_sixteenth_of_the_smaller_side(shape, step):
    assert shift_pixels(shape) == step


@pytest.mark.parametrize("bad", ["vflip", "", 3, "HFLIP"])
def test_check_augment_names_the_choices(bad):
    with pytest.raises(ValueError, match=r"must be one of auto, none, hflip, shift, "
                                         r"hflip\+shift or None; got " + repr(bad)):
        check_augment(bad)
