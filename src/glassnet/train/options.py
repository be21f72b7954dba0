"""``fit``'s settings: checked once, at the door, and grouped in ``FitOptions``.

``check_fit_args`` is the only place where ``fit`` looks at the types and ranges of
its keyword arguments; everything after it can trust them.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..losses import Loss
from ..network import Sequential
from ..optim import LBFGS, SGD, Optimizer
from ..schedules import Schedule

__all__ = ["FitOptions", "check_fit_args"]


@dataclass
class FitOptions:
    """The settings of one ``fit`` call, checked (see ``fit`` for their meaning)."""

    optimizer: Optimizer
    schedule: Schedule | None
    epochs: int
    initial_epoch: int
    batch_size: int | None  # as passed: None is the full batch
    shuffle: bool
    seed: int | np.random.RandomState | None
    l2: float
    clip_norm: float | None
    l2_per_example: bool
    validation_fraction: float | None
    verbose: object
    checkpoint: Path | None
    checkpoint_every: int
    checkpoint_metadata: dict | None
    min_classes: int
    l1: float = 0.0

    @property
    def lbfgs(self) -> bool:
        return isinstance(self.optimizer, LBFGS)

    def stored(self) -> dict:
        """The settings a checkpoint stores, to continue the run with ``resume``."""
        return {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "seed": "RandomState" if isinstance(self.seed, np.random.RandomState) else self.seed,
            "l2": self.l2,
            "l1": self.l1,
            "clip_norm": self.clip_norm,
            "l2_per_example": self.l2_per_example,
            "validation_fraction": self.validation_fraction,
            "checkpoint_every": self.checkpoint_every,
        }


def _int(value, name, low=1, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _nonneg(value, name, allow_none=False, positive=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        rule = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {rule}, got {value!r}")
    return float(value)


def _instance(value, cls, name):
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be a glassnet {cls.__name__}, got {type(value).__name__}")
    return value


def _checkpoint_path(path, optimizer):
    if path is None:
        return None
    if isinstance(optimizer, LBFGS):
        raise ValueError(
            "checkpoint= needs a stochastic optimizer (SGD, Adam, RMSProp): SciPy's "
            "L-BFGS state cannot be saved"
        )
    if not isinstance(path, (str, Path)):
        raise TypeError(f"checkpoint must be a file path, got {path!r}")
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"checkpoint={str(path)!r}: folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"checkpoint={str(path)!r} is a folder, not a file name")
    return path


def _validation_fraction(fraction, validation_data):
    if fraction is None:
        return None
    if validation_data is not None:
        raise ValueError("pass validation_data or validation_fraction, not both")
    if isinstance(fraction, bool) or not (isinstance(fraction, numbers.Real) and 0 < fraction < 1):
        raise ValueError(f"validation_fraction must be a number in (0, 1), got {fraction!r}")
    return float(fraction)


def check_fit_args(net, loss, *, optimizer, schedule, validation_data, **kw) -> FitOptions:
    """Check ``fit``'s arguments (all but the data); returns them as ``FitOptions``."""
    _instance(net, Sequential, "net")
    _instance(loss, Loss, "loss")
    optimizer = _instance(SGD(lr=0.01) if optimizer is None else optimizer, Optimizer, "optimizer")
    if schedule is not None and not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a glassnet Schedule, got {schedule!r}")
    return FitOptions(
        optimizer=optimizer,
        schedule=schedule,
        epochs=_int(kw["epochs"], "epochs"),
        initial_epoch=_int(kw["initial_epoch"], "initial_epoch", low=0),
        batch_size=_int(kw["batch_size"], "batch_size", allow_none=True),
        shuffle=bool(kw["shuffle"]),
        seed=kw["seed"],
        l2=_nonneg(kw["l2"], "l2"),
        clip_norm=_nonneg(kw["clip_norm"], "clip_norm", allow_none=True, positive=True),
        l2_per_example=bool(kw["l2_per_example"]),
        validation_fraction=_validation_fraction(kw["validation_fraction"], validation_data),
        verbose=kw["verbose"],
        checkpoint=_checkpoint_path(kw["checkpoint"], optimizer),
        checkpoint_every=_int(kw["checkpoint_every"], "checkpoint_every"),
        checkpoint_metadata=kw["checkpoint_metadata"],
        min_classes=_int(kw["min_classes"], "min_classes", low=0),
        l1=_nonneg(kw.get("l1", 0.0), "l1"),
    )
