import numpy as np
import pytest

from classifiers.gradient_check import check_gradient
from classifiers.layers import (
    global_avgpool_backward, global_avgpool_forward, maxpool_backward, maxpool_forward,
)

TORCH_REASON = "PyTorch is an optional reference (pip install torch to compare against it)"

SMALL = np.array([[1, 5, 2, 0],
                  [3, 4, 8, 1],
                  [0, 2, 7, 9],
                  [6, 1, 3, 4]], dtype=float).reshape(1, 4, 4, 1)


@pytest.mark.parametrize("pool,stride,expected", [
    (2, 2, [[5, 8], [6, 9]]),
    (3, 1, [[8, 9], [8, 9]]),
    (2, 1, [[5, 8, 8], [4, 8, 9], [6, 7, 9]]),
    (3, 3, [[8]]),  # the last row and column are covered by no window
])
def test_maxpool_known_answers(pool, stride, expected):
    out, _ = maxpool_forward(SMALL, pool, stride)
    np.testing.assert_array_equal(out[0, :, :, 0], expected)


def _loop_maxpool(x, pool, stride):
    """Reference forward and backward (for dout all ones) by explicit loops."""
    N, H, W, C = x.shape
    Ho, Wo = (H - pool) // stride + 1, (W - pool) // stride + 1
    out, dx = np.empty((N, Ho, Wo, C)), np.zeros_like(x)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                for c in range(C):
                    win = x[n, i * stride:i * stride + pool, j * stride:j * stride + pool, c]
                    k = np.argmax(win)  # first maximum in row-major order
                    out[n, i, j, c] = win.flat[k]
                    dx[n, i * stride + k // pool, j * stride + k % pool, c] += 1.0
    return out, dx


@pytest.mark.parametrize("shape,pool,stride", [
    ((2, 6, 8, 3), 2, 2),   # fast path
    ((2, 7, 5, 3), 2, 2),   # odd sizes: general path
    ((2, 6, 6, 2), 3, 2),   # overlapping windows
    ((1, 5, 5, 2), 2, 1),
])
@pytest.mark.parametrize("integer_values", [False, True])
def test_maxpool_equals_loop_reference_ties_included(shape, pool, stride, integer_values):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, shape).astype(float) if integer_values else rng.standard_normal(shape)
    out, cache = maxpool_forward(x, pool, stride)
    ref_out, ref_dx = _loop_maxpool(x, pool, stride)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(maxpool_backward(np.ones_like(out), cache), ref_dx)


@pytest.mark.parametrize("pool,stride", [(2, 2), (2, 1), (3, 2)])
def test_maxpool_ties_route_one_location_per_window(pool, stride):
    x = np.zeros((1, 6, 6, 2))
    out, cache = maxpool_forward(x, pool, stride)
    dx = maxpool_backward(np.ones_like(out), cache)
    assert dx.sum() == out.size  # one unit of gradient per window, not one per tied input
    # ... and it goes to the top-left input of each window.
    np.testing.assert_array_equal(np.argwhere(dx[0, :, :, 0] > 0)[0], [0, 0])


@pytest.mark.parametrize("shape,pool,stride", [
    ((2, 6, 8, 3), 2, 2), ((2, 7, 5, 3), 2, 2), ((2, 6, 6, 2), 3, 2), ((1, 5, 5, 2), 2, 1),
])
def test_maxpool_backward_gradient_check(shape, pool, stride):
    # Distinct, well-separated values: a step of 1e-5 never changes which input is the maximum.
    rng = np.random.default_rng(0)
    x = rng.permutation(np.prod(shape)).reshape(shape) * 0.01
    out, cache = maxpool_forward(x, pool, stride)
    dout = rng.standard_normal(out.shape)
    dx = maxpool_backward(dout, cache)
    f = lambda v: float(np.sum(maxpool_forward(v, pool, stride)[0] * dout))
    assert check_gradient(f, x, dx) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maxpool_keeps_the_dtype(dtype):
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 3)).astype(dtype)
    for pool, stride in [(2, 2), (3, 1)]:
        out, cache = maxpool_forward(x, pool, stride)
        assert out.dtype == dtype and maxpool_backward(out, cache).dtype == dtype


def test_global_avgpool_known_answer_and_gradient_check():
    x = np.random.default_rng(0).standard_normal((3, 4, 5, 2))
    out, cache = global_avgpool_forward(x)
    np.testing.assert_allclose(out, [[x[n, :, :, c].mean() for c in range(2)] for n in range(3)])
    dout = np.random.default_rng(1).standard_normal(out.shape)
    dx = global_avgpool_backward(dout, cache)
    f = lambda v: float(np.sum(global_avgpool_forward(v)[0] * dout))
    assert check_gradient(f, x, dx) < 1e-6


@pytest.mark.parametrize("shape,pool,stride", [((2, 6, 8, 3), 2, 2), ((2, 7, 7, 2), 3, 2)])
def test_maxpool_matches_torch_forward_and_backward(shape, pool, stride):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    out, cache = maxpool_forward(x, pool, stride)
    dout = rng.standard_normal(out.shape)
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    tout = torch.nn.functional.max_pool2d(tx, pool, stride)
    tout.backward(torch.tensor(dout.transpose(0, 3, 1, 2)))
    np.testing.assert_array_equal(out, tout.detach().numpy().transpose(0, 2, 3, 1))
    np.testing.assert_allclose(maxpool_backward(dout, cache),
                               tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12)
