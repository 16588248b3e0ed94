"""Tests of benchmarks/results.py (the tables and files are also checked end to end in test_runner)."""

import pytest

from benchmarks.results import augment_note


@pytest.mark.parametrize("config, note", [
    ({"augment": "none"}, ""),
    ({}, ""),
    ({"augment": "hflip"}, ", fit part augmented by horizontal flips"),
    ({"augment": "shift", "shift_pixels": 2}, ", fit part augmented by 2-pixel shifts"),
    ({"augment": "hflip+shift", "shift_pixels": 1},
     ", fit part augmented by horizontal flips and 1-pixel shifts"),
])
def test_augment_note_names_every_applied_augmentation(config, note):
    assert augment_note(config) == note
