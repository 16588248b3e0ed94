"""CIFAR-10 from either official layout (python pickles or binary records).

CIFAR-10's python layout is a pickle. Unpickling runs code named by the file,
so it is read with :class:`RestrictedUnpickler`, which resolves only the
numpy names an array needs, refuses everything else, and never allocates more
than the file holds. A batch file's size is checked before it is read.
"""

import numbers
import os
import pickle
import struct
from pathlib import Path

import numpy as np

from benchmarks.data.paths import cache_dir
from benchmarks.data.dataset import Dataset, DatasetError
from benchmarks.data.safe_pickle import RestrictedUnpickler, UnsafePickleError, restricted_loads

__all__ = [
    "RestrictedUnpickler",
    "UnsafePickleError",
    "restricted_loads",
    "find_cifar10",
    "load_cifar10",
    "CIFAR10_CLASSES",
]

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)
PY_DIR, BIN_DIR = "cifar-10-batches-py", "cifar-10-batches-bin"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
IMAGE_BYTES = 32 * 32 * 3

def _has_layout(folder):
    if (folder / PY_DIR).is_dir() or (folder / BIN_DIR).is_dir():
        return True
    return False


def find_cifar10(root=None):
    """Folder that holds ``cifar-10-batches-py`` or ``cifar-10-batches-bin``.

    Parameters
    ----------
    root : str or Path or None, default=None
        Where to look. ``None`` searches ``$FEATBENCH_DATA``, then the cache
        folder (``$FEATBENCH_CACHE`` or ``~/.cache/featbench``). ``root`` may
        also be a batches folder itself.

    Returns
    -------
    Path or None
        The parent of the batch folder(s); ``None`` when ``root`` is None and
        nothing is found.

    Raises
    ------
    FileNotFoundError
        If ``root`` (or, with ``root=None``, ``$FEATBENCH_DATA`` when set) does
        not exist or holds no batch folder; the message names which.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> find_cifar10(root)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: no CIFAR-10 batches in ...: expected a subfolder cifar-10-batches-py or ...
    >>> (root / "cifar-10-batches-bin").mkdir()
    >>> find_cifar10(root) == root, find_cifar10(root / "cifar-10-batches-bin") == root
    (True, True)
    """
    if root is not None:
        return _find_in(Path(root).expanduser(), "")
    env = os.environ.get("FEATBENCH_DATA")
    if env:
        # Set, it is where the data is: a wrong value is an error, not a reason
        # to fall back silently to the cache folder (or, for auto, the digits).
        return _find_in(Path(env).expanduser(), "$FEATBENCH_DATA ")
    folder = cache_dir()
    return folder if folder.is_dir() and _has_layout(folder) else None


def _find_in(root, named):
    """``root`` (or its parent, if it is a batches folder) holding CIFAR-10, else an error."""
    if not root.exists():
        raise FileNotFoundError(
            f"CIFAR-10 folder {named}{root} does not exist. Pass the folder that holds "
            f"{PY_DIR} or {BIN_DIR}, or fetch it with 'featbench download cifar10'."
        )
    if root.name in (PY_DIR, BIN_DIR) and root.is_dir():
        return root.parent
    if _has_layout(root):
        return root
    raise FileNotFoundError(
        f"no CIFAR-10 batches in {named}{root}: expected a subfolder {PY_DIR} or {BIN_DIR}. "
        f"Point it at the folder that contains one, or fetch it with "
        f"'featbench download cifar10 --dest {root}'."
    )


def _check_labels(labels, n_classes, path):
    """``labels`` as int64 if they are integers in ``[0, n_classes)``, else a DatasetError.

    Floats are refused, not truncated (0.7 would silently become class 0), and
    the message names the file and the first bad value.
    """
    fix = "The file is corrupt; download it again with 'featbench download cifar10'."
    is_array = isinstance(labels, np.ndarray) and labels.ndim == 1
    if not (is_array or isinstance(labels, list)):
        shape = getattr(labels, "shape", None)
        raise DatasetError(
            f"{path}: b'labels' must be a list of integers; got {type(labels).__name__}"
            f"{f' of shape {shape}' if shape is not None else ''}. {fix}"
        )
    items = None
    if not (is_array and labels.dtype.kind in "iu"):
        items = labels.tolist() if is_array else labels
        for i, v in enumerate(items):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise DatasetError(f"{path}: label {v!r} at record {i} is not an integer in "
                                   f"[0, {n_classes - 1}]. {fix}")
        # Python ints may not fit in int64: clip, the range check below still sees them.
        labels = np.array([min(max(v, -1), n_classes) for v in items], dtype=np.int64)
    bad = (labels < 0) | (labels >= n_classes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        shown = items[i] if items is not None else labels[i]
        raise DatasetError(
            f"{path}: label {shown} at record {i} is outside [0, {n_classes - 1}]. {fix}"
        )
    return labels.astype(np.int64)


def _images_from_rows(rows):
    # Rows are channel-major (R plane, G plane, B plane, each row by row).
    return np.ascontiguousarray(rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def _read_python_batch(path, n_classes):
    try:
        # Arrays may take no more bytes than the file holds: a batch stores every
        # pixel, so a larger declared image count is refused before any allocation.
        batch = restricted_loads(path.read_bytes())
    except UnsafePickleError as exc:
        raise DatasetError(f"{path}: {exc}") from exc
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
            AttributeError, struct.error) as exc:
        raise DatasetError(
            f"{path} is truncated or corrupt ({type(exc).__name__}: {exc}). "
            f"Download it again with 'featbench download cifar10'."
        ) from exc
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise DatasetError(
            f"{path} is not a CIFAR-10 batch: expected a dict with b'data' and b'labels'."
        )
    data = np.asarray(batch[b"data"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != IMAGE_BYTES:
        raise DatasetError(
            f"{path}: b'data' must be uint8 of shape (N, {IMAGE_BYTES}); "
            f"got {data.dtype} {data.shape}. The file is corrupt; download it again."
        )
    labels = _check_labels(batch[b"labels"], n_classes, path)
    if len(labels) != len(data):
        raise DatasetError(
            f"{path}: {len(data)} images but {len(labels)} labels; the file is corrupt."
        )
    return _images_from_rows(data), labels


def _read_binary_batch(path, n_classes):
    record = IMAGE_BYTES + 1
    size = path.stat().st_size  # the image count follows from it: check before reading
    if size == 0 or size % record:
        raise DatasetError(
            f"{path} is truncated or corrupt: {size:,} bytes is not a whole number of "
            f"{record}-byte records. Download it again with 'featbench download cifar10'."
        )
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size != size:  # changed while being read
        raise DatasetError(f"{path} changed while being read ({size:,} then {raw.size:,} "
                           f"bytes); read it again once nothing writes it.")
    raw = raw.reshape(-1, record)
    labels = _check_labels(raw[:, 0], n_classes, path)
    return _images_from_rows(raw[:, 1:]), labels


def _check_names(names, meta_path, labels):
    """Class names from ``meta_path``: distinct, not empty, one per label the batches use."""
    blank = [i for i, n in enumerate(names) if not n.strip()]
    twice = sorted({n for n in names if names.count(n) > 1})
    used = max((int(y.max()) for y in labels if len(y)), default=-1) + 1
    problem = (f"name {blank[0]} is empty" if blank
               else f"{', '.join(map(repr, twice))} appear(s) more than once" if twice
               else f"it lists {len(names)} class names but the batches' labels only go "
                    f"up to {used - 1} ({used} classes)" if len(names) != used
               else None)
    if problem:
        raise DatasetError(
            f"{meta_path} does not match the batches: {problem}. It must name each class "
            f"the labels use, once, in label order ({len(CIFAR10_CLASSES)} for CIFAR-10); "
            f"download the dataset again, or delete the file to use the CIFAR-10 names."
        )


def _read_layout(folder, layout):
    if layout == "python":
        meta_path = folder / "batches.meta"
        names = CIFAR10_CLASSES
        if meta_path.is_file():
            meta = _read_meta(meta_path)
            names = tuple(n.decode() if isinstance(n, bytes) else str(n) for n in meta)
        files = [folder / f for f in TRAIN_BATCHES + (TEST_BATCH,)]
        reader = _read_python_batch
    else:
        meta_path = folder / "batches.meta.txt"
        names = CIFAR10_CLASSES
        if meta_path.is_file():
            names = tuple(n.strip() for n in meta_path.read_text().splitlines() if n.strip())
        files = [folder / f"{f}.bin" for f in TRAIN_BATCHES + (TEST_BATCH,)]
        reader = _read_binary_batch
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise DatasetError(
            f"{folder} is incomplete; missing: {', '.join(missing)}. "
            f"Download the dataset again with 'featbench download cifar10'."
        )
    parts = [reader(f, len(names)) for f in files]
    if meta_path.is_file():
        _check_names(names, meta_path, [p[1] for p in parts])
    X_train = np.concatenate([p[0] for p in parts[:-1]])
    y_train = np.concatenate([p[1] for p in parts[:-1]])
    return X_train, y_train, parts[-1][0], parts[-1][1], names


def _read_meta(path):
    try:
        meta = restricted_loads(path.read_bytes())
        return list(meta[b"label_names"])
    except Exception as exc:  # any failure means the same thing: a bad meta file
        raise DatasetError(
            f"{path} is not a valid CIFAR-10 batches.meta ({type(exc).__name__}: {exc}); "
            f"download the dataset again."
        ) from exc


def load_cifar10(root=None, layout=None):
    """Load CIFAR-10 (or any subset written in its official layouts).

    Parameters
    ----------
    root : str or Path or None, default=None
        Folder holding ``cifar-10-batches-py`` and/or ``cifar-10-batches-bin``
        (or one of those folders itself). ``None`` searches ``$FEATBENCH_DATA``
        and then the cache folder (``$FEATBENCH_CACHE``, default
        ``~/.cache/featbench``).
    layout : {"python", "binary"} or None, default=None
        Which layout to read when both are present; ``None`` prefers python.
        Both give identical arrays.

    Returns
    -------
    Dataset
        ``X_train`` (N, 32, 32, 3) uint8, ``y_train`` (N,) int64, ``X_test``,
        ``y_test``, ``class_names``. The number of images per batch is read
        from the files, not assumed.

    Raises
    ------
    FileNotFoundError
        If no CIFAR-10 folder is found.
    DatasetError
        If a batch file is missing, truncated, corrupt, or has a label out of
        range; a pickle names anything but numpy arrays of numbers or declares
        more images than its bytes hold (refused before allocating them); or a
        meta file does not name each class the labels use, once.
    ValueError
        If ``layout`` is not one of the allowed values.

    Examples
    --------
    >>> ds = load_cifar10("/path/to/cifar")  # doctest: +SKIP
    >>> ds.X_train.shape  # doctest: +SKIP
    (50000, 32, 32, 3)
    """
    if layout not in (None, "python", "binary"):
        raise ValueError(f"layout must be None, 'python' or 'binary'; got {layout!r}.")
    folder = find_cifar10(root)
    if folder is None:
        raise FileNotFoundError(
            f"CIFAR-10 not found in $FEATBENCH_DATA or {cache_dir()}. Fetch it with "
            f"'featbench download cifar10', or pass root= the folder holding "
            f"{PY_DIR} or {BIN_DIR}."
        )
    available = [
        name for name, sub in (("python", PY_DIR), ("binary", BIN_DIR))
        if (folder / sub).is_dir()
    ]
    chosen = layout or available[0]
    if chosen not in available:
        raise FileNotFoundError(
            f"{folder} has no {chosen} layout ({PY_DIR if chosen == 'python' else BIN_DIR}); "
            f"available: {', '.join(available)}."
        )
    sub = folder / (PY_DIR if chosen == "python" else BIN_DIR)
    X_train, y_train, X_test, y_test, names = _read_layout(sub, chosen)
    return Dataset(X_train, y_train, X_test, y_test, tuple(names), name="cifar10",
                   source=str(sub))
