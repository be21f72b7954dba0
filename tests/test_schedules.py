"""Schedules: pure functions of the epoch, checked at the start, a boundary and the end."""

import inspect
import math

import numpy as np
import pytest

import glassnet as gn
from glassnet.schedules import get_schedule


def test_constant():
    s = gn.Constant(0.1)
    assert s(0) == s(10**6) == 0.1


def test_step_decay():
    s = gn.StepDecay(1.0, drop=0.5, every=10)
    assert s(0) == 1.0 and s(9) == 1.0  # before the boundary
    assert s(10) == 0.5 and s(19) == 0.5 and s(20) == 0.25


def test_exponential():
    s = gn.Exponential(2.0, gamma=0.9)
    assert s(0) == 2.0
    assert s(1) == pytest.approx(1.8) and s(10) == pytest.approx(2 * 0.9**10)


def test_inverse_time_is_sklearns_invscaling_for_decay_1():
    s = gn.InverseTime(0.1, decay=1.0, power=0.5)
    assert s(0) == 0.1
    assert s(3) == pytest.approx(0.1 / 4**0.5)  # sklearn: lr / (t + 1) ** power_t
    a = gn.InverseTime(1.0, decay=0.01)
    assert a(100) == pytest.approx(0.5)  # 1 / (1 + 0.01 * 100)


def test_cosine_with_warmup():
    s = gn.CosineWarmup(1.0, total=110, warmup=10, min_lr=0.1)
    assert s(0) == pytest.approx(0.1)  # 1 / 10 of the way up
    assert s(9) == pytest.approx(1.0)  # end of the warm-up
    assert s(10) == pytest.approx(1.0)  # top of the cosine
    assert s(60) == pytest.approx(0.1 + 0.9 * 0.5)  # half way down: cos(pi/2) = 0
    assert s(110) == pytest.approx(0.1) and s(500) == pytest.approx(0.1)  # the end, and after
    with pytest.raises(ValueError, match="warmup must be smaller than total"):
        gn.CosineWarmup(1.0, total=5, warmup=5)


def test_reduce_on_plateau():
    s = gn.ReduceOnPlateau(1.0, factor=0.5, patience=2, min_delta=0.0, min_lr=0.2)
    for v in [3.0, 2.0, 2.0, 2.0]:  # one improvement, then 2 epochs without: still waiting
        s.update(v)
    assert s(4) == 1.0
    s.update(2.0)  # the third epoch without improvement
    assert s(5) == 0.5
    for _ in range(9):
        s.update(5.0)
    assert s(20) == 0.2  # floored at min_lr


def test_fit_records_the_rate_and_plateau_uses_validation_loss():
    from glassnet.data import datasets

    X, y = datasets.moons()
    net = gn.mlp([2, 3, 2], seed=0)
    hist = gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        optimizer=gn.SGD(lr=1.0),
        epochs=30,
        schedule=gn.StepDecay(0.5, drop=0.1, every=10),
    )
    np.testing.assert_allclose(hist["lr"], [0.5] * 10 + [0.05] * 10 + [0.005] * 10)
    sched = gn.ReduceOnPlateau(0.5, patience=0, factor=0.5)
    seen = []
    sched.update = lambda v, f=sched.update: (seen.append(v), f(v))
    hist = gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        epochs=3,
        schedule=sched,
        validation_data=(X[:50], y[:50]),
    )
    assert seen == hist["val_loss"]


def test_registry_names():
    assert isinstance(get_schedule("anneal", lr=0.1), gn.InverseTime)
    assert isinstance(get_schedule("cosine", lr=0.1, total=10), gn.CosineWarmup)
    with pytest.raises(ValueError, match="valid names: constant, cosine, exponential"):
        get_schedule("linear", lr=0.1)
    with pytest.raises(ValueError, match=r"drop must be a number in \(0, 1\], got 0$"):
        gn.StepDecay(0.1, drop=0)
    assert math.isfinite(gn.Exponential(0.1, gamma=0.5)(10000))


@pytest.mark.parametrize(
    "schedule",
    [
        gn.Constant(0.5),
        gn.StepDecay(0.5, drop=0.25, every=3),
        gn.Exponential(0.5, gamma=0.25),
        gn.InverseTime(0.5, decay=0.25, power=2.0),
        gn.CosineWarmup(0.5, total=9, warmup=3, min_lr=0.25),
        gn.ReduceOnPlateau(0.5, factor=0.25, patience=3, min_delta=0.0, min_lr=0.1, monitor="loss"),
    ],
    ids=repr,
)
def test_config_is_the_constructors_arguments(schedule):
    """``get_config()`` holds every argument of the constructor, so it rebuilds the schedule."""
    config = schedule.get_config()
    assert list(config) == list(inspect.signature(type(schedule)).parameters)
    assert type(schedule)(**config).get_config() == config
