"""Mini-batches as plans: each batch's random draws made when it is reached, its pixels later.

:func:`~classifiers.augment.minibatches` draws a batch's flips and shifts and
moves its images in one go. A network that draws its dropout masks from the
same generator can take the draws of batch ``k + 1`` right after step ``k``'s
masks, their place in the stream, and have the images moved by its threads
while they update the weights (docs/decisions.md#mlp-batches-beside-update).
The batches are those of :func:`~classifiers.augment.minibatches`, bit for
bit, and the generator is left in the same state after each one.
"""

import functools

import numpy as np

from .augment import Augment, draw_moves, move_images

__all__ = ["batch_plans"]


def _fill(X, idx, rows, batch, which, offsets, shift, image_shape):
    """Write rows ``rows`` of ``batch``: ``X[idx[rows]]``, moved."""
    if which is None and offsets is None:
        np.take(X, idx[rows], axis=0, out=batch[rows])
        return
    part = X[idx[rows]]
    images = part if image_shape is None else part.reshape((-1,) + image_shape)
    moved = move_images(images, None if which is None else which[rows],
                        None if offsets is None else offsets[rows], shift)
    batch[rows] = moved.reshape(part.shape)


def batch_plans(X, batch_size, rng, augment=Augment(), image_shape=None, pieces=1):
    """One epoch of :func:`~classifiers.augment.minibatches`' batches, each to be filled later.

    Parameters
    ----------
    X, batch_size, rng, augment, image_shape
        As :func:`~classifiers.augment.minibatches`.
    pieces : int, default=1
        Callables that fill a batch, each a contiguous share of its rows.

    Yields
    ------
    idx : ndarray of int
        The rows of ``X`` in the batch.
    batch : ndarray
        Allocated for the batch, in the layout and dtype of ``X``; its values
        are written by ``fills``.
    fills : tuple of callable
        Taking no argument; run once each, in any order and on any threads,
        they write ``batch``. The batch's draws are made before it is yielded.

    Examples
    --------
    >>> from classifiers.augment import minibatches
    >>> X, flips = np.arange(24.0).reshape(8, 3), Augment(hflip=True)
    >>> ours = []
    >>> for idx, batch, fills in batch_plans(X, 4, np.random.default_rng(0), flips, (1, 3, 1),
    ...                                      pieces=2):
    ...     for fill in fills:
    ...         fill()
    ...     ours.append(batch)
    >>> theirs = [b for _, b in minibatches(X, 4, np.random.default_rng(0), flips, (1, 3, 1))]
    >>> all(np.array_equal(a, b) for a, b in zip(ours, theirs)), len(ours)
    (True, 2)
    """
    n = X.shape[0]
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        m = idx.shape[0]
        which, offsets = draw_moves(m, augment, rng) if augment else (None, None)
        batch = np.empty((m,) + X.shape[1:], X.dtype)
        k = max(1, min(int(pieces), m))
        fills = tuple(functools.partial(_fill, X, idx, slice(m * j // k, m * (j + 1) // k),
                                        batch, which, offsets, augment.shift, image_shape)
                      for j in range(k))
        yield idx, batch, fills
