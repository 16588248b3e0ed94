"""Matrix products in fixed shards: the same bits on any number of threads.

A BLAS may give an entry of ``a @ b`` other last bits when it splits the
product among its threads, and training amplifies such bits into other
accuracies. :func:`sharded_matmul` cuts a product into a number of shards
that depends on the shapes alone, runs each shard as its own product (on the
pool's threads or one after another here, BLAS held to one thread by the
caller), and adds partial products, where it makes any, in a fixed order. Its
result is then the same whatever the pool.
"""

import functools

import numpy as np

from features.threads import run_shared

__all__ = ["shard_axis", "sharded_matmul", "sum_in_order"]


def sum_in_order(parts, out=None):
    """The sum of ``parts`` along their first axis, added one after another in that order.

    The order, and so every bit of the sum, depends on ``parts`` alone, not
    on whoever computed them.

    Parameters
    ----------
    parts : ndarray of shape (n, ...), n >= 1
    out : ndarray of shape ``parts.shape[1:]`` or None, default=None
        Written in place (a new array when None).

    Returns
    -------
    out : ndarray

    Examples
    --------
    >>> sum_in_order(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    array([ 9., 12.])
    """
    if out is None:
        out = parts[0].copy()
    else:
        np.copyto(out, parts[0])
    for part in parts[1:]:
        out += part
    return out


def shard_axis(a_shape, b_shape):
    """Which dimension of ``a @ b`` :func:`sharded_matmul` cuts: 0 rows, 1 columns, 2 the sum.

    Each shard packs the operand it does not cut once more (rows: all of
    ``b``; columns: all of ``a``), and a cut sum writes and adds one partial
    output per shard, so the dimension whose whole operand (or output) is
    the smallest is cut; on a tie, rows before columns before the sum.

    Examples
    --------
    >>> shard_axis((200, 354), (354, 512))    # a batch through a layer: columns
    1
    >>> shard_axis((8354, 200), (200, 512))   # a weight gradient: rows
    0
    >>> shard_axis((200, 8354), (8354, 512))  # a wide input through a layer: the sum
    2
    """
    (m, k), n = a_shape, b_shape[1]
    costs = (k * n, m * k, m * n)  # b packed per row shard, a per column shard, partials
    return costs.index(min(costs))


def sharded_matmul(a, b, out, n_shards, pool=None, workers=1, parts=None):
    """``out[...] = a @ b`` computed in ``n_shards`` fixed shards, on ``pool``'s threads.

    Parameters
    ----------
    a : ndarray of shape (m, k)
    b : ndarray of shape (k, n)
    out : ndarray of shape (m, n)
        Written in place; not overlapping ``a`` or ``b``.
    n_shards : int
        Shards of the dimension :func:`shard_axis` picks (at most its length).
    pool : concurrent.futures.Executor or None, default=None
        Threads that help this one take the shards in turn
        (:func:`features.threads.run_shared`); None: the shards one after
        another here. The bits of ``out`` depend on neither.
    workers : int, default=1
        Threads that take the shards, this one included.
    parts : ndarray of shape (n_shards, m, n) or None, default=None
        Scratch for the partial products of a cut sum (allocated when needed
        and None).

    Returns
    -------
    out : ndarray

    Raises
    ------
    ValueError
        ``out`` of another shape than ``(m, n)``.

    Examples
    --------
    >>> a, b = np.arange(6.0).reshape(2, 3), np.ones((3, 2))
    >>> sharded_matmul(a, b, np.empty((2, 2)), n_shards=2)
    array([[ 3.,  3.],
           [12., 12.]])
    """
    if out.shape != (a.shape[0], b.shape[1]):
        raise ValueError(f"out has shape {out.shape}; a @ b has shape "
                         f"{(a.shape[0], b.shape[1])}. Pass an out of that shape.")
    axis = shard_axis(a.shape, b.shape)
    length = (a.shape[0], b.shape[1], a.shape[1])[axis]
    n = max(1, min(n_shards, length))
    if n == 1:
        return np.matmul(a, b, out=out)
    if axis == 2 and (parts is None or parts.shape[0] < n or parts.shape[1:] != out.shape):
        parts = np.empty((n,) + out.shape, out.dtype)
    bounds = [length * s // n for s in range(n + 1)]

    def shard(s):
        cut = slice(bounds[s], bounds[s + 1])
        if axis == 0:
            np.matmul(a[cut], b, out=out[cut])
        elif axis == 1:
            np.matmul(a, b[:, cut], out=out[:, cut])
        else:
            np.matmul(a[:, cut], b[cut], out=parts[s])

    run_shared(pool, [functools.partial(shard, s) for s in range(n)], workers)
    if axis == 2:  # partial products added in shard order, whatever ran them
        sum_in_order(parts[:n], out=out)
    return out
