import numpy as np
import pytest

from classifiers import schedules as S
from classifiers.training import make_est_schedule
from classifiers.mlp import MLPClassifier


@pytest.mark.parametrize("name,epoch,expected", [
    ("constant", 7, 1.0), ("step", 9, 1.0), ("step", 10, 0.5), ("step", 25, 0.25),
    ("exponential", 3, 0.125),
])
def test_schedules(name, epoch, expected):
    assert S.make_schedule(name, gamma=0.5, step_size=10)(1.0, epoch) == pytest.approx(expected)


def test_unknown_schedule():
    with pytest.raises(ValueError, match="lr_schedule must be one of 'constant', .*; got 'cosine'"):
        S.make_schedule("cosine")


def test_schedule_rejects_bad_gamma():
    with pytest.raises(ValueError, match=r"gamma \(lr_decay\) must be in \(0, 1\]; got 1.5"):
        S.make_schedule("exponential", gamma=1.5)


@pytest.mark.parametrize("epoch,expected", [
    (0, 0.1), (1.5, 0.55), (3, 1.0),   # warm-up from 0.1 to 1 over 3 of 10 epochs
    (6.5, 0.5), (10, 0.0),             # linear decay over the remaining 7
])
def test_onecycle_linear_known_values(epoch, expected):
    assert S.OneCycle(10, warmup=0.3, start_factor=0.1)(1.0, epoch) == pytest.approx(expected)


@pytest.mark.parametrize("epoch,expected", [
    (3, 2.0), (4.75, 2.0 * (1 + np.cos(np.pi / 4)) / 2), (6.5, 1.0), (10, 0.0),
])
def test_onecycle_cosine_known_values(epoch, expected):
    assert S.OneCycle(10, warmup=0.3, anneal="cosine")(2.0, epoch) == pytest.approx(expected)


@pytest.mark.parametrize("anneal", ["linear", "cosine"])
def test_onecycle_rises_then_falls(anneal):
    sched = S.OneCycle(20, warmup=0.25, anneal=anneal)
    lrs = np.array([sched(1.0, e / 10) for e in range(200)])  # every tenth of an epoch
    peak = int(np.argmax(lrs))
    assert peak == 50 and lrs[peak] == pytest.approx(1.0)
    assert np.all(np.diff(lrs[:peak + 1]) > 0) and np.all(np.diff(lrs[peak:]) < 0)


def test_onecycle_without_warmup_starts_at_the_peak():
    assert S.OneCycle(5, warmup=0.0)(0.3, 0) == pytest.approx(0.3)


@pytest.mark.parametrize("kwargs,match", [
    ({"total_epochs": 0}, "total_epochs must be an integer >= 1; got 0"),
    ({"total_epochs": 5, "warmup": 1.0}, r"warmup must be a finite number in \[0, 1\); got 1.0"),
    ({"total_epochs": 5, "anneal": "step"}, "anneal must be one of 'linear', 'cosine'; got 'step'"),
    ({"total_epochs": 5, "start_factor": 0.0}, r"start_factor must be a finite number in \(0, 1\]; got 0.0"),
])
def test_onecycle_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        S.OneCycle(**kwargs)


def test_make_schedule_onecycle_needs_total_epochs():
    with pytest.raises(ValueError, match="needs total_epochs"):
        S.make_schedule("onecycle")


@pytest.mark.parametrize("name,anneal", [("onecycle", "linear"), ("onecycle_cosine", "cosine")])
def test_estimators_get_a_cycle_of_max_epochs(name, anneal):
    sched = make_est_schedule(MLPClassifier(lr_schedule=name, max_epochs=12))
    assert isinstance(sched, S.OneCycle)
    assert (sched.total_epochs, sched.anneal) == (12, anneal)


def test_schedules_stay_importable_from_optimizers():
    from classifiers import optimizers

    assert optimizers.make_schedule is S.make_schedule
    assert optimizers.SCHEDULES == S.SCHEDULES


@pytest.mark.parametrize("name", ["step", "exponential"])
@pytest.mark.parametrize("gamma", [1.5, 0, np.nan])
def test_schedule_rejects_bad_gamma(name, gamma):
    with pytest.raises(ValueError, match=r"gamma \(lr_decay\) must be a finite number in "
                                         rf"\(0, 1\]; got {gamma!r}"):
        S.make_schedule(name, gamma=gamma)


@pytest.mark.parametrize("step_size, error", [(0, ValueError), (2.5, TypeError), (True, TypeError)])
def test_step_schedule_rejects_bad_step_size(step_size, error):
    with pytest.raises(error, match=rf"step_size must be an integer >= 1; got {step_size!r}"):
        S.make_schedule("step", step_size=step_size)
