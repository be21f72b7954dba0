"""``fit``'s options, each declared once: its default, its check and its one-line help.

``FitOptions`` is the table: every field that ``fit`` checks by value carries its
constraint (``glassnet._checks``) and its help in the field's metadata. ``fit``'s
checks (``CONSTRAINTS``), the checkpoint's checks of stored settings, the command
line's options (``glassnet train --epochs``, ``--l2``, ...) and the estimators'
parameters that mean the same (``shuffle``, ``validation_fraction``) derive from it.
This module imports only ``glassnet._checks``, so that the command line starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from numbers import Integral, Real
from pathlib import Path

from .._checks import Interval, StrOptions

__all__ = ["FitOptions", "CONSTRAINTS", "HELP", "option_check"]


def option(default, check, help: str):
    """A field of ``FitOptions`` checked by ``check`` and described by ``help``."""
    return field(default=default, metadata={"check": check, "help": help})


@dataclass
class FitOptions:
    """The settings of one ``fit`` call, checked (see ``fit`` for their meaning)."""

    optimizer: object  # an Optimizer (checked by check_fit_args)
    schedule: object = None  # a Schedule or None (checked by check_fit_args)
    epochs: int = option(
        100, Interval(Integral, 1, None), "passes over the data: train up to this epoch"
    )
    initial_epoch: int = option(
        0, Interval(Integral, 0, None), "the epoch to start counting from (to continue a run)"
    )
    batch_size: int | None = option(
        None, [Interval(Integral, 1, None), None], "minibatch size (default: the full batch)"
    )
    shuffle: bool = option(True, "boolean", "reshuffle the rows every epoch (minibatches)")
    seed: object = None  # int, None or RandomState (checked by check_fit_args)
    l2: float = option(0.0, Interval(Real, 0, None), "L2 strength: the penalty l2/2 * sum ||W||^2")
    clip_norm: float | None = option(
        None,
        [Interval(Real, 0, None, closed="neither"), None],
        "clip the gradient's Euclidean norm to this (default: no clipping)",
    )
    l2_per_example: bool = option(
        False, "boolean", "divide l2 by each batch's size (scikit-learn's alpha)"
    )
    validation_fraction: float | None = option(
        None,
        [Interval(Real, 0, 1, closed="neither"), None],
        "hold out this share of the data for validation (default: none)",
    )
    verbose: object = option(
        "auto",
        [StrOptions({"auto"}), "boolean", Interval(Integral, 0, None)],
        "a progress bar: 'auto' (on a terminal, for 50+ epochs), 0 or 1",
    )
    checkpoint: Path | None = None  # checked by check_fit_args
    checkpoint_every: int = option(10, Interval(Integral, 1, None), "epochs between checkpoints")
    checkpoint_metadata: dict | None = None  # checked by check_fit_args
    min_classes: int = option(
        2, Interval(Integral, 0, None), "the fewest classes the labels must hold (0: any)"
    )
    l1: float = option(0.0, Interval(Real, 0, None), "L1 strength: the penalty l1 * sum |W|")
    comm: object = None  # an mpi4py communicator or None (checked by check_fit_args)

    @property
    def lbfgs(self) -> bool:
        from ..optim import LBFGS  # (imported here: the command line reads this table)

        return isinstance(self.optimizer, LBFGS)

    def stored(self) -> dict:
        """The settings a checkpoint stores, to continue the run with ``resume``."""
        import numpy as np

        legacy = isinstance(self.seed, np.random.RandomState)
        return {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "seed": "RandomState" if legacy else self.seed,
            "l2": self.l2,
            "l1": self.l1,
            "clip_norm": self.clip_norm,
            "l2_per_example": self.l2_per_example,
            "validation_fraction": self.validation_fraction,
            "checkpoint_every": self.checkpoint_every,
        }


# the table's columns: one constraint and one line of help per option checked by value
CONSTRAINTS = {f.name: f.metadata["check"] for f in fields(FitOptions) if f.metadata}
HELP = {f.name: f.metadata["help"] for f in fields(FitOptions) if f.metadata}


def option_check(name: str):
    """The constraint of option ``name`` for a value that must be given: without the
    ``None`` it may allow (``batch_size``: an integer >= 1)."""
    check = CONSTRAINTS[name]
    if not isinstance(check, list):
        return check
    rest = [c for c in check if c is not None]
    return rest[0] if len(rest) == 1 else rest
