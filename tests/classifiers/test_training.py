import numpy as np
import pytest
from sklearn.base import BaseEstimator

from classifiers import ConvNetClassifier, LinearSVM, MLPClassifier, SoftmaxClassifier
from classifiers.training import (check_common_params, encode_labels, split_validation,
                                   train_loop)


class _Params(BaseEstimator):
    def __init__(self, **kw):
        base = dict(optimizer="sgd", learning_rate=0.1, lr_schedule="constant", lr_decay=1.0,
                    lr_decay_step=1, batch_size=10, max_epochs=50, tol=0.0, alpha=0.0,
                    early_stopping=True, validation_fraction=0.1, n_iter_no_change=3,
                    verbose=0)
        base.update(kw)
        self.__dict__.update(base)


def test_split_validation_is_stratified_and_seeded():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    tr, va = split_validation(y, 0.2, np.random.RandomState(0))
    assert len(va) == 20 and len(tr) == 80 and not set(tr) & set(va)
    np.testing.assert_array_equal(np.bincount(y[va]), [10, 6, 4])
    tr2, va2 = split_validation(y, 0.2, np.random.RandomState(0))
    np.testing.assert_array_equal(va, va2)


def test_split_validation_falls_back_when_a_class_is_a_singleton():
    y = np.array([0, 0, 0, 0, 1])
    tr, va = split_validation(y, 0.2, np.random.RandomState(0))
    assert len(va) == 1 and len(tr) == 4


def test_split_validation_needs_two_samples():
    with pytest.raises(ValueError, match="leaves no sample for training or validation"):
        split_validation(np.array([0]), 0.5, np.random.RandomState(0))


def test_encode_labels_any_type():
    classes, idx = encode_labels(np.array(["b", "a", "b"]))
    np.testing.assert_array_equal(classes, ["a", "b"])
    np.testing.assert_array_equal(idx, [1, 0, 1])


def test_encode_labels_single_class():
    with pytest.raises(ValueError, match="at least 2 classes; got 1 class"):
        encode_labels(np.array([3, 3]))


def _loop(est, val_accs, val_losses=None):
    it = iter(zip(val_accs, val_losses or [1.0] * len(val_accs)))
    state = {"w": 0}
    calls = []

    def train_epoch(opt):
        state["w"] += 1
        calls.append(opt.learning_rate)
        return 1.0

    out = train_loop(est, train_epoch, lambda: next(it), lambda: state["w"],
                     lambda s: state.__setitem__("w", s))
    return out, state["w"], calls


def test_train_loop_early_stops_and_keeps_best_weights():
    (losses, scores, vloss, n_iter, best), w, _ = _loop(_Params(), [0.5, 0.7, 0.6, 0.6, 0.6, 0.9])
    assert n_iter == 5 and scores == [0.5, 0.7, 0.6, 0.6, 0.6]
    assert best == 0.7 and w == 2  # weights restored to epoch 2


def test_train_loop_continues_while_validation_loss_falls():
    accs = [0.5] * 8
    (_, _, _, n_iter, _), _, _ = _loop(_Params(), accs, [1.0, 0.9, 0.8, 0.7, 0.6, 0.6, 0.6, 0.6])
    assert n_iter == 8


def test_train_loop_applies_schedule():
    est = _Params(lr_schedule="exponential", lr_decay=0.5, max_epochs=3, n_iter_no_change=10)
    _, _, calls = _loop(est, [0.1, 0.2, 0.3], [3.0, 2.0, 1.0])
    assert calls == [0.1, 0.05, 0.025]


def test_train_loop_tolerance_without_validation():
    est = _Params(early_stopping=False, tol=0.1, n_iter_no_change=2)
    losses = iter([5.0, 4.0, 3.95, 3.93, 1.0])
    out = train_loop(est, lambda opt: next(losses), None, lambda: 0, lambda s: None)
    assert out[3] == 4 and out[1] == []


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_train_loop_divergence_suggests_lower_learning_rate(bad):
    with pytest.raises(ValueError, match=r"diverged.*Lower learning_rate \(e.g. to 0.01\)"):
        train_loop(_Params(), lambda opt: bad, None, lambda: 0, lambda s: None)


@pytest.mark.parametrize("param,value,error,match", [
    ("optimizer", "lbfgs", ValueError, r"optimizer must be one of .*'adam'.*; got 'lbfgs'"),
    ("optimizer", None, ValueError, r"optimizer must be one of .*; got None"),
    ("learning_rate", 0.0, ValueError, r"learning_rate must be a finite number > 0; got 0.0"),
    ("learning_rate", "fast", TypeError, "learning_rate must be a finite number > 0; got 'fast'"),
    ("lr_schedule", "cosine", ValueError, "lr_schedule must be one of .*; got 'cosine'"),
    ("lr_decay", 0.0, ValueError, r"lr_decay must be a finite number in \(0, 1\]; got 0.0"),
    ("lr_decay_step", 0, ValueError, "lr_decay_step must be an integer >= 1; got 0"),
    ("batch_size", 0, ValueError, "batch_size must be an integer >= 1; got 0"),
    ("batch_size", 2.5, TypeError, "batch_size must be an integer >= 1; got 2.5"),
    ("max_epochs", 0, ValueError, "max_epochs must be an integer >= 1; got 0"),
    ("max_epochs", True, TypeError, "max_epochs must be an integer >= 1; got True"),
    ("alpha", -1.0, ValueError, r"alpha must be a finite number >= 0; got -1.0"),
    ("alpha", np.nan, ValueError, r"alpha must be a finite number >= 0; got nan"),
    ("validation_fraction", 1.0, ValueError,
     r"validation_fraction must be a finite number in \(0, 1\); got 1.0"),
    ("validation_fraction", 0.0, ValueError, r"validation_fraction .* got 0.0"),
    ("n_iter_no_change", 0, ValueError, "n_iter_no_change must be an integer >= 1; got 0"),
    ("early_stopping", "yes", TypeError, "early_stopping must be True or False; got 'yes'"),
    ("early_stopping", 1, TypeError, "early_stopping must be True or False; got 1"),
    ("tol", -1e-3, ValueError, r"tol must be a finite number >= 0; got -0.001"),
    ("verbose", -1, ValueError, "verbose must be True, False or an integer >= 0; got -1"),
    ("verbose", 0.5, TypeError, "verbose must be True, False or an integer >= 0; got 0.5"),
])
def test_check_common_params_messages(param, value, error, match):
    with pytest.raises(error, match=match):
        check_common_params(_Params(**{param: value}))


@pytest.mark.parametrize("param, value", [
    ("verbose", True), ("verbose", False), ("verbose", 2), ("early_stopping", np.False_),
    ("optimizer", np.str_("adam")), ("lr_schedule", np.str_("step")), ("batch_size", np.int64(8)),
    ("learning_rate", np.float32(0.5)), ("lr_decay", 1), ("tol", 0),
])
def test_check_common_params_accepts(param, value):
    assert check_common_params(_Params(**{param: value})) is None


def test_split_validation_with_fewer_training_samples_than_classes():
    y = np.repeat(np.arange(10), 10)
    tr, va = split_validation(y, 0.95, np.random.RandomState(0))
    assert len(tr) == 5 and len(va) == 95


@pytest.mark.parametrize("curve,epoch", [
    ([2.0, 30.0, 2500.0], 3),           # past 1e3 times the first epoch's loss
    ([9.0, 0.001, 0.5, 9.5], 4),        # above the first epoch's and 1e3 times the best
])
def test_train_loop_stops_a_finite_loss_that_blows_up(curve, epoch):
    losses = iter(curve)
    with pytest.raises(ValueError, match=rf"diverged: the loss grew to .* at epoch {epoch} "
                                         r".*Lower learning_rate \(e.g. to 0.01\)"):
        train_loop(_Params(early_stopping=False, n_iter_no_change=10),
                   lambda opt: next(losses), None, lambda: 0, lambda s: None)


@pytest.mark.parametrize("curve", [
    [3.1, 13.1, 34.3, 24.5, 5.99, 0.70, 0.30],  # climbs 11x, then recovers
    [2.0, 0.0001, 0.05, 1.9],                   # 1e4 times the best, below the start
    [1e20, 1e19, 1e18],                         # huge but falling
])
def test_train_loop_lets_a_loss_that_recovers_or_falls_run(curve):
    losses = iter(curve)
    out = train_loop(_Params(early_stopping=False, max_epochs=len(curve), n_iter_no_change=10),
                     lambda opt: next(losses), None, lambda: 0, lambda s: None)
    assert out[0] == curve


# Learning rates at which each estimator's loss grows by orders of magnitude per
# epoch on well-scaled data while staying finite (without the rule, every fit
# ends with a loss above 1e14 and no error).
DIVERGING = [
    (LinearSVM, dict(learning_rate=1e3)),
    (SoftmaxClassifier, dict(learning_rate=1e3)),
    (MLPClassifier, dict(hidden_layer_sizes=(16,), optimizer="sgd", learning_rate=3.0,
                         alpha=0.01, dropout=0.0)),
]


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("cls,params", DIVERGING, ids=lambda v: getattr(v, "__name__", ""))
def test_every_estimator_refuses_a_finite_divergence(cls, params, early_stopping):
    from sklearn.datasets import make_classification

    X, y = make_classification(300, 20, n_informative=10, n_classes=3, random_state=0)
    clf = cls(random_state=0, max_epochs=20, early_stopping=early_stopping, **params)
    with pytest.raises(ValueError, match=r"diverged: the loss grew .*Lower learning_rate"):
        clf.fit(X, y)


def _run(curve, start, zero_loss=None, **params):
    losses = iter(curve)
    est = _Params(early_stopping=False, max_epochs=len(curve), n_iter_no_change=10, **params)
    return train_loop(est, lambda opt: next(losses), None, lambda: 0, lambda s: None,
                      start_loss=lambda: start, zero_loss=zero_loss)


def test_train_loop_judges_the_first_epoch_against_the_starting_loss():
    # 1e3 times the loss before the first update: the first epoch blew up.
    with pytest.raises(ValueError, match=r"diverged: the loss grew to 3e\+03 in the first "
                                         r"epoch \(from 2.3 at the start\)"):
        _run([3000.0, 2900.0], start=2.3)
    assert _run([2000.0, 3.0], start=2.3)[0] == [2000.0, 3.0]  # under 1e3 times


@pytest.mark.parametrize("curve", [
    [14.0, 60.0, 45.0],        # rose 26x, ended far above chance
    [22.0, 12.0, 2.2],         # rose, ended within 10% of chance
])
def test_train_loop_refuses_a_blow_up_that_ends_at_chance(curve):
    with pytest.raises(ValueError, match=r"diverged: the loss rose from 2.3 at the start to .* "
                                         r"no better than chance \(2.3, all-zero "
                                         r"scores\).*Lower learning_rate"):
        _run(curve, start=2.3, zero_loss=2.3)


@pytest.mark.parametrize("curve", [
    [23.0, 5.0, 1.0, 0.7],     # rose 10x, recovered below chance
    [2.5, 2.4, 2.35, 2.3],     # at chance but never rose: nothing to learn, not diverged
])
def test_train_loop_lets_a_recovery_or_a_flat_run_end(curve):
    assert _run(curve, start=2.3, zero_loss=2.3)[0] == curve


def test_a_lucky_first_mini_batch_is_judged_as_chance():
    # 0.5 before the first update on a few images, then at chance (1.1): not a blow-up.
    assert _run([1.11, 1.12], start=0.5, zero_loss=1.1)[0] == [1.11, 1.12]


def test_train_loop_judges_the_kept_epoch_with_early_stopping():
    # Blew up after the best validation epoch: the weights kept are those of epoch 1.
    losses, accs = iter([1.0, 30.0, 40.0]), iter([0.9, 0.1, 0.1])
    est = _Params(max_epochs=3, n_iter_no_change=10)
    out = train_loop(est, lambda opt: next(losses), lambda: (next(accs), 1.0), lambda: 0,
                     lambda s: None, start_loss=lambda: 2.3, zero_loss=2.3)
    assert out[0] == [1.0, 30.0, 40.0]


def _digits(images=False):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return ((X.reshape(-1, 8, 8, 1) * 15).astype(np.uint8) if images else X / 16), y


# Each ended silently at chance (or, the SVM, at 0.92 training accuracy after a
# first epoch 2,300 times its starting loss) before training was judged
# against the loss the model started from.
BLOWN_UP_IN_THE_FIRST_EPOCH = [
    (lambda: SoftmaxClassifier(learning_rate=1e3, random_state=0), "x16", "grew"),
    (lambda: MLPClassifier(learning_rate=1e3, random_state=0), "x16", "rose"),
    (lambda: ConvNetClassifier(learning_rate=1, max_epochs=4, random_state=0), "images",
     "rose"),
    (lambda: LinearSVM(learning_rate=10, random_state=0), "raw", "grew"),
]


@pytest.mark.parametrize("make,data,word", BLOWN_UP_IN_THE_FIRST_EPOCH,
                         ids=["softmax", "mlp", "convnet", "svm"])
def test_a_blow_up_inside_the_first_epoch_is_refused(make, data, word):
    X, y = _digits(images=data == "images")
    X = X * 16 if data == "raw" else X
    with pytest.raises(ValueError, match=rf"training diverged: the loss {word} .*"
                                         r"Lower learning_rate"):
        make().fit(X, y)


@pytest.mark.parametrize("make,data", [
    (lambda: SoftmaxClassifier(random_state=0), "x16"),
    (lambda: LinearSVM(random_state=0), "x16"),
    (lambda: MLPClassifier((64,), max_epochs=10, random_state=0), "x16"),
    (lambda: ConvNetClassifier((8, 16), max_epochs=3, random_state=0), "images"),
], ids=["softmax", "svm", "mlp", "convnet"])
def test_the_default_learning_rates_train_on_the_digits(make, data):
    X, y = _digits(images=data == "images")
    assert make().fit(X, y).score(X, y) > 0.5  # chance: 0.1


@pytest.mark.parametrize("with_validation", [False, True])
def test_train_loop_calls_epoch_callback_after_every_epoch(with_validation):
    est = _Params(max_epochs=4, n_iter_no_change=10)
    losses = iter([4.0, 3.0, 2.0, 1.0])
    accs = iter([0.5, 0.6, 0.7, 0.8])
    calls = []
    validate = (lambda: (next(accs), 1.0)) if with_validation else None
    train_loop(est, lambda opt: next(losses), validate, lambda: None, lambda s: None,
               epoch_callback=lambda *args: calls.append(args))
    scores = [0.5, 0.6, 0.7, 0.8] if with_validation else [None] * 4
    assert calls == list(zip([1, 2, 3, 4], [4.0, 3.0, 2.0, 1.0], scores))


def test_train_loop_runs_a_onecycle_schedule_over_max_epochs():
    est = _Params(lr_schedule="onecycle", max_epochs=10, n_iter_no_change=10)
    seen = []
    train_loop(est, lambda opt: seen.append(opt.learning_rate) or 1.0, None,
               lambda: None, lambda s: None)
    assert max(seen) == pytest.approx(0.1) and seen.index(max(seen)) == 3
    assert seen[0] == pytest.approx(0.01) and seen[-1] < seen[5]


def test_encode_labels_refuses_empty_labels():
    with pytest.raises(ValueError, match=r"at least 2 classes; got no labels \(y is empty\)"):
        encode_labels(np.array([]))
