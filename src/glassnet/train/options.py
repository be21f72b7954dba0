"""``fit``'s settings: checked once, at the door, and grouped in ``FitOptions``.

``check_fit_args`` is the only place where ``fit`` looks at the types and ranges of
its keyword arguments; everything after it can trust them. Each option's default,
check and help are declared once, in ``glassnet.train.fit_options``.
"""

from __future__ import annotations

import json

from .._checks import check_param, check_params
from ..losses import Loss
from ..modelfile import check_rebuildable, check_save_path
from ..network import SEED, Sequential
from ..optim import LBFGS, SGD, Optimizer
from ..schedules import Schedule
from .fit_options import CONSTRAINTS, FitOptions

__all__ = ["FitOptions", "CONSTRAINTS", "check_fit_args"]


def _checkpoint_path(path, optimizer, net):
    if path is None:
        return None
    if isinstance(optimizer, LBFGS):
        raise ValueError(
            "checkpoint= needs a stochastic optimizer (SGD, Adam, RMSProp, Adagrad): SciPy's "
            "L-BFGS state cannot be saved"
        )
    check_rebuildable(net, "checkpoint=")
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
    comm = kw.get("comm")
    if comm is not None:  # MPI (imported only when asked for)
        from .distributed import check_comm

        check_comm(comm, net, kw["seed"])
    checked = check_params({name: kw[name] for name in CONSTRAINTS}, CONSTRAINTS)
    return FitOptions(
        optimizer=optimizer,
        schedule=schedule,
        seed=kw["seed"],
        checkpoint=_checkpoint_path(kw["checkpoint"], optimizer, net),
        checkpoint_metadata=_checkpoint_metadata(kw["checkpoint_metadata"]),
        comm=comm,
        **checked,
    )
