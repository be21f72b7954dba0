"""Watching a training run: divergence, two-value cycles and interruption by signals."""

from __future__ import annotations

import math
import signal
import sys
import threading
from contextlib import contextmanager

import numpy as np

from .._warn import warn

__all__ = ["DivergenceError", "OscillationWarning", "LossWatch", "graceful_interrupt"]

GROWTH = 1e3  # "orders of magnitude": this many times the best loss so far ...
OVER_START = 10.0  # ... and this many times the first epoch's loss
CYCLE_EPOCHS = 500  # epochs of strict alternation before the cycle warning
HUGE_L2 = 1e6  # an L2 strength no sensible run uses


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


class SummedLossWarning(UserWarning):
    """A summed loss with plain SGD on a batch so large that the step is far too big."""


# lr * rows beyond which a summed loss's SGD step is warned about: the post's set-up
# (lr 0.01 on 200 rows) has 2; at 10 the post's defaults already fail on 1,000 rows
SUMMED_STEP_LIMIT = 10.0


def warn_large_summed_step(loss, optimizer, batch_rows: int) -> None:
    """Warn when plain SGD steps on a loss summed over ``batch_rows`` rows with
    ``lr * batch_rows > SUMMED_STEP_LIMIT``: the gradient of a sum grows with the rows, so
    the step that suits the post's 200 rows overshoots on 2,000 (loss 2e5, accuracy 0.6 on
    2,000 spiral rows). Adaptive optimizers (Adam, RMSProp, Adagrad) rescale the gradient."""
    from ..optim import SGD

    lr = getattr(optimizer, "lr", None)
    if getattr(loss, "reduction", None) != "sum" or type(optimizer) is not SGD or not lr:
        return
    if lr * batch_rows <= SUMMED_STEP_LIMIT:
        return
    warn(
        f"the loss is summed over {batch_rows} rows per step with SGD(lr={lr:g}): the step "
        f"grows with the rows ({lr:g} x {batch_rows} = {lr * batch_rows:g}; the post has 2), "
        f"so training will likely oscillate or stall. Use a mean loss (reduction='mean'; "
        f"--reduction mean on the command line) or a learning rate near "
        f"{2 / batch_rows:.2g} (2 / rows), or minibatches",
        SummedLossWarning,
    )


class LossWatch:
    """Checks each epoch's loss: raises ``DivergenceError``, warns once about a cycle.

    The loss is compared with the run's first loss (``start``: the first batch's, at the
    starting parameters), so that a run whose first epoch already blows up (a huge
    learning rate on minibatches) is caught too. The error names the likely cause: huge
    targets, a huge ``l2``, or else the learning rate.

    Parameters
    ----------
    lr_hint : float or None, the learning rate to suggest lowering
    l2 : float, the weight penalty of the run
    huge_target : float or None, the largest ``|y|`` of a regression run whose targets
        are so large that their squares overflow (see ``huge_target``)
    rows : int or None, the rows a summed loss adds up (None for a mean loss): the
        messages then give the loss per row beside the sum
    """

    STATE = ("first", "best", "prev", "prev2", "prev_d", "alternating", "since", "warned")

    def __init__(
        self,
        lr_hint: float | None,
        l2: float = 0.0,
        huge_target: float | None = None,
        rows: int | None = None,
    ):
        self.lr_hint, self.l2, self.huge_target, self.rows = lr_hint, l2, huge_target, rows
        self.first = None
        self.best = math.inf
        self.prev = self.prev2 = None
        self.prev_d = 0.0
        self.alternating = 0
        self.since = None
        self.warned = False

    def state_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.STATE}

    def load_state_dict(self, state: dict) -> None:
        for k in self.STATE:
            if k in state:
                setattr(self, k, state[k])

    def start(self, value: float) -> None:
        """The run's first loss, a reference for the epochs' losses (once per run)."""
        if self.first is None and math.isfinite(value) and value > 0:
            self.first = value
            self.best = value
            self.from_batch = True

    from_batch = False  # the reference is one batch's loss (until the first epoch's check)

    def check(self, epoch: int, value: float, last: float | None = None) -> None:
        """Raise ``DivergenceError`` when the epoch's loss ``value`` is not finite, or
        has grown ``GROWTH`` times past the best so far and ``OVER_START`` times past the
        first. Against a reference of one batch, the epoch's last batch (``last``, at
        the scale of an epoch) must have grown too: a network that starts well trained
        has batches whose loss is near 0, and a later batch that is not is no blow-up,
        where a run that blows up stays up."""
        if self.first is None:
            self.first = value
        grown = value > GROWTH * self.best and value > OVER_START * abs(self.first)
        if grown and self.from_batch and last is not None:
            grown = last > GROWTH * self.best
        self.from_batch = False
        if not math.isfinite(value) or grown:
            raise DivergenceError(self._message(epoch, value), epoch)
        if value < self.best:
            self.best = value
        self._watch_cycle(epoch, value)

    def _message(self, epoch: int, value: float) -> str:
        what = (
            "became NaN"
            if math.isnan(value)
            else ("became infinite" if math.isinf(value) else f"grew to {value:.4g}")
        )
        return (
            f"training diverged at epoch {epoch}: the loss {what} (it started at "
            f"{self.first:.4g}, best {self.best:.4g}); {self._advice()}. "
            f"The parameters of the last good epoch were kept."
        )

    def _advice(self) -> str:
        """What to change: the targets or ``l2`` when they alone overflow, else the step."""
        lr = self.lr_hint
        if self.huge_target is not None:
            return (
                f"the targets are huge (largest |y| = {self.huge_target:.4g}): their squared "
                f"error overflows; scale y first (standardise it, or change its units)"
            )
        # the decay alone overshoots (lr * l2 > 2), and l2, not the step, is the outsized one
        if self.l2 > HUGE_L2 or (lr and self.l2 * lr > 2 and self.l2 > lr):
            rate = f" with lr={lr:g}" if lr else ""
            return (
                f"l2={self.l2:g} is huge: the weight decay alone (W -= lr * l2 * W{rate}) "
                f"overshoots, and the penalty l2/2 * sum ||W||^2 overflows; use a much smaller "
                f"l2 (1e-4 to 1, say)"
            )
        advice = (
            f"try a smaller learning rate (lr={lr:g} now; lr={lr / 10:g}, say)"
            if lr
            else "try a smaller learning rate"
        )
        return f"{advice}, or clip the gradient (clip_norm=1.0, --clip-norm 1 on the command line)"

    def _watch_cycle(self, epoch: int, value: float) -> None:
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
                scale = (
                    f", the loss summed over {self.rows} rows; {lo / self.rows:.6g} and "
                    f"{hi / self.rows:.6g} per row"
                    if self.rows
                    else ", the mean loss per row"
                )
                warn(
                    f"the loss has alternated between two values (about {lo:.6g} and "
                    f"{hi:.6g}{scale}) for {self.alternating} epochs since epoch {self.since}: the "
                    f"step is too large to settle in this valley. A smaller learning rate, "
                    f"a decaying schedule or a mean (not summed) loss would let it settle.",
                    OscillationWarning,
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


def huge_target(y, classification: bool) -> float | None:
    """The largest ``|y|`` of regression targets whose squares come near the dtype's
    largest number (overflow in the squared error), else None."""
    if classification or y.size == 0:
        return None
    largest = float(np.max(np.abs(y)))
    return largest if largest > math.sqrt(np.finfo(y.dtype).max) * 1e-4 else None
