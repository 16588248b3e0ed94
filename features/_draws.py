"""A random stream whose weighted draws reuse their cumulative weights.

:class:`~sklearn.cluster.MiniBatchKMeans` draws each mini-batch with
``random_state.choice(n, batch_size, p=weights)`` over all the samples, the
same ``weights`` array at every step. NumPy's legacy :class:`~numpy.random.RandomState`
checks and sums those weights again at each call, serial passes over every
sample that cost more than the rest of the draw
(docs/decisions.md#kmeans-draws-reuse-cdf). :class:`CumulativeRandomState`
keeps the cumulative sum of the last weights it saw and draws the same
indices from the same stream: the legacy stream's algorithms are frozen
(NEP 19), so the draws cannot drift from its parent's. For equal weights
(scikit-learn's default) it finds each index from a guess next to it
instead of a binary search over all the samples.
"""

import numpy as np

__all__ = ["CumulativeRandomState", "even_searchsorted"]

# Rounds of one-place moves of even_searchsorted before it falls back to a binary search.
_EVEN_STEPS = 3


class CumulativeRandomState(np.random.RandomState):
    """:class:`numpy.random.RandomState` whose ``choice`` with replacement and weights
    keeps the weights' cumulative sum for the next call with the same array.

    Every method, ``choice`` included, returns what the parent class returns
    for the same seed and calls, and leaves the stream in the same state. The
    weights are checked at their first call only, so they must not be changed
    in place between calls (a new array is summed again).

    Parameters
    ----------
    seed : int, array_like or None, default=None
        As :class:`numpy.random.RandomState`.

    Examples
    --------
    >>> p = np.full(1000, 1e-3)
    >>> a = CumulativeRandomState(0)
    >>> b = np.random.RandomState(0)
    >>> all(np.array_equal(a.choice(1000, 8, p=p), b.choice(1000, 8, p=p)) for _ in range(3))
    True
    """

    def __init__(self, seed=None):
        super().__init__(seed)
        self._weights = self._cdf = None
        self._even = False

    def choice(self, a, size=None, replace=True, p=None):
        if (p is None or not replace or not isinstance(size, (int, np.integer))
                or not isinstance(a, (int, np.integer))):
            return super().choice(a, size, replace, p)
        if p is not self._weights or a != self._cdf.shape[0]:
            # The first draw with these weights: the parent checks them (and a) and draws.
            out = super().choice(a, size, replace, p)
            cdf = np.ascontiguousarray(p, dtype=np.float64).cumsum()
            cdf /= cdf[-1]
            self._weights, self._cdf = p, cdf
            self._even = bool(np.all(p == p[0]))
            return out
        # The parent's own steps after its checks, with the same cumulative sum.
        u = self.random_sample(size)
        if self._even:
            return even_searchsorted(self._cdf, u)
        return self._cdf.searchsorted(u, side="right")


def even_searchsorted(cdf, u, steps=_EVEN_STEPS):
    """``cdf.searchsorted(u, side="right")`` for a cumulative sum of nearly equal weights.

    Each index starts at ``floor(u * n)`` and moves one place at a time for
    ``steps`` rounds towards the first ``i`` with ``u < cdf[i]``; the few not
    there by then are searched. The answer is exact for any non-decreasing
    ``cdf`` whose last value is above every ``u``; only the time depends on
    the weights being even (then every index is at most a place or two away).

    Parameters
    ----------
    cdf : ndarray of shape (n,)
        Non-decreasing, ``cdf[-1] > u.max()``.
    u : ndarray of shape (m,)
        Values in ``[0, cdf[-1])``.
    steps : int, default=3
        Rounds of one-place moves before the binary search.

    Returns
    -------
    ndarray of shape (m,), intp

    Examples
    --------
    >>> cdf = np.array([0.25, 0.5, 0.75, 1.0])
    >>> u = np.array([0.0, 0.25, 0.6, 0.99])
    >>> even_searchsorted(cdf, u).tolist(), cdf.searchsorted(u, side="right").tolist()
    ([0, 1, 2, 3], [0, 1, 2, 3])
    """
    n = cdf.shape[0]
    i = np.minimum((u * n).astype(np.intp), n - 1)
    for _ in range(steps):
        right = cdf[i] <= u
        left = (cdf[i - 1] > u) & (i > 0)  # cdf[-1] at i = 0 is masked out
        if not (right.any() or left.any()):
            return i
        i += right
        i -= left
    missed = (cdf[i] <= u) | ((cdf[i - 1] > u) & (i > 0))
    i[missed] = cdf.searchsorted(u[missed], side="right")
    return i
