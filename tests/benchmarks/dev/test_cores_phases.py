"""The phases' work: each built as a row builds it, and timed alone."""

from pathlib import Path

import numpy as np
import pytest

import pipelines
from benchmarks.dev import cores_phases
from tests._blas import needs_split_invariant_blas


def test_knn_phase_predicts_the_same_on_two_threads_as_on_one(cifar10):
    from classifiers import KNNClassifier

    X = cifar10.X_train[:300].reshape(300, -1).astype(np.float32)
    T = cifar10.X_test[:41].reshape(41, -1).astype(np.float32)
    for metric in ("l1", "l2"):
        one = KNNClassifier(3, metric=metric).fit(X, cifar10.y_train[:300]).kneighbors(T)
        two = KNNClassifier(3, metric=metric, n_jobs=2).fit(X, cifar10.y_train[:300])
        assert two._chunks(41)[1:] == (21, 2)  # one chunk per thread
        for a, b in zip(one, two.kneighbors(T)):
            np.testing.assert_array_equal(a, b)


def test_phases_set_n_jobs_where_a_row_does_not_on_the_feature_union():
    # A union's n_jobs would start processes in the untimed setup, whose CPU time the
    # phase then counted when it reaped them.
    pipe = cores_phases.set_n_jobs(pipelines.make("hog+color/mlp", image_shape=(32, 32, 3)), 2)
    params = pipe.get_params()
    assert params["features__n_jobs"] is None
    assert params["features__hog__n_jobs"] == params["features__colorhistogram__n_jobs"] == 2


@pytest.mark.parametrize("cores_, n, piece", [(1, 40, 8), (2, 40, 8), (3, 37, 5)])
def test_the_stream_passes_reach_every_float(cores_, n, piece):
    # Untimed, the result holds 1 + 2; a pass leaves (1 + 2) / 2 wherever it reached.
    np.testing.assert_array_equal(cores_phases._stream(cores_, n, piece, passes=3)(), np.full(n, 1.5))


@needs_split_invariant_blas
def test_vocabulary_fit_learns_the_same_on_two_threads_as_on_one(cifar10, monkeypatch):
    import features.bovw
    from features import BagOfVisualWords

    monkeypatch.setattr(features.bovw, "_WHITEN_ROWS", 1000)  # several blocks of patches
    fits = [BagOfVisualWords(n_words=20, patches_per_image=20, max_iter=3, random_state=0,
                             n_jobs=n_jobs).fit(cifar10.X_train[:300]) for n_jobs in (1, 2)]
    for name in ("patch_mean_", "whitening_", "words_"):
        np.testing.assert_array_equal(getattr(fits[0], name), getattr(fits[1], name))


def test_the_load_phase_reads_a_jpeg_folder_of_the_images(cifar10):
    from benchmarks.data.image_folder import load_image_folder

    X, y = cifar10.X_train[:200], cifar10.y_train[:200]
    folder = cores_phases._jpeg_folder(cifar10, X, y)
    ds = load_image_folder(folder.name)
    files = ds.extra["files_train"] + ds.extra["files_test"]
    assert len(files) == 200 and ds.class_names == tuple(sorted(cifar10.class_names))
    images = np.concatenate([ds.X_train, ds.X_test])[np.argsort([int(Path(f).stem)
                                                                 for f in files])]
    # JPEG at quality 75: close to the images, not equal.
    assert 0 < np.abs(images.astype(int) - X.astype(int)).mean() < 8
    folder.cleanup()


def test_the_load_phase_counts_the_decoders_processes(cifar10_dir, monkeypatch):
    from benchmarks.data import image_folder

    import resource

    def children():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    # 100 images and their mirrors: 7 blocks on 2 processes.
    monkeypatch.setattr(image_folder, "READ_BLOCK", 32)
    monkeypatch.setattr(image_folder, "FILES_PER_PROCESS", 32)
    before = children()
    result = cores_phases.time_phase("load", 2, n_images=100, data=str(cifar10_dir))
    # The decoding processes were reaped within the phase, so their time is in its CPU.
    assert children() > before
    assert result["wall"] > 0 and result["cpu"] > children() - before


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads Linux's /proc")
def test_a_phase_without_worker_processes_starts_no_process():
    import subprocess
    import sys

    # In a fresh process: no earlier test's joblib processes there.
    code = ("import os; from benchmarks.dev import cores_phases; cores_phases.time_phase('ceiling', 1); "
            "print(sum(len(open(f'/proc/self/task/{t}/children').read().split()) "
            "for t in os.listdir('/proc/self/task')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(cores_phases.__file__).parents[2]).stdout
    assert out.split() == ["0"]


def test_the_load_phase_of_a_folder_dataset_reads_that_folder_alone(cifar10, monkeypatch):
    from benchmarks.data import by_name, image_folder

    folder = cores_phases._jpeg_folder(cifar10, cifar10.X_train[:120], cifar10.y_train[:120])
    read, load = [], image_folder.load_image_folder
    monkeypatch.setattr(image_folder, "load_image_folder",
                        lambda root, **kw: read.append(root) or load(root, **kw))
    monkeypatch.setattr(by_name, "load_dataset", lambda *a, **kw: pytest.fail("read untimed"))
    monkeypatch.setattr(cores_phases, "_jpeg_folder", lambda *a: pytest.fail("wrote files"))
    result = cores_phases.time_phase("load", 1, dataset=f"folder:{folder.name}")
    folder.cleanup()
    assert read == [folder.name] and result["wall"] > 0
