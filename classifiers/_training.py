"""Shared training machinery: parameter checks, label encoding, validation
split and the epoch loop with tolerance / early stopping.

The estimators supply a ``train_epoch(epoch, learning_rate) -> mean loss``
callback; this module decides when to stop, records the curves and keeps the
best weights when early stopping is on.
"""

import numbers

import numpy as np
from sklearn.model_selection import train_test_split

from .optimizers import OPTIMIZERS, make_optimizer
from .schedules import SCHEDULES, make_schedule

__all__ = ["check_common_params", "encode_labels", "split_validation", "make_est_schedule",
           "train_loop"]


def _fail(name, value, requirement, fix):
    raise ValueError(f"{name} must be {requirement}; got {value!r}. {fix}")


def check_int(name, value, low):
    """Raise TypeError/ValueError unless ``value`` is an integer >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {low}; got {value!r} of type "
            f"{type(value).__name__}. Pass e.g. {name}={max(low, 1)}."
        )
    if value < low:
        _fail(name, value, f"an integer >= {low}", f"Pass e.g. {name}={max(low, 1)}.")


def check_real(name, value, low=None, high=None, low_open=False, high_open=False):
    """Raise TypeError/ValueError unless ``value`` is a real number in the interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} of type "
                        f"{type(value).__name__}.")
    lo_ok = low is None or (value > low if low_open else value >= low)
    hi_ok = high is None or (value < high if high_open else value <= high)
    if not (np.isfinite(value) and lo_ok and hi_ok):
        lb = "-inf" if low is None else low
        hb = "inf" if high is None else high
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        interval = f"{left}{lb}, {hb}{right}"
        _fail(name, value, f"a finite number in {interval}", "Choose a value inside that range.")


def check_choice(name, value, choices):
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        _fail(name, value, f"one of {sorted(choices)}", "Pick one of the listed names.")


def check_common_params(est):
    """Validate the optimisation parameters shared by all estimators (start of fit).

    Examples
    --------
    >>> from classifiers import SoftmaxClassifier
    >>> check_common_params(SoftmaxClassifier())  # valid: returns None
    >>> check_common_params(SoftmaxClassifier(batch_size=0))
    Traceback (most recent call last):
        ...
    ValueError: batch_size must be an integer >= 1; got 0. Pass e.g. batch_size=1.
    """
    check_choice("optimizer", est.optimizer, OPTIMIZERS)
    check_real("learning_rate", est.learning_rate, 0, low_open=True)
    check_choice("lr_schedule", est.lr_schedule, SCHEDULES)
    check_real("lr_decay", est.lr_decay, 0, 1, low_open=True)
    check_int("lr_decay_step", est.lr_decay_step, 1)
    check_int("batch_size", est.batch_size, 1)
    check_int("max_epochs", est.max_epochs, 1)
    check_real("tol", est.tol, 0)
    check_real("alpha", est.alpha, 0)
    if not isinstance(est.early_stopping, (bool, np.bool_)):
        raise TypeError(f"early_stopping must be True or False; got {est.early_stopping!r}.")
    check_real("validation_fraction", est.validation_fraction, 0, 1, True, True)
    check_int("n_iter_no_change", est.n_iter_no_change, 1)
    check_int("verbose", int(est.verbose) if isinstance(est.verbose, bool) else est.verbose, 0)


def encode_labels(y):
    """Return ``(classes, y_index)``; fail with a sklearn-compatible message on one class.

    Examples
    --------
    >>> classes, y_idx = encode_labels(np.array(["dog", "cat", "dog"]))
    >>> classes.tolist(), y_idx.tolist()
    (['cat', 'dog'], [1, 0, 1])
    """
    classes, y_idx = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        got = f"1 class ({classes[0]!r})" if classes.shape[0] else "no labels (y is empty)"
        raise ValueError(
            f"the classifier needs samples of at least 2 classes; got {got}. "
            "Check the labels passed as y."
        )
    return classes, y_idx.astype(np.intp, copy=False)


def split_validation(y_idx, fraction, rng):
    """Seeded (stratified when every class has 2+ samples) train/validation indices.

    Raises
    ------
    ValueError
        If ``fraction`` leaves no sample for training or validation.

    Examples
    --------
    >>> y_idx = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> tr, va = split_validation(y_idx, 0.25, np.random.RandomState(0))
    >>> len(tr), len(va), np.bincount(y_idx[va]).tolist()  # one sample of each class
    (6, 2, [1, 1])
    >>> sorted(tr.tolist() + va.tolist()) == list(range(8))
    True
    """
    n = y_idx.shape[0]
    n_val = int(np.ceil(fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise ValueError(
            f"validation_fraction={fraction} of n_samples={n} leaves no sample for "
            "training or validation; pass more samples or set early_stopping=False."
        )
    counts = np.bincount(y_idx)
    # Stratify when possible: every class needs a sample on each side.
    ok = counts[counts > 0].min() >= 2 and min(n_val, n - n_val) >= np.count_nonzero(counts)
    stratify = y_idx if ok else None
    idx = np.arange(n)
    seed = rng.randint(np.iinfo(np.int32).max)
    return train_test_split(idx, test_size=n_val, random_state=seed, stratify=stratify)


def make_est_schedule(est):
    """The learning-rate schedule named by ``est.lr_schedule`` (one cycle = ``max_epochs``).

    Examples
    --------
    >>> from classifiers import SoftmaxClassifier
    >>> make_est_schedule(SoftmaxClassifier(lr_schedule="onecycle", max_epochs=10))(1.0, 3)
    1.0
    """
    return make_schedule(est.lr_schedule, est.lr_decay, est.lr_decay_step,
                         total_epochs=est.max_epochs)


def train_loop(est, train_epoch, validate, get_state, set_state, epoch_callback=None):
    """Run epochs until ``max_epochs``, the tolerance test or early stopping.

    With early stopping, an epoch counts as an improvement when the validation
    accuracy rises by more than ``tol`` *or* the validation loss falls by more
    than ``tol``: on small validation sets the accuracy plateaus for many epochs
    while the model is still learning, and the loss sees that. The weights kept
    are those of the best accuracy (ties go to the lower validation loss).

    Parameters
    ----------
    est : estimator
        Provides the hyper-parameters (``max_epochs``, ``tol``, ...).
    train_epoch : callable ``(optimizer) -> float``
        One pass over the training data; returns its mean loss.
    validate : callable ``() -> (accuracy, loss)`` or None
        Validation accuracy and mean data loss, when early stopping is on.
    get_state, set_state : callables
        Copy out / restore the weights (to keep the best ones).
    epoch_callback : callable ``(epoch, loss, validation_score)`` or None
        Called after every epoch (epochs counted from 1; the score is None
        without validation), e.g. to drive a progress bar.

    Returns
    -------
    loss_curve : list of float
    validation_scores : list of float
    validation_losses : list of float
    n_iter : int
    best_validation_score : float or None

    Raises
    ------
    ValueError
        If the loss becomes NaN or infinite (divergence).

    Examples
    --------
    Without validation, training stops after ``n_iter_no_change`` epochs that
    lower the loss by less than ``tol``:

    >>> from classifiers import SoftmaxClassifier
    >>> est = SoftmaxClassifier(max_epochs=10, tol=0.1, n_iter_no_change=2)
    >>> epoch_losses = iter([4.0, 2.0, 1.0, 0.95, 0.92, 0.9])
    >>> out = train_loop(est, lambda optimizer: next(epoch_losses), None,
    ...                  lambda: None, lambda state: None)
    >>> loss_curve, scores, val_losses, n_iter, best = out
    >>> loss_curve, n_iter, scores, best
    ([4.0, 2.0, 1.0, 0.95, 0.92], 5, [], None)
    """
    optimizer = make_optimizer(est.optimizer, est.learning_rate)
    schedule = make_est_schedule(est)
    losses, scores, val_losses = [], [], []
    best_loss, best_acc, best_key, best_state, stale = np.inf, -np.inf, None, None, 0
    epoch = 0
    for epoch in range(1, est.max_epochs + 1):
        optimizer.learning_rate = schedule(est.learning_rate, epoch - 1)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = float(train_epoch(optimizer))
        if not np.isfinite(loss):
            raise ValueError(
                f"training diverged: the loss became {loss} at epoch {epoch} with "
                f"learning_rate={est.learning_rate}. Lower learning_rate (e.g. to "
                f"{est.learning_rate / 10:g}) or increase alpha."
            )
        losses.append(loss)
        if validate is not None:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                acc, vloss = (float(v) for v in validate())
            scores.append(acc)
            val_losses.append(vloss)
            improved = acc > best_acc + est.tol or vloss < best_loss - est.tol
            stale = 0 if improved else stale + 1
            best_acc, best_loss = max(best_acc, acc), min(best_loss, vloss)
            if best_key is None or (acc, -vloss) > best_key:
                best_key, best_state = (acc, -vloss), get_state()
        else:
            stale = 0 if loss < best_loss - est.tol else stale + 1
            best_loss = min(best_loss, loss)
        if epoch_callback is not None:
            epoch_callback(epoch, loss, scores[-1] if scores else None)
        if est.verbose:
            extra = (f", validation accuracy {scores[-1]:.4f}, loss {val_losses[-1]:.4f}"
                     if scores else "")
            print(f"epoch {epoch}: loss {loss:.5f}, lr {optimizer.learning_rate:.3g}{extra}")
        if stale >= est.n_iter_no_change:
            break
    if best_state is not None:
        set_state(best_state)
    return losses, scores, val_losses, epoch, (best_key[0] if best_key else None)
