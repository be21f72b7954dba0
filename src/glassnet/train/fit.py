"""``fit``: check the inputs, build the run, loop over the epochs, return the history.

``fit`` minimises ``loss(net(X), y) + l2/2 * sum ||W||^2`` by the steps that
``glassnet.train.loop`` spells out (``glassnet.train.lbfgs`` for ``LBFGS``). With
``batch_size=None`` (full batch) and ``SGD`` this is the post's loop exactly.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np

from ..losses import Loss
from ..network import Sequential
from ..optim import Optimizer
from ..schedules import Schedule
from .callbacks import (
    Callback,
    History,
    LambdaCallback,
    as_callbacks,
    end_training,
    epoch_begin,
    letting_go_on_error,
    start_training,
)
from .checkpoint import Checkpoint, data_fingerprint, load_checkpoint
from .diagnostics import (
    DivergenceError,
    LossWatch,
    graceful_interrupt,
    huge_target,
    say_interrupted,
    warn_large_summed_step,
)
from .inputs import prepare_training_data
from .lbfgs import train_lbfgs
from .loop import Objective, TrainingRun
from .options import FitOptions, check_fit_args
from .reporting import EpochEnd, evaluate, loss_rows, progress_bar

__all__ = ["fit", "evaluate", "History", "Callback", "LambdaCallback", "DivergenceError"]


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
    l1: float = 0.0,
    comm=None,
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
        ``shuffle``. Batches are gathered by index and the data set is not copied (with
        ``validation_fraction``, its training rows are gathered once).
    shuffle : bool
    seed : int, None or numpy.random.RandomState
        Seeds the shuffling and the validation split. A ``RandomState`` is drawn from
        as scikit-learn's MLP draws from its ``random_state``.
    l2 : float, the weight penalty ``l2/2 * sum ||W||^2`` (``reg_lambda`` in the post)
    l1 : float, the weight penalty ``l1 * sum |W|`` (biases not penalised); its gradient
        is the subgradient ``l1 * sign(W)`` (0 at a weight of exactly 0). Not divided by
        the batch size with ``l2_per_example``.
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
        is bit for bit that of the uninterrupted run. ``glassnet.resume``
        rebuilds the objects from the file instead.
    checkpoint_metadata : dict or None
        JSON-able notes stored in the checkpoint (``glassnet train`` stores its arguments).
    min_classes : int, default 2
        Classification labels must hold at least this many distinct classes (a data
        set of one class is an error); 0 turns the check off.
    comm : mpi4py communicator or None
        Train data-parallel on the processes of ``comm`` (``MPI.COMM_WORLD`` under
        ``mpiexec -n N``): each process passes its own shard of the rows (``X``, ``y``,
        ``sample_weight``, ``validation_data``), contiguous ranges in rank order
        (``glassnet.train.distributed.shard`` cuts them), and the run is the run of one
        process on all the rows, up to the order of the sums. See
        ``glassnet.train.distributed``; needs ``pip install "glassnet[mpi]"``.

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

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.moons()
    >>> net = gn.mlp([2, 3, 2], activation="tanh", seed=0)
    >>> loss = gn.SoftmaxCrossEntropy(reduction="sum")
    >>> history = gn.fit(
    ...     net, loss, X, y, optimizer=gn.SGD(lr=0.01), epochs=1000, l2=0.01, verbose=0
    ... )
    >>> len(history), round(history["accuracy"][-1], 3)
    (1000, 0.975)
    """
    opts = check_fit_args(
        net,
        loss,
        optimizer=optimizer,
        schedule=schedule,
        validation_data=validation_data,
        epochs=epochs,
        initial_epoch=initial_epoch,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        l2=l2,
        clip_norm=clip_norm,
        l2_per_example=l2_per_example,
        validation_fraction=validation_fraction,
        verbose=verbose,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
        checkpoint_metadata=checkpoint_metadata,
        min_classes=min_classes,
        l1=l1,
        comm=comm,
    )
    ckpt, data, fingerprint = prepare(
        net, loss, X, y, sample_weight, validation_data, opts, resume_from
    )
    with together(data.shards):
        run, epoch_end = build_run(net, loss, data, opts, callbacks, ckpt, fingerprint)
    train(run, epoch_end, opts)
    return finish(run, epoch_end, opts)


def prepare(net, loss, X, y, sample_weight, validation_data, opts: FitOptions, resume_from):
    """The checkpoint to continue (or None), the checked data and the data's fingerprint
    (None without checkpoints); under MPI, ``(X, y)`` are this process's shard of the rows
    (``glassnet.train.distributed``)."""
    if opts.comm is not None:
        from .shards import prepare_shards

        return prepare_shards(net, loss, X, y, sample_weight, validation_data, opts, resume_from)
    ckpt = checkpoint_to_resume(resume_from, opts)
    data, (X, y) = prepare_training_data(
        net, loss, X, y, sample_weight, validation_data, opts, ckpt
    )
    fingerprint = None
    if opts.checkpoint or ckpt:
        fingerprint = data_fingerprint(X, y, net.input_transform)
    return ckpt, data, fingerprint


def together(shards):
    """Under MPI, an error that the block raises on one process is raised on every one
    (``distributed.agreement``); one process: nothing to agree on."""
    return nullcontext() if shards is None else shards.agreement()


def checkpoint_to_resume(resume_from, opts: FitOptions) -> Checkpoint | None:
    """The checkpoint to continue (None for a new run); sets ``opts.initial_epoch``."""
    ckpt = None
    if resume_from is not None:
        ckpt = resume_from if isinstance(resume_from, Checkpoint) else load_checkpoint(resume_from)
        if opts.initial_epoch:
            raise ValueError("pass initial_epoch or resume_from, not both")
        opts.initial_epoch = ckpt.next_epoch
    if opts.initial_epoch >= opts.epochs:
        what = "the checkpoint reached epoch" if ckpt is not None else "initial_epoch="
        raise ValueError(
            f"{what} {opts.initial_epoch} leaves nothing to do with epochs={opts.epochs}"
            + ("; pass a larger epochs" if ckpt is not None else "")
        )
    return ckpt


def build_run(net, loss, data, opts: FitOptions, callbacks, ckpt, fingerprint):
    """The run's objective, divergence watch, history, callbacks and end-of-epoch work,
    put in the checkpoint's state when resuming. Returns ``(run, epoch_end)``."""
    if opts.lbfgs and opts.batch_size is not None and opts.batch_size < data.n:
        raise ValueError("LBFGS trains on the full batch: use batch_size=None with it")
    if opts.lbfgs and (opts.schedule is not None or opts.clip_norm is not None):
        what = "schedule" if opts.schedule is not None else "clip_norm"
        raise ValueError(f"LBFGS chooses its own steps: {what}= does not apply to it")
    settings = dict(
        l2=opts.l2, clip_norm=opts.clip_norm, l2_per_example=opts.l2_per_example, l1=opts.l1
    )
    if data.shards is None:
        objective = Objective(net, loss, **settings)
    else:  # MPI: each process's share of a batch, added up over the processes
        from .distributed import ShardObjective

        objective = ShardObjective(data.shards, net, loss, **settings)
    warn_large_summed_step(loss, opts.optimizer, min(opts.batch_size or data.n, data.n))
    watch = LossWatch(
        getattr(opts.optimizer, "lr", None) if not opts.lbfgs else None,
        l2=opts.l2,
        huge_target=huge_target(data.y, loss.classification),
        rows=loss_rows(loss, data.n),
    )
    history = History()
    callbacks = [history, *as_callbacks(callbacks)]
    run = TrainingRun(objective, data, opts, history, watch, on_epoch_end=None)
    if opts.lbfgs:
        run.lr = float("nan")
    info = {
        "fit_args": opts.stored(),
        "fingerprint": fingerprint,
        "extra": {**(ckpt.metadata if ckpt else {}), **(opts.checkpoint_metadata or {})},
    }
    rank0 = data.shards is None or data.shards.rank == 0
    bar = progress_bar(opts.verbose if rank0 else 0, opts.epochs - opts.initial_epoch)
    epoch_end = EpochEnd(run, callbacks, opts.checkpoint, opts.checkpoint_every, info, bar)
    run.on_epoch_end, run.on_epoch_begin = epoch_end, epoch_begin(callbacks)
    start_training(callbacks, net, run)
    if ckpt is not None:
        ckpt.restore(run, fingerprint)
    return run, epoch_end


def train(run: TrainingRun, epoch_end: EpochEnd, opts: FitOptions) -> None:
    """Loop over the epochs; Ctrl-C or SIGTERM stop it between two batches (under MPI,
    at the end of the epoch, and an error on one process ends them all)."""
    shards = run.data.shards
    try:
        with letting_go_on_error(epoch_end.callbacks):  # keep neither the run nor its data
            with (
                np.errstate(over="ignore", invalid="ignore", divide="ignore"),
                graceful_interrupt(run if shards is None else shards),
                nullcontext() if shards is None else shards.abort_on_error(),
            ):
                if opts.lbfgs:
                    train_lbfgs(run, opts.initial_epoch, opts.epochs)
                else:
                    run.train(opts.initial_epoch, opts.epochs)
            epoch_end.finish()
    finally:
        if epoch_end.bar is not None:
            epoch_end.bar.close()


def finish(run: TrainingRun, epoch_end: EpochEnd, opts: FitOptions) -> History:
    """Tell the callbacks that training ended; return the history."""
    history = run.history
    history.interrupted = bool(run.interrupted)
    history.interrupted_by = run.interrupted
    if run.interrupted and (run.data.shards is None or run.data.shards.rank == 0):
        say_interrupted(run, len(history), opts.checkpoint)
    end_training(epoch_end.callbacks, history.last())
    return history
