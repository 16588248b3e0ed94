"""load_image_folder on folders built in tmp_path with real PNG, JPEG, BMP and TIFF files."""

import math

import numpy as np
import pytest
from skimage import io

from benchmarks.data.dataset import Dataset, DatasetError
from benchmarks.data.image_folder import load_image_folder

# Creation order differs from sorted order on purpose.
COLORS = {"cat": (200, 30, 30), "ant": (10, 200, 40), "bee": (20, 40, 220)}
LOSSLESS = ("png", "bmp", "tif")


def _save(path, image):
    path.parent.mkdir(parents=True, exist_ok=True)
    io.imsave(path, image, check_contrast=False)
    return path


def _solid(color, shape=(32, 32)):
    return np.broadcast_to(np.array(color, np.uint8), (*shape, len(color))).copy()


def _make_classes(folder, n_per_class=5, exts=LOSSLESS, shape=(32, 32)):
    for cls, color in COLORS.items():
        for i in range(n_per_class):
            _save(folder / cls / f"{i}.{exts[i % len(exts)]}", _solid(color, shape))


def _load_one(tmp_path, image, ext):
    """Load ``image`` saved as train/a/x.<ext> (plus filler) and return it as converted."""
    root = tmp_path / "one"
    target = _save(root / "train" / "a" / f"x.{ext}", image)
    for part in ("train", "test"):
        _save(root / part / "b" / "f.png", _solid((0, 0, 0)))
    _save(root / "test" / "a" / "f.png", _solid((0, 0, 0)))
    ds = load_image_folder(root)
    return ds.X_train[ds.extra["files_train"].index(str(target))]


# ---- shapes, order, labels ------------------------------------------------


def test_shapes_and_dtypes(folder):
    ds = load_image_folder(folder)
    assert isinstance(ds, Dataset)
    n_test = math.ceil(0.2 * 15)
    assert ds.X_train.shape == (15 - n_test, 32, 32, 3) and ds.X_test.shape == (n_test, 32, 32, 3)
    assert ds.X_train.dtype == ds.X_test.dtype == np.uint8
    assert ds.y_train.dtype == ds.y_test.dtype == np.int64


def test_classes_sorted_by_name(folder):
    assert load_image_folder(folder).class_names == ("ant", "bee", "cat")


def test_labels_match_image_content(folder):
    ds = load_image_folder(folder)
    for X, y in ((ds.X_train, ds.y_train), (ds.X_test, ds.y_test)):
        for image, label in zip(X, y):
            expected = COLORS[ds.class_names[label]]
            assert (image == np.array(expected, np.uint8)).all()


def test_files_recorded_in_array_order(folder):
    ds = load_image_folder(folder)
    for files, y in ((ds.extra["files_train"], ds.y_train), (ds.extra["files_test"], ds.y_test)):
        assert [f.split("/")[-2] for f in files] == [ds.class_names[i] for i in y]


def test_name_and_source(folder):
    assert load_image_folder(folder).name == "pets"
    ds = load_image_folder(folder, name="mine")
    assert ds.name == "mine" and ds.source == str(folder)


def test_other_and_hidden_files_ignored_upper_case_extensions_read(folder):
    (folder / "ant" / "README.txt").write_text("notes")
    (folder / "ant" / ".DS_Store").write_bytes(b"\0\1garbage")
    (folder / ".hidden-class").mkdir()
    _save(folder / "ant" / "UPPER.PNG", _solid(COLORS["ant"]))
    _save(folder / "bee" / "photo.JPEG", _solid(COLORS["bee"]))
    ds = load_image_folder(folder)
    assert len(ds.y_train) + len(ds.y_test) == 17
    assert ds.class_names == ("ant", "bee", "cat")


# ---- conversions to uint8 RGB ---------------------------------------------


@pytest.mark.parametrize("ext", LOSSLESS + ("jpg",))
def test_gray_becomes_equal_rgb_channels(tmp_path, ext):
    out = _load_one(tmp_path, np.full((32, 32), 100, np.uint8), ext)
    assert out.shape == (32, 32, 3)
    assert np.abs(out.astype(int) - 100).max() <= (2 if ext == "jpg" else 0)


@pytest.mark.parametrize("ext", LOSSLESS)
def test_rgb_values_kept_exactly(tmp_path, ext):
    out = _load_one(tmp_path, _solid((10, 200, 30)), ext)
    assert (out == [10, 200, 30]).all()


def test_jpeg_rgb_close_to_original(tmp_path):
    out = _load_one(tmp_path, _solid((10, 200, 30)), "jpg")
    assert np.abs(out.astype(int) - [10, 200, 30]).max() <= 3


@pytest.mark.parametrize("ext", ["png", "tif"])
@pytest.mark.parametrize(
    "rgba, expected",
    [
        ((200, 0, 0, 255), (200, 0, 0)),  # opaque: the color itself
        ((200, 0, 0, 0), (255, 255, 255)),  # transparent: white background
        ((0, 0, 0, 128), (127, 127, 127)),  # half: 255 * (1 - 128/255), rounded
    ],
)
def test_rgba_composited_on_white(tmp_path, ext, rgba, expected):
    assert (_load_one(tmp_path, _solid(rgba), ext) == expected).all()


@pytest.mark.parametrize(
    "value16, value8",
    [(257 * 100, 100), (25900, 101)],  # 25900 * 255 / 65535 = 100.78: rounded, not truncated
)
def test_sixteen_bit_gray_scaled_to_uint8(tmp_path, value16, value8):
    out = _load_one(tmp_path, np.full((32, 32), value16, np.uint16), "png")
    assert (out == value8).all()


# ---- resizing ---------------------------------------------------------------


def test_other_sizes_resized(tmp_path):
    root = tmp_path / "mixed"
    _make_classes(root, shape=(32, 32))
    _save(root / "ant" / "big.png", _solid(COLORS["ant"], (64, 48)))
    _save(root / "bee" / "small.bmp", _solid(COLORS["bee"], (10, 12)))
    ds = load_image_folder(root, test_fraction=0.25)
    assert ds.X_train.shape[1:] == ds.X_test.shape[1:] == (32, 32, 3)
    # a solid color stays that color through anti-aliased resizing
    big = ds.extra["files_train"] + ds.extra["files_test"]
    X = np.concatenate([ds.X_train, ds.X_test])
    assert (X[big.index(str(root / "ant" / "big.png"))] == COLORS["ant"]).all()


def test_resize_keeps_halves_of_a_two_tone_image(tmp_path):
    image = np.zeros((16, 16), np.uint8)
    image[:, 8:] = 255
    out = _load_one(tmp_path, image, "png")
    assert (out[:, :14] == 0).all() and (out[:, 18:] == 255).all()


@pytest.mark.parametrize("image_size, shape", [((20, 10), (20, 10, 3)), (24, (24, 24, 3))])
def test_image_size_parameter(folder, image_size, shape):
    ds = load_image_folder(folder, image_size=image_size)
    assert ds.X_train.shape[1:] == shape
    assert ds.extra["image_size"] == shape[:2]


# ---- splits -----------------------------------------------------------------


@pytest.fixture
def bigger(tmp_path):
    root = tmp_path / "bigger"
    _make_classes(root, n_per_class=10, exts=("png",))
    return root


def test_split_is_stratified(bigger):
    ds = load_image_folder(bigger, test_fraction=0.2)
    assert ds.class_counts()["test"].tolist() == [2, 2, 2]
    assert ds.class_counts()["train"].tolist() == [8, 8, 8]
    assert ds.extra["layout"] == "split"


def test_same_seed_same_split(bigger):
    a = load_image_folder(bigger, random_state=3)
    b = load_image_folder(bigger, random_state=3)
    assert a.extra["files_test"] == b.extra["files_test"]
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)


def test_other_seed_other_split(bigger):
    a = load_image_folder(bigger, random_state=0)
    b = load_image_folder(bigger, random_state=1)
    assert set(a.extra["files_test"]) != set(b.extra["files_test"])


def test_train_test_layout_used_as_is(tmp_path):
    root = tmp_path / "tt"
    _make_classes(root / "train", n_per_class=3)
    _make_classes(root / "test", n_per_class=2)
    ds = load_image_folder(root, test_fraction=0.5)  # ignored with this layout
    assert ds.extra["layout"] == "train/test"
    assert ds.class_counts()["train"].tolist() == [3, 3, 3]
    assert ds.class_counts()["test"].tolist() == [2, 2, 2]
    assert all("/test/" in f for f in ds.extra["files_test"])
    assert all("/train/" in f for f in ds.extra["files_train"])


def test_train_test_with_different_classes(tmp_path):
    root = tmp_path / "tt"
    _make_classes(root / "train", n_per_class=1)
    _make_classes(root / "test", n_per_class=1)
    _save(root / "train" / "dog" / "0.png", _solid((1, 2, 3)))
    with pytest.raises(DatasetError, match=r"same class folders; only in train: \['dog'\], "
                                           r"only in test: none"):
        load_image_folder(root)


@pytest.mark.parametrize("present, missing", [("train", "test"), ("test", "train")])
def test_train_without_test_folder(tmp_path, present, missing):
    _make_classes(tmp_path / "r" / present, n_per_class=1)
    with pytest.raises(DatasetError, match=rf"has {present}/ but no {missing}/"):
        load_image_folder(tmp_path / "r")


# ---- errors about the layout, found before reading any image -----------------


def test_missing_root(tmp_path, no_reading):
    with pytest.raises(FileNotFoundError, match=rf"{tmp_path / 'nope'} does not exist"):
        load_image_folder(tmp_path / "nope")


def test_root_is_a_file(tmp_path, no_reading):
    (tmp_path / "f.png").write_bytes(b"x")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        load_image_folder(tmp_path / "f.png")


def test_empty_root(tmp_path, no_reading):
    with pytest.raises(DatasetError, match=rf"{tmp_path} has no class folders\. Expected"):
        load_image_folder(tmp_path)


def test_loose_images_get_a_hint(tmp_path, no_reading):
    (tmp_path / "a.png").write_bytes(b"x")
    with pytest.raises(DatasetError, match=r"holds 1 image\(s\) directly; move them"):
        load_image_folder(tmp_path)


def test_class_folders_without_any_image(tmp_path, no_reading):
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        (tmp_path / cls / "notes.txt").write_text("x")
    with pytest.raises(DatasetError, match=r"no images in the class folders of .*\.png"):
        load_image_folder(tmp_path)


def test_one_empty_class_folder(folder, no_reading):
    (folder / "zebra").mkdir()
    with pytest.raises(DatasetError, match=r"class folder\(s\) without images in .*: zebra"):
        load_image_folder(folder)


def test_only_one_class(tmp_path, no_reading):
    for i in range(3):
        (tmp_path / "only").mkdir(exist_ok=True)
        (tmp_path / "only" / f"{i}.png").write_bytes(b"x")
    with pytest.raises(DatasetError, match=r"only one class \(only\).*at least two"):
        load_image_folder(tmp_path)


def test_class_too_small_to_split(folder, no_reading):
    (folder / "dog").mkdir()
    (folder / "dog" / "0.png").write_bytes(b"x")
    with pytest.raises(DatasetError, match=r"fewer than 2 images: dog \(1\)"):
        load_image_folder(folder)


@pytest.mark.parametrize("fraction", [0.05, 0.95])
def test_test_fraction_leaving_a_class_out(folder, fraction, no_reading):
    # 15 images, 3 classes: the test set needs >= 3 and the training set >= 3.
    with pytest.raises(DatasetError, match=r"each needs at least one per class.*between 0\.2"):
        load_image_folder(folder, test_fraction=fraction)


@pytest.mark.parametrize("size", [(0, 32), (32,), (32, 32, 3), "32", (32.0, 32), -4, None,
                                  (True, 32)])
def test_bad_image_size(folder, size, no_reading):
    with pytest.raises(ValueError, match=r"image_size must be .* positive ints"):
        load_image_folder(folder, image_size=size)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1, float("nan"), "0.2", None, True])
def test_bad_test_fraction(folder, fraction, no_reading):
    with pytest.raises(ValueError, match=r"test_fraction must be a number strictly between"):
        load_image_folder(folder, test_fraction=fraction)


# ---- unreadable files -----------------------------------------------------------


def test_unreadable_files_all_listed(with_bad_files):
    folder, bad = with_bad_files
    with pytest.raises(DatasetError, match=r"2 of 17 file\(s\)") as info:
        load_image_folder(folder)
    message = str(info.value)
    for path in bad:
        assert f"  {path}: " in message
    assert "skip_unreadable=True" in message


def test_skip_unreadable_logs_each_file_with_its_reason(with_bad_files):
    folder, bad = with_bad_files
    logged = []
    ds = load_image_folder(folder, skip_unreadable=True, log=logged.append)
    assert len(logged) == 1
    assert logged[0].startswith(f"skipped 2 unreadable file(s) under {folder}:")
    for path, reason in ds.extra["skipped"]:
        assert f"\n  {path}: {reason}" in logged[0]
    assert [path for path, _ in ds.extra["skipped"]] == [str(p) for p in bad]
    assert all(reason for _, reason in ds.extra["skipped"])
    assert len(ds.y_train) + len(ds.y_test) == 15
    kept = set(ds.extra["files_train"] + ds.extra["files_test"])
    assert not kept & {str(p) for p in bad}


def test_nothing_skipped_means_empty_list(folder):
    assert load_image_folder(folder, skip_unreadable=True).extra["skipped"] == ()


def test_skipping_that_leaves_a_class_too_small(folder):
    for i in range(4):  # 'ant' keeps a single readable image
        (folder / "ant" / f"{i}.{LOSSLESS[i % 3]}").write_bytes(b"garbage")
    with pytest.raises(DatasetError, match=r"ant \(1\)"):
        load_image_folder(folder, skip_unreadable=True, log=lambda message: None)


def test_skipping_all_test_images_of_a_class(tmp_path):
    root = tmp_path / "tt"
    _make_classes(root / "train", n_per_class=2)
    _make_classes(root / "test", n_per_class=1)
    (root / "test" / "bee" / "0.png").write_bytes(b"garbage")
    with pytest.raises(DatasetError, match=r"test has no readable image for class\(es\) bee"):
        load_image_folder(root, skip_unreadable=True, log=lambda message: None)


# ---- float images with values that are not pixels ------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("channels", [None, 3])
def test_float_tiff_with_nan_or_inf_is_refused_naming_the_file(folder, bad, channels):
    image = np.full((32, 32) if channels is None else (32, 32, channels), 0.5, np.float32)
    image[3, 4] = bad
    path = _save(folder / "bee" / "float.tif", image)
    assert not np.isfinite(io.imread(path)).all()  # the file really holds it
    with pytest.raises(DatasetError, match=r"1 of 16 file\(s\)") as info:
        load_image_folder(folder)
    assert f"  {path}: ValueError: NaN or infinite pixel values" in str(info.value)


def test_float_tiff_with_nan_is_skipped_under_skip_unreadable(folder):
    image = np.full((32, 32), np.nan, np.float32)
    path = _save(folder / "bee" / "float.tif", image)
    logged = []
    ds = load_image_folder(folder, skip_unreadable=True, log=logged.append)
    assert logged[0].startswith("skipped 1 unreadable file")
    assert [p for p, _ in ds.extra["skipped"]] == [str(path)]
    assert len(ds.y_train) + len(ds.y_test) == 15
