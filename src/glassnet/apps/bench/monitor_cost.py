"""W3 with a ``Monitor``: what leaving ``gn.Monitor(every=10)`` on costs.

Over ``every`` epochs a ``Monitor(every=every)`` does its work once: one record (a
forward pass on 256 rows, norms and histograms per layer) and, during one epoch, a copy
of the parameters before each optimizer step (for the exact update ratio). The check
times that work on W3's network (784-256-10 ReLU, float32, batch 128) and divides it by
the time of ``every`` plain W3 epochs (one epoch timed, best of ``repeat``). Timing the
work itself keeps the figure stable on a loaded machine, where two whole runs differ by
more than the monitor costs. The issue's target: at most 10% slower.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .core import Check
from .large import W3Config, make_data

__all__ = ["monitor_cost", "time_epoch", "time_monitor_work"]


def _fit(net, data, cfg, epochs, callbacks=None):
    import glassnet as gn

    X, y = data
    gn.fit(
        net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.SGD(lr=cfg.lr), epochs=epochs,
        batch_size=cfg.batch_size, shuffle=True, seed=0, callbacks=callbacks, verbose=0,
    )  # fmt: skip


def _net(cfg):
    import glassnet as gn

    return gn.mlp([cfg.d, cfg.h, cfg.k], "relu", seed=0, dtype=np.float32)


def time_epoch(data, cfg: W3Config, repeat: int) -> float:
    """Best time of one plain W3 epoch."""
    best = math.inf
    for _ in range(repeat):
        net = _net(cfg)
        t0 = time.perf_counter()
        _fit(net, data, cfg, 1)
        best = min(best, time.perf_counter() - t0)
    return best


def time_monitor_work(data, cfg: W3Config, every: int, repeat: int) -> float:
    """Best time of what a Monitor adds over ``every`` epochs: one record and one
    epoch's worth of parameter copies."""
    import glassnet as gn

    net = _net(cfg)
    mon = gn.Monitor(every=every)
    _fit(net, data, cfg, 1, [mon])  # sets the monitor up on this run
    steps = math.ceil(cfg.n / cfg.batch_size)
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        mon.record(0)
        for _ in range(steps):
            np.copyto(mon._before, net.theta)
        best = min(best, time.perf_counter() - t0)
    return best


def monitor_cost(cfg: W3Config, every: int = 10, repeat: int = 3, log=None) -> list[Check]:
    """The W3 check "Monitor(every=10) added time", in percent."""
    data = make_data(cfg)
    epoch = time_epoch(data, cfg, repeat)
    work = time_monitor_work(data, cfg, every, repeat)
    added = work / (every * epoch)
    detail = f"monitor work {1e3 * work:.0f} ms per {every} epochs of {epoch:.2f} s"
    if log is not None:
        log(f"  W3 monitor cost: {detail}")
    name = f"Monitor(every={every}) added time"
    return [Check("W3", name, 100 * added, "%", "<= 10%", added <= 0.10, detail)]
