"""This process's share of ``fit``'s training rows under MPI (``glassnet.train.distributed``).

``prepare_shards`` checks the process's shard alone, then has the processes compare
what must be the same on all of them (the shard's form, the network and loss, the run's
settings), start from rank 0's parameters with one seed, and draw the validation split
over all rows; ``ShardData`` then cuts each global batch into this process's rows.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_some_weight, prepare_data
from .checkpoint import data_fingerprint
from .distributed import ShardError, Shards, agreement
from .inputs import (
    TrainData,
    _check_classes,
    _check_sample_weight,
    _split,
    check_split,
    check_validation_data,
    class_labels,
    one_hot_width,
)

__all__ = ["ShardData", "prepare_shards"]


class ShardData(TrainData):
    """This process's share of the training rows of a data-parallel run.

    ``X``, ``y``, ``w`` and ``labels`` hold its rows; ``n`` counts the training rows of
    every process, and the run cuts its batches in those global positions, as one process
    would: ``positions`` (ascending) are the global positions of this process's rows.
    ``batch(rows)`` takes the rows of a global batch that this process holds (views, for
    a range of positions); ``whole(rows)`` is the whole batch's rows and weights, from
    ``w_all`` (every training row's weight, or None). ``ss_tot`` and ``val_ss_tot``: the
    denominators of R^2 over every process's training and validation rows.
    """

    def __init__(self, shards, positions, n, w_all, X, y, w, classification, **kw):
        super().__init__(X, y, w, classification, **kw)
        self.shards, self.positions, self.n, self.w_all = shards, positions, n, w_all
        self.ss_tot = self.val_ss_tot = None
        self._local_of = None  # global position -> row of this process (or -1), when shuffled

    def batch(self, rows):
        return super().batch(self.local(rows))

    def local(self, rows):
        """This process's rows among the global positions ``rows``, in their order: a
        slice for a slice (the positions held are ascending), indices for indices."""
        if isinstance(rows, slice):
            lo, hi = np.searchsorted(self.positions, (rows.start, rows.stop))
            return slice(int(lo), int(hi))
        if self._local_of is None:
            self._local_of = np.full(self.n, -1, dtype=np.intp)
            self._local_of[self.positions] = np.arange(self.positions.size)
        mine = self._local_of[rows]
        return mine[mine >= 0]

    def whole(self, rows) -> tuple:
        """The rows and the weights (or None) of the whole batch at positions ``rows``."""
        m = min(rows.stop, self.n) - rows.start if isinstance(rows, slice) else rows.size
        return m, None if self.w_all is None else self.w_all[rows]


def prepare_shards(net, loss, X, y, sample_weight, validation_data, opts, resume_from):
    """``fit``'s data under MPI: ``(checkpoint or None, ShardData, fingerprint or None)``.

    Each process checks its shard alone; then the processes compare their shards and
    settings (every one raises if one failed, or if they disagree), take rank 0's initial
    parameters and one seed, and draw the validation split over all rows."""
    from .fit import checkpoint_to_resume

    comm = opts.comm
    with agreement(comm):  # this process alone: no collective call in the block
        ckpt = checkpoint_to_resume(resume_from, opts)
        if getattr(X, "shape", ())[:1] == (0,):  # (a list: prepare_data says it)
            rank, size = comm.Get_rank(), comm.Get_size()
            raise ValueError(
                f"X holds no rows on process {rank} of {size}: each process passes rows of "
                f"its own (with fewer rows than processes, start fewer processes)"
            )
        X, y = prepare_data(net, loss, X, y)
        w = _check_sample_weight(sample_weight, X.shape[0], net.dtype, some=False)
        validation = check_validation_data(net, loss, validation_data)
    facts = _agreed_facts(comm, net, loss, X, y, w, validation, opts, ckpt)
    shards = Shards(comm, facts["rows"])
    comm.Bcast(net.state, root=0)  # every process starts from rank 0's parameters
    opts.seed = shards.same_seed(opts.seed)
    fingerprint = None
    if opts.checkpoint or ckpt:
        fingerprint = shards.fingerprint(data_fingerprint(X, y, net.input_transform))
    labels_all = shards.gather(class_labels(y)) if loss.classification else None
    if labels_all is not None and opts.min_classes > 1:
        _check_classes(labels_all, opts.min_classes)
    w_all = None if w is None else shards.gather(w)
    positions, split, n = np.arange(shards.offset, shards.offset + len(X)), None, shards.n
    if opts.validation_fraction is not None:
        if ckpt is not None and "val_index" in ckpt.arrays:
            split = (ckpt.arrays["val_index"], int(ckpt.meta.get("n_train", 0)))
        else:
            split = _split(n, labels_all, opts.validation_fraction, opts.seed)
        positions, X, y, w, validation = _my_part(check_split(split, n), shards.offset, X, y, w)
        n = split[1]
        w_all = None if w_all is None else w_all[split[0][:n]]
    if w_all is not None:
        check_some_weight(w_all, rows="training row")
    data = ShardData(
        shards, positions, n, w_all, X, y, w, loss.classification,
        validation=validation, split=split, one_hot_k=one_hot_width(net, loss, y),
    )  # fmt: skip
    if not loss.classification:
        data.ss_tot = shards.ss_tot(y)
        data.val_ss_tot = None if validation is None else shards.ss_tot(validation[1])
    return ckpt, data, fingerprint


def _agreed_facts(comm, net, loss, X, y, w, validation, opts, ckpt) -> dict:
    """Every process's shard size and the facts that must be the same on all: its
    shard's form, the network and loss, and the run's settings (epochs that differ would
    leave a process waiting for the others forever, batch sizes that differ would break
    the all-reduce). Raises ``ShardError`` (on every process) naming the first that
    differs."""
    shard = {
        "features": X.shape[1],
        "dtype": X.dtype.name,
        "targets": y.shape[1:],
        "sample_weight": w is not None,
        "validation": validation is not None,
        "network": net.get_config()["layers"],
        "loss": (loss.name, loss.get_config()),
    }
    everyone = comm.allgather((len(X), shard, _settings(opts, ckpt)))
    for part, what in ((1, "shards"), (2, "settings")):
        first = everyone[0][part]
        for rank, theirs in enumerate(e[part] for e in everyone):
            key = next((k for k in first if theirs[k] != first[k]), None)
            if key is not None:
                raise ShardError(
                    f"the processes' {what} differ: {key} is {first[key]!r:.120} on process "
                    f"0 but {theirs[key]!r:.120} on process {rank} (each process passes its "
                    f"rows of one data set, to the same network and loss, with the same "
                    f"settings)"
                )
    return {"rows": [rows for rows, _, _ in everyone], **shard}


def _settings(opts, ckpt) -> dict:
    """The run's settings that every process must share: ``fit``'s options (as a
    checkpoint stores them, and whether it writes or resumes one: rank 0 writes it,
    every process takes part), the optimizer's and the schedule's, the first epoch."""
    return {
        **opts.stored(),
        "optimizer": _config(opts.optimizer),
        "schedule": _config(opts.schedule),
        "initial_epoch": opts.initial_epoch,
        "min_classes": opts.min_classes,
        "checkpoint": opts.checkpoint is not None,
        "resume_from": ckpt is not None,
    }


def _config(obj):
    """An optimizer's or a schedule's class and settings (None for none)."""
    return None if obj is None else (type(obj).__name__, getattr(obj, "get_config", dict)())


def _my_part(split, offset: int, X, y, w):
    """This process's rows of the split's training rows (global positions ascending,
    the rows) and of its validation rows."""
    order, n_tr = split
    tr, val = order[:n_tr], order[n_tr:]
    hi = offset + len(X)
    positions = np.flatnonzero((tr >= offset) & (tr < hi))
    rows = tr[positions] - offset
    vrows = val[(val >= offset) & (val < hi)] - offset
    return positions, X[rows], y[rows], None if w is None else w[rows], (X[vrows], y[vrows])
