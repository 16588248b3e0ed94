"""Where featbench keeps downloaded data by default."""

import os
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir():
    """The cache folder: ``$FEATBENCH_CACHE``, else ``~/.cache/featbench``.

    The folder is not created here; writers create it when they need it.
    """
    env = os.environ.get("FEATBENCH_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "featbench"
