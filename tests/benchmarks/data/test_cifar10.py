import pickle
import shutil

import numpy as np
import pytest

from benchmarks.data.dataset import DatasetError
from benchmarks.data.cifar10 import (
    CIFAR10_CLASSES,
    find_cifar10,
    load_cifar10,
    restricted_loads,
)

# Images per official batch file in the shared subset (its README).
SUBSET_BATCH_SIZES = {"train": [1102, 1017, 1017, 1017, 1017], "test": 1017}


def _write_python_layout(folder, n_per_batch=(3, 2, 2, 2, 2), n_test=4, seed=0):
    """A tiny CIFAR-10 in the python layout; returns (train images, labels) written."""
    rng = np.random.default_rng(seed)
    sub = folder / "cifar-10-batches-py"
    sub.mkdir(parents=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    sizes = list(n_per_batch) + [n_test]
    for name, n in zip(names, sizes):
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, n).tolist()
        (sub / name).write_bytes(pickle.dumps({b"data": data, b"labels": labels}, protocol=2))
    meta = {b"label_names": [c.encode() for c in CIFAR10_CLASSES]}
    (sub / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return sub


def _write_binary_from_python(py_sub, folder):
    ds = load_cifar10(py_sub.parent, layout="python")
    sub = folder / "cifar-10-batches-bin"
    sub.mkdir(parents=True)
    rows = lambda X: X.transpose(0, 3, 1, 2).reshape(len(X), -1)  # noqa: E731
    bounds = np.cumsum([0] + [3, 2, 2, 2, 2])
    for i in range(5):
        sl = slice(bounds[i], bounds[i + 1])
        rec = np.hstack([ds.y_train[sl, None].astype(np.uint8), rows(ds.X_train[sl])])
        rec.tofile(sub / f"data_batch_{i + 1}.bin")
    np.hstack([ds.y_test[:, None].astype(np.uint8), rows(ds.X_test)]).tofile(
        sub / "test_batch.bin"
    )
    (sub / "batches.meta.txt").write_text("\n".join(CIFAR10_CLASSES) + "\n")
    return sub


# ---- the real subset -------------------------------------------------------------

def test_subset_layouts_load_identical_arrays(cifar10_dir):
    py = load_cifar10(cifar10_dir, layout="python")
    binary = load_cifar10(cifar10_dir, layout="binary")
    for attr in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(py, attr), getattr(binary, attr))
    assert py.class_names == binary.class_names == CIFAR10_CLASSES


def test_subset_shapes_dtypes_and_first_test_image(cifar10):
    assert cifar10.X_train.shape == (5170, 32, 32, 3)
    assert cifar10.X_test.shape == (1017, 32, 32, 3)
    assert cifar10.X_train.dtype == np.uint8 and cifar10.y_train.dtype == np.int64
    assert cifar10.y_test[0] == 3 and cifar10.class_names[3] == "cat"
    assert cifar10.class_counts().to_numpy().sum() == 5170 + 1017


def test_subset_batch_sizes_are_read_from_the_data(cifar10_dir):
    from benchmarks.data.cifar10 import _read_binary_batch

    sub = cifar10_dir / "cifar-10-batches-bin"
    sizes = [len(_read_binary_batch(sub / f"data_batch_{i}.bin", 10)[1]) for i in range(1, 6)]
    assert sizes == SUBSET_BATCH_SIZES["train"]


def test_pixel_layout_is_channel_major_rows_top_to_bottom(cifar10_dir):
    raw = np.fromfile(cifar10_dir / "cifar-10-batches-bin" / "test_batch.bin", np.uint8, 3073)
    img = load_cifar10(cifar10_dir, layout="binary").X_test[0]
    assert img[0, 1, 0] == raw[1 + 1]            # R plane, row 0, column 1
    assert img[1, 0, 1] == raw[1 + 1024 + 32]    # G plane, row 1, column 0
    assert img[31, 31, 2] == raw[3072]           # B plane, last pixel


def test_root_may_be_the_batches_folder_itself(cifar10_dir):
    ds = load_cifar10(cifar10_dir / "cifar-10-batches-bin")
    assert len(ds.y_test) == 1017


# ---- search order ----------------------------------------------------------------

def test_search_uses_featbench_data_then_cache(tmp_path, monkeypatch):
    data, cache = tmp_path / "data", tmp_path / "cache"
    _write_python_layout(cache)
    monkeypatch.setenv("FEATBENCH_CACHE", str(cache))
    monkeypatch.delenv("FEATBENCH_DATA", raising=False)
    assert find_cifar10() == cache
    _write_python_layout(data)
    monkeypatch.setenv("FEATBENCH_DATA", str(data))
    assert find_cifar10() == data


def test_nothing_found_says_how_to_download(tmp_path, monkeypatch):
    monkeypatch.setenv("FEATBENCH_CACHE", str(tmp_path / "empty"))
    monkeypatch.delenv("FEATBENCH_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="featbench download cifar10"):
        load_cifar10()


# ---- small synthetic copies ------------------------------------------------------

def test_synthetic_layouts_agree_and_sizes_come_from_files(tmp_path):
    py_sub = _write_python_layout(tmp_path)
    _write_binary_from_python(py_sub, tmp_path)
    a = load_cifar10(tmp_path, layout="python")
    b = load_cifar10(tmp_path, layout="binary")
    assert a.X_train.shape == (11, 32, 32, 3) and a.X_test.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_train, b.y_train)


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*featbench download"):
        load_cifar10(tmp_path / "nope")


def test_directory_without_batches(tmp_path):
    with pytest.raises(FileNotFoundError, match="no CIFAR-10 batches in"):
        load_cifar10(tmp_path)


def test_missing_batch_file(tmp_path):
    sub = _write_python_layout(tmp_path)
    (sub / "data_batch_3").unlink()
    with pytest.raises(DatasetError, match="incomplete.*data_batch_3"):
        load_cifar10(tmp_path)


def test_truncated_python_batch(tmp_path):
    sub = _write_python_layout(tmp_path)
    path = sub / "data_batch_2"
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(DatasetError, match="data_batch_2 is truncated or corrupt"):
        load_cifar10(tmp_path)


def test_truncated_binary_batch(tmp_path):
    _write_binary_from_python(_write_python_layout(tmp_path), tmp_path)
    path = tmp_path / "cifar-10-batches-bin" / "test_batch.bin"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DatasetError, match="test_batch.bin is truncated"):
        load_cifar10(tmp_path, layout="binary")


@pytest.mark.parametrize("layout", ["python", "binary"])
def test_label_out_of_range(tmp_path, layout):
    py_sub = _write_python_layout(tmp_path)
    _write_binary_from_python(py_sub, tmp_path)
    if layout == "python":
        batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}
        (py_sub / "data_batch_4").write_bytes(pickle.dumps(batch, protocol=2))
    else:
        path = tmp_path / "cifar-10-batches-bin" / "data_batch_4.bin"
        raw = bytearray(path.read_bytes())
        raw[0] = 12
        path.write_bytes(bytes(raw))
    with pytest.raises(DatasetError, match=r"label 1[02] at record [01] is outside \[0, 9\]"):
        load_cifar10(tmp_path, layout=layout)


@pytest.mark.parametrize("labels,shown,record", [
    ([0, 0.7], "0.7", 1),                            # once truncated to 0
    (np.array([0.0, 1.0]), "0.0", 0),                # float array, even if whole
    ([0, "cat"], "'cat'", 1),
    ([b"1", 0], "b'1'", 0),
    ([0, float("nan")], "nan", 1),
    ([True, 0], "True", 0),
    ([0, None], "None", 1),
    ([0, [1]], r"\[1\]", 1),
])
def test_labels_that_are_not_integers_name_the_file_and_value(tmp_path, labels, shown, record):
    sub = _write_python_layout(tmp_path)
    batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": labels}
    (sub / "data_batch_2").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DatasetError, match=rf"data_batch_2: label {shown} at record {record} "
                                           r"is not an integer in \[0, 9\]"):
        load_cifar10(tmp_path)


@pytest.mark.parametrize("labels", [3, {b"a": 1}, b"\x00\x01", np.zeros((2, 1), np.int64)])
def test_labels_that_are_not_a_list_name_the_file(tmp_path, labels):
    sub = _write_python_layout(tmp_path)
    batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": labels}
    (sub / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DatasetError, match=r"test_batch: b'labels' must be a list of integers"):
        load_cifar10(tmp_path)


@pytest.mark.parametrize("big", [10**30, -(10**30)])
def test_integer_labels_too_large_for_int64_are_out_of_range(tmp_path, big):
    sub = _write_python_layout(tmp_path)
    batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, big]}
    (sub / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DatasetError, match=rf"label {big} at record 1 is outside \[0, 9\]"):
        load_cifar10(tmp_path)


def test_integer_label_arrays_are_read(tmp_path):
    sub = _write_python_layout(tmp_path)
    batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": np.array([9, 0], np.uint8)}
    (sub / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    assert load_cifar10(tmp_path).y_test.tolist() == [9, 0]


def test_wrong_data_shape_in_pickle(tmp_path):
    sub = _write_python_layout(tmp_path)
    batch = {b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}
    (sub / "data_batch_1").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DatasetError, match=r"must be uint8 of shape \(N, 3072\)"):
        load_cifar10(tmp_path)


def test_missing_layout_requested(tmp_path):
    _write_python_layout(tmp_path)
    with pytest.raises(FileNotFoundError, match="no binary layout"):
        load_cifar10(tmp_path, layout="binary")


def test_bad_layout_value(tmp_path):
    with pytest.raises(ValueError, match="layout must be None, 'python' or 'binary'"):
        load_cifar10(tmp_path, layout="hdf5")


# ---- the restricted unpickler ----------------------------------------------------

class _Evil:
    def __reduce__(self):
        return (shutil.rmtree, ("/nonexistent-featbench",))


def test_restricted_unpickler_refuses_other_globals():
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global shutil.rmtree"):
        restricted_loads(pickle.dumps(_Evil()))


def test_restricted_unpickler_reads_arrays_and_containers():
    arr = np.arange(6, dtype=np.uint8).reshape(2, 3)
    out = restricted_loads(pickle.dumps({b"data": arr, b"labels": [1, 2]}, protocol=2))
    np.testing.assert_array_equal(out[b"data"], arr)
    assert out[b"labels"] == [1, 2]


def test_malicious_batch_file_is_a_dataset_error(tmp_path):
    sub = _write_python_layout(tmp_path)
    (sub / "test_batch").write_bytes(pickle.dumps(_Evil()))
    with pytest.raises(DatasetError, match="test_batch: refusing to load global"):
        load_cifar10(tmp_path)
