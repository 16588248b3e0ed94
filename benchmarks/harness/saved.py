"""Saved work read back defensively: row files, point files and cache entries.

Everything featbench reads back from its own folders goes through
:func:`load_json` and a field check (:func:`check_fields`): malformed content
(not JSON, nested too deep, missing keys, wrong types, values out of range)
is a :class:`DamagedFileError` naming the file and what is wrong, which the
callers turn into "damaged: computed again", never a traceback and never a
blank cell in a table. JSON cannot run code; nothing here unpickles.
"""

import json
import math
import sys

__all__ = ["DamagedFileError", "load_json", "check_fields", "ROW_FIELDS", "POINT_FIELDS",
           "COUNT", "equal_to", "read_saved"]


class DamagedFileError(ValueError):
    """A saved file that cannot be what it claims to be; ``reason`` says why."""

    def __init__(self, path, reason):
        super().__init__(f"{path} is damaged ({reason})")
        self.path, self.reason = path, reason


def load_json(path):
    """The JSON document in ``path``.

    Raises
    ------
    DamagedFileError
        If it cannot be read, is not UTF-8 JSON, or is nested too deep for
        the parser.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "deep.json"
    >>> _ = path.write_text("[" * 200_000 + "]" * 200_000)
    >>> load_json(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    benchmarks.harness.saved.DamagedFileError: ... is damaged (nested too deep)
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise DamagedFileError(path, "nested too deep") from None
    except OSError as exc:
        raise DamagedFileError(path, exc.strerror or exc) from None
    except ValueError as exc:  # UnicodeDecodeError and JSON errors
        raise DamagedFileError(path, exc) from None


def _number(low=None, high=None):
    expected = ("a finite number" if low is None else
                f"a number in [{low:g}, {'inf' if high is None else f'{high:g}'}]")

    def check(value):
        ok = (not isinstance(value, bool) and isinstance(value, (int, float))
              and math.isfinite(value) and (low is None or value >= low)
              and (high is None or value <= high))
        return None if ok else expected
    return check


def _count(value):
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "a whole number >= 0"


def _kind(*types, name):
    return lambda value: None if isinstance(value, types) else name


def equal_to(want):
    """The check of a field that must hold ``want`` (a point's pipeline, size or seed).

    Examples
    --------
    >>> equal_to(30)(30), equal_to(30)(61)
    (None, '30')
    """
    return lambda value: None if value == want else repr(want)


def _nullable(check):
    return lambda value: None if value is None else check(value)


_FRACTION = _number(0.0, 1.0)
_SECONDS = _number(0.0)

#: What a saved row holds: field -> check (None when fine, else what was expected).
ROW_FIELDS = {
    "pipeline": _kind(str, name="a string"), "accuracy": _FRACTION, "ci_low": _FRACTION,
    "ci_high": _FRACTION, "balanced_accuracy": _FRACTION, "val_accuracy": _FRACTION,
    "n_features": _count, "feature_time": _SECONDS, "fit_time": _SECONDS,
    "predict_time": _SECONDS, "cache": _kind(str, name="a string"),
    "per_class_accuracy": _kind(dict, name="an object"),
    "best_params": _kind(dict, name="an object"),
    "loss_curve": _nullable(_kind(list, name="a list")),
    "predictions": _kind(list, name="a list"),
}
#: What a saved point of a learning curve or a seed sweep holds.
POINT_FIELDS = {
    "pipeline": _kind(str, name="a string"), "accuracy": _FRACTION, "ci_low": _FRACTION,
    "ci_high": _FRACTION, "val_accuracy": _FRACTION, "fit_images": _count,
    "fit_time": _SECONDS,
}


def check_fields(doc, fields):
    """Raise ``ValueError`` saying what is wrong unless ``doc`` holds ``fields`` as checked.

    Examples
    --------
    >>> check_fields({"accuracy": 0.5, "fit_images": 3}, {"accuracy": _FRACTION})
    >>> check_fields({"accuracy": "0.5"}, {"accuracy": _FRACTION})
    Traceback (most recent call last):
    ...
    ValueError: accuracy is '0.5', not a number in [0, 1]
    """
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    for key, check in fields.items():
        if key not in doc:
            raise ValueError(f"no {key}")
        expected = check(doc[key])
        if expected is not None:
            shown = repr(doc[key])
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise ValueError(f"{key} is {shown}, not {expected}")


def read_saved(path, fields, more=None):
    """A row or point an earlier run saved in ``path``, or None if it is damaged.

    Parameters
    ----------
    path : Path
    fields : dict
        :data:`ROW_FIELDS` or :data:`POINT_FIELDS`; ``config`` (an object) is
        always required.
    more : dict or None, default=None
        Further checks, made after ``fields`` (a point's setting, e.g.
        ``train_size`` must equal 500: :func:`equal_to`).

    A damaged file (cut short, edited, not JSON, a field missing or out of
    range) is said in one line on stderr; what it held is computed again and
    written over it.
    """
    try:
        doc = load_json(path)
        check_fields(doc, {"config": _kind(dict, name="an object"), **fields})
        check_fields(doc, more or {})
        return doc
    except DamagedFileError as exc:
        reason = exc.reason
    except ValueError as exc:
        reason = exc
    print(f"featbench: --resume: {path} is damaged ({reason}); computing it again.",
          file=sys.stderr)
    return None


#: The check of a whole number >= 0, for a point's setting (a size or a seed).
COUNT = _count
