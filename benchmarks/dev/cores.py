"""Cores: the wall time of each phase at 1, 2, 4, ... cores, its speedup and the cores busy.

``python -m benchmarks.dev.speed cores [--phases hog,knn] [--cores 1,2] [--repeats 3]``
times each phase with ``n_jobs=c`` and every BLAS and OpenMP library held to
``c`` threads, for each core count ``c`` (default 1, 2, 4, ... up to
``os.cpu_count()``), and prints a markdown table: the median seconds, the
speedup over one core (the median of the per-round ratios; the core counts
of a phase are timed in rounds, the order rotating from round to round, so
a ratio is taken between times measured moments apart) and the cores busy
(CPU time over wall time, the median over rounds). A last column compares
the speedup at 2 cores with the goal of issue 29: 1.8 for a phase, 1.6 for
the whole run.

Every measurement runs in a fresh process (``python -m benchmarks.dev.cores
--child PHASE CORES N_IMAGES DATA EPOCHS DATASET``), its thread pools started at
``c`` threads (``OMP_NUM_THREADS`` and the BLAS variables in its environment) and
capped again by :func:`features.threads.blas_limit`; the child builds its
inputs untimed (:mod:`benchmarks.dev.cores_phases`), times the phase alone
(wall clock and the process's CPU time, every thread's) and prints one JSON line. The phases, on the first
``--n-images`` training images (default: all) of ``--dataset`` (``cifar10``, the
default, read from ``--data``; or ``folder:PATH``, such as the full CIFAR-10 folder of
JPEG files, read untimed in each child):

- ``ceiling``: no featbench code, twenty 1024 x 1024 float32 matrix products on
  ``c`` BLAS threads, which scale as well as anything can: its speedup is
  what the machine's other work leaves to this one at the time;
- ``stream``: no featbench code either, 32 element-wise passes (an addition,
  then a product in place) over float64 arrays of 64 MiB, past the caches, in
  pieces of 1 MiB on ``c`` threads: what the memory lets ``c`` cores gain in
  passes that leave the caches, as the kernels' passes over large chunks do;
- ``load``: ``load_image_folder`` (``--dataset folder:``) of the training
  images and their mirrors, written untimed as JPEG files of one folder per
  class, read by this process and ``c - 1`` more (at most one reader per 4,096 files);
  with ``--dataset folder:PATH``, all of that folder instead, as a run reads it;
- ``hog``, ``color``: the pipelines' HoG and colour histogram, ``fit_transform``;
- ``kmeans``, ``encode``: the BoVW vocabulary's ``fit`` (sampling, whitening,
  k-means), then ``transform`` of the same images;
- ``knn``: ``pixels/knn``'s prediction of the test images (at most a fifth as many);
- ``svm``, ``mlp``: the ``fit`` of ``hog+color/svm`` and ``hog+color/mlp``'s
  classifier (scaler included) on features extracted untimed;
- ``cnn``: ``pixels/cnn``'s ``fit`` for ``--cnn-epochs`` epochs (default 2);
- ``run``: ``featbench run --no-cache --quiet --n-jobs c --pipelines P``
  (``--pipelines``, default ``default``; ``--train-size`` when ``--n-images``
  is given), the whole process timed; not among the default ``--phases``. Two
  more tables (:mod:`benchmarks.dev.cores_rows`) give each row's test accuracy
  at every core count and whether it equals the 1-core run's at the printed
  precision (issue 29: only the last bits of float sums may change with the
  cores), and each row's seconds at every core count with its speedup.

The machine's other work shows in the figures: "cores busy" below ``c`` with a
speedup below ``c`` means the phase waited (for a lock, a serial step, or
for cores that other processes held).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.data.by_name import check_data_applies, folder_path
from benchmarks.dev._timing import count_option, ratio_quartiles
from benchmarks.dev.cores_phases import time_phase
from benchmarks.dev.cores_rows import accuracy_table, row_seconds, row_seconds_table
from benchmarks.harness.results import markdown_table

__all__ = ["PHASES", "add_speed_arguments", "run_speed", "measure", "cores_table",
           "default_cores", "child_env", "time_phase"]

#: Every phase, in the order of the table; ``ceiling`` is the machine's share of the
#: cores at the time, ``stream`` its memory's, ``run`` the whole featbench run.
PHASES = ("ceiling", "stream", "load", "hog", "color", "kmeans", "encode", "knn", "svm",
          "mlp", "cnn", "run")
#: Speedup goals at 2 cores (issue 29).
PHASE_GOAL, RUN_GOAL = 1.8, 1.6
_GOALS = {"run": RUN_GOAL, "ceiling": None, "stream": None}
_ROOT = Path(__file__).resolve().parents[2]
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def default_cores(cpus=None):
    """1, 2, 4, ... up to ``cpus`` (default ``os.cpu_count()``), and ``cpus`` itself.

    Examples
    --------
    >>> default_cores(2), default_cores(6), default_cores(1)
    ([1, 2], [1, 2, 4, 6], [1])
    """
    cpus = cpus or os.cpu_count() or 1
    counts = [1 << i for i in range(cpus.bit_length()) if 1 << i <= cpus]
    return counts + ([cpus] if counts[-1] != cpus else [])


def _names(option, choices):
    def parse(text):
        names = [n.strip() for n in text.split(",") if n.strip()]
        bad = [n for n in names if n not in choices]
        if not names or bad:
            raise argparse.ArgumentTypeError(
                f"{option} takes names among {', '.join(choices)}, comma-separated; "
                f"got {text!r}.")
        return list(dict.fromkeys(names))
    return parse


def _counts(option):
    one = count_option(option)

    def parse(text):
        return sorted({one(part.strip()) for part in text.split(",")})
    return parse


def _dataset_spec(text):
    """``--dataset``: ``cifar10``, or ``folder:PATH`` naming a folder that exists."""
    if text == "cifar10":
        return text
    path = folder_path(text)
    if not path:
        raise argparse.ArgumentTypeError(
            f"--dataset takes cifar10 or folder:PATH; got {text!r}. Pass e.g. "
            f"--dataset folder:/data/cifar10-jpg.")
    if not Path(path).is_dir():
        raise argparse.ArgumentTypeError(
            f"--dataset {text}: {path!r} is not a folder. Unpack the images first "
            f"(one folder per class, or train/ and test/ holding those).")
    return text


def add_speed_arguments(parser):
    parser.add_argument("--phases", type=_names("--phases", PHASES), default=list(PHASES[:-1]),
                        help=f"comma-separated, among {','.join(PHASES)} (default: all but run)")
    parser.add_argument("--cores", type=_counts("--cores"), default=None,
                        help="core counts, comma-separated (default 1,2,4,... up to the "
                             "machine's cores); 1 is always measured")
    parser.add_argument("--repeats", type=count_option("--repeats"), default=3,
                        help="rounds of every core count of a phase (medians kept; default 3)")
    parser.add_argument("--n-images", type=count_option("--n-images"), default=None,
                        help="training images of the phases (default: all)")
    parser.add_argument("--cnn-epochs", type=count_option("--cnn-epochs"), default=2,
                        help="epochs of the cnn phase (default 2)")
    parser.add_argument("--dataset", type=_dataset_spec, default="cifar10",
                        help="cifar10 (from --data; the default) or folder:PATH, an image "
                             "folder such as the full CIFAR-10 of JPEG files")
    parser.add_argument("--pipelines", default="default",
                        help="pipelines of the run phase (default: the default preset)")


def child_env(cores, env=None):
    """``env`` (default ``os.environ``) with every thread pool sized to ``cores``.

    Examples
    --------
    >>> e = child_env(2, {"PATH": "/bin"})
    >>> e["OMP_NUM_THREADS"], e["OPENBLAS_NUM_THREADS"], e["PATH"]
    ('2', '2', '/bin')
    """
    env = dict(os.environ if env is None else env)
    env.update(dict.fromkeys(_THREAD_VARIABLES, str(int(cores))))
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(_ROOT) + (os.pathsep + path if path else "")
    return env



def _run_child(command, cores):
    """Run ``command`` with ``cores`` threads; its stdout, wall and CPU seconds (wait4)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=out, stderr=err, env=child_env(cores),
                                 cwd=_ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0), err.seek(0)
        text, errors = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{' '.join(command)} failed:\n{errors[-2000:]}")
    return text, wall, usage.ru_utime + usage.ru_stime


def measure(phase, cores, args):
    """One measurement of ``phase`` at ``cores`` cores in a fresh process: wall, CPU seconds."""
    if phase == "run":
        with tempfile.TemporaryDirectory(prefix="featbench-cores-") as out:
            command = [sys.executable, "-m", "benchmarks", "run", "--no-cache", "--quiet",
                       "--n-jobs", str(cores), "--pipelines", args.pipelines, "--out", out]
            command += ["--dataset", args.dataset]
            command += ["--data", args.data] if args.data else []
            command += ["--train-size", str(args.n_images)] if args.n_images else []
            _, wall, cpu = _run_child(command, cores)
            rows = pd.read_csv(Path(out) / "results.csv")
        return {"wall": wall, "cpu": cpu, "row_seconds": row_seconds(rows),
                "accuracy": dict(zip(rows["pipeline"], rows["accuracy"].astype(float)))}
    command = [sys.executable, "-m", "benchmarks.dev.cores", "--child", phase, str(cores),
               str(args.n_images or 0), args.data or "", str(args.cnn_epochs), args.dataset]
    text, _, _ = _run_child(command, cores)
    return json.loads(text.strip().splitlines()[-1])


def cores_table(times, goals=None):
    """The table of :func:`run_speed` from measured times.

    Parameters
    ----------
    times : dict of (phase, cores) to list of (wall, cpu)
        Seconds of each round; every phase has 1 core among its counts.
    goals : dict of str to float or None
        Speedup goal of a phase at 2 cores (default: 1.6 for run, none for
        ceiling and stream, 1.8 for the others).

    Examples
    --------
    >>> t = {("knn", 1): [(4.0, 4.0), (5.0, 5.0)], ("knn", 2): [(2.0, 3.6), (2.5, 4.5)]}
    >>> row = cores_table(t).iloc[1]
    >>> float(row["seconds"]), float(row["speedup"]), float(row["cores busy"]), row["2-core goal"]
    (2.25, 2.0, 1.8, 'met (goal 1.8)')
    """
    rows = []
    for (phase, cores), rounds in times.items():
        wall, cpu = np.array(rounds, float).T
        base = np.array(times[phase, 1], float)[:, 0]
        goal = {**_GOALS, **(goals or {})}.get(phase, PHASE_GOAL)
        speedup = ratio_quartiles(base, wall)[1]
        verdict = "" if cores != 2 or goal is None else (
            f"{'met' if speedup >= goal else 'short'} (goal {goal:g})")
        rows.append({"phase": phase, "cores": cores, "seconds": float(np.median(wall)),
                     "speedup": speedup, "cores busy": float(np.median(cpu / wall)),
                     "2-core goal": verdict})
    return pd.DataFrame(rows)


def run_speed(args):
    check_data_applies(args.dataset, args.data or None)
    counts = sorted(set(args.cores or default_cores()) | {1})
    times, accuracy, seconds = {}, {}, {}
    for phase in args.phases:
        for r in range(args.repeats):
            shift = r % len(counts)
            for cores in counts[shift:] + counts[:shift]:
                times.setdefault((phase, cores), []).append(None)
                m = measure(phase, cores, args)
                times[phase, cores][r] = (m["wall"], m["cpu"])
                if "accuracy" in m:
                    accuracy.setdefault(cores, []).append(m["accuracy"])
                    seconds.setdefault(cores, []).append(m["row_seconds"])
                print(f"{phase} at {cores} cores, round {r + 1}: {m['wall']:.2f} s wall, "
                      f"{m['cpu']:.2f} s CPU", file=sys.stderr, flush=True)
    table = cores_table({key: times[key] for key in sorted(
        times, key=lambda k: (args.phases.index(k[0]), k[1]))})
    print(f"Cores: {os.cpu_count()} on this machine, load average "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())} at the end; "
          f"{args.n_images or 'all the'} training images of {args.dataset}; "
          f"medians of {args.repeats} rounds; "
          f"speedup: the median per-round ratio of the 1-core time to this one; "
          f"cores busy: CPU time over wall time\n")
    print(markdown_table(table, floatfmt=".2f"))
    if accuracy:
        print("\nTest accuracy of each row of the run at each core count "
              "(same: equal at the printed precision in every round):\n")
        print(markdown_table(accuracy_table(accuracy)))
        print("\nSeconds of each row of the run (features, fit and prediction; medians) "
              "and its speedup over one core; the rows' sum leaves out the run's start, "
              "data loading and plots, and counts twice the time of rows that ran side by "
              "side:\n")
        print(markdown_table(row_seconds_table(seconds), floatfmt=".2f"))
    return table


def _child(argv):
    phase, cores, n_images, data, epochs, dataset = argv
    result = time_phase(phase, int(cores), int(n_images) or None, data or None, int(epochs),
                        dataset)
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2:])
    else:
        sys.exit("run it as: python -m benchmarks.dev.speed cores [options]")
