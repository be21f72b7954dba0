"""Watching a training run: divergence, two-value cycles and interruption by signals."""

from __future__ import annotations

import math
import signal
import sys
import threading
import warnings
from contextlib import contextmanager

__all__ = ["DivergenceError", "OscillationWarning", "LossWatch", "graceful_interrupt"]

GROWTH = 1e3  # "orders of magnitude": this many times the best loss so far ...
OVER_START = 10.0  # ... and this many times the first epoch's loss
CYCLE_EPOCHS = 500  # epochs of strict alternation before the cycle warning


class DivergenceError(RuntimeError):
    """Training stopped because the loss became NaN or inf, or grew by orders of magnitude.

    ``fit`` restores the parameters of the last good epoch before raising it;
    ``epoch`` is the epoch where the loss went bad.
    """

    def __init__(self, message: str, epoch: int):
        super().__init__(message)
        self.epoch = epoch


class OscillationWarning(UserWarning):
    """The loss has alternated between two values for many epochs."""


class LossWatch:
    """Checks each epoch's loss: raises ``DivergenceError``, warns once about a cycle."""

    def __init__(self, lr_hint: float | None):
        self.lr_hint = lr_hint
        self.first = None
        self.best = math.inf
        self.prev = self.prev2 = None
        self.prev_d = 0.0
        self.alternating = 0
        self.since = None
        self.warned = False

    def check(self, epoch: int, value: float) -> None:
        if self.first is None:
            self.first = value
        if not math.isfinite(value) or (
            value > GROWTH * self.best and value > OVER_START * abs(self.first)
        ):
            what = (
                "became NaN"
                if math.isnan(value)
                else ("became infinite" if math.isinf(value) else f"grew to {value:.4g}")
            )
            lr = self.lr_hint
            advice = (
                f"try a smaller learning rate (lr={lr:g} now; lr={lr / 10:g}, say)"
                if lr
                else "try a smaller learning rate"
            )
            raise DivergenceError(
                f"training diverged at epoch {epoch}: the loss {what} (it started at "
                f"{self.first:.4g}, best {self.best:.4g}); {advice}, or clip the gradient "
                f"(clip_norm=1.0, --clip-norm 1 on the command line). "
                f"The parameters of the last good epoch were kept.",
                epoch,
            )
        if value < self.best:
            self.best = value
        if self.prev is not None:
            d = value - self.prev
            flat = self.prev2 is not None and abs(value - self.prev2) < 1e-2 * abs(d)
            if d * self.prev_d < 0 and flat:
                if self.alternating == 0:
                    self.since = epoch
                self.alternating += 1
            else:
                self.alternating = 0
            self.prev_d = d
            if self.alternating >= CYCLE_EPOCHS and not self.warned:
                self.warned = True
                lo, hi = sorted((value, self.prev))
                warnings.warn(
                    f"the loss has alternated between two values (about {lo:.6g} and "
                    f"{hi:.6g}) for {self.alternating} epochs since epoch {self.since}: the "
                    f"step is too large to settle in this valley. A smaller learning rate, "
                    f"a decaying schedule or a mean (not summed) loss would let it settle.",
                    OscillationWarning,
                    stacklevel=4,
                )
        self.prev2, self.prev = self.prev, value


@contextmanager
def graceful_interrupt(state, signals=("SIGINT", "SIGTERM")):
    """While active, Ctrl-C (SIGINT) or SIGTERM sets ``state.interrupted`` to the signal's
    name instead of raising, so that the loop stops at the next batch boundary with
    consistent weights. A second Ctrl-C raises ``KeyboardInterrupt`` at once.

    Only the main thread can receive signals; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def handler(signum, frame):
        name = signal.Signals(signum).name
        if state.interrupted and name == "SIGINT":
            raise KeyboardInterrupt
        state.interrupted = name

    for name in signals:
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            previous[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # not allowed here (embedded interpreters)
            pass
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def say_interrupted(state, epochs_done: int, checkpoint=None) -> None:
    sig = "Ctrl-C" if state.interrupted == "SIGINT" else state.interrupted
    where = f"; checkpoint written to {checkpoint}" if checkpoint is not None else ""
    print(
        f"glassnet: training interrupted by {sig} after {epochs_done} epoch(s); "
        f"the weights learned so far and the history are kept{where}.",
        file=sys.stderr,
        flush=True,
    )
