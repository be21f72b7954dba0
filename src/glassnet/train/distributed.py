"""Data-parallel training on MPI: ``fit(..., comm=MPI.COMM_WORLD)``.

Every process runs the same program (``mpiexec -n 2 python train.py``) and passes
``fit`` its own shard of the rows. The shards are contiguous ranges of the data set's
rows in rank order (rank 0 holds the first rows, rank 1 the next ones, ...; ``shard``
cuts an array so), and together the processes run the one run that a single process
runs on all the rows:

* a batch is the single process's batch: rows ``start:stop`` of the epoch's order (the
  rows in order, or a permutation that every process draws from the same seed); each
  process takes the rows of the batch that it holds, possibly none;
* each process computes its rows' share of the batch's loss and gradient, scaled as the
  whole batch's: a mean loss divides by the whole batch's rows (or weight), known to
  every process, so ``delta3 = (yhat - y) / rows`` as in one process. One all-reduce of
  the packed gradient ``net.grad`` adds the shares up (a second, of one number, adds the
  losses). The penalty's gradient ``l2 * W`` is added after that, once;
* every process then takes the same optimizer step from the same gradient, so the
  parameters stay equal on all of them (an all-reduce gives each the same sums).

With a summed loss and full batches the result is the single process's up to the order
of the additions. The statistics that span the data are global: the validation split
(drawn over all rows, then each process keeps its rows of it), the mean, the epoch's
loss and accuracy (or R^2), the validation loss, and so early stopping; ``standardize``
computes the scaling of all rows. Only rank 0 writes checkpoints; every process resumes
from the file. Callbacks run on every process: let only rank 0 write files.

Errors: ``fit`` checks each process's shard before the first collective call and the
processes exchange the results, so bad data on one process raises on every one (its own
error there, ``ShardError`` naming it elsewhere). An error during training on one process
(the others wait for it in an all-reduce) is printed with its rank and ends every process
with ``MPI_Abort``, rather than leaving them waiting.

Here: the collective calls (``Shards``), the objective on a share of each batch
(``ShardObjective``, ``BatchShare``), errors that end every process, and the helpers for
users (``shard``, ``standardize``, ``evaluate_shards``); ``glassnet.train.shards`` checks
and cuts each process's rows for ``fit``. mpi4py is imported only here, and only when
``fit`` is given a ``comm``.
"""

from __future__ import annotations

import hashlib
import sys
import time
import traceback
from contextlib import contextmanager

import numpy as np

from .._validation import prepare_data
from ..layers import BatchNorm, Dropout
from ..losses import get_loss
from ..transforms import Standardize
from .diagnostics import DivergenceError
from .inputs import (
    class_labels,
)
from .loop import Objective, step

__all__ = ["shard", "shard_range", "standardize", "evaluate_shards", "Shards", "ShardError"]

SIGNALS = (None, "SIGINT", "SIGTERM")  # a pending signal, as a number the processes reduce
ABORT_DELAY = 0.5  # seconds between printing an error and MPI_Abort, for mpiexec to show it


class ShardError(ValueError):
    """Raised on every process when the shards or their settings do not agree, or when
    another process's shard failed its checks (the message names it)."""


def _mpi():
    from mpi4py import MPI  # the optional dependency: pip install "glassnet[mpi]"

    return MPI


def check_comm(comm, net, seed) -> None:
    """``comm`` must be an mpi4py intracommunicator, ``net`` free of layers whose
    batch statistics or random masks would differ between processes, and ``seed`` an
    int or None (every process then draws the same order of the rows)."""
    try:
        MPI = _mpi()
    except ImportError:
        raise TypeError(
            f"comm must be an mpi4py communicator such as MPI.COMM_WORLD, got {comm!r:.80} "
            f'(mpi4py is not installed: pip install "glassnet[mpi]")'
        ) from None
    if not isinstance(comm, MPI.Intracomm):
        raise TypeError(
            f"comm must be an mpi4py communicator such as MPI.COMM_WORLD, got {comm!r:.80}"
        )
    for layer in net.layers:
        if isinstance(layer, BatchNorm) or (isinstance(layer, Dropout) and layer.p > 0):
            raise ValueError(
                f"comm=: {layer!r} is not supported in data-parallel training (its batch "
                f"statistics or random masks would be each process's own)"
            )
    if isinstance(seed, np.random.RandomState):
        raise TypeError("with comm=, seed must be an int or None (not a RandomState)")


# ---------------------------------------------------------------- cutting the rows
def shard_range(n: int, comm) -> tuple[int, int]:
    """``(start, stop)`` of this process's rows among ``n``: contiguous ranges in rank
    order, the first ``n % size`` ranks one row longer (``numpy.array_split``'s cut)."""
    size, rank = comm.Get_size(), comm.Get_rank()
    base, extra = divmod(int(n), size)
    start = rank * base + min(rank, extra)
    return start, start + base + (rank < extra)


def shard(a, comm):
    """This process's rows of ``a`` (an array, or anything indexed by rows): a view of
    the rows ``shard_range(len(a), comm)``.

    Examples
    --------
    Under ``mpiexec -n 2``, for 5 rows: rank 0 gets rows 0-2, rank 1 rows 3-4::

        X_mine, y_mine = shard(X, comm), shard(y, comm)
    """
    start, stop = shard_range(len(a), comm)
    return a[start:stop]


# ---------------------------------------------------------------- errors
@contextmanager
def agreement(comm):
    """Run the block (work of this process alone: no collective calls in it) on every
    process, then exchange how it went: if it raised on any process, it raises on every
    one, its own error where it failed, ``ShardError`` naming the first failing rank
    elsewhere. Nothing to do without ``comm``."""
    if comm is None:
        yield
        return
    error = None
    try:
        yield
    except Exception as exc:  # raised below, on every process
        error = exc
    said = comm.allgather(None if error is None else f"{type(error).__name__}: {error}")
    if error is not None:
        raise error
    failed = [(rank, text) for rank, text in enumerate(said) if text is not None]
    if failed:
        rank, text = failed[0]
        raise ShardError(f"process {rank} of {len(said)} failed: {text}")


class Shards:
    """This process among the processes of ``comm``: ``rank``, ``size``, the rows of
    every process's shard (``counts``), the first row of its own (``offset``) and the
    rows of all (``n``); the collective calls that a data-parallel run makes.

    ``interrupted`` is the signal (SIGINT, SIGTERM) that reached this process while
    training; the processes agree on stopping at the end of an epoch.
    """

    def __init__(self, comm, counts):
        self.comm, self.MPI = comm, _mpi()
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.counts = np.asarray(counts, dtype=np.int64)
        self.offset = int(self.counts[: self.rank].sum())
        self.n = int(self.counts.sum())
        self.interrupted = None

    # ------------------------------------------------------------ sums
    def total(self, *values) -> np.ndarray:
        """Each of ``values`` summed over the processes (float64)."""
        buf = np.array(values, dtype=np.float64)
        self.comm.Allreduce(self.MPI.IN_PLACE, buf, op=self.MPI.SUM)
        return buf

    def add_up(self, grad, loss: float) -> float:
        """The whole batch's gradient (into ``grad``) and loss from this process's share
        of them: one all-reduce adds the packed gradients, another the losses."""
        self.comm.Allreduce(self.MPI.IN_PLACE, grad, op=self.MPI.SUM)
        return float(self.total(loss)[0])

    def gather(self, a: np.ndarray) -> np.ndarray:
        """The processes' 1-D arrays ``a`` (one entry per row of their shard), one after
        the other in rank order: the whole data set's."""
        out = np.empty(self.n, dtype=a.dtype)
        self.comm.Allgatherv(np.ascontiguousarray(a), [out, self.counts])
        return out

    def ss_tot(self, y: np.ndarray) -> float:
        """``sum (y - mean(y))^2`` over every process's rows (R^2's denominator)."""
        y2 = y.reshape(len(y), -1)
        sums = self.total(len(y), *y2.sum(axis=0, dtype=np.float64))
        d = y2 - sums[1:] / sums[0] if sums[0] else y2
        return float(self.total(np.einsum("ij,ij->", d, d))[0])

    # ------------------------------------------------------------ agreeing
    def same_seed(self, seed):
        """``seed``, or for None one that rank 0 draws: the same on every process."""
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        return self.comm.bcast(seed, root=0)

    def fingerprint(self, mine: str) -> str:
        """The data's fingerprint from the processes' fingerprints of their shards."""
        h = hashlib.sha256(b"shards")
        for fp in self.comm.allgather(mine):
            h.update(fp.encode())
        return h.hexdigest()

    def agree_to_stop(self, run) -> None:
        """At an epoch's end: every process stops if a callback stopped one
        (``stop_training``) or a signal reached one."""
        flags = np.array([run.stop_training, SIGNALS.index(self.interrupted)], dtype=np.int64)
        self.comm.Allreduce(self.MPI.IN_PLACE, flags, op=self.MPI.MAX)
        run.stop_training = bool(flags[0])
        if flags[1]:
            run.interrupted = SIGNALS[flags[1]]

    def barrier(self) -> None:
        self.comm.Barrier()

    def agreement(self):
        return agreement(self.comm)

    @contextmanager
    def abort_on_error(self):
        """An error on one process while the others wait in a collective call: print it
        with the rank and end every process (``MPI_Abort``). Errors that every process
        raises together (``DivergenceError``: the loss is the same everywhere;
        ``ShardError``) are raised as usual."""
        try:
            yield
        except (DivergenceError, ShardError):
            raise
        except BaseException:
            if self.size == 1:
                raise
            said = (
                f"glassnet: process {self.rank} of {self.size} failed; ending all "
                f"{self.size} (MPI_Abort):\n{traceback.format_exc()}"
            )
            sys.stderr.write(said)  # in one piece, and given mpiexec a moment to pass it on
            sys.stderr.flush()
            time.sleep(ABORT_DELAY)
            self.comm.Abort(1)
            raise  # MPI_Abort may return before the process is ended: never carry on


class ShardObjective(Objective):
    """``Objective`` on this process's share of each batch: the loss of its rows and its
    gradient, scaled as the whole batch's (``BatchShare``), added up over the processes
    by ``Shards.add_up`` inside ``step``, before the penalty. The metric stays this
    process's (the run adds it up at the epoch's end)."""

    def __init__(self, shards: Shards, net, loss, **kw):
        super().__init__(net, loss, **kw)
        self.shards = shards
        self.shard_loss = get_loss(loss.name, **{**loss.get_config(), "reduction": "sum"})
        self.mean = loss.reduction == "mean"

    def gradient(self, xb, yb, wb, l2: float, optimizer=None, *, whole):
        rows, weights = whole  # the whole batch's, over every process
        share = BatchShare(self.shard_loss, self.loss._scale(rows, weights))
        return step(
            self.net, share, xb, yb, wb, l2=l2, l1=self.l1, clip_norm=self.clip_norm,
            optimizer=optimizer, reduce=self.shards.add_up,
        )  # fmt: skip

    def evaluate(self, X, y, ss_tot=None) -> dict:
        """``evaluate``'s data loss and accuracy (R^2, with the rows' ``ss_tot``) over
        every process's rows ``(X, y)``, in prediction mode."""
        out = self.net.forward(X)
        labels = class_labels(y) if self.loss.classification else None
        loss, rows, metric = self.shards.total(
            self.shard_loss.forward(out, y), len(X), self.metric(out, y, labels)
        )
        logs = {"data_loss": float(loss / rows if self.mean and rows else loss)}
        if self.loss.classification:
            logs["accuracy"] = float(metric / rows) if rows else 0.0
        else:
            logs["r2"] = 1.0 - float(metric) / ss_tot if ss_tot else 0.0
        return logs


class BatchShare:
    """This process's share of a batch's loss: the summed loss ``loss`` of its rows over
    ``div``, the whole batch's divisor (its rows or weight for a mean loss, 1 for a sum).
    The shares of all processes add up to the batch's loss, and their gradients
    (``delta3 = (yhat - y) / div``, as one process scales it) to the batch's gradient."""

    def __init__(self, loss, div: float):
        self.loss, self.div = loss, div

    def forward(self, out, y, sample_weight=None) -> float:
        return self.loss.forward(out, y, sample_weight) / self.div

    def backward(self):
        delta = self.loss.backward()  # (a loss may return its own cached array)
        return delta / self.div if self.div != 1.0 else delta  # as one process divides


# ---------------------------------------------------------------- helpers for users
def standardize(X, comm) -> Standardize:
    """``Standardize.from_data`` of the rows of every process: each process passes its
    shard ``X``; the mean and spread are those of all the rows (sums over the processes,
    a block of rows at a time: no float64 copy of the shard)."""
    shards = Shards(comm, comm.allgather(len(X)))
    sums = shards.total(*_column_sums(X, None))
    mean = sums / shards.n
    var = shards.total(*_column_sums(X, mean)) / shards.n
    scale = np.sqrt(var)
    scale[scale == 0] = 1.0
    return Standardize(mean, scale)


def _column_sums(X, mean, block: int = 4096) -> np.ndarray:
    """Column sums of ``X`` (float64), or of ``(X - mean)^2`` with a ``mean``."""
    out = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], block):
        x = np.asarray(X[start : start + block], dtype=np.float64)
        out += (x if mean is None else (x - mean) ** 2).sum(axis=0)
    return out


def evaluate_shards(net, loss, X, y, comm, l2: float = 0.0) -> dict:
    """``gn.evaluate`` over the rows of every process: each passes its shard ``(X, y)``;
    every process gets the same logs (data loss, penalty, their sum, accuracy or R^2)."""
    with agreement(comm):
        X, y = prepare_data(net, loss, X, y, convert_net=False)
    shards = Shards(comm, comm.allgather(len(X)))
    ss_tot = None if loss.classification else shards.ss_tot(y)
    logs = ShardObjective(shards, net, loss).evaluate(X, y, ss_tot)
    data_loss, pen = logs.pop("data_loss"), net.penalty(l2)
    return {"loss": data_loss + pen, "data_loss": data_loss, "penalty": pen, **logs}
