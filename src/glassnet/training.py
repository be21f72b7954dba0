"""``fit``: the training loop, its ``History`` and the callback protocol.

``fit`` minimises ``loss(net(X), y) + l2/2 * sum ||W||^2`` by repeating, for each
batch::

    out = net.forward(Xb, training=True)      # z1, a1, z2 in the post
    data_loss = loss.forward(out, yb)
    net.backward(loss.backward())             # delta3 = yhat - y, then back to dW1, db1
    net.grad[:n_weights] += l2 * W            # dW += reg_lambda * W
    optimizer.step(net.theta, net.grad)       # W += -epsilon * dW

With ``batch_size=None`` (full batch) and ``SGD`` this is the post's loop exactly.
"""

from __future__ import annotations

import math
import numbers
import sys

import numpy as np

from ._validation import check_targets, check_X
from .losses import Loss, SoftmaxCrossEntropy
from .network import Sequential
from .optim import SGD, Optimizer

__all__ = ["fit", "History", "Callback", "LambdaCallback"]


class History:
    """What ``fit`` recorded, one entry per epoch.

    ``history[key]`` is a list; the keys are ``loss`` (data loss + penalty),
    ``data_loss``, ``penalty``, ``lr``, ``accuracy`` (classification), and with
    validation data ``val_loss`` and ``val_accuracy``. Losses are reduced as the loss
    object reduces them ("sum" or "mean" over the epoch's examples); the penalty is
    ``l2/2 * sum ||W||^2`` at the start of the epoch.
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.stopped_epoch: int | None = None
        self.interrupted = False

    def append(self, epoch: int, logs: dict) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epoch)

    def keys(self):
        return self.history.keys()

    def last(self) -> dict:
        """The last epoch's entries."""
        return {k: v[-1] for k, v in self.history.items() if v}

    def __repr__(self):
        last = ", ".join(f"{k}={v:.6g}" for k, v in self.last().items())
        return f"History({len(self)} epochs: {last})"


class Callback:
    """Hooks that ``fit`` calls. Subclass and override what you need.

    ``fit`` sets ``self.net``, ``self.history`` and ``self.fit_state`` before
    ``on_train_begin``. Setting ``self.fit_state.stop_training = True`` ends the run
    after the current epoch.
    """

    net: Sequential
    history: History

    def on_train_begin(self) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        pass

    def on_train_end(self, logs: dict) -> None:
        pass


class LambdaCallback(Callback):
    """A callback from plain functions: ``on_epoch_end(epoch, logs)`` and ``on_train_end(logs)``."""

    def __init__(self, on_epoch_end=None, on_train_end=None):
        self._epoch_end = on_epoch_end
        self._train_end = on_train_end

    def on_epoch_end(self, epoch, logs):
        if self._epoch_end is not None:
            self._epoch_end(epoch, logs)

    def on_train_end(self, logs):
        if self._train_end is not None:
            self._train_end(logs)


class FitState:
    """Mutable state of one ``fit`` call, shared with the callbacks."""

    def __init__(self, optimizer):
        self.stop_training = False
        self.optimizer = optimizer
        self.epoch = 0


def _check_positive_int(value, name, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_l2(l2):
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real):
        raise TypeError(f"l2 must be a number >= 0, got {l2!r}")
    if not math.isfinite(l2) or l2 < 0:
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    return float(l2)


def prepare_data(net: Sequential, loss: Loss, X, y, name_X="X", name_y="y"):
    """Check ``X`` and ``y`` against the network and loss; returns arrays in the net's dtype.

    Float32 data turns a float64 network into float32 (float32 end to end); any
    other data is cast to the network's dtype.
    """
    X = check_X(X, name=name_X, n_features=net.n_inputs)
    if X.dtype == np.float32 and net.dtype == np.float64:
        net.astype(np.float32)
    X = np.asarray(X, dtype=net.dtype)
    classification = isinstance(loss, SoftmaxCrossEntropy)
    y = check_targets(y, X.shape[0], net.n_outputs, classification, name=name_y, dtype=net.dtype)
    return X, y


def _labels(y: np.ndarray) -> np.ndarray:
    return y if y.ndim == 1 else np.argmax(y, axis=1)


def evaluate(net: Sequential, loss: Loss, X, y, l2: float = 0.0) -> dict:
    """Data loss, penalty, their sum and (for classification) accuracy at the current parameters."""
    out = net.forward(X)
    data_loss = loss.forward(out, y)
    pen = net.penalty(l2)
    logs = {"loss": data_loss + pen, "data_loss": data_loss, "penalty": pen}
    if isinstance(loss, SoftmaxCrossEntropy):
        logs["accuracy"] = float(np.mean(np.argmax(out, axis=1) == _labels(y)))
    return logs


def _progress(verbose, epochs):
    """A tqdm bar over the epochs when asked for (verbose >= 1) and worth showing."""
    if not verbose or epochs < 2:
        return None
    from tqdm.auto import tqdm

    return tqdm(
        total=epochs,
        unit="epoch",
        file=sys.stderr,
        leave=True,
        mininterval=0.25,
        dynamic_ncols=True,
    )


def fit(
    net: Sequential,
    loss: Loss,
    X,
    y,
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    l2: float = 0.0,
    validation_data=None,
    callbacks=None,
    verbose: int = 0,
) -> History:
    """Train ``net`` on ``(X, y)`` and return the per-epoch ``History``.

    Parameters
    ----------
    net : Sequential
    loss : Loss, e.g. ``SoftmaxCrossEntropy()`` or ``MeanSquaredError()``
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) (class labels or one output), or
        (n_samples, n_outputs) (one-hot rows, or several outputs)
    optimizer : Optimizer, default ``SGD(lr=0.01)``
    epochs : int, passes over the data
    batch_size : int or None
        None: one full-batch step per epoch (the post). An int: minibatches of that
        size, the last one smaller; a size above ``n_samples`` is clipped to it.
    shuffle : bool, reshuffle the minibatches every epoch (ignored for full batch)
    seed : int or None, seeds the shuffling
    l2 : float, the weight penalty ``l2/2 * sum ||W||^2`` (``reg_lambda`` in the post)
    validation_data : (X_val, y_val) or None, evaluated after every epoch
    callbacks : list of Callback
    verbose : int, 0 silent, 1 a progress bar with the current loss

    Returns
    -------
    History
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a glassnet Sequential, got {type(net).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(f"loss must be a glassnet Loss, got {type(loss).__name__}")
    optimizer = SGD(lr=0.01) if optimizer is None else optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a glassnet Optimizer, got {type(optimizer).__name__}")
    epochs = _check_positive_int(epochs, "epochs")
    batch_size = _check_positive_int(batch_size, "batch_size", allow_none=True)
    l2 = _check_l2(l2)
    X, y = prepare_data(net, loss, X, y)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, y_val)")
        Xv, yv = prepare_data(net, loss, *validation_data, name_X="X_val", name_y="y_val")
    n = X.shape[0]
    if batch_size is not None and batch_size >= n:
        batch_size = None
    classification = isinstance(loss, SoftmaxCrossEntropy)
    labels = _labels(y) if classification else None
    rng = np.random.default_rng(seed)

    history = History()
    state = FitState(optimizer)
    callbacks = list(callbacks or [])
    for cb in callbacks:
        cb.net, cb.history, cb.fit_state = net, history, state
        cb.on_train_begin()
    bar = _progress(verbose, epochs)
    theta, grad = net.theta, net.grad
    try:
        for epoch in range(epochs):
            state.epoch = epoch
            pen = net.penalty(l2)
            lr = optimizer.lr
            if batch_size is None:
                out = net.forward(X, training=True)
                data_loss = loss.forward(out, y)
                if classification:
                    correct = np.count_nonzero(out.argmax(axis=1) == labels)
                net.backward(loss.backward())
                net.add_penalty_grad(l2)
                optimizer.step(theta, grad)
            else:
                data_loss, correct = _minibatch_epoch(
                    net, loss, X, y, labels, optimizer, batch_size, shuffle, rng, l2
                )
            logs = {"loss": data_loss + pen, "data_loss": data_loss, "penalty": pen, "lr": lr}
            if classification:
                logs["accuracy"] = correct / n
            if validation_data is not None:
                v = evaluate(net, loss, Xv, yv)
                logs["val_loss"] = v["data_loss"]
                if classification:
                    logs["val_accuracy"] = v["accuracy"]
            history.append(epoch, logs)
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if bar is not None:
                bar.update(1)
                if epoch % max(1, epochs // 100) == 0 or epoch == epochs - 1:
                    bar.set_postfix(loss=f"{logs['loss']:.6f}", refresh=False)
            if state.stop_training:
                history.stopped_epoch = epoch
                break
    finally:
        if bar is not None:
            bar.close()
    final = history.last()
    for cb in callbacks:
        cb.on_train_end(final)
    return history


def _minibatch_epoch(net, loss, X, y, labels, optimizer, batch_size, shuffle, rng, l2):
    """One epoch of minibatch steps; returns (epoch data loss, correct predictions).

    Batches are gathered with ``np.take`` into buffers allocated once per epoch: the
    data set itself is never copied, only an index permutation is drawn.
    """
    n = X.shape[0]
    order = rng.permutation(n) if shuffle else np.arange(n)
    classification = labels is not None
    total = 0.0
    div = 0.0
    correct = 0
    theta, grad = net.theta, net.grad
    xbuf = np.empty((batch_size,) + X.shape[1:], dtype=X.dtype)
    ybuf = np.empty((batch_size,) + y.shape[1:], dtype=y.dtype)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        m = idx.size
        xb = np.take(X, idx, axis=0, out=xbuf[:m])
        yb = np.take(y, idx, axis=0, out=ybuf[:m])
        out = net.forward(xb, training=True)
        batch_loss = loss.forward(out, yb)
        scale = m if loss.reduction == "mean" else 1.0
        total += batch_loss * scale
        div += scale
        if classification:
            correct += np.count_nonzero(out.argmax(axis=1) == labels[idx])
        net.backward(loss.backward())
        net.add_penalty_grad(l2)
        optimizer.step(theta, grad)
    data_loss = total / div if loss.reduction == "mean" else total
    return data_loss, correct
