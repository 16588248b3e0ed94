"""``featbench run``, ``learning-curve`` and ``seeds``: options, and what they do."""

import argparse
import sys

from benchmarks.harness.cli.options import add_dataset_options

__all__ = ["add_run_parser", "add_learning_curve_parser", "add_seeds_parser"]

PRESET_HELP = (
    "pipeline names, globs (e.g. 'hog*', 'ref:*') or presets, comma-separated. "
    "Presets: default (every feature family with featbench's classifiers: "
    "pixels/{svm,softmax,mlp}, color/svm, hog/svm, hog+color/{svm,softmax,mlp}, "
    "bovw/svm, all/svm; plus ref:pixels/logreg and ref:hog+color/linearsvc), "
    "ours, reference, all, quick"
)


def _number(text):
    """``text`` as an int, else a float, else unchanged (for the checks to refuse)."""
    for convert in (int, float):
        try:
            return convert(text)
        except (ValueError, OverflowError):
            pass
    return text


def _option_type(option, check):
    """An argparse ``type``: ``check(number, option)``, its errors a usage error.

    The checks of :mod:`features.checks` are imported on first use, so that
    parsing other commands (``--version``, ``download``) stays instant.
    """
    def parse(text):
        try:
            return check(_number(text), option)
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = option
    return parse


def _size(value, option):
    if isinstance(value, str) and value.lower() in ("all", "none"):
        return None
    from features.checks import check_int

    return check_int(value, option, low=1, fix="Pass a number of images, or 'all'.")


def _val_size(value, option):
    from features.checks import check_int, check_real

    fix = "Pass a fraction such as 0.1, or a whole number of images such as 500."
    if isinstance(value, float):
        return check_real(value, option, low=0, high=1, low_open=True, high_open=True,
                          fix=fix)
    return check_int(value, option, low=1, fix=fix)


def _seed(value, option):
    from features.checks import check_int

    return check_int(value, option, low=0, high=2**32 - 1)


def _n_jobs(value, option):
    from features.checks import check_int

    if value == -1:
        return -1
    return check_int(value, option, low=1,
                     fix="Pass a number of workers such as 2, or -1 for every core.")


def _dataset(args):
    from benchmarks.data.by_name import load_dataset

    # An image folder is read by this process and --n-jobs - 1 more.
    return load_dataset(args.dataset, args.data, notice=print,
                        skip_unreadable=args.skip_unreadable, n_jobs=args.n_jobs)


def _check_first(args):
    """Validate what is cheap to validate before loading any data."""
    import pipelines
    from benchmarks.harness.scheduler import ENV_VAR, check_scheduler, scheduler_from_env

    names = pipelines.select(args.pipelines)
    given = args.scheduler is not None
    args.scheduler = scheduler_from_env(args.scheduler)
    # Without dask this says the install command now, not after the data is loaded.
    check_scheduler(args.scheduler, "--scheduler" if given else f"${ENV_VAR}")
    if args.out is not None:
        from benchmarks.harness.atomic import check_writable

        check_writable(args.out)
    from benchmarks.harness.cache import open_cache

    open_cache(args.cache_dir, not args.no_cache)  # a read-only cache (or home) is said now
    return names


def _failed(args, exc):
    """Exit status 1 and the message of a run on a cluster some of whose rows failed."""
    print(f"featbench {args.command}: {exc}", file=sys.stderr)
    return 1


def _call(args, command, **options):
    """Run ``command`` (a Python API function) on the dataset and the shared options.

    A cluster run some of whose rows failed exits with status 1 and says which.
    """
    from benchmarks.harness.scheduler import RowsFailedError

    names = _check_first(args)
    try:
        command(_dataset(args), names, val_size=args.val_size, test_size=args.test_size,
                augment=args.augment, n_jobs=args.n_jobs, out=args.out, cache_dir=args.cache_dir,
                use_cache=not args.no_cache, resume=args.resume, quiet=args.quiet,
                scheduler=args.scheduler, test_mirrors=args.test_mirrors, **options)
    except RowsFailedError as exc:
        return _failed(args, exc)
    return 0


# The Python APIs are imported when their command runs, so that parsing stays instant.
def _cmd_run(args):
    from benchmarks.harness.runner import run_benchmark

    return _call(args, run_benchmark, train_size=args.train_size, seed=args.seed,
                 search=args.search)


def _cmd_learning_curve(args):
    from benchmarks.harness.curve import learning_curve

    return _call(args, learning_curve, sizes=args.sizes, seed=args.seed,
                 search=not args.no_search, report=args.report)


def _cmd_seeds(args):
    from benchmarks.harness.seeds import seed_sweep

    return _call(args, seed_sweep, seeds=args.seeds, against=args.against,
                 train_size=args.train_size)


def _add_common(p, seed=True):
    add_dataset_options(p)
    p.add_argument("--val-size", type=_option_type("--val-size", _val_size), default=0.1,
                   help="validation part of the training images: a fraction < 1 or a "
                        "count (default 0.1)")
    p.add_argument("--test-size", type=_option_type("--test-size", _size), default=None,
                   help="test images used (default: all)")
    if seed:
        p.add_argument("--seed", type=_option_type("--seed", _seed), default=0,
                       help="seed of splits and models, 0 to 2**32 - 1 (default 0)")
    # benchmarks.harness.augment.REQUESTS, restated so that parsing options does not
    # import the harness (numpy, scikit-learn); a test checks they agree.
    p.add_argument("--augment", choices=["auto", "none", "hflip", "shift", "hflip+shift"],
                   default="auto",
                   help="training-set augmentation (never of validation or test images). "
                        "Rows that learn from raw pixels (pixels/* and ref:pixels/*, kNN "
                        "aside) draw it afresh for every mini-batch from the fit images "
                        "alone: hflip a random mirror of each image, shift a random move of "
                        "up to 1/16 of the image size (2 pixels on CIFAR-10), hflip+shift "
                        "both. Feature rows and kNN get the mirror part only, as copies "
                        "(twice the fit images, their features extracted once): hflip and "
                        "hflip+shift add mirrors, shift and none add nothing. auto "
                        "(default): on color images such as CIFAR-10, mirror copies for "
                        "feature rows, mirrors and shifts per mini-batch for raw-pixel rows "
                        "(which lack the features' tolerance of small shifts), nothing for "
                        "kNN; nothing on gray images such as the digits, whose mirrors "
                        "change meaning")
    p.add_argument("--test-mirrors", action="store_true",
                   help="score each validation and test image with its mirror image too "
                        "(the mean of the two's class scores decides), in every row trained on "
                        "mirrors; kNN and rows without mirrors score each image once")
    p.add_argument("--n-jobs", type=_option_type("--n-jobs", _n_jobs), default=None,
                   help="cores of each row: its feature extractors' threads (processes "
                        "for image folders and the scikit-image reference), kNN's and the "
                        "networks' threads, and the --search grid's workers; the linear "
                        "models on features without a vocabulary, whose work is on one core, "
                        "run first, that many side by side (default 1; -1: every core); the "
                        "numbers are the same on any")
    p.add_argument("--scheduler", default=None,
                   help="run the rows as tasks on a dask cluster: local:N starts N worker "
                        "processes on this machine, local:NxT N of T threads each (a row "
                        "uses all of its worker's threads), an address such as "
                        "tcp://host:8786 uses a running dask scheduler (default: "
                        "$FEATBENCH_SCHEDULER, "
                        "else one row after another here; needs "
                        "pip install 'featbench[dask]')")
    p.add_argument("--out", default=None, help="output folder (default: "
                   "featbench-results/<dataset>-<timestamp>/)")
    p.add_argument("--cache-dir", default=None,
                   help="feature cache (default ~/.cache/featbench/features)")
    p.add_argument("--no-cache", action="store_true", help="compute features afresh, store none")
    p.add_argument("--quiet", action="store_true", help="no progress bars, no printed table")


def add_run_parser(sub):
    """Register ``featbench run`` on the subparsers ``sub``.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="demo")
    >>> run = add_run_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["run", "--train-size", "all", "--val-size", "50"])
    >>> args.command, args.train_size, args.val_size, args.pipelines, args.search
    ('run', None, 50, 'default', False)
    """
    p = sub.add_parser("run", help="run the benchmark and print the comparison table")
    _add_common(p)
    p.add_argument("--pipelines", default="default", help=PRESET_HELP)
    p.add_argument("--train-size", type=_option_type("--train-size", _size), default=None,
                   help="training images used, validation included (default: all)")
    p.add_argument("--search", action="store_true",
                   help="tune each pipeline's small grid on the validation split")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out (default: the newest one of this "
                        "dataset), skipping finished pipelines")
    p.set_defaults(func=_cmd_run)
    return p


def add_learning_curve_parser(sub):
    """Register ``featbench learning-curve`` on the subparsers ``sub``."""
    p = sub.add_parser("learning-curve",
                       help="accuracy against training-set size for a few pipelines")
    _add_common(p)
    p.add_argument("--pipelines", default="curve",
                   help="pipelines to follow: names, globs or presets (default: the preset "
                        "'curve', listed by `featbench pipelines`)")
    p.add_argument("--sizes", type=_option_type("--sizes", _size), nargs="+",
                   default=[250, 500, 1000, 2500, None],
                   help="training-set sizes, each once; 'all' for every image "
                        "(default: 250 500 1000 2500 all)")
    p.add_argument("--no-search", action="store_true",
                   help="keep every row's settings at every size; by default each row's "
                        "small grid (the regularization above all) is tuned on the "
                        "validation split of each size, the ConvNets aside")
    p.add_argument("--resume", action="store_true",
                   help="continue the learning curve in --out (default: the newest one of "
                        "this dataset), keeping its finished points")
    p.add_argument("--report", action="store_true",
                   help="with --resume: compute nothing, write the table, plot and leaders "
                        "from the points saved so far and list the missing ones")
    p.set_defaults(func=_cmd_learning_curve)
    return p


def add_seeds_parser(sub):
    """Register ``featbench seeds`` on the subparsers ``sub``.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="demo")
    >>> seeds = add_seeds_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["seeds", "--seeds", "3", "4", "--against", "pixels/cnn"])
    >>> args.command, args.seeds, args.against, args.pipelines
    ('seeds', [3, 4], 'pixels/cnn', 'curve')
    """
    p = sub.add_parser("seeds", help="the same pipelines with several seeds: each seed's "
                                     "accuracy, the spread and paired differences")
    _add_common(p, seed=False)
    p.add_argument("--pipelines", default="curve",
                   help="pipelines to run: names, globs or presets (default: the preset "
                        "'curve', listed by `featbench pipelines`)")
    p.add_argument("--seeds", type=_option_type("--seeds", _seed), nargs="+",
                   default=[0, 1, 2, 3, 4],
                   help="seeds, each once: each draws the validation split (and the test "
                        "split where the dataset has none) and seeds every pipeline, as "
                        "`featbench run --seed` does (default: 0 1 2 3 4)")
    p.add_argument("--against", default=None,
                   help="the pipeline whose paired differences with each other one are "
                        "tabulated (default: the highest mean accuracy)")
    p.add_argument("--train-size", type=_option_type("--train-size", _size), default=None,
                   help="training images used, validation included (default: all)")
    p.add_argument("--resume", action="store_true",
                   help="continue the seed sweep in --out (default: the newest one of this "
                        "dataset), keeping its finished points")
    p.set_defaults(func=_cmd_seeds)
    return p
