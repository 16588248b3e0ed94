"""Read one image file as uint8 RGB of a given size, checking its pixel count first.

The header is read before anything is decoded: a file that is not an image is
named as such, and one whose width x height exceeds ``max_pixels`` (a small
PNG can declare 12000 x 12000) is refused before its pixels are allocated.
An 8-bit gray, RGB or RGBA JPEG, PNG or BMP file is decoded by Pillow alone,
which gives the pixels :func:`skimage.io.imread` would in a third of its time;
every other file is read by :func:`skimage.io.imread`. Decoded pixels stay in
their own type (uint8 for 8-bit files). An image whose float copy would take
up to 64 MiB (2.8 million pixels) is converted and resized with
:func:`skimage.transform.resize` as a whole; a larger one is converted and
resized in bands of a few MB, never as a float copy of the whole image, one
axis after the other. Both give the same pixels when
shrinking (checked on real images); when enlarging an axis, the banded path
may round a pixel that falls exactly between two levels the other way.
"""

import contextlib
import math
import os
import warnings

import numpy as np

__all__ = ["MAX_PIXELS", "MAX_PIXELS_ENV", "NotAnImageError", "ImageTooLargeError",
           "max_pixels_limit", "read_image", "read_images", "resize_to_uint8"]

#: Default most pixels (width x height, x frames) one image may have.
MAX_PIXELS = 100_000_000
#: Environment variable that raises (or lowers) :data:`MAX_PIXELS`.
MAX_PIXELS_ENV = "FEATBENCH_MAX_PIXELS"

_TIFF = (".tif", ".tiff")
# Pillow's own pixels are what imageio returns for these (checked in the tests); other
# files (palettes, 16 bits, CMYK, transparency keys, frames) go through imageio.
_PLAIN_FORMATS = ("JPEG", "PNG", "BMP")
_PLAIN_MODES = ("L", "RGB", "RGBA")
_WHOLE_BYTES = 1 << 26  # float copy of the whole image up to 64 MiB: as skimage does
_BAND_BYTES = 1 << 25  # otherwise the float working set of one band: 32 MiB


def max_pixels_limit(max_pixels=None):
    """The pixel limit to apply: ``max_pixels``, else ``$FEATBENCH_MAX_PIXELS``, else the default.

    Raises
    ------
    ValueError
        If the value is not a positive integer, naming where it came from.

    Examples
    --------
    >>> max_pixels_limit(), max_pixels_limit(4096)
    (100000000, 4096)
    """
    origin, value = "max_pixels", max_pixels
    if value is None:
        origin, value = f"${MAX_PIXELS_ENV}", os.environ.get(MAX_PIXELS_ENV, "").strip()
        if not value:
            return MAX_PIXELS
        value = int(value) if value.isdigit() else value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{origin} must be a positive number of pixels, for example "
                         f"{MAX_PIXELS}; got {value!r}.")
    return int(value)


class NotAnImageError(ValueError):
    """The file is not an image of a known format (its header says so)."""


class ImageTooLargeError(ValueError):
    """The image's header declares more pixels than the limit allows."""


@contextlib.contextmanager
def _pillow_check_off():
    # Our max_pixels check, made on every format, replaces Pillow's own (which
    # only warns below 179 million pixels, and would refuse a raised limit).
    from PIL import Image

    old, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = old


_SIGNATURES = {b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG", b"BM": "BMP", b"II*\x00": "TIFF",
               b"MM\x00*": "TIFF", b"GIF8": "GIF"}


def _found(path):
    """What ``path`` holds, in words, for a file no decoder recognises."""
    with open(path, "rb") as f:
        head = f.read(64)
    if not head:
        return "the file is empty"
    kind = next((k for sig, k in _SIGNATURES.items() if head.startswith(sig)), None)
    if kind:
        return f"it starts like a {kind} file, but its header is damaged or truncated"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a character cut at the end of the 64 bytes is fine
        text = head[:exc.start].decode("utf-8") if exc.start >= len(head) - 3 else ""
    if text and all(c.isprintable() or c in "\r\n\t" for c in text):
        return f"it holds text ({text[:40]!r}...)"
    return f"it starts with bytes {head[:8].hex(' ')}"


def _tiff_header(path):
    """(description, pixels) of a TIFF file from its header alone."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            series = tif.series[0]
            shape, axes = series.shape, series.axes
    except Exception as exc:  # noqa: BLE001 - tifffile fails with many types
        raise NotAnImageError(f"not a readable TIFF image: {_found(path)} "
                              f"({type(exc).__name__}: {exc})") from None
    dims = dict(zip(axes, shape))
    desc = f"{dims.get('X', '?')}x{dims.get('Y', '?')} TIFF"
    if set(axes) - set("YXS"):
        desc += f" (shape {shape}, axes {axes})"
    return desc, math.prod(n for n, ax in zip(shape, axes) if ax not in "SC")


def _check_pixels(desc, pixels, max_pixels):
    if pixels > max_pixels:
        raise ImageTooLargeError(
            f"{desc} image has {pixels:,} pixels, over the limit of {max_pixels:,}: decoding "
            f"it would take {pixels * 3:,}+ bytes. If it is genuine, raise the limit with "
            f"max_pixels= (load_image_folder) or ${MAX_PIXELS_ENV}."
        )


def _decode(path, max_pixels):
    """The file's pixels as decoded, after its header's pixel count passed the limit."""
    if os.path.splitext(path)[1].lower() in _TIFF:
        _check_pixels(*_tiff_header(path), max_pixels)
    else:
        from PIL import Image, UnidentifiedImageError

        try:
            with _pillow_check_off(), Image.open(path) as im:
                (w, h), frames = im.size, getattr(im, "n_frames", 1)
                desc = f"{w}x{h} {im.format}" + (f", {frames} frames" if frames > 1 else "")
                _check_pixels(desc, w * h * frames, max_pixels)
                if (im.format in _PLAIN_FORMATS and im.mode in _PLAIN_MODES and frames == 1
                        and "transparency" not in im.info):
                    return np.asarray(im)
        except UnidentifiedImageError:
            raise NotAnImageError(f"not a readable image: {_found(path)}; expected a PNG, "
                                  f"JPEG, BMP or TIFF file") from None
    from skimage import io  # imported where needed: a decoding process starts sooner

    with warnings.catch_warnings(), _pillow_check_off():
        # On an undecodable file imageio tries every plugin, and some of them
        # emit deprecation notices that say nothing about the user's file.
        warnings.simplefilter("ignore", DeprecationWarning)
        return io.imread(path)


def read_image(path, image_size, max_pixels):
    """Decode ``path`` and return it as uint8 RGB of ``image_size`` (height, width).

    Raises
    ------
    NotAnImageError
        If no decoder recognises the file (what it holds is described).
    ImageTooLargeError
        If it has more than ``max_pixels`` pixels (checked before decoding).
    ValueError
        If it has float pixels that are NaN, infinite or outside [0, 1].

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from skimage import io
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.png"
    >>> io.imsave(path, np.full((4, 6), 200, np.uint8), check_contrast=False)
    >>> read_image(path, (2, 3), max_pixels=100)[..., 0]
    array([[200, 200, 200],
           [200, 200, 200]], dtype=uint8)
    >>> read_image(path, (2, 3), max_pixels=10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    benchmarks.data.image_decode.ImageTooLargeError: 6x4 PNG image has 24 pixels, over the ...
    """
    # A str, not a Path: pathlib's parsing of each file's name showed in a folder's reading.
    return resize_to_uint8(_decode(os.fspath(path), max_pixels), image_size)


def read_images(paths, image_size, max_pixels):
    """:func:`read_image` of each of ``paths``, keeping going past files that fail.

    It lives beside the decoders, so that the processes decoding a large
    folder (:func:`~benchmarks.data.image_folder.load_image_folder`) import
    nothing else; its images come back as one array, which a process hands
    back far faster than as many small ones.

    Returns
    -------
    images : ndarray of uint8, shape (n_read, height, width, 3)
        The files that were read, in the order of ``paths``.
    read : ndarray of bool, shape (len(paths),)
        Which of ``paths`` were read.
    bad : list of (str, str)
        Path and reason of each file that was not, in the order of ``paths``.
    too_large : bool
        Whether one of them was over ``max_pixels``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from skimage import io
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> io.imsave(folder / "a.png", np.zeros((4, 4), np.uint8), check_contrast=False)
    >>> (folder / "b.png").write_bytes(b"not a png")
    9
    >>> images, read, bad, too_large = read_images([folder / "a.png", folder / "b.png"],
    ...                                            (2, 2), 100)
    >>> images.shape, read.tolist(), [pathlib.Path(p).name for p, _ in bad], too_large
    ((1, 2, 2, 3), [True, False], ['b.png'], False)
    """
    images = np.empty((len(paths), *image_size, 3), np.uint8)
    read, bad, too_large = np.zeros(len(paths), bool), [], False
    for i, path in enumerate(paths):
        try:
            images[i] = read_image(path, image_size, max_pixels)
            read[i] = True
        except (NotAnImageError, ImageTooLargeError) as exc:  # the message says it all
            bad.append((str(path), str(exc)))
            too_large |= isinstance(exc, ImageTooLargeError)
        # Decoders (Pillow, imageio, tifffile) fail with many unrelated types.
        except Exception as exc:  # noqa: BLE001
            bad.append((str(path), f"{type(exc).__name__}: {exc}"))
    return (images if read.all() else images[read]), read, bad, too_large


def _check_float(image):
    if not np.isfinite(image).all():
        # Cast to uint8, NaN would become an arbitrary 0 or 255 with only a numpy warning.
        n = int(np.size(image) - np.count_nonzero(np.isfinite(image)))
        raise ValueError(f"NaN or infinite pixel values ({n} of {image.size})")
    if image.min() < 0 or image.max() > 1:
        raise ValueError(f"float pixel values outside [0, 1] (range "
                         f"{image.min():g}..{image.max():g})")


def _to_rgb_float(image):
    """Any 2-D gray, gray+alpha, RGB or RGBA array -> float RGB in [0, 1], pixel by pixel."""
    from skimage import color, util

    image = util.img_as_float(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        return color.gray2rgb(image)
    if image.ndim == 3 and image.shape[-1] == 2:
        image = np.dstack([image[..., 0]] * 3 + [image[..., 1]])
    if image.ndim == 3 and image.shape[-1] == 4:
        # Transparent pixels become white, like on a typical viewer background.
        return color.rgba2rgb(image, background=(1, 1, 1))
    if image.ndim == 3 and image.shape[-1] == 3:
        return image
    raise ValueError(f"unsupported image shape {image.shape}; expected (H, W) gray, "
                     f"(H, W, 3) RGB or (H, W, 4) RGBA")


def _along(image, axis, n_out):
    """skimage's anti-aliased linear resize (mode "reflect"), along one axis only."""
    from scipy import ndimage as ndi

    n = image.shape[axis]
    if n == n_out:
        return image
    factor = n / n_out
    sigma = max(0.0, (factor - 1) / 2)
    if sigma > 1e-15:  # what scipy's gaussian_filter skips
        image = ndi.gaussian_filter1d(image, sigma, axis=axis, mode="mirror", cval=0)
    zoom = [1.0] * image.ndim
    zoom[axis] = 1 / factor
    return ndi.zoom(image, zoom, order=1, mode="mirror", cval=0, grid_mode=True)


def resize_to_uint8(raw, image_size):
    """``raw`` (gray, gray+alpha, RGB or RGBA, any dtype) as uint8 RGB of ``image_size``.

    RGBA and gray+alpha are composited on white. The result equals
    ``skimage.transform.resize(rgb_float, image_size, anti_aliasing=True)``
    rounded to uint8; for an image whose float copy would exceed 64 MiB, the
    float work runs on bands of the longer axis instead.

    Examples
    --------
    >>> resize_to_uint8(np.array([[0, 255], [255, 0]], np.uint8), (2, 2))[..., 0]
    array([[  0, 255],
           [255,   0]], dtype=uint8)
    """
    raw = np.asarray(raw)
    if raw.dtype == np.uint8 and raw.shape == (*image_size, 3):
        return raw.copy()  # what the float round trip below gives back
    if raw.dtype.kind == "f":
        _check_float(raw)
    if raw.ndim < 2 or raw.shape[0] * raw.shape[1] * 3 * 8 <= _WHOLE_BYTES:
        image = _to_rgb_float(raw)  # also raises on unsupported shapes
        if image.shape[:2] != tuple(image_size):
            from skimage import transform

            image = transform.resize(image, image_size, anti_aliasing=True)
        return _to_uint8(image)
    tall = raw.shape[0] >= raw.shape[1]
    # Filter and shrink the longer axis first, in bands of the other: every band
    # holds whole lines of the first axis, and what is left is small.
    if not tall:
        raw, image_size = raw.swapaxes(0, 1), image_size[::-1]
    h, w = raw.shape[:2]
    resize = (h, w) != tuple(image_size)
    cols = max(1, _BAND_BYTES // (h * 3 * 8))
    lo, hi, parts = np.inf, -np.inf, []
    for start in range(0, w, cols):
        band = _to_rgb_float(raw[:, start:start + cols])
        if resize:
            lo, hi = min(lo, band.min()), max(hi, band.max())
            parts.append(_along(band, 0, image_size[0]))
        else:
            parts.append(_to_uint8(band))
    image = np.concatenate(parts, axis=1)
    if resize:
        image = _along(image, 1, image_size[1])
        np.clip(image, lo, hi, out=image)  # as skimage: within the input's range
        image = _to_uint8(image)
    return image if tall else np.ascontiguousarray(image.swapaxes(0, 1))


def _to_uint8(image):
    # Rounding, not truncation: uint8 -> float -> uint8 must give back the same values.
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)
