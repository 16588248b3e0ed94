"""What the harness caches, and under which key: feature blocks and finished rows.

Features are the expensive part and are shared between pipelines (``hog+color``
is in ``hog+color/svm``, ``/softmax``, ``/mlp`` and in ``all/*``), so each block
of a pipeline's ``features`` step is cached on disk, keyed by the block's
parameters (as the pipeline sets them, not the run's ``n_jobs``: the features are
the same on any number of cores), the images and the code that computes them. Finished rows are
cached too, keyed by the pipeline's fingerprint
(:func:`~benchmarks.harness.fingerprint.pipeline_fingerprint`), the split and ``search``,
and so is each validation score of a search (:mod:`~benchmarks.harness.search`).

Nothing read from the cache can run code, so a cache folder that others can
write to (a shared ``--cache-dir`` or ``$FEATBENCH_CACHE``) cannot make
featbench run theirs: arrays are ``.npy`` files read with pickling refused,
everything else is JSON. Pickles (what ``joblib.Memory`` stores) are never
read. An entry that does not parse or does not fit its key (truncated, edited,
planted, nested too deep) is said in one line, removed and computed again; one
process at a time writes an entry. Someone who can write to the folder can still
leave wrong numbers under a right key: keep the cache private (the default).
"""

import json
import os
import secrets
import shutil
import sys
from pathlib import Path

import joblib
import numpy as np

from benchmarks.data.paths import cache_dir
from benchmarks.harness.lock import FolderLockedError, hold_lock
from benchmarks.harness.saved import DamagedFileError, load_json

__all__ = ["ResultCache", "StoredArray", "open_cache", "CACHE_FORMAT"]

CACHE_FORMAT = 1  # written into every entry; an entry of another format is computed again
READ_ROWS = 4096  # rows per read of StoredArray.read_into


def _stderr_line(message):  # a module function: a cache sent to dask workers pickles it
    print(message, file=sys.stderr)


class StoredArray:
    """A ``.npy`` array of a cache entry, checked but not read yet.

    It has the ``shape``, ``dtype`` and ``ndim`` of the array, and reads it
    whole (:meth:`read`) or a block of rows at a time into a slice of a larger
    array (:meth:`read_into`), so that stacking cached blocks side by side
    needs no second copy of them.

    Raises
    ------
    ValueError
        When opened, if the file is not a ``.npy`` array of plain numbers or
        its size does not match its header (a truncated file).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "0.npy"
    >>> np.save(path, np.arange(6.0).reshape(3, 2))
    >>> stored = StoredArray(path)
    >>> stored.shape, len(stored), stored.dtype.name
    ((3, 2), 3, 'float64')
    >>> out = np.zeros((3, 4))
    >>> stored.read_into(out[:, 1:3], rows=2)[:, 0].tolist()
    [0.0, 2.0, 4.0]
    """

    def __init__(self, path):
        self.path = Path(path)
        with open(self.path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"unknown .npy version {version}")
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, self._fortran, dtype = read_header(fh)
            self._offset = fh.tell()
            size = os.fstat(fh.fileno()).st_size
        if dtype.hasobject or dtype.fields is not None:
            raise ValueError("not an array of plain numbers")
        self.shape, self.dtype = tuple(shape), dtype
        if size != self._offset + int(np.prod(shape)) * dtype.itemsize:
            raise ValueError("the file is truncated")

    @property
    def ndim(self):
        return len(self.shape)

    def __len__(self):
        return self.shape[0] if self.shape else 0

    def read(self):
        """The whole array."""
        with open(self.path, "rb") as fh:
            return np.lib.format.read_array(fh, allow_pickle=False)

    def read_into(self, out, rows=None):
        """Copy the array into ``out`` (same shape), ``rows`` rows at a time; return ``out``.

        ``rows`` None reads :data:`READ_ROWS` rows at a time.
        """
        if out.shape != self.shape:
            raise ValueError(f"out has shape {out.shape}, the stored array {self.shape}")
        if self._fortran or self.ndim < 1:
            out[...] = self.read()
            return out
        per_row = int(np.prod(self.shape[1:]))
        rows = rows or READ_ROWS
        with open(self.path, "rb") as fh:
            fh.seek(self._offset)
            for start in range(0, self.shape[0], rows):
                n = min(rows, self.shape[0] - start)
                block = np.fromfile(fh, dtype=self.dtype, count=n * per_row)
                out[start:start + n] = block.reshape((n,) + self.shape[1:])
        return out


class _Writer:
    """A file seen only through ``write``: numpy then writes a strided array in blocks."""

    def __init__(self, fh):
        self.write = fh.write


class ResultCache:
    """Cache entries in a folder: one JSON document and a few arrays per key.

    An entry is the folder ``<location>/<kind>/<key>/`` holding ``entry.json``
    and ``0.npy``, ``1.npy``, ...; it is written in a temporary folder and
    renamed into place, so a reader sees a whole entry or none, and two
    processes storing the same key keep one of them.

    Parameters
    ----------
    location : str or Path or None
        The cache folder; ``None`` disables the cache (nothing is read or stored).
    notice : callable or None, default=None
        Receives the one-line notices (an entry computed again, an entry that
        could not be stored); default: a line on stderr.

    Examples
    --------
    >>> import tempfile
    >>> cache = ResultCache(tempfile.mkdtemp())
    >>> key = cache.key("demo", np.arange(3))
    >>> cache.fetch("blocks", key) is None
    True
    >>> cache.store("blocks", key, {"seconds": 0.5}, [np.eye(2)])
    >>> doc, arrays = cache.fetch("blocks", key)
    >>> doc["seconds"], arrays[0].tolist(), ResultCache(None).fetch("blocks", key)
    (0.5, [[1.0, 0.0], [0.0, 1.0]], None)
    """

    def __init__(self, location, notice=None):
        self.location = Path(location) if location is not None else None
        self.notice = notice if notice is not None else _stderr_line

    @property
    def enabled(self):
        """Whether entries are read and stored."""
        return self.location is not None

    @staticmethod
    def key(*parts):
        """Hex digest of ``parts`` (arrays hashed by content, by :func:`joblib.hash`)."""
        return joblib.hash(parts)

    def lookup(self, kind, key_parts, check=None, what=None, lazy=False):
        """``(key, found)``: the key of ``key_parts`` and :meth:`fetch` of it.

        A disabled cache hashes nothing (hashing the images is not free) and
        returns ``(None, None)``; :meth:`store` ignores that key.

        Examples
        --------
        >>> ResultCache(None).lookup("rows", ("demo", 1))
        (None, None)
        """
        if not self.enabled:
            return None, None
        key = self.key(*key_parts)
        return key, self.fetch(kind, key, check, what, lazy)

    def _entry(self, kind, key):
        return self.location / kind / key

    def fetch(self, kind, key, check=None, what=None, lazy=False):
        """``(document, arrays)`` stored under ``key``, or ``None``.

        Parameters
        ----------
        kind : str
            Folder of the entry kind (``"blocks"``, ``"rows"``).
        key : str
            From :meth:`key`.
        check : callable or None, default=None
            ``check(document, arrays)`` raises ``ValueError`` when the entry
            does not fit what the caller expects (shapes, names).
        what : str or None, default=None
            What the entry holds, for the notice (``"features HOG"``).
        lazy : bool, default=False
            Give the arrays as :class:`StoredArray` (checked, not read).

        Returns
        -------
        (dict, list of ndarray or StoredArray) or None
            ``None`` when the cache is disabled, the entry is missing, or it
            is unreadable; an unreadable entry is removed and a notice says so.
        """
        if not self.enabled:
            return None
        entry = self._entry(kind, key)
        if not entry.is_dir():
            return None
        try:
            doc = load_json(entry / "entry.json")
            if not isinstance(doc, dict) or doc.get("format") != CACHE_FORMAT:
                raise ValueError(f"not a featbench cache entry of format {CACHE_FORMAT}")
            n = doc.get("arrays")
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 64:
                raise ValueError(f"bad array count {n!r}")
            arrays = []
            for i in range(n):
                if lazy:
                    arrays.append(StoredArray(entry / f"{i}.npy"))
                    continue
                with open(entry / f"{i}.npy", "rb") as fh:
                    # The .npy format only: no zip archive and no pickled objects.
                    arrays.append(np.lib.format.read_array(fh, allow_pickle=False))
            if check is not None:
                check(doc["document"], arrays)
            return doc["document"], arrays
        except (OSError, ValueError, KeyError, TypeError, EOFError, RecursionError) as exc:
            reason = (exc.reason if isinstance(exc, DamagedFileError)
                      else exc.strerror if isinstance(exc, OSError) and exc.strerror
                      else str(exc) or type(exc).__name__)
            self.notice(f"featbench: cache entry {entry}{f' ({what})' if what else ''} is "
                        f"unreadable ({reason}); computing it again.")
            shutil.rmtree(entry, ignore_errors=True)
            return None

    def store(self, kind, key, document, arrays=()):
        """Store a JSON-able ``document`` and ``arrays`` under ``key``.

        A failure to write (a full disk, say) is a notice, not an error: the
        result is in hand, only its cached copy is lost.
        """
        if not self.enabled:
            return
        entry = self._entry(kind, key)
        tmp = entry.parent / f".tmp-{key}-{secrets.token_hex(4)}"
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            # One writer per entry: another command storing the same result now wins.
            with hold_lock(entry.parent / f".{key}.lock", f"cache entry {entry}"):
                self._write(entry, tmp, document, arrays)
        except FolderLockedError:
            pass  # the same result, stored by the lock's holder
        except (OSError, ValueError, TypeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self.notice(f"featbench: could not store cache entry {entry} ({reason}); "
                        f"continuing without it.")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @staticmethod
    def _write(entry, tmp, document, arrays):
        tmp.mkdir()
        for i, array in enumerate(arrays):
            array = np.asarray(array)
            with open(tmp / f"{i}.npy", "wb") as fh:
                # A column slice (one block of stacked features) goes through
                # _Writer: numpy writes it in blocks, to a file an element at a time.
                np.lib.format.write_array(fh if array.flags.c_contiguous else _Writer(fh),
                                          array, allow_pickle=False)
        doc = {"format": CACHE_FORMAT, "arrays": len(arrays), "document": document}
        (tmp / "entry.json").write_text(json.dumps(doc), encoding="utf-8")
        try:
            os.rename(tmp, entry)
        except OSError:
            if not entry.is_dir():  # not an earlier writer's entry: a real failure
                raise


def open_cache(cache=None, enabled=True, notice=None):
    """The cache of feature blocks and rows (``cache_dir()/features`` by default).

    The folder is created if needed and proven writable, so that a read-only
    cache folder (or home folder) is said before any work.

    Parameters
    ----------
    cache : str or Path or None, default=None
        The folder (``--cache-dir``); ``None``: ``$FEATBENCH_CACHE/features``,
        else ``~/.cache/featbench/features``.
    enabled : bool, default=True
        ``False`` (``--no-cache``) returns a cache that reads and stores nothing.
    notice : callable or None, default=None
        See :class:`ResultCache`.

    Returns
    -------
    ResultCache

    Raises
    ------
    PermissionError
        If the folder cannot be created or written, naming it, with the fix
        (``--cache-dir DIR`` or ``--no-cache``).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "cache"
    >>> open_cache(folder).location == folder, folder.is_dir()
    (True, True)
    >>> open_cache(enabled=False).enabled
    False
    """
    if not enabled:
        return ResultCache(None, notice)
    try:
        folder = Path(cache).expanduser() if cache is not None else cache_dir() / "features"
    except RuntimeError as exc:  # no home folder to put ~/.cache in
        raise PermissionError(
            f"no cache folder: {exc}. Pass --cache-dir DIR (or set $FEATBENCH_CACHE), "
            f"or --no-cache to store nothing."
        ) from exc
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".featbench-probe-{secrets.token_hex(4)}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise PermissionError(
            f"cache folder {folder} is not writable ({exc.strerror or exc}); pass "
            f"--cache-dir DIR to cache elsewhere, or --no-cache to store nothing."
        ) from exc
    return ResultCache(folder, notice)
