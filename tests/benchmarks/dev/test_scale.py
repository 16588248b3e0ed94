"""The scale benchmark: its tables from known figures, and a small run end to end."""

import types

import pandas as pd
import pytest

import benchmarks.data.cifar10
import benchmarks.dev.scale
import benchmarks.dev.tiled
from benchmarks.dev.scale import _sizes, load_record, ratio_table, summarize
from benchmarks.dev.speed import build_parser
from benchmarks.harness.atomic import write_json_atomic


def _row(name, scale):
    return {"pipeline": name, "feature_time": 3.0 * scale, "feature_fit_time": 1.0 * scale,
            "fit_time": 2.0 * scale, "predict_time": 0.5 * scale,
            "peak_rss": {"features": 2**30 * scale, "fit": 2**29, "predict": 2**28}}


def test_summary_adds_rows_takes_kmeans_apart_and_the_largest_phase_peak():
    results = {200: {"wall": 10.0, "maxrss": 2**31, "rows": [_row("a", 1), _row("b", 2)]}}
    line = summarize(results).iloc[0]
    assert line["images"] == 200 and line["peak GB"] == 2.0
    assert line["vocabulary s"] == 3.0
    assert line["features s"] == 9.0 - 3.0  # the extraction without the k-means
    assert line["fit s"] == 6.0 and line["predict s"] == 1.5
    assert (line["features GB"], line["fit GB"], line["predict GB"]) == (2.0, 0.5, 0.25)


def test_rows_without_phase_peaks_leave_them_empty():
    row = dict(_row("a", 1), peak_rss=None)
    line = summarize({100: {"wall": 1.0, "maxrss": 2**30, "rows": [row]}}).iloc[0]
    assert pd.isna(line["fit GB"]) and line["peak GB"] == 1.0


def test_ratio_is_one_for_linear_growth_and_above_for_faster_growth():
    results = {100: {"wall": 5.0, "maxrss": 1, "rows": [_row("a", 1)]},
               400: {"wall": 20.0, "maxrss": 1, "rows": [_row("a", 4)]},
               800: {"wall": 80.0, "maxrss": 1, "rows": [_row("a", 16)]}}
    table = ratio_table(summarize(results))
    assert table["images"].tolist() == [100, 400, 800]
    assert table["fit s"].tolist() == [1.0, 1.0, 2.0]
    assert table["wall s"].tolist() == [1.0, 1.0, 2.0]


def test_ratio_against_another_baseline_divides_by_its_times():
    results = {100: {"wall": 5.0, "maxrss": 1, "rows": [_row("a", 1)]},
               400: {"wall": 20.0, "maxrss": 1, "rows": [_row("a", 4)]}}
    slower = summarize({100: {"wall": 10.0, "maxrss": 1, "rows": [_row("a", 2)]}}).iloc[0]
    table = ratio_table(summarize(results), slower)
    assert table["fit s"].tolist() == [0.5, 0.5]
    assert table["wall s"].tolist() == [0.5, 0.5]


def test_probe_seconds_are_shown_as_the_mean_of_before_and_after():
    result = {"wall": 1.0, "maxrss": 1, "rows": [_row("a", 1)], "probe": [1.0, 2.0]}
    assert summarize({100: result}).loc[0, "probe s"] == 1.5
    del result["probe"]
    assert pd.isna(summarize({100: result}).loc[0, "probe s"])


@pytest.mark.parametrize("text", ["", "abc", "10,4", "0"])
def test_bad_sizes_are_refused(text):
    with pytest.raises(ValueError, match="--sizes"):
        _sizes(text)


def test_sizes_are_sorted_once_each():
    assert _sizes("600, 300,600") == [300, 600]


@pytest.fixture
def fake_runs(monkeypatch):
    """run_speed without data or child processes: each size's run is recorded in ``calls``."""
    calls = []

    def run_size(data, pipelines, out):
        size = int(data.name.split("-")[1])
        calls.append(size)
        return {"wall": size / 100, "maxrss": size * 2**20, "rows": [_row("color/svm", size)]}

    monkeypatch.setattr(benchmarks.dev.scale, "run_size", run_size)
    monkeypatch.setattr(benchmarks.dev.scale, "probe", lambda: 1.5)
    monkeypatch.setattr(benchmarks.dev.scale, "source_commit", lambda: "abc")
    monkeypatch.setattr(benchmarks.dev.tiled, "write_tiled", lambda subset, data, *a: data.mkdir())
    monkeypatch.setattr(benchmarks.data.cifar10, "load_cifar10",
                        lambda root: types.SimpleNamespace(source="fake"))
    return calls


def _scale(tmp_path, *extra):
    args = build_parser("speed").parse_args(
        ["scale", "--data", "unused", "--sizes", "100,200", "--test-size", "10",
         "--pipelines", "color/svm", "--work", str(tmp_path), *extra])
    return args._run(args)


def test_a_second_call_reuses_the_recorded_sizes(fake_runs, tmp_path, capsys):
    first = _scale(tmp_path)
    for tiled in tmp_path.glob("tiled-*"):
        tiled.rmdir()
    second = _scale(tmp_path)
    assert fake_runs == [100, 200, 100]
    pd.testing.assert_frame_equal(first, second)
    assert not list(tmp_path.glob("tiled-*"))  # a recorded size needs no tiled folder
    printed = capsys.readouterr().out
    assert f"200 images: 2.0 s, peak 0.20 GB (probe 1.50, 1.50 s; recorded in {tmp_path}" \
        in printed


def test_fresh_runs_every_size_again(fake_runs, tmp_path):
    _scale(tmp_path)
    _scale(tmp_path, "--fresh")
    assert fake_runs == [100, 200, 100, 100, 200, 100]


def test_the_smallest_size_runs_again_after_the_largest_and_is_a_second_baseline(
        fake_runs, tmp_path, capsys):
    shown = _scale(tmp_path)
    assert fake_runs == [100, 200, 100]
    assert shown["images"].tolist() == [100, 200, 100]
    assert shown["run"].tolist() == ["", "", "again"]
    assert shown["probe s"].tolist() == [1.5, 1.5, 1.5]
    printed = capsys.readouterr().out
    assert "100 (again) images" in printed
    assert "against the first run: largest phase ratio 1.00" in printed
    assert "against the run after the largest size: largest phase ratio 1.00" in printed


def test_no_bracket_runs_each_size_once(fake_runs, tmp_path, capsys):
    shown = _scale(tmp_path, "--no-bracket")
    assert fake_runs == [100, 200]
    assert "run after the largest" not in capsys.readouterr().out
    assert shown["run"].tolist() == ["", ""]


def test_a_size_measured_again_is_bracketed_again(fake_runs, tmp_path):
    _scale(tmp_path)
    (tmp_path / "scale-200-10.json").unlink()
    _scale(tmp_path)
    # The recorded bracket came before the new 200-image run, so it no longer brackets it.
    assert fake_runs == [100, 200, 100, 200, 100]


def test_a_record_made_at_another_commit_is_run_again(fake_runs, tmp_path, capsys, monkeypatch):
    _scale(tmp_path)
    monkeypatch.setattr(benchmarks.dev.scale, "source_commit", lambda: "def")
    _scale(tmp_path)
    assert fake_runs == [100, 200, 100] * 2
    assert "measured at commit abc, not def" in capsys.readouterr().err


def test_a_record_of_other_pipelines_is_run_again(fake_runs, tmp_path, capsys):
    write_json_atomic(tmp_path / "scale-100-10.json",
                      {"pipelines": "default", "wall": 1.0, "maxrss": 1, "rows": []})
    _scale(tmp_path)
    assert fake_runs == [100, 200, 100]
    assert "measured for --pipelines 'default', not 'color/svm'" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["{not json", '{"pipelines": "color/svm", "wall": 1.0}'])
def test_an_unreadable_record_is_run_again(tmp_path, capsys, text):
    path = tmp_path / "scale-100-10.json"
    path.write_text(text, encoding="utf-8")
    assert load_record(path, "color/svm") is None
    assert "cannot be read" in capsys.readouterr().err


@pytest.mark.slow
def test_a_small_scale_run_prints_each_size_phase_and_ratio(cifar10_dir, tmp_path, capsys):
    args = build_parser("speed").parse_args(
        ["scale", "--data", str(cifar10_dir), "--sizes", "200,400", "--test-size", "50",
         "--pipelines", "color/svm,bovw/svm", "--work", str(tmp_path)])
    summary = args._run(args)
    assert summary["images"].tolist() == [200, 400, 200]  # the smallest again, after
    assert (summary["peak GB"] > 0).all() and (summary["wall s"] > 0).all()
    assert (summary["vocabulary s"] > 0).all()  # bovw/svm's k-means, timed apart
    printed = capsys.readouterr().out
    assert "Time over the 200-image first run's" in printed
    assert "Time over the 200-image run after the largest size's" in printed
    assert (summary["probe s"] > 0).all()
    assert "| images | bovw/svm | color/svm |" in printed  # each row's own ratios
    # The tiled folders are kept in --work and reused by a second run.
    assert sorted(p.name for p in tmp_path.glob("tiled-*")) == ["tiled-200-50", "tiled-400-50"]
