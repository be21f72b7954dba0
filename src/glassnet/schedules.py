"""Learning-rate schedules: the rate as a pure function of the epoch, ``lr(step)``.

``fit(..., schedule=s)`` sets ``optimizer.lr = s(epoch)`` at the start of every epoch
(``step`` counts epochs from 0; with full-batch training an epoch is one step, as in
the post) and records the rate in ``history["lr"]``. ``ReduceOnPlateau`` is the one
schedule that also watches the loss: ``fit`` calls its ``update(value)`` after every
epoch, and its rate changes only there.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from ._checks import Interval, StrOptions, check_param
from .registry import Configured, Registry

__all__ = [
    "Schedule",
    "Constant",
    "StepDecay",
    "Exponential",
    "InverseTime",
    "CosineWarmup",
    "ReduceOnPlateau",
    "SCHEDULES",
    "get_schedule",
]


_POSITIVE = Interval(Real, 0, None, closed="neither")  # a finite number > 0
_NONNEG = Interval(Real, 0, None)  # a finite number >= 0
_SHRINK = Interval(Real, 0, 1, closed="right")  # a factor in (0, 1]

# each schedule's parameters and what they may be (glassnet._checks)
CONSTRAINTS = {
    "lr": _POSITIVE,
    "drop": _SHRINK,
    "every": Interval(Integral, 1, None),
    "gamma": _SHRINK,
    "decay": _NONNEG,
    "power": _NONNEG,
    "total": Interval(Integral, 1, None),
    "warmup": Interval(Integral, 0, None),
    "min_lr": _NONNEG,
    "factor": _SHRINK,
    "patience": Interval(Integral, 0, None),
    "min_delta": _NONNEG,
    "monitor": StrOptions({"val_loss", "loss"}),
}


def _check(name: str, value):
    return check_param(name, value, CONSTRAINTS[name])


class Schedule(Configured):
    """Base class: ``schedule(step) -> learning rate``; ``lr`` is the rate at step 0.
    ``config`` names the constructor's arguments (``get_config``)."""

    name = "schedule"
    config = ("lr",)

    def __init__(self, lr: float):
        self.lr = _check("lr", lr)

    def __call__(self, step: int) -> float:
        raise NotImplementedError


class Constant(Schedule):
    """``lr(step) = lr``."""

    name = "constant"

    def __call__(self, step):
        return self.lr


class StepDecay(Schedule):
    """``lr(step) = lr * drop ** floor(step / every)``: divide the rate every ``every`` epochs."""

    name = "step"
    config = ("lr", "drop", "every")

    def __init__(self, lr: float, drop: float = 0.5, every: int = 1000):
        super().__init__(lr)
        self.drop = _check("drop", drop)
        self.every = _check("every", every)

    def __call__(self, step):
        return self.lr * self.drop ** (step // self.every)


class Exponential(Schedule):
    """``lr(step) = lr * gamma ** step``."""

    name = "exponential"
    config = ("lr", "gamma")

    def __init__(self, lr: float, gamma: float = 0.999):
        super().__init__(lr)
        self.gamma = _check("gamma", gamma)

    def __call__(self, step):
        return self.lr * self.gamma**step


class InverseTime(Schedule):
    """The post's "annealing": ``lr(step) = lr / (1 + decay * step) ** power``.

    With ``decay=1`` it is scikit-learn's ``"invscaling"``, ``lr / (step + 1) ** power_t``.

    Examples
    --------
    >>> import glassnet as gn
    >>> schedule = gn.InverseTime(0.01, decay=0.001)  # 0.01 / (1 + 0.001 t)
    >>> schedule(0), schedule(1000)
    (0.01, 0.005)
    """

    name = "inverse_time"
    config = ("lr", "decay", "power")

    def __init__(self, lr: float, decay: float = 1e-3, power: float = 1.0):
        super().__init__(lr)
        self.decay = _check("decay", decay)
        self.power = _check("power", power)

    def __call__(self, step):
        return self.lr / (1.0 + self.decay * step) ** self.power


class CosineWarmup(Schedule):
    """Linear warm-up from ``lr / warmup`` to ``lr`` over ``warmup`` epochs, then a half
    cosine from ``lr`` down to ``min_lr`` at epoch ``total``; ``min_lr`` after that::

        step < warmup:  lr * (step + 1) / warmup
        otherwise:      min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2,
                        p = min(1, (step - warmup) / (total - warmup))
    """

    name = "cosine"
    config = ("lr", "total", "warmup", "min_lr")

    def __init__(self, lr: float, total: int = 1000, warmup: int = 0, min_lr: float = 0.0):
        super().__init__(lr)
        self.total = _check("total", total)
        self.warmup = _check("warmup", warmup)
        if self.warmup >= self.total:
            raise ValueError(
                f"warmup must be smaller than total, got warmup={warmup}, total={total}"
            )
        self.min_lr = check_param("min_lr", min_lr, Interval(Real, 0, self.lr))

    def __call__(self, step):
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        p = min(1.0, (step - self.warmup) / (self.total - self.warmup))
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * p))


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` when the watched loss has not improved by more
    than ``min_delta`` for ``patience`` epochs (never below ``min_lr``).

    ``monitor`` is ``"val_loss"`` (the default; ``fit`` falls back to ``"loss"`` without
    validation data) or ``"loss"``. ``fit`` calls ``update(value)`` once per epoch;
    ``schedule(step)`` returns the current rate.
    """

    name = "plateau"
    config = ("lr", "factor", "patience", "min_delta", "min_lr", "monitor")

    def __init__(
        self,
        lr: float,
        factor: float = 0.5,
        patience: int = 10,
        min_delta: float = 1e-4,
        min_lr: float = 0.0,
        monitor: str = "val_loss",
    ):
        super().__init__(lr)
        self.factor = _check("factor", factor)
        self.patience = _check("patience", patience)
        self.min_delta = _check("min_delta", min_delta)
        self.min_lr = _check("min_lr", min_lr)
        self.monitor = _check("monitor", monitor)
        self.reset()

    def reset(self) -> None:
        self.current = self.lr
        self.best = math.inf
        self.wait = 0

    def update(self, value: float) -> None:
        """Record the epoch's loss; lower the rate after ``patience`` epochs without progress."""
        if value < self.best - self.min_delta:
            self.best = value
            self.wait = 0
            return
        self.wait += 1
        if self.wait > self.patience:
            self.current = max(self.min_lr, self.current * self.factor)
            self.wait = 0

    def __call__(self, step):
        return self.current

    def state_dict(self) -> dict:
        return {"current": self.current, "best": self.best, "wait": self.wait}

    def load_state_dict(self, state: dict) -> None:
        self.current = float(state["current"])
        self.best = float(state["best"])
        self.wait = int(state["wait"])


SCHEDULES = Registry("schedule")
for _cls in (Constant, StepDecay, Exponential, InverseTime, CosineWarmup, ReduceOnPlateau):
    SCHEDULES.register(_cls.name, _cls)
SCHEDULES.alias("step_decay", "step")
SCHEDULES.alias("invscaling", "inverse_time")
SCHEDULES.alias("anneal", "inverse_time")
SCHEDULES.alias("cosine_warmup", "cosine")
SCHEDULES.alias("reduce_on_plateau", "plateau")


def get_schedule(spec, lr: float | None = None, **kwargs) -> Schedule:
    """A schedule from a name (``"inverse_time"``, ``"cosine"``, ...) and its arguments,
    or a ``Schedule`` instance (returned as is)."""
    if isinstance(spec, Schedule):
        return spec
    cls = SCHEDULES.get(spec, argname="schedule")
    if lr is None:
        raise TypeError(f"schedule {spec!r} needs a starting rate lr")
    return cls(lr, **kwargs)
