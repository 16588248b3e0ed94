"""Fixtures shared by the dataset tests."""

import pytest

import benchmarks.data.image_decode as image_decode
from tests.benchmarks.data.test_image_folder import _make_classes


@pytest.fixture
def folder(tmp_path):
    """An image folder of a few small solid-colour images per class."""
    root = tmp_path / "pets"
    _make_classes(root)
    return root


@pytest.fixture
def with_bad_files(folder):
    """The folder with a damaged PNG and an empty JPEG, and their paths."""
    bad = [folder / "ant" / "broken.png", folder / "cat" / "empty.jpg"]
    bad[0].write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    bad[1].write_bytes(b"")
    return folder, bad


@pytest.fixture
def no_reading(monkeypatch):
    """Make any image decode fail loudly: layout errors must come first."""

    def fail(*args, **kwargs):
        raise AssertionError("an image was read before the layout was checked")

    monkeypatch.setattr(image_decode, "read_image", fail)
