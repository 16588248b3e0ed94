"""A random stream whose weighted draws reuse their cumulative weights.

:class:`~sklearn.cluster.MiniBatchKMeans` draws each mini-batch with
``random_state.choice(n, batch_size, p=weights)`` over all the samples, the
same ``weights`` array at every step. NumPy's legacy :class:`~numpy.random.RandomState`
checks and sums those weights again at each call, serial passes over every
sample that cost more than the rest of the draw
(docs/decisions.md#kmeans-draws-reuse-cdf). :class:`CumulativeRandomState`
keeps the cumulative sum of the last weights it saw and draws the same
indices from the same stream: the legacy stream's algorithms are frozen
(NEP 19), so the draws cannot drift from its parent's.
"""

import numpy as np

__all__ = ["CumulativeRandomState"]


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

    def choice(self, a, size=None, replace=True, p=None):
        if (p is None or not replace or not isinstance(size, (int, np.integer))
                or not isinstance(a, (int, np.integer))):
            return super().choice(a, size, replace, p)
        if p is not self._weights:
            # The first draw with these weights: the parent checks them and draws.
            out = super().choice(a, size, replace, p)
            cdf = np.ascontiguousarray(p, dtype=np.float64).cumsum()
            cdf /= cdf[-1]
            self._weights, self._cdf = p, cdf
            return out
        # The parent's own steps after its checks, with the same cumulative sum.
        return self._cdf.searchsorted(self.random_sample(size), side="right")
