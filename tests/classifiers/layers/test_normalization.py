import numpy as np
import pytest

from classifiers.gradient_check import check_gradient
from classifiers.layers import batchnorm_backward, batchnorm_forward

TORCH_REASON = "PyTorch is an optional reference (pip install torch to compare against it)"
SHAPES = [(16, 5), (4, 3, 5, 6)]  # dense (N, D), spatial NHWC (N, H, W, C)


def _data(shape, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    C = shape[-1]
    x = (3.0 + 2.0 * rng.standard_normal(shape)).astype(dtype)
    gamma = (1.0 + 0.5 * rng.standard_normal(C)).astype(dtype)
    beta = rng.standard_normal(C).astype(dtype)
    return x, gamma, beta


def _axes(x):
    return tuple(range(x.ndim - 1))


@pytest.mark.parametrize("shape", SHAPES)
def test_training_output_has_zero_mean_unit_variance_per_channel(shape):
    x, _, _ = _data(shape)
    C = shape[-1]
    out, _ = batchnorm_forward(x, np.ones(C), np.zeros(C), np.zeros(C), np.ones(C), eps=0.0)
    np.testing.assert_allclose(out.mean(axis=_axes(x)), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=_axes(x)), 1.0, rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_training_output_is_scaled_by_gamma_and_shifted_by_beta(shape):
    x, gamma, beta = _data(shape)
    C = shape[-1]
    out, _ = batchnorm_forward(x, gamma, beta, np.zeros(C), np.ones(C), eps=0.0)
    np.testing.assert_allclose(out.mean(axis=_axes(x)), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=_axes(x)), np.abs(gamma), rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_training_updates_running_stats_with_momentum(shape):
    x, gamma, beta = _data(shape)
    C, m = shape[-1], x.size // shape[-1]
    rm, rv = np.full(C, 0.5), np.full(C, 2.0)
    batchnorm_forward(x, gamma, beta, rm, rv, momentum=0.8)
    np.testing.assert_allclose(rm, 0.8 * 0.5 + 0.2 * x.mean(axis=_axes(x)))
    np.testing.assert_allclose(rv, 0.8 * 2.0 + 0.2 * x.var(axis=_axes(x)) * m / (m - 1))


@pytest.mark.parametrize("shape", SHAPES)
def test_inference_uses_the_running_stats_and_leaves_them(shape):
    x, gamma, beta = _data(shape)
    C = shape[-1]
    rm, rv = np.linspace(-1, 1, C), np.linspace(0.5, 2, C)
    out, _ = batchnorm_forward(x, gamma, beta, rm, rv, training=False, eps=1e-5)
    np.testing.assert_allclose(out, (x - rm) / np.sqrt(rv + 1e-5) * gamma + beta)
    np.testing.assert_array_equal(rm, np.linspace(-1, 1, C))
    np.testing.assert_array_equal(rv, np.linspace(0.5, 2, C))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_backward_gradient_check(shape, training):
    x, gamma, beta = _data(shape)
    C = shape[-1]
    rm, rv = np.linspace(2, 4, C), np.linspace(3, 5, C)
    dout = np.random.default_rng(1).standard_normal(shape)

    def f(_):
        # Copies: the running stats must not drift between evaluations.
        out, _ = batchnorm_forward(x, gamma, beta, rm.copy(), rv.copy(), training)
        return float(np.sum(out * dout))

    _, cache = batchnorm_forward(x, gamma, beta, rm.copy(), rv.copy(), training)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    assert check_gradient(f, x, dx) < 1e-6
    assert check_gradient(f, gamma, dgamma) < 1e-6
    assert check_gradient(f, beta, dbeta) < 1e-6


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_keeps_float32(shape, training):
    x, gamma, beta = _data(shape, dtype=np.float32)
    C = shape[-1]
    rm, rv = np.zeros(C, np.float32), np.ones(C, np.float32)
    out, cache = batchnorm_forward(x, gamma, beta, rm, rv, training)
    grads = batchnorm_backward(out, cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    assert rm.dtype == rv.dtype == np.float32


@pytest.mark.parametrize("shape", SHAPES)
def test_batchnorm_matches_torch_forward_backward_and_running_stats(shape):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    x, gamma, beta = _data(shape)
    C = shape[-1]
    rm, rv = np.zeros(C), np.ones(C)
    out, cache = batchnorm_forward(x, gamma, beta, rm, rv, momentum=0.9, eps=1e-5)
    dout = np.random.default_rng(1).standard_normal(shape)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    # torch wants channels second: (N, C) or (N, C, H, W).
    perm = (0, 3, 1, 2) if len(shape) == 4 else (0, 1)
    back = (0, 2, 3, 1) if len(shape) == 4 else (0, 1)
    tx = torch.tensor(x.transpose(perm), requires_grad=True)
    tg, tb = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    trm, trv = torch.zeros(C, dtype=torch.float64), torch.ones(C, dtype=torch.float64)
    tout = torch.nn.functional.batch_norm(tx, trm, trv, tg, tb, training=True, momentum=0.1,
                                          eps=1e-5)
    tout.backward(torch.tensor(dout.transpose(perm)))
    np.testing.assert_allclose(out, tout.detach().numpy().transpose(back), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(back), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dgamma, tg.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(dbeta, tb.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(rm, trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=1e-12)
