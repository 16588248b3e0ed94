"""Parameter checks shared by every package: one family, value first, one message shape.

Every check raises ``TypeError`` for a value of the wrong type and
``ValueError`` for a value out of range, with a message of one shape:
``"<name> must be <what is allowed>; got <value>. <how to fix it>"``.
They return the value converted (``int``, ``float``, a tuple), so a caller
writes ``self.n_words_ = check_int(self.n_words, "n_words", low=1)``.

This module sits at the bottom of the import graph (it imports only numpy),
so ``classifiers``, ``pipelines`` and ``benchmarks`` use it too.
"""

import math
import numbers

import numpy as np

__all__ = ["check_int", "check_real", "check_choice", "check_pair", "check_bool", "check_n_jobs"]


def _raise(exc, name, allowed, value, fix):
    shown = f"{value!r}" if exc is ValueError else f"{value!r} of type {type(value).__name__}"
    raise exc(f"{name} must be {allowed}; got {shown}. {fix}")


def _interval(low, high, low_open, high_open):
    if low is None and high is None:
        return "a finite number"
    if high is None:
        return f"a finite number {'>' if low_open else '>='} {low}"
    if low is None:
        return f"a finite number {'<' if high_open else '<='} {high}"
    return (f"a finite number in {'(' if low_open else '['}{low}, "
            f"{high}{')' if high_open else ']'}")


def check_int(value, name, *, low=None, high=None, allow_bool=False, type_error=TypeError,
              fix=None):
    """``value`` as an ``int`` if it is an integer in ``[low, high]``, else raise.

    Parameters
    ----------
    value : object
        The value to check; bools are refused (unless ``allow_bool``), numpy
        integers accepted.
    name : str
        Parameter or option name used in the message (``"n_words"``, ``"--seed"``).
    low, high : int or None, default=None
        Inclusive bounds; ``None`` leaves that side open.
    allow_bool : bool, default=False
        Also accept ``True`` and ``False`` (numpy bools too), returned as a
        ``bool`` whatever the bounds: for parameters where they have a meaning
        of their own, such as ``verbose`` or ``average``.
    type_error : {TypeError, ValueError}, default=TypeError
        Exception raised for a value that is not an integer. ``ValueError``
        keeps the contract of a parameter that has always raised
        ``ValueError`` for every bad value (such as ``n_jobs``).
    fix : str or None, default=None
        How to fix it; by default a suggestion of a value inside the bounds.

    Returns
    -------
    int, or bool for a bool accepted by ``allow_bool``

    Raises
    ------
    TypeError
        If ``value`` is not an integer (``type_error``).
    ValueError
        If ``value`` is outside the bounds.

    Examples
    --------
    >>> check_int(np.int64(3), "n_words", low=1)
    3
    >>> check_int(0, "n_words", low=1)
    Traceback (most recent call last):
        ...
    ValueError: n_words must be an integer >= 1; got 0. Pass e.g. n_words=1.
    >>> check_int(True, "verbose", low=0, allow_bool=True)
    True
    >>> check_int(1.5, "n_jobs", type_error=ValueError)
    Traceback (most recent call last):
        ...
    ValueError: n_jobs must be an integer; got 1.5. Pass e.g. n_jobs=1.
    """
    if low is not None and high is not None:
        allowed = f"an integer in [{low}, {high}]"
    elif low is not None:
        allowed = f"an integer >= {low}"
    elif high is not None:
        allowed = f"an integer <= {high}"
    else:
        allowed = "an integer"
    if allow_bool:
        allowed = f"True, False or {allowed}"
    if fix is None:
        example = low if low is not None else (high if high is not None else 1)
        fix = f"Pass e.g. {name}={example}."
    if isinstance(value, (bool, np.bool_)):
        if allow_bool:
            return bool(value)
        _raise(type_error, name, allowed, value, fix)
    if not isinstance(value, numbers.Integral):
        _raise(type_error, name, allowed, value, fix)
    if (low is not None and value < low) or (high is not None and value > high):
        _raise(ValueError, name, allowed, value, fix)
    return int(value)


def check_real(value, name, *, low=None, high=None, low_open=False, high_open=False,
               fix=None):
    """``value`` as a ``float`` if it is a finite real number in the interval, else raise.

    Parameters
    ----------
    value : object
        The value to check: an int or a float, numpy ones included; bools
        are refused, and so are other real types (``Fraction``), which numpy
        arrays would turn into arrays of objects.
    name : str
        Parameter or option name used in the message.
    low, high : float or None, default=None
        Bounds; ``None`` leaves that side open.
    low_open, high_open : bool, default=False
        Whether the bound itself is excluded.
    fix : str or None, default=None
        How to fix it; by default "Choose a value inside that range."

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If ``value`` is NaN, infinite or outside the interval.

    Examples
    --------
    >>> check_real(1, "learning_rate", low=0, low_open=True)
    1.0
    >>> check_real(0.0, "learning_rate", low=0, low_open=True)
    Traceback (most recent call last):
        ...
    ValueError: learning_rate must be a finite number > 0; got 0.0. Choose a value inside that range.
    """
    allowed = _interval(low, high, low_open, high_open)
    fix = "Choose a value inside that range." if fix is None else fix
    if (isinstance(value, (bool, np.bool_))
            or not isinstance(value, (numbers.Integral, float, np.floating))):
        _raise(TypeError, name, allowed, value, fix)
    try:
        ok = math.isfinite(value)
    except OverflowError:  # an integer beyond the range of floats
        ok = False
    ok = ok and (low is None or (value > low if low_open else value >= low))
    ok = ok and (high is None or (value < high if high_open else value <= high))
    if not ok:
        _raise(ValueError, name, allowed, value, fix)
    return float(value)


def _same_kind(value, choice):
    return type(value) is type(choice) or isinstance(value, str) and isinstance(choice, str)


def check_choice(value, name, choices, *, fix=None):
    """``value`` if it is one of ``choices``, else raise ``ValueError``.

    Parameters
    ----------
    value : object
    name : str
        Parameter or option name used in the message.
    choices : sequence
        The accepted values, listed in the message in this order.
    fix : str or None, default=None
        How to fix it; by default "Pick one of the listed values."

    Returns
    -------
    object
        ``value`` itself.

    Raises
    ------
    ValueError
        If ``value`` is not among ``choices`` (unhashable values included).

    Notes
    -----
    A value matches a choice when it is the choice, or equals it and has its
    exact type, so ``True`` does not match ``1`` nor ``1.0`` match ``1``.
    Strings are the exception: any ``str`` (``np.str_`` from a numpy array
    of names too) matches an equal string choice.

    Examples
    --------
    >>> check_choice("l2", "regularization", ("l1", "l2"))
    'l2'
    >>> check_choice(np.str_("l2"), "regularization", ("l1", "l2")) == "l2"
    True
    >>> check_choice("l3", "regularization", ("l1", "l2"))
    Traceback (most recent call last):
        ...
    ValueError: regularization must be one of 'l1', 'l2'; got 'l3'. Pick one of the listed values.
    """
    fix = "Pick one of the listed values." if fix is None else fix
    try:
        found = any(value is c or _same_kind(value, c) and value == c for c in choices)
    except (TypeError, ValueError):  # values that do not compare to one bool
        found = False
    if not found:
        _raise(ValueError, name, "one of " + ", ".join(map(repr, choices)), value, fix)
    return value


def check_pair(value, name, *, low=1, fix=None):
    """A pair of integers ``>= low`` as a tuple; a single integer ``n`` means ``(n, n)``.

    Parameters
    ----------
    value : int or sequence of two ints
    name : str
        Parameter name used in the message; elements are named ``name[0]``, ``name[1]``.
    low : int, default=1
        Inclusive lower bound of each element.
    fix : str or None, default=None
        How to fix it; by default an example pair.

    Returns
    -------
    tuple of two int

    Raises
    ------
    TypeError
        If ``value`` is neither an integer nor a sequence of two integers.
    ValueError
        If an element is below ``low``.

    Examples
    --------
    >>> check_pair(8, "pixels_per_cell")
    (8, 8)
    >>> check_pair((4, 0), "pixels_per_cell")
    Traceback (most recent call last):
        ...
    ValueError: pixels_per_cell[1] must be an integer >= 1; got 0. Pass e.g. pixels_per_cell=(8, 8).
    """
    fix = f"Pass e.g. {name}=(8, 8)." if fix is None else fix
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or isinstance(value, str):
        _raise(TypeError, name, f"a pair of integers >= {low}", value, fix)
    return tuple(check_int(v, f"{name}[{i}]", low=low, fix=fix) for i, v in enumerate(pair))


def check_bool(value, name):
    """``value`` as a ``bool`` if it is ``True`` or ``False`` (numpy bools too), else raise.

    Raises
    ------
    TypeError
        For anything else (``0``, ``"yes"``, ``None``).

    Examples
    --------
    >>> check_bool(np.True_, "early_stopping")
    True
    >>> check_bool(1, "early_stopping")
    Traceback (most recent call last):
        ...
    TypeError: early_stopping must be True or False; got 1 of type int. Pass early_stopping=True or early_stopping=False.
    """
    if not isinstance(value, (bool, np.bool_)):
        _raise(TypeError, name, "True or False", value,
               f"Pass {name}=True or {name}=False.")
    return bool(value)


def check_n_jobs(value, *, type_error=TypeError):
    """Validate ``n_jobs`` in joblib's meaning and return it.

    None, a number of threads (1 or more), or -1 for every core (-2 all but
    one, ...); only 0 means nothing.

    Raises
    ------
    ValueError
        For 0; ``type_error`` for a value that is not an integer.

    Examples
    --------
    >>> check_n_jobs(None), check_n_jobs(-1), check_n_jobs(4)
    (None, -1, 4)
    >>> check_n_jobs(0)
    Traceback (most recent call last):
        ...
    ValueError: n_jobs must be an integer >= 1; got 0. Pass None, a number of threads, or -1 \
for all cores.
    """
    if value is None:
        return None
    fix = "Pass None, a number of threads, or -1 for all cores."
    if check_int(value, "n_jobs", type_error=type_error, fix=fix) >= 0:
        check_int(value, "n_jobs", low=1, fix=fix)
    return value
