"""benchmarks/harness/seeds.py: the same pipelines over several seeds, and their differences."""

import json

import numpy as np
import pandas as pd
import pytest

import benchmarks.harness.seeds as seeds
from benchmarks.harness.cli import main
from benchmarks.harness.runner import run_benchmark
from benchmarks.harness.seeds import seed_differences, seed_sweep
from benchmarks.harness.stats import paired_difference
from tests.benchmarks.harness._data import color_dataset

NAMES = ["hog/svm", "color/svm"]


def _sweep(out, cache, seed_list=(0, 3, 7), **kw):
    return seed_sweep(color_dataset(), NAMES, seeds=seed_list, val_size=15, out=out,
                      cache_dir=cache, quiet=True, **kw)


def test_each_seed_gives_the_row_of_a_run_with_that_seed(tmp_path):
    table = _sweep(tmp_path / "s", tmp_path / "c", seed_list=(0, 3))
    for seed in (0, 3):
        run = run_benchmark(color_dataset(), NAMES, val_size=15, seed=seed,
                            out=tmp_path / f"run{seed}", cache_dir=tmp_path / "other",
                            quiet=True, make_plots=False)
        got = table[table["seed"] == seed].set_index("pipeline")
        for name in NAMES:
            row = run.set_index("pipeline").loc[name]
            assert got.loc[name, "accuracy"] == row["accuracy"]
            assert got.loc[name, "val_accuracy"] == row["val_accuracy"]
            assert got.loc[name, "fit_images"] == row["fit_images"]


def test_the_table_lists_pipelines_seed_by_seed(tmp_path):
    table = _sweep(tmp_path / "s", tmp_path / "c")
    assert table["seed"].tolist() == [0, 0, 3, 3, 7, 7]
    assert table["pipeline"].tolist() == NAMES * 3
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "s" / "seeds.csv"), table,
                                  check_dtype=False)
    assert (tmp_path / "s" / "seeds.png").read_bytes()[1:4] == b"PNG"


def test_the_markdown_has_each_seed_and_the_summary(tmp_path):
    table = _sweep(tmp_path / "s", tmp_path / "c")
    md = (tmp_path / "s" / "seeds.md").read_text()
    assert md == table.attrs["markdown"]
    assert md.startswith("# Across seeds: tiny (seeds 0, 3, 7; train 90, validation 15, "
                         "test 30 images")
    assert "| seed | hog/svm | color/svm |" in md
    mean = table.groupby("pipeline")["accuracy"].mean()
    assert f"| mean | {mean['hog/svm']:.3f} | {mean['color/svm']:.3f} |" in md
    for label in ("| sd |", "| min |", "| max |", "p (paired t)"):
        assert label in md


@pytest.mark.parametrize("against", [None, "color/svm"])
def test_differences_are_paired_over_the_seeds(tmp_path, against):
    table = _sweep(tmp_path / "s", tmp_path / "c", against=against)
    diffs = table.attrs["differences"]
    wide = table.pivot(index="seed", columns="pipeline", values="accuracy")
    first = against or wide.mean().idxmax()
    other = next(n for n in NAMES if n != first)
    expected = paired_difference(wide[first], wide[other])
    assert diffs[["against", "pipeline"]].values.tolist() == [[first, other]]
    for key, value in expected.items():
        np.testing.assert_allclose(diffs[key].iloc[0], value)
    saved = pd.read_csv(tmp_path / "s" / "differences.csv")
    assert saved["mean"].iloc[0] == pytest.approx(expected["mean"])


def test_seed_differences_known_answer():
    table = pd.DataFrame({"pipeline": ["a"] * 3 + ["b"] * 3 + ["c"] * 2,
                          "seed": [0, 1, 2, 0, 1, 2, 0, 2],
                          "accuracy": [0.70, 0.72, 0.74, 0.69, 0.73, 0.70, 0.60, 0.64]})
    diffs = seed_differences(table).set_index("pipeline")
    # a - b: +0.01, -0.01, +0.04; a - c over the seeds both have: +0.10, +0.10.
    assert diffs.loc["b", "mean"] == pytest.approx(0.04 / 3)
    assert (diffs.loc["b", "a_ahead"], diffs.loc["b", "b_ahead"]) == (2, 1)
    assert diffs.loc["c", "n"] == 2 and diffs.loc["c", "mean"] == pytest.approx(0.10)


def test_seed_differences_refuse_an_unknown_pipeline():
    table = pd.DataFrame({"pipeline": ["a", "b"], "seed": [0, 0], "accuracy": [0.5, 0.4]})
    with pytest.raises(ValueError, match=r"--against 'z' is not among the pipelines of the "
                                         r"sweep \(a, b\)"):
        seed_differences(table, "z")


@pytest.mark.parametrize("seed_list,error,match", [
    ([0, 1, 0], ValueError, "--seeds lists seed 0 twice; pass each seed once"),
    ([], ValueError, "--seeds is empty"),
    ([-1], ValueError, r"--seeds must be an integer in \[0, 4294967295\]; got -1"),
    ([1.5], TypeError, "--seeds must be an integer"),
    ("0 1", TypeError, "--seeds must be a list of seeds"),
])
def test_bad_seeds_are_refused_before_any_work(seed_list, error, match, tmp_path, monkeypatch):
    monkeypatch.setattr(seeds, "run_pipeline", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(error, match=match):
        _sweep(tmp_path / "s", tmp_path / "c", seed_list=seed_list)
    assert not (tmp_path / "s").exists()


def test_an_against_outside_the_sweep_is_refused_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setattr(seeds, "run_pipeline", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(ValueError, match="--against 'pixels/cnn' is not among the pipelines"):
        _sweep(tmp_path / "s", tmp_path / "c", against="pixels/cnn")


def test_finished_points_are_kept_and_the_sweep_resumes(tmp_path, monkeypatch):
    whole = _sweep(tmp_path / "whole", tmp_path / "c")
    real, calls = seeds.run_pipeline, []

    def crash_on_fourth(name, split, *args, **kwargs):
        calls.append((name, split.config["seed"]))
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(name, split, *args, **kwargs)

    monkeypatch.setattr(seeds, "run_pipeline", crash_on_fourth)
    with pytest.raises(KeyboardInterrupt):
        _sweep(tmp_path / "broken", tmp_path / "other-cache")
    points = sorted(p.name for p in (tmp_path / "broken" / "points").iterdir())
    assert points == ["color-svm-seed0.json", "hog-svm-seed0.json", "hog-svm-seed3.json"]
    saved = json.loads((tmp_path / "broken" / "points" / "hog-svm-seed3.json").read_text())
    assert saved["seed"] == 3 and saved["config"]["seed"] == 3
    with pytest.raises(FileExistsError, match="already holds seed-sweep points; pass --resume"):
        _sweep(tmp_path / "broken", tmp_path / "other-cache")
    calls.clear()
    resumed = _sweep(tmp_path / "broken", tmp_path / "other-cache", resume=True)
    assert calls == [("color/svm", 3), ("hog/svm", 7), ("color/svm", 7)]
    cols = ["pipeline", "seed", "accuracy", "val_accuracy", "fit_images"]
    pd.testing.assert_frame_equal(resumed[cols], whole[cols])


def test_resume_with_other_options_is_refused(tmp_path):
    _sweep(tmp_path / "s", tmp_path / "c", seed_list=(0,))
    with pytest.raises(ValueError, match=r"--resume: .*hog-svm-seed0.json was produced with"):
        seed_sweep(color_dataset(), NAMES, seeds=(0,), val_size=20, out=tmp_path / "s",
                   cache_dir=tmp_path / "c", quiet=True, resume=True)


def test_one_seed_leaves_the_interval_empty(tmp_path):
    table = _sweep(tmp_path / "s", tmp_path / "c", seed_list=(5,))
    assert np.isnan(table.attrs["differences"]["ci_low"].iloc[0])
    assert "| n/a |" in table.attrs["markdown"]


def test_cli_seeds_runs_and_resumes(tmp_path):
    argv = ["seeds", "--dataset", "digits", "--pipelines", "pixels/softmax,hog/svm",
            "--train-size", "300", "--quiet", "--out", str(tmp_path / "s"),
            "--cache-dir", str(tmp_path / "c")]
    assert main([*argv, "--seeds", "0"]) == 0
    assert main([*argv, "--seeds", "0", "1", "--against", "pixels/softmax", "--resume"]) == 0
    table = pd.read_csv(tmp_path / "s" / "seeds.csv")
    assert table["seed"].tolist() == [0, 0, 1, 1]
    diffs = pd.read_csv(tmp_path / "s" / "differences.csv")
    assert diffs[["against", "pipeline", "n"]].values.tolist() == [
        ["pixels/softmax", "hog/svm", 2]]


def test_cli_seeds_refuses_a_seed_given_twice(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(seeds, "run_pipeline", lambda *a, **k: pytest.fail("work started"))
    code = main(["seeds", "--dataset", "digits", "--pipelines", "hog/svm", "--seeds", "2",
                 "2", "--quiet", "--out", str(tmp_path / "s")])
    assert code == 2
    assert "--seeds lists seed 2 twice" in capsys.readouterr().err


@pytest.mark.parametrize("p,shown", [(0.4673, "0.467"), (0.001, "0.001"), (9e-6, "<0.001"),
                                     (float("nan"), "")])
def test_p_values_below_a_thousandth_are_not_shown_as_zero(p, shown):
    assert seeds._p_value(p) == shown
