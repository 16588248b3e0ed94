"""Image files are checked on their header: not an image, or too many pixels, before decoding."""

import struct
import zlib

import numpy as np
import pytest
import skimage.util
from skimage import io, transform

from benchmarks.data.dataset import DatasetError
from benchmarks.data.image_folder import load_image_folder
from tests.benchmarks.data.test_image_folder import _save


def _png_header_only(width, height):
    """A PNG that declares ``width`` x ``height`` 1-bit pixels and holds a few bytes of data."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def _tiff_header_only(width, height):
    """A little-endian TIFF whose one strip of ``width`` x ``height`` gray bytes is not there."""
    tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
            (273, 4, 8), (277, 3, 1), (278, 4, height), (279, 4, width * height)]
    ifd = struct.pack("<H", len(tags)) + b"".join(
        struct.pack("<HHII" if kind == 4 else "<HHIHxx", tag, kind, 1, value)
        for tag, kind, value in tags) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8 + 16) + b"\0" * 16 + ifd


def _refuse_decoding(monkeypatch, path):
    from PIL import ImageFile
    from skimage import io

    def refuse(name):
        if str(name) == str(path):
            raise AssertionError("the pixels were decoded before the pixel count was checked")

    real_imread, real_load = io.imread, ImageFile.ImageFile.load

    def imread(name, *args, **kwargs):
        refuse(name)
        return real_imread(name, *args, **kwargs)

    def load(self):
        refuse(self.filename)
        return real_load(self)

    monkeypatch.setattr(io, "imread", imread)
    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


def test_png_declaring_too_many_pixels_is_refused_before_decoding(folder, monkeypatch):
    path = folder / "ant" / "huge.png"
    path.write_bytes(_png_header_only(12000, 12000))
    _refuse_decoding(monkeypatch, path)
    with pytest.raises(DatasetError, match=r"1 of 16 file\(s\)") as info:
        load_image_folder(folder)
    message = str(info.value)
    assert (f"  {path}: 12000x12000 PNG image has 144,000,000 pixels, over the limit of "
            f"100,000,000") in message
    assert ("raise the pixel limit (100,000,000) with max_pixels= or $FEATBENCH_MAX_PIXELS"
            in message)


def test_tiff_declaring_too_many_pixels_is_refused_before_decoding(folder, monkeypatch):
    path = folder / "bee" / "huge.tif"
    path.write_bytes(_tiff_header_only(30000, 30000))
    _refuse_decoding(monkeypatch, path)
    with pytest.raises(DatasetError, match=r"huge.tif: 30000x30000 TIFF image has 900,000,000 "
                                           r"pixels, over the limit"):
        load_image_folder(folder)


@pytest.mark.parametrize("ext", ["png", "tif", "jpg", "bmp"])
def test_max_pixels_applies_to_every_format(folder, ext):
    path = _save(folder / "cat" / f"big.{ext}", np.zeros((40, 50, 3), np.uint8))
    with pytest.raises(DatasetError, match=rf"big.{ext}: 50x40 .*has 2,000 pixels, over the "
                                           rf"limit of 1,999"):
        load_image_folder(folder, max_pixels=1999)
    ds = load_image_folder(folder, max_pixels=2000)
    assert str(path) in ds.extra["files_train"] + ds.extra["files_test"]


def test_env_var_sets_the_pixel_limit(folder, monkeypatch):
    _save(folder / "cat" / "big.png", np.zeros((40, 50, 3), np.uint8))
    monkeypatch.setenv("FEATBENCH_MAX_PIXELS", "1999")
    with pytest.raises(DatasetError, match=r"over the limit of 1,999"):
        load_image_folder(folder)
    assert len(load_image_folder(folder, max_pixels=2000).y_train) == 12  # the argument wins


@pytest.mark.parametrize("value", [0, -5, 2.5, "many", True])
def test_bad_max_pixels_is_refused_before_reading(folder, value):
    with pytest.raises(ValueError, match=r"max_pixels must be a positive number of pixels"):
        load_image_folder(folder, max_pixels=value)


def test_bad_env_var_is_named(folder, monkeypatch):
    monkeypatch.setenv("FEATBENCH_MAX_PIXELS", "lots")
    with pytest.raises(ValueError, match=r"\$FEATBENCH_MAX_PIXELS must be a positive .*'lots'"):
        load_image_folder(folder)


def test_too_large_images_are_skipped_with_their_reason(folder):
    path = folder / "ant" / "huge.png"
    path.write_bytes(_png_header_only(12000, 12000))
    logged = []
    ds = load_image_folder(folder, skip_unreadable=True, log=logged.append)
    assert ds.extra["skipped"] == ((str(path), ds.extra["skipped"][0][1]),)
    assert f"\n  {path}: 12000x12000 PNG image has 144,000,000 pixels" in logged[0]


def test_text_file_named_png_is_not_a_readable_image(folder):
    path = folder / "cat" / "notes.png"
    path.write_text("remember to label the cats\n")
    with pytest.raises(DatasetError) as info:
        load_image_folder(folder)
    message = str(info.value)
    assert (f"  {path}: not a readable image: it holds text ('remember to label the cats"
            in message)
    assert "plugin" not in message and "pip install" not in message


def test_skipped_files_go_to_stderr_not_to_warnings(folder, capsys, recwarn):
    path = folder / "cat" / "empty.png"
    path.write_bytes(b"")
    load_image_folder(folder, skip_unreadable=True)
    err = capsys.readouterr().err
    assert err == (f"skipped 1 unreadable file(s) under {folder}:\n"
                   f"  {path}: not a readable image: the file is empty; expected a PNG, "
                   f"JPEG, BMP or TIFF file\n")
    assert not [w for w in recwarn if "skipped" in str(w.message)]


def test_large_images_are_never_converted_to_float_whole(folder, monkeypatch):
    import benchmarks.data.image_decode as image_decode

    # Limits scaled down 64 times: 225 x 200 gray stands for 1800 x 1600 (69 MB as float RGB).
    monkeypatch.setattr(image_decode, "_WHOLE_BYTES", 2**26 // 64)
    monkeypatch.setattr(image_decode, "_BAND_BYTES", 2**25 // 64)
    noise = np.random.default_rng(0).integers(0, 256, (225, 200), dtype=np.uint8)
    path = _save(folder / "ant" / "photo.png", noise)
    sizes, real = [], skimage.util.img_as_float

    def counting(image, *args, **kwargs):
        sizes.append(np.size(image))
        return real(image, *args, **kwargs)

    monkeypatch.setattr(skimage.util, "img_as_float", counting)
    ds = load_image_folder(folder)
    assert max(sizes) < noise.size
    files = ds.extra["files_train"] + ds.extra["files_test"]
    got = np.concatenate([ds.X_train, ds.X_test])[files.index(str(path))]
    monkeypatch.setattr(skimage.util, "img_as_float", real)
    whole = transform.resize(real(np.repeat(noise[..., None], 3, axis=2)), (32, 32),
                             anti_aliasing=True)
    np.testing.assert_array_equal(got, np.clip(np.rint(whole * 255), 0, 255).astype(np.uint8))
