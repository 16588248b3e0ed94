"""Gradient checking: centered numerical gradients and relative error.

Use float64 inputs: with ``h=1e-5`` the centered difference has error O(h**2),
so analytic and numerical gradients of smooth functions agree to about 1e-8
relative error, while float32 round-off would swamp the comparison.
"""

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_gradient"]


def numerical_gradient(f, x, h=1e-5):
    """Centered-difference gradient ``(f(x + h e_i) - f(x - h e_i)) / 2h`` of a scalar f.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It is called with ``x`` itself, modified in place one
        entry at a time (and restored afterwards), so it must read ``x`` afresh.
    x : ndarray of float
        Point at which to differentiate; left unchanged on return.
    h : float, default=1e-5
        Step size.

    Returns
    -------
    grad : ndarray of the shape of ``x``, float64

    Raises
    ------
    TypeError
        If ``x`` is not a floating-point ndarray (it could not hold ``x + h``).

    Examples
    --------
    >>> x = np.array([1.0, 2.0])
    >>> np.round(numerical_gradient(lambda v: float(np.sum(v ** 2)), x), 6)
    array([2., 4.])
    """
    if not (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)):
        raise TypeError(
            f"x must be a floating-point numpy array (it is perturbed in place); "
            f"got {type(x).__name__} of dtype {getattr(x, 'dtype', None)}. "
            "Pass x.astype(np.float64)."
        )
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a, b, eps=1e-12):
    """Maximum elementwise relative error ``|a - b| / max(|a| + |b|, eps)``.

    Parameters
    ----------
    a, b : array-like of the same shape
    eps : float, default=1e-12
        Floor of the denominator, so entries where both are 0 count as equal.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the shapes differ.

    Examples
    --------
    >>> relative_error(np.array([1.0]), np.array([1.0]))
    0.0
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}.")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))


def check_gradient(f, x, analytic, h=1e-5):
    """Relative error between ``analytic`` and the numerical gradient of ``f`` at ``x``.

    Examples
    --------
    >>> x = np.array([3.0])
    >>> check_gradient(lambda v: float(v[0] ** 3), x, 3 * x ** 2) < 1e-8
    True
    """
    return relative_error(numerical_gradient(f, x, h), analytic)
