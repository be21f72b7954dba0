"""The epoch loop of ``fit``: one loop for the full batch and for minibatches.

A full batch is one batch of all rows. Every batch is one step::

    out = net.forward(xb, training=True)      # z1, a1, z2 in the post
    data_loss = loss.forward(out, yb)
    net.backward(loss.backward())             # delta3 = yhat - y, back to dW1, db1
    net.add_penalty_grad(l2)                  # dW += reg_lambda * W
    optimizer.step(net.theta, net.grad)       # W += -epsilon * dW

With ``batch_size=None`` and ``SGD`` this is the post's loop exactly. ``TrainingRun``
also keeps what a checkpoint needs to continue the run exactly (the shuffling
generator, the epoch's order of the rows, the next batch's position and the epoch's
running sums) and the parameters to go back to when the loss goes bad.
"""

from __future__ import annotations

import math

import numpy as np

from .callbacks import r2_parts
from .diagnostics import DivergenceError

__all__ = ["Objective", "TrainingRun", "no_weight", "sklearn_shuffle"]

MIN_REFERENCE_ROWS = 8  # the fewest rows whose loss serves as the run's first loss


def sklearn_shuffle(order: np.ndarray, rs: np.random.RandomState) -> np.ndarray:
    """``sklearn.utils.shuffle(order, random_state=rs)``, the same draws without its
    argument checks (which cost more than the shuffle): ``order`` permuted by a
    permutation of ``arange(n)`` that ``rs.shuffle`` made."""
    perm = np.arange(order.size)
    rs.shuffle(perm)
    return order[perm]


def no_weight(wb) -> bool:
    """True for a batch whose sample weights are all 0 (their sum is 0: they are >= 0).

    Its weighted mean loss ``sum(w * L) / sum(w)`` is 0/0, and so is scikit-learn's
    ``alpha / sum(w)``: such a batch holds no data, and training skips it. No step is
    taken (the parameters and the optimizer's state stay as they are) and it adds
    nothing to the epoch's loss. (scikit-learn 1.9's MLP raises ZeroDivisionError.)
    """
    return wb is not None and not wb.any()


class Objective:
    """``loss(net(X), y) + l2/2 * sum ||W||^2`` on a batch, and its gradient."""

    def __init__(self, net, loss, l2=0.0, clip_norm=None, l2_per_example=False, l1=0.0):
        self.net, self.loss, self.l1 = net, loss, l1  # l1: the penalty l1 * sum |W|
        self.l2, self.clip_norm, self.l2_per_example = l2, clip_norm, l2_per_example

    def batch_l2(self, m: int, wb) -> float:
        """The L2 strength for a batch of ``m`` rows: ``l2``, or with ``l2_per_example``
        ``l2 / m`` (``l2 / sum(w)`` with weights), scikit-learn's scaling of ``alpha``."""
        if not self.l2_per_example or not self.l2:
            return self.l2
        return self.l2 / (m if wb is None else float(wb.sum()))

    def gradient(self, xb, yb, wb, l2: float):
        """Forward and backward on one batch: fills ``net.grad``; returns
        ``(data loss, outputs)``."""
        net, loss = self.net, self.loss
        out = net.forward(xb, training=True)
        data_loss = loss.forward(out, yb, wb)
        net.backward(loss.backward())
        net.add_penalty_grad(l2, self.l1)
        if self.clip_norm is not None:
            self.clip(net.grad)
        return data_loss, out

    def clip(self, g) -> None:
        """Rescale the gradient ``g`` to at most ``clip_norm`` in Euclidean norm."""
        norm = math.sqrt(float(np.dot(g, g)))
        if norm > self.clip_norm:
            g *= self.clip_norm / norm

    def metric(self, out, yb, labels_b) -> float:
        """Correctly classified rows (classification), or the squared error's sum."""
        if self.loss.classification:
            return int(np.count_nonzero(self.loss.predict_labels(out) == labels_b))
        d = out - yb.reshape(out.shape)
        return float(np.einsum("ij,ij->", d, d))


class TrainingRun:
    """One ``fit`` call's gradient run; also the ``fit_state`` its callbacks see.

    Attributes
    ----------
    history : History
    optimizer, schedule : what the run steps with
    stop_training : bool, set by a callback to end training after the epoch
    interrupted : str or None, the signal (SIGINT, SIGTERM) that stopped the run
    epoch : int, the epoch in progress (or the last one finished)
    pos : int, the next batch's first row in this epoch's order (0 at an epoch boundary)
    sums : list of 4 floats, the epoch's running loss, weight, metric and penalty
    """

    def __init__(self, objective, data, opts, history, watch, on_epoch_end):
        self.objective, self.data, self.watch = objective, data, watch
        self.optimizer, self.schedule = opts.optimizer, opts.schedule
        self.history, self.on_epoch_end = history, on_epoch_end
        bs = opts.batch_size
        self.batch_size = None if bs is None or bs >= data.n else bs
        self.shuffle = opts.shuffle and self.batch_size is not None
        self.legacy = isinstance(opts.seed, np.random.RandomState)
        self.rng = opts.seed if self.legacy else np.random.default_rng(opts.seed)
        self.order = np.arange(data.n)
        # batches of rows taken in order are the same every epoch: views, cut once
        self.in_order = [] if self.shuffle else data.in_order(self.batch_size or data.n)
        self.stop_training = False
        self.interrupted: str | None = None
        self.epoch = None
        self.pos = 0
        self.sums = [0.0, 0.0, 0.0, 0.0]
        self.lr = None  # the learning rate of the epoch in progress
        self.resume_mid_epoch = False  # set by Checkpoint.restore
        self.checkpoint_at = None  # (epoch, pos, epochs recorded) of the last checkpoint
        state = objective.net.state  # theta, then the buffers (BatchNorm's statistics)
        # the parameters and buffers at the start of this epoch and of the previous one
        self.epoch_start, self.last_good = state.copy(), state.copy()
        self.metric_name = "accuracy" if data.labels is not None else "r2"
        self.ss_tot = None if data.labels is not None else r2_parts(data.y)

    # ---------------------------------------------------------------- the loop
    def train(self, initial_epoch: int, epochs: int) -> None:
        """Train from ``initial_epoch`` up to ``epochs`` (or until stopped)."""
        for epoch in range(initial_epoch, epochs):
            self.epoch = epoch
            self.start_epoch(epoch)
            if not self.run_batches():
                return  # interrupted between two minibatches
            logs = self.epoch_logs()
            self.check_divergence(epoch, logs["loss"])
            self.on_epoch_end(epoch, logs)
            if self.stop_training or self.interrupted:
                return

    def start_epoch(self, epoch: int) -> None:
        """Remember the epoch's starting parameters, set its learning rate, order its rows."""
        if self.resume_mid_epoch:  # a checkpoint stopped inside this epoch: finish it
            self.resume_mid_epoch = False
            self.optimizer.lr = self.lr
            return
        self.last_good, self.epoch_start = self.epoch_start, self.last_good
        np.copyto(self.epoch_start, self.objective.net.state)
        if self.schedule is not None:
            self.optimizer.lr = self.schedule(epoch)
        self.lr = self.optimizer.lr
        self.pos = 0
        self.sums = [0.0, 0.0, 0.0, 0.0]
        if self.shuffle:
            self.order = self.shuffled(self.order)

    def shuffled(self, order: np.ndarray) -> np.ndarray:
        if self.legacy:  # scikit-learn's way: permute the previous order with RandomState
            return sklearn_shuffle(order, self.rng)
        return self.rng.permutation(order.size)

    def batches(self):
        """``(stop, (X, y, w, labels))`` for each remaining batch of the epoch, ``stop``
        being the row after it: views cut before the run when the rows are taken in
        order, rows gathered batch by batch when they are shuffled."""
        size = self.batch_size or self.data.n
        if not self.shuffle:
            return self.in_order[self.pos // size :]
        return self.shuffled_batches(size)

    def shuffled_batches(self, size: int):
        n = self.data.n
        for start in range(self.pos, n, size):
            stop = min(start + size, n)
            yield stop, self.data.batch(self.order[start:stop])

    def run_batches(self) -> bool:
        """One step per batch; False when a signal stopped the epoch before its end."""
        obj, theta, grad = self.objective, self.objective.net.theta, self.objective.net.grad
        mean = obj.loss.reduction == "mean"
        for stop, (xb, yb, wb, labels_b) in self.batches():
            m = xb.shape[0]
            if no_weight(wb):  # no data, no step: only its rows' metric counts
                self.sums[2] += obj.metric(obj.net.forward(xb, training=True), yb, labels_b)
                self.pos = stop
                continue
            l2 = obj.batch_l2(m, wb)
            penalty = obj.net.penalty(l2, obj.l1)  # at the parameters the batch's loss sees
            data_loss, out = obj.gradient(xb, yb, wb, l2)
            metric = obj.metric(out, yb, labels_b)
            self.optimizer.step(theta, grad)
            weight = (m if wb is None else float(wb.sum())) if mean else 1.0
            if self.watch.first is None:
                self.first_loss(data_loss + penalty, m, wb, mean)
            self.add_to_sums(data_loss, weight, metric, penalty)
            self.pos = stop
            if self.interrupted and stop < self.data.n:
                return False
        self.pos = 0
        return True

    def first_loss(self, value, m, wb, mean) -> None:
        """Give the divergence watch the run's first loss, at its starting parameters, as
        a reference for the first epoch's (scaled to a whole epoch for a summed loss).
        A batch of under 8 rows, or of no weight, is too noisy a reference: skipped."""
        if m >= min(MIN_REFERENCE_ROWS, self.data.n) and (wb is None or wb.any()):
            self.watch.start(value * (1.0 if mean else self.data.n / m))

    def add_to_sums(self, data_loss, weight, metric, penalty) -> None:
        s = self.sums
        s[0] += data_loss * weight
        s[1] += weight
        s[2] += metric
        s[3] += penalty * weight

    def epoch_logs(self) -> dict:
        """The epoch's history entries from its running sums."""
        total, weight, metric, penalty = self.sums
        mean = self.objective.loss.reduction == "mean" and weight
        data_loss = total / weight if mean else total
        penalty = penalty / weight if mean else penalty  # as the batches saw it
        if self.ss_tot is None:
            value = metric / self.data.n
        else:
            value = 1.0 - metric / self.ss_tot if self.ss_tot > 0 else 0.0
        return {
            "loss": data_loss + penalty,
            "data_loss": data_loss,
            "penalty": penalty,
            "lr": self.lr,
            self.metric_name: value,
        }

    def check_divergence(self, epoch: int, loss: float) -> None:
        """Raise ``DivergenceError`` for a bad loss, after going back to the parameters
        at the start of the previous epoch, the last whose loss was good (in the run's
        first epoch, the starting parameters)."""
        try:
            self.watch.check(epoch, loss)
        except DivergenceError:
            self.objective.net.state[...] = self.last_good
            raise
