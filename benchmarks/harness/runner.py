"""Python API of the benchmark: ``run_benchmark`` returns a DataFrame.

Each finished pipeline is written at once (``rows/<name>.json`` and the three
results files, every one atomically), so a run that is killed loses at most
the pipeline it was on, and ``resume=True`` carries on where it stopped.
With ``scheduler`` (:mod:`~benchmarks.harness.scheduler`) the rows are tasks
on a dask cluster, written here as they complete; a row whose worker died is
reported, the others land, and ``resume=True`` computes only what is missing.
"""

import json
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import pipelines
from benchmarks.harness import plots
from benchmarks.harness.atomic import check_writable, write_json_atomic
from benchmarks.harness.cache import open_cache
from benchmarks.harness.evaluate import run_pipeline
from benchmarks.harness.memory import check_memory
from benchmarks.harness.results import augment_note, write_results
from benchmarks.harness.scheduler import RowsFailedError, check_scheduler, open_scheduler
from benchmarks.harness.split import make_split
from features.checks import check_int

__all__ = ["run_benchmark", "default_out"]

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


def _check_n_jobs(n_jobs):
    # Here, not where the workers start: a run whose rows all come from the
    # cache would otherwise accept any value.
    if n_jobs is not None and not (n_jobs == -1 and not isinstance(n_jobs, bool)):
        check_int(n_jobs, "--n-jobs", low=1,
                  fix="Pass a number of workers such as 2, or -1 for every core.")


def _latest_out(dataset_name, root=RESULTS_ROOT, kind="", holds="rows"):
    """The newest ``<root>/<dataset><kind>-*`` folder that holds ``holds``, for --resume."""
    found = sorted(Path(root).glob(f"{dataset_name}{kind}-*/{holds}"),
                   key=lambda p: p.stat().st_mtime)
    if not found:
        raise FileNotFoundError(
            f"--resume found no earlier {'run' if not kind else kind.strip('-')} of "
            f"{dataset_name} under {root}/; pass the folder to resume with --out DIR."
        )
    return found[-1].parent


def _read_saved(path):
    """A row or point an earlier run saved in ``path``, or None if it is damaged.

    A damaged file (cut short, edited, not JSON) is said in one line on stderr;
    what it held is computed again and written over it.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if (isinstance(doc, dict) and isinstance(doc.get("pipeline"), str)
                and isinstance(doc.get("config"), dict)):
            return doc
        reason = "not a saved result"
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSON errors too
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
    print(f"featbench: --resume: {path} is damaged ({reason}); computing it again.",
          file=sys.stderr)
    return None


def _saved_files(out, folder, what, resume):
    """The JSON files of ``out/folder``; refuse them unless resuming (nothing is overwritten)."""
    files = sorted((out / folder).glob("*.json"))
    if files and not resume:
        raise FileExistsError(
            f"--out folder {out} already holds {what}; pass --resume to continue that run "
            f"or choose a new --out folder (nothing there is overwritten)."
        )
    return files


def _load_done(out, config, resume):
    """Rows already in ``out``; refuse to mix configurations or overwrite without resume.

    A damaged row file is said and left out: its pipeline is computed again.
    """
    row_files = _saved_files(out, "rows", "results", resume)
    done = {}
    for path in row_files:
        row = _read_saved(path)
        if row is None:
            continue
        if row.get("config") != config:
            raise ValueError(
                f"--resume: {path} was produced with {row.get('config')}, not {config}; "
                f"resume with the same options, or start a new --out folder."
            )
        done[row["pipeline"]] = row
    return done


def _share_images(splits):
    """Make equal image parts of ``splits`` views of one array, in place.

    The splits of one run hold the same images several times: the kNN rows'
    fit part equals the per-batch rows', and both are the first half of the
    feature rows' fit part (their mirrors follow). A part equal to another
    part, or to its first rows, becomes a view of it, so the images are held
    once (at 50,000 CIFAR-10 images, 0.3 GB less).
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


def _make_splits(dataset, names, train_size, val_size, test_size, seed, augment,
                 train_option="--train-size"):
    """The split of each pipeline, and the run's configuration.

    Rows whose specs want different augmentation under ``"auto"``
    (:attr:`pipelines.PipelineSpec.auto_augment`), or draw it per mini-batch
    (:attr:`pipelines.PipelineSpec.augments_in_batches`), get different
    splits of the same images: the validation and test parts are the same.
    The configuration is that of the feature rows' split; when the other
    rows' splits differ, ``augment_per_batch`` (and ``shift_pixels``) says
    what the raw-pixel learners draw per mini-batch and ``augment_knn`` what
    the kNN rows store. Each split is made only when a selected row needs it,
    and rows whose splits come out the same share one copy.
    """
    specs = {name: pipelines.get_spec(name) for name in names}

    def key(spec):  # only "auto" asks the spec; any other value is the same for every row
        return (spec.auto_augment if augment == "auto" else augment, spec.augments_in_batches)

    made = {}
    for spec in specs.values():
        if key(spec) not in made:
            split = make_split(dataset, train_size, val_size, test_size, seed, augment,
                               auto_augment=spec.auto_augment,
                               in_batches=spec.augments_in_batches, train_option=train_option)
            # Gray images resolve every "auto" to "none": keep one copy of the arrays.
            made[key(spec)] = next((s for s in made.values() if s.config == split.config), split)
    _share_images(list(made.values()))
    splits = {name: made[key(spec)] for name, spec in specs.items()}
    feature_rows = [splits[n] for n in names if not specs[n].learned]
    # Raw pixels stored as they are (kNN): the only learned rows without batches.
    knn_rows = [splits[n] for n in names if specs[n].learned and not specs[n].augments_in_batches]
    batch_rows = [splits[n] for n in names if specs[n].augments_in_batches]
    config = dict((feature_rows or knn_rows or batch_rows)[0].config)
    if feature_rows and knn_rows and knn_rows[0].config != config:
        config["augment_knn"] = knn_rows[0].config["augment"]
    if batch_rows and batch_rows[0].config != config:
        config["augment_per_batch"] = batch_rows[0].config["augment"]
        config.update({k: v for k, v in batch_rows[0].config.items()
                       if k not in config and k != "augment_in_batches"})
    return splits, config


def _hog_figure(split, out, n=6):
    from features import hog_image

    # The HOG step of the hog pipelines, so the pictures show what they compute.
    hog = pipelines.make("hog/svm", image_shape=split.X_test.shape[1:]).named_steps["features"]
    images = split.X_test[:n]
    pictures = [hog_image(img, **hog.get_params()) for img in images]
    titles = [split.class_names[y] for y in split.y_test[:n]]
    plots.hog_pictures(images, pictures, out / "hog-pictures.png", titles)


def _write_plots(out, rows, frame, split):
    plots.accuracy_bars(frame, out / "accuracy.png")
    plots.confusion_matrices(rows, split.y_test, split.class_names, out / "confusion")
    plots.loss_curves(rows, out / "loss-curves.png")
    _hog_figure(split, out)


def run_benchmark(dataset, pipeline_names="default", *, train_size=None, val_size=0.1,
                  test_size=None, seed=0, augment="auto", search=False, n_jobs=None,
                  out=None, cache_dir=None, use_cache=True, resume=False, quiet=False,
                  make_plots=True, scheduler=None, log=print):
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
    search : bool, default=False
        Tune each pipeline's small grid on the validation split.
    n_jobs : int or None, default=None
        Workers: threads of each feature extractor, joblib workers of the search.
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
        Where the rows run: None, here one after another; ``"local:N"``, a
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
        installed; all before any extraction.
    PermissionError
        If ``out`` cannot be written.
    FileExistsError
        If ``out`` holds results and ``resume`` is False.
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
    _check_n_jobs(n_jobs)
    check_scheduler(scheduler)
    splits, config = _make_splits(dataset, names, train_size, val_size, test_size, seed,
                                  augment)
    config["search"] = bool(search)
    if out is None:
        out = _latest_out(dataset.name) if resume else default_out(dataset.name)
    out = Path(out)
    check_writable(out)
    done = _load_done(out, config, resume)
    check_memory([(n, splits[n]) for n in names if n not in done])
    cache = open_cache(cache_dir, use_cache)
    if not quiet:
        log(f"{len(names)} pipelines on {dataset.name}: train {config['train_size']} "
            f"(validation {config['val_size']}), test {config['test_size']}"
            f"{augment_note(config)}")
    if done and not quiet:
        log(f"resuming {out}: {len(done)} of {len(names)} pipelines already done")
    rows = [done[n] for n in names if n in done]
    todo = [(name, name, splits[name]) for name in names if name not in done]
    y_test = splits[names[0]].y_test  # every split has the same test part
    failed = {}
    with open_scheduler(scheduler, log=None if quiet else log) as where:
        bar = tqdm(total=len(names), initial=len(done), desc="pipelines", disable=quiet,
                   unit="pipeline")
        for name, row, failure in where.run(run_pipeline, todo, cache, search=search,
                                            n_jobs=n_jobs, progress=bar):
            bar.update()
            if failure is not None:
                failed[name] = failure
                print(f"featbench: {name} failed: {failure}", file=sys.stderr)
                continue
            row["config"] = config
            write_json_atomic(out / "rows" / f"{plots.slug(name)}.json", row)
            rows.append(row)
            rows.sort(key=lambda r: names.index(r["pipeline"]))
            write_results(out, rows, config, y_test)
        bar.close()
    if not rows:
        raise RowsFailedError(failed, out, len(names))
    frame, comparison, markdown = write_results(out, rows, config, y_test)
    if make_plots:
        _write_plots(out, rows, frame, splits[names[0]])
    if not quiet:
        log(markdown)
        log(f"results written to {out}/")
    frame.attrs.update(out=str(out), comparison=comparison, markdown=markdown)
    if failed:
        raise RowsFailedError(failed, out, len(names), frame=frame)
    return frame
