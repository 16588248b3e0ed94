"""Timing shared by the developer benchmarks: the best of a few runs, paired rounds, and
the type of their count options."""

import argparse
import time

import numpy as np

__all__ = ["best_time", "count_option", "interleaved_times", "ratio_quartiles"]


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


def interleaved_times(funcs, rounds, clock=time.perf_counter):
    """Time every function once per round, the order rotating from round to round.

    Parameters
    ----------
    funcs : dict of str to callable
        Functions called without arguments.
    rounds : int
        Number of rounds; at least 1.
    clock : callable, default=time.perf_counter
        Returns the time in seconds.

    Returns
    -------
    times : dict of str to ndarray of shape (rounds,)
        Seconds of each call, round by round, so that ``times[a][r]`` and
        ``times[b][r]`` were measured moments apart. Round ``r`` starts with the
        ``r % len(funcs)``-th function, so none always runs first or after the same one.

    Raises
    ------
    ValueError
        If ``rounds`` is below 1 or ``funcs`` is empty.

    Examples
    --------
    >>> ticks = iter(range(100))
    >>> times = interleaved_times({"a": lambda: None, "b": lambda: None}, 2,
    ...                           clock=lambda: next(ticks))
    >>> times["a"].tolist(), times["b"].tolist()
    ([1.0, 1.0], [1.0, 1.0])
    """
    if not funcs or int(rounds) < 1:
        raise ValueError(
            f"interleaved_times needs at least one function and rounds >= 1; got "
            f"{len(funcs)} functions and rounds={rounds!r}."
        )
    names = list(funcs)
    times = {name: np.empty(int(rounds)) for name in names}
    for r in range(int(rounds)):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            start = clock()
            funcs[name]()
            times[name][r] = clock() - start
    return times


def ratio_quartiles(times, baseline):
    """Quartiles of the per-round ratio ``times / baseline``.

    Parameters
    ----------
    times, baseline : array-like of shape (rounds,)
        Seconds measured in the same rounds (see :func:`interleaved_times`).

    Returns
    -------
    q25, median, q75 : float

    Examples
    --------
    >>> ratio_quartiles([2.0, 3.0, 4.0, 9.0, 10.0], [1.0, 1.0, 1.0, 1.0, 1.0])
    (3.0, 4.0, 9.0)
    """
    ratios = np.asarray(times, float) / np.asarray(baseline, float)
    q25, median, q75 = np.percentile(ratios, [25, 50, 75])
    return float(q25), float(median), float(q75)


def count_option(option):
    """An argparse ``type`` for ``option``: a whole number of at least 1.

    Anything else is a usage error naming the option, raised while the command
    line is parsed, before any timing starts.

    Examples
    --------
    >>> count_option("--rounds")("3")
    3
    >>> count_option("--rounds")("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: --rounds must be an integer >= 1; got 0. Pass e.g. --rounds=1.
    """
    from features.checks import check_int

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option} must be a whole number; got {text!r}. Pass a count such as 3."
            ) from None
        try:
            return check_int(value, option, low=1)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = option
    return parse
