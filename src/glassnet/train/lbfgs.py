"""Training with L-BFGS: SciPy minimises the whole objective over the packed parameters.

SciPy's L-BFGS-B sees one vector ``theta`` and a function returning the objective
``loss(net(X), y) + l2/2 * sum ||W||^2`` and its gradient, always on the full batch.
One L-BFGS iteration is one epoch of the history; the run's ``check_divergence``,
``on_epoch_begin`` (at the iteration's first evaluation) and ``on_epoch_end`` serve it as
they serve the gradient loop.
"""

from __future__ import annotations

import numpy as np

from .loop import EpochSums

__all__ = ["train_lbfgs"]


def train_lbfgs(run, initial_epoch: int, epochs: int):
    """Run ``run.optimizer`` (an ``LBFGS``) for up to ``epochs - initial_epoch`` iterations;
    returns SciPy's result."""
    obj, data = run.objective, run.data
    net = obj.net
    whole = run.whole_batch(0, data.n, data.X, data.w)  # under MPI: every process's rows
    l2 = obj.batch_l2(*whole)
    last = {}  # the last point SciPy evaluated, and its history entries
    epoch, begun = initial_epoch, False  # the iteration in progress; its begin called?

    def objective(theta):
        nonlocal begun
        if not begun and run.on_epoch_begin is not None:
            run.on_epoch_begin(epoch)  # an iteration begins with its first evaluation
        begun = True
        net.theta[...] = theta
        penalty = net.penalty(l2, obj.l1)
        data_loss, out = obj.gradient(data.X, data.y, data.w, l2, whole=whole)
        metric = obj.metric(out, data.y, data.labels) if run.rules.metric else 0
        loss = data_loss + penalty if run.rules.loss_per_row else data_loss
        run.sums = EpochSums(loss=loss, weight=1.0, metric=metric, penalty=penalty)
        last.update(theta=theta.copy(), logs=run.epoch_logs())
        return data_loss + penalty, net.grad.astype(np.float64)

    def end_of_iteration(theta, *args):
        nonlocal epoch, begun
        if not np.array_equal(last.get("theta"), theta):
            objective(theta)
        net.theta[...] = theta
        logs = dict(last["logs"])
        run.epoch = epoch
        run.check_divergence(epoch, logs["loss"])  # goes back to the last good iterate
        np.copyto(run.epoch_start, run.last_good)  # where this iteration started
        np.copyto(run.last_good, net.state)  # theta, then the buffers
        run.on_epoch_end(epoch, logs)
        epoch, begun = epoch + 1, False
        if run.stop_training or run.interrupted:
            raise StopIteration  # (SciPy stops by itself after epochs - initial_epoch)

    theta0 = net.theta.astype(np.float64)
    result = run.optimizer.minimize(objective, theta0, epochs - initial_epoch, end_of_iteration)
    net.theta[...] = result.x
    return result
