"""benchmarks/harness/curve.py: learning curves, their sizes, and points kept across failures."""

import json

import pandas as pd
import pytest

import benchmarks.harness.curve as curve
from benchmarks.harness.cli import main
from benchmarks.harness.curve import learning_curve
from tests.benchmarks.harness._data import color_dataset


def test_learning_curve_on_digits(tmp_path):
    from benchmarks.data.digits import load_digits

    table = learning_curve(load_digits(), ["hog/svm", "pixels/softmax"], sizes=(100, None),
                           out=tmp_path / "lc", cache_dir=tmp_path / "c", quiet=True)
    assert table["train_size"].tolist() == [100, 100, 1347, 1347]
    assert (tmp_path / "lc" / "learning-curve.png").exists()
    md = (tmp_path / "lc" / "learning-curve.md").read_text()
    assert "| train_size | hog/svm | pixels/softmax |" in md


def test_learning_curve_names_the_leader_of_each_size_from_its_points(tmp_path):
    from benchmarks.data.digits import load_digits
    from benchmarks.harness.stats import mcnemar

    ds = load_digits()
    table = learning_curve(ds, ["hog/svm", "pixels/softmax"], sizes=(100, 200),
                           out=tmp_path / "lc", cache_dir=tmp_path / "c", quiet=True)
    md = (tmp_path / "lc" / "learning-curve.md").read_text()
    assert "Leader at each size, against the runner-up on the same test images:" in md
    for size in (100, 200):
        pts = {name: json.loads((tmp_path / "lc" / "points" / f"{name.replace('/', '-')}-"
                                 f"{size}.json").read_text())
               for name in ("hog/svm", "pixels/softmax")}
        first, second = sorted(pts, key=lambda n: -pts[n]["accuracy"])
        test = mcnemar(ds.y_test, pts[first]["predictions"], pts[second]["predictions"])
        assert (f"| {size} | {first} | {pts[first]['accuracy']:.3f} " in md
                and f"| {test['a_only']} / {test['b_only']} |" in md)
    assert len(table) == 4


def test_learning_curve_reports_the_fit_images_of_each_row(tmp_path):
    table = learning_curve(color_dataset(), ["pixels/svm", "hog/svm"], sizes=(30, None),
                           val_size=15, out=tmp_path / "lc", cache_dir=tmp_path / "c",
                           quiet=True)
    assert table["fit_images"].tolist() == [15, 30, 75, 150]
    md = (tmp_path / "lc" / "learning-curve.md").read_text()
    assert "(raw-pixel rows: horizontal flips and 1-pixel shifts drawn per mini-batch)" in md


def test_learning_curve_augments_every_size_alike(tmp_path):
    table = learning_curve(color_dataset(), ["pixels/svm"], sizes=(30, None), val_size=15,
                           out=tmp_path / "lc", cache_dir=tmp_path / "c", quiet=True)
    assert table["fit_images"].tolist() == [15, 75]
    points = sorted((tmp_path / "lc" / "points").glob("*.json"))
    configs = [json.loads(p.read_text())["config"] for p in points]
    assert [(c["augment"], c["augment_in_batches"]) for c in configs] == [
        ("hflip+shift", True)] * 2
    md = (tmp_path / "lc" / "learning-curve.md").read_text()
    assert "fit part augmented by horizontal flips and 1-pixel shifts drawn per mini-batch" in md


# -- learning curves: duplicate sizes refused, finished points never lost ------------


def _digits():
    from benchmarks.data.digits import load_digits

    return load_digits()


@pytest.mark.parametrize("sizes,twice", [((1347, None), "1347"), ((100, 200, 100), "100"),
                                         ((None, None), "1347")])
def test_learning_curve_refuses_duplicate_sizes_before_any_work(sizes, twice, tmp_path,
                                                                monkeypatch):
    monkeypatch.setattr(curve, "run_pipeline", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(ValueError, match=rf"^--sizes lists {twice} training images twice"):
        learning_curve(_digits(), ["hog/svm"], sizes=sizes, out=tmp_path / "lc",
                       cache_dir=tmp_path / "c", quiet=True)
    assert not (tmp_path / "lc").exists()


def test_cli_learning_curve_refuses_a_size_equal_to_all(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(curve, "run_pipeline", lambda *a, **k: pytest.fail("work started"))
    code = main(["learning-curve", "--dataset", "digits", "--pipelines", "hog/svm",
                 "--sizes", "1347", "all", "--quiet", "--out", str(tmp_path / "lc")])
    assert code == 2
    assert "--sizes lists 1347 training images twice ('1347' and 'all')" in (
        capsys.readouterr().err)


def _curve(out, cache, **kw):
    return learning_curve(color_dataset(), ["hog/svm", "color/svm"], sizes=(30, 60, None),
                          val_size=15, out=out, cache_dir=cache, quiet=True, **kw)


def test_learning_curve_keeps_finished_points_and_resumes(tmp_path, monkeypatch):
    whole = _curve(tmp_path / "whole", tmp_path / "c")
    real, calls = curve.run_pipeline, []

    def crash_on_fourth(name, split, *args, **kwargs):
        calls.append((name, split.config["train_size"]))
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(name, split, *args, **kwargs)

    monkeypatch.setattr(curve, "run_pipeline", crash_on_fourth)
    with pytest.raises(KeyboardInterrupt):
        _curve(tmp_path / "broken", tmp_path / "other-cache")
    points = sorted(p.name for p in (tmp_path / "broken" / "points").iterdir())
    assert points == ["color-svm-30.json", "hog-svm-30.json", "hog-svm-60.json"]
    partial = pd.read_csv(tmp_path / "broken" / "learning-curve.csv")
    assert len(partial) == 3
    with pytest.raises(FileExistsError, match="already holds learning-curve points; pass "
                                              "--resume"):
        _curve(tmp_path / "broken", tmp_path / "other-cache")
    calls.clear()
    resumed = _curve(tmp_path / "broken", tmp_path / "other-cache", resume=True)
    assert calls == [("color/svm", 60), ("hog/svm", 90), ("color/svm", 90)]
    cols = ["pipeline", "train_size", "accuracy", "fit_images"]
    pd.testing.assert_frame_equal(resumed[cols], whole[cols])


def test_learning_curve_resume_with_other_options_is_refused(tmp_path):
    learning_curve(color_dataset(), ["hog/svm"], sizes=(30,), val_size=15,
                   out=tmp_path / "lc", cache_dir=tmp_path / "c", quiet=True)
    with pytest.raises(ValueError, match=r"--resume: .*hog-svm-30.json was produced with"):
        learning_curve(color_dataset(), ["hog/svm"], sizes=(30,), val_size=15, seed=1,
                       out=tmp_path / "lc", cache_dir=tmp_path / "c", quiet=True,
                       resume=True)


def test_cli_learning_curve_resume(tmp_path, capsys):
    argv = ["learning-curve", "--dataset", "digits", "--pipelines", "pixels/softmax",
            "--sizes", "100", "--quiet", "--out", str(tmp_path / "lc"),
            "--cache-dir", str(tmp_path / "c")]
    assert main(argv) == 0
    first = (tmp_path / "lc" / "learning-curve.csv").read_text()
    assert main([*argv, "--sizes", "100", "200", "--resume"]) == 0
    table = pd.read_csv(tmp_path / "lc" / "learning-curve.csv")
    assert table["train_size"].tolist() == [100, 200]
    assert first.splitlines()[1] == (tmp_path / "lc" / "learning-curve.csv").read_text(
    ).splitlines()[1]


def test_resume_without_out_continues_the_newest_curve_of_the_dataset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kw = dict(val_size=15, cache_dir=tmp_path / "c", quiet=True)
    first = learning_curve(color_dataset(), ["hog/svm"], sizes=(30,), **kw)
    again = learning_curve(color_dataset(), ["hog/svm"], sizes=(30, None), resume=True, **kw)
    assert again.attrs["out"] == first.attrs["out"]
    assert [p.name for p in (tmp_path / "featbench-results").iterdir()] == [
        first.attrs["out"].split("/")[-1]]
    assert again["train_size"].tolist() == [30, 90]


def test_resume_without_any_earlier_curve_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="--resume found no earlier curve of tiny"):
        learning_curve(color_dataset(), ["hog/svm"], sizes=(30,), val_size=15,
                       cache_dir=tmp_path / "c", quiet=True, resume=True)


def test_each_size_is_tuned_on_its_own_validation_split(tmp_path):
    import json

    from sklearn.base import clone

    import pipelines
    from benchmarks.harness.cache import open_cache
    from benchmarks.harness.extract import extract_features
    from benchmarks.harness.split import make_split

    table = learning_curve(color_dataset(), ["color/svm"], sizes=(45, None), val_size=15,
                           out=tmp_path / "lc", cache_dir=tmp_path / "c", quiet=True)
    assert table["tuned"].tolist() == [True, True]
    grid = pipelines.search_space("color/svm")["clf__alpha"]
    for size, chosen in zip(table["train_size"], table["best_params"]):
        # The grid value with the best validation accuracy at this size (the first on a tie).
        split = make_split(color_dataset(), size, 15, augment="hflip")
        pipe = pipelines.make("color/svm", image_shape=split.X_fit.shape[1:])
        F, _, _ = extract_features(pipe.named_steps["features"], split, open_cache(enabled=False))
        head = pipelines.make("color/svm").steps[1:]
        scores = []
        for alpha in grid:
            from sklearn.pipeline import Pipeline

            model = clone(Pipeline(head)).set_params(clf__alpha=alpha).fit(F[0], split.y_fit)
            scores.append(model.score(F[1], split.y_val))
        assert chosen == {"clf__alpha": grid[scores.index(max(scores))]}
        point = json.loads((tmp_path / "lc" / "points" / f"color-svm-{size}.json").read_text())
        assert point["best_params"] == chosen and point["config"]["search"] is True
    md = (tmp_path / "lc" / "learning-curve.md").read_text()
    assert "Settings chosen on each size's validation split" in md and "alpha=" in md


def test_without_search_every_point_keeps_its_settings(tmp_path):
    table = learning_curve(color_dataset(), ["color/svm"], sizes=(45,), val_size=15,
                           search=False, out=tmp_path / "lc", cache_dir=tmp_path / "c",
                           quiet=True)
    assert table["tuned"].tolist() == [False] and table["best_params"].tolist() == [{}]
    assert "Settings chosen" not in (tmp_path / "lc" / "learning-curve.md").read_text()


def test_points_of_another_search_setting_are_not_resumed(tmp_path):
    kw = dict(sizes=(45,), val_size=15, out=tmp_path / "lc", cache_dir=tmp_path / "c",
              quiet=True)
    learning_curve(color_dataset(), ["color/svm"], search=False, **kw)
    with pytest.raises(ValueError, match="--resume: .* was produced with .*'search': False"):
        learning_curve(color_dataset(), ["color/svm"], resume=True, **kw)


def test_points_tuned_on_another_grid_are_not_resumed(tmp_path, monkeypatch):
    import benchmarks.harness.workflow as workflow

    kw = dict(sizes=(45,), val_size=15, out=tmp_path / "lc", cache_dir=tmp_path / "c",
              quiet=True)
    learning_curve(color_dataset(), ["color/svm"], **kw)
    point = json.loads((tmp_path / "lc" / "points" / "color-svm-45.json").read_text())
    assert point["config"]["grid"] == {"clf__alpha": [1e-4, 1e-3, 1e-2]}
    # The same command after an upgrade that changed the row's grid.
    monkeypatch.setattr(workflow.pipelines, "search_space",
                        lambda name: {"clf__alpha": [1e-5, 1e-4]})
    with pytest.raises(ValueError, match=r"--resume: .* was produced with .*'grid': "
                                         r"\{'clf__alpha': \[0.0001, 0.001, 0.01\]\}"):
        learning_curve(color_dataset(), ["color/svm"], resume=True, **kw)


def test_cli_learning_curve_refuses_a_size_beyond_the_images(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(curve, "run_pipeline", lambda *a, **k: pytest.fail("work started"))
    code = main(["learning-curve", "--dataset", "digits", "--pipelines", "hog/svm",
                 "--sizes", "100", "5000", "--quiet", "--out", str(tmp_path / "lc")])
    assert code == 2
    assert ("--sizes must be an integer in [1, 1347]; got 5000. Pass sizes of at most 1347, "
            "or 'all'.") in capsys.readouterr().err
    assert not any((tmp_path / "lc").rglob("*"))  # the writable --out holds nothing


@pytest.mark.parametrize("command,size_option,fix", [
    (["learning-curve", "--sizes", "30"], "--sizes", "pass --no-search"),
    (["run", "--train-size", "30", "--search"], "--train-size", "leave out --search"),
])
def test_cli_refuses_a_grid_setting_the_row_cannot_fit_before_any_work(
        command, size_option, fix, tmp_path, capsys, monkeypatch):
    import benchmarks.harness.runner as runner

    for module in (curve, runner):
        monkeypatch.setattr(module, "run_pipeline", lambda *a, **k: pytest.fail("work started"))
    # 30 images less 12 for validation leave 18, under the kNN grid's n_neighbors=20.
    code = main([command[0], "--dataset", "digits", "--pipelines", "pixels/knn",
                 "--val-size", "12", *command[1:], "--quiet", "--out", str(tmp_path / "o")])
    assert code == 2
    assert (f"{size_option} leaves pixels/knn 18 fit images, fewer than the n_neighbors=20 of "
            f"its search grid; pass a larger {size_option}, or {fix}.") in (
        capsys.readouterr().err)
    assert not any((tmp_path / "o").rglob("*"))


def test_without_search_a_small_size_keeps_the_knn_row(tmp_path):
    table = learning_curve(_digits(), ["pixels/knn"], sizes=(30,), val_size=12, search=False,
                           out=tmp_path / "lc", cache_dir=tmp_path / "c", quiet=True)
    assert table["fit_images"].tolist() == [18] and table["tuned"].tolist() == [False]


def _computes_nothing(*args, **kwargs):
    raise AssertionError("--report computed a point")


def test_report_writes_the_saved_points_and_lists_the_missing_ones(tmp_path, monkeypatch):
    learning_curve(color_dataset(), ["hog/svm", "color/svm"], sizes=(30,), val_size=15,
                   out=tmp_path / "lc", cache_dir=tmp_path / "c", quiet=True)
    learning_curve(color_dataset(), ["hog/svm"], sizes=(60,), val_size=15,
                   out=tmp_path / "lc", cache_dir=tmp_path / "c", quiet=True, resume=True)
    monkeypatch.setattr(curve, "run_pipeline", _computes_nothing)
    table = _curve(tmp_path / "lc", tmp_path / "c", resume=True, report=True)
    assert list(zip(table["pipeline"], table["train_size"])) == [
        ("hog/svm", 30), ("color/svm", 30), ("hog/svm", 60)]
    assert len(pd.read_csv(tmp_path / "lc" / "learning-curve.csv")) == 3
    md = (tmp_path / "lc" / "learning-curve.md").read_text()
    assert md.rstrip().endswith("Points not computed yet (`--resume` computes them): "
                                "color/svm at 60 images, hog/svm at 90 images, "
                                "color/svm at 90 images.")
    assert (tmp_path / "lc" / "learning-curve.png").exists()


def test_leaders_are_named_only_at_sizes_where_every_row_has_its_point(tmp_path, monkeypatch):
    names = ["hog/svm", "color/svm", "pixels/softmax"]
    kw = dict(val_size=15, out=tmp_path / "lc", cache_dir=tmp_path / "c", quiet=True)
    learning_curve(color_dataset(), names, sizes=(30,), **kw)
    learning_curve(color_dataset(), names[:2], sizes=(60,), resume=True, **kw)
    monkeypatch.setattr(curve, "run_pipeline", _computes_nothing)
    learning_curve(color_dataset(), names, sizes=(30, 60), resume=True, report=True, **kw)
    md = (tmp_path / "lc" / "learning-curve.md").read_text()
    leaders = md[md.index("Leader at each size"):].splitlines()
    assert any(line.startswith("| 30 |") for line in leaders)
    assert not any(line.startswith("| 60 |") for line in leaders)


@pytest.mark.parametrize("kw, match", [
    (dict(report=True), "--report reads the points of an earlier learning curve; pass it "
                        "with --resume"),
    (dict(report=True, resume=True), "--report: .* holds none of these learning-curve points"),
])
def test_report_needs_saved_points(kw, match, tmp_path, monkeypatch):
    (tmp_path / "lc").mkdir()
    monkeypatch.setattr(curve, "run_pipeline", _computes_nothing)
    with pytest.raises(ValueError, match=match):
        _curve(tmp_path / "lc", tmp_path / "c", **kw)


def test_cli_report(tmp_path, capsys, monkeypatch):
    argv = ["learning-curve", "--dataset", "digits", "--pipelines", "pixels/softmax",
            "--sizes", "100", "--quiet", "--out", str(tmp_path / "lc"),
            "--cache-dir", str(tmp_path / "c")]
    assert main(argv) == 0
    monkeypatch.setattr(curve, "run_pipeline", _computes_nothing)
    assert main([*argv, "--sizes", "100", "200", "--resume", "--report"]) == 0
    assert "pixels/softmax at 200 images" in (tmp_path / "lc" / "learning-curve.md").read_text()
