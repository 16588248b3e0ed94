"""The tiled CIFAR-10 generator: what it writes, that the loader reads it, and how it refuses."""

import numpy as np
import pytest

from benchmarks.data import Dataset
from benchmarks.data.cifar10 import load_cifar10
from benchmarks.dev.tiled import _offsets, main, tile_images, write_tiled


def _subset(n_train=23, n_test=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(1, 256, (n_train + n_test, 32, 32, 3), dtype=np.uint8)
    y = np.arange(n_train + n_test) % 10
    names = tuple(f"class{i}" for i in range(10))
    return Dataset(X[:n_train], y[:n_train], X[n_train:], y[n_train:], names)


def test_offsets_start_unshifted_and_grow_ring_by_ring_without_repeats():
    offsets = _offsets(25)
    assert offsets[0] == (0, 0)
    assert len(set(offsets)) == 25
    rings = [max(abs(dy), abs(dx)) for dy, dx in offsets]
    assert rings == sorted(rings) and rings[1:9] == [2] * 8 and rings[9:] == [4] * 16


def test_tile_images_repeats_originals_then_mirrors_then_shifted_copies():
    X = np.random.default_rng(0).integers(1, 256, (4, 6, 6, 3), dtype=np.uint8)
    y = np.array([3, 1, 4, 1])
    Xt, yt = tile_images(X, y, 14)
    assert Xt.shape == (14, 6, 6, 3) and Xt.dtype == np.uint8
    assert yt.tolist() == [3, 1, 4, 1] * 3 + [3, 1]
    np.testing.assert_array_equal(Xt[:4], X)
    np.testing.assert_array_equal(Xt[4:8], X[:, :, ::-1])
    # Copy 2: shifted by (-2, -2), zero fill on the bottom and right.
    np.testing.assert_array_equal(Xt[8:12, :4, :4], X[:, 2:, 2:])
    assert not Xt[8:12, 4:].any() and not Xt[8:12, :, 4:].any()
    # Copy 3 (cut at 14): the mirror images, shifted the same way.
    np.testing.assert_array_equal(Xt[12:14, :4, :4], X[:2, 2:, ::-1][:, :, 2:])


@pytest.mark.parametrize("n", [1, 3])
def test_tile_images_cuts_a_smaller_count(n):
    X = np.arange(5 * 4, dtype=np.uint8).reshape(5, 2, 2, 1)
    Xt, yt = tile_images(X, np.arange(5), n)
    np.testing.assert_array_equal(Xt, X[:n])
    assert yt.tolist() == list(range(n))


def test_tile_images_refuses_mismatched_labels():
    with pytest.raises(ValueError, match="as many labels as images"):
        tile_images(np.zeros((3, 2, 2, 3), np.uint8), np.arange(2), 5)


def test_written_folder_loads_in_the_binary_layout_with_the_tiled_images(tmp_path):
    subset = _subset()
    out = write_tiled(subset, tmp_path / "tiled", 60, 15)
    assert sorted(p.name for p in out.iterdir()) == ["cifar-10-batches-bin"]
    ds = load_cifar10(out)
    X_train, y_train = tile_images(subset.X_train, subset.y_train, 60)
    X_test, y_test = tile_images(subset.X_test, subset.y_test, 15)
    np.testing.assert_array_equal(ds.X_train, X_train)
    np.testing.assert_array_equal(ds.y_train, y_train)
    np.testing.assert_array_equal(ds.X_test, X_test)
    np.testing.assert_array_equal(ds.y_test, y_test)
    assert ds.class_names == subset.class_names
    sizes = [p.stat().st_size // 3073 for p in sorted(out.glob("*/data_batch_*.bin"))]
    assert sizes == [12] * 5


def test_an_existing_folder_is_kept_unless_forced(tmp_path):
    subset = _subset()
    out = write_tiled(subset, tmp_path / "tiled", 10, 5)
    with pytest.raises(FileExistsError, match="already exists; pass --force"):
        write_tiled(subset, out, 20, 5)
    assert len(load_cifar10(out).y_train) == 10
    write_tiled(subset, out, 20, 5, force=True)
    assert len(load_cifar10(out).y_train) == 20
    # Nothing of the temporary or replaced folders is left beside it.
    assert [p.name for p in tmp_path.iterdir()] == ["tiled"]


def test_a_failed_write_leaves_no_folder(tmp_path, monkeypatch):
    import benchmarks.dev.tiled as tiled

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(tiled, "write_cifar10_binary", fail)
    with pytest.raises(OSError, match="disk full"):
        write_tiled(_subset(), tmp_path / "tiled", 10, 5)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("n_train, match", [(4, "--n-train"), (0, "--n-train")])
def test_too_few_training_images_for_five_batches_is_refused(tmp_path, n_train, match):
    with pytest.raises(ValueError, match=match):
        write_tiled(_subset(), tmp_path / "tiled", n_train, 5)


def test_images_other_than_32x32_rgb_are_refused(tmp_path):
    X = np.zeros((6, 8, 8, 3), np.uint8)
    ds = Dataset(X, np.arange(6) % 2, X, np.arange(6) % 2, ("a", "b"))
    with pytest.raises(ValueError, match="32x32 RGB"):
        write_tiled(ds, tmp_path / "tiled", 10, 5)


def test_command_line_writes_then_refuses_to_overwrite(cifar10_dir, tmp_path, capsys):
    out = tmp_path / "t"
    argv = [str(out), "--n-train", "40", "--n-test", "12", "--data", str(cifar10_dir)]
    assert main(argv) == 0
    assert "for timing and memory only" in capsys.readouterr().out
    assert main(argv) == 2
    assert "pass --force" in capsys.readouterr().err
    ds = load_cifar10(out)
    subset = load_cifar10(cifar10_dir)
    np.testing.assert_array_equal(ds.X_train, subset.X_train[:40])
    np.testing.assert_array_equal(ds.X_test, subset.X_test[:12])
