"""The steps every command shares: splits, the out folder, and the workers.

``featbench run`` (:mod:`~benchmarks.harness.runner`), ``learning-curve``
(:mod:`~benchmarks.harness.curve`) and ``seeds``
(:mod:`~benchmarks.harness.seeds`) are one skeleton with another table at the
end: :func:`make_splits` carves each row's split; :func:`output_folder`
chooses and checks the out folder, whose lock
(:func:`~benchmarks.harness.lock.folder_lock`) the command holds while it
works; :func:`open_jobs` opens the scheduler and the progress bar its jobs
(:mod:`~benchmarks.harness.jobs`) run under.
"""

import contextlib
import glob
from datetime import datetime
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import pipelines
from benchmarks.harness.atomic import check_writable
from benchmarks.harness.scheduler import cap_n_jobs, check_scheduler, open_scheduler
from benchmarks.harness.split import make_split
from features.checks import check_int

__all__ = ["RESULTS_ROOT", "default_out", "latest_out", "output_folder", "check_n_jobs",
           "check_workers", "open_jobs", "make_splits", "check_searches"]

RESULTS_ROOT = Path("featbench-results")


def default_out(dataset_name, root=RESULTS_ROOT, kind=""):
    """A new ``<root>/<dataset><kind>-<timestamp>`` folder name that does not exist yet.

    Examples
    --------
    >>> import re, tempfile
    >>> root = tempfile.mkdtemp()
    >>> out = default_out("digits", root, kind="-curve")
    >>> out.parent == Path(root), out.exists()
    (True, False)
    >>> bool(re.fullmatch("digits-curve-[0-9]{8}-[0-9]{6}", out.name))
    True
    """
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{dataset_name}{kind}-{stamp}"
    out, i = base, 1
    while out.exists():
        out, i = Path(f"{base}-{i}"), i + 1
    return out


def latest_out(dataset_name, root=RESULTS_ROOT, kind="", holds="rows"):
    """The newest ``<root>/<dataset><kind>-*`` folder that holds ``holds``, for --resume.

    The dataset's name is matched as it is written (``d*`` is no pattern).

    Raises
    ------
    FileNotFoundError
        If there is none.
    """
    pattern = f"{glob.escape(f'{dataset_name}{kind}')}-*/{holds}"
    found = sorted(Path(root).glob(pattern), key=lambda p: p.stat().st_mtime)
    if not found:
        raise FileNotFoundError(
            f"--resume found no earlier {'run' if not kind else kind.strip('-')} of "
            f"{dataset_name} under {root}/; pass the folder to resume with --out DIR.")
    return found[-1].parent


def output_folder(out, dataset_name, kind="", resume=False, holds="rows"):
    """The out folder of a command, checked writable: ``out``, or a new or the newest one.

    Parameters
    ----------
    out : str, Path or None
        None: :func:`default_out`, or with ``resume`` :func:`latest_out`.
    dataset_name, kind, holds : str
        Name the folders (``kind``: ``""``, ``"-curve"``, ``"-seeds"``) and
        what a folder to resume holds (``"rows"`` or ``"points"``).
    resume : bool, default=False

    Raises
    ------
    PermissionError
        If the folder cannot be written.
    FileNotFoundError
        With ``resume`` and no ``out``, if there is nothing to resume.
    """
    if out is None:
        out = (latest_out(dataset_name, kind=kind, holds=holds) if resume
               else default_out(dataset_name, kind=kind))
    out = Path(out)
    check_writable(out)
    return out


def check_n_jobs(n_jobs):
    """Raise unless ``n_jobs`` is None, -1 or a positive count (``--n-jobs``).

    Checked before any work: a run whose rows all come from the cache would
    otherwise accept any value.

    Examples
    --------
    >>> check_n_jobs(-1), check_n_jobs(2)
    (None, None)
    """
    if n_jobs is not None and not (n_jobs == -1 and not isinstance(n_jobs, bool)):
        check_int(n_jobs, "--n-jobs", low=1,
                  fix="Pass a number of workers such as 2, or -1 for every core.")


def check_workers(n_jobs, scheduler):
    """``--n-jobs`` and ``--scheduler`` checked before any work; ``n_jobs`` capped at the cores.

    Returns
    -------
    int or None
        :func:`benchmarks.harness.scheduler.cap_n_jobs` of ``n_jobs``.

    Examples
    --------
    >>> check_workers(None, None), check_workers(1, None)
    (1, 1)
    """
    check_n_jobs(n_jobs)
    check_scheduler(scheduler)
    return cap_n_jobs(n_jobs, scheduler=scheduler)


@contextlib.contextmanager
def open_jobs(scheduler, total, done, desc, quiet, log, **bar_options):
    """``(where, bar)``: the scheduler the jobs run on and the progress bar they advance.

    ``total`` jobs, ``done`` of them already saved; the bar is closed on the way
    out, and a LocalCluster the scheduler started is shut down.
    """
    with open_scheduler(scheduler, log=None if quiet else log) as where:
        bar = tqdm(total=total, initial=done, desc=desc, disable=quiet, **bar_options)
        try:
            yield where, bar
        finally:
            bar.close()


def _share_images(splits):
    """Make equal image parts of ``splits`` views of one array, in place.

    The splits of one run hold the same images several times: the kNN rows' fit part
    equals the per-batch rows', and both are the first half of the feature rows' fit
    part (their mirrors follow). A part equal to another part, or to its first rows,
    becomes a view of it, so the images are held once (at 50,000 images, 0.3 GB less).
    """
    parts = sorted(((split, field) for split in splits for field in ("X_fit", "X_val", "X_test")),
                   key=lambda part: -len(getattr(*part)))
    kept = []
    for split, field in parts:
        mine = getattr(split, field)
        for big in kept:
            if (big.dtype == mine.dtype and big.shape[1:] == mine.shape[1:]
                    and len(big) >= len(mine) and np.array_equal(big[:len(mine)], mine)):
                setattr(split, field, big[:len(mine)])
                break
        else:
            kept.append(mine)


def make_splits(dataset, names, train_size=None, val_size=0.1, test_size=None, seed=0,
                augment="auto", train_option="--train-size", test_mirrors=False):
    """The split of each pipeline, and the run's configuration.

    Rows whose specs want different augmentation under ``"auto"``
    (:attr:`pipelines.PipelineSpec.auto_augment`), or draw it per mini-batch
    (:attr:`pipelines.PipelineSpec.augments_in_batches`), get different
    splits of the same images: the validation and test parts are the same.
    The configuration is that of the feature rows' split; when the other
    rows' splits differ, ``augment_per_batch`` (and ``shift_pixels``) says
    what the raw-pixel learners draw per mini-batch and ``augment_knn`` what
    the kNN rows store. Each split is made only when a selected row needs it,
    and rows whose splits come out the same share one copy. ``test_mirrors``
    (``--test-mirrors``) scores the validation and test images with their
    mirrors in every split that trains on mirrors (``test_mirrors`` in the
    configuration).

    Returns
    -------
    splits : dict
        Pipeline name -> :class:`~benchmarks.harness.split.Split`.
    config : dict
        What every saved row carries and ``--resume`` compares.

    Raises
    ------
    ValueError
        For ``test_mirrors`` when no selected row trains on mirrors (gray
        images, ``--augment none`` or ``shift``), naming ``--test-mirrors``.
    """
    specs = {name: pipelines.get_spec(name) for name in names}

    def key(spec):  # only "auto" asks the spec; any other value is the same for every row
        return (spec.auto_augment if augment == "auto" else augment, spec.augments_in_batches)

    made = {}
    for spec in specs.values():
        if key(spec) not in made:
            split = make_split(dataset, train_size, val_size, test_size, seed, augment,
                               auto_augment=spec.auto_augment,
                               in_batches=spec.augments_in_batches, train_option=train_option,
                               test_mirrors=test_mirrors)
            # Gray images resolve every "auto" to none: keep one copy of the arrays.
            made[key(spec)] = next((s for s in made.values() if s.info == split.info), split)
    if test_mirrors and not any(split.info.test_mirrors for split in made.values()):
        raise ValueError(
            "--test-mirrors scores the mirror images of the test images with models trained on "
            f"mirrors, but no selected row trains on mirrors here (--augment {augment}; gray "
            "images get none under auto): pass --augment hflip or hflip+shift, or drop "
            "--test-mirrors")
    _share_images(list(made.values()))
    splits = {name: made[key(spec)] for name, spec in specs.items()}
    feature_rows = [splits[n] for n in names if not specs[n].learned]
    # Raw pixels stored as they are (kNN): the only learned rows without batches.
    knn_rows = [splits[n] for n in names if specs[n].learned and not specs[n].augments_in_batches]
    batch_rows = [splits[n] for n in names if specs[n].augments_in_batches]
    first = (feature_rows or knn_rows or batch_rows)[0]
    config = first.config
    if feature_rows and knn_rows and knn_rows[0].info != first.info:
        config["augment_knn"] = knn_rows[0].info.augment.name
    if test_mirrors:
        config["test_mirrors"] = True  # the rows trained on mirrors, whichever comes first
    if batch_rows and batch_rows[0].info != first.info:
        config["augment_per_batch"] = batch_rows[0].info.augment.name
        config.update({k: v for k, v in batch_rows[0].config.items()
                       if k not in config and k != "augment_in_batches"})
    return splits, config


def check_searches(splits, option="--train-size", without="leave out --search"):
    """Refuse, before any work, a search grid that a row cannot fit on its split.

    Raises
    ------
    ValueError
        From :func:`pipelines.check_search_space`, naming ``option``.
    """
    for name, split in splits.items():
        pipelines.check_search_space(name, len(split.y_fit), option, without)
