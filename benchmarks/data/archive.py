"""Unpack a tar archive only after every member is checked: nothing lands outside its folder."""

import os
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath

from benchmarks.data.dataset import DownloadError, UnsafeArchiveError
from benchmarks.data.paths import fsync_dir

__all__ = ["safe_extract"]


def _is_absolute(name):
    return name.startswith(("/", "\\")) or bool(PureWindowsPath(name).drive)


def _has_dotdot(name):
    # PureWindowsPath splits on backslashes as well as slashes.
    return ".." in PureWindowsPath(name).parts


def _member_problem(member):
    """Why ``member`` is unsafe to extract, or None when it is fine."""
    if _is_absolute(member.name):
        return "absolute path"
    if _has_dotdot(member.name):
        return "path contains '..'"
    if member.issym() or member.islnk():
        kind = "symlink" if member.issym() else "hardlink"
        target = member.linkname
        if _is_absolute(target):
            return f"{kind} to absolute path {target!r}"
        # Rejecting every '..' (not only those that lexically leave the folder)
        # is what makes chains of links safe: a link to 'a/..' where 'a' is
        # itself a link to '.' escapes although it looks harmless on paper.
        if _has_dotdot(target):
            return f"{kind} to {target!r}, which leaves the destination"
        return None
    if member.isfile() or member.isdir():
        return None
    return "device, fifo or other special file"


def safe_extract(archive, dest):
    """Extract a tar archive into ``dest`` after checking every member.

    All members are checked before anything is written, then extracted into a
    temporary folder in ``dest`` (tarfile's ``"data"`` filter as a second line of
    defence) whose top-level entries are moved into ``dest`` with :func:`os.replace`.

    Parameters
    ----------
    archive : str or Path
        A tar file, compressed or not.
    dest : str or Path
        Folder to extract into; created if missing.

    Returns
    -------
    list of Path
        The top-level entries created in ``dest``, sorted.

    Raises
    ------
    UnsafeArchiveError
        If any member has an absolute path, a ``..`` component, is a link
        whose target is absolute or contains ``..``, or is a device or fifo.
        The message lists every such member. Nothing is extracted.
    DownloadError
        If the archive cannot be read, or a top-level entry already exists in
        ``dest`` (nothing is overwritten).

    Examples
    --------
    >>> safe_extract("cifar-10-python.tar.gz", "data")  # doctest: +SKIP
    [PosixPath('data/cifar-10-batches-py')]
    """
    archive, dest = Path(archive), Path(dest)
    try:
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            bad = [(m.name, why) for m in members if (why := _member_problem(m))]
            if bad:
                listed = "; ".join(f"{name!r}: {why}" for name, why in bad)
                raise UnsafeArchiveError(
                    f"refusing to extract {archive}: {len(bad)} unsafe member(s): {listed}. "
                    f"Nothing was extracted; the archive is not a genuine dataset archive, "
                    f"delete it and download it from a trusted source."
                )
            tops = sorted({p.parts[0] for m in members if (p := PurePosixPath(m.name)).parts})
            taken = [top for top in tops if (dest / top).exists() or (dest / top).is_symlink()]
            if taken:
                raise DownloadError(
                    f"cannot extract {archive} into {dest}: {', '.join(taken)} already "
                    f"exist(s) there and would be overwritten. Move or delete them first."
                )
            dest.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=dest, prefix=".featbench-extract-"))
            try:
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(staging, members=members, filter="data")
                else:  # Python without PEP 706; our own checks above still apply
                    tar.extractall(staging, members=members)
                for top in tops:
                    os.replace(staging / top, dest / top)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except (tarfile.TarError, EOFError) as exc:
        raise DownloadError(
            f"cannot read the archive {archive}: {exc}. It is corrupt or not a tar file; "
            f"delete it and download it again."
        ) from exc
    fsync_dir(dest)
    return [dest / top for top in tops]
