"""The cores benchmark: its options, its table from known times, and a tiny phase for real."""

import pytest

from benchmarks.dev import cores, cores_phases
from benchmarks.dev.speed import build_parser


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
    folder = cores_phases._jpeg_folder(cifar10, cifar10.X_train[:200], cifar10.y_train[:200])
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


@pytest.mark.parametrize("phase", ["ceiling", "stream"])
def test_the_ceilings_have_no_goal_and_run_without_data(phase):
    table = cores.cores_table({(phase, 1): [(2.0, 2.0)], (phase, 2): [(1.5, 2.0)]})
    assert table.iloc[1]["2-core goal"] == ""
    assert cores_phases.time_phase(phase, 1)["wall"] > 0
