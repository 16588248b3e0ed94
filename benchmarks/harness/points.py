"""Sweeps of one pipeline over a setting: the points, saved one by one and resumed.

A point is one pipeline evaluated at one value of a setting: a training-set
size (:mod:`~benchmarks.harness.curve`) or a seed
(:mod:`~benchmarks.harness.seeds`). Each finished point is written at once,
atomically, as ``points/<pipeline>-<tag>.json`` with the split's
configuration, so a sweep that fails or is killed loses at most the point it
was on, and a resumed sweep keeps the points whose configuration matches.
"""

import sys
from typing import NamedTuple

from benchmarks.harness import plots
from benchmarks.harness.atomic import write_json_atomic
from benchmarks.harness.runner import _read_saved, _saved_files

__all__ = ["PointJob", "point_path", "load_points", "run_points", "ROW_FIELDS"]

#: What a point keeps of its result row.
ROW_FIELDS = ("accuracy", "ci_low", "ci_high", "val_accuracy", "fit_images", "fit_time")


class PointJob(NamedTuple):
    """One point to compute: where it is saved, the pipeline, its split and its setting.

    ``fields`` are the setting's columns (``{"train_size": 500}``, ``{"seed": 3}``);
    ``label`` names the point in messages ("bovw/svm at 500 images").
    """

    path: object
    name: str
    split: object
    fields: dict
    label: str


def point_path(out, name, tag):
    """``out/points/<pipeline slug>-<tag>.json``.

    Examples
    --------
    >>> from pathlib import Path
    >>> point_path(Path("lc"), "hog+color/svm", 500).as_posix()
    'lc/points/hog+color-svm-500.json'
    """
    return out / "points" / f"{plots.slug(name)}-{tag}.json"


def load_points(out, jobs, resume, columns, what):
    """The records ``out`` already holds for ``jobs``, by path.

    Parameters
    ----------
    out : Path
    jobs : list of PointJob
    resume : bool
        Without it, saved points are refused (nothing is overwritten).
    columns : sequence of str
        What each record keeps of a saved point.
    what : str
        The points' name in messages ("learning-curve points").

    Raises
    ------
    FileExistsError
        If ``out`` holds points and ``resume`` is False.
    ValueError
        If a saved point was computed with another configuration.
    """
    _saved_files(out, "points", what, resume)
    done = {}
    for job in jobs:
        point = _read_saved(job.path) if job.path.is_file() else None
        if point is None:
            continue
        if point["config"] != job.split.config:
            raise ValueError(
                f"--resume: {job.path} was produced with {point['config']}, not "
                f"{job.split.config}; resume with the same options, or start a new --out "
                f"folder."
            )
        done[job.path] = {k: point.get(k) for k in columns}
    return done


def run_points(where, evaluate, jobs, cache, *, n_jobs, bar, records, failed, saved):
    """Compute ``jobs`` where the scheduler says; save each point as it lands.

    Parameters
    ----------
    where : scheduler
        From :func:`~benchmarks.harness.scheduler.open_scheduler`.
    evaluate : callable
        :func:`~benchmarks.harness.evaluate.run_pipeline` (passed in, so a
        caller's tests can replace it).
    jobs : list of PointJob
    cache : ResultCache
    n_jobs : int or None
    bar : tqdm
        Advanced once per point.
    records : dict
        Path -> record; each finished point is added.
    failed : dict
        Label -> error; each failed point is added (and said on stderr).
    saved : callable
        Called after each point is written (to rewrite the sweep's table).
    """
    by_path = {job.path: job for job in jobs}
    todo = [(job.path, job.name, job.split) for job in jobs]
    for path, row, failure in where.run(evaluate, todo, cache, n_jobs=n_jobs):
        bar.update()
        job = by_path[path]
        if failure is not None:
            failed[job.label] = failure
            print(f"featbench: {job.label} failed: {failure}", file=sys.stderr)
            continue
        record = {"pipeline": job.name, **job.fields, **{k: row[k] for k in ROW_FIELDS}}
        write_json_atomic(path, {**record, "config": job.split.config})
        records[path] = record
        saved()
