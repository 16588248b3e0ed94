"""Unpack a tar archive only after every member is checked: nothing lands outside its folder."""

import os
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath

from benchmarks.data.dataset import DownloadError, UnsafeArchiveError
from benchmarks.data.paths import fsync_dir
from benchmarks.harness.atomic import explain_write_error

__all__ = ["safe_extract", "MAX_EXTRACT_BYTES", "MAX_RATIO"]

#: Default most bytes the members of an archive may declare together (the
#: official CIFAR-10 archives unpack to about 180 MB).
MAX_EXTRACT_BYTES = 4 * 2**30
#: Default most bytes unpacked per byte of archive (the CIFAR-10 archives: 1.1).
MAX_RATIO = 100


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


def _check_limit(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number; got {value!r}.")


def _read_members(tar, archive, max_bytes, max_ratio):
    """Every member's header, refusing as soon as their sizes pass a limit.

    The sizes are the headers' own: an archive cannot unpack more than it
    declares, and is refused before a byte of a member too large is read.
    """
    size = max(archive.stat().st_size, 1)
    members, total = [], 0
    for member in tar:
        members.append(member)
        total += member.size if member.isfile() else 0
        if total > max_bytes:
            why = (f"its members declare {total:,} bytes (so far), over the limit of "
                   f"{max_bytes:,}", "max_bytes")
        elif total > max_ratio * size:
            why = (f"its members declare {total:,} bytes (so far), {total / size:,.0f} times "
                   f"its {size:,} bytes, over the limit of {max_ratio:g} times", "max_ratio")
        else:
            continue
        raise UnsafeArchiveError(
            f"refusing to extract {archive}: {why[0]}. Nothing was extracted. A dataset "
            f"archive unpacks to about its own size; if this one is genuine, raise "
            f"{why[1]} of safe_extract."
        )
    return members


def safe_extract(archive, dest, max_bytes=MAX_EXTRACT_BYTES, max_ratio=MAX_RATIO):
    """Extract a tar archive into ``dest`` after checking every member.

    All members are checked before anything is written (paths, links, types,
    and the sizes they declare against ``max_bytes`` and ``max_ratio``), then extracted into a
    temporary folder in ``dest`` (tarfile's ``"data"`` filter as a second line of
    defence) whose top-level entries are moved into ``dest`` with :func:`os.replace`.

    Parameters
    ----------
    archive : str or Path
        A tar file, compressed or not.
    dest : str or Path
        Folder to extract into; created if missing.
    max_bytes : int, default=MAX_EXTRACT_BYTES (4 GiB)
        Most bytes the members may declare together.
    max_ratio : float, default=MAX_RATIO (100)
        Most bytes the members may declare per byte of ``archive``: a small
        archive that unpacks to gigabytes is refused.

    Returns
    -------
    list of Path
        The top-level entries created in ``dest``, sorted.

    Raises
    ------
    UnsafeArchiveError
        If any member has an absolute path, a ``..`` component, is a link
        whose target is absolute or contains ``..``, or is a device or fifo.
        The message lists every such member. Also if the members declare more
        than ``max_bytes``, or ``max_ratio`` times the archive's size. Nothing
        is extracted.
    ValueError
        If ``max_bytes`` or ``max_ratio`` is not a positive number.
    DownloadError
        If the archive cannot be read, or a top-level entry already exists in
        ``dest`` (nothing is overwritten).

    Examples
    --------
    >>> safe_extract("cifar-10-python.tar.gz", "data")  # doctest: +SKIP
    [PosixPath('data/cifar-10-batches-py')]
    """
    _check_limit(max_bytes, "max_bytes")
    _check_limit(max_ratio, "max_ratio")
    archive, dest = Path(archive), Path(dest)
    try:
        with tarfile.open(archive) as tar:
            members = _read_members(tar, archive, max_bytes, max_ratio)
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
            except OSError as exc:  # a full disk: say where, and what to do
                err = explain_write_error(exc, dest, doing=f"extracting {archive} into")
                raise DownloadError(err.errno, err.strerror) from exc
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except (tarfile.TarError, EOFError) as exc:
        raise DownloadError(
            f"cannot read the archive {archive}: {exc}. It is corrupt or not a tar file; "
            f"delete it and download it again."
        ) from exc
    fsync_dir(dest)
    return [dest / top for top in tops]
