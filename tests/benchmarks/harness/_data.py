"""Tiny seeded splits and datasets for the harness tests (no real data needed)."""

import numpy as np

from benchmarks.data.dataset import Dataset
from benchmarks.harness.split import Split


def tiny_split(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (30, 16, 16, 3), dtype=np.uint8)
    y = np.arange(30) % 3
    return Split(X[:20], y[:20], X[20:25], y[20:25], X[25:], y[25:], ("a", "b", "c"))


def tiny_dataset(name="cifar10", n_train=60, n_test=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (n_train + n_test, 8, 8, 3), dtype=np.uint8)
    y = np.arange(n_train + n_test) % 3
    return Dataset(X[:n_train], y[:n_train], X[n_train:], y[n_train:], ("a", "b", "c"),
                   name=name, source="synthetic")


def color_dataset(n_train=90, n_test=30):
    """16x16 color images of three classes, named "tiny"."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (n_train + n_test, 16, 16, 3), dtype=np.uint8)
    y = np.arange(n_train + n_test) % 3
    return Dataset(X[:n_train], y[:n_train], X[n_train:], y[n_train:], ("a", "b", "c"),
                   name="tiny", source="synthetic")
