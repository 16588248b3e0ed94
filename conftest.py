"""pytest setup shared by the test suite and the packages' docstring examples."""

import importlib.util
import tempfile

import pytest

# The docstring examples of the dask backend need dask (an optional extra); its tests
# say why they are skipped without it (tests/benchmarks/harness/test_dask_backend.py).
collect_ignore = ([] if importlib.util.find_spec("distributed") is not None
                  else ["benchmarks/harness/dask_backend.py"])


@pytest.fixture(autouse=True)
def _examples_write_in_pytest_tmp(request, tmp_path, monkeypatch):
    # Docstring examples make their folders with tempfile.mkdtemp(); inside
    # pytest they land in its per-test folder, which pytest prunes, instead
    # of piling up in the system temp directory.
    if isinstance(request.node, pytest.DoctestItem):
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
