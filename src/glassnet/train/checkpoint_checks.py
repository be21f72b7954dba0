"""The checks of a checkpoint file, before anything is built from it.

A checkpoint that loads can be resumed: every entry that ``Checkpoint.restore`` and
``resume`` read is there and of its kind (the optimizer's and the schedule's state,
the random generators' states, the divergence watch, ``fit``'s settings, the arrays),
so an edited or damaged file raises ``ModelFileError`` naming the entry, never a
KeyError, TypeError or OverflowError halfway through a resume. What depends on the data
passed to the resumed ``fit`` (the number of rows, the batch size) is checked there.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import fields

import numpy as np

from .._checks import ParamError, check_param, check_params
from ..losses import get_loss
from ..modelfile import ModelFileError, network_from_arrays
from ..network import SEED
from ..optim import get_optimizer
from ..schedules import get_schedule
from .diagnostics import LossWatch
from .loop import EpochSums
from .options import CONSTRAINTS

__all__ = ["check_checkpoint", "set_legacy_state", "FIT_KEYS"]

# fit's settings that every checkpoint stores ("l1" came later: checked when present)
FIT_KEYS = (
    "epochs",
    "batch_size",
    "shuffle",
    "seed",
    "l2",
    "clip_norm",
    "l2_per_example",
    "validation_fraction",
    "checkpoint_every",
)
_RNG_ERRORS = (TypeError, ValueError, KeyError, OverflowError, AttributeError)


def _need(cond, what) -> None:
    if not cond:
        raise ModelFileError(f"the checkpoint's {what}")


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _is_count(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def set_legacy_state(rs: np.random.RandomState, desc, keys) -> None:
    """Put a stored MT19937 state (``desc`` and its 624 ``keys``) into ``rs``."""
    if not isinstance(desc, dict) or desc.get("name") != "MT19937":
        raise ModelFileError("a RandomState description is not an MT19937 state")
    if not isinstance(keys, np.ndarray) or keys.shape != (624,) or keys.dtype != np.uint32:
        raise ModelFileError("a RandomState's key array is not 624 uint32 numbers")
    pos, has_gauss, gauss = desc.get("pos"), desc.get("has_gauss"), desc.get("gauss")
    if not (_is_count(pos) and pos <= 624 and has_gauss in (0, 1) and _is_number(gauss)):
        raise ModelFileError("a RandomState description has an invalid pos, has_gauss or gauss")
    try:
        rs.set_state(("MT19937", keys, int(pos), int(has_gauss), float(gauss)))
    except _RNG_ERRORS as exc:
        raise ModelFileError(f"a RandomState's state is invalid: {exc}") from None


def check_checkpoint(meta: dict, arrays: dict) -> None:
    """Raise ``ModelFileError`` naming the first entry of a checkpoint (its description
    ``meta`` and its ``arrays``) that ``restore`` or ``resume`` could not use."""
    _check_meta(meta)
    _check_arrays(meta, arrays)
    network_from_arrays(meta["network"], arrays["theta"], arrays["buffer"])  # and the description
    _check_history_arrays(meta["history"], arrays)
    _check_builds("loss", get_loss, meta["loss"])
    _check_optimizer(meta["optimizer"], arrays)
    _check_schedule(meta["schedule"])
    _check_watch(meta["watch"])
    _check_generators(meta, arrays)
    _check_fit(meta["fit"])


def _check_meta(meta: dict) -> None:
    _need(isinstance(meta.get("network"), dict), "network description is missing")
    for key in ("loss", "optimizer"):
        d = meta.get(key)
        _need(
            isinstance(d, dict)
            and isinstance(d.get("type"), str)
            and isinstance(d.get("config"), dict),
            f"{key} description is invalid",
        )
    _need(isinstance(meta["optimizer"].get("state"), dict), "optimizer state is invalid")
    _need("schedule" in meta, "schedule description is missing")
    s = meta["schedule"]
    _need(
        s is None
        or (
            isinstance(s, dict)
            and isinstance(s.get("type"), str)
            and isinstance(s.get("config"), dict)
        ),
        "schedule description is invalid",
    )
    _need(_is_count(meta.get("next_epoch")), "next epoch is invalid")
    _need(isinstance(meta.get("mid_epoch"), bool), "mid-epoch flag is invalid")
    _need("epoch_lr" in meta, "epoch learning rate is missing")
    lr = meta["epoch_lr"]
    _need(lr is None or (_is_number(lr) and lr >= 0), "epoch learning rate is invalid")
    if meta["mid_epoch"]:
        sums = meta.get("sums")
        n_sums = len(fields(EpochSums))
        _need(isinstance(sums, list) and len(sums) == n_sums, "running sums are invalid")
        _need(all(_is_number(v) for v in sums), "running sums are invalid")
        pos = meta.get("pos")
        _need(_is_count(pos) and pos > 0, "position is invalid")
    _check_history(meta.get("history"))
    _need(isinstance(meta.get("watch"), dict), "divergence watch is invalid")
    _need(
        isinstance(meta.get("fit"), dict) and set(FIT_KEYS) <= set(meta["fit"]),
        "settings are invalid",
    )
    _need(isinstance(meta.get("fingerprint"), str), "data fingerprint is missing")
    _need(isinstance(meta.get("metadata"), dict), "metadata is not a JSON object")
    _need(isinstance(meta.get("dropout_rng"), dict), "dropout generator state is missing")
    _need(isinstance(meta.get("shuffle_rng"), dict), "shuffling generator state is missing")


def _check_history(h) -> None:
    _need(isinstance(h, dict), "history is invalid")
    numeric = h.get("__arrays__", [])
    _need(
        isinstance(numeric, list) and all(isinstance(k, str) for k in numeric),
        "history is invalid",
    )
    _need("epoch" in numeric or isinstance(h.get("epoch"), list), "history is invalid")
    for k, v in h.items():
        if not k.startswith("__"):
            _need(isinstance(v, list), f"history entry {k!r} is invalid")
    for k in ("__stopped_epoch__", "__best_epoch__"):
        _need(h.get(k) is None or _is_count(h[k]), f"history's {k.strip('_')} is invalid")


def _check_history_arrays(h: dict, arrays: dict) -> None:
    """Every numeric history entry is a 1-D array, all of the epochs' length."""
    lengths = set()
    for key in h.get("__arrays__", []):
        a = arrays.get("history." + key)
        if a is None or a.ndim != 1 or a.dtype.kind not in "iuf":
            raise ModelFileError(f"the checkpoint's history entry {key!r} is invalid")
        lengths.add(a.shape[0])
    if len(lengths) > 1:
        raise ModelFileError("the checkpoint's history entries differ in length")


def _check_arrays(meta: dict, arrays: dict) -> None:
    """The parameters and buffers, the epoch-start state (parameters then buffers), the
    row order and the split."""
    for name in ("theta", "buffer", "snap", "order", "dropout_rng.keys"):
        _need(name in arrays, f"array {name!r} is missing")
    theta, buffer, snap, order = (arrays[k] for k in ("theta", "buffer", "snap", "order"))
    _need(
        snap.shape == (theta.size + buffer.size,) and snap.dtype == theta.dtype,
        "epoch-start state 'snap' differs in shape or type from 'theta' and 'buffer'",
    )
    _need(order.ndim == 1 and order.dtype.kind in "iu", "row order is not a list of rows")
    if "val_index" in arrays:
        index = arrays["val_index"]
        _need(index.ndim == 1 and index.dtype.kind in "iu", "validation split is invalid")
        _need(_is_count(meta.get("n_train")), "number of training rows n_train is invalid")


def _check_builds(what: str, build, desc: dict):
    """The object ``build(type, **config)`` makes from ``desc``: the loss, the optimizer
    or the schedule the run is resumed with."""
    try:
        return build(desc["type"], **desc["config"])
    except (ValueError, TypeError, ParamError) as exc:
        raise ModelFileError(f"the checkpoint's {what} is invalid: {exc}") from None


def _check_optimizer(desc: dict, arrays: dict) -> None:
    """The optimizer can be built, and its state is its own: a step count, a rate and
    arrays of the parameters' shape (or None before the first step)."""
    fresh = _check_builds("optimizer", get_optimizer, desc).state_dict()
    state, theta = desc["state"], arrays["theta"]
    _need(set(state) == set(fresh), f"optimizer state has {sorted(state)}, not {sorted(fresh)}")
    _need(_is_count(state["t"]), "optimizer's step count t is invalid")
    _need(_is_number(state["lr"]) and math.isfinite(state["lr"]), "optimizer's lr is invalid")
    moments = {k: v for k, v in state.items() if k not in ("t", "lr")}
    if all(v is None for v in moments.values()):
        return  # before the first step (or SGD without momentum)
    for k, v in moments.items():
        a = arrays.get(v.get("array")) if isinstance(v, dict) else None
        _need(
            isinstance(a, np.ndarray) and a.shape == theta.shape and a.dtype == theta.dtype,
            f"optimizer state {k!r} disagrees with the network",
        )


def _check_schedule(desc) -> None:
    if desc is None:
        return
    fresh = _check_builds("schedule", get_schedule, desc)
    if not hasattr(fresh, "state_dict"):
        return
    state = desc.get("state")
    _need(isinstance(state, dict), "schedule state is missing")
    keys = set(fresh.state_dict())
    _need(set(state) == keys, f"schedule state has {sorted(state)}, not {sorted(keys)}")
    _need(all(_is_number(v) for v in state.values()), "schedule state is invalid")


def _check_watch(state: dict) -> None:
    """Each stored entry of the divergence watch is of the kind a fresh watch holds."""
    fresh = LossWatch(None)
    for key in LossWatch.STATE:
        if key not in state:
            continue
        v, default = state[key], getattr(fresh, key)
        if isinstance(default, bool):
            ok = isinstance(v, bool)
        else:
            ok = _is_number(v) or (default is None and v is None)
        _need(ok, f"divergence watch entry {key!r} is invalid")


def _check_generators(meta: dict, arrays: dict) -> None:
    """The random generators' states can be set (on throwaway generators)."""
    set_legacy_state(np.random.RandomState(), meta["dropout_rng"], arrays["dropout_rng.keys"])
    srng = meta["shuffle_rng"]
    _need(isinstance(srng.get("legacy"), bool), "shuffling generator's kind is invalid")
    if srng["legacy"]:
        _need(isinstance(srng.get("is_net_rng", False), bool), "shuffling generator is invalid")
        set_legacy_state(np.random.RandomState(), srng.get("state"), arrays.get("shuffle_rng.keys"))
        return
    try:
        np.random.default_rng().bit_generator.state = srng.get("state")
    except _RNG_ERRORS as exc:
        raise ModelFileError(f"the shuffling generator's state is invalid: {exc}") from None


def _check_fit(fit: dict) -> None:
    """``fit``'s stored settings pass ``fit``'s own checks (glassnet.train.options)."""
    names = [k for k in (*FIT_KEYS, "l1") if k in fit and k != "seed"]
    try:
        if fit["seed"] != "RandomState":  # the run's RandomState is rebuilt, not stored
            check_param("seed", fit["seed"], SEED)
        check_params({k: fit[k] for k in names}, {k: CONSTRAINTS[k] for k in names})
    except ParamError as exc:
        raise ModelFileError(f"the checkpoint's setting {exc}") from None
