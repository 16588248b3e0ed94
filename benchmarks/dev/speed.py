"""Speed benchmarks: ``python -m benchmarks.dev.speed TARGET [--data DIR]``.

TARGET is one of features, bovw, classifiers, harness, cnn, scale, cluster and cores.

Each target but scale and cores compares one of ours against its reference in the same
process and prints images (or samples) per second and the ratios as a markdown
table; scale times whole runs on tiled data sets of growing size, cores each
phase at 1, 2, 4, ... cores.
Targets live in ``benchmarks/dev/<target>.py`` as ``add_speed_arguments(parser)``
and ``run_speed(args)``.
"""

import argparse
import importlib
import sys

TARGETS = ("features", "bovw", "classifiers", "harness", "cnn", "scale", "cluster", "cores")


def build_parser(kind):
    parser = argparse.ArgumentParser(prog=f"python -m benchmarks.dev.{kind}")
    sub = parser.add_subparsers(dest="target", required=True)
    for name in TARGETS:
        try:
            module = importlib.import_module(f"benchmarks.dev.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"benchmarks.dev.{name}":
                raise
            continue
        adder = getattr(module, f"add_{kind}_arguments", None)
        if adder is None:
            continue
        p = sub.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
        p.add_argument(
            "--data", default=None,
            help="folder holding cifar-10-batches-py or -bin (default: the usual search, "
                 "see benchmarks.data.cifar10.load_cifar10)",
        )
        adder(p)
        p.set_defaults(_run=getattr(module, f"run_{kind}"))
    return parser


def main(argv=None, kind="speed"):
    args = build_parser(kind).parse_args(argv)
    args._run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
