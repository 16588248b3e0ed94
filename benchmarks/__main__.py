"""``python -m benchmarks``: the ``featbench`` command line."""

import sys

from benchmarks.harness.cli import main

sys.exit(main())
