"""Datasets, the command-line interface and the benchmark harness.

Public names are imported on first use, so that ``featbench --version`` and
``featbench download`` do not pay for scikit-learn and matplotlib.

>>> from benchmarks import load_digits, run_benchmark   # doctest: +SKIP
"""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Dataset": "benchmarks.dataset",
    "DatasetError": "benchmarks.dataset",
    "validation_split": "benchmarks.dataset",
    "stratified_subset": "benchmarks.dataset",
    "load_cifar10": "benchmarks.datasets",
    "load_digits": "benchmarks.datasets",
    "find_cifar10": "benchmarks.datasets",
    "load_image_folder": "benchmarks.image_folder",
    "download_cifar10": "benchmarks.download",
    "DownloadError": "benchmarks.download",
    "run_benchmark": "benchmarks.runner",
    "learning_curve": "benchmarks.runner",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'benchmarks' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
