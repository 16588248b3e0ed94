"""Memory of a run: the peak resident memory of each phase of a row, and a check before work.

On Linux the kernel keeps a process's peak resident memory (``VmHWM`` in
``/proc/self/status``) and resets it to the current one when ``5`` is written
to ``/proc/self/clear_refs``: :func:`phase_peak` does that around a phase.
Elsewhere nothing is recorded. The reset also lowers the ``ru_maxrss`` that
``getrusage`` and ``wait4`` report, so the peaks reached before each reset
are kept here, and :func:`process_peak_rss` gives the process's true peak.
"""

import contextlib
import os
from pathlib import Path

__all__ = ["peak_rss", "reset_peak_rss", "process_peak_rss", "phase_peak", "available_memory",
           "format_bytes"]

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_MEMINFO = Path("/proc/meminfo")
# The highest peak_rss() seen just before a reset: what a reset made the kernel forget.
_forgotten = [0]


def _kib_field(path, field):
    """The ``field: N kB`` line of a /proc file, in bytes, or None."""
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def peak_rss():
    """Peak resident memory of this process in bytes since start or :func:`reset_peak_rss`.

    Returns None where ``/proc/self/status`` has no ``VmHWM`` (not Linux).

    Examples
    --------
    >>> peak = peak_rss()
    >>> peak is None or peak > 0
    True
    """
    return _kib_field(_STATUS, "VmHWM")


def reset_peak_rss():
    """Reset the peak of :func:`peak_rss` to the current resident memory; False if it cannot.

    Examples
    --------
    >>> isinstance(reset_peak_rss(), bool)
    True
    """
    _forgotten[0] = max(_forgotten[0], peak_rss() or 0)
    try:
        with open(_CLEAR_REFS, "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def process_peak_rss():
    """Peak resident bytes of this process since it started, resets included; None if unknown.

    Examples
    --------
    >>> peak = process_peak_rss()
    >>> peak is None or peak >= (peak_rss() or 0)
    True
    """
    peak = peak_rss()
    return None if peak is None else max(peak, _forgotten[0])


@contextlib.contextmanager
def phase_peak(record, phase):
    """Record in ``record[phase]`` the peak resident bytes reached inside the block.

    The peak includes what the process held before the phase (the images,
    say): it is what the machine must have for the phase to run. Nothing is
    recorded where the peak cannot be reset and read.

    Examples
    --------
    >>> import numpy as np
    >>> peaks = {}
    >>> with phase_peak(peaks, "work"):
    ...     block = np.ones(2**24)  # 128 MiB, touched
    >>> "work" not in peaks or peaks["work"] >= 2**27
    True
    """
    reset = reset_peak_rss()
    try:
        yield
    finally:
        peak = peak_rss() if reset else None
        if peak is not None:
            record[phase] = peak


def available_memory():
    """Bytes the system can give this process without swapping, or None if unknown.

    ``MemAvailable`` of ``/proc/meminfo`` where there is one (Linux), else
    the free physical pages ``os.sysconf`` reports.

    Examples
    --------
    >>> available = available_memory()
    >>> available is None or available > 0
    True
    """
    found = _kib_field(_MEMINFO, "MemAvailable")
    if found is not None:
        return found
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def format_bytes(n):
    """``n`` bytes as a short figure in MB or GB (powers of 1024).

    Examples
    --------
    >>> format_bytes(3 * 1024**3), format_bytes(200 * 1024**2)
    ('3.0 GB', '200 MB')
    """
    if n >= 1024 ** 3:
        return f"{n / 1024 ** 3:.1f} GB"
    return f"{n / 1024 ** 2:.0f} MB"
