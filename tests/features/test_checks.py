"""features/checks.py: the one family of parameter checks (accepts, converts, refuses, says why)."""

import re
from fractions import Fraction

import numpy as np
import pytest

from features.checks import (check_bool, check_choice, check_int, check_n_jobs, check_pair,
                             check_real)


def _message(name, value, error=ValueError):
    """Regex of the family's message shape for ``name`` and the received ``value``."""
    shown = re.escape(repr(value)) + ("" if error is ValueError else " of type \\w+")
    return rf"^{re.escape(name)} must be .+; got {shown}\. \S.*$"


# -- check_int -------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [3, np.int64(3), np.uint8(3), np.int32(3)])
def test_check_int_accepts_integers_and_returns_a_python_int(value):
    out = check_int(value, "n_words", low=1)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize("value", [2.5, 3.0, np.float64(3.0), "3", None, [3], True, False,
                                   np.True_])
def test_check_int_refuses_non_integers_and_bools_with_type_error(value):
    with pytest.raises(TypeError, match=_message("n_words", value, TypeError)):
        check_int(value, "n_words", low=1)


@pytest.mark.parametrize("value, low, high, ok", [
    (1, 1, None, True), (0, 1, None, False), (5, None, 5, True), (6, None, 5, False),
    (-7, None, None, True), (2, 0, 2, True), (3, 0, 2, False), (-1, 0, 2, False),
])
def test_check_int_bounds_are_inclusive(value, low, high, ok):
    if ok:
        assert check_int(value, "k", low=low, high=high) == value
    else:
        with pytest.raises(ValueError, match=_message("k", value)):
            check_int(value, "k", low=low, high=high)


@pytest.mark.parametrize("value, low, high, message", [
    (-3, 1, None, "k must be an integer >= 1; got -3. Pass e.g. k=1."),
    (9, None, 5, "k must be an integer <= 5; got 9. Pass e.g. k=5."),
    (9, 0, 2, "k must be an integer in [0, 2]; got 9. Pass e.g. k=0."),
])
def test_check_int_message_states_the_bounds_and_a_value_inside(value, low, high, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_int(value, "k", low=low, high=high)


def test_check_int_uses_the_given_fix():
    with pytest.raises(ValueError, match=r"got 0\. Use more words\.$"):
        check_int(0, "n_words", low=1, fix="Use more words.")


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), (np.True_, True),
                                             (np.False_, False), (3, 3)])
def test_check_int_allow_bool_returns_bools_as_bools_whatever_the_bounds(value, expected):
    out = check_int(value, "average", low=2, allow_bool=True)
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize("value, error", [(-1, ValueError), (1.5, TypeError), ("yes", TypeError)])
def test_check_int_allow_bool_still_refuses_the_rest(value, error):
    with pytest.raises(error, match=r"average must be True, False or an integer >= 0; got "
                                    + re.escape(repr(value))):
        check_int(value, "average", low=0, allow_bool=True)


@pytest.mark.parametrize("value", [1.5, "2", None, True])
def test_check_int_type_error_changes_only_the_exception_of_wrong_types(value):
    with pytest.raises(ValueError, match=_message("n_jobs", value)) as info:
        check_int(value, "n_jobs", low=1, type_error=ValueError)
    assert type(info.value) is ValueError


# -- check_real ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (1, 1.0), (0.25, 0.25), (np.float32(0.5), 0.5), (np.float64(2.0), 2.0), (np.int64(3), 3.0),
    (np.float16(0.5), 0.5), (10**20, 1e20),
])
def test_check_real_accepts_real_numbers_and_returns_a_python_float(value, expected):
    out = check_real(value, "alpha")
    assert out == expected and type(out) is float


@pytest.mark.parametrize("value", [True, False, np.True_, "0.1", None, 1j, np.array([0.1]),
                                   np.array(0.1), Fraction(1, 4)])
def test_check_real_refuses_non_numbers_bools_and_other_real_types_with_type_error(value):
    with pytest.raises(TypeError, match=_message("alpha", value, TypeError)):
        check_real(value, "alpha")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, np.float32(np.nan), float("inf"),
                                   10**400])
def test_check_real_refuses_nan_infinity_and_ints_beyond_floats_even_without_bounds(value):
    with pytest.raises(ValueError, match=r"^alpha must be a finite number; got "):
        check_real(value, "alpha")


@pytest.mark.parametrize("low_open, high_open, interval", [
    (False, False, "[0, 1]"), (True, False, "(0, 1]"), (False, True, "[0, 1)"),
    (True, True, "(0, 1)"),
])
@pytest.mark.parametrize("value", [0, 1, 0.5, -0.1, 1.1])
def test_check_real_open_and_closed_bounds(value, low_open, high_open, interval):
    inside = (0 < value if low_open else 0 <= value) and (value < 1 if high_open else value <= 1)
    kw = dict(low=0, high=1, low_open=low_open, high_open=high_open)
    if inside:
        assert check_real(value, "ratio", **kw) == value
    else:
        with pytest.raises(ValueError, match=re.escape(
                f"ratio must be a finite number in {interval}; got {value!r}. ")):
            check_real(value, "ratio", **kw)


@pytest.mark.parametrize("kw, good, bad, allowed", [
    (dict(low=0), 0, -1, "a finite number >= 0"),
    (dict(low=0, low_open=True), 1e-300, 0, "a finite number > 0"),
    (dict(high=1), 1, 2, "a finite number <= 1"),
    (dict(high=1, high_open=True), 0.999, 1, "a finite number < 1"),
])
def test_check_real_one_sided_bounds(kw, good, bad, allowed):
    assert check_real(good, "eps", **kw) == good
    with pytest.raises(ValueError, match=rf"^eps must be {allowed}; got {bad}\. "):
        check_real(bad, "eps", **kw)


# -- check_choice ----------------------------------------------------------------------------

@pytest.mark.parametrize("value, choices", [
    ("l2", ("l1", "l2")), (None, (None, "l1")), (np.str_("l1"), ("l1", "l2")), (1, (1, 2)),
    ("adam", {"sgd": 1, "adam": 2}),
])
def test_check_choice_accepts_a_listed_value_and_returns_it(value, choices):
    assert check_choice(value, "option", choices) is value


@pytest.mark.parametrize("value, choices", [
    ("l3", ("l1", "l2")), ("L2", ("l1", "l2")), (True, (1, 2)), (1.0, (1, 2)), (1, (True, False)),
    (None, ("l1", "l2")), (["l1"], ("l1", "l2")), (np.array(["l1", "l2"]), ("l1", "l2")),
])
def test_check_choice_refuses_anything_else_with_value_error_listing_the_choices(value, choices):
    listed = ", ".join(map(repr, choices))
    with pytest.raises(ValueError, match=re.escape(f"option must be one of {listed}; got ")):
        check_choice(value, "option", choices)


def test_check_choice_message_names_the_received_value():
    with pytest.raises(ValueError, match=_message("penalty", "l3")):
        check_choice("l3", "penalty", ("l1", "l2"))


# -- check_pair ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (8, (8, 8)), (np.int64(4), (4, 4)), ((4, 6), (4, 6)), ([2, 3], (2, 3)),
    (np.array([5, 7]), (5, 7)), ((np.int32(1), 1), (1, 1)),
])
def test_check_pair_accepts_an_int_or_two_ints_and_returns_a_tuple_of_ints(value, expected):
    out = check_pair(value, "pixels_per_cell")
    assert out == expected and all(type(v) is int for v in out)


@pytest.mark.parametrize("value", ["8", "88", (8, 8, 8), (8,), None, 8.0, True, np.True_])
def test_check_pair_refuses_what_is_not_a_pair_with_type_error(value):
    with pytest.raises(TypeError, match=_message("cells", value, TypeError)):
        check_pair(value, "cells")


@pytest.mark.parametrize("value, index, bad, error", [
    ((8, 0), 1, 0, ValueError), ((-1, 8), 0, -1, ValueError), ((8, 2.5), 1, 2.5, TypeError),
    ((True, 8), 0, True, TypeError),
])
def test_check_pair_names_the_bad_element(value, index, bad, error):
    with pytest.raises(error, match=_message(f"cells[{index}]", bad, error)):
        check_pair(value, "cells")


def test_check_pair_low_bound():
    assert check_pair((0, 3), "overlap", low=0) == (0, 3)
    with pytest.raises(ValueError, match=r"overlap\[0\] must be an integer >= 0; got -1"):
        check_pair((-1, 3), "overlap", low=0)


# -- check_bool ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [(True, True), (False, False), (np.True_, True),
                                             (np.False_, False)])
def test_check_bool_accepts_python_and_numpy_bools(value, expected):
    out = check_bool(value, "whiten")
    assert out is expected


@pytest.mark.parametrize("value", [0, 1, 1.0, "yes", "True", None, np.int64(1)])
def test_check_bool_refuses_everything_else_with_type_error(value):
    with pytest.raises(TypeError, match=_message("whiten", value, TypeError)):
        check_bool(value, "whiten")


@pytest.mark.parametrize("value", [None, 1, 4, -1, -2])
def test_check_n_jobs_accepts_joblibs_values(value):
    assert check_n_jobs(value) == value


@pytest.mark.parametrize("value, error, match", [
    (0, ValueError, r"n_jobs must be an integer >= 1; got 0\. Pass None, a number of threads"),
    (1.5, TypeError, "n_jobs must be an integer; got 1.5"),
    ("2", TypeError, "n_jobs must be an integer; got '2'"),
])
def test_check_n_jobs_names_the_parameter_and_the_fix(value, error, match):
    with pytest.raises(error, match=match):
        check_n_jobs(value)
