"""What ``fit`` does after each epoch: validation, callbacks, the plateau schedule,
checkpoints and the progress bar."""

from __future__ import annotations

import sys
from numbers import Real

import numpy as np

from .._checks import Interval, check_param
from .._validation import prepare_data
from ..losses import Loss
from ..network import Sequential
from ..schedules import ReduceOnPlateau
from .callbacks import r2_parts
from .checkpoint import Checkpoint
from .inputs import class_labels

__all__ = ["EpochEnd", "evaluate", "loss_rows", "describe_loss", "progress_bar"]


def loss_rows(loss, n: int) -> int | None:
    """``n`` when ``loss`` sums over the rows (``reduction="sum"``, the post's), else None."""
    return n if getattr(loss, "reduction", "mean") == "sum" else None


def describe_loss(value: float, rows: int | None, digits: int = 6) -> str:
    """A loss with its scale named: ``"14.26 (sum over 200 rows; 0.0713 per row)"`` for a
    summed loss over ``rows`` rows, ``"0.0713 (mean per row)"`` for a mean (``rows=None``).

    >>> describe_loss(14.26, 200, digits=4)
    '14.26 (sum over 200 rows; 0.0713 per row)'
    >>> describe_loss(0.0713, None, digits=4)
    '0.0713 (mean per row)'
    """
    if rows:
        return f"{value:.{digits}g} (sum over {rows} rows; {value / rows:.{digits}g} per row)"
    return f"{value:.{digits}g} (mean per row)"


def evaluate(net, loss, X, y, l2: float = 0.0) -> dict:
    """Data loss, penalty, their sum, and accuracy (classification) or R^2 (regression),
    at the current parameters, in prediction mode (no dropout).

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.moons()
    >>> net = gn.mlp([2, 3, 2], seed=0)
    >>> logs = gn.evaluate(net, gn.SoftmaxCrossEntropy(), X, y, l2=0.01)
    >>> sorted(logs)
    ['accuracy', 'data_loss', 'loss', 'penalty']
    >>> bool(logs["loss"] == logs["data_loss"] + logs["penalty"])
    True
    """
    check_param("net", net, Sequential)
    check_param("loss", loss, Loss)
    check_param("l2", l2, Interval(Real, 0, None))
    X, y = prepare_data(net, loss, X, y, convert_net=False)
    return evaluate_checked(net, loss, X, y, l2)


def evaluate_checked(net, loss, X, y, l2: float = 0.0) -> dict:
    """``evaluate`` on data already checked (``fit``'s validation pair, every epoch)."""
    out = net.forward(X)
    data_loss = loss.forward(out, y)
    pen = net.penalty(l2)
    logs = {"loss": data_loss + pen, "data_loss": data_loss, "penalty": pen}
    if loss.classification:
        logs["accuracy"] = float(np.mean(loss.predict_labels(out) == class_labels(y)))
    else:
        d = out - y.reshape(out.shape)
        ss_tot = r2_parts(y)
        logs["r2"] = 1.0 - float(np.einsum("ij,ij->", d, d)) / ss_tot if ss_tot > 0 else 0.0
    return logs


def progress_bar(verbose, epochs: int):
    """A tqdm bar over the epochs: on for verbose >= 1, or for "auto" on a terminal."""
    if verbose == "auto":
        verbose = sys.stderr.isatty() and epochs >= 50
    if not verbose or epochs < 2:
        return None
    from tqdm.auto import tqdm  # its import costs a tenth of a second: only when shown

    return tqdm(total=epochs, unit="epoch", file=sys.stderr, mininterval=0.25, dynamic_ncols=True)


class EpochEnd:
    """Called with ``(epoch, logs)`` after every epoch of a run.

    Parameters
    ----------
    run : TrainingRun
    callbacks : list of Callback, the run's ``History`` first
    checkpoint : Path or None, and ``every``: write it after every ``every``-th epoch
    checkpoint_info : dict, what ``Checkpoint.capture`` stores besides the run
    bar : tqdm or None
    """

    def __init__(self, run, callbacks, checkpoint, every, checkpoint_info, bar):
        self.run, self.callbacks, self.bar = run, callbacks, bar
        self.checkpoint, self.every, self.checkpoint_info = checkpoint, every, checkpoint_info

    def __call__(self, epoch: int, logs: dict) -> None:
        run = self.run
        if run.data.validation is not None:
            self.add_validation(logs)
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)
        if run.data.shards is not None:  # MPI: every process stops when one does
            run.data.shards.agree_to_stop(run)
        if run.stop_training and run.history.stopped_epoch is None:
            run.history.stopped_epoch = epoch
        if isinstance(run.schedule, ReduceOnPlateau):
            run.schedule.update(logs.get(run.schedule.monitor, logs["loss"]))
        if self.checkpoint is not None and (epoch + 1) % self.every == 0:
            self.write_checkpoint()
        if self.bar is not None:
            self.update_bar(logs)

    def add_validation(self, logs: dict) -> None:
        obj, data = self.run.objective, self.run.data
        if data.shards is None:
            v = evaluate_checked(obj.net, obj.loss, *data.validation)
        else:  # MPI: over every process's validation rows
            v = obj.evaluate(*data.validation, data.val_ss_tot)
        logs["val_loss"] = v["data_loss"]
        key = self.run.metric_name
        logs["val_" + key] = v[key]

    def update_bar(self, logs: dict) -> None:
        bar = self.bar
        bar.update(1)
        if bar.n % max(1, bar.total // 100) == 0 or bar.n == bar.total:
            rows = loss_rows(self.run.objective.loss, self.run.data.n)
            bar.set_postfix(loss=describe_loss(logs["loss"], rows, digits=4), refresh=False)

    def write_checkpoint(self) -> None:
        """Write the checkpoint (under MPI: rank 0 writes it, the others wait until it
        is written)."""
        run, shards = self.run, self.run.data.shards
        if shards is None or shards.rank == 0:
            Checkpoint.capture(run, **self.checkpoint_info).write(self.checkpoint)
        if shards is not None:
            shards.barrier()
        run.checkpoint_at = (run.epoch, run.pos, len(run.history))

    def finish(self) -> None:
        """The last checkpoint (where training ended or an interruption stopped it)."""
        run = self.run
        if self.checkpoint is not None and run.checkpoint_at != (
            run.epoch,
            run.pos,
            len(run.history),
        ):
            self.write_checkpoint()
