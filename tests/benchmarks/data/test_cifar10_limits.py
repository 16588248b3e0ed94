"""CIFAR-10 files that declare more than they hold are refused before any allocation."""

import _codecs
import pickle
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.data.cifar10 import CIFAR10_CLASSES, load_cifar10, restricted_loads
from benchmarks.data.dataset import DatasetError
from benchmarks.data.cifar10 import UnsafePickleError
from tests.benchmarks.data.test_cifar10 import _write_binary_from_python, _write_python_layout
from tests.conftest import REPO_ROOT

_reconstruct = np._core.multiarray._reconstruct
HUGE = 100 * 2**30 // 3072  # images of a 100 GB batch: refused long before that is allocated


class _Call:
    """Pickles as ``fn(*args)`` (then BUILD with ``state`` if given): what a crafted file does."""

    def __init__(self, fn, args, state=None):
        self.fn, self.args, self.state = fn, args, state

    def __reduce__(self):
        return (self.fn, self.args) if self.state is None else (self.fn, self.args, self.state)


def _replace_batch(tmp_path, name, batch):
    sub = _write_python_layout(tmp_path)
    (sub / name).write_bytes(pickle.dumps(batch, protocol=2))
    return sub


def test_declared_image_count_beyond_the_file_is_refused_before_allocating(tmp_path):
    # Only the allowed globals: _reconstruct(ndarray, shape, dtype) with no data after it.
    data = _Call(_reconstruct, (np.ndarray, (HUGE, 3072), b"B"))
    _replace_batch(tmp_path, "data_batch_1", {b"data": data, b"labels": []})
    with pytest.raises(DatasetError, match=rf"data_batch_1: the pickle asks for an array of "
                                           rf"shape \({HUGE}, 3072\) uint8.*the file holds only "
                                           rf"\d+ bytes.*declared image count is false"):
        load_cifar10(tmp_path)


def test_ndarray_cannot_be_called_to_allocate(tmp_path):
    data = _Call(np.ndarray, ((HUGE, 3072), "B"))
    _replace_batch(tmp_path, "test_batch", {b"data": data, b"labels": []})
    with pytest.raises(DatasetError, match=r"test_batch: refusing to call numpy.ndarray"):
        load_cifar10(tmp_path)


def test_many_arrays_together_may_not_exceed_the_file():
    data = pickle.dumps([_Call(_reconstruct, (np.ndarray, (1000,), b"B")) for _ in range(50)],
                        protocol=2)
    assert len(data) < 2000  # 50 arrays of 1000 bytes from a file of under 2 KB
    with pytest.raises(UnsafePickleError, match=r"bytes of arrays in all, but the file holds"):
        restricted_loads(data)


def test_repeated_byte_strings_may_not_exceed_the_file():
    # A Python 3 protocol-2 pickle makes bytes with _codecs.encode; the memo lets a
    # crafted file encode one long string many times for a few bytes each.
    text = "x" * 10_000
    once = pickle.dumps([_Call(_codecs.encode, (text, "latin1"))], protocol=2)
    assert restricted_loads(once) == [text.encode()]
    data = pickle.dumps([_Call(_codecs.encode, (text, "latin1")) for _ in range(20)], protocol=2)
    assert len(data) < 2 * len(text)
    with pytest.raises(UnsafePickleError, match=r"bytes of byte strings in all"):
        restricted_loads(data)


def test_object_arrays_are_refused(tmp_path):
    labels = np.array([0, 1, 2], dtype=object)
    _replace_batch(tmp_path, "data_batch_2",
                   {b"data": np.zeros((3, 3072), np.uint8), b"labels": labels})
    with pytest.raises(DatasetError, match=r"data_batch_2: refusing an array of dtype object"):
        load_cifar10(tmp_path)


def test_object_array_with_a_short_state_does_not_crash_the_interpreter(tmp_path):
    # numpy fills an object array from a list without checking its length: a crash.
    path = tmp_path / "batch"
    bad = _Call(_reconstruct, (np.ndarray, (0,), b"b"), (1, (3, 3), np.dtype("O"), False, [1]))
    path.write_bytes(pickle.dumps({b"labels": bad}, protocol=2))
    code = ("import pathlib, sys; from benchmarks.data.safe_pickle import restricted_loads\n"
            "try:\n restricted_loads(pathlib.Path(sys.argv[1]).read_bytes())\n"
            "except Exception as exc:\n print(type(exc).__name__, exc); sys.exit(3)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, (done.returncode, done.stderr)
    assert done.stdout.startswith("UnsafePickleError refusing an array of dtype object")


def test_array_state_must_match_its_data():
    bad = _Call(_reconstruct, (np.ndarray, (0,), b"b"),
                (1, (HUGE, 3072), np.dtype("u1"), False, b"short"))
    with pytest.raises(UnsafePickleError, match=r"needs 107,374,[\d,]+ bytes of data; the file "
                                                r"gives 5 bytes"):
        restricted_loads(pickle.dumps(bad, protocol=2))


def test_binary_batch_size_is_checked_before_reading(tmp_path):
    _write_binary_from_python(_write_python_layout(tmp_path), tmp_path)
    path = tmp_path / "cifar-10-batches-bin" / "data_batch_4.bin"
    with open(path, "r+b") as f:
        f.truncate(100 * 2**30 + 1)  # sparse: 100 GB declared, nothing written
    with pytest.raises(DatasetError, match=r"data_batch_4.bin is truncated or corrupt: "
                                           r"107,374,182,401 bytes is not a whole number"):
        load_cifar10(tmp_path, layout="binary")


# ---- meta files ------------------------------------------------------------------

def _write_meta(sub, names):
    meta = {b"label_names": [n.encode() for n in names]}
    (sub / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))


def test_meta_with_more_names_than_labels_is_refused(tmp_path):
    sub = _write_python_layout(tmp_path)
    _write_meta(sub, list(CIFAR10_CLASSES) + [f"extra{i}" for i in range(290)])
    with pytest.raises(DatasetError, match=r"batches.meta does not match the batches: it lists "
                                           r"300 class names but the batches' labels only go "
                                           r"up to 9 \(10 classes\)"):
        load_cifar10(tmp_path)


def test_binary_meta_with_more_names_than_labels_is_refused(tmp_path):
    sub = _write_binary_from_python(_write_python_layout(tmp_path), tmp_path)
    (sub / "batches.meta.txt").write_text("\n".join(list(CIFAR10_CLASSES) + ["x", "y"]) + "\n")
    with pytest.raises(DatasetError, match=r"batches.meta.txt does not match the batches: it "
                                           r"lists 12 class names"):
        load_cifar10(tmp_path, layout="binary")


@pytest.mark.parametrize("names, problem", [
    (list(CIFAR10_CLASSES[:9]) + ["cat"], r"'cat' appear\(s\) more than once"),
    (list(CIFAR10_CLASSES[:9]) + [" "], "name 9 is empty"),
])
def test_meta_names_must_be_distinct_and_not_empty(tmp_path, names, problem):
    _write_meta(_write_python_layout(tmp_path), names)
    with pytest.raises(DatasetError, match=problem):
        load_cifar10(tmp_path)
