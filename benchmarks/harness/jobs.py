"""The jobs of a command: what each saves, where, and what ``--resume`` reads back.

A command (``run``, ``learning-curve``, ``seeds``) makes one :class:`Job` per row
or point, with the configuration :func:`job_config` records; :func:`load_saved`
reads what an earlier run saved for them and refuses work done with other
settings, naming the parameters that differ; :func:`run_jobs` computes the
others where the scheduler says and saves each one atomically as it lands
(``rows/<pipeline>.json`` or ``points/<pipeline>-<tag>.json``), with its
configuration and its pipeline's parameters, so a command that fails or is
killed loses at most the job it was on.
"""

import sys
from pathlib import Path
from typing import NamedTuple

import pipelines
from benchmarks.harness.atomic import write_json_atomic
from benchmarks.harness.fingerprint import pipeline_params, settings_changes, settings_digest
from benchmarks.harness.plots import slug
from benchmarks.harness.saved import equal_to, read_saved

__all__ = ["job_config", "POINT_KEEP", "Job", "job_path", "load_saved", "run_jobs"]


def job_config(config, name, search):
    """What ``name``'s saved row or point carries and ``--resume`` compares.

    ``config``, with the digest of the row's parameters (:func:`settings_digest`)
    and, for a row a search tunes, its grid (:func:`pipelines.search_space`).

    Examples
    --------
    >>> job_config({"seed": 0}, "hog/svm", search=True)["grid"], sorted(job_config(
    ...     {"seed": 0}, "pixels/cnn", search=True))  # pixels/cnn is not tuned
    ({'clf__alpha': [0.0001, 0.001, 0.01]}, ['seed', 'settings'])
    """
    config = {**config, "settings": settings_digest(pipelines.make(name))}
    if search and pipelines.get_spec(name).tuned:
        return {**config, "grid": pipelines.search_space(name)}
    return config


#: What a point of a learning curve or a seed sweep keeps of its row.
POINT_KEEP = ("accuracy", "ci_low", "ci_high", "val_accuracy", "fit_images", "fit_time")


class Job(NamedTuple):
    """One row or point to compute, and where and how it is saved.

    ``config`` is saved with it and compared by ``--resume``; ``fields`` are the
    setting's columns of a point (``{"train_size": 500}``); ``keep`` names what a point
    keeps of its row (None: the whole row, as ``run`` saves it); ``label`` names it in
    messages ("bovw/svm at 500 images").
    """

    path: Path
    name: str
    split: object
    config: dict
    fields: dict = {}
    keep: tuple = None
    label: str = ""

    def record(self, row):
        """What is saved of ``row`` (without ``config``)."""
        if self.keep is None:
            return dict(row)
        return {"pipeline": self.name, **self.fields, **{k: row[k] for k in self.keep}}


def job_path(out, folder, name, tag=None):
    """``out/<folder>/<pipeline slug>[-<tag>].json``.

    Examples
    --------
    >>> job_path(Path("lc"), "points", "hog+color/svm", 500).as_posix()
    'lc/points/hog+color-svm-500.json'
    """
    return out / folder / f"{slug(name)}{'' if tag is None else f'-{tag}'}.json"


def load_saved(out, folder, jobs, resume, what, fields):
    """What ``out/<folder>`` already holds for ``jobs``, by path.

    Parameters
    ----------
    out : Path
    folder : {"rows", "points"}
    jobs : list of Job
    resume : bool
        Without it, saved files are refused (nothing is overwritten).
    what : str
        The saved things' name in messages ("learning-curve points").
    fields : dict
        What each must hold (``saved.ROW_FIELDS`` or ``saved.POINT_FIELDS``); one
        that does not is damaged: said, left out and computed again.

    Raises
    ------
    FileExistsError
        If ``out`` holds saved work and ``resume`` is False.
    ValueError
        If a saved job was computed with another configuration, or other
        settings of its row (named where the file records its parameters). A
        file whose digest alone differs, under a rule that left out other
        parameters, is read.
    """
    if not resume and any((out / folder).glob("*.json")):
        raise FileExistsError(
            f"--out folder {out} already holds {what}; pass --resume to continue that run "
            f"or choose a new --out folder (nothing there is overwritten).")
    done = {}
    for job in jobs:
        if not job.path.is_file():
            continue
        same = {k: equal_to(v) for k, v in {"pipeline": job.name, **job.fields}.items()}
        doc = read_saved(job.path, fields, same)
        if doc is None:
            continue
        saved = {"settings": job.config["settings"], **doc["config"]}  # older: no digest
        if saved["settings"] != job.config["settings"]:
            _check_settings(job, doc.get("params"))
            saved["settings"] = job.config["settings"]  # the same settings, digested otherwise
        if saved != job.config:
            raise ValueError(
                f"--resume: {job.path} was produced with {doc['config']}, not {job.config}; "
                f"resume with the same options, or start a new --out folder.")
        done[job.path] = doc
    return done


def run_jobs(where, evaluate, jobs, cache, *, bar, records, failed, saved, **options):
    """Compute ``jobs`` where the scheduler says; save each as it lands.

    Parameters
    ----------
    where : scheduler
        From :func:`~benchmarks.harness.scheduler.open_scheduler`.
    evaluate : callable
        :func:`~benchmarks.harness.evaluate.run_pipeline` (passed in, so a
        caller's tests can replace it).
    jobs : list of Job
    cache : ResultCache
    bar : tqdm
        Advanced once per job.
    records : dict
        Path -> saved record (with ``config``); each finished job is added.
    failed : dict
        Label -> error; each failed job is added (and said on stderr).
    saved : callable
        Called after each job is written (to rewrite the command's table).
    **options
        Passed to ``evaluate`` (``search``, ``n_jobs``).
    """
    by_path = {job.path: job for job in jobs}
    todo = [(job.path, job.name, job.split) for job in jobs]
    for path, row, failure in where.run(evaluate, todo, cache, progress=bar, **options):
        bar.update()
        job = by_path[path]
        if failure is not None:
            failed[job.label or job.name] = failure
            print(f"featbench: {job.label or job.name} failed: {failure}", file=sys.stderr)
            continue
        record = {**job.record(row), "config": job.config,
                  "params": pipeline_params(pipelines.make(job.name))}
        write_json_atomic(path, record)
        records[path] = record
        saved()


def _check_settings(job, saved_params):
    """Refuse ``job``'s saved file, whose digest differs, unless only the digest's rule did.

    Raises
    ------
    ValueError
        Naming the parameters that differ, where the file records them (one
        saved before they were recorded names none).
    """
    changes = settings_changes(saved_params, pipeline_params(pipelines.make(job.name)))
    if changes == []:
        return
    named = f" ({'; '.join(changes)})" if changes else ""
    raise ValueError(f"--resume: {job.path} was computed with other settings of "
                     f"{job.name}{named}; start a new --out folder for it.")
