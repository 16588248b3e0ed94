"""benchmarks/harness/augment.py (make_split's use of it is tested in test_split)."""

import numpy as np
import pytest

from benchmarks.harness.augment import REQUESTS, check_request, resolve_augment
from benchmarks.harness.split import mirror_copies
from classifiers import Augment


@pytest.mark.parametrize("augment, copies", [(Augment(), 1), (Augment(hflip=True), 2)])
@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 3)])
def test_mirror_copies_keep_the_originals_first_and_repeat_labels(augment, copies, shape):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (6, *shape), dtype=np.uint8)
    y = np.arange(6) % 3
    X_aug, y_aug = mirror_copies(X, y, augment)
    assert X_aug.shape == (6 * copies, *shape) and X_aug.dtype == X.dtype
    np.testing.assert_array_equal(X_aug[:6], X)
    np.testing.assert_array_equal(y_aug, np.tile(y, copies))
    if augment.hflip:
        np.testing.assert_array_equal(X_aug[6:], X[:, :, ::-1])


@pytest.mark.parametrize("augment", [Augment(shift=2), Augment(hflip=True, shift=1)])
def test_mirror_copies_refuse_shifts(augment):
    with pytest.raises(ValueError, match=r"makes mirror copies only; got "
                                         + repr(augment.name).replace("+", r"\+")
                                         + r"\. Shifts are drawn per mini-batch"):
        mirror_copies(np.zeros((2, 4, 4)), np.zeros(2), augment)


@pytest.mark.parametrize("augment, copied", [("none", "none"), ("hflip", "hflip"),
                                             ("shift", "none"), ("hflip+shift", "hflip")])
def test_rows_without_batches_get_the_mirrors_and_no_shifts(augment, copied):
    photos = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), np.uint8)
    assert resolve_augment(augment, photos, in_batches=False).name == copied
    assert resolve_augment(augment, photos, in_batches=True).name == augment


@pytest.mark.parametrize("shape, step", [((32, 32, 3), 2), ((8, 8), 1), ((64, 48), 3),
                                         ((2, 2), 1), ((24, 24), 2)])
def test_named_shifts_move_a_sixteenth_of_the_smaller_side(shape, step):
    X = np.zeros((1,) + shape, np.uint8)
    assert resolve_augment("shift", X) == Augment(shift=step)


def test_an_augment_value_is_taken_as_it_is():
    X = np.zeros((1, 32, 32, 3), np.uint8)
    assert resolve_augment(Augment(hflip=True, shift=5), X) == Augment(hflip=True, shift=5)


@pytest.mark.parametrize("bad", ["vflip", "", 3, "HFLIP"])
def test_check_request_names_the_choices(bad):
    with pytest.raises(ValueError, match=r"must be one of auto, none, hflip, shift, "
                                         r"hflip\+shift or None; got " + repr(bad)):
        check_request(bad)


def test_the_requests_are_auto_and_the_augment_names():
    assert REQUESTS == ("auto", "none", "hflip", "shift", "hflip+shift")
