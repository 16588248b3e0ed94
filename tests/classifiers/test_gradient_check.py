import numpy as np
import pytest

from classifiers.gradient_check import check_gradient, numerical_gradient, relative_error


def test_numerical_gradient_of_quadratic():
    A = np.random.default_rng(0).normal(size=(4, 4))
    x = np.random.default_rng(1).normal(size=4)
    g = numerical_gradient(lambda v: float(v @ A @ v), x)
    np.testing.assert_allclose(g, (A + A.T) @ x, rtol=1e-7)


def test_numerical_gradient_restores_x():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = x.copy()
    numerical_gradient(lambda v: float(np.sum(np.sin(v))), x)
    np.testing.assert_array_equal(x, before)


def test_check_gradient_flags_a_wrong_gradient():
    x = np.array([1.0, 2.0, 3.0])
    assert check_gradient(lambda v: float(np.sum(v ** 3)), x, 3 * x ** 2) < 1e-8
    assert check_gradient(lambda v: float(np.sum(v ** 3)), x, 2 * x ** 2) > 1e-2


@pytest.mark.parametrize("a,b,expected", [([1.0], [1.0], 0.0), ([1.0], [3.0], 0.5),
                                          ([0.0], [0.0], 0.0)])
def test_relative_error_values(a, b, expected):
    assert relative_error(np.array(a), np.array(b)) == pytest.approx(expected)


def test_relative_error_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_rejects_integer_arrays():
    with pytest.raises(TypeError, match="floating-point numpy array"):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))
