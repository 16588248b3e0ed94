import pytest

from benchmarks import __version__
from benchmarks.data.by_name import CIFAR_HINT, load_dataset
from benchmarks.harness.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"featbench {__version__}"


def test_datasets_lists_local_cifar(cifar10_dir, capsys):
    assert main(["datasets", "--data", str(cifar10_dir)]) == 0
    out = capsys.readouterr().out
    assert "5170 train, 1017 test" in out and "digits" in out


def test_auto_falls_back_to_digits_with_a_notice(tmp_path, monkeypatch):
    monkeypatch.setenv("FEATBENCH_CACHE", str(tmp_path))
    monkeypatch.delenv("FEATBENCH_DATA", raising=False)
    notices = []
    ds = load_dataset("auto", notice=notices.append)
    assert ds.name == "digits" and notices == [CIFAR_HINT]


def test_auto_uses_cifar_when_found(cifar10_dir):
    notices = []
    assert load_dataset("auto", cifar10_dir, notice=notices.append).name == "cifar10"
    assert notices == []


def test_unknown_dataset_is_a_clear_error(capsys):
    assert main(["run", "--dataset", "imagenet"]) == 2
    assert "--dataset must be auto, cifar10, digits or folder:PATH; got 'imagenet'" in (
        capsys.readouterr().err
    )


def test_missing_data_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["datasets", "--data", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_download_command_reports_a_bad_archive_clearly(tmp_path, monkeypatch, capsys):
    from benchmarks.data.download import URL_ENV
    from tests.benchmarks.data.test_download import GOOD, PY_NAME, _Server

    srv = _Server()
    srv.thread.start()
    try:
        srv.serve(PY_NAME, GOOD)  # a valid archive, but not the official md5
        monkeypatch.setenv(URL_ENV, srv.url)
        code = main(["download", "cifar10", "--dest", str(tmp_path), "--quiet"])
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
    assert code == 2
    assert "md5 mismatch" in capsys.readouterr().err
    assert not any(p.suffix == ".gz" for p in tmp_path.iterdir())


@pytest.mark.parametrize("command", ["run", "learning-curve", "seeds"])
def test_augment_option_choices_and_default(command):
    from benchmarks.harness.cli import build_parser

    from benchmarks.harness.augment import REQUESTS as AUGMENTS

    parser = build_parser()
    assert parser.parse_args([command]).augment == "auto"
    for value in ("auto", "none", "hflip", "shift", "hflip+shift"):
        assert parser.parse_args([command, "--augment", value]).augment == value
    # The CLI restates the harness's list; both must offer the same values.
    sub = next(a for a in parser._subparsers._group_actions[0].choices[command]._actions
               if a.dest == "augment")
    assert tuple(sub.choices) == AUGMENTS
    # The help says what a value means for each kind of row.
    for said in ("for every mini-batch", "Feature rows and kNN get the mirror part only",
                 "shift and none add nothing", "nothing for kNN"):
        assert said in " ".join(sub.help.split()), said


@pytest.mark.parametrize("command", ["run", "learning-curve", "seeds"])
def test_unknown_augment_is_refused_before_any_work(command, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main([command, "--dataset", "digits", "--augment", "vflip", "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--augment: invalid choice: 'vflip'" in err and "'hflip'" in err
    assert not out.exists()


@pytest.mark.parametrize("augment,recorded",
                         [("hflip", "hflip"), ("none", "none"), ("auto", "none"), (None, "none"),
                          ("shift", "shift")])
def test_run_records_the_augmentation(tmp_path, augment, recorded):
    import json

    # The digits are gray: the default "auto" (augment=None: option left out)
    # does not mirror them.
    out = tmp_path / "d"
    option = [] if augment is None else ["--augment", augment]
    code = main(["run", "--dataset", "digits", "--pipelines", "pixels/svm", "--quiet",
                 *option, "--out", str(out), "--cache-dir", str(tmp_path / "c")])
    assert code == 0
    assert json.loads((out / "results.json").read_text())["config"]["augment"] == recorded
    md = (out / "results.md").read_text()
    assert ("fit part augmented by horizontal flips" in md) == (recorded == "hflip")
    assert ("fit part augmented by 1-pixel shifts" in md) == (recorded == "shift")


def test_learning_curve_passes_the_augmentation_on(tmp_path):
    code = main(["learning-curve", "--dataset", "digits", "--pipelines", "hog/svm",
                 "--sizes", "100", "--augment", "hflip", "--quiet",
                 "--out", str(tmp_path / "lc"), "--cache-dir", str(tmp_path / "c")])
    assert code == 0
    md = (tmp_path / "lc" / "learning-curve.md").read_text()
    assert "fit part augmented by horizontal flips" in md


def test_learning_curve_follows_the_curve_preset_by_default():
    # The default curve has the ConvNet and kNN beside the classic rows.
    from benchmarks.harness.cli import build_parser
    from pipelines import select

    names = select(build_parser().parse_args(["learning-curve"]).pipelines)
    assert {"pixels/cnn", "pixels/knn", "bovw/svm"} <= set(names)


def test_pipelines_lists_every_pipeline_with_its_presets_and_grid(capsys):
    import pipelines

    assert main(["pipelines"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("| ")][2:]
    # Every pipeline that runs here: the PyTorch rows only where PyTorch is installed.
    assert [line.split(" | ")[0][2:] for line in lines] == pipelines.select("all")
    assert ("| ref:hog+color/logreg | per-image skimage hog + hue histogram -> scikit-learn "
            "LogisticRegression | reference | C [0.0001, 0.001, 0.01, 0.1] |") in out
    assert ("| ref:pixels/logreg | raw pixels in [0, 1], mean-centered -> scikit-learn "
            "MLPClassifier without hidden layer (LogisticRegression's multinomial model") in out
    assert "| default, reference | estimator__alpha [0.0001, 0.01, 1.0] |" in out


def test_pipelines_takes_names_globs_and_presets(capsys):
    assert main(["pipelines", "quick,bovw/*"]) == 0
    out = capsys.readouterr().out
    listed = [line.split(" | ")[0][2:] for line in out.splitlines() if line.startswith("| ")]
    assert listed[2:] == ["pixels/svm", "hog+color/svm", "ref:hog+color/linearsvc",
                          "bovw/svm", "bovw/softmax", "bovw/mlp"]


def test_pipelines_refuses_an_unknown_name(capsys):
    assert main(["pipelines", "hog/knn"]) == 2
    assert "featbench pipelines: error: unknown pipeline 'hog/knn'" in capsys.readouterr().err


# -- numeric options: a usage error naming the option, before any data is loaded -----


@pytest.fixture
def no_data(monkeypatch):
    import benchmarks.data.by_name as by_name

    def refuse(*args, **kwargs):
        raise AssertionError("data was loaded before the options were checked")

    monkeypatch.setattr(by_name, "load_dataset", refuse)


COMMON_BAD = [
    ("--val-size", "inf"), ("--val-size", "nan"), ("--val-size", "-1"), ("--val-size", "0"),
    ("--val-size", "1.5"), ("--val-size", "1e400"), ("--val-size", "x"),
    ("--seed", "-1"), ("--seed", "1.5"), ("--seed", "4294967296"), ("--seed", "x"),
    ("--test-size", "0"), ("--test-size", "-5"), ("--test-size", "2.5"), ("--test-size", "x"),
    ("--n-jobs", "0"), ("--n-jobs", "-2"), ("--n-jobs", "1.5"), ("--n-jobs", "x"),
]
BAD = ([("run", *bad) for bad in COMMON_BAD + [("--train-size", "0"), ("--train-size", "x"),
                                               ("--train-size", "nan")]]
       + [("learning-curve", *bad) for bad in COMMON_BAD + [("--sizes", "0"),
                                                            ("--sizes", "inf")]]
       + [("seeds", *bad) for bad in COMMON_BAD + [("--seeds", "-1"), ("--seeds", "1.5"),
                                                   ("--seeds", "x"), ("--train-size", "0")]
          if bad[0] != "--seed"])


@pytest.mark.parametrize("command,option,value", BAD)
def test_bad_numbers_are_usage_errors_naming_the_option(command, option, value, no_data,
                                                        capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--dataset", "digits", f"{option}={value}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: argument {option}: {option} must be " in err and "Traceback" not in err


@pytest.mark.parametrize("argv,expected", [
    (["--val-size", "0.25"], {"val_size": 0.25}),
    (["--val-size", "50"], {"val_size": 50}),
    (["--seed", "4294967295"], {"seed": 4294967295}),
    (["--test-size", "all", "--train-size", "100"], {"test_size": None, "train_size": 100}),
    (["--n-jobs", "-1"], {"n_jobs": -1}),
    (["--n-jobs", "2"], {"n_jobs": 2}),
])
def test_good_numbers_parse(argv, expected):
    from benchmarks.harness.cli import build_parser

    args = vars(build_parser().parse_args(["run", *argv]))
    assert {k: args[k] for k in expected} == expected
    assert all(type(args[k]) is type(v) for k, v in expected.items())


def test_zero_jobs_is_refused_even_when_every_row_is_cached(tmp_path, capsys):
    argv = ["run", "--dataset", "digits", "--pipelines", "pixels/svm", "--quiet",
            "--cache-dir", str(tmp_path / "c")]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    with pytest.raises(SystemExit):
        main([*argv, "--out", str(tmp_path / "b"), "--n-jobs", "0"])
    assert "argument --n-jobs: --n-jobs must be" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("module,api", [("runner", "run_benchmark"),
                                        ("curve", "learning_curve"), ("seeds", "seed_sweep")])
def test_zero_jobs_is_refused_by_the_python_api_before_any_work(module, api, tmp_path,
                                                                monkeypatch):
    import importlib

    from tests.benchmarks.harness._data import tiny_dataset

    module = importlib.import_module(f"benchmarks.harness.{module}")
    monkeypatch.setattr(module, "run_pipeline", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(ValueError, match="^--n-jobs must be"):
        getattr(module, api)(tiny_dataset(), ["hog/svm"], n_jobs=0, out=tmp_path / "o",
                             cache_dir=tmp_path / "c", quiet=True)


@pytest.mark.parametrize("command", ["run", "learning-curve", "seeds"])
def test_an_unwritable_cache_folder_is_said_before_the_data_is_loaded(command, tmp_path,
                                                                      no_data, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main([command, "--dataset", "digits", "--cache-dir", str(blocker / "c")])
    assert code == 2
    err = capsys.readouterr().err
    assert f"cache folder {blocker / 'c'} is not writable" in err
    assert "--cache-dir DIR" in err and "--no-cache" in err


# -- dataset options ---------------------------------------------------------------


def _folder_with_a_broken_file(tmp_path):
    from tests.benchmarks.data.test_image_folder import _make_classes

    root = tmp_path / "pets"
    _make_classes(root, n_per_class=6)
    broken = root / "ant" / "broken.png"
    broken.write_bytes(b"not a png")
    return root, broken


def test_skip_unreadable_option_reaches_the_image_folder_loader(tmp_path, capsys):
    root, broken = _folder_with_a_broken_file(tmp_path)
    argv = ["run", "--dataset", f"folder:{root}", "--pipelines", "color/svm", "--val-size", "3",
            "--quiet", "--cache-dir", str(tmp_path / "c")]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "--skip-unreadable" in err
    assert main([*argv, "--out", str(tmp_path / "b"), "--skip-unreadable"]) == 0
    assert (f"skipped 1 unreadable file(s) under {root}:\n  {broken}: not a readable image"
            in capsys.readouterr().err)


@pytest.mark.parametrize("command", ["run", "learning-curve"])
def test_n_jobs_reaches_the_image_folder_loader(command, tmp_path, monkeypatch, capsys):
    from benchmarks.data import image_folder

    seen = []

    def load(*args, **kwargs):
        seen.append(kwargs.get("n_jobs"))
        raise KeyboardInterrupt  # stop before any work: said as an interrupt

    monkeypatch.setattr(image_folder, "load_image_folder", load)
    status = main([command, "--dataset", f"folder:{tmp_path}", "--n-jobs", "2", "--quiet",
                   "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c")])
    assert seen == [2] and status != 0
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize("dataset", ["digits", "cifar10", "auto"])
def test_skip_unreadable_is_refused_for_datasets_that_are_not_folders(dataset, capsys):
    assert main(["run", "--dataset", dataset, "--skip-unreadable"]) == 2
    assert "--skip-unreadable applies to --dataset folder:PATH only" in capsys.readouterr().err


def test_pipelines_names_the_pytorch_rows_it_leaves_out(capsys, monkeypatch):
    import pipelines

    monkeypatch.setattr(pipelines.registry, "_HAS_TORCH", False)
    assert main(["pipelines"]) == 0
    out = capsys.readouterr().out
    assert "| ref:pixels/cnn |" not in out
    assert "Not listed: ref:pixels/cnn, which needs PyTorch (pip install" in out


@pytest.mark.parametrize("command, extra", [("run", []), ("learning-curve", ["--sizes", "100"]),
                                            ("seeds", ["--seeds", "0", "--train-size", "100"])])
def test_test_mirrors_reach_the_saved_config_and_the_markdown(tmp_path, command, extra):
    import json

    out = tmp_path / "o"
    code = main([command, "--dataset", "digits", "--pipelines", "hog/svm", "--augment", "hflip",
                 "--test-mirrors", "--quiet", *extra, "--out", str(out),
                 "--cache-dir", str(tmp_path / "c")])
    assert code == 0
    saved = next(p for p in out.rglob("*.json") if p.parent.name in ("rows", "points"))
    assert json.loads(saved.read_text())["config"]["test_mirrors"] is True
    md = next(out.glob("*.md")).read_text()
    assert "test images scored with their mirrors" in md


@pytest.mark.parametrize("command, extra", [("run", []), ("learning-curve", ["--sizes", "100"]),
                                            ("seeds", ["--seeds", "0"])])
def test_test_mirrors_without_mirrors_are_refused_before_any_work(command, extra, tmp_path,
                                                                   capsys):
    # The digits are gray: "auto" gives them no mirrors.
    out = tmp_path / "o"
    code = main([command, "--dataset", "digits", "--pipelines", "hog/svm", "--test-mirrors",
                 "--quiet", *extra, "--out", str(out), "--cache-dir", str(tmp_path / "c")])
    assert code == 2
    assert "--test-mirrors" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())  # proven writable, nothing written
