"""featbench's data and harness: ``benchmarks.data`` (datasets), ``benchmarks.harness``
(split, evaluate, tabulate, the ``featbench`` command line); ``benchmarks.dev`` holds the
developer benchmarks, which run from a checkout and are not installed.

Public names are imported on first use, so that ``featbench --version`` and
``featbench download`` do not pay for scikit-learn and matplotlib.

>>> from benchmarks import load_digits, run_benchmark   # doctest: +SKIP
"""

from benchmarks._lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "Dataset": "benchmarks.data.dataset",
    "DatasetError": "benchmarks.data.dataset",
    "validation_split": "benchmarks.harness.split",
    "stratified_subset": "benchmarks.harness.split",
    "load_cifar10": "benchmarks.data.cifar10",
    "load_digits": "benchmarks.data.digits",
    "find_cifar10": "benchmarks.data.cifar10",
    "load_image_folder": "benchmarks.data.image_folder",
    "download_cifar10": "benchmarks.data.download",
    "DownloadError": "benchmarks.data.download",
    "run_benchmark": "benchmarks.harness.runner",
    "learning_curve": "benchmarks.harness.curve",
}

__all__ = ["__version__", *_EXPORTS]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
