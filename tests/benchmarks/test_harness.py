"""Tests of benchmarks/harness.py that need no real data: feature-block caching,
training-set augmentation."""

import joblib
import numpy as np
import pytest

from benchmarks.dataset import Dataset
from benchmarks.augment import resolve_augment
from benchmarks.harness import (Split, extract_features, feature_memory, make_split,
                                run_pipeline)
from features import ColorHistogram, HOG
from sklearn.pipeline import make_union


def tiny_split(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (30, 16, 16, 3), dtype=np.uint8)
    y = np.arange(30) % 3
    return Split(X[:20], y[:20], X[20:25], y[20:25], X[25:], y[25:], ("a", "b", "c"), {})


def test_blocks_are_cached_and_the_images_hashed_once_per_call(tmp_path, monkeypatch):
    features = make_union(HOG(pixels_per_cell=(4, 4)), ColorHistogram())
    split = tiny_split()
    memory = feature_memory(tmp_path)
    first, _, cached = extract_features(features, split, memory)
    assert not cached
    hashes = []
    real_hash = joblib.memory.hashing.hash
    monkeypatch.setattr(joblib.memory.hashing, "hash",
                        lambda *a, **k: hashes.append(1) or real_hash(*a, **k))
    again, _, cached = extract_features(features, split, memory)
    assert cached
    assert len(hashes) == 2  # one per block: no separate lookup before the call
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_disabled_cache_never_reports_a_hit(tmp_path):
    memory = feature_memory(enabled=False)
    split = tiny_split()
    for _ in range(2):
        _, _, cached = extract_features(HOG(pixels_per_cell=(4, 4)), split, memory)
        assert not cached


# Training-set augmentation by horizontal flips (make_split(augment=...)).


def tiny_dataset(name="cifar10", n_train=60, n_test=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (n_train + n_test, 8, 8, 3), dtype=np.uint8)
    y = np.arange(n_train + n_test) % 3
    return Dataset(X[:n_train], y[:n_train], X[n_train:], y[n_train:], ("a", "b", "c"),
                   name=name, source="synthetic")


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


def test_shift_appends_four_moved_copies_of_the_fit_part_only():
    ds = tiny_dataset()
    plain = make_split(ds, val_size=12, seed=3)
    shifted = make_split(ds, val_size=12, seed=3, augment="shift")
    n = len(plain.y_fit)
    assert len(shifted.y_fit) == 5 * n and shifted.config["shift_pixels"] == 1
    np.testing.assert_array_equal(shifted.y_fit, np.tile(plain.y_fit, 5))
    down, up, right, left = shifted.X_fit[n:].reshape(4, n, 8, 8, 3)
    np.testing.assert_array_equal(shifted.X_fit[:n], plain.X_fit)
    np.testing.assert_array_equal(down[:, 1:], plain.X_fit[:, :-1])
    np.testing.assert_array_equal(up[:, :-1], plain.X_fit[:, 1:])
    np.testing.assert_array_equal(right[:, :, 1:], plain.X_fit[:, :, :-1])
    np.testing.assert_array_equal(left[:, :, :-1], plain.X_fit[:, :, 1:])
    # What moves in from outside the image is black.
    for edge in (down[:, 0], up[:, -1], right[:, :, 0], left[:, :, -1]):
        assert not edge.any()
    for part in ("X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(shifted, part), getattr(plain, part))
    assert shifted.config["augment"] == "shift"


def test_single_pixel_moves_by_the_shift_of_its_image_size():
    # 32x32 images (CIFAR-10) move by 2 pixels: one lit pixel shows where.
    X = np.zeros((20, 32, 32), dtype=np.uint8)
    X[:, 10, 20] = 255
    ds = Dataset(X, np.arange(20) % 2, X[:4], np.arange(4) % 2, ("a", "b"), name="dot")
    split = make_split(ds, val_size=4, augment="shift")
    n = len(split.y_fit) // 5
    lit = [tuple(np.argwhere(split.X_fit[k * n])[0]) for k in range(5)]
    assert lit == [(10, 20), (12, 20), (8, 20), (10, 22), (10, 18)]
    assert split.config["shift_pixels"] == 2


def test_hflip_shift_shifts_the_mirrors_too():
    ds = tiny_dataset()
    flipped = make_split(ds, val_size=12, seed=3, augment="hflip")
    both = make_split(ds, val_size=12, seed=3, augment="hflip+shift")
    n = len(flipped.y_fit)
    assert len(both.y_fit) == 5 * n
    np.testing.assert_array_equal(both.X_fit[:n], flipped.X_fit)
    np.testing.assert_array_equal(both.X_fit[n:2 * n, 1:], flipped.X_fit[:, :-1])
    assert both.config["augment"] == "hflip+shift"


def test_configs_without_shift_have_no_shift_key():
    # Configs are cache keys: runs without shifts keep the keys they had.
    for augment in ("none", "hflip"):
        assert "shift_pixels" not in make_split(tiny_dataset(), val_size=12,
                                                augment=augment).config


@pytest.mark.parametrize("augment", ["shift", "hflip+shift"])
def test_shift_of_one_pixel_wide_images_is_an_error_before_any_work(augment, monkeypatch):
    import benchmarks.harness as harness

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


def test_auto_also_shifts_color_images_for_raw_pixel_pipelines():
    ds = tiny_dataset()
    features = make_split(ds, val_size=12, seed=3, augment="auto")
    pixels = make_split(ds, val_size=12, seed=3, augment="auto", raw_pixels=True)
    explicit = make_split(ds, val_size=12, seed=3, augment="hflip+shift")
    assert pixels.config == explicit.config and pixels.config["augment"] == "hflip+shift"
    np.testing.assert_array_equal(pixels.X_fit, explicit.X_fit)
    assert len(pixels.y_fit) == 5 * len(features.y_fit) == 480
    # The same images underneath: only the fit part's copies differ.
    np.testing.assert_array_equal(pixels.X_fit[:96], features.X_fit)
    for part in ("X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(pixels, part), getattr(features, part))


@pytest.mark.parametrize("augment", ["none", "hflip", "shift"])
def test_raw_pixels_changes_nothing_but_auto(augment):
    ds = tiny_dataset()
    a = make_split(ds, val_size=12, augment=augment)
    b = make_split(ds, val_size=12, augment=augment, raw_pixels=True)
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
    split = make_split(gray, val_size=12, seed=3, augment="auto", raw_pixels=raw_pixels)
    assert split.config["augment"] == "none" and len(split.y_fit) == 48


def test_auto_sees_color_in_a_single_pixel():
    ds = tiny_dataset()
    X = np.repeat(ds.X_train[..., :1], 3, -1)
    assert resolve_augment("auto", X) == "none"
    X[7, 3, 5, 2] ^= 1  # one pixel of one image with a different blue
    assert resolve_augment("auto", X) == "hflip"
    assert resolve_augment("none", X) == "none" and resolve_augment(None, X) == "none"


def test_auto_does_not_shift_more_images_than_the_memory_budget(monkeypatch):
    import benchmarks.augment as augment

    X = tiny_dataset().X_train  # 60 images of 8x8x3: ten float32 copies are 460,800 bytes
    monkeypatch.setattr(augment, "AUTO_SHIFT_MAX_BYTES", 460_800)
    assert resolve_augment("auto", X, raw_pixels=True) == "hflip+shift"
    monkeypatch.setattr(augment, "AUTO_SHIFT_MAX_BYTES", 460_799)
    assert resolve_augment("auto", X, raw_pixels=True) == "hflip"
    assert resolve_augment("hflip+shift", X, raw_pixels=True) == "hflip+shift"


def test_auto_does_not_shift_color_images_too_small_to_shift():
    X = np.zeros((2, 1, 5, 3), np.uint8)
    X[0, 0, 0] = (255, 0, 0)
    assert resolve_augment("auto", X, raw_pixels=True) == "hflip"
    assert resolve_augment("auto", np.repeat(X, 2, axis=1), raw_pixels=True) == "hflip+shift"


@pytest.mark.parametrize("bad", ["vflip", "HFLIP", "Auto", "", True, 1])
def test_unknown_augment_is_a_clear_error_before_any_work(bad, monkeypatch):
    import benchmarks.harness as harness

    def no_work(*args, **kwargs):
        raise AssertionError("work started before augment was checked")

    monkeypatch.setattr(harness, "stratified_subset", no_work)
    with pytest.raises(ValueError, match=r"augment \(--augment\) must be one of "
                                         r"auto, none, hflip, shift, hflip\+shift or None; "
                                         r"got " + repr(bad)):
        make_split(tiny_dataset(), augment=bad)


def test_changed_augment_never_reuses_the_other_cached_row(tmp_path):
    ds = tiny_dataset(n_train=90, n_test=30)
    memory = feature_memory(tmp_path)
    rows = {}
    for augment in ("none", "hflip", "none", "hflip"):
        split = make_split(ds, val_size=15, augment=augment)
        row = run_pipeline("hog/svm", split, memory)
        rows.setdefault(augment, []).append(row)
    first_none, again_none = rows["none"]
    first_flip, again_flip = rows["hflip"]
    assert first_none["cache"] == "none"
    assert first_flip["cache"] == "none"  # not the row (nor the features) of "none"
    assert again_none["cache"] == "row" and again_flip["cache"] == "row"
    assert again_none["predictions"] == first_none["predictions"]
    assert again_flip["predictions"] == first_flip["predictions"]


def test_row_cache_key_has_no_memory_addresses_for_any_pipeline():
    # A key holding "<function f at 0x...>" differs in every process, so a
    # second run would miss the row cache (the reference rows did).
    import re

    import pipelines
    from benchmarks.harness import _fingerprint

    for name in pipelines.available():
        pipe = pipelines.make(name, image_shape=(32, 32, 3), random_state=0)
        key = str(_fingerprint(pipe))
        assert not re.search(r"0x[0-9a-f]{6,}", key), (name, key)
        assert key == str(_fingerprint(pipelines.make(name, image_shape=(32, 32, 3),
                                                      random_state=0)))


def test_changed_code_never_serves_cached_features(tmp_path, monkeypatch):
    from benchmarks import harness

    split = tiny_split()
    memory = feature_memory(tmp_path)
    hog = HOG(pixels_per_cell=(4, 4))
    assert not extract_features(hog, split, memory)[2]
    assert extract_features(hog, split, memory)[2]
    monkeypatch.setattr(harness, "code_fingerprint", lambda: "edited kernel")
    assert not extract_features(hog, split, memory)[2]


def test_code_fingerprint_changes_with_any_source_file(tmp_path, monkeypatch):
    from benchmarks import harness

    package = tmp_path / "fb_fake_kernels"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    kernel = package / "sub" / "kernel.py"
    kernel.write_text("SCALE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(harness, "_CODE_PACKAGES", ("fb_fake_kernels",))
    harness.code_fingerprint.cache_clear()
    before = harness.code_fingerprint()
    kernel.write_text("SCALE = 2\n")
    harness.code_fingerprint.cache_clear()
    try:
        assert harness.code_fingerprint() != before
    finally:
        monkeypatch.undo()
        harness.code_fingerprint.cache_clear()


@pytest.mark.parametrize("augment,epochs", [("none", 40), ("hflip", 40), ("hflip+shift", 20)])
def test_run_pipeline_tells_the_pipeline_how_many_copies_it_fits_on(augment, epochs,
                                                                    monkeypatch):
    import pipelines

    split = make_split(tiny_dataset(), val_size=12, augment=augment)
    built = []
    real = pipelines.make
    monkeypatch.setattr(pipelines, "make",
                        lambda *a, **k: built.append(real(*a, **k)) or built[-1])
    run_pipeline("pixels/mlp", split, feature_memory(enabled=False))
    assert built[0].named_steps["clf"].max_epochs == epochs


def test_raw_pixels_are_computed_again_not_stored(tmp_path):
    split = make_split(tiny_dataset(), val_size=12, augment="hflip")
    memory = feature_memory(tmp_path)
    first = run_pipeline("pixels/svm", split, memory)
    again = run_pipeline("pixels/softmax", split, memory)
    assert first["cache"] == "none" and again["cache"] == "none"
    assert not list(tmp_path.rglob("_extract_block"))
    # Feature blocks still are.
    run_pipeline("hog/svm", split, memory)
    assert len(list(tmp_path.rglob("_extract_block/*/output.pkl"))) == 1
