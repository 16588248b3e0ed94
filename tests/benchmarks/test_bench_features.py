"""Smoke test of benchmarks/bench_features.py on a few real images: it runs and checks itself."""

from benchmarks.speed import build_parser


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
