"""The decoder: Pillow's own pixels where they are imageio's, imageio's everywhere else."""

import re

import numpy as np
import pytest
from PIL import Image
from skimage import io, util

from benchmarks.data.image_decode import _decode, read_image, resize_to_uint8


def _image(mode, rng, size=(7, 5)):
    channels = {"L": (), "LA": (2,), "RGB": (3,), "RGBA": (4,), "I;16": (), "CMYK": (4,)}[mode]
    dtype = np.uint16 if mode == "I;16" else np.uint8
    pixels = rng.integers(0, np.iinfo(dtype).max, size=(*size, *channels), dtype=dtype)
    return Image.fromarray(pixels) if mode == "I;16" else Image.fromarray(pixels, mode=mode)


_CASES = [("jpg", "L"), ("jpg", "RGB"), ("jpg", "CMYK"), ("png", "L"), ("png", "LA"),
          ("png", "RGB"), ("png", "RGBA"), ("png", "I;16"), ("png", "P"), ("bmp", "L"),
          ("bmp", "RGB"), ("bmp", "P")]


@pytest.mark.parametrize("ext, mode", _CASES)
def test_decoded_pixels_are_imageios(tmp_path, ext, mode):
    rng = np.random.default_rng(0)
    image = _image("RGB", rng).convert("P") if mode == "P" else _image(mode, rng)
    path = tmp_path / f"a.{ext}"
    image.save(path)
    ours, theirs = _decode(path, max_pixels=100), io.imread(path)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_png_with_a_transparent_colour_is_imageios(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "key.png"
    _image("RGB", rng).save(path, transparency=(0, 0, 0))
    np.testing.assert_array_equal(_decode(path, max_pixels=100), io.imread(path))


@pytest.mark.parametrize("ext", ["jpg", "png", "bmp"])
def test_read_image_is_the_float_round_trip_of_imageios_pixels(tmp_path, ext):
    rng = np.random.default_rng(2)
    path = tmp_path / f"a.{ext}"
    _image("RGB", rng, size=(32, 32)).save(path)
    expected = np.rint(util.img_as_float(io.imread(path)) * 255).astype(np.uint8)
    np.testing.assert_array_equal(read_image(path, (32, 32), max_pixels=32 * 32), expected)


def test_uint8_rgb_of_the_output_size_comes_back_unchanged():
    raw = np.arange(256 * 3, dtype=np.uint16).reshape(16, 16, 3).astype(np.uint8)  # every level
    out = resize_to_uint8(raw, (16, 16))
    np.testing.assert_array_equal(out, raw)
    assert out.flags.writeable and not np.shares_memory(out, raw)


def test_jpeg_with_an_exif_rotation_is_imageios(tmp_path):
    # Neither reader turns the image by its EXIF orientation: the pixels as stored.
    path = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees to display
    _image("RGB", np.random.default_rng(3), size=(4, 9)).save(path, exif=exif)
    ours = _decode(path, max_pixels=100)
    assert ours.shape == (4, 9, 3)
    np.testing.assert_array_equal(ours, io.imread(path))


@pytest.mark.parametrize("ext", ["jpg", "png", "bmp"])
def test_a_truncated_file_fails_as_it_fails_in_imageio(tmp_path, ext):
    # A whole header and half the pixels: the error is raised, not an object array made.
    whole, cut = tmp_path / f"whole.{ext}", tmp_path / f"cut.{ext}"
    _image("RGB", np.random.default_rng(4), size=(32, 32)).save(whole)
    cut.write_bytes(whole.read_bytes()[:whole.stat().st_size // 2])
    with pytest.raises(OSError) as theirs:
        io.imread(cut)
    with pytest.raises(OSError, match=re.escape(str(theirs.value))):
        read_image(cut, (32, 32), max_pixels=32 * 32)
