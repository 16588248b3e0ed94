import numpy as np
import pytest
from scipy.signal import correlate

from classifiers.gradient_check import check_gradient
from classifiers.layers import col2im, conv2d_backward, conv2d_forward, im2col

TORCH_REASON = "PyTorch is an optional reference (pip install torch to compare against it)"

X4 = np.arange(16.0).reshape(1, 4, 4, 1)
LAPLACE = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
# Not symmetric: a convolution (flipped kernel) would give other numbers.
UP_LEFT = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("kernel,stride,expected", [
    # out[i, j] = up + down + left + right - 4 * centre, zeros outside (pad 1)
    (LAPLACE, 1, [[5, 3, 2, -3], [-3, 0, 0, -8], [-7, 0, 0, -12], [-27, -17, -18, -35]]),
    (LAPLACE, 2, [[5, 2], [-7, 0]]),
    # out[i, j] = x[i - 1, j - 1] + 2 x[i - 1, j]
    (UP_LEFT, 1, [[0, 0, 0, 0], [0, 2, 5, 8], [8, 14, 17, 20], [16, 26, 29, 32]]),
    (UP_LEFT, 2, [[0, 0], [8, 17]]),
])
def test_conv2d_hand_computed_3x3_with_padding_1(kernel, stride, expected):
    out, _ = conv2d_forward(X4, kernel[:, :, None, None], np.array([0.5]), stride=stride, pad=1)
    np.testing.assert_array_equal(out[0, :, :, 0], np.array(expected) + 0.5)


def _scipy_reference(x, W, b, stride, pad):
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    N, F = x.shape[0], W.shape[3]
    out = []
    for n in range(N):
        maps = [correlate(xp[n], W[:, :, :, f], mode="valid")[::stride, ::stride, 0] + b[f]
                for f in range(F)]
        out.append(np.stack(maps, axis=-1))
    return np.stack(out)


def _loop_reference(x, W, b, stride, pad):
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    kh, kw, _, F = W.shape
    Ho = (xp.shape[1] - kh) // stride + 1
    Wo = (xp.shape[2] - kw) // stride + 1
    out = np.empty((x.shape[0], Ho, Wo, F))
    for n in range(x.shape[0]):
        for i in range(Ho):
            for j in range(Wo):
                win = xp[n, i * stride:i * stride + kh, j * stride:j * stride + kw]
                for f in range(F):
                    out[n, i, j, f] = np.sum(win * W[:, :, :, f]) + b[f]
    return out


CONFIGS = [  # (N, H, W, C, kh, kw, F, stride, pad)
    (2, 5, 5, 3, 3, 3, 4, 1, 1),
    (2, 7, 6, 2, 3, 3, 3, 2, 1),
    (1, 6, 7, 3, 2, 3, 2, 1, 0),
    (3, 4, 4, 2, 1, 1, 5, 1, 0),
    (1, 8, 8, 1, 5, 5, 2, 3, 2),
]


def _random(config, seed=0, dtype=np.float64):
    N, H, W, C, kh, kw, F, stride, pad = config
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, H, W, C)).astype(dtype)
    Wt = rng.standard_normal((kh, kw, C, F)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    return x, Wt, b, stride, pad


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("reference", [_scipy_reference, _loop_reference])
def test_conv2d_equals_reference_on_random_input(config, reference):
    x, W, b, stride, pad = _random(config)
    out, _ = conv2d_forward(x, W, b, stride=stride, pad=pad)
    np.testing.assert_allclose(out, reference(x, W, b, stride, pad), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("config", CONFIGS)
def test_conv2d_backward_gradient_check(config):
    x, W, b, stride, pad = _random(config)
    out, cache = conv2d_forward(x, W, b, stride=stride, pad=pad)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    dx, dW, db = conv2d_backward(dout, cache)
    f = lambda _: float(np.sum(conv2d_forward(x, W, b, stride=stride, pad=pad)[0] * dout))
    assert check_gradient(f, x, dx) < 1e-6
    assert check_gradient(f, W, dW) < 1e-6
    assert check_gradient(f, b, db) < 1e-6


def test_conv2d_without_bias_and_without_dx():
    x, W, b, stride, pad = _random(CONFIGS[0])
    out, cache = conv2d_forward(x, W, None, stride=stride, pad=pad)
    np.testing.assert_allclose(out + b, conv2d_forward(x, W, b, stride=stride, pad=pad)[0])
    dx, dW, db = conv2d_backward(np.ones_like(out), cache, compute_dx=False)
    assert dx is None and db is None and dW.shape == W.shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_keeps_the_input_dtype(dtype):
    x, W, b, stride, pad = _random(CONFIGS[1], dtype=dtype)
    out, cache = conv2d_forward(x, W, b, stride=stride, pad=pad)
    grads = conv2d_backward(np.ones_like(out), cache)
    assert out.dtype == dtype and all(g.dtype == dtype for g in grads)


def _im2col_loop(x, kh, kw, stride, pad):
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Ho = (xp.shape[1] - kh) // stride + 1
    Wo = (xp.shape[2] - kw) // stride + 1
    return np.array([xp[n, i * stride:i * stride + kh, j * stride:j * stride + kw].ravel()
                     for n in range(x.shape[0]) for i in range(Ho) for j in range(Wo)])


# Padding wider than the kernel: whole windows of zeros at the borders.
WIDE_PAD = [(1, 3, 4, 2, 2, 2, 1, 1, 3), (2, 5, 3, 2, 2, 3, 1, 2, 3), (1, 4, 4, 1, 3, 1, 1, 3, 4)]


@pytest.mark.parametrize("config", CONFIGS + WIDE_PAD)
def test_im2col_rows_are_the_flattened_windows(config):
    x, _, _, stride, pad = _random(config)
    kh, kw = config[4:6]
    np.testing.assert_array_equal(im2col(x, kh, kw, stride, pad),
                                  _im2col_loop(x, kh, kw, stride, pad))


def test_im2col_writes_the_zeros_of_the_padding_into_a_used_buffer():
    x, _, _, stride, pad = _random(CONFIGS[4])
    out = np.full(im2col(x, 5, 5, stride, pad).shape, np.nan)
    np.testing.assert_array_equal(im2col(x, 5, 5, stride, pad, out=out),
                                  _im2col_loop(x, 5, 5, stride, pad))


@pytest.mark.parametrize("pad", [0, 1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_of_a_strided_view_into_a_buffer_of_another_dtype(dtype, pad):
    # Every other column of a wider batch: rows of the view are not contiguous.
    x = np.random.default_rng(3).standard_normal((2, 5, 10, 3))[:, :, ::2]
    Ho = 5 + 2 * pad - 2
    out = np.full((2 * Ho * Ho, 27), np.nan, dtype)
    assert im2col(x, 3, 3, 1, pad, out=out) is out
    np.testing.assert_array_equal(out, _im2col_loop(x, 3, 3, 1, pad).astype(dtype))


@pytest.mark.parametrize("out,match", [
    (np.empty((27, 25)).T, "not C-contiguous"),
    (np.empty((25, 26)), r"shape \(25, 27\); got float64 of shape \(25, 26\)"),
])
def test_im2col_rejects_a_bad_out_buffer(out, match):
    with pytest.raises(ValueError, match=match):
        im2col(np.zeros((1, 5, 5, 3)), 3, 3, 1, 1, out=out)


@pytest.mark.parametrize("config", CONFIGS)
def test_col2im_is_the_adjoint_of_im2col(config):
    # <im2col(x), Y> == <x, col2im(Y)> for all x, Y: the backward pass of a linear map.
    N, H, W, C, kh, kw, F, stride, pad = config
    rng = np.random.default_rng(2)
    x = rng.standard_normal((N, H, W, C))
    cols = im2col(x, kh, kw, stride, pad)
    Y = rng.standard_normal(cols.shape)
    assert np.vdot(cols, Y) == pytest.approx(np.vdot(x, col2im(Y, x.shape, kh, kw, stride, pad)))


@pytest.mark.parametrize("x_shape,w_shape,pad,match", [
    ((1, 4, 4, 3), (3, 3, 2, 4), 0, r"same C; got x of shape \(1, 4, 4, 3\)"),
    ((4, 4, 3), (3, 3, 3, 4), 0, "x must be \\(N, H, W, C\\)"),
    ((1, 2, 2, 1), (3, 3, 1, 1), 0, "a kernel of size 3 does not fit in an input of size 2"),
])
def test_conv2d_rejects_bad_shapes(x_shape, w_shape, pad, match):
    with pytest.raises(ValueError, match=match):
        conv2d_forward(np.zeros(x_shape), np.zeros(w_shape), pad=pad)


@pytest.mark.parametrize("config", CONFIGS)
def test_conv2d_into_buffers_equals_the_allocating_call(config):
    x, W, b, stride, pad = _random(config)
    expected, expected_cache = conv2d_forward(x, W, b, stride=stride, pad=pad)
    cols = np.full_like(expected_cache[0], np.nan)  # stale contents must be overwritten
    out = np.full((expected[..., 0].size, W.shape[3]), np.nan)
    got, cache = conv2d_forward(x, W, b, stride=stride, pad=pad, cols=cols, out=out)
    np.testing.assert_array_equal(got, expected)
    assert np.shares_memory(got, out) and cache[0] is cols
    np.testing.assert_array_equal(conv2d_backward(np.ones_like(got), cache)[1],
                                  conv2d_backward(np.ones_like(got), expected_cache)[1])


@pytest.mark.parametrize("out,match", [
    (np.zeros((16, 3)), r"out must be a C-contiguous float64 array of shape \(16, 2\); got "
                        r"float64 of shape \(16, 3\)"),
    (np.zeros((16, 2), np.float32), "got float32 of shape"),
    (np.zeros((2, 16)).T, "not C-contiguous"),
])
def test_conv2d_rejects_a_wrong_output_buffer(out, match):
    with pytest.raises(ValueError, match=match):
        conv2d_forward(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 2)), pad=1, out=out)


def test_conv2d_rejects_a_wrong_cols_buffer():
    with pytest.raises(ValueError, match=r"cols must be a C-contiguous float64 array of shape "
                                         r"\(16, 9\); got float64 of shape \(16, 8\)"):
        conv2d_forward(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 2)), pad=1,
                       cols=np.zeros((16, 8)))


@pytest.mark.parametrize("config", CONFIGS)
def test_conv2d_matches_torch_forward_and_backward(config):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    x, W, b, stride, pad = _random(config)
    out, cache = conv2d_forward(x, W, b, stride=stride, pad=pad)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    dx, dW, db = conv2d_backward(dout, cache)
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)      # NCHW
    tW = torch.tensor(W.transpose(3, 2, 0, 1), requires_grad=True)      # (F, C, kh, kw)
    tb = torch.tensor(b, requires_grad=True)
    tout = torch.nn.functional.conv2d(tx, tW, tb, stride=stride, padding=pad)
    tout.backward(torch.tensor(dout.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(out, tout.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-10)
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10)
    np.testing.assert_allclose(dW, tW.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10)
