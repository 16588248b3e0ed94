"""The ``featbench`` command line.

Subcommands: ``run`` (the benchmark), ``learning-curve``, ``pipelines`` (what
each named pipeline is), ``download``, ``datasets`` (what is found locally).
Only ``download`` touches the network.
"""

import argparse
import sys

from benchmarks import __version__

__all__ = ["main", "build_parser", "resolve_dataset"]

CIFAR_HINT = (
    "CIFAR-10 not found locally; using scikit-learn's embedded 8x8 digits. "
    "Get CIFAR-10 with 'featbench download cifar10' (or pass --data DIR)."
)


def resolve_dataset(spec="auto", data=None, notice=print):
    """Load the dataset a ``--dataset`` option names.

    Parameters
    ----------
    spec : str, default="auto"
        ``"cifar10"``, ``"digits"``, ``"folder:PATH"`` or ``"auto"`` (CIFAR-10
        when found locally, else the digits, with a one-line notice).
    data : str or Path or None, default=None
        Folder holding CIFAR-10 (``--data``); ``None`` searches the usual places.
    notice : callable, default=print
        Receives the one-line notice printed when ``auto`` falls back to digits.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        If ``spec`` is not one of the accepted forms.
    FileNotFoundError
        If ``cifar10`` is asked for and not found.
    """
    from benchmarks.datasets import find_cifar10, load_cifar10, load_digits

    if spec == "auto":
        if find_cifar10(data) is not None:
            return load_cifar10(data)
        notice(CIFAR_HINT)
        return load_digits()
    if spec == "cifar10":
        return load_cifar10(data)
    if spec == "digits":
        return load_digits()
    if isinstance(spec, str) and spec.startswith("folder:") and len(spec) > len("folder:"):
        from benchmarks.image_folder import load_image_folder

        return load_image_folder(spec[len("folder:"):])
    raise ValueError(
        f"--dataset must be auto, cifar10, digits or folder:PATH; got {spec!r}."
    )


def _cmd_datasets(args):
    from benchmarks.datasets import find_cifar10, load_cifar10

    folder = find_cifar10(args.data) if args.data else find_cifar10()
    if folder is None:
        print("cifar10: not found (looked in $FEATBENCH_DATA and the cache folder); "
              "get it with 'featbench download cifar10'")
    else:
        ds = load_cifar10(folder)
        print(f"cifar10: {ds.source}: {len(ds.y_train)} train, {len(ds.y_test)} test")
    print("digits: embedded in scikit-learn: 1797 images (8x8, 10 classes)")
    return 0


def _cmd_download(args):
    from benchmarks.download import download_cifar10

    path = download_cifar10(dest=args.dest, fmt=args.format, progress=not args.quiet)
    print(f"CIFAR-10 ({args.format} layout) is in {path}")
    return 0


def _cmd_pipelines(args):
    import pandas as pd

    import pipelines
    from benchmarks._report import markdown_table

    names = pipelines.select(args.patterns)
    presets = {name: [p for p, members in pipelines.PRESETS.items()
                      if p != "all" and name in members] for name in names}
    table = pd.DataFrame({
        "pipeline": names,
        "what it computes": [pipelines.get_spec(n).description for n in names],
        "presets": [", ".join(presets[n]) for n in names],
        "--search grid": [
            "; ".join(f"{k.removeprefix('clf__')} {v}" for k, v in
                      pipelines.search_space(n).items()) for n in names],
    })
    print(markdown_table(table))
    print("\nWith the default --augment auto on color images, raw-pixel rows (pixels/*, "
          "ref:pixels/*) train on mirrors and on copies shifted by 1/16 of the image size, "
          "the others on mirrors.")
    return 0


def _add_dataset_options(p):
    p.add_argument("--dataset", default="auto",
                   help="auto (default: CIFAR-10 if found, else digits), cifar10, digits "
                        "or folder:PATH (PATH/<class>/<image>)")
    p.add_argument("--data", default=None, help="folder holding CIFAR-10's batches")


def build_parser():
    """The argument parser of ``featbench`` (subcommands registered here).

    Examples
    --------
    >>> args = build_parser().parse_args(["run", "--pipelines", "pixels/svm"])
    >>> args.command, args.pipelines, args.dataset, args.train_size, args.seed
    ('run', 'pixels/svm', 'auto', None, 0)
    """
    parser = argparse.ArgumentParser(
        prog="featbench",
        description="Classic image features or a learned network? Benchmarks on real images.",
    )
    parser.add_argument("--version", action="version", version=f"featbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    from benchmarks import harness_cli

    harness_cli.add_run_parser(sub, _add_dataset_options)
    harness_cli.add_learning_curve_parser(sub, _add_dataset_options)

    p = sub.add_parser("download", help="download a dataset (the only networked command)")
    p.add_argument("name", choices=["cifar10"])
    p.add_argument("--format", choices=["python", "binary"], default="python")
    p.add_argument("--dest", default=None, help="target folder (default: the cache folder)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_download)

    p = sub.add_parser("pipelines", help="list the named pipelines: what each computes, "
                                         "its presets and its --search grid")
    p.add_argument("patterns", nargs="?", default="all",
                   help="names, globs or presets, comma-separated (default: all)")
    p.set_defaults(func=_cmd_pipelines)

    p = sub.add_parser("datasets", help="list the datasets found locally, with counts")
    p.add_argument("--data", default=None, help="folder holding CIFAR-10's batches")
    p.set_defaults(func=_cmd_datasets)
    return parser


def main(argv=None):
    """Entry point of the ``featbench`` console script; returns the exit code.

    Examples
    --------
    A usage error is reported on stderr, before any data is loaded, as exit code 2:

    >>> main(["run", "--pipelines", "no-such/pipeline"])
    2
    >>> try:  # doctest: +ELLIPSIS
    ...     main(["--version"])
    ... except SystemExit as exc:
    ...     print("exit code", exc.code)
    featbench ...
    exit code 0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"featbench {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"featbench {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

