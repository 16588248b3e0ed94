"""Python API of the learning curve: test accuracy against the number of training images.

Each finished point (one pipeline at one size) is written at once, atomically,
as ``points/<pipeline>-<size>.json``, and ``learning-curve.csv`` is rewritten
with every point so far: a run that fails or is killed loses at most the point
it was on, and ``resume=True`` carries on from the points it finds.
"""

from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

import pipelines
from benchmarks.harness import plots
from benchmarks.harness.atomic import check_writable, write_json_atomic, write_text_atomic
from benchmarks.harness.cache import open_cache
from benchmarks.harness.evaluate import run_pipeline
from benchmarks.harness.memory import check_memory
from benchmarks.harness.results import augment_note, markdown_table
from benchmarks.harness.runner import (_check_n_jobs, _latest_out, _make_splits, _read_saved,
                                       _saved_files, default_out)
from features.checks import check_int

__all__ = ["learning_curve"]

_COLUMNS = ["pipeline", "train_size", "accuracy", "ci_low", "ci_high", "fit_images",
            "fit_time"]


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


def _point_path(out, name, train_size):
    return out / "points" / f"{plots.slug(name)}-{train_size}.json"


def _load_points(out, jobs, resume):
    """Points already in ``out`` for ``jobs``; refuse other options or overwriting."""
    _saved_files(out, "points", "learning-curve points", resume)
    done = {}
    for split, name in jobs:
        path = _point_path(out, name, split.config["train_size"])
        point = _read_saved(path) if path.is_file() else None
        if point is None:
            continue
        if point["config"] != split.config:
            raise ValueError(
                f"--resume: {path} was produced with {point['config']}, not "
                f"{split.config}; resume with the same options, or start a new --out folder."
            )
        done[path] = {k: point.get(k) for k in _COLUMNS}
    return done


def learning_curve(dataset,
                   pipeline_names=("hog+color/svm", "bovw/svm", "pixels/mlp", "pixels/cnn"),
                   sizes=(250, 500, 1000, 2500, None), *, val_size=0.1, test_size=None,
                   seed=0, augment="auto", n_jobs=None, out=None, cache_dir=None,
                   use_cache=True, resume=False, quiet=False, log=print):
    """Test accuracy against training-set size, to see where the two sides cross.

    Parameters
    ----------
    dataset : Dataset
    pipeline_names : str or sequence of str
        Names, globs or presets.
    sizes : sequence of int or None
        Training images (fit + validation) per point; ``None`` means all.
        Sizes larger than the training set, and a size given twice (a number
        equal to the whole training set counts as ``None``), are errors.
    resume : bool, default=False
        Keep the points ``out`` already holds (same options only) and compute
        the others; ``out=None`` then means the newest learning curve of this
        dataset under ``featbench-results/``.
    Other parameters are as in :func:`benchmarks.harness.runner.run_benchmark`;
    ``train_size`` counts original images (with ``augment="hflip"`` the fit
    part is twice as large).

    Returns
    -------
    pandas.DataFrame
        Columns ``pipeline``, ``train_size``, ``accuracy``, ``ci_low``, ``ci_high``,
        ``fit_images`` (``train_size`` less validation, times the augmentation),
        ``fit_time``; ``attrs["out"]`` is the folder with learning-curve.csv,
        .md and .png, and ``points/``.

    Raises
    ------
    ValueError
        Unknown pipeline, a bad or duplicate size, an unknown ``augment``, a
        bad ``n_jobs``, points of other options in ``out``; before any extraction.
    FileExistsError
        If ``out`` holds points and ``resume`` is False.
    benchmarks.harness.memory.InsufficientMemoryError
        Before any extraction, if the largest point would need more memory
        than is available.
    """
    names = pipelines.select(list(pipeline_names) if not isinstance(pipeline_names, str)
                             else pipeline_names)
    _check_n_jobs(n_jobs)
    n = len(dataset.y_train)
    sizes = _check_sizes(sizes, n)
    runs = [_make_splits(dataset, names, s, val_size, test_size, seed, augment,
                         train_option="--sizes") for s in sizes]
    if out is None:
        out = (_latest_out(dataset.name, kind="-curve", holds="points") if resume
               else default_out(dataset.name, kind="-curve"))
    out = Path(out)
    check_writable(out)
    jobs = [(splits[name], name) for splits, _ in runs for name in names]
    done = _load_points(out, jobs, resume)
    check_memory([(name, split) for split, name in jobs
                  if _point_path(out, name, split.config["train_size"]) not in done],
                 train_option="--sizes")
    if done and not quiet:
        log(f"resuming {out}: {len(done)} of {len(jobs)} points already done")
    cache = open_cache(cache_dir, use_cache)
    records = []
    for split, name in tqdm(jobs, desc="learning curve", disable=quiet):
        path = _point_path(out, name, split.config["train_size"])
        if path in done:
            records.append(done[path])
            continue
        row = run_pipeline(name, split, cache, n_jobs=n_jobs)
        record = {"pipeline": name, "train_size": split.config["train_size"],
                  **{k: row[k] for k in _COLUMNS[2:]}}
        write_json_atomic(path, {**record, "config": split.config})
        records.append(record)
        write_text_atomic(out / "learning-curve.csv",
                          pd.DataFrame(records, columns=_COLUMNS).to_csv(index=False))
    table = pd.DataFrame(records, columns=_COLUMNS)
    wide = table.pivot(index="train_size", columns="pipeline", values="accuracy")[names]
    config = runs[0][1]
    md = (f"# Learning curve: {dataset.name} (test {config['test_size']} images, "
          f"seed {seed}, of {n} training images{augment_note(config)})\n\n"
          + markdown_table(wide.reset_index(), floatfmt=".3f") + "\n")
    write_text_atomic(out / "learning-curve.csv", table.to_csv(index=False))
    write_text_atomic(out / "learning-curve.md", md)
    plots.learning_curve_plot(table, out / "learning-curve.png")
    if not quiet:
        log(md)
        log(f"learning curve written to {out}/")
    table.attrs.update(out=str(out), markdown=md)
    return table
