"""Timing shared by the developer benchmarks: the best of a few runs."""

import time

import numpy as np

__all__ = ["best_time"]


def best_time(func, *args, repeat=1, **kwargs):
    """Run ``func(*args, **kwargs)`` ``repeat`` times; return (best seconds, last result).

    The minimum over repeats is the least noisy estimate on a shared machine.
    """
    best, result = np.inf, None
    for _ in range(max(1, int(repeat))):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result
