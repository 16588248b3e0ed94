"""Python API of the learning curve: test accuracy against the number of training images.

Each finished point (one pipeline at one size) is written at once, atomically,
as ``points/<pipeline>-<size>.json``, and ``learning-curve.csv`` is rewritten
with every point so far: a run that fails or is killed loses at most the point
it was on, and ``resume=True`` carries on from the points it finds. With a
``scheduler`` the points are tasks on a dask cluster, as the rows of
:func:`~benchmarks.harness.runner.run_benchmark` are.
"""

import json

import pandas as pd

import pipelines
from benchmarks.harness import plots
from benchmarks.harness.atomic import write_text_atomic
from benchmarks.harness.cache import open_cache
from benchmarks.harness.crossing import crossing_markdown
from benchmarks.harness.evaluate import run_pipeline
from benchmarks.harness.jobs import POINT_KEEP, Job, job_config, job_path, load_saved, run_jobs
from benchmarks.harness.lock import folder_lock
from benchmarks.harness.memory import check_memory
from benchmarks.harness.results import augment_note, markdown_table
from benchmarks.harness.saved import COUNT, POINT_FIELDS, ROW_FIELDS
from benchmarks.harness.scheduler import RowsFailedError
from benchmarks.harness.workflow import (check_searches, check_workers, make_splits, open_jobs,
                                         output_folder)
from features.checks import check_int

__all__ = ["learning_curve"]

_COLUMNS = ["pipeline", "train_size", "accuracy", "ci_low", "ci_high", "fit_images",
            "fit_time", "tuned", "best_params"]


def _check_sizes(sizes, n):
    """``sizes`` with ``None`` read as ``n``; a duplicate or a bad size is an error.

    Examples
    --------
    >>> _check_sizes([100, None], 500)
    [100, 500]
    >>> _check_sizes([500, None], 500)
    Traceback (most recent call last):
        ...
    ValueError: --sizes lists 500 training images twice ('500' and 'all'); pass each size once.
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"--sizes must be a list of sizes (numbers or None for all); "
                        f"got {sizes!r}.")
    resolved, given = [], {}
    for size in sizes:
        shown = "all" if size is None else str(size)
        value = n if size is None else check_int(
            size, "--sizes", low=1, high=n, fix=f"Pass sizes of at most {n}, or 'all'.")
        if value in given:
            raise ValueError(f"--sizes lists {value} training images twice ({given[value]!r} "
                             f"and {shown!r}); pass each size once.")
        given[value] = shown
        resolved.append(value)
    if not resolved:
        raise ValueError("--sizes is empty; pass at least one size.")
    return resolved


def _params(value):
    """Chosen settings as ``alpha=0.001``; ``fixed`` for a row that was not tuned."""
    if not isinstance(value, dict) or not value:
        return "fixed"
    return ", ".join(f"{k.rpartition('__')[2]}={v:g}" if isinstance(v, float)
                     else f"{k.rpartition('__')[2]}={v}" for k, v in sorted(value.items()))


def _settings_markdown(table, names):
    """The settings each size's validation split chose, one column per pipeline."""
    shown = table.assign(settings=[_params(p) if t else "fixed"
                                   for p, t in zip(table["best_params"], table["tuned"])])
    wide = shown.pivot(index="train_size", columns="pipeline",
                       values="settings").reindex(columns=names)
    return ("Settings chosen on each size's validation split (fixed: the row keeps its "
            "settings):\n\n" + markdown_table(wide.reset_index()) + "\n")


def _crossing(records, jobs, names, y_test):
    """The leaders' table and where the ConvNet overtakes each classic row, as markdown.

    Only the sizes at which every row has its point count: elsewhere a leader
    could be a row that won only because another's point is missing.
    """
    points = pd.DataFrame([records[j.path] for j in jobs if j.path in records],
                          columns=_COLUMNS + ["predictions"])
    rows_at = points.groupby("train_size")["pipeline"].nunique()
    points = points[points["train_size"].isin(rows_at.index[rows_at == len(names)])]
    specs = {name: pipelines.get_spec(name) for name in names}
    convnets = [name for name in names if specs[name].reads_images]
    classic = [name for name in names if not specs[name].learned]
    md = crossing_markdown(points, y_test, convnets[0] if convnets else None, classic)
    return "\n" + md if md else ""


def _csv(table):
    """``table`` as CSV, the chosen settings as JSON."""
    return table.assign(best_params=[json.dumps(p, sort_keys=True) if isinstance(p, dict)
                                     else "" for p in table["best_params"]]).to_csv(index=False)


def learning_curve(dataset,
                   pipeline_names="curve",
                   sizes=(250, 500, 1000, 2500, None), *, val_size=0.1, test_size=None,
                   seed=0, augment="auto", search=True, n_jobs=None, out=None, cache_dir=None,
                   use_cache=True, resume=False, report=False, quiet=False, scheduler=None,
                   log=print, test_mirrors=False):
    """Test accuracy against training-set size, to see where the two sides cross.

    Parameters
    ----------
    dataset : Dataset
    pipeline_names : str or sequence of str
        Names, globs or presets (default: the preset ``"curve"``).
    sizes : sequence of int or None
        Training images (fit + validation) per point; ``None`` means all.
        Sizes larger than the training set, and a size given twice (a number
        equal to the whole training set counts as ``None``), are errors.
    search : bool, default=True
        Tune each point's small grid of classifier settings
        (:func:`pipelines.search_space`) on the validation split of its own
        size: the features are computed once per size and only the
        classifier is fitted again. Rows that are not
        :attr:`~pipelines.PipelineSpec.tuned` (the ConvNets) keep their
        settings. The chosen settings are in each point's ``best_params``
        and in the second table of ``learning-curve.md``.
    resume : bool, default=False
        Keep the points ``out`` already holds (same options only) and compute
        the others; ``out=None`` then means the newest learning curve of this
        dataset under ``featbench-results/``.
    report : bool, default=False
        Compute nothing: write learning-curve.csv, .md and .png from the points
        ``out`` holds (as ``resume`` reads them), and list the missing ones in
        learning-curve.md, for a curve that spans sittings.
    scheduler : str or None, default=None
        Where the points run: here, or as tasks on a dask cluster
        (``"local:N"`` or a scheduler's address); see
        :func:`~benchmarks.harness.runner.run_benchmark`.
    Other parameters are as in :func:`benchmarks.harness.runner.run_benchmark`;
    ``train_size`` counts original images (with ``augment="hflip"`` the fit
    part is twice as large).

    Returns
    -------
    pandas.DataFrame
        Columns ``pipeline``, ``train_size``, ``accuracy``, ``ci_low``, ``ci_high``,
        ``fit_images`` (``train_size`` less validation, times the augmentation),
        ``fit_time``; ``attrs["out"]`` is the folder with learning-curve.csv,
        .md and .png, and ``points/`` (each point with its test predictions).
        learning-curve.md also gives the leader at each size against the
        runner-up (margin and McNemar's test on the same test images) and the
        size from which the ConvNet stays ahead of each classic row
        (:mod:`benchmarks.harness.crossing`), both over the sizes at which
        every row has its point.

    Raises
    ------
    ValueError
        Unknown pipeline, a bad or duplicate size, an unknown ``augment``, a
        bad ``n_jobs``, points of other options in ``out``, a bad ``scheduler``,
        a search grid setting a row cannot fit at some size (a kNN's
        ``n_neighbors`` above its fit images); before any extraction.
    FileExistsError
        If ``out`` holds points and ``resume`` is False, or another live
        command holds its lock.
    benchmarks.harness.memory.InsufficientMemoryError
        Before any extraction, if the largest point would need more memory
        than is available.
    benchmarks.harness.scheduler.RowsFailedError
        On a cluster, after every other point was written, if some failed.
    """
    if report and not resume:
        raise ValueError("--report reads the points of an earlier learning curve; pass it "
                         "with --resume (and that curve's --out).")
    names = pipelines.select(pipeline_names)
    n_jobs = check_workers(n_jobs, scheduler)
    n = len(dataset.y_train)
    sizes = _check_sizes(sizes, n)
    runs = [make_splits(dataset, names, s, val_size, test_size, seed, augment,
                        train_option="--sizes", test_mirrors=test_mirrors) for s in sizes]
    if search:
        for splits, _ in runs:
            check_searches(splits, "--sizes", "pass --no-search")
    out = output_folder(out, dataset.name, "-curve", resume, holds="points")
    with folder_lock(out):
        return _curve(dataset, names, runs, out, seed=seed, search=bool(search), n_jobs=n_jobs,
                      cache_dir=cache_dir,
                      use_cache=use_cache, resume=resume, report=report, quiet=quiet,
                      scheduler=scheduler, log=log)


def _curve(dataset, names, runs, out, *, seed, search, n_jobs, cache_dir, use_cache, resume,
           report, quiet, scheduler, log):
    jobs = []
    for splits, _ in runs:
        for name in names:
            split = splits[name]
            size = split.info.train_size
            jobs.append(Job(job_path(out, "points", name, size), name, split,
                            job_config({**split.config, "search": search}, name, search),
                            {"train_size": size},
                            POINT_KEEP + ("tuned", "best_params", "predictions"),
                            f"{name} at {size} images"))
    # The test predictions too: the leaders' table compares two points image by image.
    done = load_saved(out, "points", jobs, resume, "learning-curve points",
                      dict(POINT_FIELDS, train_size=COUNT, predictions=ROW_FIELDS["predictions"]))
    missing = [job for job in jobs if job.path not in done]
    if report and not done:
        raise ValueError(f"--report: {out} holds none of these learning-curve points; check "
                         f"--out and the options of the curve.")
    if not report:
        check_memory([(job.name, job.split) for job in missing], train_option="--sizes",
                     search=search)
    if done and not quiet:
        log(f"{'reporting' if report else 'resuming'} {out}: {len(done)} of {len(jobs)} "
            f"points already done")
    records, failed = dict(done), {}

    def so_far():  # the points computed so far, in the order of the jobs
        return pd.DataFrame([records[j.path] for j in jobs if j.path in records],
                            columns=_COLUMNS)

    if not report:
        with open_jobs(scheduler, len(jobs), len(done), "learning curve", quiet,
                       log) as (where, bar):
            run_jobs(where, run_pipeline, missing, open_cache(cache_dir, use_cache),
                     search=search, n_jobs=n_jobs, bar=bar, records=records, failed=failed,
                     saved=lambda: write_text_atomic(out / "learning-curve.csv",
                                                     _csv(so_far())))
    if not records:
        raise RowsFailedError(failed, out, len(jobs), what="learning-curve points")
    table = so_far()
    # A pipeline whose every point failed is a column of blanks.
    wide = table.pivot(index="train_size", columns="pipeline",
                       values="accuracy").reindex(columns=names)
    config = runs[0][1]
    md = (f"# Learning curve: {dataset.name} (test {config['test_size']} images, "
          f"seed {seed}, of {len(dataset.y_train)} training images{augment_note(config)})\n\n"
          + markdown_table(wide.reset_index(), floatfmt=".3f") + "\n")
    if search:
        md += "\n" + _settings_markdown(table, names)
    md += _crossing(records, jobs, names, runs[0][0][names[0]].y_test)
    if report and missing:
        md += ("\nPoints not computed yet (`--resume` computes them): "
               + ", ".join(job.label for job in missing) + ".\n")
    write_text_atomic(out / "learning-curve.csv", _csv(table))
    write_text_atomic(out / "learning-curve.md", md)
    plots.learning_curve_plot(table, out / "learning-curve.png")
    if not quiet:
        log(md)
        log(f"learning curve written to {out}/")
    table.attrs.update(out=str(out), markdown=md)
    if failed:
        raise RowsFailedError(failed, out, len(jobs), what="learning-curve points",
                              frame=table)
    return table
