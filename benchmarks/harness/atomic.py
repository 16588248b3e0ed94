"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

import errno
import json
import os
import secrets
import tempfile
from pathlib import Path

__all__ = ["write_bytes_atomic", "write_text_atomic", "write_json_atomic", "check_writable",
           "explain_write_error"]

_HINTS = {
    errno.ENOSPC: "the disk is full: free space on it, or write somewhere else",
    errno.EDQUOT: "your disk quota is used up: free space in it, or write somewhere else",
    errno.EFBIG: ("the file would exceed the file-size limit of this process (ulimit -f) "
                  "or of the file system: raise the limit, or write somewhere else"),
}


def explain_write_error(exc, path, doing="writing"):
    """``exc`` (an OSError met while writing ``path``) as one that names the path, with a hint.

    The result has the same errno (so the same OSError subclass), and the
    original is its cause. An error without an errno is returned unchanged.

    Examples
    --------
    >>> err = explain_write_error(OSError(errno.ENOSPC, "No space left on device"), "out/a.csv")
    >>> print(err)  # doctest: +NORMALIZE_WHITESPACE
    [Errno 28] writing out/a.csv failed: No space left on device; the disk is full:
    free space on it, or write somewhere else
    >>> type(explain_write_error(PermissionError(errno.EACCES, "Permission denied"), "a")).__name__
    'PermissionError'
    """
    if exc.errno is None:
        return exc
    hint = _HINTS.get(exc.errno)
    new = OSError(exc.errno, f"{doing} {path} failed: {exc.strerror or exc}"
                  + (f"; {hint}" if hint else ""))
    new.__cause__ = exc
    return new


def write_bytes_atomic(path, data):
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    The temporary file is fsynced and renamed over ``path``, so an interrupted
    write leaves the previous content (or nothing) under the final name. The
    file gets the mode the user's umask gives new files (0644 under 022). An
    OSError (a full disk, a file-size limit) is raised again naming ``path``,
    with a hint: see :func:`explain_write_error`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_bytes_atomic(d / "sub" / "a.bin", b"abc")  # creates the missing folder
    >>> (d / "sub" / "a.bin").read_bytes(), [p.name for p in (d / "sub").iterdir()]
    (b'abc', ['a.bin'])
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temp(path)
    except OSError as exc:
        raise explain_write_error(exc, path) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        # A full disk or a file-size limit otherwise says "[Errno 28]" and nothing else.
        Path(tmp).unlink(missing_ok=True)
        raise explain_write_error(exc, path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _create_temp(path):
    """A new file beside ``path``, with the mode the user's umask gives new files.

    ``tempfile.mkstemp`` would make it 0600, and the rename would keep that.
    """
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


def write_text_atomic(path, text):
    """:func:`write_bytes_atomic` for UTF-8 text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> write_text_atomic(p, "old")
    >>> write_text_atomic(p, "new")
    >>> p.read_text(encoding="utf-8")
    'new'
    """
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path, obj):
    """:func:`write_bytes_atomic` for a JSON document (indented, keys in given order).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "result.json"
    >>> write_json_atomic(p, {"b": 1, "a": 2})
    >>> print(p.read_text(encoding="utf-8"), end="")
    {
      "b": 1,
      "a": 2
    }
    """
    write_text_atomic(path, json.dumps(obj, indent=2, allow_nan=True) + "\n")


def check_writable(folder, option="--out"):
    """Create ``folder`` if needed and prove a file can be written there.

    Raises
    ------
    PermissionError
        If the folder cannot be created or written, naming it and the option.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "results"
    >>> check_writable(out)  # creates the folder, leaves no probe file behind
    >>> out.is_dir(), list(out.iterdir())
    (True, [])
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".featbench-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise PermissionError(
            f"{option} folder {folder} is not writable ({exc.strerror or exc}); "
            f"choose another folder with {option} DIR."
        ) from exc
