"""Download and unpack the official CIFAR-10 archive, safely.

Whatever goes wrong (network, md5 mismatch, Ctrl-C, a hostile archive): a file
appears under its final name only once complete with the right md5 (temporary
file, fsync, :func:`os.replace`), with the user's umask; every tar member is
checked before anything is extracted, into a temporary folder moved into place
when complete; nothing already on disk is overwritten.
"""

import hashlib
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm.auto import tqdm

try:
    import fcntl
except ImportError:  # Windows: downloads into one folder are not locked
    fcntl = None

from benchmarks.data.archive import safe_extract
from benchmarks.data.dataset import DownloadError, UnsafeArchiveError
from benchmarks.data.paths import cache_dir, fsync_dir
from benchmarks.harness.atomic import explain_write_error

__all__ = [
    "BASE_URL", "URL_ENV", "ARCHIVES", "SIZES", "DEADLINE", "DownloadError",
    "UnsafeArchiveError", "archive_url", "file_md5", "fetch", "safe_extract",
    "download_cifar10",
]

BASE_URL = "https://www.cs.toronto.edu/~kriz/"
URL_ENV = "FEATBENCH_CIFAR10_URL"

#: format -> (archive file name, official md5, folder the archive unpacks to)
ARCHIVES = {
    "python": ("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a",
               "cifar-10-batches-py"),
    "binary": ("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530",
               "cifar-10-batches-bin"),
}

#: format -> size in bytes of the official archive: no more is ever downloaded.
SIZES = {"python": 170_498_071, "binary": 170_052_171}
#: Default seconds a whole download may take (the official archives: 163 MB).
DEADLINE = 7200.0

_CHUNK = 1 << 16


def _check_fmt(fmt):
    if not isinstance(fmt, str) or fmt not in ARCHIVES:
        raise ValueError(f"fmt must be one of {sorted(ARCHIVES)}; got {fmt!r}.")


def archive_url(fmt="python", url=None):
    """Full URL of the CIFAR-10 archive in format ``fmt``.

    Parameters
    ----------
    fmt : {"python", "binary"}, default="python"
        Which archive.
    url : str or None, default=None
        Base URL (folder) holding the archives. ``None`` uses ``$FEATBENCH_CIFAR10_URL``
        if set, else the official :data:`BASE_URL`.

    Returns
    -------
    str
        The base URL joined with the archive's file name.

    Raises
    ------
    ValueError
        If ``fmt`` is unknown or the URL is not http, https or file.

    Examples
    --------
    >>> archive_url("binary", url="http://127.0.0.1:8000/mirror")
    'http://127.0.0.1:8000/mirror/cifar-10-binary.tar.gz'
    """
    _check_fmt(fmt)
    origin = "url" if url is not None else f"${URL_ENV}"
    base = url if url is not None else (os.environ.get(URL_ENV) or BASE_URL)
    scheme = urllib.parse.urlsplit(base).scheme
    if scheme not in ("http", "https", "file"):
        raise ValueError(
            f"{origin} must be an http(s):// or file:// URL of the folder holding "
            f"{ARCHIVES[fmt][0]}; got {base!r}."
        )
    return base.rstrip("/") + "/" + ARCHIVES[fmt][0]


def file_md5(path, chunk_size=_CHUNK):
    """Hex md5 of the file at ``path``, read in chunks.

    Parameters
    ----------
    path : str or Path
        File to hash.
    chunk_size : int, default=65536
        Bytes read at a time, so large archives never sit in memory.

    Returns
    -------
    str
        32 lowercase hex digits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x"; _ = p.write_bytes(b"abc")
    >>> file_md5(p)
    '900150983cd24fb0d6963f7d28e17f72'
    """
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(url, path, md5, progress=True, timeout=60.0, max_bytes=None, deadline=DEADLINE):
    """Download ``url`` to ``path`` atomically, checking its md5 while streaming.

    Parameters
    ----------
    url : str
        What to download.
    path : str or Path
        Final file name. Its folder is created if needed.
    md5 : str
        Expected hex md5 of the whole file.
    progress : bool, default=True
        Show a tqdm progress bar on stderr.
    timeout : float, default=60.0
        Seconds to wait for the connection and for each read.
    max_bytes : int or None, default=None
        Most bytes to accept; the transfer stops as soon as more arrive (or
        the server announces more). ``None``: only the announced length, if any.
    deadline : float, default=DEADLINE (7200)
        Most seconds the whole transfer may take. It is checked whenever data
        arrives; a silent server is stopped by ``timeout``.

    Returns
    -------
    Path
        ``path``. If it already exists with the right md5, nothing is downloaded.

    Raises
    ------
    DownloadError
        On a network or HTTP error, a transfer shorter than its Content-Length,
        longer than ``max_bytes`` or slower than ``deadline``, a write error
        (a full disk: the errno is kept, the message names the file and how to
        fix it), an md5 mismatch, if ``path`` exists with another md5 (never
        overwritten), or if another download is writing ``path`` now. The
        temporary ``.<name>.part`` file is removed; one left by a killed
        download is taken over by the next.

    Examples
    --------
    >>> fetch("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    ...       "data/cifar-10-python.tar.gz",
    ...       md5="c58f30108f718f92721af3b95e74349a")  # doctest: +SKIP
    """
    path, md5 = Path(path), md5.lower()
    if path.exists():
        found = file_md5(path)
        if found == md5:
            return path
        raise DownloadError(
            f"{path} already exists but its md5 is {found}, expected {md5}. It was left "
            f"untouched: delete or move it, then run the download again."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(url, headers={"User-Agent": "featbench"})
    fd, tmp = _claim_part(path)
    try:
        digest, received = hashlib.md5(usedforsecurity=False), 0
        started = time.monotonic()
        try:
            with os.fdopen(fd, "wb", closefd=False) as out, urllib.request.urlopen(
                request, timeout=timeout
            ) as response:
                length = response.headers.get("Content-Length")
                expected = int(length) if length and length.isdigit() else None
                _check_size(url, expected, max_bytes, "the server announces")
                # read1 returns whatever has arrived: a server that sends a byte
                # at a time cannot hold one read (and the deadline) for ever.
                read = getattr(response, "read1", response.read)
                with tqdm(total=expected, unit="B", unit_scale=True, unit_divisor=1024,
                          desc=path.name, disable=not progress, leave=False) as bar:
                    for chunk in iter(lambda: read(_CHUNK), b""):
                        received += len(chunk)
                        _check_size(url, received, max_bytes, "received")
                        _check_deadline(url, started, deadline, received)
                        _write(out, chunk, path)
                        digest.update(chunk)
                        bar.update(len(chunk))
                _write(out, None, path)
        except DownloadError:
            raise
        except OSError as exc:  # URLError and HTTPError are OSErrors too
            reason = (f"HTTP {exc.code} {exc.reason}" if isinstance(exc, urllib.error.HTTPError)
                      else getattr(exc, "reason", exc))
            raise DownloadError(
                f"downloading {url} failed after {received} bytes: {reason}. Check the "
                f"network connection and the URL (or ${URL_ENV}), then run the download again."
            ) from exc
        # http.client returns b"" instead of raising when the peer closes early,
        # so a short body has to be detected by counting.
        if expected is not None and received != expected:
            raise DownloadError(
                f"downloading {url} was cut off: received {received} of {expected} bytes. "
                f"Nothing was saved to {path}; run the download again."
            )
        found = digest.hexdigest()
        if found != md5:
            raise DownloadError(
                f"md5 mismatch for {path.name} from {url}: expected {md5}, received {found} "
                f"({received} bytes). The file was not saved; run the download again, and "
                f"if it keeps failing check that the URL serves the official archive."
            )
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        # Also runs on KeyboardInterrupt, so an interrupted download leaves nothing
        # (a killed one leaves the .part file, which the next download takes over).
        tmp.unlink(missing_ok=True)
        os.close(fd)  # and with it the lock, once the name is free
    return path


def _check_size(url, size, max_bytes, what):
    if size is not None and max_bytes is not None and size > max_bytes:
        raise DownloadError(
            f"downloading {url} stopped: {what} {size:,} bytes, more than the {max_bytes:,} "
            f"expected (the archive's size). The server does not serve the expected file, "
            f"or sends without end; nothing was saved. Check the URL (or ${URL_ENV})."
        )


def _check_deadline(url, started, deadline, received):
    spent = time.monotonic() - started
    if spent > deadline:
        raise DownloadError(
            f"downloading {url} stopped after {spent:.1f} s, over the deadline of "
            f"{deadline:g} s ({received:,} bytes received); nothing was saved. On a slow "
            f"connection, pass a longer deadline= (download_cifar10, fetch)."
        )


def _write(out, chunk, path):
    """Write ``chunk`` (``None``: flush and fsync); a write error names ``path``."""
    try:
        if chunk is None:
            out.flush()
            os.fsync(out.fileno())
        else:
            out.write(chunk)
    except OSError as exc:
        err = explain_write_error(exc, path, doing="saving the download to")
        raise DownloadError(err.errno, err.strerror) from exc


def _claim_part(path):
    """Open ``.<name>.part`` beside ``path`` for writing, empty, and locked.

    One fixed name, so that the file a killed download leaves behind is taken
    over (emptied) by the next download, not left to pile up. Created with
    mode 0666 less the umask, which the archive keeps after the rename. Where
    ``fcntl`` exists, a lock tells a live download from a leftover one.
    """
    part = path.parent / f".{path.name}.part"
    fd = os.open(part, os.O_WRONLY | os.O_CREAT, 0o666)
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise DownloadError(
                f"another download is writing {part}; wait for it to finish, or choose "
                f"another destination."
            ) from None
    os.ftruncate(fd, 0)
    return fd, part


def download_cifar10(dest=None, fmt="python", url=None, progress=True, timeout=60.0,
                     md5=None, max_bytes=None, deadline=DEADLINE):
    """Download and unpack the official CIFAR-10 archive.

    Parameters
    ----------
    dest : str, Path or None, default=None
        Folder receiving the archive and the extracted batches; ``None`` is the
        cache folder (``$FEATBENCH_CACHE`` or ``~/.cache/featbench``).
    fmt : {"python", "binary"}, default="python"
        Which official archive: pickled batches or raw binary batches.
    url : str or None, default=None
        Base URL holding the archives; ``None`` uses ``$FEATBENCH_CIFAR10_URL``
        if set, else https://www.cs.toronto.edu/~kriz/.
    progress : bool, default=True
        Show a progress bar while downloading.
    timeout : float, default=60.0
        Network timeout in seconds (connection and each read).
    md5 : str or None, default=None
        Expected md5 of the archive; ``None`` is the official value (see ``ARCHIVES``).
    max_bytes : int or None, default=None
        Most bytes to download. ``None``: the official archive's size (see
        ``SIZES``); with another ``md5``, twice that.
    deadline : float, default=DEADLINE (7200)
        Most seconds the download may take.

    Returns
    -------
    Path
        The extracted ``cifar-10-batches-py`` or ``cifar-10-batches-bin`` folder.
        If it exists already, nothing is done; an archive already in ``dest`` with
        the right md5 is used without downloading; the archive is kept.

    Raises
    ------
    ValueError
        If ``fmt`` is not "python" or "binary", ``timeout``, ``deadline`` or
        ``max_bytes`` is not positive or the URL is not http(s) or file.
    DownloadError
        On network failure, truncated transfer, one longer than ``max_bytes``
        or slower than ``deadline``, a full disk, md5 mismatch, an unreadable
        archive or one without the expected folder, or a ``dest`` that is a file.
    UnsafeArchiveError
        If the archive holds members that would escape ``dest``.

    Examples
    --------
    >>> folder = download_cifar10(dest="data", fmt="binary")  # doctest: +SKIP
    >>> folder.name  # doctest: +SKIP
    'cifar-10-batches-bin'
    """
    _check_fmt(fmt)
    for name, value in (("timeout", timeout), ("deadline", deadline)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{name} must be a positive number of seconds; got {value!r}.")
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int)
                                  or max_bytes < 1):
        raise ValueError(f"max_bytes must be a positive number of bytes or None; got "
                         f"{max_bytes!r}.")
    full_url = archive_url(fmt, url)
    filename, official_md5, folder_name = ARCHIVES[fmt]
    if max_bytes is None:
        official = md5 is None or md5.lower() == official_md5
        max_bytes = SIZES[fmt] if official else 2 * SIZES[fmt]
    dest = Path(dest).expanduser() if dest is not None else cache_dir()
    if dest.exists() and not dest.is_dir():
        raise DownloadError(f"dest {dest} exists and is not a folder; choose another dest.")
    folder = dest / folder_name
    if folder.is_dir():
        return folder
    archive = fetch(full_url, dest / filename, md5 or official_md5, progress=progress,
                    timeout=timeout, max_bytes=max_bytes, deadline=deadline)
    created = safe_extract(archive, dest)
    if not folder.is_dir():
        raise DownloadError(
            f"{archive} was extracted to {[p.name for p in created]} but holds no "
            f"{folder_name} folder; it is not the CIFAR-10 {fmt} archive. Delete it "
            f"and the extracted entries, then download again."
        )
    return folder
