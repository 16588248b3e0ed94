"""Scale: a featbench run on 5k to 50k tiled images, time and peak memory per size and phase.

``python -m benchmarks.dev.speed scale [--sizes 5000,10000,25000,50000] [--pipelines default]``
tiles the subset (``--data``) into CIFAR-10 folders of each size
(:mod:`benchmarks.dev.tiled`, test set ``--test-size`` images) and runs
``featbench run --no-cache`` on each in its own process. It prints, per size,
the wall time and the peak resident memory of the whole process and of each
phase (features, fit, predict; the rows' largest), the seconds of each phase
summed over the rows with the vocabulary's k-means apart, and each phase's
time divided by the smallest size's, scaled by the number of images: 1.0 is
linear growth. The images repeat, so the accuracies are not worth reading.

This machine's speed can drift by a third within hours (a shared host), more
than the margin of the goal. So, unless ``--no-bracket``, the smallest size
runs again after the largest, and the ratios are printed against both of its
runs: a goal is met only if it is met against each. Before and after every
size, a fixed workload (:func:`probe`: float32 matrix products and a sort)
is timed, and its seconds are printed beside the size, so that drift shows.

With ``--work DIR`` each finished size is recorded there
(``scale-SIZE-TEST.json``, the bracketing run ``scale-SIZE-TEST-again.json``,
written atomically) and a later call with the same pipelines, at the same
commit, reuses the record instead of running that size again, so a long
series of large sizes can be finished in several sittings; the bracketing
run is reused only if it was measured after every other size it brackets.
``--fresh`` runs every size again.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.harness.atomic import write_json_atomic
from benchmarks.harness.results import markdown_table

__all__ = ["add_speed_arguments", "run_speed", "run_size", "summarize", "ratio_table",
           "load_record", "probe", "source_commit"]

#: Phases of a row, as (column of the summary, key of the row's JSON).
PHASES = (("features s", "feature_time"), ("vocabulary s", "feature_fit_time"),
          ("fit s", "fit_time"), ("predict s", "predict_time"))
#: Goals of issue 16 at 50,000 images: each phase within 1.3x of linear (k-means
#: excepted), and the whole run within 3 GB.
RATIO_GOAL, PEAK_GOAL_GB = 1.3, 3.0


def _sizes(text):
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 5:
        raise ValueError(f"--sizes must be comma-separated numbers of training images, each "
                         f"at least 5 (one per batch file); got {text!r}.")
    return sorted(set(sizes))


def add_speed_arguments(parser):
    parser.add_argument("--sizes", default="5000,10000,25000,50000",
                        help="training images of the tiled sets, comma-separated "
                             "(default 5000,10000,25000,50000)")
    parser.add_argument("--test-size", type=int, default=10_000,
                        help="test images of every tiled set (default 10000)")
    parser.add_argument("--pipelines", default="default", help="names, globs or a preset")
    parser.add_argument("--work", default=None,
                        help="keep the tiled folders, the runs' results and a record of each "
                             "finished size here, and reuse those already there (default: a "
                             "temporary folder)")
    parser.add_argument("--fresh", action="store_true",
                        help="run every size again, even those recorded in --work")
    parser.add_argument("--no-bracket", dest="bracket", action="store_false",
                        help="do not run the smallest size again after the largest")


def probe(repeat=3):
    """Seconds of a fixed workload, the median of ``repeat``: this machine's speed now.

    Twenty 1024 x 1024 float32 matrix products (BLAS, on its threads) and a
    sort of 4 million float32 numbers (memory-bound, one thread): 0.2 to 0.4 s
    on 2 cores. Its inputs are seeded, so the work is the same each time.

    Examples
    --------
    >>> probe(repeat=1) > 0
    True
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1024, 1024), dtype=np.float32)
    values = rng.standard_normal(4_000_000, dtype=np.float32)
    times = []
    for _ in range(max(1, int(repeat))):
        start = time.perf_counter()
        for _ in range(20):
            a @ a
        np.sort(values)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def source_commit():
    """The git commit of this checkout, ``"unknown"`` outside one; records carry it.

    Examples
    --------
    >>> isinstance(source_commit(), str)
    True
    """
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"


def run_size(data_dir, pipelines, out):
    """``featbench run --no-cache`` on ``data_dir`` in a child process; its rows and peaks.

    Returns
    -------
    dict
        ``wall`` seconds, ``maxrss`` (the child's peak resident bytes:
        ``wait4``'s, or higher where a row recorded a higher one, since the
        per-phase records reset the figure ``wait4`` reports) and ``rows``
        (the rows' saved JSON documents).

    Raises
    ------
    RuntimeError
        If the run fails; the message holds the end of its error output.
    """
    command = [sys.executable, "-m", "benchmarks", "run", "--data", str(data_dir),
               "--pipelines", pipelines, "--no-cache", "--quiet", "--out", str(out)]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        if child.returncode:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"featbench run on {data_dir} failed ({child.returncode}):\n{tail}")
    rows = [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(Path(out, "rows").glob("*.json"))]
    # ru_maxrss is in KiB on Linux.
    peaks = [usage.ru_maxrss * 1024] + [
        v for row in rows for v in (row.get("peak_rss") or {}).values() if v is not None]
    return {"wall": wall, "maxrss": max(peaks), "rows": rows}


def load_record(path, pipelines, commit=None):
    """The :func:`run_size` result recorded at ``path``, or None to run the size again.

    None when there is no record, or it was made for other pipelines, at
    another commit than ``commit`` (when given), or cannot be read (a note on
    standard error says why); records are JSON, so reading one runs no code.
    The result also holds the record's ``measured_at`` (seconds since the
    epoch) and ``probe`` (:func:`probe` before and after), None where the
    record lacks them.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "scale-5000-10000.json"
    >>> load_record(p, "default") is None
    True
    >>> write_json_atomic(p, {"pipelines": "default", "wall": 1.0, "maxrss": 2, "rows": []})
    >>> load_record(p, "default")["wall"], load_record(p, "quick") is None
    (1.0, True)
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        result = {key: record[key] for key in ("wall", "maxrss", "rows")}
        result.update({key: record.get(key) for key in ("measured_at", "probe")})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"note: {path} cannot be read ({exc!r}); running this size again",
              file=sys.stderr, flush=True)
        return None
    if record.get("pipelines") != pipelines:
        print(f"note: {path} was measured for --pipelines {record.get('pipelines')!r}, not "
              f"{pipelines!r}; running this size again", file=sys.stderr, flush=True)
        return None
    if commit is not None and record.get("commit") != commit:
        print(f"note: {path} was measured at commit {record.get('commit') or 'unknown'}, not "
              f"{commit}; running this size again", file=sys.stderr, flush=True)
        return None
    return result


def summarize(results):
    """One line per size from :func:`run_size` results keyed by size: times and peaks.

    Examples
    --------
    >>> row = {"feature_time": 2.0, "feature_fit_time": 0.5, "fit_time": 3.0,
    ...        "predict_time": 0.1, "peak_rss": {"features": 2**30, "fit": 2**29}}
    >>> table = summarize({1000: {"wall": 9.0, "maxrss": 2**31, "rows": [row, row]}})
    >>> table.loc[0, ["images", "features s", "vocabulary s", "peak GB", "fit GB"]].tolist()
    [1000.0, 3.0, 1.0, 2.0, 0.5]
    """
    lines = []
    for size, result in sorted(results.items()):
        rows = result["rows"]
        line = {"images": size, "wall s": result["wall"], "peak GB": result["maxrss"] / 2**30}
        # The fixed workload's seconds around this size: the machine's speed then.
        probes = [v for v in (result.get("probe") or ()) if v is not None]
        line["probe s"] = float(np.mean(probes)) if probes else float("nan")
        for column, key in PHASES:
            line[column] = float(sum(row.get(key) or 0.0 for row in rows))
        # The vocabulary's k-means is part of the feature time: shown apart, not twice.
        line["features s"] -= line["vocabulary s"]
        for phase in ("features", "fit", "predict"):
            found = [(row.get("peak_rss") or {}).get(phase) for row in rows]
            found = [v for v in found if v is not None]
            line[f"{phase} GB"] = max(found) / 2**30 if found else float("nan")
        lines.append(line)
    return pd.DataFrame(lines)


def ratio_table(summary, base=None):
    """Each phase's time over ``base``'s, divided by the ratio of images.

    ``base`` is one line of a summary (default: the first line of
    ``summary``). 1.0 is linear growth; the goal is at most
    :data:`RATIO_GOAL` (k-means excepted).

    Examples
    --------
    >>> summary = pd.DataFrame({"images": [100, 1000], "wall s": [1.0, 12.0],
    ...                         "features s": [2.0, 20.0], "vocabulary s": [1.0, 30.0],
    ...                         "fit s": [1.0, 13.0], "predict s": [0.5, 5.0]})
    >>> ratio_table(summary)["fit s"].tolist()
    [1.0, 1.3]
    """
    columns = ["wall s"] + [column for column, _ in PHASES]
    base = summary.iloc[0] if base is None else base
    scale = summary["images"] / base["images"]
    table = pd.DataFrame({"images": summary["images"]})
    for column in columns:
        table[column] = summary[column] / base[column] / scale if base[column] > 0 else float("nan")
    return table


def _row_ratios(results, base=None):
    """Each row's total seconds over its time in ``base`` (default: the smallest size's
    result), scaled by the images; ``base`` is a :func:`run_size` result of the smallest size.
    """
    def totals(result):
        return {row["pipeline"]: row["feature_time"] + row["fit_time"] + row["predict_time"]
                for row in result["rows"]}

    sizes = sorted(results)
    table = pd.DataFrame({size: totals(results[size]) for size in sizes}).T
    reference = pd.Series(totals(base if base is not None else results[sizes[0]]))
    scaled = table.div(reference).div(pd.Series(sizes, index=sizes) / sizes[0], axis=0)
    scaled.index.name = "images"
    return scaled.reset_index()


def _measure(subset, work, size, args, record, commit):
    """Run one size (tiling its folder if needed) with :func:`probe` around it; record it."""
    from benchmarks.dev.tiled import write_tiled

    data = work / f"tiled-{size}-{args.test_size}"
    if not data.exists():
        write_tiled(subset, data, size, args.test_size)
    out = work / f"run-{size}-{time.strftime('%Y%m%d-%H%M%S')}"
    before = probe()
    result = run_size(data, args.pipelines, out)
    result.update(probe=[before, probe()], measured_at=time.time())
    write_json_atomic(record, {"pipelines": args.pipelines, "commit": commit,
                               "measured": time.strftime("%Y-%m-%d %H:%M:%S"), **result})
    return result


def _report(size, result, how):
    probes = ", ".join(f"{v:.2f}" for v in result.get("probe") or ())
    print(f"{size} images: {result['wall']:.1f} s, peak {result['maxrss'] / 2**30:.2f} GB "
          f"(probe {probes or 'not measured'} s; {how})", flush=True)


def run_speed(args):
    from benchmarks.data.cifar10 import load_cifar10

    sizes = _sizes(args.sizes)
    subset = load_cifar10(args.data)
    commit = source_commit()
    results, again = {}, None
    with tempfile.TemporaryDirectory(prefix="featbench-scale-") as tmp:
        work = Path(args.work or tmp)
        for size in sizes:
            record = work / f"scale-{size}-{args.test_size}.json"
            result = None if args.fresh else load_record(record, args.pipelines, commit)
            how = f"recorded in {record}"
            if result is None:
                result = _measure(subset, work, size, args, record, commit)
                how = "measured"
            results[size] = result
            _report(size, result, how)
        if args.bracket and len(sizes) > 1:
            record = work / f"scale-{sizes[0]}-{args.test_size}-again.json"
            again = None if args.fresh else load_record(record, args.pipelines, commit)
            # A size measured now (or at an unknown time) is later than any recorded bracket.
            latest = max(r.get("measured_at") or np.inf for r in results.values())
            how = f"recorded in {record}"
            if again is None or (again.get("measured_at") or -np.inf) < latest:
                again, how = _measure(subset, work, sizes[0], args, record, commit), "measured"
            _report(f"{sizes[0]} (again)", again, how)
    summary = summarize(results)
    print(f"\nfeatbench run --pipelines {args.pipelines} --no-cache on tiled copies of "
          f"{subset.source} (test {args.test_size} images; timing and memory only, the "
          f"accuracies mean nothing)")
    shown = summary.assign(run="")
    bases = [("first run", None, None)]
    if again is not None:
        again_line = summarize({sizes[0]: again})
        shown = pd.concat([shown, again_line.assign(run="again")], ignore_index=True)
        bases.append(("run after the largest size", again_line.iloc[0], again))
    print(markdown_table(shown, floatfmt=".2f"))
    print("features s: the extraction less the vocabularies' fits (vocabulary s, the k-means); "
          "seconds summed over the rows; a phase's GB: its largest peak over the rows; "
          "probe s: the fixed workload's seconds before and after the size, averaged "
          "(higher = the machine was slower).")
    for which, base, base_result in bases:
        ratios = ratio_table(summary, base)
        print(f"\nTime over the {sizes[0]}-image {which}'s, divided by the ratio of images "
              f"(1.0 = linear; goal <= {RATIO_GOAL} for every phase but the vocabulary's "
              f"k-means):")
        print(markdown_table(ratios, floatfmt=".2f"))
        worst = ratios[["features s", "fit s", "predict s"]].iloc[-1]
        verdict = "met" if worst.max() <= RATIO_GOAL else "NOT met"
        print(f"at {sizes[-1]} images, against the {which}: largest phase ratio "
              f"{worst.max():.2f} ({worst.idxmax()}), goal {verdict}")
        print("\nEach row's time, the same way:")
        print(markdown_table(_row_ratios(results, base_result), floatfmt=".2f"))
    print(f"\npeak resident memory at {sizes[-1]} images: {summary['peak GB'].iloc[-1]:.2f} GB "
          f"(goal <= {PEAK_GOAL_GB} GB at 50000)")
    return shown
