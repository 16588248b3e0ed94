"""Python API of the benchmark: ``run_benchmark`` returns a DataFrame.

Each finished pipeline is written at once (``rows/<name>.json`` and the three
results files, every one atomically), so a run that is killed loses at most
the pipeline it was on, and ``resume=True`` carries on where it stopped.
With ``scheduler`` (:mod:`~benchmarks.harness.scheduler`) the rows are tasks
on a dask cluster, written here as they complete; a row whose worker died is
reported, the others land, and ``resume=True`` computes only what is missing.
"""


import pipelines
from benchmarks.harness import plots
from benchmarks.harness.cache import open_cache
from benchmarks.harness.evaluate import run_pipeline
from benchmarks.harness.jobs import Job, job_config, job_path, load_saved, run_jobs
from benchmarks.harness.lock import folder_lock
from benchmarks.harness.memory import check_memory
from benchmarks.harness.results import augment_note, write_results
from benchmarks.harness.saved import ROW_FIELDS
from benchmarks.harness.scheduler import RowsFailedError
from benchmarks.harness.workflow import (check_searches, check_workers, make_splits, open_jobs,
                                         output_folder)

__all__ = ["run_benchmark"]


def run_benchmark(dataset, pipeline_names="default", *, train_size=None, val_size=0.1,
                  test_size=None, seed=0, augment="auto", search=False, n_jobs=None,
                  out=None, cache_dir=None, use_cache=True, resume=False, quiet=False,
                  make_plots=True, scheduler=None, log=print, test_mirrors=False):
    """Run named pipelines on one seeded split and tabulate them.

    Parameters
    ----------
    dataset : Dataset
        Images and labels (``benchmarks.data.cifar10.load_cifar10()`` and friends).
    pipeline_names : str or list of str, default="default"
        Names, globs or presets (see ``pipelines.PRESETS``).
    train_size, test_size : int or None, default=None
        Training (fit + validation) and test images used; ``None``: all.
    val_size : float or int, default=0.1
        Validation part carved out of the training images.
    seed : int, default=0
        Seed of the splits and of every pipeline.
    augment : {"auto", "none", "hflip", "shift", "hflip+shift"} or None, default="auto"
        Training-set augmentation (never of validation or test images). The
        rows that learn from raw pixels (ours and ``ref:pixels/*``, kNN
        aside) draw it per mini-batch: ``"hflip"`` a random mirror of each
        image, ``"shift"`` a random move of up to 1/16 of the image size,
        ``"hflip+shift"`` both; they train on the fit images alone. The
        feature rows and kNN get mirror copies (twice the fit images) from
        ``"hflip"`` and ``"hflip+shift"``, and no shifts. ``"auto"``, on
        color images (photos such as CIFAR-10): mirror copies for the feature
        rows, mirrors and shifts per batch for the raw-pixel learners, whose
        input has none of the features' tolerance of small moves, nothing
        for kNN; on gray images (the digits, whose mirrors are other shapes)
        nothing. Each row's spec says what "auto" gives it
        (:attr:`pipelines.PipelineSpec.auto_augment`, chosen as in
        docs/decisions.md#augment-hflip); see
        :func:`benchmarks.harness.split.make_split`. Each row's ``augment``
        and ``fit_images`` say what it trained on.
    test_mirrors : bool, default=False
        Score each validation and test image with its mirror image too: the
        class of the largest sum of the two images' scores (probabilities,
        else decision values) is predicted. Only rows trained on mirrors
        (copies or draws) do; each such row's ``augment`` ends in
        ``", test mirrors"``. Off by default, so the default tables score
        each image once.
    search : bool, default=False
        Tune each pipeline's small grid on the validation split.
    n_jobs : int or None, default=None
        Cores of each row: its feature extractors' threads (or processes), its
        classifier's threads where it takes ``n_jobs``, the search's workers;
        -1: every core. None computes as 1 where the rows run here (the
        networks in their fixed shards: the numbers of any ``n_jobs``), and as
        each worker's threads on a cluster
        (:func:`~benchmarks.harness.scheduler.cap_n_jobs`).
    out : str or Path or None, default=None
        Output folder; ``None``: a new ``featbench-results/<dataset>-<timestamp>``
        (with ``resume``: the newest one of this dataset).
    cache_dir : str or Path or None, default=None
        Feature cache; ``None``: ``~/.cache/featbench/features``.
    use_cache : bool, default=True
        ``False`` computes every feature afresh and stores nothing.
    resume : bool, default=False
        Skip the pipelines ``out`` already holds (same configuration only); a
        damaged row file is said in one line and its pipeline computed again.
    quiet : bool, default=False
        No progress bars and no printed table.
    make_plots : bool, default=True
        Write the PNG plots.
    scheduler : str or None, default=None
        Where the rows run: None, here one after another (with ``n_jobs`` 2 or
        more, the rows that use one core first, side by side in worker
        processes: :mod:`~benchmarks.harness.side_by_side`); ``"local:N"``, a
        dask LocalCluster of N worker processes; else a dask scheduler's
        address (see :mod:`benchmarks.harness.scheduler`; needs
        ``pip install 'featbench[dask]'``). The table is the same, row for
        row, wherever the rows ran.
    log : callable, default=print
        Receives the printed table and notices.

    Returns
    -------
    pandas.DataFrame
        One row per pipeline (see ``benchmarks.harness.results.rows_to_frame``), with
        ``attrs["out"]``, ``attrs["comparison"]`` and ``attrs["markdown"]``.

    Raises
    ------
    ValueError
        Unknown pipeline, a size larger than the data, an unknown ``augment``,
        ``n_jobs`` neither -1 nor positive, a configuration that differs from
        the run being resumed, a bad ``scheduler`` or one without dask
        installed, a ``search`` grid setting a row cannot fit (a kNN's
        ``n_neighbors`` above its fit images); all before any extraction.
    PermissionError
        If ``out`` cannot be written.
    FileExistsError
        If ``out`` holds results and ``resume`` is False, or another live
        command holds its lock (:class:`benchmarks.harness.lock.FolderLockedError`).
    benchmarks.harness.memory.InsufficientMemoryError
        Before any extraction, if the largest row would need more memory than
        is available (:func:`benchmarks.harness.memory.check_memory`).
    OSError
        If no dask scheduler answers at the ``scheduler`` address.
    benchmarks.harness.scheduler.RowsFailedError
        On a cluster, after every other row was written, if some rows
        failed; it names them and why, and holds the table of the others
        (``frame``).
    """
    names = pipelines.select(pipeline_names)
    n_jobs = check_workers(n_jobs, scheduler)
    splits, config = make_splits(dataset, names, train_size, val_size, test_size, seed, augment,
                                 test_mirrors=test_mirrors)
    if search:
        check_searches(splits)
    config["search"] = bool(search)
    out = output_folder(out, dataset.name, resume=resume)
    with folder_lock(out):
        return _run(dataset, names, splits, config, out, search=search, n_jobs=n_jobs,
                    cache_dir=cache_dir, use_cache=use_cache, resume=resume, quiet=quiet,
                    make_plots=make_plots, scheduler=scheduler, log=log)


def _run(dataset, names, splits, config, out, *, search, n_jobs, cache_dir, use_cache, resume,
         quiet, make_plots, scheduler, log):
    jobs = [Job(job_path(out, "rows", name), name, splits[name], job_config(config, name, search))
            for name in names]
    saved = load_saved(out, "rows", jobs, resume, "results", ROW_FIELDS)
    done = {doc["pipeline"]: doc for doc in saved.values()}
    check_memory([(job.name, job.split) for job in jobs if job.name not in done],
                 search=search)
    cache = open_cache(cache_dir, use_cache)
    if not quiet:
        log(f"{len(names)} pipelines on {dataset.name}: train {config['train_size']} "
            f"(validation {config['val_size']}), test {config['test_size']}"
            f"{augment_note(config)}")
    if done and not quiet:
        log(f"resuming {out}: {len(done)} of {len(names)} pipelines already done")
    records, failed = dict(saved), {}
    y_test = splits[names[0]].y_test  # every split has the same test part

    def rows():  # the rows so far, in the order of the pipelines
        return [records[job.path] for job in jobs if job.path in records]

    with open_jobs(scheduler, len(names), len(done), "pipelines", quiet, log,
                   unit="pipeline") as (where, bar):
        run_jobs(where, run_pipeline, [job for job in jobs if job.name not in done], cache,
                 bar=bar, records=records, failed=failed, search=search, n_jobs=n_jobs,
                 saved=lambda: write_results(out, rows(), config, y_test))
    if not records:
        raise RowsFailedError(failed, out, len(names))
    frame, comparison, markdown = write_results(out, rows(), config, y_test)
    if make_plots:
        plots.run_plots(out, rows(), frame, splits[names[0]])
    if not quiet:
        log(markdown)
        log(f"results written to {out}/")
    frame.attrs.update(out=str(out), comparison=comparison, markdown=markdown)
    if failed:
        raise RowsFailedError(failed, out, len(names), frame=frame)
    return frame
