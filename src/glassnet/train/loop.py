"""The training loop that ``fit``, the estimators, the CLI and the playground share.

Every batch is one step, ``step`` below::

    out = net.forward(xb, training=True)      # z1, a1, z2 in the post
    data_loss = loss.forward(out, yb)
    net.backward(loss.backward())             # delta3 = yhat - y, back to dW1, db1
    net.add_penalty_grad(l2)                  # dW += reg_lambda * W
    optimizer.step(net.theta, net.grad)       # W += -epsilon * dW

With ``batch_size=None`` and ``SGD`` this is the post's loop exactly. Around the step,
``TrainingRun`` keeps the bookkeeping: the epoch's order of the rows and its batches,
the epoch's running sums (its loss and metric), what a checkpoint needs to continue
the run exactly (the shuffling generator, the next batch's position), and the
parameters to go back to when the loss goes bad. ``Rules`` holds the few places where
scikit-learn's MLP counts differently from ``fit``; the estimators set them and bring
scikit-learn's stopping rule as the run's end-of-epoch callback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .callbacks import r2_parts
from .diagnostics import DivergenceError

__all__ = [
    "step",
    "Objective",
    "EpochSums",
    "Rules",
    "SKLEARN",
    "TrainingRun",
    "no_weight",
    "sklearn_shuffle",
]

MIN_REFERENCE_ROWS = 8  # the fewest rows whose loss serves as the run's first loss


def step(
    net, loss, xb, yb, wb=None, *, l2=0.0, l1=0.0, clip_norm=None, optimizer=None, reduce=None
):
    """One training step on the batch ``(xb, yb)`` (sample weights ``wb``); returns
    ``(data loss, outputs)``. Without an ``optimizer`` it stops at the gradient
    ``net.grad`` (L-BFGS takes its own steps). ``reduce(grad, data_loss)``, under MPI,
    turns this process's share of the batch into the whole batch's gradient (in place)
    and loss (``glassnet.train.distributed``)."""
    out = net.forward(xb, training=True)  # z1, a1, z2 in the post
    data_loss = loss.forward(out, yb, wb)
    net.backward(loss.backward())  # delta3 = yhat - y, back to dW1, db1
    if reduce is not None:  # MPI: add up the processes' shares (all-reduce)
        data_loss = reduce(net.grad, data_loss)
    net.add_penalty_grad(l2, l1)  # dW += reg_lambda * W
    if clip_norm is not None:
        clip(net.grad, clip_norm)
    if optimizer is not None:
        optimizer.step(net.theta, net.grad)  # W += -epsilon * dW
    return data_loss, out


def clip(g, max_norm: float) -> None:
    """Rescale the gradient ``g`` to at most ``max_norm`` in Euclidean norm."""
    norm = math.sqrt(float(np.dot(g, g)))
    if norm > max_norm:
        g *= max_norm / norm


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
    """What ``step`` minimises on a batch: ``loss(net(X), y) + l2/2 * sum ||W||^2``
    (``+ l1 * sum |W|``), its gradient clipped to ``clip_norm``."""

    def __init__(self, net, loss, l2=0.0, clip_norm=None, l2_per_example=False, l1=0.0):
        self.net, self.loss, self.l1 = net, loss, l1
        self.l2, self.clip_norm, self.l2_per_example = l2, clip_norm, l2_per_example

    def batch_l2(self, m: int, wb) -> float:
        """The L2 strength for a batch of ``m`` rows: ``l2``, or with ``l2_per_example``
        ``l2 / m`` (``l2 / sum(w)`` with weights), scikit-learn's scaling of ``alpha``."""
        if not self.l2_per_example or not self.l2:
            return self.l2
        return self.l2 / (m if wb is None else float(wb.sum()))

    def gradient(self, xb, yb, wb, l2: float, optimizer=None, *, whole=None):
        """``step`` with these settings: fills ``net.grad`` (and steps with
        ``optimizer``, if given); returns ``(data loss, outputs)``. ``whole``, the
        batch's ``(rows, weights)``, matters under MPI only, where ``xb`` is a share of it."""
        return step(
            self.net, self.loss, xb, yb, wb,
            l2=l2, l1=self.l1, clip_norm=self.clip_norm, optimizer=optimizer,
        )  # fmt: skip

    def metric(self, out, yb, labels_b) -> float:
        """Correctly classified rows (classification), or the squared error's sum."""
        if self.loss.classification:
            return int(np.count_nonzero(self.loss.predict_labels(out) == labels_b))
        d = out - yb.reshape(out.shape)
        return float(np.einsum("ij,ij->", d, d))


@dataclass
class EpochSums:
    """The epoch's running sums, batch by batch: the loss (weighted by ``weight``, or
    per row), the weight (rows, total sample weight, or batches), the metric (rows right,
    or the squared error) and the penalty (weighted as the loss)."""

    loss: float = 0.0
    weight: float = 0.0
    metric: float = 0.0
    penalty: float = 0.0


@dataclass(frozen=True)
class Rules:
    """Where scikit-learn's MLP counts differently from ``fit`` (the defaults are fit's).

    shuffle_one_batch : reshuffle the rows every epoch also when they make one batch
        (scikit-learn does: its draws from ``random_state`` count)
    loss_per_row : the epoch's loss is the batches' losses (penalty included) times
        their rows, over all rows (scikit-learn's ``loss_``); else the batches' mean
        losses weighted by their total weight, penalty apart
    metric : record the accuracy (classification) or R^2 of the epoch
    """

    shuffle_one_batch: bool = False
    loss_per_row: bool = False
    metric: bool = True


SKLEARN = Rules(shuffle_one_batch=True, loss_per_row=True, metric=False)


class TrainingRun:
    """One training run around ``step``; also the ``fit_state`` its callbacks see.

    Attributes
    ----------
    history : History
    on_epoch_begin, on_epoch_end : the callbacks' hooks, ``f(epoch)`` (or None) and
        ``f(epoch, logs)``
    optimizer, schedule : what the run steps with
    stop_training : bool, set by a callback to end training after the epoch
    interrupted : str or None, the signal (SIGINT, SIGTERM) that stopped the run
    epoch : int, the epoch in progress (or the last one finished)
    pos : int, the next batch's first row in this epoch's order (0 at an epoch boundary)
    sums : EpochSums, the epoch's running loss, weight, metric and penalty
    watch : LossWatch or None (no divergence check)
    rules : Rules, fit's or scikit-learn's way of counting
    """

    def __init__(self, objective, data, opts, history, watch, on_epoch_end, rules=Rules()):
        self.objective, self.data, self.watch, self.rules = objective, data, watch, rules
        self.optimizer, self.schedule = opts.optimizer, opts.schedule
        self.history, self.on_epoch_end = history, on_epoch_end
        self.on_epoch_begin = None  # or f(epoch), called before an epoch's first batch
        bs = opts.batch_size
        self.batch_size = None if bs is None or bs >= data.n else bs
        self.shuffle = opts.shuffle and (self.batch_size is not None or rules.shuffle_one_batch)
        self.legacy = isinstance(opts.seed, np.random.RandomState)
        self.rng = opts.seed if self.legacy else np.random.default_rng(opts.seed)
        self.order = np.arange(data.n)
        # batches of rows taken in order are the same every epoch: views, cut once
        self.in_order = [] if self.shuffle else data.in_order(self.batch_size or data.n)
        self.stop_training = False
        self.interrupted: str | None = None
        self.epoch = None
        self.pos = 0
        self.sums = EpochSums()
        self.lr = None  # the learning rate of the epoch in progress
        self.last_loss = None  # the last batch's loss, at the scale of an epoch's
        self.resume_mid_epoch = False  # set by Checkpoint.restore
        self.checkpoint_at = None  # (epoch, pos, epochs recorded) of the last checkpoint
        state = objective.net.state  # theta, then the buffers (BatchNorm's statistics)
        # the parameters and buffers at the start of this epoch and of the previous one
        self.epoch_start, self.last_good = state.copy(), state.copy()
        self.metric_name = "accuracy" if data.labels is not None else "r2"
        self.ss_tot = None
        if data.labels is None and rules.metric:  # R^2: under MPI, over every process's rows
            self.ss_tot = r2_parts(data.y) if data.shards is None else data.ss_tot

    # ---------------------------------------------------------------- the loop
    def train(self, initial_epoch: int, epochs: int) -> None:
        """Train from ``initial_epoch`` up to ``epochs`` (or until stopped)."""
        for epoch in range(initial_epoch, epochs):
            self.epoch = epoch
            self.start_epoch(epoch)
            if self.on_epoch_begin is not None:
                self.on_epoch_begin(epoch)
            if not self.run_batches():
                return  # interrupted between two minibatches
            logs = self.epoch_logs()
            self.check_divergence(epoch, logs["loss"])
            self.on_epoch_end(epoch, logs)
            if self.stop_training or self.interrupted:
                return

    def run_batches(self) -> bool:
        """One ``step`` per batch; False when a signal stopped the epoch before its end."""
        obj = self.objective
        for stop, (xb, yb, wb, labels_b) in self.batches():
            m, w = self.whole_batch(self.pos, stop, xb, wb)
            if no_weight(w):  # no data, no step
                self.skip(xb, yb, labels_b)
            else:
                l2 = obj.batch_l2(m, w)
                penalty = obj.net.penalty(l2, obj.l1)  # at the parameters the batch's loss sees
                data_loss, out = obj.gradient(xb, yb, wb, l2, self.optimizer, whole=(m, w))
                metric = obj.metric(out, yb, labels_b) if self.rules.metric else 0
                self.add_to_sums(data_loss, penalty, metric, m, w)
            self.pos = stop
            if self.interrupted and stop < self.data.n:
                return False
        self.pos = 0
        return True

    # ---------------------------------------------------------------- bookkeeping
    def whole_batch(self, start: int, stop: int, xb, wb) -> tuple:
        """The rows and the sample weights (or None) of the batch at ``start:stop`` of the
        epoch's order: ``xb``'s and ``wb``'s; under MPI, where ``xb`` is this process's
        share of the batch, those of the whole batch (``glassnet.train.distributed``)."""
        if self.data.shards is None:
            return xb.shape[0], wb
        return self.data.whole(self.order[start:stop] if self.shuffle else slice(start, stop))

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
        self.sums = EpochSums()
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

    def skip(self, xb, yb, labels_b) -> None:
        """A batch of no weight: no step; only its rows' metric counts (and its rows, for
        scikit-learn's loss per row)."""
        if self.rules.metric:
            obj = self.objective
            self.sums.metric += obj.metric(obj.net.forward(xb, training=True), yb, labels_b)
        if self.rules.loss_per_row:
            self.sums.weight += xb.shape[0]

    def add_to_sums(self, data_loss, penalty, metric, m, wb) -> None:
        """Add a batch's loss to the epoch's sums (and give the divergence watch its
        first loss)."""
        s, mean = self.sums, self.objective.loss.reduction == "mean"
        if self.watch is not None:
            if self.watch.first is None:
                self.first_loss(data_loss + penalty, m, wb, mean)
            self.last_loss = (data_loss + penalty) * (1.0 if mean else self.data.n / m)
        if self.rules.loss_per_row:  # scikit-learn: sum(batch loss * rows) / n
            s.loss += (data_loss + penalty) * m
            weight = m
        else:
            weight = (m if wb is None else float(wb.sum())) if mean else 1.0
            s.loss += data_loss * weight
        s.weight += weight
        s.metric += metric
        s.penalty += penalty * weight

    def first_loss(self, value, m, wb, mean) -> None:
        """Give the divergence watch the run's first loss, at its starting parameters, as
        a reference for the first epoch's (scaled to a whole epoch for a summed loss).
        A batch of under 8 rows, or of no weight, is too noisy a reference: skipped."""
        if m >= min(MIN_REFERENCE_ROWS, self.data.n) and (wb is None or wb.any()):
            self.watch.start(value * (1.0 if mean else self.data.n / m))

    def epoch_logs(self) -> dict:
        """The epoch's history entries from its running sums."""
        s = self.sums
        if self.rules.loss_per_row:
            loss, penalty = s.loss / s.weight, s.penalty / s.weight
            logs = {"loss": loss, "data_loss": loss - penalty, "penalty": penalty}
        else:
            mean = self.objective.loss.reduction == "mean" and s.weight
            data_loss = s.loss / s.weight if mean else s.loss
            penalty = s.penalty / s.weight if mean else s.penalty  # as the batches saw it
            logs = {"loss": data_loss + penalty, "data_loss": data_loss, "penalty": penalty}
        logs["lr"] = self.lr
        if self.rules.metric:
            logs[self.metric_name] = self.epoch_metric(s.metric)
        return logs

    def epoch_metric(self, metric: float) -> float:
        """Accuracy (``metric`` rows right) or R^2 (``metric`` the squared error's sum);
        under MPI ``metric`` counts this process's rows, added up here, once an epoch."""
        if self.data.shards is not None:
            metric = self.data.shards.total(metric)[0]
        if self.ss_tot is None:
            return metric / self.data.n
        return 1.0 - metric / self.ss_tot if self.ss_tot > 0 else 0.0

    def check_divergence(self, epoch: int, loss: float) -> None:
        """Raise ``DivergenceError`` for a bad loss, after going back to the parameters
        at the start of the previous epoch, the last whose loss was good (in the run's
        first epoch, the starting parameters)."""
        if self.watch is None:
            return
        try:
            self.watch.check(epoch, loss, self.last_loss)
        except DivergenceError:
            self.objective.net.state[...] = self.last_good
            raise
