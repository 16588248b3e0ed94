"""Accuracy benchmarks: ``python -m benchmarks.dev.accuracy {bovw,classifiers} [--data DIR]``.

Fits on the training images, scores on the test images, and prints a markdown
table. Targets live in ``benchmarks/dev/<target>.py`` as
``add_accuracy_arguments(parser)`` and ``run_accuracy(args)``.
"""

import sys

from benchmarks.dev.speed import main as _main


def main(argv=None):
    return _main(argv, kind="accuracy")


if __name__ == "__main__":
    sys.exit(main())
