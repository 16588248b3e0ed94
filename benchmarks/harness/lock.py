"""One writer at a time: a lock file taken before any work, said when another holds it.

``featbench run``, ``learning-curve`` and ``seeds`` take the lock of their
``--out`` folder, and the feature cache takes one per entry it writes, so two
commands never mix their files. The lock is a file created exclusively,
holding the process id and host of its owner; a lock whose owner is a
process of this host that no longer runs is taken over.
"""

import contextlib
import json
import os
import socket
from pathlib import Path

__all__ = ["FolderLockedError", "folder_lock", "hold_lock", "LOCK_NAME"]

#: Name of the lock file inside a locked folder.
LOCK_NAME = ".featbench.lock"


class FolderLockedError(FileExistsError):
    """Another live process holds the lock of a folder."""


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def _owner(path):
    """(pid, host) written in the lock file ``path``, or None if unreadable."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        pid, host = doc["pid"], doc["host"]
        if isinstance(pid, int) and not isinstance(pid, bool) and isinstance(host, str):
            return pid, host
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        pass
    return None


def _take(path):
    """Create ``path`` exclusively with this process's id and host; False if it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"pid": os.getpid(), "host": socket.gethostname()}, fh)
    return True


@contextlib.contextmanager
def hold_lock(path, what):
    """Hold the lock file ``path`` inside the block; ``what`` names the locked thing.

    Raises
    ------
    FolderLockedError
        If a live process holds it (the message names the process and host),
        or a process of another host (which cannot be checked from here).
    """
    path = Path(path)
    here = socket.gethostname()
    for _ in range(3):  # a lock freed or taken over between two steps: try again
        if _take(path):
            break
        owner = _owner(path)
        if owner is not None and owner[0] == os.getpid() and owner[1] == here:
            raise FolderLockedError(f"{what} is already in use by this process.")
        if owner is not None and (owner[1] != here or _alive(owner[0])):
            raise FolderLockedError(
                f"{what} is in use by process {owner[0]} on {owner[1]} (its lock: {path}); "
                f"wait for it to finish or choose another. If that process is gone, delete "
                f"{path}.")
        # Its owner is gone (or it was never written whole): take it over.
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        raise FolderLockedError(f"{what}: could not take its lock {path}.")
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def folder_lock(folder, what="--out folder"):
    """Hold the lock of ``folder`` (created if missing) inside the block.

    Parameters
    ----------
    folder : str or Path
    what : str, default="--out folder"
        How messages name the folder.

    Raises
    ------
    FolderLockedError
        If another live process holds it: the message names the process and
        its host, and says to wait or to choose another folder.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with folder_lock(folder):
    ...     (folder / LOCK_NAME).exists()
    True
    >>> (folder / LOCK_NAME).exists()
    False
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return hold_lock(folder / LOCK_NAME, f"{what} {folder}")
