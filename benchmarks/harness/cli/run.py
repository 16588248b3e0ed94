"""``featbench run`` and ``featbench learning-curve``: options, and what they do."""

import argparse

from benchmarks.harness.cli.options import add_dataset_options

__all__ = ["add_run_parser", "add_learning_curve_parser"]

PRESET_HELP = (
    "pipeline names, globs (e.g. 'hog*', 'ref:*') or presets, comma-separated. "
    "Presets: default (every feature family with featbench's classifiers: "
    "pixels/{svm,softmax,mlp}, color/svm, hog/svm, hog+color/{svm,softmax,mlp}, "
    "bovw/svm, all/svm; plus ref:pixels/logreg and ref:hog+color/linearsvc), "
    "ours, reference, all, quick"
)


def _size(text):
    if text.lower() in ("all", "none"):
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'all'; got {text!r}") from None
    return value


def _fraction_or_count(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a fraction in (0, 1) or a count >= 1; got {text!r}") from None
    return int(value) if value >= 1 else value


def _dataset(args):
    from benchmarks.data.by_name import load_dataset

    return load_dataset(args.dataset, args.data, notice=print)


def _check_first(args):
    """Validate what is cheap to validate before loading any data."""
    import pipelines

    names = pipelines.select(args.pipelines)
    if args.out is not None:
        from benchmarks.harness.atomic import check_writable

        check_writable(args.out)
    return names


def _cmd_run(args):
    from benchmarks.harness.runner import run_benchmark

    names = _check_first(args)
    run_benchmark(
        _dataset(args), names, train_size=args.train_size, val_size=args.val_size,
        test_size=args.test_size, seed=args.seed, augment=args.augment, search=args.search,
        n_jobs=args.n_jobs, out=args.out, cache_dir=args.cache_dir,
        use_cache=not args.no_cache, resume=args.resume, quiet=args.quiet,
    )
    return 0


def _cmd_learning_curve(args):
    from benchmarks.harness.runner import learning_curve

    names = _check_first(args)
    learning_curve(
        _dataset(args), names, sizes=args.sizes, val_size=args.val_size,
        test_size=args.test_size, seed=args.seed, augment=args.augment, n_jobs=args.n_jobs,
        out=args.out, cache_dir=args.cache_dir, use_cache=not args.no_cache,
        quiet=args.quiet,
    )
    return 0


def _add_common(p):
    add_dataset_options(p)
    p.add_argument("--val-size", type=_fraction_or_count, default=0.1,
                   help="validation part of the training images: a fraction < 1 or a "
                        "count (default 0.1)")
    p.add_argument("--test-size", type=_size, default=None,
                   help="test images used (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of splits and models (default 0)")
    # benchmarks.harness.augment.AUGMENTS, restated so that parsing options does not
    # import the harness (numpy, scikit-learn); a test checks they agree.
    p.add_argument("--augment", choices=["auto", "none", "hflip", "shift", "hflip+shift"],
                   default="auto",
                   help="training-set augmentation (never of validation or test images): "
                        "hflip appends the mirror image of every fit image, doubling the "
                        "training images; shift appends four copies moved by 1/16 of the "
                        "image size (2 pixels on CIFAR-10) down, up, right and left, five "
                        "times the images and the time; hflip+shift does both, ten times; "
                        "auto (default): on color images such as CIFAR-10, hflip for feature "
                        "pipelines and hflip+shift for raw-pixel ones (ours and ref:pixels/*), "
                        "which lack the features' tolerance of small shifts; none on gray "
                        "images such as the digits, whose mirrors change meaning")
    p.add_argument("--n-jobs", type=int, default=None,
                   help="workers: threads of each feature extractor, and joblib workers of "
                        "the --search grid (default 1; -1: every core)")
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
    p.add_argument("--train-size", type=_size, default=None,
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
    p.add_argument("--pipelines", default="hog+color/svm,bovw/svm,pixels/mlp",
                   help="pipelines to follow (default: hog+color/svm,bovw/svm,pixels/mlp)")
    p.add_argument("--sizes", type=_size, nargs="+", default=[250, 500, 1000, 2500, None],
                   help="training-set sizes; 'all' for every image "
                        "(default: 250 500 1000 2500 all)")
    p.set_defaults(func=_cmd_learning_curve)
    return p
