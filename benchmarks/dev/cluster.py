"""Cluster: one featbench run here, on a dask LocalCluster of 1 worker and of N, timed and compared.

``python -m benchmarks.dev.speed cluster --pipelines all`` runs the same
``featbench run`` three times in new processes, each with an empty feature
cache of its own and BLAS held to one thread (as every task on a cluster
is): without ``--scheduler``, with ``--scheduler local:1`` and with
``--scheduler local:N``. It prints the wall times, their ratios, and whether
the three tables are identical (the timing and cache columns aside). Goals:
local:2 at most 0.6x the wall time of local:1, and local:1 within 1.1x of the
run without a scheduler.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks.harness.results import markdown_table

__all__ = ["add_speed_arguments", "run_speed", "same_table"]

_RUN_DEPENDENT = ("feature_time", "fit_time", "predict_time", "cache")
_ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                      "MKL_NUM_THREADS")}


def add_speed_arguments(parser):
    parser.add_argument("--pipelines", default="all", help="names, globs or a preset")
    parser.add_argument("--dataset", default="cifar10", choices=["cifar10", "digits"])
    parser.add_argument("--train-size", default=None, help="training images (default: all)")
    parser.add_argument("--test-size", default=None, help="test images (default: all)")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes of the second cluster (default 2)")
    parser.add_argument("--out", default=None,
                        help="keep the three runs' result folders here (default: discarded)")


def same_table(a, b):
    """Whether two results.csv tables agree but for the timing and cache columns.

    Examples
    --------
    >>> a = pd.DataFrame({"pipeline": ["x"], "accuracy": [0.5], "fit_time": [1.0]})
    >>> same_table(a, a.assign(fit_time=2.0)), same_table(a, a.assign(accuracy=0.4))
    (True, False)
    """
    drop = [c for c in a.columns if c in _RUN_DEPENDENT]
    return a.drop(columns=drop).equals(b.drop(columns=[c for c in b.columns if c in drop]))


def _command(args, out, cache, scheduler):
    argv = [sys.executable, "-m", "benchmarks", "run", "--dataset", args.dataset,
            "--pipelines", args.pipelines, "--out", str(out), "--cache-dir", str(cache),
            "--quiet"]
    if args.dataset == "cifar10" and args.data:
        argv += ["--data", args.data]
    for option, value in (("--train-size", args.train_size), ("--test-size", args.test_size),
                          ("--scheduler", scheduler)):
        if value is not None:
            argv += [option, str(value)]
    return argv


def run_speed(args):
    runs = [("here (no scheduler)", None), ("local:1", "local:1"),
            (f"local:{args.workers}", f"local:{args.workers}")]
    env = {**os.environ, **_ONE_THREAD}
    env.pop("FEATBENCH_SCHEDULER", None)
    seconds, tables = [], []
    with tempfile.TemporaryDirectory(prefix="featbench-cluster-bench-") as tmp:
        root = Path(args.out or tmp)
        for i, (label, scheduler) in enumerate(runs):
            out = root / f"run-{i + 1}"
            start = time.perf_counter()
            subprocess.run(_command(args, out, Path(tmp) / f"cache-{i + 1}", scheduler),
                           env=env, check=True)
            seconds.append(time.perf_counter() - start)
            tables.append(pd.read_csv(out / "results.csv"))
    identical = all(same_table(tables[0], t) for t in tables[1:])
    table = pd.DataFrame({
        "run": [label for label, _ in runs],
        "seconds": seconds,
        "x no scheduler": [s / seconds[0] for s in seconds],
        "x local:1": [s / seconds[1] for s in seconds],
    })
    size = f"train {args.train_size or 'all'}, test {args.test_size or 'all'}"
    print(f"featbench run --pipelines {args.pipelines} on {args.dataset} ({size}; "
          f"{len(tables[0])} pipelines), BLAS on one thread; identical tables: {identical}")
    print(markdown_table(table, floatfmt=".2f"))
    print(f"\ngoals: local:{args.workers} <= 0.6x local:1 (got {seconds[2] / seconds[1]:.2f}x), "
          f"local:1 <= 1.1x no scheduler (got {seconds[1] / seconds[0]:.2f}x)")
    return table.assign(identical=identical)
