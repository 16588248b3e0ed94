"""Fixtures shared by the harness tests."""

import pytest

import benchmarks.harness.runner as runner


@pytest.fixture
def no_work(monkeypatch):
    """Make loading data or starting a row fail the test: a check must come first."""
    import benchmarks.data.by_name as by_name

    def refuse(*args, **kwargs):
        raise AssertionError("data was loaded or a row started before the check")

    monkeypatch.setattr(by_name, "load_dataset", refuse)
    monkeypatch.setattr(runner, "run_pipeline", refuse)
