"""k-nearest-neighbour classifier with vectorized L2 and L1 distances, in chunks."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from features.checks import check_choice, check_int, check_n_jobs
from features.threads import n_workers, product_map

from .training import encode_labels

__all__ = ["KNNClassifier"]

METRICS = ("l2", "l1")
# Elements of the largest temporary array per chunk (2**24: 64 MB in float32).
_CHUNK_ELEMENTS = 2**24
# Differences _l1_distances computes at once (2**19: 2 MB in float32), and the
# test rows that reuse one block of training rows while it is in cache
# (docs/decisions.md#knn-l1-blocks).
_L1_BLOCK_ELEMENTS = 2**19
_L1_TEST_ROWS = 8


def _l2_distances(X, Y, Y_sq):
    """Euclidean distances from |x|^2 + |y|^2 - 2 x.y: one matrix product."""
    d = X @ Y.T
    d *= -2.0
    d += np.einsum("ij,ij->i", X, X)[:, None]
    d += Y_sq
    np.maximum(d, 0, out=d)  # rounding can make the difference of squares slightly negative
    return np.sqrt(d, out=d)


def _l1_distances(X, Y):
    """Manhattan distances, one test row against a block of training rows at a time.

    A block holds about ``_L1_BLOCK_ELEMENTS`` values (all the features of a
    few training rows, or a run of features of one row when a row is longer),
    so its differences stay in cache; each block serves ``_L1_TEST_ROWS`` test
    rows before the next is read, and the time grows linearly with the
    training set instead of slowing once it outgrows the cache. Each distance
    is one sum along the contiguous features of a row of differences
    (numpy's pairwise sum), so it does not depend on the block sizes when a
    row fits in a block.
    """
    n, m, D = X.shape[0], Y.shape[0], X.shape[1]
    d = np.zeros((n, m), dtype=np.result_type(X, Y))
    cols = max(1, min(D, _L1_BLOCK_ELEMENTS))
    rows = max(1, _L1_BLOCK_ELEMENTS // cols)
    buf = np.empty((min(rows, m), cols), dtype=d.dtype)
    for r in range(0, n, _L1_TEST_ROWS):
        for s in range(0, m, rows):
            for f in range(0, D, cols):
                block = Y[s:s + rows, f:f + cols]
                diff = buf[:block.shape[0], :block.shape[1]]
                for i in range(r, min(r + _L1_TEST_ROWS, n)):
                    np.subtract(block, X[i, f:f + cols], out=diff)
                    np.abs(diff, out=diff)
                    d[i, s:s + rows] += diff.sum(axis=1)
    return d


def _nearest(d, k):
    """Indices of the ``k`` smallest entries of each row of ``d``, nearest first.

    Equal distances are ranked by column (training) order, for the choice of
    the ``k`` neighbours as for their order.
    """
    rows = d.shape[0]
    kth = np.partition(d, k - 1, axis=1)[:, k - 1:k]
    less = d < kth
    # Among the entries equal to the k-th distance, keep the first ones in column order.
    need = k - less.sum(axis=1, keepdims=True)
    tied = d == kth
    chosen = less | (tied & (np.cumsum(tied, axis=1) <= need))
    idx = np.nonzero(chosen)[1].reshape(rows, k)  # ascending column order per row
    order = np.argsort(np.take_along_axis(d, idx, axis=1), axis=1, kind="stable")
    return np.take_along_axis(idx, order, axis=1)


class KNNClassifier(ClassifierMixin, BaseEstimator):
    """k-nearest-neighbour classifier (majority vote of the ``k`` closest training samples).

    Fitting stores the training set; prediction computes the distances of a
    chunk of test rows to every training row at a time, so memory stays
    bounded whatever the number of test rows. L2 distances come from
    ``|x|^2 + |y|^2 - 2 x.y`` (one matrix product per chunk), L1 distances from
    differences with blocks of training rows small enough to stay in cache.
    Float32 input is computed in float32, anything else in float64.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours ``k`` that vote, >= 1 and at most the number of
        training samples.
    metric : {"l2", "l1"}, default="l2"
        Euclidean (root of the sum of squared differences) or Manhattan (sum
        of absolute differences) distance.
    chunk_size : int or None, default=None
        Test rows per chunk. None chooses it so that the largest temporary
        arrays of the chunks in flight hold about 2**24 values together (64 MB
        in float32), and that every thread gets a chunk.
    n_jobs : int or None, default=None
        Threads the chunks of test rows are spread over (each with one BLAS
        thread when there are several); None means 1 unless in a joblib
        ``parallel_config`` context, -1 means all cores. Each distance is
        computed as on one thread, so predictions do not depend on it
        (docs/decisions.md#knn-n-jobs).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    n_samples_fit_ : int

    Notes
    -----
    Ties are broken deterministically. Among training samples at the same
    distance, the one earlier in the training set is nearer. A tie in the
    vote goes to the smallest label (the first in ``classes_``), so
    :meth:`predict` is always the argmax of :meth:`predict_proba`, as in
    scikit-learn's ``KNeighborsClassifier``.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> clf = KNNClassifier(n_neighbors=2).fit(X, ["a", "a", "b", "b"])
    >>> clf.predict([[0.4], [12.0]]).tolist()
    ['a', 'b']
    >>> clf.predict_proba([[5.4]])  # neighbours 10 (b) and 1 (a)
    array([[0.5, 0.5]])
    """

    def __init__(self, n_neighbors=5, *, metric="l2", chunk_size=None, n_jobs=None):
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs

    def _check_params(self):
        check_int(self.n_neighbors, "n_neighbors", low=1)
        check_choice(self.metric, "metric", METRICS)
        if self.chunk_size is not None:
            check_int(self.chunk_size, "chunk_size", low=1,
                      fix="Pass e.g. chunk_size=256, or None for an automatic size.")
        check_n_jobs(self.n_jobs)

    def fit(self, X, y):
        """Store the training set.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels of any type (at least two classes).

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            Invalid parameters, a single class, or ``n_neighbors`` larger than
            the number of training samples.
        TypeError
            Parameters of the wrong type.
        """
        self._check_params()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, self._y = encode_labels(y)
        if self.n_neighbors > X.shape[0]:
            raise ValueError(
                f"n_neighbors must be at most the number of training samples; got "
                f"n_neighbors={self.n_neighbors} for n_samples={X.shape[0]}. Pass a smaller "
                "n_neighbors or more samples."
            )
        self._fit_X = X
        self._fit_sq = np.einsum("ij,ij->i", X, X) if self.metric == "l2" else None
        self.n_samples_fit_ = X.shape[0]
        return self

    def _chunks(self, n_test):
        """Starts of the chunks of test rows, their rows, and the threads they run on."""
        workers = n_workers(self.n_jobs, n_test)
        if self.chunk_size is not None:
            rows = self.chunk_size
        else:
            # The budget is shared by the chunks in flight, one per thread, and every
            # thread gets a chunk.
            rows = max(1, min(_CHUNK_ELEMENTS // (self.n_samples_fit_ * workers),
                              -(-n_test // workers)))
        starts = range(0, n_test, rows)
        return starts, rows, min(workers, len(starts))

    def _distances(self, X):
        Y = self._fit_X.astype(X.dtype, copy=False)
        if self.metric == "l2":
            return _l2_distances(X, Y, self._fit_sq.astype(X.dtype, copy=False))
        return _l1_distances(X, Y)

    def kneighbors(self, X, n_neighbors=None):
        """Distances and training indices of the nearest neighbours of each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
        n_neighbors : int or None, default=None
            How many (None: ``self.n_neighbors``).

        Returns
        -------
        distances : ndarray of shape (n_queries, n_neighbors)
            Increasing along each row, in the metric's units.
        indices : ndarray of shape (n_queries, n_neighbors)
            Rows of the training set; equal distances in training order.
        """
        check_is_fitted(self)
        k = self.n_neighbors if n_neighbors is None else check_int(
            n_neighbors, "n_neighbors", low=1, high=self.n_samples_fit_)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        dtype = np.result_type(X, self._fit_X)
        X = X.astype(dtype, copy=False)
        dist = np.empty((X.shape[0], k), dtype=dtype)
        ind = np.empty((X.shape[0], k), dtype=np.intp)
        starts, rows, workers = self._chunks(X.shape[0])

        def chunk(start):
            d = self._distances(X[start:start + rows])
            idx = _nearest(d, k)
            ind[start:start + rows] = idx
            dist[start:start + rows] = np.take_along_axis(d, idx, axis=1)

        # The chunks write disjoint rows; their time is the distances (numpy calls that
        # release the GIL, or a matrix product), so threads share the work.
        product_map(chunk, starts, workers)
        return dist, ind

    def predict_proba(self, X):
        """Share of the ``k`` neighbours in each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float64, rows summing to 1.
        """
        _, ind = self.kneighbors(X)
        n, n_classes = ind.shape[0], self.classes_.shape[0]
        # One bincount over (row, class) pairs counts every row's votes.
        flat = (np.arange(n)[:, None] * n_classes + self._y[ind]).ravel()
        counts = np.bincount(flat, minlength=n * n_classes).reshape(n, n_classes)
        return counts / ind.shape[1]

    def predict(self, X):
        """Majority label of the ``k`` nearest training samples (ties: smallest label).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), labels from ``classes_``.
        """
        proba = self.predict_proba(X)  # first: it raises NotFittedError before classes_ is read
        return self.classes_[proba.argmax(axis=1)]
