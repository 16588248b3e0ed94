"""Fixtures shared by the dataset tests."""

import pytest

from tests.benchmarks.data.test_image_folder import _make_classes


@pytest.fixture
def folder(tmp_path):
    """An image folder of a few small solid-colour images per class."""
    root = tmp_path / "pets"
    _make_classes(root)
    return root
