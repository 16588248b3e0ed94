"""The work of each phase of :mod:`benchmarks.dev.cores`, built untimed and timed alone.

Each phase's inputs (the images, their features, a fitted vocabulary) are made
first; :func:`time_phase` then times the phase's work alone, with every BLAS and
OpenMP library held to the cores it is given.
"""

import resource
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

__all__ = ["time_phase", "set_n_jobs", "STREAM_FLOATS", "STREAM_PIECE"]

#: Floats of each array of the ``stream`` phase (64 MiB), and of each piece (1 MiB).
STREAM_FLOATS, STREAM_PIECE = 2**23, 2**17


def set_n_jobs(estimator, cores):
    """Set ``n_jobs=cores`` on ``estimator`` and on every part of it that has the parameter.

    As a row sets it: a FeatureUnion's own ``n_jobs`` (its blocks on processes)
    is left alone.

    Parameters
    ----------
    estimator : sklearn estimator
        Changed in place.
    cores : int

    Returns
    -------
    estimator : sklearn estimator

    Examples
    --------
    >>> import pipelines
    >>> pipe = set_n_jobs(pipelines.make("hog+color/svm", image_shape=(32, 32, 3)), 2)
    >>> params = pipe.get_params()
    >>> params["features__n_jobs"], params["features__hog__n_jobs"]
    (None, 2)
    """
    from sklearn.pipeline import FeatureUnion

    params = estimator.get_params()
    owners = {k: params.get(k.rpartition("__")[0], estimator) for k in params
              if k == "n_jobs" or k.endswith("__n_jobs")}
    estimator.set_params(**{k: cores for k, owner in owners.items()
                            if not isinstance(owner, FeatureUnion)})
    return estimator


def _setup(phase, cores, n_images, data, cnn_epochs=2, dataset="cifar10"):
    """The untimed inputs of ``phase``: a callable that does the phase's work."""
    import pipelines
    from benchmarks.data.by_name import folder_path, load_dataset
    from sklearn.pipeline import Pipeline

    if phase == "ceiling":
        a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
        return lambda: [a @ a for _ in range(20)]
    if phase == "stream":
        return _stream(cores)
    root = folder_path(dataset)
    if phase == "load" and root:
        from benchmarks.data.image_folder import load_image_folder

        # A folder is timed as a run reads it: all of it, nothing read untimed first.
        return lambda: load_image_folder(root, n_jobs=cores)
    ds = load_dataset(dataset, data or None, n_jobs=cores)
    X, y = ds.X_train[:n_images], ds.y_train[:n_images]
    shape = X.shape[1:]
    if phase == "load":
        from benchmarks.data.image_folder import load_image_folder

        # The images and their mirrors: enough files for two decoding processes.
        folder = _jpeg_folder(ds, np.concatenate([X, X[:, :, ::-1]]), np.concatenate([y, y]))
        return lambda: load_image_folder(folder.name, n_jobs=cores)
    if phase in ("hog", "color", "kmeans", "encode"):
        kind = "bovw" if phase in ("kmeans", "encode") else phase
        block = set_n_jobs(pipelines.make(f"{kind}/svm", image_shape=shape).named_steps[
            "features"], cores)
        if phase == "encode":
            block.fit(X)
            return lambda: block.transform(X)
        return (lambda: block.fit(X)) if phase == "kmeans" else (lambda: block.fit_transform(X))
    name = {"knn": "pixels/knn", "svm": "hog+color/svm", "mlp": "hog+color/mlp",
            "cnn": "pixels/cnn"}[phase]
    pipe = set_n_jobs(pipelines.make(name, image_shape=shape), cores)
    if phase == "cnn":
        pipe.set_params(clf__max_epochs=cnn_epochs)
    F = pipe.named_steps["features"].fit_transform(X)
    head = Pipeline(pipe.steps[1:])
    if phase != "knn":
        return lambda: head.fit(F, y)
    head.fit(F, y)
    test = pipe.named_steps["features"].transform(ds.X_test[:max(1, len(y) // 5)])
    return lambda: head.predict(test)


def _stream(cores, n=STREAM_FLOATS, piece=STREAM_PIECE, passes=32):
    """Element-wise passes over three arrays of ``n`` floats, pieces on ``cores`` threads."""
    a, b = np.ones(n), np.full(n, 2.0)
    c = a + b  # its pages touched untimed
    pieces = [slice(i, i + piece) for i in range(0, n, piece)]

    def work(s):
        np.add(a[s], b[s], out=c[s])
        np.multiply(c[s], 0.5, out=c[s])

    def run():
        with ThreadPoolExecutor(cores) as pool:
            for _ in range(passes):
                list(pool.map(work, pieces) if cores > 1 else map(work, pieces))
        return c
    return run


def _jpeg_folder(ds, X, y):
    """``X`` as JPEG files of an image folder, ``root/<class>/<i>.jpg`` (removed with the
    returned :class:`tempfile.TemporaryDirectory`)."""
    import imageio.v3 as iio

    folder = tempfile.TemporaryDirectory(prefix="featbench-cores-load-")
    for i, (image, label) in enumerate(zip(X, y)):
        path = Path(folder.name, ds.class_names[label], f"{i}.jpg")
        path.parent.mkdir(exist_ok=True)
        iio.imwrite(path, image, quality=75)
    return folder


def time_phase(phase, cores, n_images=None, data=None, cnn_epochs=2, dataset="cifar10"):
    """Wall and CPU seconds of ``phase`` in this process, with ``cores`` threads at most.

    Returns
    -------
    dict
        ``wall`` and ``cpu`` (user and system time of every thread of this
        process, and of the worker processes it started, while the phase ran).
    """
    import multiprocessing

    from joblib.externals.loky import get_reusable_executor

    from features.threads import blas_limit

    work = _setup(phase, cores, n_images, data, cnn_epochs, dataset)
    with blas_limit(cores, user_api=None):
        usage, start = _cpu_seconds(), time.perf_counter()
        work()
        wall = time.perf_counter() - start
        # Worker processes (the folder's decoders) count in the children's time once reaped;
        # a phase that started none must not start joblib's executor here.
        if multiprocessing.active_children():
            get_reusable_executor().shutdown(wait=True)
        cpu = _cpu_seconds() - usage
    return {"wall": wall, "cpu": cpu}


def _cpu_seconds():
    """User and system seconds of this process and of its reaped children."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))
