"""Bag of visual words: vocabulary fit and encode time vs a bare matrix product; accuracy.

``python -m benchmarks.dev.speed bovw --data DIR`` fits a vocabulary on the
training images and times the encoding of all of them against the float32
matrix product of the same shape (patches x words), in one child process whose
peak resident memory is the memory figure. ``python -m benchmarks.dev.accuracy bovw
--data DIR`` compares triangle and hard encoding followed by a standard scaler
and a linear SVM whose C is chosen on a validation split of the training set.
"""

import dataclasses
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from benchmarks.dev._timing import best_time, count_option
from benchmarks.harness.results import markdown_table

__all__ = ["add_speed_arguments", "run_speed", "add_accuracy_arguments", "run_accuracy"]


def _load(data, subset=None):
    """CIFAR-10 from ``data``; ``subset`` keeps the first N training and N // 5 test images."""
    from benchmarks.data.cifar10 import load_cifar10

    ds = load_cifar10(data)
    if subset:
        ds = dataclasses.replace(ds, X_train=ds.X_train[:subset], y_train=ds.y_train[:subset],
                                 X_test=ds.X_test[: subset // 5], y_test=ds.y_test[: subset // 5])
    return ds


def _maxrss_mib():
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    per_mib = 2**20 if sys.platform == "darwin" else 2**10
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / per_mib


def _bare_matmul_time(n_rows, d, n_words, rows_per_chunk, repeat):
    """Best time of (n_rows x d) @ (d x n_words) in float32, chunked like the encoder.

    The full product (billions of entries) does not fit in memory, so it runs
    over the same row chunks the encoder uses, into one reused output buffer.
    """
    rng = np.random.RandomState(0)
    a = rng.standard_normal((rows_per_chunk, d)).astype(np.float32)
    b = rng.standard_normal((d, n_words)).astype(np.float32)
    out = np.empty((rows_per_chunk, n_words), dtype=np.float32)
    n_full, rest = divmod(n_rows, rows_per_chunk)

    def run():
        for _ in range(n_full):
            np.matmul(a, b, out=out)
        if rest:
            np.matmul(a[:rest], b, out=out[:rest])

    return best_time(run, repeat=repeat)[0]


def _speed_worker(config):
    """Child process: fit, encode, bare product; returns a dict of figures."""
    from features.bovw import BagOfVisualWords

    ds = _load(config["data"], config["subset"])
    images = ds.X_train
    rss_loaded = _maxrss_mib()
    bovw = BagOfVisualWords(n_words=config["n_words"], n_jobs=config["n_jobs"],
                            random_state=config["seed"])
    fit_s, _ = best_time(bovw.fit, images)
    rss_fit = _maxrss_mib()
    # Encoder and bare product get the same thread budget: n_jobs BLAS threads
    # at most (the encoder's n_jobs > 1 workers use one BLAS thread each).
    with threadpool_limits(limits=config["n_jobs"], user_api="blas"):
        encode_s, feats = best_time(bovw.transform, images, repeat=config["repeat"])
    rss_encode = _maxrss_mib()
    nh, nw = bovw.grid_shape_
    n_patches = images.shape[0] * nh * nw
    chunk = bovw.chunk_size or max(1, (8 * 2**20) // (nh * nw * bovw.n_words * 4))
    with threadpool_limits(limits=config["n_jobs"], user_api="blas"):
        matmul_s = _bare_matmul_time(n_patches, bovw.words_.shape[1] + 2, bovw.n_words,
                                     chunk * nh * nw, config["repeat"])
    return {
        "images": images.shape[0], "patches": n_patches, "dim": int(bovw.words_.shape[1]),
        "n_words": bovw.n_words, "features": feats.shape[1], "chunk_images": chunk,
        "fit_s": fit_s, "encode_s": encode_s, "matmul_s": matmul_s,
        "rss_loaded_mib": rss_loaded, "rss_fit_mib": rss_fit, "rss_encode_mib": rss_encode,
    }


def add_speed_arguments(parser):
    parser.add_argument("--n-words", type=int, default=1600, help="vocabulary size (default 1600)")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="threads of k-means and of the encoding; the bare matrix "
                             "product gets as many BLAS threads (default 1)")
    parser.add_argument("--repeat", type=count_option("--repeat"), default=1,
                        help="timing repeats, best kept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subset", type=int, default=None,
                        help="use only the first N training images (a quick smoke run)")


def run_speed(args):
    config = {"data": None if args.data is None else str(args.data), "n_words": args.n_words,
              "n_jobs": args.n_jobs,
              "repeat": args.repeat, "seed": args.seed, "subset": args.subset}
    # A fresh process, so that its peak resident set is this workload's alone.
    code = ("import json, sys; from benchmarks.dev.bovw import _speed_worker; "
            "print(json.dumps(_speed_worker(json.loads(sys.argv[1]))))")
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(config)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"the benchmark's child process failed (exit code {proc.returncode})")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"{r['images']} images, {r['patches']:,} patches of {r['dim']} values, "
          f"{r['n_words']} words ({r['features']} features), {r['chunk_images']} images "
          f"per chunk, {config['n_jobs']} encoding thread(s)")
    table = pd.DataFrame([
        {"step": "vocabulary fit", "seconds": r["fit_s"],
         "images/s": r["images"] / r["fit_s"], "x matmul": np.nan},
        {"step": "encode (transform)", "seconds": r["encode_s"],
         "images/s": r["images"] / r["encode_s"], "x matmul": r["encode_s"] / r["matmul_s"]},
        {"step": "bare float32 matmul (patches x words)", "seconds": r["matmul_s"],
         "images/s": r["images"] / r["matmul_s"], "x matmul": 1.0},
    ])
    print(markdown_table(table, floatfmt=".2f"))
    print()
    mem = pd.DataFrame([{
        "after loading (MiB)": r["rss_loaded_mib"], "after fit (MiB)": r["rss_fit_mib"],
        "after encode = peak (MiB)": r["rss_encode_mib"],
        "encode increment (MiB)": r["rss_encode_mib"] - r["rss_fit_mib"],
    }])
    print("peak resident memory (ru_maxrss) of the child process:")
    print(markdown_table(mem, floatfmt=".0f"))


def add_accuracy_arguments(parser):
    parser.add_argument("--n-words", type=int, default=800, help="vocabulary size (default 800)")
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--C", type=float, nargs="+", default=[1e-4, 3e-4, 1e-3, 3e-3],
                        help="LinearSVC C values tried on the validation split")
    parser.add_argument("--val-size", type=float, default=0.2)
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="threads of k-means and of the encoding (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subset", type=int, default=None,
                        help="use only the first N training and N // 5 test images (smoke run)")


def _score_svm(C, f_fit, y_fit, f_eval, y_eval):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    # Primal solver (more samples than features): its time depends little on
    # C, while dual coordinate descent slows down sharply as C grows.
    model = make_pipeline(StandardScaler(), LinearSVC(C=C, dual=False, max_iter=5000))
    return model.fit(f_fit, y_fit).score(f_eval, y_eval)


def run_accuracy(args):
    from benchmarks.harness.split import validation_split
    from features.bovw import BagOfVisualWords

    ds = _load(args.data, args.subset)
    n_jobs = args.n_jobs
    bovw = BagOfVisualWords(n_words=args.n_words, patch_size=6, stride=args.stride, whiten=True,
                            pooling="quadrants", n_jobs=n_jobs, random_state=args.seed)
    start = time.perf_counter()
    bovw.fit(ds.X_train)
    fit_s = time.perf_counter() - start
    idx_fit, idx_val = validation_split(np.arange(len(ds.y_train)), ds.y_train,
                                        val_size=args.val_size, random_state=args.seed)[:2]
    rows = []
    for encoding in ("triangle", "hard"):
        # The vocabulary does not depend on the encoding: reuse it.
        bovw.set_params(encoding=encoding)
        start = time.perf_counter()
        f_train, f_test = bovw.transform(ds.X_train), bovw.transform(ds.X_test)
        encode_s = time.perf_counter() - start
        val = {C: _score_svm(C, f_train[idx_fit], ds.y_train[idx_fit],
                             f_train[idx_val], ds.y_train[idx_val]) for C in args.C}
        best_C = max(val, key=val.get)
        test = _score_svm(best_C, f_train, ds.y_train, f_test, ds.y_test)
        rows.append({"encoding": encoding, "words": args.n_words, "stride": args.stride,
                     "features": f_train.shape[1], "C": f"{best_C:g}", "val acc": val[best_C],
                     "test acc": test, "encode s": encode_s})
        print(f"{encoding}: validation accuracy by C: "
              + ", ".join(f"{c:g}: {a:.3f}" for c, a in val.items()), flush=True)
    print(f"{len(ds.y_train)} training / {len(ds.y_test)} test images; 6x6 patches, whitening, "
          f"quadrant pooling, StandardScaler + LinearSVC; vocabulary fit {fit_s:.1f} s")
    print(markdown_table(pd.DataFrame(rows), floatfmt=".3f"))
