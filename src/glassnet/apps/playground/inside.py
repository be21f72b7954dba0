"""Inside the network: the monitor's record, the "one step" button and its numbers.

An epoch of the page is ``fit(..., epochs=1, seed=seed + epoch)``. Its batches are the
training rows in the order ``default_rng(seed + epoch).permutation(n)``, cut into pieces
of ``batch_size`` (in order, as one batch, for the full batch), as ``train.loop``'s
``TrainingRun`` cuts them. ``StepCursor`` walks the same batches one at a time through
``train.loop.step``, the step every epoch takes, so single steps that complete an epoch
leave the network exactly where the epoch would have, and the page's snippet still
reproduces the run.
"""

from __future__ import annotations

import numpy as np

from ...layers import Dense
from ...learn.explain import explain
from ...losses import SoftmaxCrossEntropy, one_hot
from ...train.loop import step
from ...train.monitor import SATURATION, layer_activations
from .views import b64, f4

__all__ = ["StepCursor", "point_numbers", "step_numbers", "monitor_message"]


class StepCursor:
    """The batches of epoch ``epoch`` of a page's run, and the next one to take.

    Parameters
    ----------
    n : int
        Training rows.
    batch_size : int
        The page's batch size (0: the full batch).
    seed, epoch : int
        The run's seed and the epoch in progress: the epoch's order is drawn from
        ``seed + epoch``, as the page's ``fit`` call draws it.
    """

    def __init__(self, n: int, batch_size: int, seed: int, epoch: int):
        size = batch_size if 0 < batch_size < n else n
        if size < n:  # minibatches: shuffled, as fit shuffles them
            order = np.random.default_rng(seed + epoch).permutation(n)
        else:  # the full batch, in order
            order = np.arange(n)
        self.epoch = epoch
        self.batches = [order[i : i + size] for i in range(0, n, size)]
        self.next = 0  # the batch the next step takes

    @property
    def done(self) -> bool:
        """All of the epoch's batches are taken."""
        return self.next >= len(self.batches)

    def take(self, net, loss, X, y, *, l2: float, l1: float, optimizer) -> np.ndarray:
        """One step on the next batch of ``(X, y)``; returns its rows.

        The full batch takes the labels as one-hot rows, as ``fit`` does for batches
        taken in order, so that its step is the epoch's to the last bit."""
        rows = self.batches[self.next]
        xb, yb = X[rows], y[rows]
        if len(self.batches) == 1 and isinstance(loss, SoftmaxCrossEntropy):
            yb = one_hot(yb, net.n_outputs, xb.dtype)
        step(net, loss, xb, yb, l2=l2, l1=l1, optimizer=optimizer)
        self.next += 1
        return rows


def step_numbers(net, rows: np.ndarray, batches: int, taken: int) -> dict:
    """What the page shows after a single step: the batch's rows, which of the epoch's
    ``batches`` it was (``taken``, from 1), and each Dense layer's gradient over the
    batch, ``dW`` (n_in, n_out) and ``db`` (n_out,), the gradient the step used
    (penalty included), as base64 float32 like the frame's weights."""
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    return {
        "rows": rows.tolist(),
        "batch": taken,
        "batches": batches,
        "dW": [b64(f4(layer.dW)) for layer in dense],
        "db": [b64(f4(layer.db)) for layer in dense],
    }


def point_numbers(net, loss, x: np.ndarray, y) -> dict:
    """The network at one point ``x`` with label (or target) ``y``, as ``gn.explain``
    names a training step's numbers there: per Dense layer ``k`` its weighted input
    ``z{k}`` and, for that point's loss, its ``delta{k+1} = dL/dz{k}``; the activations
    ``a`` of the input (``x0``, the features the first layer takes), each hidden layer
    and the output (``probs``, or a regression's ``yhat``). ``explain`` leaves the
    network as it found it, so the gradient of the last step stays."""
    classification = loss.classification
    target = np.array([y]) if classification else np.asarray(y, dtype=float).reshape(1, -1)
    steps = explain(net, type(loss)(), x[None, :], target)
    dense = sum(isinstance(layer, Dense) for layer in net.layers)
    first = steps["x0"] if "x0" in steps else x[None, :]
    out = steps["probs" if classification else "yhat"]
    hidden = [steps[f"a{k}"] for k in range(1, dense)]
    return {
        "z": [_floats(np.asarray(steps[f"z{k}"])[0]) for k in range(1, dense + 1)],
        "a": [_floats(np.asarray(a)[0]) for a in [first, *hidden, out]],
        "delta": [_floats(np.asarray(steps[f"delta{k + 1}"])[0]) for k in range(1, dense + 1)],
        "label": int(y) if classification else float(np.asarray(y).ravel()[0]),
    }


def _floats(a: np.ndarray) -> list:
    """``a`` as (nested) lists of floats for JSON, to 6 significant digits."""
    return np.vectorize(lambda v: float(f"{v:.6g}"), otypes=[float])(a).tolist()


def monitor_message(net, mon, epoch: int) -> dict:
    """The monitor's last record for the page: per layer (the Dense layers, first to
    last) the gradient and weight norms, the update/weight ratio, the activations'
    mean and spread, the saturated and dead shares (None where they do not apply:
    JSON has no NaN), and per hidden layer the indices of dead units (ReLU: zero on
    every sampled row) and of saturated units (tanh/sigmoid: derivative below
    ``SATURATION`` on more than half of the rows)."""
    stats = mon.stats
    msg = {"epoch": epoch, "layers": list(mon.layers)}
    for key, values in stats.items():
        msg[key] = [None if not np.isfinite(v) else float(v) for v in values[-1]]
    ratios = [v for v in msg["update_ratio"] if v is not None]
    msg["update_ratio_median"] = float(np.median(ratios)) if ratios else None
    dead, saturated = [], []
    for a, layer in layer_activations(net, mon.sample)[:-1]:  # hidden layers only
        name = type(layer).__name__
        if name == "ReLU":
            dead.append(np.flatnonzero(~(a > 0).any(axis=0)).tolist())
        else:
            dead.append([])
        slope = 1 - a * a if name == "Tanh" else a * (1 - a) if name == "Sigmoid" else None
        if slope is None:
            saturated.append([])
        else:
            saturated.append(np.flatnonzero((slope < SATURATION).mean(axis=0) > 0.5).tolist())
    msg["dead_units"], msg["saturated_units"] = dead, saturated
    return msg
