"""Maxout units: each output is the maximum of ``k`` linear pieces of the input.

``out[n, m] = max over j of (x @ W + b)[n, j * M + m]``: the ``k * M`` columns
of ``W`` are ``k`` blocks of ``M`` columns, block ``j`` holding piece ``j`` of
every unit (so the maximum runs over a leading axis of contiguous rows, the
fast direction for numpy). The gradient of each output goes to the first
maximal piece on ties (the lowest ``j``, as ``np.argmax``).
"""

import numpy as np

__all__ = ["maxout_forward", "maxout_backward"]


def maxout_forward(x, W, b, pieces):
    """Maxout layer: one matrix product, then a maximum over ``pieces`` blocks.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    W : ndarray of shape (D, pieces * M)
        Columns ``j * M`` to ``(j + 1) * M - 1`` are piece ``j`` of the ``M`` units.
    b : ndarray of shape (pieces * M,)
    pieces : int
        Number of linear pieces ``k`` per unit (>= 1; 1 is an affine layer).

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : tuple for :func:`maxout_backward`

    Raises
    ------
    ValueError
        If ``W``'s column count is not a multiple of ``pieces``.

    Examples
    --------
    Two pieces ``x`` and ``-x`` make ``|x|``:

    >>> W = np.array([[1.0, -1.0]])
    >>> maxout_forward(np.array([[-3.0], [2.0]]), W, np.zeros(2), 2)[0]
    array([[3.],
           [2.]])
    """
    if W.shape[1] % pieces:
        raise ValueError(
            f"W must have pieces * M columns; got {W.shape[1]} columns for pieces={pieces}."
        )
    N, M = x.shape[0], W.shape[1] // pieces
    z = (x @ W + b).reshape(N, pieces, M)
    arg = z.argmax(axis=1)
    out = np.take_along_axis(z, arg[:, None, :], axis=1)[:, 0]
    return out, (x, W, arg, pieces)


def maxout_backward(dout, cache):
    """Gradients of :func:`maxout_forward`: route each ``dout`` to its winning piece.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dW : ndarray of shape (D, pieces * M)
    db : ndarray of shape (pieces * M,)

    Examples
    --------
    >>> W = np.array([[1.0, -1.0]])
    >>> _, cache = maxout_forward(np.array([[-3.0], [2.0]]), W, np.zeros(2), 2)
    >>> dx, dW, db = maxout_backward(np.ones((2, 1)), cache)
    >>> dx.ravel(), dW, db
    (array([-1.,  1.]), array([[ 2., -3.]]), array([1., 1.]))
    """
    x, W, arg, pieces = cache
    N, M = dout.shape
    dz = np.zeros((N, pieces, M), dtype=dout.dtype)
    np.put_along_axis(dz, arg[:, None, :], dout[:, None, :], axis=1)
    dz = dz.reshape(N, pieces * M)
    return dz @ W.T, x.T @ dz, dz.sum(axis=0)
