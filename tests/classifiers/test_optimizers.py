import re

import numpy as np
import pytest

from classifiers import optimizers as O

P0 = np.array([1.0, -2.0])
G1 = np.array([0.5, 1.0])
G2 = np.array([-1.0, 2.0])


def _run(rule, grads):
    p = P0.copy()
    for g in grads:
        rule.update([p], [g])
    return p


def test_sgd_step():
    np.testing.assert_allclose(_run(O.SGD(0.1), [G1]), P0 - 0.1 * G1)


def test_momentum_two_steps():
    v1 = -0.1 * G1
    v2 = 0.9 * v1 - 0.1 * G2
    np.testing.assert_allclose(_run(O.Momentum(0.1, 0.9), [G1, G2]), P0 + v1 + v2)


def test_nesterov_two_steps():
    v1 = -0.1 * G1
    p1 = P0 - 0.9 * 0 + 1.9 * v1
    v2 = 0.9 * v1 - 0.1 * G2
    p2 = p1 - 0.9 * v1 + 1.9 * v2
    np.testing.assert_allclose(_run(O.Nesterov(0.1, 0.9), [G1, G2]), p2)


def test_adagrad_two_steps():
    c1 = G1 ** 2
    p1 = P0 - 0.1 * G1 / (np.sqrt(c1) + 1e-8)
    c2 = c1 + G2 ** 2
    p2 = p1 - 0.1 * G2 / (np.sqrt(c2) + 1e-8)
    np.testing.assert_allclose(_run(O.AdaGrad(0.1), [G1, G2]), p2)


def test_rmsprop_two_steps():
    c1 = 0.01 * G1 ** 2
    p1 = P0 - 0.1 * G1 / (np.sqrt(c1) + 1e-8)
    c2 = 0.99 * c1 + 0.01 * G2 ** 2
    p2 = p1 - 0.1 * G2 / (np.sqrt(c2) + 1e-8)
    np.testing.assert_allclose(_run(O.RMSProp(0.1, 0.99), [G1, G2]), p2)


def test_adam_two_steps_with_bias_correction():
    b1, b2, lr = 0.9, 0.999, 0.1
    m1, v1 = (1 - b1) * G1, (1 - b2) * G1 ** 2
    p1 = P0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + 1e-8)
    m2, v2 = b1 * m1 + (1 - b1) * G2, b2 * v1 + (1 - b2) * G2 ** 2
    p2 = p1 - lr * (m2 / (1 - b1 ** 2)) / (np.sqrt(v2 / (1 - b2 ** 2)) + 1e-8)
    np.testing.assert_allclose(_run(O.Adam(lr), [G1, G2]), p2)


def test_adam_eps_counts_against_the_bias_corrected_root():
    # Gradients of 1e-8 make eps as large as sqrt(v_hat): the steps then show
    # whether eps is added to the bias-corrected root (as in the paper).
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    g1, g2 = 1e-8 * G1, 1e-8 * G2
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1 ** 2
    p1 = P0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2 ** 2
    p2 = p1 - lr * (m2 / (1 - b1 ** 2)) / (np.sqrt(v2 / (1 - b2 ** 2)) + eps)
    np.testing.assert_allclose(_run(O.Adam(lr, eps=eps), [g1, g2]), p2, rtol=1e-12)


def test_adam_first_step_is_lr_times_sign():
    # bias correction makes the first step lr * g / |g| whatever the scale of g
    np.testing.assert_allclose(_run(O.Adam(0.01), [1e-3 * G1]), P0 - 0.01 * np.sign(G1),
                               rtol=1e-4)


@pytest.mark.parametrize("name", sorted(O.OPTIMIZERS))
def test_update_is_in_place_and_keeps_float32(name):
    p = P0.astype(np.float32)
    ref = p
    O.make_optimizer(name, 0.1).update([p], [G1.astype(np.float32)])
    assert p is ref and p.dtype == np.float32 and not np.allclose(p, P0)


@pytest.mark.parametrize("name", sorted(O.OPTIMIZERS))
def test_every_rule_minimizes_a_quadratic(name):
    p = np.array([3.0, -4.0])
    # AdaGrad's steps shrink like 1/sqrt(t), so it needs a larger base rate
    rule = O.make_optimizer(name, 0.5 if name == "adagrad" else 0.05)
    for _ in range(2000):
        rule.update([p], [2 * p])
    assert np.linalg.norm(p) < 0.05


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("name", sorted(O.OPTIMIZERS))
def test_update_on_threads_gives_the_same_bits(name, workers):
    from concurrent.futures import ThreadPoolExecutor

    from features.threads import ELEMENTWISE_PIECE

    rng = np.random.default_rng(0)
    # A large matrix shared among the threads, a small vector left whole.
    shapes = [(3 * ELEMENTWISE_PIECE // 64 + 5, 64), (7,)]
    start = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(3)]
    here, there = [p.copy() for p in start], [p.copy() for p in start]
    rule_here, rule_there = O.make_optimizer(name, 0.01), O.make_optimizer(name, 0.01)
    with ThreadPoolExecutor(workers) as pool:
        for g in grads:
            rule_here.update(here, g)
            rule_there.update(there, g, pool=pool, workers=workers)
    assert all(np.array_equal(a, b) for a, b in zip(here, there))
    assert not np.array_equal(here[0], start[0])


@pytest.mark.parametrize("large", [True, False])
@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_calls_beside_the_update_run_once_and_change_no_bit(name, large):
    from concurrent.futures import ThreadPoolExecutor

    from features.threads import ELEMENTWISE_PIECE

    rng = np.random.default_rng(3)
    # Large: shares for the pool, which takes the calls in turn with them; small: no
    # share, the calls run here first.
    shape = (3 * ELEMENTWISE_PIECE // 64 + 5, 64) if large else (40, 3)
    start, g = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
    here, there = start.copy(), start.copy()
    seen = []
    with ThreadPoolExecutor(1) as pool:
        O.make_optimizer(name, 0.01).update([here], [g])
        O.make_optimizer(name, 0.01).update(
            [there], [g], pool=pool, workers=2,
            beside=[lambda k=k: seen.append(k) for k in range(3)])
    assert sorted(seen) == [0, 1, 2]
    assert np.array_equal(here, there)
    assert not np.array_equal(here, start)


def test_update_on_threads_updates_a_strided_array_in_place():
    from concurrent.futures import ThreadPoolExecutor

    from features.threads import ELEMENTWISE_PIECE

    p = np.ones((64, 2 * ELEMENTWISE_PIECE // 32), np.float32)[:, ::2]  # strided view
    g = np.ones(p.shape, np.float32)
    with ThreadPoolExecutor(2) as pool:
        O.SGD(0.5).update([p], [g], pool=pool, workers=2)
    assert np.array_equal(p, np.full(p.shape, 0.5, np.float32))


@pytest.mark.parametrize("name", ["lbfgs", None, ["sgd"]])
def test_unknown_optimizer_lists_choices(name):
    with pytest.raises(ValueError, match="optimizer must be one of 'sgd', .*; got "
                                         + re.escape(repr(name))):
        O.make_optimizer(name, 0.1)


@pytest.mark.parametrize("lr", [0, -1.0, np.inf, np.nan])
def test_non_positive_learning_rate(lr):
    with pytest.raises(ValueError, match=rf"learning_rate must be a finite number > 0; got {lr!r}"):
        O.SGD(lr)


@pytest.mark.parametrize("rule, kw, error, match", [
    (O.SGD, dict(learning_rate="0.1"), TypeError, "learning_rate must be .*; got '0.1' of type str"),
    (O.SGD, dict(learning_rate=True), TypeError, "learning_rate must be .*; got True"),
    (O.Momentum, dict(momentum=1.0), ValueError, r"momentum must be .* in \[0, 1\); got 1.0"),
    (O.Nesterov, dict(momentum=-0.1), ValueError, r"momentum must be .* in \[0, 1\); got -0.1"),
    (O.AdaGrad, dict(eps=0.0), ValueError, "eps must be a finite number > 0; got 0.0"),
    (O.RMSProp, dict(decay_rate=1), ValueError, r"decay_rate must be .* in \[0, 1\); got 1"),
    (O.Adam, dict(beta1=np.nan), ValueError, r"beta1 must be .* in \[0, 1\); got nan"),
    (O.Adam, dict(beta2=None), TypeError, r"beta2 must be .* in \[0, 1\); got None"),
])
def test_update_rules_refuse_bad_hyperparameters(rule, kw, error, match):
    with pytest.raises(error, match=match):
        rule(**{"learning_rate": 0.1, **kw})


@pytest.mark.parametrize("rule, kw, attr, expected", [
    (O.SGD, dict(learning_rate=np.float32(0.5)), "learning_rate", 0.5),
    (O.Momentum, dict(momentum=0), "momentum", 0.0),
    (O.Adam, dict(beta2=np.float64(0.99)), "beta2", 0.99),
])
def test_update_rules_store_hyperparameters_as_floats(rule, kw, attr, expected):
    value = getattr(rule(**{"learning_rate": 0.1, **kw}), attr)
    assert value == expected and type(value) is float


def test_iterate_average_is_the_running_mean_and_leaves_params_alone():
    avg = O.IterateAverage()
    p = np.array([1.0, -2.0], dtype=np.float32)
    q = np.array([3.0])
    seen = []
    for step in ([0.0, 0.0], [4.0, 1.0], [2.0, 7.0]):
        p += np.asarray(step, dtype=np.float32)
        q += 1.0
        avg.update([p, q])
        seen.append((p.copy(), q.copy()))
    assert avg.count == 3
    np.testing.assert_allclose(avg.means[0], np.mean([s[0] for s in seen], axis=0), rtol=1e-6)
    np.testing.assert_allclose(avg.means[1], [5.0])
    assert avg.means[0].dtype == np.float32
    assert avg.means[0] is not p  # a copy: later steps must not move the mean
    np.testing.assert_array_equal(p, [7.0, 6.0])
