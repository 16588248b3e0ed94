"""End to end: every pipeline on a slice of the real subset, files, resume, cache."""

import json

import numpy as np
import pandas as pd
import pytest

import benchmarks.harness.runner as runner
import benchmarks.harness.workflow as workflow
import pipelines
from benchmarks.harness.cli import main
from benchmarks.harness.memory import peak_rss, reset_peak_rss
from benchmarks.harness.runner import run_benchmark
from tests.benchmarks.harness._data import color_dataset

# Without the flips "auto" applies to CIFAR-10 (tested in test_harness.py and
# test_cli.py), which would double the fit part and the time of this module.
SLICE = {"train_size": 1000, "test_size": 300, "seed": 0, "augment": "none"}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("feature-cache")


@pytest.fixture(scope="module")
def full_run(cifar10, cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "all"
    frame = run_benchmark(cifar10, "all", out=out, cache_dir=cache, quiet=True, **SLICE)
    return frame, out


def test_every_pipeline_runs_and_beats_chance(full_run):
    frame, _ = full_run
    assert frame["pipeline"].tolist() == pipelines.select("all")
    # Ten classes: chance is 0.1. kNN on raw pixels of 900 images is barely above it.
    knn = frame["classifier"].isin(["knn", "skknn"])
    assert (frame.loc[~knn, "accuracy"] > 0.2).all()
    assert (frame.loc[knn, "accuracy"] > 0.13).all()
    assert (frame["ci_low"] <= frame["accuracy"]).all()
    assert (frame["accuracy"] <= frame["ci_high"]).all()


def test_classic_features_beat_raw_pixels_for_the_svm(full_run):
    frame, _ = full_run
    acc = frame.set_index("pipeline")["accuracy"]
    assert acc["hog+color/svm"] > acc["pixels/svm"]


def test_output_files_parse(full_run):
    frame, out = full_run
    csv = pd.read_csv(out / "results.csv")
    assert csv["pipeline"].tolist() == frame["pipeline"].tolist()
    np.testing.assert_allclose(csv["accuracy"], frame["accuracy"])
    assert {"acc:cat", "balanced_accuracy", "n_features", "fit_time"} <= set(csv.columns)
    doc = json.loads((out / "results.json").read_text())
    assert doc["config"]["train_size"] == 1000 and len(doc["y_test"]) == 300
    assert doc["comparison"]["pixels"].startswith(("pixels/", "ref:pixels/"))
    md = (out / "results.md").read_text()
    assert "| pipeline | accuracy | 95% CI |" in md and "McNemar" in md
    assert "| predict s | peak GB |" in md
    if peak_rss() is not None and reset_peak_rss():  # each row measured its own peak
        assert (csv["peak_rss"] > 2**20).all()


def test_plots_are_written(full_run):
    _, out = full_run
    names = {p.name for p in out.glob("*.png")}
    assert {"accuracy.png", "loss-curves.png", "hog-pictures.png"} <= names
    confusion = list((out / "confusion").glob("confusion-*.png"))
    assert len(confusion) == len(pipelines.select("all"))
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in confusion)


def test_rerun_hits_the_cache_and_gives_the_same_table(full_run, cifar10, cache, tmp_path):
    frame, _ = full_run
    names = ["hog+color/svm", "bovw/svm", "pixels/softmax"]
    again = run_benchmark(cifar10, names, out=tmp_path / "again", cache_dir=cache,
                          quiet=True, make_plots=False, **SLICE)
    assert (again["cache"] == "row").all()
    first = frame.set_index("pipeline").loc[names, "accuracy"].to_numpy()
    np.testing.assert_array_equal(again["accuracy"].to_numpy(), first)


def test_new_classifier_parameter_reuses_the_features(full_run, cifar10, cache, tmp_path):
    from benchmarks.harness.cache import open_cache
    from benchmarks.harness.evaluate import run_pipeline
    from benchmarks.harness.split import make_split

    split = make_split(cifar10, **SLICE)
    row = run_pipeline("hog+color/svm", split, open_cache(cache), search=True)
    assert row["cache"] == "features" and set(row["best_params"]) == {"clf__alpha"}


def test_resume_after_a_crash_equals_an_uninterrupted_run(cifar10, cache, tmp_path,
                                                          monkeypatch):
    names = ["pixels/svm", "hog+color/svm", "ref:hog+color/linearsvc"]
    whole = run_benchmark(cifar10, names, out=tmp_path / "whole", cache_dir=cache,
                          quiet=True, make_plots=False, **SLICE)
    real = runner.run_pipeline

    def crash_on_third(name, *args, **kwargs):
        if name == names[2]:
            raise KeyboardInterrupt
        return real(name, *args, **kwargs)

    monkeypatch.setattr(runner, "run_pipeline", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(cifar10, names, out=tmp_path / "broken", cache_dir=cache, quiet=True,
                      make_plots=False, **SLICE)
    saved = pd.read_csv(tmp_path / "broken" / "results.csv")
    assert saved["pipeline"].tolist() == names[:2]  # what finished was kept
    monkeypatch.setattr(runner, "run_pipeline", real)
    resumed = run_benchmark(cifar10, names, out=tmp_path / "broken", cache_dir=cache,
                            resume=True, quiet=True, make_plots=False, **SLICE)
    cols = ["pipeline", "accuracy", "balanced_accuracy", "n_features"]
    pd.testing.assert_frame_equal(resumed[cols], whole[cols])


def test_existing_results_are_never_overwritten(cifar10, cache, tmp_path):
    out = tmp_path / "keep"
    run_benchmark(cifar10, ["pixels/svm"], out=out, cache_dir=cache, quiet=True,
                  make_plots=False, **SLICE)
    before = (out / "results.csv").read_bytes()
    with pytest.raises(FileExistsError, match="already holds results; pass --resume"):
        run_benchmark(cifar10, ["pixels/svm"], out=out, cache_dir=cache, quiet=True, **SLICE)
    assert (out / "results.csv").read_bytes() == before


def test_resume_with_other_options_is_refused(cifar10, cache, tmp_path):
    out = tmp_path / "r"
    run_benchmark(cifar10, ["pixels/svm"], out=out, cache_dir=cache, quiet=True,
                  make_plots=False, **SLICE)
    with pytest.raises(ValueError, match="--resume: .* was produced with"):
        run_benchmark(cifar10, ["pixels/svm"], out=out, cache_dir=cache, resume=True,
                      quiet=True, train_size=900, test_size=300)


@pytest.mark.parametrize("argv,message", [
    (["--pipelines", "hog/knn"], "unknown pipeline 'hog/knn'"),
    (["--train-size", "999999"], "--train-size=999999 is larger than the data"),
    (["--test-size", "5000"], "--test-size=5000 is larger than the data"),
])
def test_bad_options_fail_before_any_work(cifar10_dir, tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    code = main(["run", "--dataset", "cifar10", "--data", str(cifar10_dir), "--out", str(out),
                 "--quiet", *argv])
    assert code == 2 and message in capsys.readouterr().err
    assert not (out / "rows").exists()


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["run", "--dataset", "digits", "--out", str(blocker / "sub"), "--quiet"])
    assert code == 2 and "is not writable" in capsys.readouterr().err


def test_cli_run_on_digits_prints_the_table(tmp_path, capsys):
    code = main(["run", "--dataset", "digits", "--pipelines", "pixels/svm,hog/svm",
                 "--out", str(tmp_path / "d"), "--cache-dir", str(tmp_path / "c")])
    assert code == 0
    out = capsys.readouterr().out
    assert "| hog/svm |" in out and (tmp_path / "d" / "results.md").exists()


def test_auto_shifts_the_raw_pixel_rows_only(tmp_path):
    names = ["pixels/svm", "hog/svm", "ref:pixels/logreg"]
    kw = dict(val_size=15, out=tmp_path / "r", cache_dir=tmp_path / "c", quiet=True,
              make_plots=False)
    frame = run_benchmark(color_dataset(), names, **kw)
    rows = frame.set_index("pipeline")
    # 75 fit images: mirrored (150) for features; raw pixels draw flips and
    # shifts per batch from the 75 alone.
    assert rows["fit_images"].to_dict() == {"pixels/svm": 75, "hog/svm": 150,
                                            "ref:pixels/logreg": 75}
    assert rows["augment"].to_dict() == {"pixels/svm": "hflip+shift per batch",
                                         "hog/svm": "hflip",
                                         "ref:pixels/logreg": "hflip+shift per batch"}
    config = json.loads((tmp_path / "r" / "results.json").read_text())["config"]
    assert (config["augment"], config["augment_per_batch"], config["shift_pixels"]) == (
        "hflip", "hflip+shift", 1)
    md = (tmp_path / "r" / "results.md").read_text()
    assert ("fit part augmented by horizontal flips (raw-pixel rows: horizontal flips "
            "and 1-pixel shifts drawn per mini-batch)") in md
    assert "| fit images | augment |" in md and "| hflip+shift per batch |" in md
    # Resumed with the same options, every row is found done.
    again = run_benchmark(color_dataset(), names, resume=True, **kw)
    assert again["accuracy"].tolist() == frame["accuracy"].tolist()


def test_raw_pixel_rows_fit_part_takes_the_memory_of_the_plain_fit_part():
    # Under "auto" no raw-pixel row holds a shifted or mirrored copy: its fit
    # part is the fit images themselves; the feature rows' holds their mirrors.
    from benchmarks.harness.split import make_split

    names = ["pixels/svm", "pixels/softmax", "pixels/mlp", "ref:pixels/logreg",
             "pixels/knn", "hog/svm"]
    splits, _ = workflow.make_splits(color_dataset(), names, None, 15, None, 0, "auto")
    plain = make_split(color_dataset(), val_size=15, augment="none")
    for name in names[:5]:
        assert splits[name].X_fit.nbytes == plain.X_fit.nbytes, name
        np.testing.assert_array_equal(splits[name].X_fit, plain.X_fit)
    assert splits["hog/svm"].X_fit.nbytes == 2 * plain.X_fit.nbytes


@pytest.mark.parametrize("field", ["X_fit", "X_val", "X_test"])
def test_the_splits_of_one_run_hold_each_image_once(field):
    # kNN and per-batch rows: the first half of the feature rows' mirrored fit part.
    names = ["pixels/svm", "pixels/knn", "hog/svm"]
    splits, _ = workflow.make_splits(color_dataset(), names, None, 15, None, 0, "auto")
    held = getattr(splits["hog/svm"], field)
    for name in names[:2]:
        part = getattr(splits[name], field)
        assert np.shares_memory(part, held), name
        np.testing.assert_array_equal(part, held[:len(part)])


def test_splits_with_other_images_are_not_shared():
    from benchmarks.harness.split import make_split

    first = make_split(color_dataset(), val_size=15, seed=0)
    second = make_split(color_dataset(), val_size=15, seed=1)
    before = second.X_fit.copy()
    workflow._share_images([first, second])
    assert not np.shares_memory(first.X_fit, second.X_fit)
    np.testing.assert_array_equal(second.X_fit, before)


def test_no_raw_pixel_split_is_made_without_raw_pixel_rows(tmp_path, monkeypatch):
    made = []
    real = workflow.make_split
    monkeypatch.setattr(workflow, "make_split",
                        lambda *a, **k: made.append(k.get("raw_pixels", False)) or real(*a, **k))
    run_benchmark(color_dataset(), ["hog/svm", "color/svm"], val_size=15,
                  out=tmp_path / "r", cache_dir=tmp_path / "c", quiet=True, make_plots=False)
    assert made == [False]
    config = json.loads((tmp_path / "r" / "results.json").read_text())["config"]
    assert config["augment"] == "hflip" and "augment_per_batch" not in config


def test_same_rows_with_auto_and_with_the_explicit_augmentation(tmp_path):
    kw = dict(val_size=15, cache_dir=tmp_path / "c", quiet=True, make_plots=False)
    auto = run_benchmark(color_dataset(), ["pixels/softmax", "color/svm"],
                         out=tmp_path / "a", **kw)
    pixels = run_benchmark(color_dataset(), ["pixels/softmax"], augment="hflip+shift",
                           out=tmp_path / "p", **kw)
    color = run_benchmark(color_dataset(), ["color/svm"], augment="hflip",
                          out=tmp_path / "f", **kw)
    # The rows come from the cache: the splits and their configs are the same.
    assert pixels["cache"].tolist() == ["row"] and color["cache"].tolist() == ["row"]
    assert auto["accuracy"].tolist() == [pixels["accuracy"][0], color["accuracy"][0]]


def test_gray_images_share_one_split_between_all_rows():
    from benchmarks.data.digits import load_digits

    splits, config = workflow.make_splits(load_digits(), ["pixels/svm", "hog/svm"], None,
                                         0.1, None, 0, "auto")
    assert splits["pixels/svm"] is splits["hog/svm"]
    assert config["augment"] == "none" and "augment_per_batch" not in config


def test_run_says_what_it_trains_on_before_the_work(tmp_path):
    said = []
    run_benchmark(color_dataset(), ["hog/svm", "pixels/svm"], val_size=15,
                  out=tmp_path / "r", cache_dir=tmp_path / "c", make_plots=False,
                  log=said.append)
    assert said[0] == ("2 pipelines on tiny: train 90 (validation 15), test 30, fit part "
                       "augmented by horizontal flips (raw-pixel rows: horizontal flips and "
                       "1-pixel shifts drawn per mini-batch)")


_DEEP = "[" * 200_000 + "]" * 200_000


def _row_without(key):
    return lambda doc: json.dumps({k: v for k, v in doc.items() if k != key})


def _row_with(key, value):
    return lambda doc: json.dumps({**doc, key: value})


def _resumable_run(tmp_path):
    """The options, rows and table of a run saved in ``tmp_path`` to resume."""
    kw = dict(val_size=15, out=tmp_path / "r", cache_dir=tmp_path / "c", quiet=True,
              make_plots=False)
    names = ["hog/svm", "color/svm"]
    return kw, names, run_benchmark(color_dataset(), names, **kw)


def _record_computed(monkeypatch):
    """The names of the rows computed from now on (not loaded from saved files)."""
    computed, real = [], runner.run_pipeline
    monkeypatch.setattr(runner, "run_pipeline",
                        lambda name, *a, **k: computed.append(name) or real(name, *a, **k))
    return computed


def _change_registry(monkeypatch, name, params):
    """The registry builds ``name`` with ``params``, as when featbench's defaults change."""
    real = pipelines.make
    monkeypatch.setattr(pipelines, "make", lambda row, **p: real(
        row, **(params if row == name else {}), **p))


@pytest.mark.parametrize("damage", [
    '{"pipeline": "hog/svm", "accur', "[]", "\udcff", _DEEP,
    _row_without("per_class_accuracy"), _row_without("accuracy"), _row_with("accuracy", "0.5"),
    _row_with("accuracy", 1.5), _row_with("pipeline", "color/svm"),
], ids=["cut-short", "not-a-row", "not-utf8", "nested-200000-deep", "no-per-class-accuracy",
        "no-accuracy", "string-accuracy", "accuracy-out-of-range", "another-pipeline"])
def test_resume_names_a_damaged_row_file_and_computes_that_row_again(damage, tmp_path,
                                                                     capsys, monkeypatch):
    kw, names, first = _resumable_run(tmp_path)
    damaged = tmp_path / "r" / "rows" / "hog-svm.json"
    if callable(damage):
        damage = damage(json.loads(damaged.read_text()))
    damaged.write_bytes(damage.encode("utf-8", "surrogateescape"))
    computed = _record_computed(monkeypatch)
    again = run_benchmark(color_dataset(), names, resume=True, **kw)
    assert computed == ["hog/svm"]
    err = capsys.readouterr().err
    assert f"featbench: --resume: {damaged} is damaged" in err and "Traceback" not in err
    assert again["accuracy"].tolist() == first["accuracy"].tolist()
    assert json.loads(damaged.read_text())["pipeline"] == "hog/svm"  # written again, whole


def test_resume_refuses_a_row_computed_with_other_settings_of_that_row(tmp_path, monkeypatch):
    kw, names, _ = _resumable_run(tmp_path)
    _change_registry(monkeypatch, "hog/svm", {"clf__alpha": 0.5})
    with pytest.raises(ValueError, match=r"--resume: .*hog-svm\.json was computed with other "
                                         r"settings of hog/svm \(clf__alpha: 0\.01 -> 0\.5\); "
                                         r"start a new --out folder"):
        run_benchmark(color_dataset(), names, resume=True, **kw)


def test_a_saved_row_records_its_pipelines_parameters(tmp_path):
    _resumable_run(tmp_path)
    doc = json.loads((tmp_path / "r" / "rows" / "hog-svm.json").read_text())
    assert doc["params"]["clf__alpha"] == "0.01" and "features__n_jobs" in doc["params"]


def test_resume_keeps_a_row_whose_digest_alone_differs(tmp_path, monkeypatch):
    # The digest's rule changed (it left out other parameters), not the settings.
    kw, names, first = _resumable_run(tmp_path)
    saved = tmp_path / "r" / "rows" / "hog-svm.json"
    doc = json.loads(saved.read_text())
    doc["config"]["settings"] = "0" * 16
    saved.write_text(json.dumps(doc))
    computed = _record_computed(monkeypatch)
    again = run_benchmark(color_dataset(), names, resume=True, **kw)
    assert computed == [] and again["accuracy"].tolist() == first["accuracy"].tolist()


@pytest.mark.parametrize("params", [None, ["clf__alpha", "0.01"], {"clf__alpha": 0.01}],
                         ids=["none", "a-list", "a-number"])
def test_resume_refuses_other_settings_unnamed_without_a_record_of_them(tmp_path, monkeypatch,
                                                                        params):
    kw, names, _ = _resumable_run(tmp_path)
    saved = tmp_path / "r" / "rows" / "hog-svm.json"
    doc = json.loads(saved.read_text())
    doc["params"] = params
    saved.write_text(json.dumps(doc))
    _change_registry(monkeypatch, "hog/svm", {"clf__alpha": 0.5})
    with pytest.raises(ValueError, match=r"other settings of hog/svm; start a new --out folder"):
        run_benchmark(color_dataset(), names, resume=True, **kw)


@pytest.mark.parametrize("execution", [{"features__chunk_size": 3}, {"features__n_jobs": 2}])
def test_resume_keeps_a_row_whose_defaults_changed_only_in_how_it_runs(tmp_path, monkeypatch,
                                                                       execution):
    kw, names, first = _resumable_run(tmp_path)
    _change_registry(monkeypatch, "hog/svm", execution)
    computed = _record_computed(monkeypatch)
    again = run_benchmark(color_dataset(), names, resume=True, **kw)
    assert computed == [] and again["accuracy"].tolist() == first["accuracy"].tolist()


def test_resume_accepts_a_row_saved_before_settings_were_recorded(tmp_path, monkeypatch):
    kw, names, first = _resumable_run(tmp_path)
    saved = tmp_path / "r" / "rows" / "hog-svm.json"
    doc = json.loads(saved.read_text())
    assert len(doc["config"].pop("settings")) == 16
    saved.write_text(json.dumps(doc))
    computed = _record_computed(monkeypatch)
    again = run_benchmark(color_dataset(), names, resume=True, **kw)
    assert computed == [] and again["accuracy"].tolist() == first["accuracy"].tolist()


def test_same_seed_same_predictions_in_another_process(tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    def predictions(out):
        subprocess.run([sys.executable, "-m", "benchmarks", "run", "--dataset",
                        "digits", "--pipelines", "hog/svm,pixels/mlp", "--seed", "3",
                        "--no-cache", "--quiet", "--out", str(out)],
                       cwd=REPO_ROOT, check=True, timeout=600)
        rows = json.loads((out / "results.json").read_text())["rows"]
        return {row["pipeline"]: row["predictions"] for row in rows}

    first, second = predictions(tmp_path / "a"), predictions(tmp_path / "b")
    assert set(first) == {"hog/svm", "pixels/mlp"} and first == second


@pytest.mark.parametrize("names", [["pixels/knn"], ["pixels/knn", "pixels/svm", "hog/svm"]])
def test_knn_rows_alone_or_with_others_get_their_split(names):
    from benchmarks.harness.workflow import make_splits as _make_splits
    from tests.benchmarks.harness._data import tiny_dataset

    splits, config = _make_splits(tiny_dataset(), names, None, 12, None, 0, "auto")
    assert splits["pixels/knn"].config["augment"] == "none"
    assert len(splits["pixels/knn"].y_fit) == 48
    assert config["augment"] == ("none" if len(names) == 1 else "hflip")
    assert config.get("augment_knn") == (None if len(names) == 1 else "none")
    assert config.get("augment_per_batch") == (None if len(names) == 1 else "hflip+shift")


@pytest.mark.parametrize("augment,features,per_batch", [
    ("none", "none", None), ("hflip", "hflip", "hflip"), ("shift", "none", "shift"),
    ("hflip+shift", "hflip", "hflip+shift")])
def test_an_explicit_augment_copies_mirrors_and_draws_the_rest_per_batch(augment, features,
                                                                          per_batch):
    from benchmarks.harness.workflow import make_splits as _make_splits
    from tests.benchmarks.harness._data import tiny_dataset

    names = ["hog/svm", "pixels/knn", "pixels/svm"]
    splits, config = _make_splits(tiny_dataset(), names, None, 12, None, 0, augment)
    # Feature rows and kNN keep their images: the mirrors at most, as copies.
    assert splits["hog/svm"].config["augment"] == features
    assert splits["pixels/knn"].config["augment"] == features
    assert len(splits["hog/svm"].y_fit) == (96 if features == "hflip" else 48)
    # The raw-pixel learners draw the whole value per batch from the 48 images.
    assert splits["pixels/svm"].config["augment"] == augment
    assert len(splits["pixels/svm"].y_fit) == 48
    assert config["augment"] == features and config.get("augment_per_batch") == per_batch
    assert "augment_knn" not in config  # kNN's split is the feature rows'


def test_a_run_without_n_jobs_trains_its_networks_in_fixed_shards(tmp_path, monkeypatch):
    # n_jobs None would leave whole products on BLAS's own threads, whose sums may
    # change with the machine's cores; 1 gives the numbers of any --n-jobs.
    from classifiers import MLPClassifier

    seen, real = [], MLPClassifier.fit

    def fit(self, X, y):
        seen.append(self.n_jobs)
        return real(self, X, y)

    monkeypatch.setattr(MLPClassifier, "fit", fit)
    run_benchmark(color_dataset(), ["hog+color/mlp"], val_size=15, out=tmp_path / "o",
                  cache_dir=tmp_path / "c", quiet=True, make_plots=False)
    assert seen == [1]
