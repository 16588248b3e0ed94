"""Datasets: CIFAR-10 in either official layout, the embedded digits, your own image folders.

Every loader returns a :class:`Dataset` of uint8 images and integer labels;
:func:`download_cifar10` is the only code that touches the network.

>>> from benchmarks.data import load_digits
>>> load_digits().X_train.shape[1:]
(8, 8)
"""

from benchmarks._lazy import lazy_exports

_EXPORTS = {
    "load_dataset": "benchmarks.data.by_name",
    **dict.fromkeys(["load_cifar10", "find_cifar10", "RestrictedUnpickler", "UnsafePickleError",
                     "restricted_loads", "CIFAR10_CLASSES"], "benchmarks.data.cifar10"),
    "Dataset": "benchmarks.data.dataset",
    **dict.fromkeys(["DatasetError", "DownloadError", "UnsafeArchiveError"],
                    "benchmarks.data.dataset"),
    "load_digits": "benchmarks.data.digits",
    **dict.fromkeys(["download_cifar10"],
                    "benchmarks.data.download"),
    "load_image_folder": "benchmarks.data.image_folder",
    "cache_dir": "benchmarks.data.paths",
}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
