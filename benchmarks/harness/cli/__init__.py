"""The ``featbench`` command line: one parser, one module per group of subcommands.

Subcommands: ``run`` (the benchmark), ``learning-curve`` and ``seeds``
(:mod:`~benchmarks.harness.cli.run`), ``pipelines`` (what each named pipeline
is), ``download`` and ``datasets`` (:mod:`~benchmarks.harness.cli.data`).
Only ``download`` touches the network. Parsing imports no numerical library,
so ``featbench --version`` and most usage errors are instant; the numeric
options of ``run``, ``learning-curve`` and ``seeds`` are checked by :mod:`features.checks`,
imported (about a second) when one is given.
"""

import argparse
import sys

from benchmarks import __version__
from benchmarks.harness.cli.data import add_datasets_parser, add_download_parser
from benchmarks.harness.cli.pipelines import add_pipelines_parser
from benchmarks.harness.cli.run import add_learning_curve_parser, add_run_parser, add_seeds_parser

__all__ = ["main", "build_parser"]


def build_parser():
    """The argument parser of ``featbench``, with every subcommand registered.

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
    add_run_parser(sub)
    add_learning_curve_parser(sub)
    add_seeds_parser(sub)
    add_download_parser(sub)
    add_pipelines_parser(sub)
    add_datasets_parser(sub)
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

