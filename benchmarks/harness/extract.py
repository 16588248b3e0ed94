"""A split's features, one block of a ``features`` step at a time, from the cache if it can.

The blocks of a ``FeatureUnion`` (HoG, colour, the bag of words) are cached
separately (:mod:`benchmarks.harness.cache`), so a row that shares a block with
another reads it again instead of computing it; each block writes its columns
of one array per part of the split.
"""

import time

import numpy as np
from sklearn.base import clone

from benchmarks.harness.fingerprint import code_fingerprint
from benchmarks.harness.memory import feature_blocks

__all__ = ["extract_features", "mirror_parts"]

# Images per call of a feature block that has no chunked transform_into of its own.
_ROWS = 2048


class _Block:
    """One block of a ``features`` step: cached arrays, or a transformer fitted here."""

    def __init__(self, key, name, stored=None, doc=None, fitted=None, fit_seconds=0.0):
        self.key, self.name, self.stored, self.fitted = key, name, stored, fitted
        self.seconds = doc["seconds"] if doc is not None else 0.0
        self.fit_seconds = float(doc.get("fit_seconds", 0.0) if doc is not None
                                 else fit_seconds)

    def width_dtype(self, X_fit):
        """Columns and dtype of the block's features (a transform of one image if not cached)."""
        if self.stored is not None:
            return self.stored[0].shape[1], self.stored[0].dtype
        if not hasattr(self, "_probe"):
            self._probe = np.asarray(self.fitted.transform(X_fit[:1]))
        return self._probe.shape[1], self._probe.dtype

    def write(self, images, out, cache):
        """The features of the parts; into ``out`` (column slices) unless it is None."""
        if self.stored is not None:
            if out is None:
                return [stored.read() for stored in self.stored]
            return [stored.read_into(o) for stored, o in zip(self.stored, out)]
        start = time.perf_counter()
        if out is None or out[0].dtype != self.width_dtype(images[0])[1]:
            # Whole, in its own dtype: cached blocks are stored as computed.
            parts = [np.asarray(self.fitted.transform(X)) for X in images]
            for o, part in zip(out or [], parts):
                o[...] = part
        else:
            parts = out
            for X, part in zip(images, parts):
                _transform_into(self.fitted, X, part)
        self.seconds = self.fit_seconds + time.perf_counter() - start
        cache.store("blocks", self.key, {"seconds": self.seconds, "fit_seconds": self.fit_seconds,
                                         "block": self.name}, parts)
        return parts if out is None else out


def _transform_into(fitted, X, out):
    """Write ``fitted.transform(X)`` into ``out`` without a full-size temporary."""
    if hasattr(fitted, "transform_into"):  # the image features: their own chunks
        fitted.transform_into(X, out)
        return
    for start in range(0, len(X), _ROWS):  # other transformers work image by image
        out[start:start + _ROWS] = fitted.transform(X[start:start + _ROWS])


def _block_checker(split):
    rows = split.part_sizes

    def check(doc, arrays):
        ok = (isinstance(doc.get("seconds"), (int, float)) and len(arrays) == len(rows)
              and isinstance(doc.get("fit_seconds", 0.0), (int, float))
              and all(a.ndim == 2 and a.dtype.kind == "f" and len(a) == n
                      for a, n in zip(arrays, rows))
              and len({a.shape[1] for a in arrays}) == 1)
        if not ok:
            raise ValueError("its arrays do not fit the images of its key")
    return check


def mirror_parts(F):
    """The mirrors' features, (validation, test), that ``F`` ends with, else ``(None, None)``.

    :func:`extract_features` appends them to the three parts under test mirrors.

    Examples
    --------
    >>> mirror_parts(("fit", "val", "test")), mirror_parts(("fit", "val", "test", "v~", "t~"))
    ((None, None), ('v~', 't~'))
    """
    return tuple(F[3:]) or (None, None)


def extract_features(features, split, cache, n_jobs=None, progress=None, timings=None):
    """Features of the three parts of ``split``, one cached block at a time.

    Every block is fitted (or found in the cache) first; then each writes its
    columns of one array per part, so the features are held once, not once
    per block and again stacked.

    Parameters
    ----------
    features : transformer or FeatureUnion
        The ``features`` step of a pipeline.
    split : Split
    cache : ResultCache
        Where blocks are looked up and stored (:func:`~benchmarks.harness.cache.open_cache`).
    n_jobs : int or None, default=None
        Threads of each block that has an ``n_jobs`` parameter.
    progress : tqdm or None, default=None
        Bar whose postfix names the block being computed.
    timings : dict or None, default=None
        Receives ``"fit"``: the seconds of the blocks' fits (learning a
        vocabulary), as measured when each block was computed (0 for blocks
        cached before this was recorded).

    Returns
    -------
    (F_fit, F_val, F_test) : tuple of ndarray
        Blocks concatenated along the feature axis (as ``FeatureUnion`` would);
        with ``split.info.test_mirrors`` followed by the features of the
        validation and test images' mirrors (:attr:`Split.images`).
    seconds : float
        Extraction time as measured when each block was computed.
    cached : bool
        Whether every block came from the cache.
    """
    images = split.images
    check, blocks = _block_checker(split), []
    for block in feature_blocks(features):
        block = clone(block)
        if progress is not None:
            progress.set_postfix_str(f"features {type(block).__name__}")
        # The code is in the key: a changed feature kernel computes anew. The key is
        # taken before n_jobs is set: the features are the same on any number of cores.
        key, found = cache.lookup(
            "blocks", ("block", block, *images, code_fingerprint()), check,
            what=f"features {type(block).__name__}", lazy=True)
        if n_jobs is not None and "n_jobs" in block.get_params():
            block.set_params(n_jobs=n_jobs)
        name = type(block).__name__
        if found is not None:
            blocks.append(_Block(key, name, stored=found[1], doc=found[0]))
        else:
            start = time.perf_counter()
            blocks.append(_Block(key, name, fitted=block.fit(split.X_fit),
                                 fit_seconds=time.perf_counter() - start))
    if len(blocks) == 1:
        out = tuple(blocks[0].write(images, None, cache))
    else:
        # Each block's width is known before any is transformed, so each writes its
        # columns of one array: no second copy of the features for a concatenation.
        shapes = [block.width_dtype(split.X_fit) for block in blocks]
        dtype = np.result_type(*(dt for _, dt in shapes))
        ends = np.cumsum([width for width, _ in shapes])
        out = tuple(np.empty((len(X), ends[-1]), dtype) for X in images)
        for block, end, (width, _) in zip(blocks, ends, shapes):
            if progress is not None:
                progress.set_postfix_str(f"features {block.name}")
            block.write(images, [o[:, end - width:end] for o in out], cache)
    if timings is not None:
        timings["fit"] = timings.get("fit", 0.0) + sum(b.fit_seconds for b in blocks)
    return out, sum(b.seconds for b in blocks), all(b.stored is not None for b in blocks)
