"""The callback protocol of ``fit`` and the callbacks that come with glassnet.

``fit`` calls, on every callback in order: ``on_train_begin()`` once, then
``on_epoch_begin(epoch)`` before every epoch (before its first batch; for L-BFGS, before
the iteration's first evaluation) and ``on_epoch_end(epoch, logs)`` after it (``logs``
holds that epoch's history entries), then ``on_train_end(logs)`` once, also when
training stopped early or was interrupted. An epoch that an interruption cut short, or an
L-BFGS iteration that SciPy gave up (its line search failed, or ``max_fun`` ran out), has
a begin and no end; a run resumed from a checkpoint inside an epoch begins it again.
Before ``on_train_begin`` it sets ``callback.net`` and ``callback.fit_state`` (whose
``history`` is the run's ``History``); setting ``fit_state.stop_training = True`` ends
training after the current epoch. After ``on_train_end`` it sets ``fit_state`` back to
None: the run (its data, its closures) is not kept, so that a history or an estimator
stays small and can be pickled.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np

from .._checks import Interval, check_params
from ..modelfile import check_save_path, save

__all__ = ["Callback", "History", "LambdaCallback", "EarlyStopping", "ModelCheckpoint"]


class Callback:
    """Base class: override the hooks you need."""

    net = None
    fit_state = None

    def on_train_begin(self) -> None:
        pass

    def on_epoch_begin(self, epoch: int) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self, logs: dict) -> None:
        pass


class History(Callback, dict):
    """What ``fit`` recorded, one entry per epoch; ``fit`` returns it.

    A dict of metric name to per-epoch list: ``history["loss"]``, ``history.keys()``,
    ``.items()``, ``.values()``, ``dict(history)`` and ``pandas.DataFrame(history)`` (one
    row per epoch) work as on a dict. Keys: ``loss`` (data loss + penalty), ``data_loss``,
    ``penalty`` (``l2/2 * sum ||W||^2 + l1 * sum |W|`` at the parameters each batch saw: for
    the full batch, at the start of the epoch; with minibatches averaged over the epoch's
    batches for a mean loss, summed for a summed one), ``lr``, ``accuracy``
    (classification) or ``r2`` (regression); with validation data ``val_loss`` and
    ``val_accuracy`` or ``val_r2``. Losses are reduced as the loss object reduces them
    over the epoch's examples.

    ``len(history)`` is the number of epochs recorded (``len(history.epoch)``), not the
    number of keys.

    Attributes
    ----------
    epoch : list of int, the epoch numbers recorded
    history : the dict itself (Keras' name); assigning a dict to it replaces the entries
    stopped_epoch : int or None, where early stopping (or a callback) ended training
    interrupted : bool, True when Ctrl-C (or SIGTERM) stopped training
    interrupted_by : str or None, the signal's name ("SIGINT" or "SIGTERM")
    best_epoch : int or None, the epoch whose weights early stopping restored
    """

    def __init__(self):
        dict.__init__(self)
        self.epoch: list[int] = []
        self.stopped_epoch: int | None = None
        self.interrupted = False
        self.interrupted_by: str | None = None
        self.best_epoch: int | None = None

    @property
    def history(self) -> dict[str, list[float]]:
        return self

    @history.setter
    def history(self, entries: dict) -> None:
        self.clear()
        self.update(entries)

    def on_epoch_end(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            try:
                self[key].append(value)
            except KeyError:
                self[key] = [value]

    def __len__(self) -> int:
        return len(self.epoch)

    def __eq__(self, other) -> bool:  # a callback is itself, not its entries
        return self is other

    __hash__ = object.__hash__

    def last(self) -> dict:
        """The last epoch's entries."""
        return {k: v[-1] for k, v in self.items() if v}

    def to_dict(self) -> dict:
        return {"epoch": list(self.epoch), **{k: list(v) for k, v in self.items()}}

    def __repr__(self):
        last = ", ".join(f"{k}={v:.6g}" for k, v in self.last().items())
        return f"History({len(self)} epochs: {last})"


class LambdaCallback(Callback):
    """A callback from plain functions ``on_epoch_begin(epoch)``, ``on_epoch_end(epoch,
    logs)`` and ``on_train_end(logs)``."""

    def __init__(self, on_epoch_end=None, on_train_end=None, on_epoch_begin=None):
        given = (
            ("on_epoch_end", on_epoch_end),
            ("on_train_end", on_train_end),
            ("on_epoch_begin", on_epoch_begin),
        )
        for name, f in given:
            if f is not None and not callable(f):
                raise TypeError(f"{name} must be callable, got {f!r}")
        self._epoch_end = on_epoch_end
        self._train_end = on_train_end
        if on_epoch_begin is not None:  # else the run calls nothing at an epoch's start
            self.on_epoch_begin = on_epoch_begin

    def on_epoch_end(self, epoch, logs):
        if self._epoch_end is not None:
            self._epoch_end(epoch, logs)

    def on_train_end(self, logs):
        if self._train_end is not None:
            self._train_end(logs)


def _monitor_value(logs: dict, monitor: str) -> tuple[str, float]:
    """The monitored value, falling back from ``val_loss`` to ``loss`` without validation."""
    if monitor in logs:
        return monitor, logs[monitor]
    if monitor.startswith("val_") and monitor[4:] in logs:
        return monitor[4:], logs[monitor[4:]]
    raise ValueError(f"monitor={monitor!r} is not in the history; keys: {', '.join(logs)}")


def _better(mode: str):
    return (
        (lambda new, best, d: new < best - d)
        if mode == "min"
        else (lambda new, best, d: new > best + d)
    )


def _check_monitor(monitor) -> str:
    """``monitor`` must be a history key (a string); which keys exist is known at fit."""
    if not isinstance(monitor, str):
        raise TypeError(
            f"monitor must be a history key such as 'val_loss' or 'loss', got {monitor!r} "
            f"of type {type(monitor).__name__}"
        )
    return monitor


def _mode_for(monitor: str) -> str:
    return "max" if monitor.split("val_")[-1] in ("accuracy", "r2") else "min"


class EarlyStopping(Callback):
    """Stop when the monitored value has not improved by more than ``min_delta`` for
    ``patience`` epochs; with ``restore_best_weights`` the network ends with the weights
    of its best epoch.

    Parameters
    ----------
    monitor : str, default "val_loss" (falls back to "loss" without validation data)
    patience : int, epochs without improvement to tolerate
    min_delta : float, the smallest change that counts as an improvement
    restore_best_weights : bool

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.moons()
    >>> net = gn.mlp([2, 16, 2], seed=0)
    >>> history = gn.fit(
    ...     net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(lr=0.05), epochs=5000,
    ...     validation_fraction=0.25, seed=0, callbacks=[gn.EarlyStopping(patience=20)],
    ...     verbose=0,
    ... )
    >>> len(history) < 5000, history.best_epoch == history.stopped_epoch - 20
    (True, True)
    """

    CONSTRAINTS = {  # glassnet._checks
        "patience": Interval(Integral, 0, None),
        "min_delta": Interval(Real, 0, None),
    }

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 10,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
    ):
        checked = check_params({"patience": patience, "min_delta": min_delta}, self.CONSTRAINTS)
        self.monitor = _check_monitor(monitor)
        self.patience = checked["patience"]
        self.min_delta = checked["min_delta"]
        self.restore_best_weights = bool(restore_best_weights)

    def on_train_begin(self):
        self.mode = _mode_for(self.monitor)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.best_theta = None
        self.wait = 0
        self._is_better = _better(self.mode)

    def on_epoch_end(self, epoch, logs):
        _, value = _monitor_value(logs, self.monitor)
        if self._is_better(value, self.best, self.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_theta = self.net.state.copy()  # the weights (and buffers) now
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.fit_state.stop_training = True
            self.fit_state.history.stopped_epoch = epoch

    def on_train_end(self, logs):
        if self.restore_best_weights and self.best_theta is not None:
            self.net.state[...] = self.best_theta
            self.fit_state.history.best_epoch = self.best_epoch


class ModelCheckpoint(Callback):
    """Save the network with ``gn.save`` after epochs that improve the monitored value
    (or after every epoch with ``save_best_only=False``).

    Parameters
    ----------
    path : str or Path, the model file (written atomically)
    monitor : str, default "val_loss" (falls back to "loss")
    save_best_only : bool
    """

    def __init__(self, path, monitor: str = "val_loss", save_best_only: bool = True):
        self.path = check_save_path(path)  # refused now, not at the first save mid-training
        self.monitor = _check_monitor(monitor)
        self.save_best_only = bool(save_best_only)

    def on_train_begin(self):
        self.mode = _mode_for(self.monitor)
        self.best = math.inf if self.mode == "min" else -math.inf
        self._is_better = _better(self.mode)
        self.saved_epochs: list[int] = []

    def on_epoch_end(self, epoch, logs):
        _, value = _monitor_value(logs, self.monitor)
        if self.save_best_only and not self._is_better(value, self.best, 0.0):
            return
        self.best = value
        save(self.net, self.path)
        self.saved_epochs.append(epoch)


def as_callbacks(callbacks) -> list[Callback]:
    """Check a ``callbacks=`` argument: Callback objects, or plain functions ``f(epoch, logs)``."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback) or callable(callbacks):
        callbacks = [callbacks]
    if isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(
            f"callbacks must be a list of glassnet Callbacks or functions (epoch, logs), "
            f"got {callbacks!r}"
        )
    out = []
    for i, cb in enumerate(callbacks):
        if isinstance(cb, Callback):
            out.append(cb)
        elif callable(cb):
            out.append(LambdaCallback(on_epoch_end=cb))
        else:
            raise TypeError(
                f"callbacks[{i}] must be a glassnet Callback or a function (epoch, logs), "
                f"got {cb!r}"
            )
    return out


def start_training(callbacks, net, run) -> None:
    """Give each callback the network and the run (``fit_state``), then
    ``on_train_begin()``."""
    for cb in callbacks:
        cb.net, cb.fit_state = net, run
        cb.on_train_begin()


def end_training(callbacks, final: dict) -> None:
    """``on_train_end(final)`` on each callback, then let go of the run."""
    for cb in callbacks:
        cb.on_train_end(final)
    let_go(callbacks)


def let_go(callbacks) -> None:
    """The callbacks forget the run (``fit_state``): at the end of training, and when
    training raised (``letting_go_on_error``), so that they keep neither its data nor its
    closures."""
    for cb in callbacks:
        cb.fit_state = None


@contextmanager
def letting_go_on_error(callbacks):
    """Around the training: if it raises, the callbacks let go of the run first."""
    try:
        yield
    except BaseException:
        let_go(callbacks)
        raise


def epoch_begin(callbacks):
    """The callbacks' ``on_epoch_begin`` as one function ``f(epoch)`` for the run
    (``TrainingRun.on_epoch_begin``), or None when none of them has one: the run then
    calls nothing at an epoch's start."""
    begins = [
        cb.on_epoch_begin
        for cb in callbacks
        if getattr(cb.on_epoch_begin, "__func__", None) is not Callback.on_epoch_begin
    ]
    if not begins:
        return None

    def begin(epoch: int) -> None:
        for f in begins:
            f(epoch)

    return begin


def r2_parts(y: np.ndarray) -> float:
    """Total sum of squares ``sum (y - mean(y))^2`` (over all outputs), for R^2."""
    y2 = y.reshape(len(y), -1)
    d = y2 - y2.mean(axis=0)
    return float(np.einsum("ij,ij->", d, d))
