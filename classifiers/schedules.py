"""Learning-rate schedules: ``schedule(base_lr, epoch) -> learning rate``.

Epochs are counted from 0. The estimators call a schedule once per epoch
(:class:`classifiers.ConvNetClassifier` once per mini-batch, with fractional
epochs) and assign the result to their update rule's ``learning_rate``.
"""

import numpy as np

from features.checks import check_choice, check_int, check_real

__all__ = ["ConstantLR", "StepDecay", "ExponentialDecay", "OneCycle", "make_schedule",
           "SCHEDULES"]


class ConstantLR:
    """Keep the base learning rate: ``lr(epoch) = lr0``.

    Examples
    --------
    >>> ConstantLR()(0.1, 25)
    0.1
    """

    def __call__(self, base_lr, epoch):
        return base_lr


def _check_gamma(gamma):
    # The estimators' lr_decay parameter arrives here as gamma: name both.
    return check_real(gamma, "gamma (lr_decay)", low=0, high=1, low_open=True)


class StepDecay:
    """Multiply the rate by ``gamma`` every ``step_size`` epochs.

    ``lr(epoch) = lr0 * gamma ** (epoch // step_size)``, epochs counted from 0.

    Examples
    --------
    >>> StepDecay(step_size=10, gamma=0.5)(1.0, 25)
    0.25
    """

    def __init__(self, step_size=10, gamma=0.5):
        self.step_size = check_int(step_size, "step_size", low=1)
        self.gamma = _check_gamma(gamma)

    def __call__(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialDecay:
    """Multiply the rate by ``gamma`` every epoch: ``lr(epoch) = lr0 * gamma ** epoch``.

    Examples
    --------
    >>> ExponentialDecay(gamma=0.5)(1.0, 3)
    0.125
    """

    def __init__(self, gamma=0.95):
        self.gamma = _check_gamma(gamma)

    def __call__(self, base_lr, epoch):
        return base_lr * self.gamma ** epoch


class OneCycle:
    """One cycle: linear warm-up to the base rate, then linear or cosine decay to 0.

    With ``t = epoch / total_epochs`` (epochs counted from 0; fractions of an
    epoch allowed, so a caller may change the rate every mini-batch) and
    ``w = warmup``, the rate is ``lr0 * (s + (1 - s) t / w)`` for ``t < w``
    (``s = start_factor``), then ``lr0 * (1 - q)`` (linear) or
    ``lr0 * (1 + cos(pi q)) / 2`` (cosine) with ``q = (t - w) / (1 - w)``.
    A short warm-up lets a large peak rate be reached without the early
    instability, and the decay to 0 ends training at a small step.

    Parameters
    ----------
    total_epochs : int
        Length of the cycle, >= 1 (the estimators pass ``max_epochs``).
    warmup : float, default=0.3
        Share of the cycle spent rising, in [0, 1).
    anneal : {"linear", "cosine"}, default="linear"
    start_factor : float, default=0.1
        Rate at epoch 0 as a share of the peak, in (0, 1].

    Examples
    --------
    >>> sched = OneCycle(10, warmup=0.2, start_factor=0.5)
    >>> [round(sched(1.0, e), 3) for e in (0, 1, 2, 6, 10)]
    [0.5, 0.75, 1.0, 0.5, 0.0]
    >>> round(OneCycle(10, warmup=0.2, anneal="cosine")(1.0, 6), 3)
    0.5
    """

    def __init__(self, total_epochs, warmup=0.3, anneal="linear", start_factor=0.1):
        self.total_epochs = check_int(total_epochs, "total_epochs", low=1)
        self.warmup = check_real(warmup, "warmup", low=0, high=1, high_open=True)
        self.anneal = check_choice(anneal, "anneal", ("linear", "cosine"))
        self.start_factor = check_real(start_factor, "start_factor", low=0, high=1,
                                       low_open=True)

    def __call__(self, base_lr, epoch):
        t = min(max(epoch / self.total_epochs, 0.0), 1.0)
        if t < self.warmup:
            s = self.start_factor
            return base_lr * (s + (1.0 - s) * t / self.warmup)
        q = (t - self.warmup) / (1.0 - self.warmup)
        if self.anneal == "linear":
            return base_lr * (1.0 - q)
        return base_lr * 0.5 * (1.0 + float(np.cos(np.pi * q)))


SCHEDULES = ("constant", "step", "exponential", "onecycle", "onecycle_cosine")


def make_schedule(name, gamma=0.95, step_size=10, total_epochs=None):
    """Build a schedule by name.

    Parameters
    ----------
    name : {"constant", "step", "exponential", "onecycle", "onecycle_cosine"}
        ``"onecycle"`` is :class:`OneCycle` with linear decay,
        ``"onecycle_cosine"`` with cosine decay (both with their defaults).
    gamma : float, default=0.95
        Decay factor of ``"step"`` and ``"exponential"``.
    step_size : int, default=10
        Epochs between decays of ``"step"``.
    total_epochs : int or None, default=None
        Length of a one-cycle schedule (required for those).

    Raises
    ------
    ValueError
        Unknown ``name``, out-of-range ``gamma`` / ``step_size``, or a one-cycle
        schedule without ``total_epochs``.

    Examples
    --------
    >>> make_schedule("step", gamma=0.1, step_size=5)(1.0, 5)
    0.1
    >>> make_schedule("onecycle", total_epochs=10)(1.0, 3)
    1.0
    """
    check_choice(name, "lr_schedule", SCHEDULES)
    if name == "constant":
        return ConstantLR()
    if name == "step":
        return StepDecay(step_size, gamma)
    if name == "exponential":
        return ExponentialDecay(gamma)
    if name in ("onecycle", "onecycle_cosine"):
        if total_epochs is None:
            raise ValueError(f"lr_schedule={name!r} needs total_epochs (the cycle's length).")
    return OneCycle(total_epochs, anneal="linear" if name == "onecycle" else "cosine")
