"""A CIFAR-10-sized folder made by tiling a small subset, for timing and memory work only.

``python -m benchmarks.dev.tiled OUT --n-train 50000 [--n-test 10000] [--data DIR] [--force]``
writes ``OUT/cifar-10-batches-bin`` (the binary layout, read without pickle)
holding ``--n-train`` training images made from the subset's training images
and ``--n-test`` test images made from its test images: the originals first,
then their mirror images, then both shifted by 2, 4, ... pixels (zero fill),
as many copies as it takes. The images repeat, so the folder measures how
time and memory grow with the number of images; an accuracy measured on it
means nothing and is never to be quoted.
"""

import argparse
import os
import secrets
import shutil
import sys
from pathlib import Path

import numpy as np

from benchmarks.data.cifar10 import BIN_DIR, TEST_BATCH, TRAIN_BATCHES
from benchmarks.data.paths import fsync_dir
from features.checks import check_int

__all__ = ["tile_images", "write_cifar10_binary", "write_tiled", "main"]


def _offsets(count):
    """The first ``count`` shifts (dy, dx): (0, 0), then rings of step 2, nearest first.

    Examples
    --------
    >>> _offsets(4)
    [(0, 0), (-2, -2), (-2, 0), (-2, 2)]
    """
    radius = 0
    while (2 * radius + 1) ** 2 < count:
        radius += 1
    steps = range(-2 * radius, 2 * radius + 1, 2)
    grid = [(dy, dx) for dy in steps for dx in steps]
    return sorted(grid, key=lambda o: (max(abs(o[0]), abs(o[1])), o))[:count]


def _shifted(images, dy, dx):
    """``images`` (n, H, W, C) moved ``dy`` rows down and ``dx`` columns right, zero fill."""
    out = np.zeros_like(images)
    h, w = images.shape[1:3]
    if abs(dy) >= h or abs(dx) >= w:
        return out
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        images[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def tile_images(X, y, n):
    """``n`` images and labels made from ``X``, ``y`` by repeating them with flips and shifts.

    Copy ``k`` of the base images (k = 0, 1, ...) is mirrored left-right when
    ``k`` is odd and shifted by the ``k // 2``-th offset (0, then steps of 2
    pixels in a growing ring); the last copy is cut at ``n``.

    Parameters
    ----------
    X : ndarray of shape (m, H, W, C), uint8
    y : ndarray of shape (m,)
    n : int
        Images wanted, at least 1.

    Returns
    -------
    X_tiled : ndarray of shape (n, H, W, C), uint8
    y_tiled : ndarray of shape (n,), the labels repeated with their images

    Examples
    --------
    >>> X = np.arange(8, dtype=np.uint8).reshape(2, 2, 2, 1)
    >>> Xt, yt = tile_images(X, np.array([0, 1]), 5)
    >>> yt.tolist(), Xt[2, :, :, 0].tolist()  # copy 1 is the first image mirrored
    ([0, 1, 0, 1, 0], [[1, 0], [3, 2]])
    """
    n = check_int(n, "n", low=1)
    X, y = np.asarray(X), np.asarray(y)
    m = len(y)
    if m == 0 or len(X) != m:
        raise ValueError(f"tile_images needs as many labels as images, at least one; "
                         f"got {len(X)} images and {m} labels.")
    copies = -(-n // m)
    offsets = _offsets(-(-copies // 2))
    out = np.empty((n,) + X.shape[1:], dtype=X.dtype)
    for k in range(copies):
        take = min(m, n - k * m)
        base = X[:take, :, ::-1] if k % 2 else X[:take]
        dy, dx = offsets[k // 2]
        out[k * m:k * m + take] = _shifted(base, dy, dx) if (dy or dx) else base
    return out, np.resize(y, n)


def write_cifar10_binary(folder, X_train, y_train, X_test, y_test, class_names):
    """Write images in CIFAR-10's binary layout: five training batches and a test batch.

    Each record is the label byte, then the red, green and blue planes
    (1024 bytes each, row by row). The training images are shared as evenly
    as possible among ``data_batch_1.bin`` to ``data_batch_5.bin``.

    Parameters
    ----------
    folder : str or Path
        Created if needed; ``batches.meta.txt`` names the classes.
    X_train, X_test : ndarray of shape (n, 32, 32, 3), uint8
    y_train, y_test : ndarray of shape (n,), integers in [0, 255]
    class_names : sequence of str

    Examples
    --------
    >>> import tempfile
    >>> from benchmarks.data.cifar10 import load_cifar10
    >>> X = np.random.default_rng(0).integers(0, 256, (7, 32, 32, 3), dtype=np.uint8)
    >>> root = Path(tempfile.mkdtemp())
    >>> write_cifar10_binary(root / BIN_DIR, X, np.arange(7) % 2, X[:3], [1, 0, 1], "ab")
    >>> ds = load_cifar10(root)
    >>> bool((ds.X_train == X).all()), ds.y_test.tolist(), ds.class_names
    (True, [1, 0, 1], ('a', 'b'))
    """
    if len(X_train) < len(TRAIN_BATCHES):
        raise ValueError(f"the binary layout has {len(TRAIN_BATCHES)} training batches, each "
                         f"of one image or more; got {len(X_train)} training images.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    parts = np.array_split(np.arange(len(X_train)), len(TRAIN_BATCHES))
    files = [(f"{name}.bin", X_train[idx], np.asarray(y_train)[idx])
             for name, idx in zip(TRAIN_BATCHES, parts)]
    files.append((f"{TEST_BATCH}.bin", X_test, np.asarray(y_test)))
    for name, X, y in files:
        records = np.empty((len(y), 1 + X[0].size), dtype=np.uint8)
        records[:, 0] = y
        records[:, 1:] = np.asarray(X, np.uint8).transpose(0, 3, 1, 2).reshape(len(y), -1)
        with open(folder / name, "wb") as fh:
            fh.write(records.tobytes())
            fh.flush()
            os.fsync(fh.fileno())
    (folder / "batches.meta.txt").write_text("".join(f"{c}\n" for c in class_names))


def write_tiled(dataset, out, n_train, n_test=10_000, *, force=False):
    """Write a CIFAR-10 folder of ``n_train`` and ``n_test`` images tiled from ``dataset``.

    For timing and memory measurements only: the images repeat (see
    :func:`tile_images`), so accuracies measured on them are meaningless.
    The folder is written beside ``out`` under a temporary name and renamed
    into place, so ``out`` is either complete or absent.

    Parameters
    ----------
    dataset : Dataset
        32x32 RGB images (the CIFAR-10 subset).
    out : str or Path
        The folder to create; it will hold ``cifar-10-batches-bin``.
    n_train, n_test : int
        Training images (at least 5, one per batch file) and test images to write.
    force : bool, default=False
        Replace an existing ``out``.

    Returns
    -------
    Path
        ``out``, ready for ``load_cifar10(out)`` or ``featbench run --data out``.

    Raises
    ------
    FileExistsError
        If ``out`` exists and ``force`` is False.
    ValueError
        If the images are not 32x32 RGB, or a count is not a positive integer.

    Examples
    --------
    >>> import tempfile
    >>> from benchmarks.data import Dataset
    >>> from benchmarks.data.cifar10 import load_cifar10
    >>> X = np.zeros((4, 32, 32, 3), np.uint8)
    >>> ds = Dataset(X, np.array([0, 1, 0, 1]), X[:2], np.array([0, 1]), ("a", "b"))
    >>> out = write_tiled(ds, Path(tempfile.mkdtemp()) / "tiled", 10, 3)
    >>> tiled = load_cifar10(out)
    >>> len(tiled.y_train), len(tiled.y_test)
    (10, 3)
    """
    n_train = check_int(n_train, "--n-train", low=len(TRAIN_BATCHES),
                        fix="Each of the five training batch files needs an image.")
    n_test = check_int(n_test, "--n-test", low=1)
    if tuple(dataset.X_train.shape[1:]) != (32, 32, 3):
        raise ValueError(f"the CIFAR-10 layout holds 32x32 RGB images; got images of shape "
                         f"{tuple(dataset.X_train.shape[1:])}. Pass --data a CIFAR-10 folder.")
    out = Path(out)
    if out.exists() and not force:
        raise FileExistsError(f"{out} already exists; pass --force to replace it, or "
                              f"choose another folder.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
    old = out.parent / f".{out.name}.{secrets.token_hex(4)}.old"
    try:
        X_train, y_train = tile_images(dataset.X_train, dataset.y_train, n_train)
        X_test, y_test = tile_images(dataset.X_test, dataset.y_test, n_test)
        write_cifar10_binary(tmp / BIN_DIR, X_train, y_train, X_test, y_test,
                             dataset.class_names)
        if out.exists():
            os.rename(out, old)
        os.rename(tmp, out)
        fsync_dir(out.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return out


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dev.tiled",
        description="Write a CIFAR-10 binary folder of N images tiled from a subset with "
                    "flips and shifts. For timing and memory work only: never quote an "
                    "accuracy measured on it.")
    parser.add_argument("out", help="folder to create (it will hold cifar-10-batches-bin)")
    parser.add_argument("--n-train", type=int, required=True, help="training images")
    parser.add_argument("--n-test", type=int, default=10_000,
                        help="test images (default 10000)")
    parser.add_argument("--data", default=None,
                        help="the CIFAR-10 folder to tile (default: the usual search, see "
                             "benchmarks.data.cifar10.load_cifar10)")
    parser.add_argument("--force", action="store_true", help="replace an existing folder")
    return parser


def main(argv=None):
    from benchmarks.data.cifar10 import load_cifar10

    args = build_parser().parse_args(argv)
    try:
        out = write_tiled(load_cifar10(args.data), args.out, args.n_train, args.n_test,
                          force=args.force)
    except (OSError, ValueError) as exc:
        print(f"benchmarks.dev.tiled: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.n_train} training and {args.n_test} test images to {out} "
          f"(tiled: for timing and memory only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
