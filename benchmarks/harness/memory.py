"""Memory of a run: the peak resident memory of each phase of a row, and a check before work.

:func:`check_memory` estimates, before any work, what the largest row will
need (its features, a vocabulary's patches, liblinear's copies of the
features) and refuses a run that the available memory cannot hold.

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

__all__ = ["peak_rss", "reset_peak_rss", "process_peak_rss", "phase_peak", "row_peak",
           "available_memory", "format_bytes", "InsufficientMemoryError", "feature_blocks",
           "feature_width", "estimate_row", "check_memory", "affordable_workers",
           "SEARCH_COPIES"]

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


def row_peak(peaks):
    """A row's own peak resident bytes: the largest of its phases' peaks; None without any.

    Parameters
    ----------
    peaks : dict or None
        A row's ``peak_rss`` record: phase name to bytes (:func:`phase_peak`),
        and ``"process"``, the process's peak so far, which earlier rows of
        the same process may have set and so is left out.

    Examples
    --------
    >>> row_peak({"features": 3, "fit": 5, "predict": 4, "process": 9}), row_peak(None)
    (5, None)
    """
    phases = [v for k, v in (peaks or {}).items() if k != "process" and v is not None]
    return max(phases) if phases else None


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


class InsufficientMemoryError(MemoryError, ValueError):
    """A run would need more memory than the machine has available; said before any work.

    A :class:`MemoryError`, and a :class:`ValueError` so that the command line
    reports it as it reports a bad option: the fix is an option.
    """


#: Allowance over the estimate for chunk temporaries and the allocator's slack
#: (docs/decisions.md#memory-check).
SLACK = 1.25


def feature_blocks(features):
    """The transformers of a pipeline's ``features`` step: a union's parts, or the step.

    Examples
    --------
    >>> import pipelines
    >>> [type(b).__name__ for b in feature_blocks(pipelines.make("all/svm")["features"])]
    ['HOG', 'ColorHistogram', 'BagOfVisualWords']
    """
    from sklearn.pipeline import FeatureUnion

    if isinstance(features, FeatureUnion):
        return [t for _, t in features.transformer_list if t not in (None, "drop")]
    return [features]


def feature_width(features, image_shape):
    """Columns and bytes per value of the features a ``features`` step gives images of a shape.

    Blocks whose width is known before fitting (a vocabulary's size) say it;
    the others are fitted on one blank image and transform it.

    Examples
    --------
    >>> import pipelines
    >>> feature_width(pipelines.make("all/svm").named_steps["features"], (32, 32, 3))
    (4354, 4)
    """
    import numpy as np
    from sklearn.base import clone

    probe = np.zeros((1,) + tuple(image_shape), np.uint8)
    width, itemsize = 0, 1
    for block in feature_blocks(features):
        twin = clone(block)
        try:
            width += int(twin._n_features_out)  # an unfitted vocabulary knows its size
            itemsize = max(itemsize, 4)
        except AttributeError:
            out = np.asarray(twin.fit(probe).transform(probe))
            width += out[0].size
            itemsize = max(itemsize, out.dtype.itemsize)
    return width, itemsize


def _patch_bytes(features, n_fit, image_shape):
    """Bytes of the patches a vocabulary samples from ``n_fit`` images at fit (0 without one)."""
    return max([block.fit_sample_bytes(n_fit, image_shape) for block in feature_blocks(features)
                if hasattr(block, "fit_sample_bytes")], default=0)


def estimate_row(name, split, search=False):
    """Bytes one row needs beyond the images it is given, by phase.

    With ``search``, for a row it tunes: the widest features of its grid (the
    largest vocabulary) and one search worker's copies of the fit features
    (:data:`SEARCH_COPIES`); more workers start only where memory allows
    (:func:`affordable_workers`).

    Returns
    -------
    dict
        ``features``: the float features of the three parts (one copy), and
        of the validation and test images' mirrors with ``split.info.test_mirrors``;
        ``vocabulary``: the patches a vocabulary clusters (before the
        features exist); ``classifier``: the copies of the fit part that
        ``LinearSVC`` (liblinear) makes; ``peak``: the largest phase,
        with :data:`SLACK`; ``width``: features per image.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.harness.split import Split
    >>> X, y = np.zeros((100, 32, 32, 3), np.uint8), np.arange(100) % 10
    >>> split = Split(X, y, X[:10], y[:10], X[:20], y[:20], tuple("abcdefghij"))
    >>> row = estimate_row("hog+color/svm", split)
    >>> row["width"], row["features"]  # 130 images x 354 float32 values
    (354, 184080)
    >>> row = estimate_row("bovw/svm", split, search=True)  # 1,600 words, 5 pools
    >>> row["width"], row["classifier"]  # a search worker's 1.5 copies of 100 x 8000 x 4 bytes
    (8000, 4800000)
    """
    import pipelines

    spec = pipelines.get_spec(name)
    shape = tuple(split.X_fit.shape[1:])
    n_fit, n_all = len(split.y_fit), sum(split.part_sizes)
    row = {"width": 0, "features": 0, "vocabulary": 0, "classifier": 0}
    if not spec.reads_images:  # the networks read the images they are given
        searched = search and spec.tuned
        widest = ({key: max(values) for key, values in pipelines.split_space(
            pipelines.search_space(name))[0].items()} if searched else {})
        features = pipelines.make(name, image_shape=shape, **widest).named_steps["features"]
        width, itemsize = feature_width(features, shape)
        row.update(width=width, features=n_all * width * itemsize,
                   vocabulary=_patch_bytes(features, n_fit, shape))
        row["classifier"] = n_fit * width * spec.classifier_bytes
        if searched:  # one search worker's copies of the fit features (affordable_workers)
            row["classifier"] += int(SEARCH_COPIES * n_fit * width * itemsize)
    row["peak"] = int(SLACK * max(row["vocabulary"], row["features"] + row["classifier"]))
    return row


#: The fit part's features, in copies, that one search worker holds at its peak: the
#: copy it scales in place (``fit_head``), with half a copy for its blocks of rows
#: and the classifier's own arrays (docs/decisions.md#search-copies-measured).
SEARCH_COPIES = 1.5


def affordable_workers(wanted, per_worker, shared=0, available=None):
    """How many of ``wanted`` workers the available memory can hold, at least one.

    Each worker needs ``per_worker`` bytes of its own; more than one also
    need ``shared`` bytes once (the inputs that process workers read from a
    shared-memory copy). One worker always runs: :func:`check_memory` counted it
    before any work.

    Parameters
    ----------
    wanted : int
        Workers the thread policy would start.
    per_worker : int
        Bytes each worker holds while it runs.
    shared : int, default=0
        Bytes held once for all the workers when there are several.
    available : int or None, default=None
        Bytes available; None: :func:`available_memory` now.

    Returns
    -------
    int

    Examples
    --------
    >>> GB = 2**30
    >>> affordable_workers(4, 2 * GB, shared=GB, available=8 * GB)  # 8 / 1.25 = 6.4 GB
    2
    >>> affordable_workers(4, 9 * GB, available=8 * GB)
    1
    >>> affordable_workers(2, 9 * GB, available=None) in (1, 2)
    True
    """
    if wanted <= 1:
        return 1
    available = available_memory() if available is None else available
    if available is None:
        return wanted
    fits = int((available / SLACK - shared) // max(per_worker, 1))
    return max(1, min(wanted, fits))


def check_memory(jobs, available=None, train_option="--train-size", search=False):
    """Raise before any work if a row of ``jobs`` needs more memory than is available.

    Rows run one after another, so the largest row counts: its features (one
    float copy of the three parts), a vocabulary's patches, liblinear's
    copies (see :func:`estimate_row`), against the memory
    the system has available beyond what this process already holds (the
    images). Nothing is checked where the available memory is unknown.

    Parameters
    ----------
    jobs : iterable of (str, Split)
        Pipeline names and the splits they run on.
    available : int or None, default=None
        Bytes available; None reads :func:`available_memory`.
    train_option : str, default="--train-size"
        The option the fix names.
    search : bool, default=False
        Whether the rows search their grids (:func:`estimate_row`).

    Returns
    -------
    dict or None
        The largest row's estimate (:func:`estimate_row`) with its ``name``;
        None without jobs.

    Raises
    ------
    InsufficientMemoryError
        Naming the row, the figures and the fixes.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.harness.split import Split
    >>> X, y = np.zeros((100, 32, 32, 3), np.uint8), np.arange(100) % 10
    >>> split = Split(X, y, X[:10], y[:10], X[:20], y[:20], tuple("abcdefghij"))
    >>> check_memory([("hog/svm", split)], available=10 * 2**20)["name"]
    'hog/svm'
    >>> check_memory([("bovw/svm", split)], available=2**20)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    benchmarks.harness.memory.InsufficientMemoryError: bovw/svm needs about 3 MB of memory ...
    """
    largest = None
    for name, split in jobs:
        counts = (len(split.y_fit), len(split.y_val), len(split.y_test))
        row = dict(estimate_row(name, split, search), name=name, counts=counts, train_size=(
            split.info.train_size or counts[0] + counts[1]))
        if largest is None or row["peak"] > largest["peak"]:
            largest = row
    available = available_memory() if available is None else available
    if largest is None or available is None or largest["peak"] <= available:
        return largest
    n_fit, n_val, n_test = largest["counts"]
    parts = [f"features of {n_fit + n_val + n_test:,} images ({n_fit:,} fit, {n_val:,} "
             f"validation, {n_test:,} test) x {largest['width']:,} values: "
             f"{format_bytes(largest['features'])}"]
    if largest["vocabulary"]:
        parts.append(f"the patches its vocabulary clusters: "
                     f"{format_bytes(largest['vocabulary'])}")
    if largest["classifier"]:
        parts.append(f"the classifier's copies: {format_bytes(largest['classifier'])}")
    fits = int(largest["train_size"] * available / largest["peak"])
    raise InsufficientMemoryError(
        f"{largest['name']} needs about {format_bytes(largest['peak'])} of memory "
        f"({'; '.join(parts)}), but {format_bytes(available)} is available. Pass a smaller "
        f"{train_option} (about {fits:,} would fit), leave {largest['name']} out of "
        f"--pipelines, or run on a machine with more memory (--scheduler cluster).")
