"""Smoke test of benchmarks/dev/features.py on a few real images: it runs and checks itself."""

from benchmarks.dev.speed import build_parser


def test_speed_features_table_has_every_row_and_exact_results(cifar10_dir, capsys):
    args = build_parser("speed").parse_args(
        ["features", "--data", str(cifar10_dir), "--n-images", "40", "--repeat", "1", "--loop-repeat", "1"])
    table = args._run(args)
    # Per feature: the loop, the first call, n_jobs=1 and n_jobs=2.
    assert list(table["feature"].value_counts()) == [4, 4]
    assert (table["max_abs_diff"] <= 1e-6).all()
    assert (table["images_per_s"] > 0).all()
    printed = capsys.readouterr().out
    assert "| speedup (x) |" in printed and "goals: HOG >= 30x" in printed


def test_rows_interleave_loop_and_batched_timings():
    import numpy as np
    from sklearn.base import BaseEstimator, TransformerMixin

    from benchmarks.dev.features import _rows

    log = []

    class Recorder(TransformerMixin, BaseEstimator):
        def __init__(self, n_jobs=None):
            self.n_jobs = n_jobs

        def fit(self, X, y=None):
            return self

        def transform(self, X):
            log.append(f"jobs{self.n_jobs}")
            return X.reshape(len(X), -1).astype(float)

    def loop(images):
        log.append("loop")
        return images.reshape(len(images), -1).astype(float)

    images = np.arange(24, dtype=np.uint8).reshape(3, 2, 4)
    rows = _rows("x", images, loop, images, Recorder(), n_jobs=2, repeat=4, loop_repeat=2)
    assert [row["max_abs_diff"] for row in rows] == [0.0] * 4
    assert log.count("loop") == 2
    # One first call, then 4 timed calls per setting, spread over both loop rounds.
    assert log.count("jobs1") == 1 + 4 and log.count("jobs2") == 4
    second_loop = log.index("loop", log.index("loop") + 1)
    assert "jobs2" in log[:second_loop] and "jobs2" in log[second_loop:]
