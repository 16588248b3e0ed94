import numpy as np
import pytest

from classifiers.gradient_check import check_gradient
from classifiers.losses import (ovr_squared_svm_loss, ovr_svm_loss, softmax, softmax_loss,
                               squared_svm_loss, svm_loss)

ALL_LOSSES = [svm_loss, squared_svm_loss, ovr_svm_loss, ovr_squared_svm_loss, softmax_loss]


def _problem(seed, n=8, c=5):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, c)), rng.integers(0, c, size=n)


@pytest.mark.parametrize("n_classes", [3, 10, 100])
def test_svm_loss_tiny_weights_is_c_minus_1(n_classes):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 20))
    W = 1e-4 * rng.normal(size=(20, n_classes))
    loss, _ = svm_loss(X @ W, rng.integers(0, n_classes, 50))
    assert loss == pytest.approx(n_classes - 1, rel=1e-2)


@pytest.mark.parametrize("n_classes", [3, 10, 100])
def test_softmax_loss_tiny_weights_is_log_c(n_classes):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 20))
    W = 1e-4 * rng.normal(size=(20, n_classes))
    loss, _ = softmax_loss(X @ W, rng.integers(0, n_classes, 50))
    assert loss == pytest.approx(np.log(n_classes), rel=1e-3)


@pytest.mark.parametrize("loss_fn", ALL_LOSSES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_gradient_check(loss_fn, seed):
    scores, y = _problem(seed)
    _, d = loss_fn(scores, y)
    assert check_gradient(lambda s: loss_fn(s, y)[0], scores, d) < 1e-6


def test_svm_loss_hand_example():
    # cs231n example: scores (3.2, 5.1, -1.7), true class 0 -> 2.9 + 0 = 2.9
    loss, d = svm_loss(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    assert loss == pytest.approx(2.9)
    np.testing.assert_allclose(d, [[-1.0, 1.0, 0.0]])


def test_squared_svm_loss_hand_example():
    # cs231n's three images, true classes 0, 1, 2. Margins s_j - s_y + 1 > 0:
    # row 0: 5.1 - 3.2 + 1 = 2.9; row 1: none; row 2: 2.2 + 3.1 + 1 = 6.3 and
    # 2.5 + 3.1 + 1 = 6.6. Loss (2.9^2 + 6.3^2 + 6.6^2) / 3 = 91.66 / 3;
    # gradient 2 * margin / 3, the true class minus the row's sum.
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    loss, d = squared_svm_loss(scores, np.array([0, 1, 2]))
    assert loss == pytest.approx(91.66 / 3)
    np.testing.assert_allclose(
        d, np.array([[-5.8, 5.8, 0.0], [0.0, 0.0, 0.0], [12.6, 13.2, -25.8]]) / 3)


@pytest.mark.parametrize("n_classes", [3, 10])
def test_squared_svm_loss_tiny_weights_is_c_minus_1(n_classes):
    # Every margin is about 1, so its square is too: the same sanity value as the hinge.
    rng = np.random.default_rng(0)
    scores = 1e-4 * rng.normal(size=(50, n_classes))
    loss, _ = squared_svm_loss(scores, rng.integers(0, n_classes, 50))
    assert loss == pytest.approx(n_classes - 1, rel=1e-2)


def test_ovr_svm_losses_hand_example():
    # True class 0 of (3.2, 5.1, -1.7): signs (+1, -1, -1), margins 1 - t s =
    # (-2.2, 6.1, -0.7), so only class 1 (scored above -1) violates, by 6.1.
    scores, y = np.array([[3.2, 5.1, -1.7]]), np.array([0])
    loss, d = ovr_svm_loss(scores, y)
    assert loss == pytest.approx(6.1)
    np.testing.assert_allclose(d, [[0.0, 1.0, 0.0]])
    loss, d = ovr_squared_svm_loss(scores, y)
    assert loss == pytest.approx(6.1 ** 2)
    np.testing.assert_allclose(d, [[0.0, 12.2, 0.0]])


@pytest.mark.parametrize("seed", [0, 1])
def test_ovr_svm_loss_is_the_sum_of_sklearn_binary_hinge_losses(seed):
    from sklearn.metrics import hinge_loss

    scores, y = _problem(seed, n=30, c=4)
    expected = sum(hinge_loss(np.where(y == j, 1, -1), scores[:, j]) for j in range(4))
    assert ovr_svm_loss(scores, y)[0] == pytest.approx(expected)


@pytest.mark.parametrize("loss_fn", [ovr_svm_loss, ovr_squared_svm_loss])
@pytest.mark.parametrize("n_classes", [3, 10])
def test_ovr_svm_losses_tiny_weights_are_c(loss_fn, n_classes):
    # Every binary problem misses its margin by about 1.
    rng = np.random.default_rng(0)
    scores = 1e-4 * rng.normal(size=(50, n_classes))
    loss, _ = loss_fn(scores, rng.integers(0, n_classes, 50))
    assert loss == pytest.approx(n_classes, rel=1e-2)


def test_softmax_loss_is_stable_for_huge_scores():
    loss, d = softmax_loss(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert np.isfinite(loss) and np.all(np.isfinite(d))
    assert loss == pytest.approx(500.0)


def test_softmax_rows_sum_to_one_float32():
    p = softmax(np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32) * 50)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("loss_fn", ALL_LOSSES)
def test_loss_keeps_float32(loss_fn):
    scores, y = _problem(0)
    assert loss_fn(scores.astype(np.float32), y)[1].dtype == np.float32


@pytest.mark.parametrize("loss_fn", ALL_LOSSES)
def test_integer_scores_give_the_float64_loss_and_gradient(loss_fn):
    scores, y = _problem(3)
    scores = np.round(scores * 3).astype(np.int64)
    loss, grad = loss_fn(scores, y)
    ref_loss, ref_grad = loss_fn(scores.astype(np.float64), y)
    assert grad.dtype == np.float64 and loss == ref_loss
    np.testing.assert_array_equal(grad, ref_grad)


@pytest.mark.parametrize("loss_fn", ALL_LOSSES)
def test_loss_rejects_out_of_range_labels(loss_fn):
    with pytest.raises(ValueError, match=r"y must hold class indices in \[0, 3\)"):
        loss_fn(np.zeros((2, 3)), np.array([0, 3]))


@pytest.mark.parametrize("loss_fn", ALL_LOSSES)
def test_loss_rejects_1d_scores(loss_fn):
    with pytest.raises(ValueError, match="scores must be 2-D"):
        loss_fn(np.zeros(3), np.array([0]))
