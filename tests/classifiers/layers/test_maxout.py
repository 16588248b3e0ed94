import numpy as np
import pytest

from classifiers.gradient_check import check_gradient
from classifiers.layers import affine_forward, maxout_backward, maxout_forward


def test_maxout_known_answer_piece_major_columns():
    # Unit m, piece j is column j * M + m; M = 2 units, 3 pieces.
    x = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0, -1.0, 5.0, 2.0, 0.0],
                  [0.0, 1.0, 1.0, 0.0, 0.0, -3.0]])
    b = np.array([0.0, 0.0, 0.0, 0.0, 0.5, 0.0])
    # x @ W + b = [1, 2, 1, 5, 2.5, -6]: unit 0 has columns 0, 2, 4 (1, 1, 2.5 -> 2.5)
    # and unit 1 columns 1, 3, 5 (2, 5, -6 -> 5).
    out, _ = maxout_forward(x, W, b, 3)
    np.testing.assert_array_equal(out, [[2.5, 5.0]])


def test_maxout_with_one_piece_is_affine():
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    np.testing.assert_allclose(maxout_forward(x, W, b, 1)[0], affine_forward(x, W, b)[0])


@pytest.mark.parametrize("pieces", [1, 2, 4])
def test_maxout_backward_gradient_check(pieces):
    rng = np.random.default_rng(pieces)
    x, W = rng.standard_normal((6, 5)), rng.standard_normal((5, pieces * 3))
    b = rng.standard_normal(pieces * 3)
    out, cache = maxout_forward(x, W, b, pieces)
    dout = rng.standard_normal(out.shape)
    dx, dW, db = maxout_backward(dout, cache)
    f = lambda _: float(np.sum(maxout_forward(x, W, b, pieces)[0] * dout))
    assert check_gradient(f, x, dx) < 1e-6
    assert check_gradient(f, W, dW) < 1e-6
    assert check_gradient(f, b, db) < 1e-6


def test_maxout_tie_goes_to_the_first_piece():
    x, W, b = np.ones((1, 1)), np.ones((1, 3)), np.zeros(3)  # three equal pieces, M = 1
    _, cache = maxout_forward(x, W, b, 3)
    _, dW, db = maxout_backward(np.ones((1, 1)), cache)
    np.testing.assert_array_equal(db, [1.0, 0.0, 0.0])


def test_maxout_keeps_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    W, b = rng.standard_normal((4, 6)).astype(np.float32), np.zeros(6, np.float32)
    out, cache = maxout_forward(x, W, b, 2)
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in maxout_backward(out, cache))


def test_maxout_rejects_columns_not_divisible_by_pieces():
    with pytest.raises(ValueError, match="W must have pieces \\* M columns; got 5 columns"):
        maxout_forward(np.ones((1, 2)), np.ones((2, 5)), np.zeros(5), 2)
