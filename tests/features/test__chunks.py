"""Tests of features/_chunks.py: the slices of a batch and the pixel budget of a chunk."""

import pytest

from features._chunks import CHUNK_PIXELS, pixel_chunk_size


@pytest.mark.parametrize("shape, expected", [
    ((32, 32, 3), 64), ((32, 32), 64), ((8, 8), 1024), ((256, 256, 3), 1), ((1000, 1000), 1),
    ((100, 30, 1), CHUNK_PIXELS // 3000),
])
def test_pixel_chunk_size_holds_the_budget_and_at_least_one_image(shape, expected):
    assert pixel_chunk_size(shape) == expected


@pytest.mark.parametrize("pixels, expected", [(16, 1), (32, 2), (160, 10)])
def test_pixel_chunk_size_takes_its_budget(pixels, expected):
    assert pixel_chunk_size((4, 4, 3), pixels=pixels) == expected
