"""Checkpoints: everything a training run needs to continue exactly where it stopped.

``fit(..., checkpoint=PATH, checkpoint_every=K)`` writes one after every K-th epoch, when
training ends, and when Ctrl-C or SIGTERM interrupts it (between two minibatches if
need be). ``fit(..., resume_from=PATH)`` continues it with the objects you pass, and
``glassnet.train.resume.resume(PATH, X, y, epochs=...)`` rebuilds them from the file;
either way a run that was interrupted and resumed ends with the same parameters, bit for
bit, as a run that was never interrupted.

A checkpoint file is a glassnet model file (``gn.load`` reads it, never a pickle) of
kind ``"Checkpoint"``. It holds the network (its parameters ``theta`` and its buffers
``buffer``, BatchNorm's running statistics), the optimizer's configuration and state
(moments, step count, rate), the schedule's configuration and state, the loss, the next
epoch (and, after an interruption between minibatches, the epoch's row order, the next
batch and the running sums), the shuffling generator's state, the dropout
``RandomState``'s state, the history, the divergence watch, ``fit``'s settings, a
fingerprint of the data and free metadata (``glassnet train`` stores its arguments).
Callbacks keep no state across a resume: an ``EarlyStopping`` starts counting afresh.
"""

from __future__ import annotations

import hashlib
import numbers
from dataclasses import astuple

import numpy as np

from ..losses import get_loss
from ..modelfile import (
    ModelFileError,
    legacy_index_of,
    load,
    migrate_v1,
    network_from_arrays,
    register_kind,
    save,
)
from ..optim import get_optimizer
from ..schedules import get_schedule
from .checkpoint_checks import check_checkpoint, set_legacy_state
from .loop import EpochSums

__all__ = ["Checkpoint", "load_checkpoint", "data_fingerprint"]


def data_fingerprint(X: np.ndarray, y: np.ndarray, transform=None) -> str:
    """A SHA-256 of the training data's bytes, shapes and dtypes: of ``X`` as the first
    layer sees it (``transform(X)``, the network's input transform, if there is one,
    computed a block of rows at a time), so that a run whose network standardises its
    own inputs has the fingerprint of a run on data standardised beforehand."""
    h = hashlib.sha256()
    h.update(f"{X.dtype.str}{X.shape}".encode())
    if transform is None:
        h.update(np.ascontiguousarray(X).data)
    else:
        for start in range(0, X.shape[0], 4096):  # the same bytes as transform(X) whole
            h.update(np.ascontiguousarray(transform(X[start : start + 4096])).data)
    h.update(f"{y.dtype.str}{y.shape}".encode())
    h.update(np.ascontiguousarray(y).data)
    return h.hexdigest()


def _legacy_state(rs: np.random.RandomState) -> tuple[dict, np.ndarray]:
    name, keys, pos, has_gauss, gauss = rs.get_state()
    return {"name": name, "pos": int(pos), "has_gauss": int(has_gauss), "gauss": float(gauss)}, (
        np.asarray(keys, dtype=np.uint32)
    )


def _optimizer_meta(opt, arrays: dict) -> dict:
    """The optimizer's type, settings and state; its arrays go into ``arrays``."""
    state = {}
    for k, v in opt.state_dict().items():
        if isinstance(v, np.ndarray):
            arrays[f"opt.{k}"] = v.copy()
            state[k] = {"array": f"opt.{k}"}
        elif v is None or isinstance(v, (bool, numbers.Number)):
            state[k] = v.item() if isinstance(v, np.generic) else v
        else:
            raise TypeError(f"cannot checkpoint the optimizer's state {k!r}: {v!r:.60}")
    return {"type": opt.name, "config": opt.get_config(), "state": state}


def _schedule_meta(sched) -> dict | None:
    if sched is None:
        return None
    meta = {"type": sched.name, "config": sched.get_config()}
    if hasattr(sched, "state_dict"):
        meta["state"] = sched.state_dict()
    return meta


class Checkpoint:
    """What a checkpoint file holds (see the module's notes); ``gn.load`` returns one."""

    def __init__(self, meta: dict, arrays: dict):
        self.meta, self.arrays = meta, arrays

    # ---------------------------------------------------------------- writing
    @classmethod
    def capture(cls, run, fit_args, fingerprint, extra):
        """The state of a ``TrainingRun`` at an epoch boundary or between two minibatches."""
        net, loss = run.objective.net, run.objective.loss
        arrays = {"theta": net.theta.copy(), "buffer": net.buffer.copy()}
        mid = run.pos > 0
        last = run.epoch
        meta = {
            "network": net.get_config(),
            "loss": {"type": loss.name, "config": loss.get_config()},
            "optimizer": _optimizer_meta(run.optimizer, arrays),
            "schedule": _schedule_meta(run.schedule),
            "next_epoch": (last if mid else last + 1) if last is not None else 0,
            "mid_epoch": bool(mid),
            "sums": [float(v) for v in astuple(run.sums)] if mid else None,
            "pos": int(run.pos) if mid else 0,
            "epoch_lr": None if run.lr is None else float(run.lr),
            "history": _history_meta(run.history, arrays),
            "watch": run.watch.state_dict(),
            "fit": fit_args,
            "fingerprint": fingerprint,
            "metadata": extra or {},
        }
        arrays["order"] = run.order.copy()
        arrays["snap"] = run.epoch_start.copy()  # net.state (theta, buffer) at the epoch's start
        if run.legacy:
            meta["shuffle_rng"] = {"legacy": True, "is_net_rng": run.rng is net.rng}
            meta["shuffle_rng"]["state"], arrays["shuffle_rng.keys"] = _legacy_state(run.rng)
        else:
            meta["shuffle_rng"] = {"legacy": False, "state": run.rng.bit_generator.state}
        meta["dropout_rng"], arrays["dropout_rng.keys"] = _legacy_state(net.rng)
        if run.data.split is not None:
            arrays["val_index"] = np.asarray(run.data.split[0], dtype=np.int64)
            meta["n_train"] = int(run.data.split[1])
        return cls(meta, arrays)

    def write(self, path):
        return save(self, path)

    # ---------------------------------------------------------------- reading
    @property
    def next_epoch(self) -> int:
        return self.meta["next_epoch"]

    @property
    def fit_args(self) -> dict:
        return dict(self.meta["fit"])

    @property
    def metadata(self) -> dict:
        return self.meta["metadata"]

    @property
    def history(self) -> dict:
        """``{"epoch": [...], "loss": [...], ...}``: each entry a list, from its numeric
        array ``history.<key>`` (or, in a file of the earlier format, the JSON list)."""
        stored = self.meta["history"]
        out = {k: v for k, v in stored.items() if not k.startswith("__")}
        for key in stored.get("__arrays__", []):
            out[key] = self.arrays["history." + key].tolist()
        return out

    def build_network(self):
        return network_from_arrays(
            self.meta["network"], self.arrays["theta"], self.arrays["buffer"]
        )

    def build_loss(self):
        return get_loss(self.meta["loss"]["type"], **self.meta["loss"]["config"])

    def build_optimizer(self):
        opt = get_optimizer(self.meta["optimizer"]["type"], **self.meta["optimizer"]["config"])
        self.restore_optimizer(opt)
        return opt

    def build_schedule(self):
        s = self.meta["schedule"]
        if s is None:
            return None
        config = dict(s["config"])
        return get_schedule(s["type"], **config)

    def restore_optimizer(self, opt) -> None:
        want = self.meta["optimizer"]
        if opt.name != want["type"]:
            raise ValueError(
                f"the checkpoint was trained with optimizer {want['type']!r}, not {opt.name!r}"
            )
        other = {k: v for k, v in want["config"].items() if k != "lr"}
        mine = {k: v for k, v in opt.get_config().items() if k != "lr"}
        if other != mine:
            raise ValueError(
                f"the optimizer's settings {mine} differ from the checkpoint's {other}"
            )
        state = {}
        for k, v in want["state"].items():
            state[k] = self.arrays[v["array"]] if isinstance(v, dict) else v
        opt.load_state_dict(state)

    def restore(self, run, fingerprint) -> None:
        """Put the checkpoint's state into the ``TrainingRun`` of a new ``fit`` call."""
        net, loss = run.objective.net, run.objective.loss
        self._check_same_run(net, loss, fingerprint)
        net.theta[...] = self.arrays["theta"]
        net.buffer[...] = self.arrays["buffer"]
        self.restore_optimizer(run.optimizer)
        self._restore_schedule(run.schedule)
        self._restore_history(run.history)
        run.watch.load_state_dict(self.meta["watch"])
        set_legacy_state(net.rng, self.meta["dropout_rng"], self.arrays["dropout_rng.keys"])
        self._restore_shuffling(run)
        self._restore_position(run)

    def _check_same_run(self, net, loss, fingerprint) -> None:
        meta = self.meta
        if fingerprint != meta["fingerprint"]:
            raise ValueError(
                "X and y differ from the data the checkpointed run trained on; resume "
                "needs the same data (same rows in the same order, same dtype; under MPI, "
                "as many processes as the run had, each with the same shard)"
            )
        mine = [dict(spec) for spec in net.get_config()["layers"]]
        if mine != meta["network"]["layers"]:
            raise ValueError(
                "net's layers differ from the checkpoint's: pass the same architecture "
                "(or use glassnet.train.resume.resume, which rebuilds it)"
            )
        theta = self.arrays["theta"]
        if theta.dtype != net.dtype:
            raise ValueError(
                f"the checkpoint's parameters are {theta.dtype.name} but the network "
                f"trains in {net.dtype.name} (pass data of the checkpointed run's dtype)"
            )
        if loss.name != meta["loss"]["type"] or loss.get_config() != meta["loss"]["config"]:
            raise ValueError(
                f"loss {loss!r} differs from the checkpoint's {meta['loss']['type']} "
                f"{meta['loss']['config']}"
            )

    def _restore_schedule(self, sched) -> None:
        want = self.meta["schedule"]
        if (sched is None) != (want is None) or (
            sched is not None and (sched.name, sched.get_config()) != (want["type"], want["config"])
        ):
            raise ValueError(
                f"schedule {sched!r} differs from the checkpoint's "
                f"{None if want is None else (want['type'], want['config'])}"
            )
        if sched is not None and "state" in want:
            sched.load_state_dict(want["state"])

    def _restore_history(self, hist) -> None:
        stored = self.meta["history"]
        hist.epoch = [int(e) for e in self.history["epoch"]]
        hist.history = {k: list(v) for k, v in self.history.items() if k != "epoch"}
        for key, values in hist.history.items():
            if len(values) != len(hist.epoch):
                raise ModelFileError(f"the history's {key!r} has the wrong length")
        hist.stopped_epoch = stored.get("__stopped_epoch__")
        hist.best_epoch = stored.get("__best_epoch__")

    def _restore_shuffling(self, run) -> None:
        """The shuffling generator's state and the epoch's order of the rows."""
        srng = self.meta.get("shuffle_rng")
        if srng is None or srng["legacy"] != run.legacy:
            kind = "a RandomState" if srng and srng["legacy"] else "an int seed (or None)"
            raise ValueError(f"the checkpointed run shuffled with {kind}; pass seed of that kind")
        if run.legacy:
            set_legacy_state(run.rng, srng["state"], self.arrays["shuffle_rng.keys"])
        else:
            try:
                run.rng.bit_generator.state = srng["state"]
            except (TypeError, ValueError, KeyError) as exc:
                raise ModelFileError(f"the shuffling generator's state is invalid: {exc}") from exc
        order = self.arrays["order"]
        n = run.order.shape[0]
        if (
            order.shape != (n,)
            or order.dtype.kind not in "iu"
            or not np.array_equal(np.sort(order), np.arange(n))
        ):
            raise ModelFileError("the stored row order is not a permutation of the rows")
        run.order = order.astype(np.intp)

    def _restore_position(self, run) -> None:
        """The epoch's starting parameters and buffers, its learning rate, and where in it
        the run stopped (between two minibatches: the next batch and the running sums)."""
        meta, state = self.meta, run.objective.net.state
        snap = self.arrays["snap"]
        if snap.shape != state.shape or snap.dtype != state.dtype:
            raise ModelFileError("the stored epoch-start parameters have the wrong shape")
        run.epoch_start[...] = snap
        run.last_good[...] = snap
        run.lr = meta["epoch_lr"]
        if not meta["mid_epoch"]:
            return
        n = run.data.n
        if run.batch_size is None:
            raise ValueError("the checkpoint stopped between minibatches: pass its batch_size")
        run.resume_mid_epoch = True
        run.sums = EpochSums(*(float(v) for v in meta["sums"]))
        run.pos = int(meta["pos"])
        if run.pos >= n or run.pos % run.batch_size:
            raise ValueError(
                f"the checkpoint stopped at row {run.pos} of an epoch, which does not fit "
                f"batch_size={run.batch_size} and {n} rows"
            )


def load_checkpoint(path) -> Checkpoint:
    """Read a checkpoint file; raises ``ModelFileError`` for anything else."""
    obj = load(path)
    if not isinstance(obj, Checkpoint):
        raise ModelFileError(f"{path} is a glassnet model file but not a checkpoint")
    return obj


# ------------------------------------------------------------------ the file
def _history_meta(history, arrays: dict) -> dict:
    """The history as numeric arrays ``history.<key>`` (int64 epochs, float64 values: 8
    bytes a number, exact, instead of ~20 characters of JSON text); an entry that is not
    all numbers stays a JSON list. Returns the history's description for the metadata."""
    meta = {"__arrays__": [], "__stopped_epoch__": None, "__best_epoch__": None}
    for key, values in history.to_dict().items():
        numbers = all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            for v in values
        )
        if numbers:
            dtype = np.int64 if key == "epoch" else np.float64
            arrays["history." + key] = np.asarray(values, dtype=dtype)
            meta["__arrays__"].append(key)
        else:
            meta[key] = list(values)
    meta["__stopped_epoch__"] = history.stopped_epoch
    meta["__best_epoch__"] = history.best_epoch
    return meta


def _to_file(ck: Checkpoint):
    return {"checkpoint": ck.meta}, ck.arrays


def _split_legacy_arrays(network: dict, arrays: dict) -> None:
    """Formats 1 and 2 kept the buffers (BatchNorm's running statistics) inside ``theta``,
    and so inside ``snap`` and the optimizer's moments (where their gradient, always 0,
    left them at 0): split them out in place, as format 3 keeps them (``theta`` and
    ``buffer``; ``snap`` the state, ``theta`` then ``buffer``; the moments ``theta``'s
    entries). Arrays of another size are left for ``check_checkpoint`` to refuse."""
    theta = arrays.get("theta")
    if not isinstance(theta, np.ndarray) or theta.ndim != 1:
        return
    p, b = legacy_index_of(network)
    if theta.size != p.size + b.size:
        return
    arrays["theta"], arrays["buffer"] = theta[p], theta[b]
    snap = arrays.get("snap")
    if isinstance(snap, np.ndarray) and snap.shape == theta.shape:
        arrays["snap"] = np.concatenate([snap[p], snap[b]])
    for name in [k for k in arrays if k.startswith("opt.")]:
        if arrays[name].shape == theta.shape:
            arrays[name] = arrays[name][p]


def _from_file(meta, arrays):
    inner = meta.get("checkpoint")
    if not isinstance(inner, dict):
        raise ModelFileError("the checkpoint description is missing")
    metadata = inner.get("metadata")
    model = metadata.get("model") if isinstance(metadata, dict) else None
    network = inner.get("network")
    if meta["format_version"] == 1 and isinstance(model, dict) and isinstance(network, dict):
        # glassnet train's scaling, kept in the metadata before format 2
        inner["network"], metadata["model"] = migrate_v1(network, model)
    if meta["format_version"] < 3 and isinstance(inner.get("network"), dict):
        _split_legacy_arrays(inner["network"], arrays)
    check_checkpoint(inner, arrays)
    return Checkpoint(inner, arrays)


register_kind("Checkpoint", Checkpoint, _to_file, _from_file)
