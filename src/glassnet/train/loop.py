"""The inner loops of ``fit``: gradient steps (full batch or minibatches) and L-BFGS.

Kept apart from ``fit``'s argument checking so that the arithmetic of a step can be
read in one place. ``_Context.grad_step`` is the whole objective's gradient on a batch.
"""

from __future__ import annotations

import math

import numpy as np

from .callbacks import r2_parts
from .diagnostics import DivergenceError


def _labels(y: np.ndarray) -> np.ndarray:
    return y if y.ndim == 1 else np.argmax(y, axis=1)


class _Context:
    """The data and settings of one run, and the objective's gradient on a batch."""

    def __init__(self, net, loss, X, y, w, l2, clip_norm, classification, l2_per_example=False):
        self.net, self.loss, self.X, self.y, self.w = net, loss, X, y, w
        self.l2, self.clip_norm, self.classification = l2, clip_norm, classification
        self.l2_per_example = l2_per_example
        self.labels = _labels(y) if classification else None
        self.ss_tot = None if classification else r2_parts(y)

    def grad_step(self, xb, yb, wb, labels_b):
        """Forward and backward on one batch; returns (batch loss, correct or SSE)."""
        net, loss = self.net, self.loss
        out = net.forward(xb, training=True)
        value = loss.forward(out, yb, wb)
        if self.classification:
            metric = loss.count_correct(labels_b)
        else:
            d = loss._diff
            metric = float(np.einsum("ij,ij->", d, d))
        net.backward(loss.backward())
        net.add_penalty_grad(self.batch_l2(xb.shape[0], wb))
        if self.clip_norm is not None:
            g = net.grad
            norm = math.sqrt(float(np.dot(g, g)))
            if norm > self.clip_norm:
                g *= self.clip_norm / norm
        return value, metric

    def batch_l2(self, m, wb) -> float:
        """The L2 strength of a batch of ``m`` rows: ``l2``, or with ``l2_per_example``
        ``l2 / m`` (``l2 / sum(w)`` with weights), scikit-learn's scaling of ``alpha``."""
        if not self.l2_per_example or not self.l2:
            return self.l2
        return self.l2 / (m if wb is None else float(wb.sum()))

    def metric_value(self, metric) -> float:
        """Accuracy from a count of correct examples, or R^2 from a sum of squared errors."""
        if self.classification:
            return metric / self.X.shape[0]
        return 1.0 - metric / self.ss_tot if self.ss_tot > 0 else 0.0

    @property
    def metric_name(self) -> str:
        return "accuracy" if self.classification else "r2"

    def logs(self, data_loss, pen, lr, metric):
        return {
            "loss": data_loss + pen,
            "data_loss": data_loss,
            "penalty": pen,
            "lr": lr,
            self.metric_name: self.metric_value(metric),
        }


class GradientRun:
    """The gradient loop of ``fit`` (full batch or minibatches), with the state that a
    checkpoint needs to continue it exactly: the shuffling generator, this epoch's
    order of the rows, the next batch's position in it and the epoch's running sums.

    A run interrupted between two minibatches stops with ``pos`` > 0; a run built
    from a checkpoint with ``pos`` > 0 finishes that epoch from the batch it reached,
    without drawing a new order, so that the result is the uninterrupted run's.
    """

    def __init__(self, ctx, optimizer, schedule, batch_size, shuffle, seed):
        self.ctx, self.optimizer, self.schedule = ctx, optimizer, schedule
        self.batch_size, self.shuffle = batch_size, shuffle
        self.legacy = isinstance(seed, np.random.RandomState)
        self.rng = seed if self.legacy else np.random.default_rng(seed)
        n = ctx.X.shape[0]
        self.order = np.arange(n)
        self.epoch = None  # the epoch in progress (or the last one finished)
        self.pos = 0  # next batch start within the epoch; 0: at an epoch boundary
        self.sums = [0.0, 0.0, 0.0, 0.0]  # loss, weight, metric, penalty of the epoch so far
        self.lr = None  # the learning rate of the epoch in progress
        # two snapshots of theta (the starts of this and the previous epoch), so that a
        # diverged run can be rolled back to its last good parameters
        theta = ctx.net.theta
        self.snaps = [np.empty_like(theta), np.empty_like(theta)]
        self.resume_mid_epoch = False

    def run(self, initial_epoch, epochs, state, watch, end_of_epoch, light_history=None):
        """Train from ``initial_epoch`` up to ``epochs``.

        ``light_history``: when the History is the only thing that needs an epoch's
        results (no validation, callbacks, plateau schedule, checkpoint or progress bar),
        full-batch epochs append to it directly instead of building a logs dict and
        calling ``end_of_epoch``: on the post's network that is a sixth of a step.
        """
        ctx, optimizer, schedule = self.ctx, self.optimizer, self.schedule
        net = ctx.net
        theta, grad = net.theta, net.grad
        n = ctx.X.shape[0]
        batch_size, rng = self.batch_size, self.rng
        mean = ctx.loss.reduction == "mean"
        if batch_size is not None:
            xbuf = np.empty((batch_size,) + ctx.X.shape[1:], dtype=ctx.X.dtype)
            ybuf = np.empty((batch_size,) + ctx.y.shape[1:], dtype=ctx.y.dtype)
        elif ctx.classification:
            ctx.loss.fix_targets(ctx.y, net.dtype)  # the same labels every epoch
        penalty, l2_full = net.penalty, ctx.batch_l2(n, ctx.w)
        for epoch in range(initial_epoch, epochs):
            state.epoch = self.epoch = epoch
            mid = self.resume_mid_epoch and epoch == initial_epoch
            if not mid:
                np.copyto(self.snaps[epoch & 1], theta)
                if schedule is not None:
                    optimizer.lr = schedule(epoch)
                self.lr = optimizer.lr
            else:
                optimizer.lr = self.lr
            lr = self.lr
            if batch_size is None:
                pen = penalty(l2_full)
                data_loss, metric = ctx.grad_step(ctx.X, ctx.y, ctx.w, ctx.labels)
                optimizer.step(theta, grad)
                if light_history is not None:
                    total = data_loss + pen
                    try:
                        watch.check(epoch, total)
                    except DivergenceError:
                        theta[...] = self.snaps[(epoch - 1) & 1 if epoch > initial_epoch else 0]
                        raise
                    light_history.append_row(
                        epoch, total, data_loss, pen, lr, ctx.metric_value(metric)
                    )
                    if state.stop_training or state.interrupted:
                        return
                    continue
            else:
                if mid:
                    total, div, metric, pen_total = self.sums
                else:
                    self.pos = 0
                    if self.shuffle and self.legacy:
                        # scikit-learn's way: permute the previous order with RandomState.shuffle
                        perm = np.arange(n)
                        rng.shuffle(perm)
                        self.order = self.order[perm]
                    elif self.shuffle:
                        self.order = rng.permutation(n)
                    total = div = metric = pen_total = 0.0
                order = self.order
                for start in range(self.pos, n, batch_size):
                    idx = order[start : start + batch_size]
                    m = idx.size
                    xb = np.take(ctx.X, idx, axis=0, out=xbuf[:m])
                    yb = np.take(ctx.y, idx, axis=0, out=ybuf[:m])
                    wb = None if ctx.w is None else ctx.w[idx]
                    lb = None if ctx.labels is None else ctx.labels[idx]
                    pen_b = net.penalty(ctx.batch_l2(m, wb))
                    value, mt = ctx.grad_step(xb, yb, wb, lb)
                    optimizer.step(theta, grad)
                    scale = (m if wb is None else float(wb.sum())) if mean else 1.0
                    total += value * scale
                    pen_total += pen_b * scale
                    div += scale
                    metric += mt
                    if state.interrupted:
                        self.pos = start + m
                        self.sums = [total, div, metric, pen_total]
                        if self.pos < n:
                            return
                self.pos = 0
                data_loss = total / div if mean and div else total
                # the penalty as the batches saw it, averaged like the data loss
                pen = pen_total / div if mean and div else pen_total
            logs = ctx.logs(data_loss, pen, lr, metric)
            try:
                watch.check(epoch, logs["loss"])
            except DivergenceError:
                good = (
                    self.snaps[(epoch - 1) & 1] if epoch > initial_epoch else self.snaps[epoch & 1]
                )
                theta[...] = good
                raise
            end_of_epoch(epoch, logs)
            if state.stop_training or state.interrupted:
                return


def _run_lbfgs(ctx, optimizer, initial_epoch, epochs, state, watch, end_of_epoch):
    net = ctx.net
    cache = {}

    def fun(vec):
        net.theta[...] = vec
        pen = net.penalty(ctx.batch_l2(ctx.X.shape[0], ctx.w))
        value, metric = ctx.grad_step(ctx.X, ctx.y, ctx.w, ctx.labels)
        f = value + pen
        cache.update(x=vec.copy(), logs=ctx.logs(value, pen, float("nan"), metric))
        return f, net.grad.astype(np.float64)

    epoch = [initial_epoch]

    def callback(xk, *args):
        if not np.array_equal(cache.get("x"), xk):
            fun(xk)
        net.theta[...] = xk
        logs = dict(cache["logs"])
        watch.check(epoch[0], logs["loss"])
        end_of_epoch(epoch[0], logs)
        epoch[0] += 1
        if state.stop_training or state.interrupted or epoch[0] >= epochs:
            raise StopIteration

    theta0 = net.theta.astype(np.float64)
    try:
        res = optimizer.minimize(fun, theta0, epochs - initial_epoch, callback)
        net.theta[...] = res.x
    except DivergenceError:
        net.theta[...] = theta0
        raise
