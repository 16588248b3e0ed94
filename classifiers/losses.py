"""Data losses on class scores, each returning the mean loss and its gradient.

Every loss takes a score matrix ``scores`` of shape (n_samples, n_classes) and
integer labels ``y`` in ``[0, n_classes)`` of shape (n_samples,), and return
``(loss, dscores)`` where ``loss`` is the mean over samples and ``dscores`` has
the shape and dtype of ``scores``. Regularization is added separately (see
:mod:`classifiers.regularizers`).
"""

import numpy as np

__all__ = ["svm_loss", "squared_svm_loss", "ovr_svm_loss", "ovr_squared_svm_loss",
           "softmax_loss", "softmax"]


def _check_scores_labels(scores, y):
    # Float scores keep their dtype (float32 stays float32); others become float64.
    scores = np.asarray(scores)
    if scores.dtype.kind != "f":
        scores = scores.astype(np.float64)
    y = np.asarray(y)
    if scores.ndim != 2:
        raise ValueError(
            f"scores must be 2-D (n_samples, n_classes); got shape {scores.shape}. "
            "Reshape a single sample with scores.reshape(1, -1)."
        )
    if y.shape != (scores.shape[0],):
        raise ValueError(
            f"y must have shape ({scores.shape[0]},) to match scores; got {y.shape}."
        )
    if y.size and (y.min() < 0 or y.max() >= scores.shape[1]):
        raise ValueError(
            f"y must hold class indices in [0, {scores.shape[1]}); got values in "
            f"[{y.min()}, {y.max()}]. Encode labels with LabelEncoder first."
        )
    return scores, y


def softmax(scores):
    """Row-wise softmax probabilities, computed with the row maximum subtracted.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes)
        Unnormalized class scores.

    Returns
    -------
    probs : ndarray of shape (n_samples, n_classes)
        Probabilities, each row summing to 1; same float dtype as ``scores``.

    Examples
    --------
    >>> softmax(np.array([[0.0, 0.0]]))
    array([[0.5, 0.5]])
    """
    scores = np.asarray(scores)
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    # exp of the shifted scores never overflows: the largest exponent is 0.
    probs = scores - scores.max(axis=1, keepdims=True)
    np.exp(probs, out=probs)
    probs /= probs.sum(axis=1, keepdims=True)
    return probs


def _hinge_margins(scores, y, delta):
    """Margins ``max(0, s_j - s_{y_i} + delta)``, 0 in the true class; and the row indices."""
    rows = np.arange(scores.shape[0])
    margins = scores - scores[rows, y][:, None] + delta
    margins[rows, y] = 0.0
    np.maximum(margins, 0.0, out=margins)
    return margins, rows


def svm_loss(scores, y, delta=1.0):
    """Multiclass SVM (Weston-Watkins hinge) loss and its gradient.

    ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + delta)``, averaged over samples.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes)
        Class scores.
    y : ndarray of shape (n_samples,)
        Integer class indices.
    delta : float, default=1.0
        Required margin between the correct score and the others.

    Returns
    -------
    loss : float
        Mean hinge loss.
    dscores : ndarray of shape (n_samples, n_classes)
        Gradient of ``loss`` with respect to ``scores``.

    Raises
    ------
    ValueError
        If the shapes disagree or ``y`` holds indices outside the score columns.

    Examples
    --------
    >>> loss, d = svm_loss(np.zeros((2, 3)), np.array([0, 2]))
    >>> float(loss)  # each sample violates the margin of 2 other classes by 1
    2.0
    """
    scores, y = _check_scores_labels(scores, y)
    margins, rows = _hinge_margins(scores, y, delta)
    n = scores.shape[0]
    loss = margins.sum() / n
    # Each positive margin pushes its class score up (+1) and the true one down.
    dscores = (margins > 0).astype(scores.dtype)
    dscores[rows, y] = -dscores.sum(axis=1)
    dscores /= n
    return float(loss), dscores


def squared_svm_loss(scores, y, delta=1.0):
    """Squared multiclass hinge loss (Weston-Watkins, squared margins) and its gradient.

    ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + delta) ** 2``, averaged over
    samples. Unlike :func:`svm_loss`, a violation costs in proportion to its
    size, and the loss is differentiable everywhere.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes)
        Class scores.
    y : ndarray of shape (n_samples,)
        Integer class indices.
    delta : float, default=1.0
        Required margin between the correct score and the others.

    Returns
    -------
    loss : float
        Mean squared hinge loss.
    dscores : ndarray of shape (n_samples, n_classes)
        Gradient of ``loss`` with respect to ``scores``: ``2 * margin_j / n``
        for every other class j, minus their sum for the true class.

    Raises
    ------
    ValueError
        If the shapes disagree or ``y`` holds indices outside the score columns.

    Examples
    --------
    >>> loss, d = squared_svm_loss(np.zeros((2, 3)), np.array([0, 2]))
    >>> float(loss)  # each sample violates the margin of 2 other classes by 1
    2.0
    """
    scores, y = _check_scores_labels(scores, y)
    margins, rows = _hinge_margins(scores, y, delta)
    n = scores.shape[0]
    loss = np.sum(margins * margins) / n
    # d/ds_j of m_j**2 is 2 m_j; the true score enters every margin with -1.
    dscores = margins
    dscores *= 2.0
    dscores[rows, y] = -dscores.sum(axis=1)
    dscores /= n
    return float(loss), dscores


def _ovr_margins(scores, y, delta):
    """Margins ``max(0, delta - t_ij s_ij)`` and the signs ``t`` (+1 true class, -1 others)."""
    signs = np.full_like(scores, -1.0)
    signs[np.arange(scores.shape[0]), y] = 1.0
    margins = delta - signs * scores
    np.maximum(margins, 0.0, out=margins)
    return margins, signs


def ovr_svm_loss(scores, y, delta=1.0):
    """One-vs-rest hinge loss: one binary SVM per class, and its gradient.

    ``L_i = sum_j max(0, delta - t_ij s_ij)`` with ``t_ij = +1`` for the true
    class and -1 for the others, averaged over samples. Unlike the
    Weston-Watkins :func:`svm_loss`, each class score is pushed past a fixed
    threshold on its own rather than past the true class's score; this is the
    multiclass scheme of scikit-learn's ``LinearSVC`` (``multi_class="ovr"``).

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes)
        Class scores.
    y : ndarray of shape (n_samples,)
        Integer class indices.
    delta : float, default=1.0
        Margin each binary problem asks for.

    Returns
    -------
    loss : float
        Mean one-vs-rest hinge loss.
    dscores : ndarray of shape (n_samples, n_classes)
        Gradient of ``loss`` with respect to ``scores``: ``-t_ij / n`` where the
        margin is violated, 0 elsewhere.

    Raises
    ------
    ValueError
        If the shapes disagree or ``y`` holds indices outside the score columns.

    Examples
    --------
    >>> loss, d = ovr_svm_loss(np.zeros((2, 3)), np.array([0, 2]))
    >>> float(loss)  # every one of the 3 binary problems misses its margin by 1
    3.0
    """
    scores, y = _check_scores_labels(scores, y)
    margins, signs = _ovr_margins(scores, y, delta)
    n = scores.shape[0]
    loss = margins.sum() / n
    # A Python 0.0 keeps the dtype of ``signs`` (float32 stays float32).
    dscores = np.where(margins > 0, -signs, 0.0)
    dscores /= n
    return float(loss), dscores


def ovr_squared_svm_loss(scores, y, delta=1.0):
    """One-vs-rest squared hinge loss and its gradient (``LinearSVC``'s default loss).

    ``L_i = sum_j max(0, delta - t_ij s_ij) ** 2`` with ``t_ij = +1`` for the
    true class and -1 for the others, averaged over samples (see
    :func:`ovr_svm_loss`).

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes)
        Class scores.
    y : ndarray of shape (n_samples,)
        Integer class indices.
    delta : float, default=1.0
        Margin each binary problem asks for.

    Returns
    -------
    loss : float
        Mean one-vs-rest squared hinge loss.
    dscores : ndarray of shape (n_samples, n_classes)
        Gradient of ``loss`` with respect to ``scores``: ``-2 t_ij m_ij / n``.

    Raises
    ------
    ValueError
        If the shapes disagree or ``y`` holds indices outside the score columns.

    Examples
    --------
    >>> loss, d = ovr_squared_svm_loss(np.zeros((2, 3)), np.array([0, 2]))
    >>> float(loss)
    3.0
    """
    scores, y = _check_scores_labels(scores, y)
    margins, signs = _ovr_margins(scores, y, delta)
    n = scores.shape[0]
    loss = np.sum(margins * margins) / n
    # d/ds of max(0, delta - t s)**2 is -2 t m.
    dscores = margins
    dscores *= signs
    dscores *= -2.0 / n
    return float(loss), dscores


def softmax_loss(scores, y):
    """Softmax cross-entropy loss and its gradient, numerically stable.

    ``L_i = -log(exp(s_{y_i}) / sum_j exp(s_j))``, averaged over samples, computed
    through log-sum-exp with the row maximum subtracted so large scores do not
    overflow.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes)
        Class scores.
    y : ndarray of shape (n_samples,)
        Integer class indices.

    Returns
    -------
    loss : float
        Mean cross-entropy.
    dscores : ndarray of shape (n_samples, n_classes)
        Gradient ``(softmax(scores) - onehot(y)) / n_samples``.

    Raises
    ------
    ValueError
        If the shapes disagree or ``y`` holds indices outside the score columns.

    Examples
    --------
    >>> loss, d = softmax_loss(np.zeros((4, 10)), np.zeros(4, dtype=int))
    >>> round(float(loss), 4)  # log(10)
    2.3026
    """
    scores, y = _check_scores_labels(scores, y)
    n = scores.shape[0]
    rows = np.arange(n)
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1)
    loss = np.sum(np.log(sums) - shifted[rows, y]) / n
    exp /= sums[:, None]
    exp[rows, y] -= 1.0
    exp /= n
    return float(loss), exp
