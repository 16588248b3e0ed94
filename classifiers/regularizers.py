"""Weight penalties R(W): value and (sub)gradient.

Conventions follow the lecture notes: ``l2`` is ``sum W**2`` (gradient ``2 W``),
``l1`` is ``sum |W|`` (subgradient ``sign(W)``, 0 at 0) and the elastic net mixes
them, ``l1_ratio * sum |W| + (1 - l1_ratio) * sum W**2``, so ``l1_ratio=0`` is
``l2`` and ``l1_ratio=1`` is ``l1``. Callers multiply by the strength ``alpha``.
"""

import numpy as np

from features.checks import check_choice, check_real

__all__ = ["l2", "l1", "elastic_net", "regularization", "PENALTIES"]

PENALTIES = ("l2", "l1", "elasticnet")


def l2(W):
    """Squared L2 penalty ``sum W**2`` and its gradient ``2 W``.

    Parameters
    ----------
    W : ndarray
        Weights, any shape.

    Returns
    -------
    value : float
    grad : ndarray of the shape and dtype of ``W``

    Examples
    --------
    >>> l2(np.array([1.0, -2.0]))
    (5.0, array([ 2., -4.]))
    """
    W = np.asarray(W)
    return float(np.vdot(W, W)), 2.0 * W


def l1(W):
    """L1 penalty ``sum |W|`` and its subgradient ``sign(W)`` (0 where W == 0).

    Parameters
    ----------
    W : ndarray
        Weights, any shape.

    Returns
    -------
    value : float
    grad : ndarray of the shape and dtype of ``W``

    Examples
    --------
    >>> l1(np.array([1.0, -2.0, 0.0]))
    (3.0, array([ 1., -1.,  0.]))
    """
    W = np.asarray(W)
    return float(np.abs(W).sum()), np.sign(W)


def elastic_net(W, l1_ratio=0.5):
    """Elastic net ``l1_ratio * sum |W| + (1 - l1_ratio) * sum W**2``.

    Parameters
    ----------
    W : ndarray
        Weights, any shape.
    l1_ratio : float, default=0.5
        Share of the L1 term, in [0, 1].

    Returns
    -------
    value : float
    grad : ndarray of the shape and dtype of ``W``
        ``l1_ratio * sign(W) + 2 (1 - l1_ratio) W``.

    Raises
    ------
    ValueError
        If ``l1_ratio`` is outside [0, 1] (or NaN).
    TypeError
        If ``l1_ratio`` is not a real number.

    Examples
    --------
    >>> elastic_net(np.array([1.0, -2.0]), l1_ratio=0.5)
    (4.0, array([ 1.5, -2.5]))
    """
    check_real(l1_ratio, "l1_ratio", low=0, high=1)
    v1, g1 = l1(W)
    v2, g2 = l2(W)
    return l1_ratio * v1 + (1.0 - l1_ratio) * v2, l1_ratio * g1 + (1.0 - l1_ratio) * g2


def regularization(W, penalty="l2", l1_ratio=0.5):
    """Dispatch on the penalty name; returns ``(value, grad)`` of R(W).

    Parameters
    ----------
    W : ndarray
        Weights.
    penalty : {"l2", "l1", "elasticnet"}, default="l2"
        Which penalty.
    l1_ratio : float, default=0.5
        Only used by ``"elasticnet"``.

    Returns
    -------
    value : float
    grad : ndarray of the shape of ``W``

    Raises
    ------
    ValueError
        If ``penalty`` is not one of :data:`PENALTIES`.

    Examples
    --------
    >>> regularization(np.ones(3), "l1")[0]
    3.0
    """
    check_choice(penalty, "penalty", PENALTIES)
    if penalty == "l2":
        return l2(W)
    if penalty == "l1":
        return l1(W)
    return elastic_net(W, l1_ratio)
