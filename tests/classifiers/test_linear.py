import re

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

from classifiers.training import split_validation
from classifiers.linear import LinearSVM, SoftmaxClassifier
from classifiers.losses import svm_loss
from classifiers.optimizers import OPTIMIZERS

ESTIMATORS = [LinearSVM, SoftmaxClassifier]


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=300, centers=4, n_features=8, cluster_std=2.0, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_learns_blobs(cls, optimizer, blobs):
    X, y = blobs
    lr = {"sgd": 0.05, "momentum": 0.01, "nesterov": 0.01}.get(optimizer, 0.01)
    clf = cls(optimizer=optimizer, learning_rate=lr, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_fitted_attributes(cls, blobs):
    X, y = blobs
    clf = cls(random_state=0, max_epochs=7, n_iter_no_change=100).fit(X, y)
    assert clf.coef_.shape == (4, 8) and clf.intercept_.shape == (4,)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2, 3])
    assert clf.n_iter_ == 7 == len(clf.loss_curve_) == len(clf.validation_scores_)
    assert len(clf.validation_loss_curve_) == 7
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


@pytest.mark.parametrize("cls,expected", [(LinearSVM, 3.0), (SoftmaxClassifier, np.log(4))])
def test_first_epoch_starts_from_the_tiny_weight_loss(cls, expected, blobs):
    # With a tiny learning rate the first epoch's loss stays at the C-1 / log C sanity value.
    X, y = blobs
    clf = cls(learning_rate=1e-9, optimizer="sgd", max_epochs=1, random_state=0).fit(X, y)
    assert clf.loss_curve_[0] == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_early_stopping_keeps_best_validation_weights(cls, blobs):
    X, y = blobs
    clf = cls(random_state=3, learning_rate=0.05, optimizer="sgd", n_iter_no_change=3,
              tol=0.01).fit(X, y)
    _, va = split_validation(y, clf.validation_fraction, np.random.RandomState(3))
    assert clf.n_iter_ < clf.max_epochs
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.score(X[va], y[va]) == pytest.approx(clf.best_validation_score_)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_same_random_state_same_weights(cls, blobs):
    X, y = blobs
    a = cls(random_state=7, max_epochs=5).fit(X, y)
    b = cls(random_state=7, max_epochs=5).fit(X, y)
    c = cls(random_state=8, max_epochs=5).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert not np.allclose(a.coef_, c.coef_)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_string_labels_and_binary_layout(cls, blobs):
    X, y = blobs
    labels = np.where(y % 2 == 0, "cat", "dog")
    clf = cls(random_state=0).fit(X, labels)
    assert clf.coef_.shape == (1, 8) and clf.intercept_.shape == (1,)
    d = clf.decision_function(X)
    assert d.shape == (300,)
    np.testing.assert_array_equal(clf.predict(X), np.where(d > 0, "dog", "cat"))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_float32_input_keeps_float32(cls, blobs):
    X, y = blobs
    clf = cls(random_state=0, max_epochs=3).fit(X.astype(np.float32), y)
    assert clf.coef_.dtype == np.float32
    assert clf.decision_function(X.astype(np.float32)).dtype == np.float32


def test_softmax_predict_proba_matches_predict(blobs):
    X, y = blobs
    clf = SoftmaxClassifier(random_state=0).fit(X, y)
    p = clf.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[p.argmax(axis=1)], clf.predict(X))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), p)


def test_binary_predict_proba_is_softmax_of_two_scores(blobs):
    X, y = blobs
    clf = SoftmaxClassifier(random_state=0).fit(X, y % 2)
    d = clf.decision_function(X)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], 1 / (1 + np.exp(-d)), rtol=1e-10)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_l1_gives_sparser_weights_than_l2(cls, blobs):
    X, y = blobs
    X = np.hstack([X, np.random.default_rng(0).normal(size=(300, 20))])  # 20 useless features
    kw = dict(alpha=0.05, optimizer="sgd", learning_rate=0.05, random_state=0,
              early_stopping=False, max_epochs=100, lr_schedule="constant")
    w1 = cls(penalty="l1", **kw).fit(X, y).coef_
    w2 = cls(penalty="l2", **kw).fit(X, y).coef_
    assert np.mean(np.abs(w1[:, 8:]) < 1e-2) > np.mean(np.abs(w2[:, 8:]) < 1e-2) + 0.3


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_stronger_l2_shrinks_weights(cls, blobs):
    X, y = blobs
    kw = dict(random_state=0, early_stopping=False, max_epochs=50, optimizer="sgd",
              learning_rate=0.05, lr_schedule="constant")
    small = np.linalg.norm(cls(alpha=1e-4, **kw).fit(X, y).coef_)
    big = np.linalg.norm(cls(alpha=1.0, **kw).fit(X, y).coef_)
    assert big < 0.6 * small


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_divergence_raises_with_advice(cls, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="diverged.*Lower learning_rate"):
        cls(optimizer="sgd", learning_rate=1e30, random_state=0).fit(X * 1e10, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("param,value,match", [
    ("penalty", "l3", r"penalty must be one of 'l2', 'l1', 'elasticnet'; got 'l3'"),
    ("l1_ratio", 2.0, r"l1_ratio must be a finite number in \[0, 1\]; got 2.0"),
    ("optimizer", "adamw", "optimizer must be one of .*; got 'adamw'"),
    ("learning_rate", -0.1, "learning_rate must be a finite number > 0; got -0.1"),
    ("validation_fraction", 1.5, "validation_fraction must be .*; got 1.5"),
])
def test_invalid_parameters_raise_before_fitting(cls, param, value, match, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        cls(**{param: value}).fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_verbose_prints_progress(cls, blobs, capsys):
    X, y = blobs
    cls(verbose=1, max_epochs=2, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "epoch 1: loss" in out and "validation accuracy" in out


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("average,first", [(True, 1), (3, 3)])
def test_average_is_the_mean_of_the_iterates(cls, average, first, blobs):
    # Full-batch plain SGD makes one update per epoch, so the iterate after
    # epoch t is the last-iterate fit of t epochs (same seed, same start).
    X, y = blobs
    kw = dict(optimizer="sgd", learning_rate=0.05, lr_schedule="constant", batch_size=300,
              early_stopping=False, random_state=0)
    fits = [cls(max_epochs=t, **kw).fit(X, y) for t in range(first, 5)]
    avg = cls(max_epochs=4, average=average, **kw).fit(X, y)
    np.testing.assert_allclose(avg.coef_, np.mean([f.coef_ for f in fits], axis=0), rtol=1e-10)
    np.testing.assert_allclose(avg.intercept_, np.mean([f.intercept_ for f in fits], axis=0),
                               rtol=1e-10, atol=1e-14)
    assert not np.allclose(avg.coef_, fits[-1].coef_)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_average_not_reached_keeps_the_last_iterate(cls, blobs):
    X, y = blobs
    kw = dict(early_stopping=False, max_epochs=3, random_state=0)
    np.testing.assert_array_equal(cls(average=4, **kw).fit(X, y).coef_,
                                  cls(average=False, **kw).fit(X, y).coef_)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_average_is_deterministic_and_validated_with_early_stopping(cls, blobs):
    X, y = blobs
    a = cls(average=True, random_state=5, max_epochs=8).fit(X, y)
    b = cls(average=True, random_state=5, max_epochs=8).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    # The kept (averaged) weights are the ones that scored best on validation.
    _, va = split_validation(y, a.validation_fraction, np.random.RandomState(5))
    assert a.score(X[va], y[va]) == pytest.approx(a.best_validation_score_)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("value,error,match", [
    (-1, ValueError, r"average must be True, False or an integer >= 0; got -1"),
    (1.5, TypeError, r"average must be True, False or an integer >= 0; got 1.5 of type float"),
    ("yes", TypeError, r"average must be True, False or an integer >= 0; got 'yes'"),
])
def test_invalid_average_raises(cls, value, error, match, blobs):
    X, y = blobs
    with pytest.raises(error, match=match):
        cls(average=value).fit(X, y)


class _FixedHinge(LinearSVM):
    # The data loss as LinearSVM had it before its ``loss`` parameter: always
    # svm_loss, whatever the parameter says.
    def _loss_function(self):
        return svm_loss


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", [{}, {"average": True, "early_stopping": False, "max_epochs": 8}])
def test_default_loss_is_the_hinge_bit_for_bit(dtype, kw, blobs):
    X, y = blobs
    X = X.astype(dtype)
    assert LinearSVM()._loss_function() is svm_loss and LinearSVM().loss == "hinge"
    default = LinearSVM(random_state=4, **kw).fit(X, y)
    for other in (LinearSVM(loss="hinge", random_state=4, **kw),
                  _FixedHinge(random_state=4, **kw)):
        other.fit(X, y)
        np.testing.assert_array_equal(default.coef_, other.coef_)
        np.testing.assert_array_equal(default.intercept_, other.intercept_)
        assert default.loss_curve_ == other.loss_curve_


def test_squared_hinge_learns_blobs_and_differs_from_the_hinge(blobs):
    X, y = blobs
    sq = LinearSVM(loss="squared_hinge", random_state=0).fit(X, y)
    hinge = LinearSVM(random_state=0).fit(X, y)
    assert sq.score(X, y) > 0.9
    assert not np.allclose(sq.coef_, hinge.coef_)


def test_squared_hinge_first_epoch_starts_near_c_minus_1(blobs):
    X, y = blobs
    clf = LinearSVM(loss="squared_hinge", learning_rate=1e-9, optimizer="sgd", max_epochs=1,
                    random_state=0).fit(X, y)
    assert clf.loss_curve_[0] == pytest.approx(3.0, rel=0.02)


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
def test_ovr_learns_blobs_and_differs_from_weston_watkins(loss, blobs):
    X, y = blobs
    ovr = LinearSVM(loss=loss, multi_class="ovr", random_state=0).fit(X, y)
    ww = LinearSVM(loss=loss, random_state=0).fit(X, y)
    assert ovr.score(X, y) > 0.9
    assert not np.allclose(ovr.coef_, ww.coef_)


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
def test_ovr_first_epoch_starts_near_c(loss, blobs):
    # One binary SVM per class, each missing its margin by about 1 at the start.
    X, y = blobs
    clf = LinearSVM(loss=loss, multi_class="ovr", learning_rate=1e-9, optimizer="sgd",
                    max_epochs=1, random_state=0).fit(X, y)
    assert clf.loss_curve_[0] == pytest.approx(4.0, rel=0.02)


@pytest.mark.parametrize("value", ["crammer_singer", "OvR", None])
def test_invalid_multi_class_raises_naming_the_choices(value, blobs):
    X, y = blobs
    match = (r"multi_class must be one of 'weston_watkins', 'ovr'; got "
             + re.escape(repr(value)))
    with pytest.raises(ValueError, match=match):
        LinearSVM(multi_class=value).fit(X, y)


@pytest.mark.parametrize("value", ["squared", "log_loss", None, 2])
def test_invalid_loss_raises_naming_the_choices(value, blobs):
    X, y = blobs
    match = (r"loss must be one of 'hinge', 'squared_hinge'; got "
             + re.escape(repr(value)))
    with pytest.raises(ValueError, match=match):
        LinearSVM(loss=value).fit(X, y)


def test_invalid_loss_is_reported_before_the_data_is_read():
    with pytest.raises(ValueError, match="loss must be one of"):
        LinearSVM(loss="squared").fit([[np.nan]], ["only one class"])


# Per-batch augmentation: rows of X are 4x5 RGB images, flattened in (H, W, C) order.
def _image_rows(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 4 * 5 * 3)) - 0.5, np.arange(n) % 4


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("augment", ["hflip", "shift", "hflip+shift"])
def test_augment_same_random_state_same_weights(cls, augment):
    X, y = _image_rows()
    kw = dict(max_epochs=3, batch_size=8, augment=augment, shift=1, image_shape=(4, 5, 3))
    a = cls(random_state=3, **kw).fit(X, y)
    b = cls(random_state=3, **kw).fit(X, y)
    c = cls(random_state=4, **kw).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.loss_curve_ == b.loss_curve_
    assert not np.allclose(a.coef_, c.coef_)
    # The augmentation changes what is learned.
    plain = cls(random_state=3, **{**kw, "augment": None}).fit(X, y)
    assert not np.allclose(a.coef_, plain.coef_)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("early_stopping", [True, False])
def test_augment_none_draws_nothing_more(cls, early_stopping, blobs):
    # Without augment, image_shape and shift are not read and no draw is added:
    # the weights are those of the default parameters, bit for bit.
    X, y = blobs
    kw = dict(max_epochs=4, early_stopping=early_stopping, random_state=2)
    default = cls(**kw).fit(X, y)
    other = cls(augment=None, shift=5, image_shape=(3, 3), **kw).fit(X, y)
    np.testing.assert_array_equal(default.coef_, other.coef_)
    np.testing.assert_array_equal(default.intercept_, other.intercept_)
    assert default.loss_curve_ == other.loss_curve_


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_augment_none_is_plain_minibatch_sgd(cls, blobs):
    # Known answer: plain SGD, constant rate, no penalty: the weights after two
    # epochs are those of a hand-written loop over the same seeded order.
    from classifiers.losses import softmax_loss

    X, y = blobs
    clf = cls(optimizer="sgd", learning_rate=0.05, lr_schedule="constant", alpha=0.0,
              batch_size=64, max_epochs=2, early_stopping=False, random_state=0).fit(X, y)
    rng = np.random.RandomState(0)
    W = 0.001 * rng.standard_normal((8, 4))
    b = np.zeros(4)
    gen = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
    loss_fn = svm_loss if cls is LinearSVM else softmax_loss
    for _ in range(2):
        order = gen.permutation(300)
        for start in range(0, 300, 64):
            idx = order[start:start + 64]
            _, d = loss_fn(X[idx] @ W + b, y[idx])
            W, b = W - 0.05 * X[idx].T @ d, b - 0.05 * d.sum(axis=0)
    np.testing.assert_allclose(clf.coef_, W.T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(clf.intercept_, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_augment_batches_are_flipped_and_shifted_images_of_the_rows(cls, monkeypatch):
    import classifiers.augment as augment_module
    from classifiers.augment import shift_images

    calls, original = [], augment_module.augment_batch

    def recording(images, augment, rng):
        out = original(images, augment, rng)
        calls.append((images.copy(), out, augment.name, augment.shift))
        return out

    monkeypatch.setattr(augment_module, "augment_batch", recording)
    X, y = _image_rows(n=24)
    cls(max_epochs=2, batch_size=8, augment="hflip+shift", shift=1, image_shape=(4, 5, 3),
        early_stopping=False, random_state=0).fit(X, y)
    assert len(calls) == 6 and all(c[2:] == ("hflip+shift", 1) for c in calls)
    images = {img.tobytes(): img for img in X.reshape(24, 4, 5, 3)}
    for batch_in, batch_out, _, _ in calls:
        assert batch_in.shape == (8, 4, 5, 3)
        for img, res in zip(batch_in, batch_out):
            assert img.tobytes() in images  # a row of X viewed as an image
            # Each output is the image or its mirror, moved by at most one pixel.
            moves = [shift_images(v[None], np.array([[dy, dx]]), 1)[0]
                     for v in (img, img[:, ::-1]) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
            assert any(np.array_equal(res, m) for m in moves)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_hflip_hides_which_side_is_bright(cls):
    # Known answer: the class says whether the left or the right half of the
    # image is bright. Mirrored batches show both sides with each label, so a
    # model trained on them cannot tell the classes apart; without, it can.
    rng = np.random.default_rng(0)
    images = rng.random((200, 4, 6, 1)) * 0.1
    y = np.arange(200) % 2
    images[y == 0, :, :3] += 1.0
    images[y == 1, :, 3:] += 1.0
    X = images.reshape(200, -1) - images.reshape(200, -1).mean(axis=0)
    kw = dict(max_epochs=20, early_stopping=False, random_state=0)
    assert cls(**kw).fit(X, y).score(X, y) == 1.0
    flipped = cls(augment="hflip", image_shape=(4, 6), **kw).fit(X, y)
    assert flipped.score(X, y) < 0.7


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("kw,error,match", [
    (dict(augment="hflip"), ValueError,
     r"image_shape must be \(H, W\) or \(H, W, C\) with H \* W \* C = n_features = 60 when "
     r"augment='hflip'; got None\. Pass the shape of the images"),
    (dict(augment="shift", image_shape=(4, 5)), ValueError,
     r"n_features = 60 when augment='shift'; got \(4, 5\)"),
    (dict(augment="shift", image_shape=(4, 5, 3.0)), ValueError, r"got \(4, 5, 3\.0\)"),
    (dict(augment="vflip", image_shape=(4, 5, 3)), ValueError,
     r"augment must be one of .none., .hflip., .shift., .hflip\+shift. \(or None for .none.\); "
     r"got .vflip."),
    (dict(augment="shift", shift=0, image_shape=(4, 5, 3)), ValueError,
     r"shift must be an integer >= 1; got 0"),
    (dict(augment="shift", shift=1.5, image_shape=(4, 5, 3)), TypeError,
     r"shift must be an integer >= 1; got 1\.5"),
])
def test_invalid_augment_parameters_raise(cls, kw, error, match):
    X, y = _image_rows()
    with pytest.raises(error, match=match):
        cls(**kw).fit(X, y)
