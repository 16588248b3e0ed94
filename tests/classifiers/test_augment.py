import re

import numpy as np
import pytest

from classifiers.augment import (
    AUGMENTS, Augment, augment_batch, check_augment, check_image_shape, default_shift,
    flip_images, minibatches, random_flip, random_shift, shift_images,
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
    augment = Augment.parse(augment)
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
    out = augment_batch(X, Augment.parse(augment, shift=1), np.random.default_rng(0))
    assert out.shape == X.shape and out.dtype == dtype
    np.testing.assert_array_equal(X, before)
    if augment == "none":
        assert out is X


@pytest.mark.parametrize("augment,shift,error,match", [
    ("flip", 2, ValueError, "augment must be one of 'none', 'hflip', 'shift', 'hflip\\+shift' "
     "\\(or None for 'none'\\); got 'flip'"),
    (3, None, ValueError, "augment must be one of"),
    ("shift", 0, ValueError, "shift must be an integer >= 1; got 0"),
    ("shift", 1.5, TypeError, "shift must be an integer >= 1; got 1.5"),
])
def test_check_augment_errors(augment, shift, error, match):
    with pytest.raises(error, match=match):
        check_augment(augment, shift)


@pytest.mark.parametrize("name, hflip, shift", [("none", False, 0), (None, False, 0),
                                                ("hflip", True, 0), ("shift", False, 2),
                                                ("hflip+shift", True, 2)])
def test_augment_names_round_trip(name, hflip, shift):
    augment = Augment.parse(name, image_shape=(32, 32, 3))
    assert (augment.hflip, augment.shift) == (hflip, shift)
    assert augment.name == (name or "none") and Augment.parse(augment) is augment
    assert augment.mirrors == Augment(hflip=hflip)


@pytest.mark.parametrize("shape, shift", [((32, 32, 3), 2), ((8, 8), 1), ((64, 48, 3), 3)])
def test_a_named_shift_moves_a_sixteenth_of_the_smaller_side(shape, shift):
    assert default_shift(shape) == shift
    assert Augment.parse("shift", image_shape=shape) == Augment(shift=shift)
    assert Augment.parse("shift", shift=5, image_shape=shape) == Augment(shift=5)


def test_shifts_of_images_under_two_pixels_are_refused():
    with pytest.raises(ValueError, match=r"augment='shift' moves images by a pixel or more, "
                                         r"which leaves nothing of images of 1x5 pixels"):
        Augment.parse("shift", image_shape=(1, 5, 3))


@pytest.mark.parametrize("shape,expected", [((4, 5, 3), (4, 5, 3)), ((8, 8), (8, 8, 1)),
                                            ((1, 1, 1), (1, 1, 1))])
def test_check_image_shape_adds_one_channel_to_gray(shape, expected):
    assert check_image_shape(shape, int(np.prod(shape)), "hflip") == expected


@pytest.mark.parametrize("shape", [None, (4, 5, 2), [4, 5, 3], (60,), (4, 5, 3, 1), (4, 0, 3),
                                   (4, True, 15), (4.0, 5, 3)])
def test_check_image_shape_errors(shape):
    with pytest.raises(ValueError, match=r"image_shape must be \(H, W\) or \(H, W, C\) with "
                                         r"H \* W \* C = n_features = 60 when augment='shift'; "
                                         r"got " + re.escape(repr(shape))):
        check_image_shape(shape, 60, "shift")


def test_minibatches_without_augment_are_the_rows_in_a_seeded_order():
    X = np.arange(20).reshape(10, 2)
    batches = list(minibatches(X, 4, np.random.default_rng(3)))
    order = np.random.default_rng(3).permutation(10)
    assert [len(idx) for idx, _ in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([idx for idx, _ in batches]), order)
    for idx, batch in batches:
        np.testing.assert_array_equal(batch, X[idx])


@pytest.mark.parametrize("layout", ["rows", "images"])
def test_minibatches_known_answer_draws_order_then_each_batch(layout):
    # The same draws by hand: the order first, then for each batch its mirror
    # choices and its offsets, in that order, from the same generator.
    images = _batch(n=7, h=5, w=4, c=2)
    X = images.reshape(7, -1) if layout == "rows" else images
    shape = (5, 4, 2) if layout == "rows" else None
    got = list(minibatches(X, 3, np.random.default_rng(11), Augment(hflip=True, shift=2), shape))
    rng = np.random.default_rng(11)
    order = rng.permutation(7)
    for start, (idx, batch) in zip(range(0, 7, 3), got):
        np.testing.assert_array_equal(idx, order[start:start + 3])
        which = rng.random(len(idx)) < 0.5
        offsets = rng.integers(-2, 3, size=(len(idx), 2))
        expected = shift_images(flip_images(images[idx], which), offsets, 2)
        assert batch.shape == X[idx].shape and batch.dtype == X.dtype
        np.testing.assert_array_equal(batch.reshape(expected.shape), expected)


@pytest.mark.parametrize("augment", AUGMENTS[1:])
def test_minibatches_draw_fresh_augmentation_every_epoch(augment):
    X = _batch(n=64, h=6, w=6, c=1).reshape(64, -1)
    rng = np.random.default_rng(0)
    epochs = [dict((int(i), row) for idx, b in minibatches(X, 16, rng, Augment.parse(augment, 1), (6, 6, 1))
                   for i, row in zip(idx, b)) for _ in range(2)]
    changed = sum(not np.array_equal(epochs[0][i], epochs[1][i]) for i in range(64))
    assert changed >= 20  # another mirror (1/2) or offset (8/9) for many images
