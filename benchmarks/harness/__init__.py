"""The benchmark harness: split, augment, evaluate, tabulate, plot, and the ``featbench`` CLI.

A run goes :mod:`~benchmarks.harness.runner` (the Python API; learning curves:
:mod:`~benchmarks.harness.curve`, seed sweeps: :mod:`~benchmarks.harness.seeds`;
the steps the three share are :mod:`~benchmarks.harness.workflow`'s, from
the splits to the workers, and :mod:`~benchmarks.harness.jobs`'s, the saved
rows and points, each file read back by
:mod:`~benchmarks.harness.saved` and each folder held by
:mod:`~benchmarks.harness.lock`) ->
:mod:`~benchmarks.harness.split` (fit, validation and test parts, augmented
by :mod:`~benchmarks.harness.augment`) -> :mod:`~benchmarks.harness.evaluate`
(one row: features from :mod:`~benchmarks.harness.cache`, a grid searched by
:mod:`~benchmarks.harness.search`, fit, predict, score with
:mod:`~benchmarks.harness.stats`) -> :mod:`~benchmarks.harness.results`
and :mod:`~benchmarks.harness.plots`, written by :mod:`~benchmarks.harness.atomic`.
Which rows read raw pixels, how each is augmented and whether its features are
cached is asked of :class:`pipelines.PipelineSpec`, never decided here. Where the
rows run, here or as tasks on a dask cluster (``--scheduler``), is decided by
:mod:`~benchmarks.harness.scheduler` alone.

Names are imported on first use, so that the command line starts fast.
"""

from benchmarks._lazy import lazy_exports

_EXPORTS = {
    "run_benchmark": "benchmarks.harness.runner",
    "learning_curve": "benchmarks.harness.curve",
    "seed_sweep": "benchmarks.harness.seeds",
    "Split": "benchmarks.harness.split",
    "make_split": "benchmarks.harness.split",
    "run_pipeline": "benchmarks.harness.evaluate",
    "open_cache": "benchmarks.harness.cache",
    "ResultCache": "benchmarks.harness.cache",
    "RowsFailedError": "benchmarks.harness.scheduler",
}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
