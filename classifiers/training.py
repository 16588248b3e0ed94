"""Shared training machinery: parameter checks, label encoding, validation
split and the epoch loop with tolerance / early stopping.

The estimators supply a ``train_epoch(epoch, learning_rate) -> mean loss``
callback; this module decides when to stop, records the curves and keeps the
best weights when early stopping is on.
"""

import numpy as np
from sklearn.model_selection import train_test_split

from features.checks import check_bool, check_choice, check_int, check_real

from .optimizers import OPTIMIZERS, make_optimizer
from .schedules import SCHEDULES, make_schedule

__all__ = ["check_common_params", "encode_labels", "split_validation", "make_est_schedule",
           "train_loop"]

#: An epoch whose training loss is this many times the first epoch's, or above the
#: first epoch's and this many times the best epoch's, has diverged. Runs that
#: recover climb about 10x at most; a diverging one grows by orders of magnitude
#: per epoch, so 1e3 is crossed within an epoch or two and never by a recovery.
#: The first epoch is judged against the loss the model started from (before any
#: update), as a run that blows up inside it has an inflated first epoch: on the
#: unscaled digits, first epochs that recovered reached 575 times it at most.
DIVERGENCE_FACTOR = 1e3

#: A run whose epoch loss rose past BLOWUP_FACTOR times its starting loss and that
#: ends above CHANCE_FRACTION of the loss of all-zero scores (log(n_classes) for
#: softmax) has diverged too, into a model no better than chance. On the digits
#: (every estimator, learning rates up to 1e3), runs that rose that far and
#: recovered ended at 0.75 of that loss at most, those left at chance at 0.94 or
#: more; a run that never rises (any healthy one) is never judged so.
BLOWUP_FACTOR, CHANCE_FRACTION = 2.0, 0.9


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
    check_choice(est.optimizer, "optimizer", OPTIMIZERS)
    check_real(est.learning_rate, "learning_rate", low=0, low_open=True)
    check_choice(est.lr_schedule, "lr_schedule", SCHEDULES)
    check_real(est.lr_decay, "lr_decay", low=0, high=1, low_open=True)
    check_int(est.lr_decay_step, "lr_decay_step", low=1)
    check_int(est.batch_size, "batch_size", low=1)
    check_int(est.max_epochs, "max_epochs", low=1)
    check_real(est.tol, "tol", low=0)
    check_real(est.alpha, "alpha", low=0)
    check_bool(est.early_stopping, "early_stopping")
    check_real(est.validation_fraction, "validation_fraction", low=0, high=1, low_open=True,
               high_open=True)
    check_int(est.n_iter_no_change, "n_iter_no_change", low=1)
    check_int(est.verbose, "verbose", low=0, allow_bool=True)


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


def train_loop(est, train_epoch, validate, get_state, set_state, epoch_callback=None,
               start_loss=None, zero_loss=None):
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
    start_loss : callable ``() -> float`` or None
        The loss the model started from, before its first update (e.g. of the
        first mini-batch, weight decay included); read after the first epoch.
        Divergence is judged against it, or against ``zero_loss`` when larger.
    zero_loss : float or None
        The data loss of all-zero scores (chance), e.g. ``log(n_classes)``
        for a softmax output.

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
        If training diverges: the loss becomes NaN or infinite, or grows past
        ``DIVERGENCE_FACTOR`` (1e3) times the first epoch's loss (the first
        epoch: the starting loss), or above the first epoch's loss and past
        1e3 times the best epoch's. Training stops there (no diverged weights
        are kept). Or, at the end: the loss rose past twice its starting value
        and the model kept ends above 0.9 times ``zero_loss`` (no better than
        chance). The message says to lower ``learning_rate``.

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
    epoch, kept, start = 0, 0, None
    for epoch in range(1, est.max_epochs + 1):
        optimizer.learning_rate = schedule(est.learning_rate, epoch - 1)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = float(train_epoch(optimizer))
        if epoch == 1 and start_loss is not None:
            start = float(start_loss())
            # One mini-batch can start below chance by luck (a few images): never
            # judge against less than chance.
            start = max(start, zero_loss or 0.0) if np.isfinite(start) else None
        if not np.isfinite(loss):
            _diverged(est, f"the loss became {loss} at epoch {epoch}")
        if not losses and start is not None and loss > DIVERGENCE_FACTOR * start:
            _diverged(est, f"the loss grew to {loss:.3g} in the first epoch (from {start:.3g} "
                           "at the start)")
        if losses and (loss > DIVERGENCE_FACTOR * losses[0] or (
                loss > losses[0] and loss > DIVERGENCE_FACTOR * min(losses))):
            _diverged(est, f"the loss grew to {loss:.3g} at epoch {epoch} (first epoch "
                           f"{losses[0]:.3g}, best {min(losses):.3g})")
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
                best_key, best_state, kept = (acc, -vloss), get_state(), epoch
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
    _check_chance(est, losses, losses[(kept or epoch) - 1], start, zero_loss)
    if best_state is not None:
        set_state(best_state)
    return losses, scores, val_losses, epoch, (best_key[0] if best_key else None)


def _check_chance(est, losses, final, start, zero_loss):
    """Raise when the loss blew up and the model kept (loss ``final``) is left at chance."""
    if start is None or zero_loss is None:
        return
    peak = max(losses)
    if peak > BLOWUP_FACTOR * start and final > CHANCE_FRACTION * zero_loss:
        _diverged(est, f"the loss rose from {start:.3g} at the start to "
                       f"{peak:.3g} at epoch {losses.index(peak) + 1} and ended at "
                       f"{final:.3g}, no better than chance ({zero_loss:.3g}, all-zero scores)")


def _diverged(est, what):
    raise ValueError(
        f"training diverged: {what} with learning_rate={est.learning_rate}. Lower "
        f"learning_rate (e.g. to {est.learning_rate / 10:g}) or increase alpha."
    )
