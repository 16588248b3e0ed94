"""Chunks of the batched feature kernels: slices of a batch of images."""

__all__ = ["iter_chunks"]


def iter_chunks(n, chunk_size):
    """Yield ``slice`` objects covering ``range(n)`` in pieces of ``chunk_size``.

    Examples
    --------
    >>> list(iter_chunks(5, 2))
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    for start in range(0, n, chunk_size):
        yield slice(start, min(start + chunk_size, n))
