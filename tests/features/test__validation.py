"""features/_validation.py: the batch layout the kernels see."""

import numpy as np
import pytest

from features._validation import check_images


@pytest.mark.parametrize("convert", [True, False])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_check_images_returns_c_order_for_fortran_and_strided_input(convert, dtype):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(3, 6, 5, 3)).astype(dtype)
    if dtype != np.uint8:
        X /= 255
    expected = check_images(X, convert=convert)
    strided = np.repeat(X, 2, axis=2)[:, :, ::2]  # every other column: X itself
    for layout in (np.asfortranarray(X), strided):
        assert not layout.flags.c_contiguous
        out = check_images(layout, convert=convert)
        assert out.flags.c_contiguous
        np.testing.assert_array_equal(out, expected)


def test_check_images_does_not_copy_c_order_float_input():
    X = np.zeros((2, 4, 4, 3), dtype=np.float32)
    assert check_images(X) is X
