"""Read CIFAR-10's pickled batches without running code or allocating more than the file holds.

Unpickling runs code named by the file, so :class:`RestrictedUnpickler`
resolves only the numpy names an array needs, and hands out checked stand-ins
for them: an array may only be made of numbers (never Python objects), its
declared size must match the bytes the file gives for it, and everything the
file asks to allocate together may not exceed the file's own length. A file
of a few hundred KB thus cannot ask for gigabytes of memory.
"""

import io
import math
import pickle

import numpy as np

__all__ = ["RestrictedUnpickler", "UnsafePickleError", "restricted_loads"]

_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct")}
_FIX = ("The file is not an official batch (or has been tampered with); download it again.")


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle named a global outside the allowed set, or asked for what no batch holds.

    A subclass of :class:`pickle.UnpicklingError`, so code that catches that
    catches this too.

    Examples
    --------
    >>> import os
    >>> try:
    ...     restricted_loads(pickle.dumps(os.system))
    ... except pickle.UnpicklingError as exc:
    ...     type(exc).__name__
    'UnsafePickleError'
    """


class _NdarrayName:
    """What the file gets for ``numpy.ndarray``: a name to pass to ``_reconstruct``, not
    a class it can call (``ndarray(shape)`` would allocate uninitialised memory)."""

    def __repr__(self):
        return "numpy.ndarray"

    def __call__(self, *args, **kwargs):
        raise UnsafePickleError(f"refusing to call numpy.ndarray: it would allocate memory the "
                                f"file does not fill. {_FIX}")


_NDARRAY = _NdarrayName()


def _check_dtype(dtype):
    """``dtype`` as an :class:`numpy.dtype` of plain numbers, else an UnsafePickleError."""
    try:
        dt = dtype if isinstance(dtype, np.dtype) else np.dtype(
            dtype.decode("ascii") if isinstance(dtype, bytes) else dtype)
    except (TypeError, ValueError, UnicodeDecodeError) as exc:
        raise UnsafePickleError(f"refusing dtype {dtype!r} ({exc}). {_FIX}") from None
    if dt.kind not in "biuf" or dt.hasobject or dt.fields is not None or dt.subdtype is not None:
        # Object arrays hold pointers: a crafted state crashes the interpreter.
        raise UnsafePickleError(
            f"refusing an array of dtype {dt}: a CIFAR-10 batch only holds plain numbers "
            f"(booleans, integers, floats). {_FIX}"
        )
    return dt


def _check_shape(shape):
    shape = (shape,) if isinstance(shape, int) else shape
    if (not isinstance(shape, tuple) or len(shape) > 32
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)):
        raise UnsafePickleError(f"refusing array shape {shape!r}: not a tuple of sizes. {_FIX}")
    return shape


class RestrictedUnpickler(pickle._Unpickler):
    """Unpickler that only resolves the globals CIFAR-10's batch files need, checked.

    Parameters
    ----------
    file : binary file
        The pickle.
    max_bytes : int or None, default=None
        Most bytes the arrays, and separately the byte strings, made while
        loading may take together; ``None`` is the length of ``file`` (a genuine
        batch stores every byte its arrays hold).
    **kwargs
        Passed to :class:`pickle.Unpickler` (``encoding="bytes"`` for Python 2 files).

    Examples
    --------
    >>> RestrictedUnpickler(io.BytesIO(pickle.dumps({b"labels": [1, 2]}))).load()
    {b'labels': [1, 2]}
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, *, max_bytes=None, **kwargs):
        super().__init__(file, **kwargs)
        if max_bytes is None:
            here = file.tell()
            max_bytes = file.seek(0, io.SEEK_END) - here
            file.seek(here)
        self._max_bytes = max_bytes
        self._used = {"array": 0, "byte string": 0}
        # Arrays and dtypes this load made (by id, kept alive): the only things BUILD may set.
        self._made = {}

    def _spend(self, kind, n, what):
        self._used[kind] += n
        if self._used[kind] > self._max_bytes:
            raise UnsafePickleError(
                f"the pickle asks for {what}, {self._used[kind]:,} bytes of {kind}s in all, but "
                f"the file holds only {self._max_bytes:,} bytes: a genuine batch stores every "
                f"byte of its images, so its declared image count is false. {_FIX}"
            )

    def find_class(self, module, name):
        if (module, name) in _RECONSTRUCT:
            return self._reconstruct
        if (module, name) == ("numpy", "ndarray"):
            return _NDARRAY
        if (module, name) == ("numpy", "dtype"):
            return self._dtype
        if (module, name) == ("_codecs", "encode"):
            return self._encode
        raise UnsafePickleError(
            f"refusing to load global {module}.{name}: a CIFAR-10 batch file only "
            f"holds numpy arrays, lists and dicts. {_FIX}"
        )

    def _reconstruct(self, subtype, shape, dtype):
        if subtype is not _NDARRAY:
            raise UnsafePickleError(
                f"refusing to reconstruct {subtype!r}: not numpy.ndarray. {_FIX}")
        shape, dt = _check_shape(shape), _check_dtype(dtype)
        self._spend("array", math.prod(shape) * dt.itemsize, f"an array of shape {shape} {dt}")
        array = np.ndarray(shape, dt)
        self._made[id(array)] = array
        return array

    def _dtype(self, spec, align=False, copy=False):
        if not isinstance(spec, (str, bytes)):
            raise UnsafePickleError(f"refusing dtype {spec!r}: not a type code. {_FIX}")
        dt = np.dtype(_check_dtype(spec), align=bool(align), copy=True)  # never a shared one
        self._made[id(dt)] = dt
        return dt

    def _encode(self, text, encoding="utf-8", errors="strict"):
        # How Python 3 pickles bytes at protocol 2: _codecs.encode(str, "latin1").
        if not isinstance(text, str) or encoding not in ("latin1", "latin-1") or errors != "strict":
            raise UnsafePickleError(f"refusing _codecs.encode with {encoding!r}: only latin1 "
                                    f"text is how bytes are pickled. {_FIX}")
        self._spend("byte string", len(text), f"a byte string of {len(text):,} bytes")
        return text.encode("latin1")

    def _load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if self._made.get(id(inst)) is not inst:
            raise UnsafePickleError(f"refusing to set the state of a {type(inst).__name__}: "
                                    f"only numpy arrays and dtypes have one in a batch. {_FIX}")
        if isinstance(inst, np.dtype):
            # (version, byte order, subarray, names, fields, itemsize, alignment, flags):
            # a plain number type has no subarray, names or fields.
            if (not isinstance(state, tuple) or len(state) != 8 or state[2:5] != (None,) * 3
                    or state[1] not in ("<", ">", "|", "=", b"<", b">", b"|", b"=")):
                raise UnsafePickleError(f"refusing dtype state {state!r}. {_FIX}")
        else:
            if not isinstance(state, tuple) or len(state) != 5:
                raise UnsafePickleError(
                    f"refusing array state of type {type(state).__name__}. {_FIX}")
            _, shape, dtype, _, raw = state
            shape, dt = _check_shape(shape), _check_dtype(dtype)
            need = math.prod(shape) * dt.itemsize
            if not isinstance(raw, bytes) or len(raw) != need:
                got = f"{len(raw):,} bytes" if isinstance(raw, bytes) else type(raw).__name__
                raise UnsafePickleError(f"array of shape {shape} {dt} needs {need:,} bytes of "
                                        f"data; the file gives {got}. {_FIX}")
            self._spend("array", need, f"an array of shape {shape} {dt}")
        inst.__setstate__(state)

    dispatch[pickle.BUILD[0]] = _load_build


def restricted_loads(data, max_bytes=None):
    """Unpickle ``data`` (bytes) with :class:`RestrictedUnpickler`, Python-2 strings as bytes.

    Parameters
    ----------
    data : bytes
        The pickle.
    max_bytes : int or None, default=None
        See :class:`RestrictedUnpickler`; ``None`` is ``len(data)``.

    Examples
    --------
    >>> import os
    >>> restricted_loads(pickle.dumps([1, "a", (2.5, None)]))
    [1, 'a', (2.5, None)]
    >>> restricted_loads(pickle.dumps(os.system))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    benchmarks.data.safe_pickle.UnsafePickleError: refusing to load global ...system: ...
    >>> restricted_loads(pickle.dumps(np.arange(3, dtype=np.uint8), protocol=2))
    array([0, 1, 2], dtype=uint8)
    """
    return RestrictedUnpickler(io.BytesIO(data), max_bytes=max_bytes, encoding="bytes").load()
