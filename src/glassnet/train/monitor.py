"""``Monitor``: what happens inside each layer while ``fit`` trains.

Every ``every`` epochs the monitor records, for each Dense layer ``k`` (the network's
"layers" here: ``W`` and what comes out of the activation that follows it)::

    grad_norm     ||dW||        the gradient of the epoch's last step (with the penalty)
    weight_norm   ||W||
    update_ratio  ||W_after - W_before|| / ||W_after||   over that last step
    act_mean      mean of a     a = the layer's activation on a fixed sample of rows
    act_std       std of a
    saturated     share of the entries of a where f'(z) < 0.05 (tanh, sigmoid; else NaN)
    dead          share of units that are 0 on every row of the sample (ReLU; else NaN)

and histograms of ``a`` and of ``dW``. The output layer's "activation" is its output
(the logits). The sample (``sample_size`` rows of the training data, drawn once) goes
through the network in prediction mode (no dropout; BatchNorm uses its running
statistics), so that the statistics of two records are comparable.

Norms are Euclidean (Frobenius for matrices). CS231n's rule of thumb: an update ratio
near 1e-3 is healthy; 1e-1 means the learning rate is too large, 1e-6 too small.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .._checks import Interval, check_params
from ..activations import Activation, ReLU, Sigmoid, Tanh
from ..layers import Dense
from ..optim import LBFGS
from .callbacks import Callback

__all__ = ["Monitor", "STATS", "layer_activations", "activation_stats"]

STATS = ("grad_norm", "weight_norm", "update_ratio", "act_mean", "act_std", "saturated", "dead")
SATURATION = 0.05  # a unit is saturated where its derivative is below this


def _dense_groups(net) -> list[tuple[int, int]]:
    """``(index of the Dense layer, index of the layer whose output is its activation)``:
    the first activation after the Dense (past a BatchNorm or Dropout) before the next
    Dense, or the Dense itself when there is none (the output layer)."""
    groups = []
    layers = net.layers
    for i, lay in enumerate(layers):
        if not isinstance(lay, Dense):
            continue
        out = i
        for j in range(i + 1, len(layers)):
            if isinstance(layers[j], Dense):
                break
            if isinstance(layers[j], Activation):
                out = j
                break
        groups.append((i, out))
    return groups


def layer_activations(net, X: np.ndarray) -> list[tuple[np.ndarray, object]]:
    """Each Dense layer's activation on ``X`` in prediction mode, with the layer that
    made it: ``[(a of shape (n, n_out), layer), ...]``."""
    outs = []
    x = net.transform_input(np.asarray(X, dtype=net.dtype))  # raw X as the first layer sees it
    for layer in net.layers:
        x = layer.forward(x, False)
        outs.append(x)
    return [(outs[j], net.layers[j]) for _, j in _dense_groups(net)]


def activation_stats(a: np.ndarray, layer) -> tuple[float, float, float, float]:
    """``(mean, std, saturated, dead)`` of one layer's activations ``a`` (n, units)."""
    saturated = dead = float("nan")
    if isinstance(layer, Tanh):
        saturated = float(np.mean(1 - a * a < SATURATION))
    elif isinstance(layer, Sigmoid):
        saturated = float(np.mean(a * (1 - a) < SATURATION))
    elif isinstance(layer, ReLU):
        dead = float(np.mean(~(a > 0).any(axis=0)))
    return float(a.mean()), float(a.std()), saturated, dead


class Monitor(Callback):
    """Record per-layer statistics every ``every`` epochs of ``fit``.

    Parameters
    ----------
    every : int, record at the epochs that are a multiple of ``every`` (0, every, ...)
    sample_size : int, rows of the training data the activations are measured on
    bins : int, bins of the histograms
    seed : int, draws the sample

    Attributes
    ----------
    epochs : list of int, the epochs recorded
    layers : list of str, the Dense layers' weight names ("0.W", "2.W", ...)
    stats : dict of str -> ndarray of shape (records, n_layers), one per name in ``STATS``
    act_hist, grad_hist : list (per record) of lists (per layer) of ``(counts, edges)``

    Notes
    -----
    The update of the last step is exact: during an epoch to be recorded the monitor
    keeps a copy of the parameters before each optimizer step (one array copy per
    step). Training with ``LBFGS`` takes no single steps: there it is the epoch's
    update.

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.moons()
    >>> net = gn.mlp([2, 3, 2], activation="tanh", seed=0)
    >>> mon = gn.Monitor(every=10)
    >>> _ = gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, callbacks=[mon], epochs=200, verbose=0)
    >>> mon.layers, mon.epochs[:3], mon.epochs[-1]
    (['0.W', '2.W'], [0, 10, 20], 190)
    >>> mon.stats["grad_norm"].shape      # (records, layers): one gradient norm per layer
    (20, 2)
    """

    CONSTRAINTS = {  # glassnet._checks
        "every": Interval(Integral, 1, None),
        "sample_size": Interval(Integral, 1, None),
        "bins": Interval(Integral, 1, None),
    }

    def __init__(self, every: int = 10, sample_size: int = 256, bins: int = 30, seed: int = 0):
        values = {"every": every, "sample_size": sample_size, "bins": bins}
        checked = check_params(values, self.CONSTRAINTS)
        self.every, self.sample_size, self.bins = (checked[k] for k in values)
        self.seed = seed
        self.epochs: list[int] = []
        self._rows: dict[str, list[list[float]]] = {k: [] for k in STATS}
        self.act_hist: list[list] = []
        self.grad_hist: list[list] = []

    # ---------------------------------------------------------------- fit's hooks
    def on_train_begin(self):
        net, run = self.net, self.fit_state
        self._groups = _dense_groups(net)
        self.layers = [f"{i}.W" for i, _ in self._groups]
        X = run.data.X
        rng = np.random.default_rng(self.seed)
        n = X.shape[0]
        rows = rng.choice(n, self.sample_size, replace=False) if n > self.sample_size else None
        self.sample = X if rows is None else X[np.sort(rows)]
        self._before = net.theta.copy()  # the parameters before the last step
        self._armed = True  # copy before each step of the coming epoch
        self._optimizer = opt = run.optimizer
        self._previous = vars(opt).get("step")  # a step set on the instance, if any
        # the step to run inside: a stale monitor's (left by a run that raised) is skipped
        inner = getattr(self._previous, "monitored_step", None) or opt.step

        def step(theta, grad):
            if self._armed:
                np.copyto(self._before, theta)
            inner(theta, grad)

        step.monitored_step = inner
        opt.step = step  # an instance attribute: the optimizer's own step runs inside it
        self._wrapped = step

    def on_epoch_end(self, epoch, logs):
        if epoch % self.every == 0:
            self.record(epoch)
        self._armed = (epoch + 1) % self.every == 0

    def on_train_end(self, logs):
        opt = self._optimizer
        if vars(opt).get("step") is self._wrapped:
            if self._previous is None or hasattr(self._previous, "monitored_step"):
                del opt.step
            else:
                opt.step = self._previous

    # ---------------------------------------------------------------- the record
    def record(self, epoch: int) -> None:
        """Measure every layer now and append a record for ``epoch``."""
        net = self.net
        if isinstance(self._optimizer, LBFGS):
            before = self.fit_state.epoch_start  # no single steps: the epoch's update
        else:
            before = self._before
        acts = layer_activations(net, self.sample)
        row = {k: [] for k in STATS}
        act_h, grad_h = [], []
        for (i, _), (a, layer) in zip(self._groups, acts):
            sl = net.slices[f"{i}.W"]
            W, dW, W0 = net.theta[sl], net.grad[sl], before[sl]
            w_norm = float(np.linalg.norm(W))
            row["grad_norm"].append(float(np.linalg.norm(dW)))
            row["weight_norm"].append(w_norm)
            row["update_ratio"].append(float(np.linalg.norm(W - W0)) / w_norm if w_norm else 0.0)
            mean, std, saturated, dead = activation_stats(a, layer)
            for key, value in zip(STATS[3:], (mean, std, saturated, dead)):
                row[key].append(value)
            act_h.append(np.histogram(a, bins=self.bins))
            grad_h.append(np.histogram(dW, bins=self.bins))
        for key in STATS:
            self._rows[key].append(row[key])
        self.act_hist.append(act_h)
        self.grad_hist.append(grad_h)
        self.epochs.append(int(epoch))

    @property
    def stats(self) -> dict[str, np.ndarray]:
        """``{name: ndarray of shape (records, n_layers)}`` for each name in ``STATS``."""
        n = len(getattr(self, "layers", []))
        return {k: np.array(v, dtype=float).reshape(len(v), n) for k, v in self._rows.items()}

    def summary(self) -> str:
        """The last record, one line per layer."""
        if not self.epochs:
            return "Monitor: nothing recorded yet"
        s = self.stats
        lines = [f"epoch {self.epochs[-1]}: " + "  ".join(f"{k:>12}" for k in STATS)]
        for k, name in enumerate(self.layers):
            vals = "  ".join(f"{s[key][-1, k]:12.4g}" for key in STATS)
            lines.append(f"{name:>8}: {vals}")
        return "\n".join(lines)

    def __repr__(self):
        return f"Monitor(every={self.every}, records={len(self.epochs)})"
