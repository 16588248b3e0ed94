"""Chunks of the batched feature kernels: slices of a batch of images."""

__all__ = ["iter_chunks", "pixel_chunk_size", "CHUNK_PIXELS"]

#: Pixels per chunk of the per-pixel kernels (HoG, colour) when ``chunk_size=None``:
#: their temporaries then stay in a core's cache (docs/decisions.md#pixel-chunks).
CHUNK_PIXELS = 2**16


def iter_chunks(n, chunk_size):
    """Yield ``slice`` objects covering ``range(n)`` in pieces of ``chunk_size``.

    Examples
    --------
    >>> list(iter_chunks(5, 2))
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    for start in range(0, n, chunk_size):
        yield slice(start, min(start + chunk_size, n))


def pixel_chunk_size(image_shape, pixels=CHUNK_PIXELS):
    """Images per chunk that hold about ``pixels`` pixels: at least one image.

    Parameters
    ----------
    image_shape : tuple of int
        (H, W) or (H, W, C); only H and W count.
    pixels : int, default=CHUNK_PIXELS

    Examples
    --------
    >>> pixel_chunk_size((32, 32, 3)), pixel_chunk_size((8, 8)), pixel_chunk_size((512, 512, 3))
    (64, 1024, 1)
    """
    return max(1, pixels // (int(image_shape[0]) * int(image_shape[1])))
