"""``fit``: the training loop.

``fit`` minimises ``loss(net(X), y) + l2/2 * sum ||W||^2`` by repeating, per batch::

    out = net.forward(Xb, training=True)      # z1, a1, z2 in the post
    data_loss = loss.forward(out, yb)
    net.backward(loss.backward())             # delta3 = yhat - y, back to dW1, db1
    net.grad[:n_weights] += l2 * W            # dW += reg_lambda * W
    optimizer.step(net.theta, net.grad)       # W += -epsilon * dW

With ``batch_size=None`` (full batch) and ``SGD`` this is the post's loop exactly.
"""

from __future__ import annotations

import math
import numbers
import sys

import numpy as np

from .._validation import check_X, prepare_data
from ..losses import Loss
from ..network import Sequential
from ..optim import LBFGS, SGD, Optimizer
from ..schedules import ReduceOnPlateau, Schedule
from . import checkpoint as _ckpt
from .callbacks import Callback, History, LambdaCallback, as_callbacks, r2_parts
from .diagnostics import DivergenceError, LossWatch, graceful_interrupt, say_interrupted
from .loop import GradientRun, _Context, _labels, _run_lbfgs

__all__ = ["fit", "evaluate", "History", "Callback", "LambdaCallback", "DivergenceError"]


class FitState:
    """Mutable state of one ``fit`` call, shared with the callbacks."""

    def __init__(self, optimizer, schedule, history):
        self.optimizer = optimizer
        self.history = history
        self.schedule = schedule
        self.stop_training = False
        self.interrupted: str | None = None
        self.epoch = 0
        self.checkpoint_at = None  # (epoch, position, epochs recorded) of the last checkpoint


def _check_int(value, name, low=1, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _check_nonneg(value, name, allow_none=False, positive=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        rule = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {rule}, got {value!r}")
    return float(value)


def evaluate(net: Sequential, loss: Loss, X, y, l2: float = 0.0) -> dict:
    """Data loss, penalty, their sum, and accuracy (classification) or R^2 (regression),
    at the current parameters, in prediction mode (no dropout)."""
    out = net.forward(X)
    data_loss = loss.forward(out, y)
    pen = net.penalty(l2)
    logs = {"loss": data_loss + pen, "data_loss": data_loss, "penalty": pen}
    if loss.classification:
        logs["accuracy"] = float(np.mean(loss.predict_labels(out) == _labels(y)))
    else:
        d = out - y.reshape(out.shape)
        ss_tot = r2_parts(y)
        logs["r2"] = 1.0 - float(np.einsum("ij,ij->", d, d)) / ss_tot if ss_tot > 0 else 0.0
    return logs


def _check_classes(y, min_classes):
    labels = _labels(y)
    found = np.unique(labels)
    if found.size < min_classes:
        raise ValueError(
            f"y holds only {found.size} class(es) ({', '.join(map(str, found[:5]))}); "
            f"training a classifier needs at least {min_classes}"
        )


def _check_checkpoint_path(path):
    from pathlib import Path

    if not isinstance(path, (str, Path)):
        raise TypeError(f"checkpoint must be a file path, got {path!r}")
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"checkpoint={str(path)!r}: folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"checkpoint={str(path)!r} is a folder, not a file name")
    return path


def _split(X, y, fraction, classification, seed):
    from sklearn.model_selection import train_test_split

    if not (isinstance(fraction, numbers.Real) and 0 < fraction < 1):
        raise ValueError(f"validation_fraction must be a number in (0, 1), got {fraction!r}")
    n = X.shape[0]
    n_val = int(math.ceil(fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise ValueError(f"validation_fraction={fraction} leaves no rows to train on ({n} rows)")
    strat = _labels(y) if classification else None
    if strat is not None and (np.bincount(strat).min(initial=n) < 2 or n_val < len(set(strat))):
        strat = None
    idx_tr, idx_val = train_test_split(
        np.arange(n), test_size=n_val, random_state=seed, stratify=strat
    )
    return np.concatenate([idx_tr, idx_val]), len(idx_tr)


def _apply_split(X, y, sample_weight, split):
    """Training rows, their weights and the validation pair from ``split``: the training
    indices followed by the validation indices, and the number of training rows."""
    order, n_tr = split
    n = X.shape[0]
    if order.shape != (n,) or not 0 < n_tr < n or not np.array_equal(np.sort(order), np.arange(n)):
        raise ValueError("the stored validation split does not fit the data")
    idx_tr, idx_val = order[:n_tr], order[n_tr:]
    sw = None if sample_weight is None else sample_weight[idx_tr]
    return X[idx_tr], y[idx_tr], sw, (X[idx_val], y[idx_val])


def _progress(verbose, epochs):
    """A tqdm bar over the epochs: on for verbose >= 1, or for "auto" on a terminal."""
    if verbose == "auto":
        verbose = sys.stderr.isatty() and epochs >= 50
    if not verbose or epochs < 2:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=epochs, unit="epoch", file=sys.stderr, mininterval=0.25, dynamic_ncols=True)


def fit(
    net: Sequential,
    loss: Loss,
    X,
    y,
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | np.random.RandomState | None = None,
    l2: float = 0.0,
    schedule: Schedule | None = None,
    initial_epoch: int = 0,
    validation_data=None,
    validation_fraction: float | None = None,
    callbacks=None,
    clip_norm: float | None = None,
    sample_weight=None,
    l2_per_example: bool = False,
    verbose="auto",
    checkpoint=None,
    checkpoint_every: int = 10,
    resume_from=None,
    checkpoint_metadata: dict | None = None,
    min_classes: int = 2,
) -> History:
    """Train ``net`` on ``(X, y)``; returns the per-epoch ``History``.

    Parameters
    ----------
    net : Sequential
    loss : Loss, ``SoftmaxCrossEntropy()`` (classification) or ``MeanSquaredError()``
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) (labels, or one output) or (n_samples, n_outputs)
        (one-hot rows, or several outputs)
    optimizer : Optimizer, default ``SGD(lr=0.01)``; ``LBFGS()`` trains full batch via SciPy
    epochs : int, train up to this epoch (Keras's convention: epochs ``initial_epoch``
        to ``epochs - 1`` run)
    batch_size : int or None
        None: one full-batch step per epoch (the post). An int: minibatches of that size
        (a size above ``n_samples`` is clipped to it), reshuffled every epoch when
        ``shuffle``. The data set is never copied: batches are gathered by index.
    shuffle : bool
    seed : int, None or numpy.random.RandomState
        Seeds the shuffling and the validation split. A ``RandomState`` is drawn from
        as scikit-learn's MLP draws from its ``random_state``.
    l2 : float, the weight penalty ``l2/2 * sum ||W||^2`` (``reg_lambda`` in the post)
    schedule : Schedule or None, sets ``optimizer.lr = schedule(epoch)`` every epoch
    initial_epoch : int, the epoch to start counting from (to continue a run)
    validation_data : (X_val, y_val), evaluated after every epoch
    validation_fraction : float in (0, 1), hold out this share of ``(X, y)`` instead
    callbacks : list of Callback (or of functions ``f(epoch, logs)``)
    clip_norm : float or None, rescale the gradient to at most this Euclidean norm
    sample_weight : array-like of shape (n_samples,) or None
    l2_per_example : bool
        Divide ``l2`` by each batch's number of examples (its total weight with
        ``sample_weight``): scikit-learn's scaling of ``alpha``. Default False: ``l2`` is
        the post's ``reg_lambda``.
    verbose : "auto", 0 or 1, a progress bar ("auto": on a terminal, for 50+ epochs)
    checkpoint : str or Path or None
        Write a checkpoint here (see ``glassnet.train.checkpoint``): after every
        ``checkpoint_every``-th epoch, when training ends and when it is interrupted
        (between two minibatches if need be). Not with ``LBFGS``.
    checkpoint_every : int, default 10
    resume_from : str, Path or Checkpoint
        Continue the checkpointed run: the network's parameters, the optimizer's and the
        schedule's state, the random generators and the history are loaded into the
        objects passed (which must match the run's), and training goes on from the
        checkpoint's epoch up to ``epochs``. With the same data and settings the result
        is bit for bit that of the uninterrupted run. ``glassnet.train.checkpoint.resume``
        rebuilds the objects from the file instead.
    checkpoint_metadata : dict or None
        JSON-able notes stored in the checkpoint (``glassnet train`` stores its arguments).
    min_classes : int, default 2
        Classification labels must hold at least this many distinct classes (a data
        set of one class is an error); 0 turns the check off.

    Returns
    -------
    History
        Also when Ctrl-C or SIGTERM stopped training: then ``history.interrupted`` is
        True and the weights are those after the last complete step.

    Raises
    ------
    DivergenceError
        The loss became NaN/inf or grew by orders of magnitude; the parameters of the
        last good epoch are restored first.
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a glassnet Sequential, got {type(net).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(f"loss must be a glassnet Loss, got {type(loss).__name__}")
    optimizer = SGD(lr=0.01) if optimizer is None else optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a glassnet Optimizer, got {type(optimizer).__name__}")
    if schedule is not None and not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a glassnet Schedule, got {schedule!r}")
    epochs = _check_int(epochs, "epochs")
    initial_epoch = _check_int(initial_epoch, "initial_epoch", low=0)
    batch_arg = batch_size = _check_int(batch_size, "batch_size", allow_none=True)
    l2 = _check_nonneg(l2, "l2")
    clip_norm = _check_nonneg(clip_norm, "clip_norm", allow_none=True, positive=True)
    checkpoint_every = _check_int(checkpoint_every, "checkpoint_every")
    min_classes = _check_int(min_classes, "min_classes", low=0)
    if validation_data is not None and validation_fraction is not None:
        raise ValueError("pass validation_data or validation_fraction, not both")
    if checkpoint is not None:
        if isinstance(optimizer, LBFGS):
            raise ValueError(
                "checkpoint= needs a stochastic optimizer (SGD, Adam, RMSProp): SciPy's "
                "L-BFGS state cannot be saved"
            )
        checkpoint = _check_checkpoint_path(checkpoint)
    ckpt = None
    if resume_from is not None:
        ckpt = resume_from
        if not isinstance(ckpt, _ckpt.Checkpoint):
            ckpt = _ckpt.load_checkpoint(resume_from)
        if initial_epoch:
            raise ValueError("pass initial_epoch or resume_from, not both")
        initial_epoch = ckpt.next_epoch
    if initial_epoch >= epochs:
        what = "the checkpoint reached epoch" if ckpt is not None else "initial_epoch="
        raise ValueError(
            f"{what} {initial_epoch} leaves nothing to do with epochs={epochs}"
            + ("; pass a larger epochs" if ckpt is not None else "")
        )
    X, y = prepare_data(net, loss, X, y)
    classification = loss.classification
    if classification and min_classes > 1:
        _check_classes(y, min_classes)
    if sample_weight is not None:
        sample_weight = check_X(np.asarray(sample_weight).reshape(-1, 1), "sample_weight")[:, 0]
        if sample_weight.shape[0] != X.shape[0] or (sample_weight < 0).any():
            raise ValueError("sample_weight must hold one number >= 0 per row of X")
        sample_weight = sample_weight.astype(net.dtype)
    fingerprint = None
    if checkpoint is not None or ckpt is not None:
        fingerprint = _ckpt.data_fingerprint(X, y)
    split = None
    if validation_fraction is not None:
        if ckpt is not None and "val_index" in ckpt.arrays:
            split = (ckpt.arrays["val_index"], int(ckpt.meta.get("n_train", 0)))
        else:
            split = _split(X, y, validation_fraction, classification, seed)
        X, y, sample_weight, validation_data = _apply_split(X, y, sample_weight, split)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, y_val)")
        Xv, yv = prepare_data(net, loss, *validation_data, name_X="X_val", name_y="y_val")
    n = X.shape[0]
    if batch_size is not None and batch_size >= n:
        batch_size = None
    if isinstance(optimizer, LBFGS) and batch_size is not None:
        raise ValueError("LBFGS trains on the full batch: use batch_size=None with it")

    history = History()
    state = FitState(optimizer, schedule, history)
    callbacks = [history, *as_callbacks(callbacks)]
    for cb in callbacks:
        cb.net, cb.fit_state = net, state
        cb.on_train_begin()
    ctx = _Context(net, loss, X, y, sample_weight, l2, clip_norm, classification, l2_per_example)
    bar = _progress(verbose, epochs - initial_epoch)
    watch = LossWatch(getattr(optimizer, "lr", None))

    run = None
    if not isinstance(optimizer, LBFGS):
        run = GradientRun(ctx, optimizer, schedule, batch_size, shuffle, seed)
    if ckpt is not None:
        ckpt.restore(net, loss, state, run, watch, fingerprint)
    fit_args = {
        "epochs": epochs,
        "batch_size": batch_arg,
        "shuffle": bool(shuffle),
        "seed": "RandomState" if isinstance(seed, np.random.RandomState) else seed,
        "l2": l2,
        "clip_norm": clip_norm,
        "l2_per_example": bool(l2_per_example),
        "validation_fraction": validation_fraction,
        "checkpoint_every": checkpoint_every,
    }
    extra = dict(ckpt.metadata) if ckpt is not None else {}
    extra.update(checkpoint_metadata or {})

    def write_checkpoint():
        _ckpt.Checkpoint.capture(
            state, run, watch, net, loss, fit_args, fingerprint, split, extra
        ).write(checkpoint)
        state.checkpoint_at = (run.epoch, run.pos, len(history))

    def end_of_epoch(epoch, logs):
        if validation_data is not None:
            v = evaluate(net, loss, Xv, yv)
            logs["val_loss"] = v["data_loss"]
            key = "accuracy" if classification else "r2"
            logs["val_" + key] = v[key]
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs)
        if state.stop_training and history.stopped_epoch is None:
            history.stopped_epoch = epoch
        if isinstance(schedule, ReduceOnPlateau):
            schedule.update(logs.get(schedule.monitor, logs["loss"]))
        if checkpoint is not None and (epoch + 1) % checkpoint_every == 0:
            write_checkpoint()
        if bar is not None:
            bar.update(1)
            if bar.n % max(1, bar.total // 100) == 0 or bar.n == bar.total:
                bar.set_postfix(loss=f"{logs['loss']:.6g}", refresh=False)

    try:
        with (
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
            graceful_interrupt(state),
        ):
            if run is None:
                _run_lbfgs(ctx, optimizer, initial_epoch, epochs, state, watch, end_of_epoch)
            else:
                light = (
                    validation_data is None
                    and len(callbacks) == 1
                    and not isinstance(schedule, ReduceOnPlateau)
                    and checkpoint is None
                    and bar is None
                )
                if light:
                    history.start_rows(ctx.metric_name)
                run.run(
                    initial_epoch,
                    epochs,
                    state,
                    watch,
                    end_of_epoch,
                    light_history=history if light else None,
                )
        if checkpoint is not None and state.checkpoint_at != (run.epoch, run.pos, len(history)):
            write_checkpoint()  # the end of training, or where an interruption stopped it
    finally:
        loss.fix_targets(None)
        if bar is not None:
            bar.close()
    history.interrupted = bool(state.interrupted)
    history.interrupted_by = state.interrupted
    if state.interrupted:
        say_interrupted(state, len(history), checkpoint)
    final = history.last()
    for cb in callbacks:
        cb.on_train_end(final)
    return history
