"""Learning-rate schedules: the rate as a pure function of the epoch, ``lr(step)``.

``fit(..., schedule=s)`` sets ``optimizer.lr = s(epoch)`` at the start of every epoch
(``step`` counts epochs from 0; with full-batch training an epoch is one step, as in
the post) and records the rate in ``history["lr"]``. ``ReduceOnPlateau`` is the one
schedule that also watches the loss: ``fit`` calls its ``update(value)`` after every
epoch, and its rate changes only there.
"""

from __future__ import annotations

import math
import numbers

from .registry import Registry

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


def _num(value, name, low=None, low_open=False, high=None, integer=False):
    kind = "an integer" if integer else "a number"
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or (integer and not isinstance(value, numbers.Integral))
    ):
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    v = int(value) if integer else float(value)
    bad = not math.isfinite(v)
    if low is not None:
        bad = bad or (v <= low if low_open else v < low)
    if high is not None:
        bad = bad or v > high
    if bad:
        rule = []
        if low is not None:
            rule.append(("> " if low_open else ">= ") + repr(low))
        if high is not None:
            rule.append("<= " + repr(high))
        raise ValueError(
            f"{name} must be {kind} {' and '.join(rule) or 'that is finite'}, got {value!r}"
        )
    return v


class Schedule:
    """Base class: ``schedule(step) -> learning rate``; ``lr`` is the rate at step 0."""

    name = "schedule"

    def __init__(self, lr: float):
        self.lr = _num(lr, "lr", low=0.0, low_open=True)

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"lr": self.lr}

    def __repr__(self):
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg})"


class Constant(Schedule):
    """``lr(step) = lr``."""

    name = "constant"

    def __call__(self, step):
        return self.lr


class StepDecay(Schedule):
    """``lr(step) = lr * drop ** floor(step / every)``: divide the rate every ``every`` epochs."""

    name = "step"

    def __init__(self, lr: float, drop: float = 0.5, every: int = 1000):
        super().__init__(lr)
        self.drop = _num(drop, "drop", low=0.0, low_open=True, high=1.0)
        self.every = _num(every, "every", low=1, integer=True)

    def __call__(self, step):
        return self.lr * self.drop ** (step // self.every)

    def get_config(self):
        return {"lr": self.lr, "drop": self.drop, "every": self.every}


class Exponential(Schedule):
    """``lr(step) = lr * gamma ** step``."""

    name = "exponential"

    def __init__(self, lr: float, gamma: float = 0.999):
        super().__init__(lr)
        self.gamma = _num(gamma, "gamma", low=0.0, low_open=True, high=1.0)

    def __call__(self, step):
        return self.lr * self.gamma**step

    def get_config(self):
        return {"lr": self.lr, "gamma": self.gamma}


class InverseTime(Schedule):
    """The post's "annealing": ``lr(step) = lr / (1 + decay * step) ** power``.

    With ``decay=1`` it is scikit-learn's ``"invscaling"``, ``lr / (step + 1) ** power_t``.
    """

    name = "inverse_time"

    def __init__(self, lr: float, decay: float = 1e-3, power: float = 1.0):
        super().__init__(lr)
        self.decay = _num(decay, "decay", low=0.0)
        self.power = _num(power, "power", low=0.0)

    def __call__(self, step):
        return self.lr / (1.0 + self.decay * step) ** self.power

    def get_config(self):
        return {"lr": self.lr, "decay": self.decay, "power": self.power}


class CosineWarmup(Schedule):
    """Linear warm-up from ``lr / warmup`` to ``lr`` over ``warmup`` epochs, then a half
    cosine from ``lr`` down to ``min_lr`` at epoch ``total``; ``min_lr`` after that::

        step < warmup:  lr * (step + 1) / warmup
        otherwise:      min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2,
                        p = min(1, (step - warmup) / (total - warmup))
    """

    name = "cosine"

    def __init__(self, lr: float, total: int = 1000, warmup: int = 0, min_lr: float = 0.0):
        super().__init__(lr)
        self.total = _num(total, "total", low=1, integer=True)
        self.warmup = _num(warmup, "warmup", low=0, integer=True)
        if self.warmup >= self.total:
            raise ValueError(
                f"warmup must be smaller than total, got warmup={warmup}, total={total}"
            )
        self.min_lr = _num(min_lr, "min_lr", low=0.0, high=self.lr)

    def __call__(self, step):
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        p = min(1.0, (step - self.warmup) / (self.total - self.warmup))
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * p))

    def get_config(self):
        return {"lr": self.lr, "total": self.total, "warmup": self.warmup, "min_lr": self.min_lr}


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` when the watched loss has not improved by more
    than ``min_delta`` for ``patience`` epochs (never below ``min_lr``).

    ``monitor`` is ``"val_loss"`` (the default; ``fit`` falls back to ``"loss"`` without
    validation data) or ``"loss"``. ``fit`` calls ``update(value)`` once per epoch;
    ``schedule(step)`` returns the current rate.
    """

    name = "plateau"

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
        self.factor = _num(factor, "factor", low=0.0, low_open=True, high=1.0)
        self.patience = _num(patience, "patience", low=0, integer=True)
        self.min_delta = _num(min_delta, "min_delta", low=0.0)
        self.min_lr = _num(min_lr, "min_lr", low=0.0)
        if monitor not in ("val_loss", "loss"):
            raise ValueError(f"monitor must be 'val_loss' or 'loss', got {monitor!r}")
        self.monitor = monitor
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

    def get_config(self):
        return {
            "lr": self.lr,
            "factor": self.factor,
            "patience": self.patience,
            "min_delta": self.min_delta,
            "min_lr": self.min_lr,
            "monitor": self.monitor,
        }


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
