"""The cores benchmark: its options, its table from known times, and a tiny phase for real."""

from pathlib import Path

import numpy as np
import pytest

import pipelines
from benchmarks.dev import cores
from benchmarks.dev.speed import build_parser
from tests._blas import needs_split_invariant_blas


def _parse(*extra):
    return build_parser("speed").parse_args(["cores", *extra])


def test_defaults_time_every_phase_but_the_whole_run():
    args = _parse()
    assert args.phases == [p for p in cores.PHASES if p != "run"]
    assert args.phases[0] == "ceiling"
    assert args.cores is None and args.repeats == 3 and args.n_images is None
    assert args.pipelines == "default" and args.cnn_epochs == 2


def test_phases_and_cores_are_lists_read_at_parse_time():
    args = _parse("--phases", "knn, run,knn", "--cores", "4,1,2,2")
    assert args.phases == ["knn", "run"] and args.cores == [1, 2, 4]


@pytest.mark.parametrize("option, value", [
    ("--phases", "knn,sift"), ("--phases", ","), ("--cores", "2,0"), ("--cores", "two"),
    ("--repeats", "0"), ("--n-images", "-5"), ("--cnn-epochs", "1.5"),
    ("--dataset", "imagenet"), ("--dataset", "folder:"), ("--dataset", "folder:/no/such/dir"),
])
def test_bad_options_are_usage_errors_naming_the_option(option, value, capsys):
    with pytest.raises(SystemExit) as exc:
        _parse(option, value)
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


@pytest.mark.parametrize("cpus, expected", [(1, [1]), (2, [1, 2]), (16, [1, 2, 4, 8, 16]),
                                            (12, [1, 2, 4, 8, 12])])
def test_default_cores_double_up_to_the_machine(cpus, expected):
    assert cores.default_cores(cpus) == expected


def test_child_env_sizes_every_thread_pool():
    env = cores.child_env(3, {"PYTHONPATH": "elsewhere"})
    assert all(env[v] == "3" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                       "MKL_NUM_THREADS"))
    assert env["PYTHONPATH"].endswith("elsewhere") and env["PYTHONPATH"] != "elsewhere"


def test_table_gives_median_seconds_paired_speedup_busy_cores_and_the_goal():
    times = {("knn", 1): [(4.0, 4.0), (6.0, 6.0), (5.0, 5.0)],
             ("knn", 2): [(2.0, 3.0), (4.0, 6.0), (2.5, 5.0)],
             ("run", 1): [(10.0, 10.0)], ("run", 2): [(6.0, 11.0)], ("run", 4): [(5.0, 12.0)]}
    table = cores.cores_table(times)
    assert table["phase"].tolist() == ["knn", "knn", "run", "run", "run"]
    knn2 = table.iloc[1]
    assert knn2["seconds"] == 2.5
    assert knn2["speedup"] == 2.0  # median of 4/2, 6/4, 5/2.5: ratios within a round
    assert knn2["cores busy"] == 1.5
    assert knn2["2-core goal"] == "met (goal 1.8)"
    assert table.iloc[3]["2-core goal"] == "met (goal 1.6)"  # 10 / 6 for the whole run
    assert table.iloc[4]["speedup"] == 2.0 and table.iloc[4]["2-core goal"] == ""
    assert table.iloc[0]["2-core goal"] == "" and table.iloc[0]["speedup"] == 1.0


def test_a_phase_short_of_its_goal_says_so():
    table = cores.cores_table({("kmeans", 1): [(3.0, 3.0)], ("kmeans", 2): [(2.0, 2.2)]})
    assert table.iloc[1]["2-core goal"] == "short (goal 1.8)"


def test_the_run_phase_prints_each_rows_accuracy_at_each_core_count(cifar10_dir, capsys):
    args = _parse("--data", str(cifar10_dir), "--phases", "run", "--cores", "1",
                  "--repeats", "1", "--n-images", "200", "--pipelines", "color/svm")
    args._run(args)
    out = capsys.readouterr().out
    assert "| pipeline | 1 | same |" in out
    assert "| color/svm | 0." in out
    assert "| pipeline | 1 core |" in out
    assert "| all rows |" in out


def test_a_tiny_phase_runs_in_a_child_process_and_prints_its_table(cifar10_dir, capsys):
    args = _parse("--data", str(cifar10_dir), "--phases", "color", "--cores", "1",
                  "--repeats", "1", "--n-images", "20")
    table = args._run(args)
    assert table[["phase", "cores"]].values.tolist() == [["color", 1]]
    assert table.loc[0, "seconds"] > 0 and table.loc[0, "cores busy"] > 0
    out = capsys.readouterr().out
    assert "| phase | cores | seconds | speedup | cores busy | 2-core goal |" in out
    assert "| color | 1 |" in out


def test_a_phase_reads_an_image_folder_named_by_dataset(cifar10, tmp_path, capsys):
    folder = cores._jpeg_folder(cifar10, cifar10.X_train[:200], cifar10.y_train[:200])
    args = _parse("--dataset", f"folder:{folder.name}", "--phases", "color", "--cores", "1",
                  "--repeats", "1")
    table = args._run(args)
    folder.cleanup()
    assert table[["phase", "cores"]].values.tolist() == [["color", 1]]
    assert f"all the training images of folder:{folder.name};" in capsys.readouterr().out


def test_data_with_a_folder_dataset_is_refused_before_any_timing(tmp_path):
    args = _parse("--data", str(tmp_path), "--dataset", f"folder:{tmp_path}")
    with pytest.raises(ValueError, match="--data names the CIFAR-10 folder.*Leave it out"):
        args._run(args)


def test_knn_phase_predicts_the_same_on_two_threads_as_on_one(cifar10):
    from classifiers import KNNClassifier

    X = cifar10.X_train[:300].reshape(300, -1).astype(np.float32)
    T = cifar10.X_test[:41].reshape(41, -1).astype(np.float32)
    for metric in ("l1", "l2"):
        one = KNNClassifier(3, metric=metric).fit(X, cifar10.y_train[:300]).kneighbors(T)
        two = KNNClassifier(3, metric=metric, n_jobs=2).fit(X, cifar10.y_train[:300])
        assert two._chunks(41)[1:] == (21, 2)  # one chunk per thread
        for a, b in zip(one, two.kneighbors(T)):
            np.testing.assert_array_equal(a, b)


def test_phases_set_n_jobs_where_a_row_does_not_on_the_feature_union():
    # A union's n_jobs would start processes in the untimed setup, whose CPU time the
    # phase then counted when it reaped them.
    pipe = cores._set_n_jobs(pipelines.make("hog+color/mlp", image_shape=(32, 32, 3)), 2)
    params = pipe.get_params()
    assert params["features__n_jobs"] is None
    assert params["features__hog__n_jobs"] == params["features__colorhistogram__n_jobs"] == 2


@pytest.mark.parametrize("phase", ["ceiling", "stream"])
def test_the_ceilings_have_no_goal_and_run_without_data(phase):
    table = cores.cores_table({(phase, 1): [(2.0, 2.0)], (phase, 2): [(1.5, 2.0)]})
    assert table.iloc[1]["2-core goal"] == ""
    assert cores.time_phase(phase, 1)["wall"] > 0


@pytest.mark.parametrize("cores_, n, piece", [(1, 40, 8), (2, 40, 8), (3, 37, 5)])
def test_the_stream_passes_reach_every_float(cores_, n, piece):
    # Untimed, the result holds 1 + 2; a pass leaves (1 + 2) / 2 wherever it reached.
    np.testing.assert_array_equal(cores._stream(cores_, n, piece, passes=3)(), np.full(n, 1.5))


@needs_split_invariant_blas
def test_vocabulary_fit_learns_the_same_on_two_threads_as_on_one(cifar10, monkeypatch):
    import features.bovw
    from features import BagOfVisualWords

    monkeypatch.setattr(features.bovw, "_WHITEN_ROWS", 1000)  # several blocks of patches
    fits = [BagOfVisualWords(n_words=20, patches_per_image=20, max_iter=3, random_state=0,
                             n_jobs=n_jobs).fit(cifar10.X_train[:300]) for n_jobs in (1, 2)]
    for name in ("patch_mean_", "whitening_", "words_"):
        np.testing.assert_array_equal(getattr(fits[0], name), getattr(fits[1], name))


def test_the_load_phase_reads_a_jpeg_folder_of_the_images(cifar10):
    from benchmarks.data.image_folder import load_image_folder

    X, y = cifar10.X_train[:200], cifar10.y_train[:200]
    folder = cores._jpeg_folder(cifar10, X, y)
    ds = load_image_folder(folder.name)
    files = ds.extra["files_train"] + ds.extra["files_test"]
    assert len(files) == 200 and ds.class_names == tuple(sorted(cifar10.class_names))
    images = np.concatenate([ds.X_train, ds.X_test])[np.argsort([int(Path(f).stem)
                                                                 for f in files])]
    # JPEG at quality 75: close to the images, not equal.
    assert 0 < np.abs(images.astype(int) - X.astype(int)).mean() < 8
    folder.cleanup()


def test_the_load_phase_counts_the_decoders_processes(cifar10_dir, monkeypatch):
    from benchmarks.data import image_folder

    import resource

    def children():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    # 100 images and their mirrors: 7 blocks on 2 processes.
    monkeypatch.setattr(image_folder, "READ_BLOCK", 32)
    monkeypatch.setattr(image_folder, "FILES_PER_PROCESS", 32)
    before = children()
    result = cores.time_phase("load", 2, n_images=100, data=str(cifar10_dir))
    # The decoding processes were reaped within the phase, so their time is in its CPU.
    assert children() > before
    assert result["wall"] > 0 and result["cpu"] > children() - before


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads Linux's /proc")
def test_a_phase_without_worker_processes_starts_no_process():
    import subprocess
    import sys

    # In a fresh process: no earlier test's joblib processes there.
    code = ("import os; from benchmarks.dev import cores; cores.time_phase('ceiling', 1); "
            "print(sum(len(open(f'/proc/self/task/{t}/children').read().split()) "
            "for t in os.listdir('/proc/self/task')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(cores.__file__).parents[2]).stdout
    assert out.split() == ["0"]
