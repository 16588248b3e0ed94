"""benchmarks/data/by_name.py: the dataset a --dataset option names, and what is refused."""

import pytest

from benchmarks.data.by_name import load_dataset
from tests.benchmarks.data.test_cifar10 import _write_python_layout


@pytest.mark.parametrize("spec", ["digits", "folder:/somewhere"])
def test_data_option_is_refused_where_it_does_not_apply(spec, tmp_path):
    with pytest.raises(ValueError, match=rf"--data .* does not apply to --dataset {spec}"):
        load_dataset(spec, tmp_path)


@pytest.mark.parametrize("spec", ["auto", "cifar10"])
def test_featbench_data_pointing_nowhere_is_an_error_naming_it(spec, tmp_path, monkeypatch):
    monkeypatch.setenv("FEATBENCH_DATA", str(tmp_path / "missing"))
    monkeypatch.setenv("FEATBENCH_CACHE", str(tmp_path / "cache"))
    _write_python_layout(tmp_path / "cache")  # found there, but the variable says otherwise
    notices = []
    with pytest.raises(FileNotFoundError, match=r"\$FEATBENCH_DATA .*missing does not exist"):
        load_dataset(spec, notice=notices.append)
    assert notices == []


def test_featbench_data_without_batches_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("FEATBENCH_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"no CIFAR-10 batches in \$FEATBENCH_DATA"):
        load_dataset("auto", notice=print)


def test_data_option_wins_over_featbench_data(tmp_path, monkeypatch):
    monkeypatch.setenv("FEATBENCH_DATA", str(tmp_path / "missing"))
    _write_python_layout(tmp_path / "here")
    assert load_dataset("cifar10", tmp_path / "here").name == "cifar10"


def test_digits_ignore_featbench_data(tmp_path, monkeypatch):
    monkeypatch.setenv("FEATBENCH_DATA", str(tmp_path / "missing"))
    assert load_dataset("digits").name == "digits"
