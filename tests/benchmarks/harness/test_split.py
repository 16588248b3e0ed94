"""benchmarks/harness/split.py: the fit, validation and test parts, and their augmentation."""

import numpy as np
import pytest

from benchmarks.data.dataset import Dataset
from benchmarks.harness.augment import resolve_augment
from benchmarks.harness.split import make_split, stratified_subset, validation_split
from tests.benchmarks.harness._data import tiny_dataset


def test_hflip_appends_exact_mirrors_of_the_fit_part_only():
    ds = tiny_dataset()
    plain = make_split(ds, val_size=12, seed=3)
    flipped = make_split(ds, val_size=12, seed=3, augment="hflip")
    n = len(plain.y_fit)
    assert n == 48 and len(flipped.y_fit) == 2 * n
    np.testing.assert_array_equal(flipped.X_fit[:n], plain.X_fit)
    np.testing.assert_array_equal(flipped.X_fit[n:], plain.X_fit[:, :, ::-1])
    np.testing.assert_array_equal(flipped.y_fit, np.concatenate([plain.y_fit, plain.y_fit]))
    # A mirror is a real left-right flip of each image, not of the batch or the colors.
    np.testing.assert_array_equal(flipped.X_fit[n, :, 0], plain.X_fit[0, :, -1])
    for part in ("X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(flipped, part), getattr(plain, part))
    assert plain.config["augment"] == "none" and flipped.config["augment"] == "hflip"
    assert {k: v for k, v in flipped.config.items() if k != "augment"} == {
        k: v for k, v in plain.config.items() if k != "augment"}


def test_hflip_flips_gray_images_too():
    ds = tiny_dataset()
    gray = Dataset(ds.X_train[..., 0], ds.y_train, ds.X_test[..., 0], ds.y_test,
                   ds.class_names, name="gray")
    split = make_split(gray, val_size=12, augment="hflip")
    n = len(split.y_fit) // 2
    np.testing.assert_array_equal(split.X_fit[n:], split.X_fit[:n, :, ::-1])


@pytest.mark.parametrize("augment, copies", [("shift", "none"), ("hflip+shift", "hflip")])
def test_shifts_are_never_copied_only_the_mirrors(augment, copies):
    # Rows that keep their images (feature rows, kNN) get the mirror part of the
    # value as copies, and no shifted copy: only per-batch learners shift.
    ds = tiny_dataset()
    split = make_split(ds, val_size=12, seed=3, augment=augment)
    expected = make_split(ds, val_size=12, seed=3, augment=copies)
    assert split.config == expected.config and split.config["augment"] == copies
    assert "shift_pixels" not in split.config
    for part in ("X_fit", "y_fit", "X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(split, part), getattr(expected, part))


@pytest.mark.parametrize("augment", ["shift", "hflip+shift"])
@pytest.mark.parametrize("auto", ["hflip", "hflip+shift"])
def test_in_batches_the_fit_part_holds_no_shifted_or_mirrored_copy(augment, auto):
    ds = tiny_dataset()
    split = make_split(ds, val_size=12, seed=3, augment=augment, auto_augment=auto,
                       in_batches=True)
    plain = make_split(ds, val_size=12, seed=3)
    for part in ("X_fit", "y_fit", "X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(split, part), getattr(plain, part))
    # The same bytes as the un-augmented fit part: memory does not grow.
    assert split.X_fit.nbytes == plain.X_fit.nbytes
    assert split.config == {**plain.config, "augment": augment, "shift_pixels": 1,
                            "augment_in_batches": True}


def test_the_shift_drawn_is_a_sixteenth_of_the_image_size():
    X = np.zeros((20, 32, 32), dtype=np.uint8)
    ds = Dataset(X, np.arange(20) % 2, X[:4], np.arange(4) % 2, ("a", "b"), name="dot")
    split = make_split(ds, val_size=4, augment="shift", in_batches=True)
    assert split.config["shift_pixels"] == 2 and len(split.y_fit) == 16


def test_configs_without_shift_have_no_shift_key():
    # Configs are cache keys: runs without shifts keep the keys they had.
    for augment in ("none", "hflip"):
        assert "shift_pixels" not in make_split(tiny_dataset(), val_size=12,
                                                augment=augment).config


@pytest.mark.parametrize("augment", ["shift", "hflip+shift"])
def test_shift_of_one_pixel_wide_images_is_an_error_before_any_work(augment, monkeypatch):
    import benchmarks.harness.split as harness

    def no_work(*args, **kwargs):
        raise AssertionError("work started before augment was checked")

    monkeypatch.setattr(harness, "stratified_subset", no_work)
    ds = tiny_dataset()
    thin = Dataset(ds.X_train[:, :, :1], ds.y_train, ds.X_test[:, :, :1], ds.y_test,
                   ds.class_names, name="thin")
    with pytest.raises(ValueError, match=r"leaves nothing of images of 8x1 pixels; pass "
                                         r"'hflip' or 'none'"):
        make_split(thin, augment=augment)


def test_same_seed_same_augmented_split():
    ds = tiny_dataset()
    a = make_split(ds, val_size=12, seed=5, augment="hflip")
    b = make_split(ds, val_size=12, seed=5, augment="hflip")
    for part in ("X_fit", "y_fit", "X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part))
    assert a.config == b.config


def test_no_augmentation_by_default():
    split = make_split(tiny_dataset(), val_size=12)
    assert split.config["augment"] == "none" and len(split.y_fit) == 48
    assert make_split(tiny_dataset(), val_size=12, augment="none").config == split.config


def test_auto_flips_color_images():
    ds = tiny_dataset()
    auto = make_split(ds, val_size=12, seed=3, augment="auto")
    flipped = make_split(ds, val_size=12, seed=3, augment="hflip")
    assert auto.config == flipped.config and auto.config["augment"] == "hflip"
    for part in ("X_fit", "y_fit", "X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(auto, part), getattr(flipped, part))


def test_auto_also_shifts_color_images_for_raw_pixel_pipelines_per_batch():
    ds = tiny_dataset()
    features = make_split(ds, val_size=12, seed=3, augment="auto")
    pixels = make_split(ds, val_size=12, seed=3, augment="auto", auto_augment="hflip+shift",
                        in_batches=True)
    explicit = make_split(ds, val_size=12, seed=3, augment="hflip+shift", in_batches=True)
    assert pixels.config == explicit.config and pixels.config["augment"] == "hflip+shift"
    assert len(pixels.y_fit) == 48 and len(features.y_fit) == 96
    # The same images underneath: the feature rows' fit part adds the mirrors.
    np.testing.assert_array_equal(features.X_fit[:48], pixels.X_fit)
    for part in ("X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(pixels, part), getattr(features, part))


@pytest.mark.parametrize("augment", ["none", "hflip", "shift"])
def test_auto_augment_changes_nothing_but_auto(augment):
    ds = tiny_dataset()
    a = make_split(ds, val_size=12, augment=augment)
    b = make_split(ds, val_size=12, augment=augment, auto_augment="hflip+shift")
    assert a.config == b.config
    np.testing.assert_array_equal(a.X_fit, b.X_fit)


@pytest.mark.parametrize("as_rgb", [False, True])
@pytest.mark.parametrize("raw_pixels", [False, True])
def test_auto_leaves_gray_images_alone(as_rgb, raw_pixels):
    # The digits are gray (H, W) images; image folders store gray images as
    # three equal channels. Neither is a color photo, so neither is mirrored.
    ds = tiny_dataset()
    gray_train, gray_test = ds.X_train[..., :1], ds.X_test[..., :1]
    if as_rgb:
        gray_train, gray_test = np.repeat(gray_train, 3, -1), np.repeat(gray_test, 3, -1)
    else:
        gray_train, gray_test = gray_train[..., 0], gray_test[..., 0]
    gray = Dataset(gray_train, ds.y_train, gray_test, ds.y_test, ds.class_names, name="g")
    split = make_split(gray, val_size=12, seed=3, augment="auto",
                       auto_augment="hflip+shift" if raw_pixels else "hflip")
    assert split.config["augment"] == "none" and len(split.y_fit) == 48


def test_auto_sees_color_in_a_single_pixel():
    ds = tiny_dataset()
    X = np.repeat(ds.X_train[..., :1], 3, -1)
    assert resolve_augment("auto", X).name == "none"
    X[7, 3, 5, 2] ^= 1  # one pixel of one image with a different blue
    assert resolve_augment("auto", X).name == "hflip"
    assert resolve_augment("none", X).name == "none" and resolve_augment(None, X).name == "none"


def test_auto_shifts_training_sets_of_any_size():
    # No memory budget: the shifts are drawn per batch, whatever the size.
    X = np.broadcast_to(tiny_dataset().X_train[:1], (200_000, 8, 8, 3))
    assert resolve_augment("auto", X, auto="hflip+shift").name == "hflip+shift"


def test_auto_does_not_shift_color_images_too_small_to_shift():
    X = np.zeros((2, 1, 5, 3), np.uint8)
    X[0, 0, 0] = (255, 0, 0)
    assert resolve_augment("auto", X, auto="hflip+shift").name == "hflip"
    taller = np.repeat(X, 2, axis=1)
    assert resolve_augment("auto", taller, auto="hflip+shift").name == "hflip+shift"


@pytest.mark.parametrize("bad", ["vflip", "HFLIP", "Auto", "", True, 1])
def test_unknown_augment_is_a_clear_error_before_any_work(bad, monkeypatch):
    import benchmarks.harness.split as harness

    def no_work(*args, **kwargs):
        raise AssertionError("work started before augment was checked")

    monkeypatch.setattr(harness, "stratified_subset", no_work)
    with pytest.raises(ValueError, match=r"augment \(--augment\) must be one of "
                                         r"auto, none, hflip, shift, hflip\+shift or None; "
                                         r"got " + repr(bad)):
        make_split(tiny_dataset(), augment=bad)


def _xy(n=100, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 4, 4, 3), dtype=np.uint8), np.arange(n) % k


def test_validation_split_is_stratified_and_seeded():
    X, y = _xy()
    X_fit, X_val, y_fit, y_val = validation_split(X, y, val_size=0.2, random_state=3)
    assert len(y_val) == 20 and np.bincount(y_val).tolist() == [5, 5, 5, 5]
    again = validation_split(X, y, val_size=0.2, random_state=3)
    np.testing.assert_array_equal(again[1], X_val)
    assert len(y_fit) + len(y_val) == len(y)


@pytest.mark.parametrize("bad", [0.0, 1.0, 0, 100, "a"])
def test_validation_split_bad_size(bad):
    X, y = _xy()
    with pytest.raises(ValueError, match="val_size"):
        validation_split(X, y, val_size=bad)


def test_stratified_subset():
    X, y = _xy()
    X_sub, y_sub = stratified_subset(X, y, 40, random_state=0)
    assert np.bincount(y_sub).tolist() == [10, 10, 10, 10]
    assert stratified_subset(X, y, None)[0] is X
    with pytest.raises(ValueError, match="number of samples \\(100\\); got 101"):
        stratified_subset(X, y, 101)


@pytest.mark.parametrize("kw,option", [
    (dict(seed=-1), "--seed"),
    (dict(seed=2**32), "--seed"),
    (dict(seed=1.5), "--seed"),
    (dict(train_size=0), "--train-size"),
    (dict(train_size=2), "--train-size"),      # fewer images than classes
    (dict(train_size=5), "--train-size"),      # a class with one image cannot be split
    (dict(train_size=4, val_size=0.5), "--train-size"),
    (dict(test_size=2), "--test-size"),
    (dict(val_size=1), "--val-size"),          # fewer validation images than classes
    (dict(val_size=0.01), "--val-size"),
    (dict(val_size=58), "--val-size"),         # fewer fit images than classes
    (dict(val_size=60), "--val-size"),
    (dict(val_size=float("nan")), "--val-size"),
    (dict(val_size=float("inf")), "--val-size"),
    (dict(val_size=-0.5), "--val-size"),
    (dict(val_size="0.1"), "--val-size"),
])
def test_split_errors_name_the_option_that_caused_them(kw, option):
    with pytest.raises((ValueError, TypeError), match="^" + option):
        make_split(tiny_dataset(), **kw)


def test_split_errors_name_the_option_a_learning_curve_passes():
    with pytest.raises(ValueError, match="^--sizes"):
        make_split(tiny_dataset(), train_size=5, train_option="--sizes")


@pytest.mark.parametrize("size", [58, 59])
def test_a_subset_leaving_out_fewer_images_than_classes(size):
    split = make_split(tiny_dataset(), train_size=size, test_size=19, val_size=6)
    assert split.config["train_size"] == size and split.config["test_size"] == 19
    assert len(split.y_fit) + len(split.y_val) == size


def test_in_batches_makes_no_copies_and_records_what_to_draw():
    ds = tiny_dataset()
    split = make_split(ds, val_size=12, augment="auto", auto_augment="hflip+shift",
                       in_batches=True)
    copied = make_split(ds, val_size=12, augment="auto", auto_augment="hflip+shift")
    assert len(split.y_fit) == 48 and len(copied.y_fit) == 96
    assert split.config["augment"] == "hflip+shift" and split.config["augment_in_batches"]
    assert copied.config["augment"] == "hflip" and "augment_in_batches" not in copied.config
    np.testing.assert_array_equal(split.X_fit, copied.X_fit[:48])


def test_in_batches_without_augmentation_records_none():
    split = make_split(tiny_dataset(), val_size=12, augment="none", in_batches=True)
    assert split.config["augment"] == "none" and "augment_in_batches" not in split.config


@pytest.mark.parametrize("augment, in_batches, mirrored", [
    ("hflip", False, True), ("hflip+shift", True, True), ("hflip+shift", False, True),
    ("none", False, False), ("shift", True, False)])
def test_test_mirrors_only_where_the_fit_part_trains_on_mirrors(augment, in_batches, mirrored):
    split = make_split(tiny_dataset(), augment=augment, in_batches=in_batches,
                       test_mirrors=True)
    assert split.info.test_mirrors is mirrored
    assert split.config.get("test_mirrors", False) is mirrored


def test_images_end_with_the_mirrors_of_the_validation_and_test_parts():
    split = make_split(tiny_dataset(), augment="hflip", test_mirrors=True)
    images = split.images
    assert len(images) == 5 and images[:3] == (split.X_fit, split.X_val, split.X_test)
    np.testing.assert_array_equal(images[3], split.X_val[:, :, ::-1])
    np.testing.assert_array_equal(images[4], split.X_test[:, :, ::-1])
    assert split.part_sizes == tuple(len(X) for X in images)
    plain = make_split(tiny_dataset(), augment="hflip")
    assert len(plain.images) == 3 and plain.part_sizes == tuple(len(X) for X in plain.images)


def test_without_test_mirrors_the_config_keeps_its_keys():
    assert "test_mirrors" not in make_split(tiny_dataset(), augment="hflip").config


@pytest.mark.parametrize("bad", [1, "yes", None])
def test_test_mirrors_must_be_a_bool_named_by_its_option(bad):
    with pytest.raises(TypeError, match="--test-mirrors"):
        make_split(tiny_dataset(), augment="hflip", test_mirrors=bad)
