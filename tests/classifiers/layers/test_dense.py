import re

import numpy as np
import pytest

from classifiers import layers as L
from classifiers.gradient_check import check_gradient


def _x(seed=0, shape=(5, 7)):
    x = np.random.default_rng(seed).normal(size=shape)
    # keep inputs away from the kink at 0 of relu-like activations
    return x + np.sign(x) * 0.05


def test_affine_backward_gradient_check():
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(4, 6)), rng.normal(size=(6, 3)), rng.normal(size=3)
    dout = rng.normal(size=(4, 3))
    dx, dW, db = L.affine_backward(dout, L.affine_forward(x, W, b)[1])
    f = lambda *_: float(np.sum(L.affine_forward(x, W, b)[0] * dout))
    assert check_gradient(f, x, dx) < 1e-6
    assert check_gradient(f, W, dW) < 1e-6
    assert check_gradient(f, b, db) < 1e-6


@pytest.mark.parametrize("name", sorted(L.ACTIVATIONS))
def test_activation_backward_gradient_check(name):
    fwd, bwd = L.ACTIVATIONS[name]
    x = _x()
    dout = np.random.default_rng(1).normal(size=x.shape)
    dx = bwd(dout, fwd(x)[1])
    assert check_gradient(lambda v: float(np.sum(fwd(v)[0] * dout)), x, dx) < 1e-6


def test_dropout_backward_gradient_check_with_fixed_mask():
    x = _x()
    dout = np.random.default_rng(1).normal(size=x.shape)
    dx = L.dropout_backward(dout, L.dropout_forward(x, 0.3, rng=42)[1])
    f = lambda v: float(np.sum(L.dropout_forward(v, 0.3, rng=42)[0] * dout))
    assert check_gradient(f, x, dx) < 1e-6


@pytest.mark.parametrize("name,x,expected", [
    ("relu", [-2.0, 3.0], [0.0, 3.0]),
    ("leaky_relu", [-2.0, 3.0], [-0.02, 3.0]),
    ("elu", [np.log(0.5), 3.0], [-0.5, 3.0]),
    ("sigmoid", [0.0, np.log(3.0)], [0.5, 0.75]),
    ("tanh", [0.0], [0.0]),
])
def test_activation_forward_values(name, x, expected):
    np.testing.assert_allclose(L.ACTIVATIONS[name][0](np.array(x))[0], expected, atol=1e-12)


def test_sigmoid_does_not_overflow():
    with np.errstate(all="raise"):
        out, _ = L.sigmoid_forward(np.array([-1000.0, 1000.0]))
    np.testing.assert_allclose(out, [0.0, 1.0])


def test_dropout_keeps_expectation_and_rate():
    x = np.ones((200, 500))
    out, mask = L.dropout_forward(x, 0.25, rng=0)
    assert np.mean(out == 0) == pytest.approx(0.25, abs=0.01)
    assert out.mean() == pytest.approx(1.0, abs=0.02)


def test_dropout_is_identity_at_prediction():
    x = _x()
    out, cache = L.dropout_forward(x, 0.5, training=False)
    assert out is x and cache is None


@pytest.mark.parametrize("p, error", [(1.0, ValueError), (-0.5, ValueError), (np.nan, ValueError),
                                      ("half", TypeError)])
def test_dropout_rejects_p_outside_0_1(p, error):
    with pytest.raises(error, match=r"p must be a finite number in \[0, 1\); got "
                                    + re.escape(repr(p))):
        L.dropout_forward(np.ones(3), p)


@pytest.mark.parametrize("name", sorted(L.ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_inplace_activations_equal_the_forward_backward_pairs(name, dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 30)).astype(dtype)
    x[0, :5] = 0.0  # the kink of relu and leaky relu
    dout = rng.standard_normal(x.shape).astype(dtype)
    forward, backward = L.ACTIVATIONS[name]
    out, cache = forward(x)
    z = x.copy()
    L.activate_inplace(name, z)
    np.testing.assert_allclose(z, out, rtol=1e-6, atol=1e-7)
    d = dout.copy()
    L.backprop_activation_inplace(name, d, z, np.empty_like(z))
    np.testing.assert_allclose(d, backward(dout, cache), rtol=1e-5, atol=1e-6)
    assert d.dtype == dtype


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_mask_keeps_one_minus_p_scaled_by_its_inverse(p, dtype):
    mask = L.dropout_mask(np.random.default_rng(0), (400, 250), p, dtype)
    assert mask.dtype == dtype and mask.shape == (400, 250)
    kept = mask != 0
    np.testing.assert_allclose(mask[kept], dtype(1.0 / (1.0 - p)))
    assert kept.mean() == pytest.approx(1.0 - p, abs=0.005)  # 100,000 draws: sd 0.0016


def test_dropout_mask_fills_out_and_repeats_with_the_seed():
    out = np.empty((3, 5), np.float32)
    mask = L.dropout_mask(np.random.default_rng(1), out.shape, 0.3, out=out)
    assert mask is out
    np.testing.assert_array_equal(mask, L.dropout_mask(np.random.default_rng(1), (3, 5), 0.3))
