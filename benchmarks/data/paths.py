"""Where featbench keeps downloaded data by default, and how a folder's new entries are made durable."""

import contextlib
import os
from pathlib import Path

__all__ = ["cache_dir", "fsync_dir"]


def cache_dir():
    """The cache folder: ``$FEATBENCH_CACHE``, else ``~/.cache/featbench``.

    The folder is not created here; writers create it when they need it.
    """
    env = os.environ.get("FEATBENCH_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "featbench"


def fsync_dir(folder):
    # Makes the rename itself durable; not every platform can open a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
