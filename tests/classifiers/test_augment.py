import numpy as np
import pytest

from classifiers.augment import (
    AUGMENTS, augment_batch, check_augment, flip_images, random_flip, random_shift,
    shift_images,
)


def _batch(n=6, h=5, w=4, c=2, dtype=np.uint8, seed=0):
    return np.random.default_rng(seed).integers(1, 256, (n, h, w, c)).astype(dtype)


def test_flip_mirrors_only_the_selected_images():
    X = np.arange(8).reshape(2, 1, 4, 1)
    out = flip_images(X, np.array([False, True]))
    assert out[0, 0, :, 0].tolist() == [0, 1, 2, 3]
    assert out[1, 0, :, 0].tolist() == [7, 6, 5, 4]


@pytest.mark.parametrize("dy,dx,expected", [
    (0, 0, [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
    (1, 0, [[4, 5, 6], [7, 8, 9], [0, 0, 0]]),
    (-1, 0, [[0, 0, 0], [1, 2, 3], [4, 5, 6]]),
    (0, 2, [[3, 0, 0], [6, 0, 0], [9, 0, 0]]),
    (-2, -1, [[0, 0, 0], [0, 0, 0], [0, 1, 2]]),
])
def test_shift_known_answers(dy, dx, expected):
    X = np.arange(1, 10).reshape(1, 3, 3, 1)
    out = shift_images(X, np.array([[dy, dx]]), 2)
    np.testing.assert_array_equal(out[0, :, :, 0], expected)


def test_shift_by_k_equals_a_zero_filled_roll():
    X = _batch(n=3, h=6, w=7)
    offsets = np.array([[2, -1], [-3, 3], [0, 1]])
    out = shift_images(X, offsets, 3)
    for img, res, (dy, dx) in zip(X, out, offsets):
        expected = np.zeros_like(img)
        H, W = img.shape[:2]
        # output pixel (i, j) shows input pixel (i + dy, j + dx) when inside the image
        for i in range(H):
            for j in range(W):
                if 0 <= i + dy < H and 0 <= j + dx < W:
                    expected[i, j] = img[i + dy, j + dx]
        np.testing.assert_array_equal(res, expected)


def _offset_of(img, res, shift):
    """The offsets ``(dy, dx)`` whose shift of ``img`` gives ``res``."""
    return [(dy, dx) for dy in range(-shift, shift + 1) for dx in range(-shift, shift + 1)
            if np.array_equal(shift_images(img[None], np.array([[dy, dx]]), shift)[0], res)]


def test_random_shift_draws_every_offset_in_range():
    X = _batch(n=400, h=6, w=6)
    out = random_shift(X, 2, np.random.default_rng(0))
    offsets = [_offset_of(img, res, 2) for img, res in zip(X, out)]
    assert all(len(o) == 1 for o in offsets)
    assert len({o[0] for o in offsets}) == 25   # 400 draws cover all 5 x 5 offsets


def test_random_flip_mirrors_about_half():
    X = _batch(n=1000, h=2, w=3)
    out = random_flip(X, np.random.default_rng(0))
    flipped = np.array([np.array_equal(o, x[:, ::-1]) for o, x in zip(out, X)])
    kept = np.array([np.array_equal(o, x) for o, x in zip(out, X)])
    assert np.all(flipped ^ kept)
    assert abs(flipped.mean() - 0.5) < 0.05   # 3 standard deviations of 1000 draws


@pytest.mark.parametrize("augment", AUGMENTS[1:])
def test_same_seed_same_draws_and_fresh_draws_per_batch(augment):
    X = _batch(n=50)
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    first, again = augment_batch(X, augment, a), augment_batch(X, augment, b)
    np.testing.assert_array_equal(first, again)
    # The next batch from the same generator gets other draws.
    assert not np.array_equal(augment_batch(X, augment, a), first)


@pytest.mark.parametrize("augment", AUGMENTS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_augment_batch_keeps_shape_dtype_and_input(augment, dtype):
    X = _batch(dtype=dtype)
    before = X.copy()
    out = augment_batch(X, augment, np.random.default_rng(0), shift=1)
    assert out.shape == X.shape and out.dtype == dtype
    np.testing.assert_array_equal(X, before)
    if augment is None:
        assert out is X


@pytest.mark.parametrize("augment,shift,error,match", [
    ("flip", 2, ValueError, "augment must be one of None, 'hflip', 'shift', 'hflip\\+shift'"),
    ("shift", 0, ValueError, "shift must be an integer >= 1; got 0"),
    ("shift", 1.5, TypeError, "shift must be an integer >= 1; got 1.5"),
])
def test_check_augment_errors(augment, shift, error, match):
    with pytest.raises(error, match=match):
        check_augment(augment, shift)
