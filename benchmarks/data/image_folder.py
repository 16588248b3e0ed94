"""Load your own images from ``root/<class>/<image>`` as a :class:`Dataset`."""

import collections
import functools
import itertools
import math
import os
import sys
from concurrent.futures import BrokenExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from joblib.externals.loky import ProcessPoolExecutor
from sklearn.model_selection import train_test_split

from benchmarks.data.dataset import Dataset, DatasetError
from benchmarks.data.image_decode import MAX_PIXELS_ENV, max_pixels_limit, read_images
from features.checks import check_n_jobs
from features.threads import n_workers

__all__ = ["IMAGE_EXTENSIONS", "load_image_folder"]

#: Recognized file extensions (compared case-insensitively).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
#: Files per task when a folder is read on several processes.
READ_BLOCK = 256
#: Fewest files per reader (this process and each one it starts): a process takes about
#: half a second to start, the time of some 2,500 small JPEG files here.
FILES_PER_PROCESS = 4096


def _check_image_size(image_size):
    size = (image_size, image_size) if isinstance(image_size, (int, np.integer)) else image_size
    ok = (isinstance(size, (tuple, list)) and len(size) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
                  for v in size))
    if not ok:
        raise ValueError(
            f"image_size must be an int or a (height, width) pair of positive ints, "
            f"for example (32, 32); got {image_size!r}."
        )
    return int(size[0]), int(size[1])


def _check_test_fraction(test_fraction):
    if (isinstance(test_fraction, bool) or not isinstance(test_fraction, (float, int))
            or not 0.0 < test_fraction < 1.0):
        raise ValueError(
            f"test_fraction must be a number strictly between 0 and 1, for example 0.2; "
            f"got {test_fraction!r}."
        )
    return float(test_fraction)


def _visible(path):
    return not path.name.startswith(".")


def _scan_classes(folder):
    """{class name: sorted image paths} for the class folders of ``folder``.

    Raises before any image is read when the layout is unusable.
    """
    classes = sorted(p for p in folder.iterdir() if p.is_dir() and _visible(p))
    if not classes:
        loose = [p.name for p in folder.iterdir()
                 if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]
        hint = (f" It holds {len(loose)} image(s) directly; move them into one "
                f"sub-folder per class." if loose else "")
        raise DatasetError(
            f"{folder} has no class folders.{hint} Expected {folder}/<class>/<image> "
            f"with images of type {', '.join(IMAGE_EXTENSIONS)}."
        )
    # scandir: a folder's entries say which are files, without a stat call per file.
    files = {
        c.name: [c / name for name in sorted(
            e.name for e in os.scandir(c)
            if e.is_file() and _visible(e) and e.name.lower().endswith(IMAGE_EXTENSIONS))]
        for c in classes
    }
    empty = [name for name, paths in files.items() if not paths]
    if len(empty) == len(files):
        raise DatasetError(
            f"no images in the class folders of {folder}: expected files ending in "
            f"{', '.join(IMAGE_EXTENSIONS)} (any case) inside {folder}/<class>/."
        )
    if empty:
        raise DatasetError(
            f"class folder(s) without images in {folder}: {', '.join(empty)}. Add images "
            f"to them or remove them."
        )
    return files


def _require_classes(files, where):
    if len(files) < 2:
        raise DatasetError(
            f"{where} has only one class ({', '.join(files)}); a classification "
            f"dataset needs at least two class folders."
        )


def _check_splittable(counts, test_fraction, where):
    """Fail early if a stratified split with ``test_fraction`` cannot be made."""
    small = [f"{name} ({n})" for name, n in counts.items() if n < 2]
    if small:
        raise DatasetError(
            f"cannot split {where} into train and test: class(es) with fewer than 2 "
            f"images: {', '.join(small)}. Add images, or provide {where}/train and "
            f"{where}/test folders."
        )
    n, k = sum(counts.values()), len(counts)
    n_test = math.ceil(test_fraction * n)  # how scikit-learn rounds test_size
    if n_test < k or n - n_test < k:
        raise DatasetError(
            f"cannot split {where} ({n} images, {k} classes) with test_fraction="
            f"{test_fraction}: the test set would get {n_test} and the training set "
            f"{n - n_test} images, but each needs at least one per class. Choose a "
            f"test_fraction between {k / n:.3g} and {1 - k / n:.3g}, or add images."
        )


def _read_all(paths, image_size, max_pixels, n_jobs=None):
    """Images read, in the order of ``paths``; which of ``paths`` were read; (path,
    reason) for every file that could not be; and whether one of them was over the
    pixel limit. Blocks of files on ``n_jobs`` readers."""
    blocks = [paths[start:start + READ_BLOCK] for start in range(0, len(paths), READ_BLOCK)]
    workers = min(n_workers(n_jobs, len(blocks)), len(paths) // FILES_PER_PROCESS)
    read = functools.partial(read_images, image_size=image_size, max_pixels=max_pixels)
    if workers <= 1:
        parts = [read(block) for block in blocks]
    else:
        parts = _read_beside(blocks, read, workers - 1)
    if not parts:
        return np.empty((0, *image_size, 3), np.uint8), np.zeros(0, bool), [], False
    images = np.concatenate([part[0] for part in parts])
    kept = np.concatenate([part[1] for part in parts])
    bad = [item for part in parts for item in part[2]]
    return images, kept, bad, any(part[3] for part in parts)


def _read_beside(blocks, read, processes):
    """``[read(block) for block in blocks]``, read here and on ``processes`` processes.

    Each reader takes the next block as it finishes one, so this process reads
    while the others start, and none waits on a slower one's share.
    """
    parts, todo = [None] * len(blocks), collections.deque(range(len(blocks)))

    def take():
        try:
            return todo.popleft()  # atomic: no block is taken twice
        except IndexError:
            return None

    def feed(executor):
        i = None
        try:
            while (i := take()) is not None:
                parts[i] = executor.submit(read, blocks[i]).result()
        except BrokenExecutor as exc:  # a decoder crashed its process, or it was killed
            todo.clear()  # the others stop after their block
            raise DatasetError(
                f"the process reading the {len(blocks[i])} file(s) from {blocks[i][0]} to "
                f"{blocks[i][-1]} stopped ({type(exc).__name__}: {exc}). If memory ran "
                f"short, read with fewer processes (--n-jobs); one of those files may "
                f"also crash its decoder: move them aside to find it.") from exc
        except BaseException:
            todo.clear()
            raise

    # Processes, not threads: most of an image's time is the decoders' Python. A pool
    # of their own: joblib's reusable one is left to the searches, as they expect it.
    with ProcessPoolExecutor(processes) as executor, ThreadPoolExecutor(processes) as feeders:
        fed = [feeders.submit(feed, executor) for _ in range(processes)]
        try:
            while (i := take()) is not None:
                parts[i] = read(blocks[i])
        finally:
            todo.clear()  # on an error or interrupt the feeders stop after their block
        for future in fed:
            future.result()
    return parts


def _stderr(message):
    print(message, file=sys.stderr)


def _kept(paths, read, labels):
    """The labels and the paths (as str) of the files of ``paths`` that were read
    (``read``, a mask over ``paths``)."""
    return (np.asarray(labels, dtype=np.int64)[read],
            tuple(str(p) for p in itertools.compress(paths, read)))


def load_image_folder(root, image_size=(32, 32), test_fraction=0.2, random_state=0,
                      skip_unreadable=False, name=None, max_pixels=None, log=None,
                      n_jobs=None):
    """Load images laid out as ``root/<class>/<image>`` into a :class:`Dataset`.

    Classes are the sub-folders, sorted by name (label ``i`` is the ``i``-th
    name). Images are files directly inside a class folder ending in .png,
    .jpg, .jpeg, .bmp, .tif or .tiff (any case); other and hidden files are
    ignored. Each image is read as :func:`skimage.io.imread` reads it (8-bit
    gray, RGB and RGBA JPEG, PNG and BMP files straight from Pillow, the same
    pixels, and much faster), converted to RGB (gray replicated to three
    channels; RGBA and gray+alpha composited on a white background), resized
    with anti-aliasing to ``image_size`` if it has another size, and rounded
    to uint8. Its header is read first: a file that
    is not an image, or has more than ``max_pixels`` pixels, is refused before
    it is decoded.

    If ``root`` has ``train`` and ``test`` sub-folders (each holding the same
    class folders), they are the split and ``test_fraction`` is ignored;
    otherwise a stratified split with ``test_fraction`` and ``random_state``
    is made.

    Parameters
    ----------
    root : str or Path
        The dataset folder.
    image_size : int or (int, int), default=(32, 32)
        Output (height, width); CIFAR-10's size by default so features and
        networks tuned on it apply unchanged.
    test_fraction : float in (0, 1), default=0.2
        Share of each class held out for testing when there is no train/test
        layout.
    random_state : int, default=0
        Seed of that split; the same seed gives the same split.
    skip_unreadable : bool, default=False
        If True, files that cannot be decoded (or are float images with NaN,
        infinite or out-of-range pixels, or have more than ``max_pixels``
        pixels) are skipped, listed through ``log`` (each with its reason) and
        in ``extra["skipped"]``; if False they are an error.
    name : str or None, default=None
        Dataset name in reports; defaults to the folder's name.
    max_pixels : int or None, default=None
        Most pixels (width x height, x frames) one image may have; checked on
        the header, before decoding. ``None`` reads ``$FEATBENCH_MAX_PIXELS``,
        else 100,000,000 (an 8-bit RGB image of that size decodes to 300 MB).
    log : callable or None, default=None
        Receives the list of skipped files, one message; ``None`` prints it on
        stderr.
    n_jobs : int or None, default=None
        Readers of the images: this process and ``n_jobs - 1`` processes it
        starts, taking blocks of :data:`READ_BLOCK` files in turn, at most one
        reader per :data:`FILES_PER_PROCESS` files (-1: every core; None: this
        process alone); the arrays are the same for any number.

    Returns
    -------
    Dataset
        ``X_train``/``X_test`` uint8 of shape (n, H, W, 3), int64 labels,
        ``class_names`` and ``source=str(root)``. ``extra`` holds ``layout``
        ("train/test" or "split"), ``image_size``, ``files_train`` and
        ``files_test`` (path of each image, in array order) and ``skipped``
        (tuple of (path, reason) pairs).

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist.
    NotADirectoryError
        If ``root`` is a file.
    ValueError
        If ``image_size``, ``test_fraction``, ``n_jobs`` or ``max_pixels`` (or
        ``$FEATBENCH_MAX_PIXELS``) is invalid.
    DatasetError
        If there are no class folders or images, a class folder is empty,
        there is only one class, train and test have different classes, a
        class is too small to split, or (unless ``skip_unreadable``) some files
        cannot be decoded or hold NaN or infinite pixels: the message lists
        every such file and why. Layout problems are found before any image
        is read. Also if a decoding process stops (killed, or crashed by a
        decoder): the message names the files it was reading.

    Examples
    --------
    >>> ds = load_image_folder("photos", image_size=(64, 64))  # doctest: +SKIP
    >>> ds.X_train.shape[1:], ds.class_names  # doctest: +SKIP
    ((64, 64, 3), ('cat', 'dog'))
    """
    image_size = _check_image_size(image_size)
    test_fraction = _check_test_fraction(test_fraction)
    check_n_jobs(n_jobs)
    max_pixels = max_pixels_limit(max_pixels)
    log = _stderr if log is None else log
    root = Path(root).expanduser()
    if not root.exists():
        raise FileNotFoundError(
            f"image folder {root} does not exist; pass the folder holding one "
            f"sub-folder per class (root/<class>/<image>)."
        )
    if not root.is_dir():
        raise NotADirectoryError(
            f"{root} is a file, not a folder; pass the folder holding one sub-folder "
            f"per class (root/<class>/<image>)."
        )

    train_dir, test_dir = root / "train", root / "test"
    if train_dir.is_dir() != test_dir.is_dir():
        have, missing = (train_dir, test_dir) if train_dir.is_dir() else (test_dir, train_dir)
        raise DatasetError(
            f"{root} has {have.name}/ but no {missing.name}/: add {missing} with the "
            f"same class folders, or rename {have} if it is a class."
        )
    if train_dir.is_dir():
        layout = "train/test"
        train_files, test_files = _scan_classes(train_dir), _scan_classes(test_dir)
        if set(train_files) != set(test_files):
            only_train = sorted(set(train_files) - set(test_files))
            only_test = sorted(set(test_files) - set(train_files))
            raise DatasetError(
                f"{train_dir} and {test_dir} must have the same class folders; only in "
                f"train: {only_train or 'none'}, only in test: {only_test or 'none'}. "
                f"Add or remove class folders so both match."
            )
        _require_classes(train_files, root)
        class_names = tuple(train_files)
        paths = {"train": [], "test": []}
        labels = {"train": [], "test": []}
        for label, cls in enumerate(class_names):
            for part, files in (("train", train_files), ("test", test_files)):
                paths[part] += files[cls]
                labels[part] += [label] * len(files[cls])
        all_paths = paths["train"] + paths["test"]
    else:
        layout = "split"
        files = _scan_classes(root)
        _require_classes(files, root)
        _check_splittable({c: len(p) for c, p in files.items()}, test_fraction, root)
        class_names = tuple(files)
        all_paths = [p for cls in class_names for p in files[cls]]
        all_labels = [lab for lab, cls in enumerate(class_names) for _ in files[cls]]

    images, read, bad, too_large = _read_all(all_paths, image_size, max_pixels, n_jobs)
    listed = "\n".join(f"  {path}: {reason}" for path, reason in bad)
    if bad and not skip_unreadable:
        raise DatasetError(
            f"{len(bad)} of {len(all_paths)} file(s) under {root} could not be read as "
            f"images:\n{listed}\nFix or remove them, or pass skip_unreadable=True "
            f"(--skip-unreadable on the command line) to skip them"
            + (f"; raise the pixel limit ({max_pixels:,}) with max_pixels= or "
               f"${MAX_PIXELS_ENV} for genuine large images."
               if too_large else ".")
        )
    if bad:
        log(f"skipped {len(bad)} unreadable file(s) under {root}:\n{listed}")

    if layout == "train/test":
        n_train = len(paths["train"])
        k = int(read[:n_train].sum())  # the training images read come first
        X_train, X_test = images[:k], images[k:]
        y_train, f_train = _kept(paths["train"], read[:n_train], labels["train"])
        y_test, f_test = _kept(paths["test"], read[n_train:], labels["test"])
        for part, y in (("train", y_train), ("test", y_test)):
            missing = [class_names[i] for i in np.flatnonzero(
                np.bincount(y, minlength=len(class_names)) == 0)]
            if missing:
                raise DatasetError(
                    f"after skipping unreadable files, {root / part} has no readable "
                    f"image for class(es) {', '.join(missing)}; fix those files."
                )
    else:
        X = images
        y, kept = _kept(all_paths, read, all_labels)
        counts = dict(zip(class_names, np.bincount(y, minlength=len(class_names)).tolist()))
        # Skipped files can leave too few images; same check, now on what was read.
        _check_splittable(counts, test_fraction, root)
        idx_train, idx_test = train_test_split(
            np.arange(len(y)), test_size=test_fraction, stratify=y, random_state=random_state
        )
        X_train, y_train, X_test, y_test = X[idx_train], y[idx_train], X[idx_test], y[idx_test]
        f_train = tuple(kept[i] for i in idx_train)
        f_test = tuple(kept[i] for i in idx_test)

    return Dataset(
        X_train, y_train, X_test, y_test, class_names,
        name=name if name is not None else root.resolve().name,
        source=str(root),
        extra={"layout": layout, "image_size": image_size, "files_train": f_train,
               "files_test": f_test, "skipped": tuple(bad)},
    )
