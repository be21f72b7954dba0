"""``fit``'s settings: checked once, at the door, and grouped in ``FitOptions``.

``check_fit_args`` is the only place where ``fit`` looks at the types and ranges of
its keyword arguments; everything after it can trust them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from .._checks import Interval, StrOptions, check_param, check_params
from ..losses import Loss
from ..modelfile import check_save_path
from ..network import SEED, Sequential
from ..optim import LBFGS, SGD, Optimizer
from ..schedules import Schedule

__all__ = ["FitOptions", "check_fit_args"]


@dataclass
class FitOptions:
    """The settings of one ``fit`` call, checked (see ``fit`` for their meaning)."""

    optimizer: Optimizer
    schedule: Schedule | None = None
    epochs: int = 100
    initial_epoch: int = 0
    batch_size: int | None = None  # as passed: None is the full batch
    shuffle: bool = True
    seed: int | np.random.RandomState | None = None
    l2: float = 0.0
    clip_norm: float | None = None
    l2_per_example: bool = False
    validation_fraction: float | None = None
    verbose: object = "auto"
    checkpoint: Path | None = None
    checkpoint_every: int = 10
    checkpoint_metadata: dict | None = None
    min_classes: int = 2
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


# one constraint per numeric or boolean option of ``fit`` (glassnet._checks)
CONSTRAINTS = {
    "epochs": Interval(Integral, 1, None),
    "initial_epoch": Interval(Integral, 0, None),
    "batch_size": [Interval(Integral, 1, None), None],  # None: the full batch
    "l2": Interval(Real, 0, None),
    "l1": Interval(Real, 0, None),
    "clip_norm": [Interval(Real, 0, None, closed="neither"), None],  # None: no clipping
    "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
    "checkpoint_every": Interval(Integral, 1, None),
    "min_classes": Interval(Integral, 0, None),
    "shuffle": "boolean",
    "l2_per_example": "boolean",
    "verbose": [StrOptions({"auto"}), "boolean", Interval(Integral, 0, None)],  # >= 1: a bar
}


def _checkpoint_path(path, optimizer):
    if path is None:
        return None
    if isinstance(optimizer, LBFGS):
        raise ValueError(
            "checkpoint= needs a stochastic optimizer (SGD, Adam, RMSProp, Adagrad): SciPy's "
            "L-BFGS state cannot be saved"
        )
    return check_save_path(path, "checkpoint")


def _checkpoint_metadata(metadata):
    """``checkpoint_metadata`` if a checkpoint can store it: a dict of JSON values (checked
    here, so that a value JSON cannot hold fails before the first epoch, not at the first
    checkpoint)."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise TypeError(f"checkpoint_metadata must be a dict or None, got {metadata!r:.80}")
    try:
        json.dumps(metadata)
    except (TypeError, ValueError, RecursionError) as exc:
        raise TypeError(
            f"checkpoint_metadata must hold JSON values only (str, numbers, bool, None, "
            f"lists, dicts), to be stored in the checkpoint: {exc}"
        ) from None
    return metadata


def check_fit_args(net, loss, *, optimizer, schedule, validation_data, **kw) -> FitOptions:
    """Check ``fit``'s arguments (all but the data); returns them as ``FitOptions``."""
    check_param("net", net, Sequential)
    check_param("loss", loss, Loss)
    optimizer = SGD(lr=0.01) if optimizer is None else optimizer
    check_param("optimizer", optimizer, Optimizer)
    check_param("schedule", schedule, [Schedule, None])
    if kw["validation_fraction"] is not None and validation_data is not None:
        raise ValueError("pass validation_data or validation_fraction, not both")
    kw.setdefault("l1", 0.0)
    check_param("seed", kw["seed"], SEED)
    checked = check_params({name: kw[name] for name in CONSTRAINTS}, CONSTRAINTS)
    return FitOptions(
        optimizer=optimizer,
        schedule=schedule,
        seed=kw["seed"],
        checkpoint=_checkpoint_path(kw["checkpoint"], optimizer),
        checkpoint_metadata=_checkpoint_metadata(kw["checkpoint_metadata"]),
        **checked,
    )
