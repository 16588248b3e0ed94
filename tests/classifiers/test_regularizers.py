import re

import numpy as np
import pytest

from classifiers.gradient_check import check_gradient
from classifiers.regularizers import elastic_net, l1, l2, regularization


def _w(seed=0):
    # Keep entries away from 0, where the L1 subgradient has a kink.
    w = np.random.default_rng(seed).normal(size=(6, 4))
    return w + np.sign(w) * 0.1


@pytest.mark.parametrize("penalty,l1_ratio", [("l2", 0.5), ("l1", 0.5),
                                              ("elasticnet", 0.0), ("elasticnet", 0.3),
                                              ("elasticnet", 1.0)])
def test_regularizer_gradient_check(penalty, l1_ratio):
    W = _w()
    _, g = regularization(W, penalty, l1_ratio)
    assert check_gradient(lambda v: regularization(v, penalty, l1_ratio)[0], W, g) < 1e-6


def test_l2_value():
    assert l2(np.array([[1.0, 2.0], [3.0, 0.0]]))[0] == 14.0


def test_l1_value_and_subgradient_at_zero():
    value, g = l1(np.array([-2.0, 0.0, 3.0]))
    assert value == 5.0
    np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("ratio,expected", [(0.0, l2), (1.0, l1)])
def test_elastic_net_endpoints(ratio, expected):
    W = _w(1)
    v, g = elastic_net(W, ratio)
    ve, ge = expected(W)
    assert v == pytest.approx(ve)
    np.testing.assert_allclose(g, ge)


@pytest.mark.parametrize("ratio, error", [(1.5, ValueError), (-0.1, ValueError),
                                          (np.nan, ValueError), ("half", TypeError)])
def test_elastic_net_rejects_bad_ratio(ratio, error):
    with pytest.raises(error, match=r"l1_ratio must be a finite number in \[0, 1\]; got "
                                    + re.escape(repr(ratio))):
        elastic_net(np.ones(2), ratio)


@pytest.mark.parametrize("penalty", ["l3", None, "L2"])
def test_unknown_penalty_names_choices(penalty):
    with pytest.raises(ValueError, match="penalty must be one of 'l2', 'l1', 'elasticnet'; got "
                                         + re.escape(repr(penalty))):
        regularization(np.ones(2), penalty)


def test_penalty_may_be_a_numpy_string():
    np.testing.assert_array_equal(regularization(np.ones(2), np.str_("l1"))[1], np.ones(2))
