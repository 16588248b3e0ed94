"""A row's head (its ``scale`` and ``clf`` steps) fitted and run on features the harness holds.

The features are the largest arrays of a row. :func:`fit_head` scales them in
place, a block of rows at a time, so that fitting holds one copy of them;
:func:`predict_chunked` predicts a block of rows at a time, so that no step
makes a copy of the whole test set (scikit-learn's linear models multiply
float32 features by float64 weights, for one); given the features of the
images' mirrors, it lets the mean of each pair's class scores decide.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

__all__ = ["fit_head", "predict_chunked", "class_scores", "takes_n_jobs", "ROWS"]

#: Rows per block of scaling and prediction: a multiple of the networks' batches
#: (128, 200), so that their own batches fall as they would on the whole set.
ROWS = 3200


def takes_n_jobs(clf):
    """Whether the harness gives ``clf`` the row's cores as its ``n_jobs``.

    True for a classifier whose ``n_jobs`` spreads its work (kNN, the
    networks). scikit-learn's ``LogisticRegression`` has the parameter, but
    it only spreads one-vs-rest fits, which the rows do not make, and
    scikit-learn warns on every fit that sets it.

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> takes_n_jobs(KNeighborsClassifier()), takes_n_jobs(LogisticRegression())
    (True, False)
    >>> from sklearn.svm import LinearSVC
    >>> takes_n_jobs(LinearSVC())
    False
    """
    return "n_jobs" in clf.get_params() and not isinstance(clf, LogisticRegression)


def _blocks(n, rows):
    return (slice(start, min(start + rows, n)) for start in range(0, n, rows))


def fit_head(head, X, y, rows=ROWS):
    """Fit ``head`` on features ``X``; a ``StandardScaler`` first step scales ``X`` in place.

    The scaler learns its mean and variance a block of rows at a time
    (``partial_fit``: no float64 temporary the size of ``X``, as ``fit``
    makes) and then scales ``X`` in place, so the classifier is fitted on
    ``X`` itself, and the scaler's ``copy`` is set to False: :meth:`predict`
    later scales the features it is given in place too. Other heads are
    fitted as ``head.fit(X, y)`` would.

    Parameters
    ----------
    head : sklearn.pipeline.Pipeline
        Steps ``scale`` (a transformer or ``"passthrough"``) and ``clf``.
    X : ndarray of shape (n_samples, n_features)
        Features; overwritten by their scaled values when scaled in place.
    y : ndarray of shape (n_samples,)
    rows : int, default=ROWS
        Rows per block.

    Returns
    -------
    head : the fitted pipeline

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import Pipeline
    >>> X = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 10.0], [7.0, 30.0]], np.float32)
    >>> head = fit_head(Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]),
    ...                 X, [0, 0, 1, 1], rows=3)
    >>> np.round(X[:, 0].tolist(), 3).tolist(), head.named_steps["scale"].mean_.tolist()
    ([-1.342, -0.447, 0.447, 1.342], [4.0, 20.0])
    """
    scale = head.steps[0][1]
    if not (isinstance(scale, StandardScaler) and isinstance(X, np.ndarray)
            and X.dtype.kind == "f" and X.flags.writeable and X.ndim == 2):
        return head.fit(X, y)
    scale.set_params(copy=False)
    for block in _blocks(len(X), rows):
        scale.partial_fit(X[block])
    for block in _blocks(len(X), rows):
        scale.transform(X[block])
    head.steps[-1][1].fit(X, y)
    return head


def class_scores(head, X):
    """The class scores of ``X`` that test mirrors average: probabilities, else decision values.

    Parameters
    ----------
    head : fitted classifier or pipeline
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, n_classes), or (n_samples,) for the decision
    values of two classes

    Examples
    --------
    >>> from sklearn.svm import LinearSVC
    >>> clf = LinearSVC().fit([[0.0], [1.0], [2.0]], [0, 1, 2])
    >>> class_scores(clf, np.zeros((4, 1))).shape
    (4, 3)
    """
    if hasattr(head, "predict_proba"):
        return head.predict_proba(X)
    return head.decision_function(X)


def predict_chunked(head, X, rows=ROWS, copy=False, mirrored=None):
    """``head.predict(X)``, a block of ``rows`` rows at a time.

    Parameters
    ----------
    head : fitted estimator
    X : ndarray of shape (n_samples, n_features)
    rows : int, default=ROWS
        Rows per block.
    copy : bool, default=False
        Predict a copy of each block, leaving ``X`` (and ``mirrored``) as it
        is: a head fitted by :func:`fit_head` scales the features it predicts
        in place.
    mirrored : ndarray of shape (n_samples, n_features) or None, default=None
        Features of the mirror image of each image of ``X``: each label is
        then the class of the largest sum of the two images' scores
        (:func:`class_scores`).

    Returns
    -------
    y_pred : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> clf = DummyClassifier(strategy="most_frequent").fit([[0], [1], [2]], [5, 5, 7])
    >>> predict_chunked(clf, np.zeros((5, 1)), rows=2).tolist()
    [5, 5, 5, 5, 5]
    """
    take = np.array if copy else (lambda block: block)

    def predict(block):
        if mirrored is None:
            return head.predict(take(X[block]))
        scores = class_scores(head, take(X[block])) + class_scores(head, take(mirrored[block]))
        best = (scores > 0).astype(np.intp) if scores.ndim == 1 else scores.argmax(axis=1)
        return head.classes_[best]

    # An empty X still gives one (empty) block, so the labels keep their dtype.
    return np.concatenate([predict(block) for block in _blocks(len(X), rows)]
                          or [predict(slice(0, 0))])
