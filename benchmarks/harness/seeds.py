"""Python API of the seed sweep: the same pipelines on several seeded splits, side by side.

One run's accuracy moves with its seed (the validation split, the initial
weights, the mini-batches): a gap of a point or two between two rows of one
table may be the seed's. The sweep runs every pipeline with every seed and
tabulates each seed's accuracy, the mean and spread over seeds, and the paired
differences between one pipeline and each other, with a t interval over the
seeds. Its points are saved and resumed as the learning curve's are
(:mod:`~benchmarks.harness.jobs`), and each seed's splits are made only
when that seed runs, so memory does not grow with the number of seeds.
"""

import pandas as pd

import pipelines
from benchmarks.harness import plots
from benchmarks.harness.atomic import write_text_atomic
from benchmarks.harness.cache import open_cache
from benchmarks.harness.evaluate import run_pipeline
from benchmarks.harness.jobs import POINT_KEEP, Job, job_config, job_path, load_saved, run_jobs
from benchmarks.harness.lock import folder_lock
from benchmarks.harness.memory import check_memory
from benchmarks.harness.results import augment_note, markdown_table
from benchmarks.harness.saved import COUNT, POINT_FIELDS
from benchmarks.harness.scheduler import RowsFailedError
from benchmarks.harness.stats import paired_difference
from benchmarks.harness.workflow import check_workers, make_splits, open_jobs, output_folder
from features.checks import check_int

__all__ = ["seed_sweep", "seed_differences"]

_COLUMNS = ["pipeline", "seed", "accuracy", "ci_low", "ci_high", "val_accuracy",
            "fit_images", "fit_time"]


def _check_seeds(seeds):
    """``seeds`` as a list of ints; a duplicate, a bad seed or none at all is an error.

    Examples
    --------
    >>> _check_seeds([3, 0, 1])
    [3, 0, 1]
    >>> _check_seeds([0, 1, 0])
    Traceback (most recent call last):
        ...
    ValueError: --seeds lists seed 0 twice; pass each seed once.
    """
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"--seeds must be a list of seeds (integers >= 0); got {seeds!r}.")
    resolved = []
    for seed in seeds:
        seed = check_int(seed, "--seeds", low=0, high=2**32 - 1)
        if seed in resolved:
            raise ValueError(f"--seeds lists seed {seed} twice; pass each seed once.")
        resolved.append(seed)
    if not resolved:
        raise ValueError("--seeds is empty; pass at least one seed, e.g. --seeds 0 1 2 3 4.")
    return resolved


def _check_against(against, names):
    if against not in names:
        raise ValueError(f"--against {against!r} is not among the pipelines of the sweep "
                         f"({', '.join(names)}); pass one of them.")


def seed_differences(table, against=None, confidence=0.95):
    """Paired differences between ``against`` and every other pipeline, over the seeds.

    Parameters
    ----------
    table : pandas.DataFrame
        Long table with ``pipeline``, ``seed`` and ``accuracy`` columns.
    against : str or None, default=None
        The pipeline compared with the others; None: the highest mean accuracy.
    confidence : float, default=0.95

    Returns
    -------
    pandas.DataFrame
        One line per other pipeline: ``against``, ``pipeline``, and the
        fields of :func:`~benchmarks.harness.stats.paired_difference` of
        ``against`` minus ``pipeline`` over the seeds both have.

    Raises
    ------
    ValueError
        If ``against`` is not a pipeline of ``table``.

    Examples
    --------
    >>> table = pd.DataFrame({"pipeline": ["a", "a", "b", "b"], "seed": [0, 1, 0, 1],
    ...                       "accuracy": [0.70, 0.74, 0.69, 0.71]})
    >>> d = seed_differences(table)
    >>> d["against"].tolist(), d["pipeline"].tolist(), round(float(d["mean"].iloc[0]), 3)
    (['a'], ['b'], 0.02)
    """
    wide = table.pivot(index="seed", columns="pipeline", values="accuracy")
    names = list(dict.fromkeys(table["pipeline"]))
    if against is None:
        against = max(names, key=lambda n: wide[n].mean())
    _check_against(against, names)
    lines = []
    for name in names:
        if name == against:
            continue
        both = wide[[against, name]].dropna()
        if both.empty:
            continue
        lines.append({"against": against, "pipeline": name, **paired_difference(
            both[against], both[name], confidence)})
    return pd.DataFrame(lines, columns=["against", "pipeline", "n", "mean", "sd", "ci_low",
                                        "ci_high", "a_ahead", "b_ahead", "p_value"])


def _points(value):
    return "" if pd.isna(value) else f"{100 * value:+.1f}"


def _p_value(value):
    """A p-value as shown: three decimals, ``<0.001`` below that, blank when undefined.

    Examples
    --------
    >>> _p_value(0.0123), _p_value(2e-6), _p_value(float("nan"))
    ('0.012', '<0.001', '')
    """
    if pd.isna(value):
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _markdown(table, diffs, names, title):
    wide = table.pivot(index="seed", columns="pipeline", values="accuracy").reindex(
        columns=names)
    summary = pd.DataFrame({"mean": wide.mean(), "sd": wide.std(ddof=1), "min": wide.min(),
                            "max": wide.max()}).T
    shown = pd.concat([wide, summary]).reset_index(names="seed")
    md = f"# {title}\n\n" + markdown_table(shown, floatfmt=".3f") + "\n"
    if diffs.empty:
        return md
    against = diffs["against"].iloc[0]
    lines = pd.DataFrame({
        "pipeline": diffs["pipeline"],
        "seeds": diffs["n"],
        f"{against} minus it, points": [_points(v) for v in diffs["mean"]],
        "95% CI, points": [f"{_points(lo)} to {_points(hi)}" if pd.notna(lo) else "n/a"
                           for lo, hi in zip(diffs["ci_low"], diffs["ci_high"])],
        "sd, points": [f"{100 * v:.1f}" if pd.notna(v) else "" for v in diffs["sd"]],
        f"{against} ahead": diffs["a_ahead"],
        "behind": diffs["b_ahead"],
        "p (paired t)": [_p_value(v) for v in diffs["p_value"]],
    })
    return (md + f"\nPaired differences over the seeds, {against} minus each other "
            f"pipeline, in points of accuracy (0.01); the interval is Student's t over the "
            f"seeds (it needs 2 or more).\n\n" + markdown_table(lines) + "\n")


def seed_sweep(dataset, pipeline_names="curve", seeds=(0, 1, 2, 3, 4), *, against=None,
               train_size=None, val_size=0.1, test_size=None, augment="auto", n_jobs=None,
               out=None, cache_dir=None, use_cache=True, resume=False, quiet=False,
               scheduler=None, log=print, test_mirrors=False):
    """Test accuracy of the same pipelines with several seeds, and their paired differences.

    Parameters
    ----------
    dataset : Dataset
    pipeline_names : str or sequence of str
        Names, globs or presets (default: the preset ``"curve"``).
    seeds : sequence of int, default=(0, 1, 2, 3, 4)
        Each seed draws one split (its validation part; the test part too
        where the dataset has no test images of its own) and seeds every
        pipeline, as ``run_benchmark(seed=...)`` does: a seed's row equals
        that run's row.
    against : str or None, default=None
        The pipeline compared with each other one; None: the highest mean.
    resume : bool, default=False
        Keep the points ``out`` already holds (same options only); ``out=None``
        then means the newest seed sweep of this dataset.
    Other parameters are as in :func:`benchmarks.harness.runner.run_benchmark`.

    Returns
    -------
    pandas.DataFrame
        Columns ``pipeline``, ``seed``, ``accuracy``, ``ci_low``, ``ci_high``,
        ``val_accuracy``, ``fit_images``, ``fit_time``; ``attrs["out"]`` is
        the folder with seeds.csv, seeds.md, seeds.png, differences.csv and
        ``points/``; ``attrs["differences"]`` the paired differences
        (:func:`seed_differences`); ``attrs["markdown"]``.

    Raises
    ------
    ValueError
        Unknown pipeline, a bad or duplicate seed, ``against`` not among the
        pipelines, an unknown ``augment``, a bad ``n_jobs``, points of other
        options in ``out``, a bad ``scheduler``; before any extraction.
    FileExistsError
        If ``out`` holds points and ``resume`` is False, or another live
        command holds its lock.
    benchmarks.harness.memory.InsufficientMemoryError
        Before any extraction, if the largest point would need more memory
        than is available.
    benchmarks.harness.scheduler.RowsFailedError
        After every other point was written, if some failed.

    Examples
    --------
    >>> from benchmarks.data.digits import load_digits
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.mkdtemp()
    >>> table = seed_sweep(load_digits(), "pixels/softmax", seeds=[0, 1], train_size=300,
    ...                    out=f"{tmp}/s", cache_dir=f"{tmp}/c", quiet=True)
    >>> table["seed"].tolist(), sorted(p.name for p in (Path(tmp) / "s").iterdir())
    ([0, 1], ['differences.csv', 'points', 'seeds.csv', 'seeds.md', 'seeds.png'])
    """
    names = pipelines.select(pipeline_names)
    seeds = _check_seeds(seeds)
    if against is not None:
        _check_against(against, names)
    n_jobs = check_workers(n_jobs, scheduler)
    out = output_folder(out, dataset.name, "-seeds", resume, holds="points")
    with folder_lock(out):
        return _sweep(dataset, names, seeds, out, against=against, train_size=train_size,
                      val_size=val_size, test_size=test_size, augment=augment, n_jobs=n_jobs,
                      cache_dir=cache_dir, use_cache=use_cache, resume=resume, quiet=quiet,
                      scheduler=scheduler, log=log, test_mirrors=test_mirrors)


def _sweep(dataset, names, seeds, out, *, against, train_size, val_size, test_size, augment,
           n_jobs, cache_dir, use_cache, resume, quiet, scheduler, log, test_mirrors):
    def jobs_of(seed):
        splits, config = make_splits(dataset, names, train_size, val_size, test_size, seed,
                                     augment, test_mirrors=test_mirrors)
        return [Job(job_path(out, "points", name, f"seed{seed}"), name, splits[name],
                    job_config(splits[name].config, name, search=False), {"seed": seed},
                    POINT_KEEP,
                    f"{name} with seed {seed}") for name in names], config

    # Every seed's splits once before any work, to check the saved points and the
    # memory; then again, one seed at a time, as each runs.
    done, config = {}, None
    for seed in seeds:
        jobs, seed_config = jobs_of(seed)
        config = config or seed_config
        done.update(load_saved(out, "points", jobs, resume, "seed-sweep points",
                               dict(POINT_FIELDS, seed=COUNT)))
        check_memory([(job.name, job.split) for job in jobs if job.path not in done])
    del jobs
    total = len(seeds) * len(names)
    if done and not quiet:
        log(f"resuming {out}: {len(done)} of {total} points already done")
    cache = open_cache(cache_dir, use_cache)
    paths = [job_path(out, "points", name, f"seed{seed}") for seed in seeds for name in names]
    records, failed = dict(done), {}

    def so_far():  # the points computed so far, seed by seed
        return pd.DataFrame([records[p] for p in paths if p in records], columns=_COLUMNS)

    with open_jobs(scheduler, total, len(done), "seeds", quiet, log) as (where, bar):
        for seed in seeds:
            if all(job_path(out, "points", name, f"seed{seed}") in done for name in names):
                continue
            jobs, _ = jobs_of(seed)
            run_jobs(where, run_pipeline, [j for j in jobs if j.path not in done], cache,
                     n_jobs=n_jobs, bar=bar, records=records, failed=failed,
                     saved=lambda: write_text_atomic(out / "seeds.csv",
                                                     so_far().to_csv(index=False)))
            del jobs
    if not records:
        raise RowsFailedError(failed, out, total, what="seed-sweep points")
    table = so_far()
    diffs = seed_differences(table, against)
    shown = ", ".join(str(s) for s in seeds)
    title = (f"Across seeds: {dataset.name} (seeds {shown}; train {config['train_size']}, "
             f"validation {config['val_size']}, test {config['test_size']} images"
             f"{augment_note(config)})")
    md = _markdown(table, diffs, names, title)
    write_text_atomic(out / "seeds.csv", table.to_csv(index=False))
    write_text_atomic(out / "differences.csv", diffs.to_csv(index=False))
    write_text_atomic(out / "seeds.md", md)
    plots.seeds_plot(table, out / "seeds.png")
    if not quiet:
        log(md)
        log(f"seed sweep written to {out}/")
    table.attrs.update(out=str(out), markdown=md, differences=diffs)
    if failed:
        raise RowsFailedError(failed, out, total, what="seed-sweep points", frame=table)
    return table
