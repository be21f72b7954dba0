"""``diagnose``: the checks a careful practitioner runs before a long training run.

Each check returns a ``Finding``: a severity ("ok", "warning" or "problem"), the
number behind it, what it means in plain words and what to try. The checks, in order:

1. feature scales: the columns' standard deviations and means;
2. the loss at initialisation against ``log(C)`` for C classes (what uniform guessing costs);
3. the gradient check (``check_gradients``) on a few rows;
4. dead (ReLU) and saturated (tanh, sigmoid) units per layer at initialisation;
5. vanishing or exploding gradients: the gradient norms of the first and last layer;
6. a short probe run (the given optimizer, on 80% of the rows): divergence,
   update/weight ratios per layer (CS231n: about 1e-3 is healthy), dead and saturated
   units after it, and whether held-out accuracy beats guessing the most common class;
7. whether the network can overfit a small batch (20 rows, 300 full-batch steps).

The network passed in is given back unchanged: checks that train it restore its
parameters, gradients and random state afterwards.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .._checks import check_param
from .._validation import prepare_data
from ..activations import LeakyReLU, ReLU
from ..gradcheck import RIGHT, check_gradients
from ..losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from ..optim import LBFGS, SGD, Optimizer, get_optimizer
from .diagnostics import DivergenceError
from .inputs import class_labels
from .monitor import Monitor, activation_stats, layer_activations

__all__ = ["Finding", "Diagnosis", "diagnose"]

SEVERITIES = ("ok", "warning", "problem")


@dataclass
class Finding:
    """One check's outcome: ``severity`` ("ok", "warning", "problem"), ``value`` (the
    number behind it), ``message`` (what it means) and ``advice`` (what to try)."""

    check: str
    severity: str
    value: float
    message: str
    advice: str = ""

    def __str__(self):
        tail = f"\n      try: {self.advice}" if self.advice and self.severity != "ok" else ""
        return f"[{self.severity:>7}] {self.check}: {self.message}{tail}"


class Diagnosis:
    """The findings of ``diagnose``; ``str()`` prints them, worst first.

    Iterating over it gives the findings in the order the checks ran (``len()`` counts
    them); ``diagnosis[check]`` is the list of findings of the check named ``check``.
    """

    def __init__(self, findings: list[Finding]):
        self.findings = findings

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "problem"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __getitem__(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]

    def __str__(self):
        order = sorted(self.findings, key=lambda f: -SEVERITIES.index(f.severity))
        head = f"{len(self.problems)} problem(s), {len(self.warnings)} warning(s)"
        return "\n".join([head, *map(str, order)])

    def __repr__(self):
        return f"Diagnosis({len(self.problems)} problems, {len(self.warnings)} warnings)"


def _grade(value, warn, bad) -> str:
    return "problem" if value >= bad else "warning" if value >= warn else "ok"


# ---------------------------------------------------------------------- the checks
def check_feature_scales(X) -> Finding:
    """Columns whose spreads differ by orders of magnitude, or that are far from 0."""
    std = X.std(axis=0)
    spread = std[std > 0]
    ratio = float(spread.max() / spread.min()) if spread.size else 1.0
    big = float(np.max(np.abs(X.mean(axis=0)) / np.where(std > 0, std, 1), initial=0))
    biggest = float(np.max(np.abs(X), initial=0))
    severity = _grade(max(ratio / 10, biggest / 100, big / 10), 1.0, 10.0)
    return Finding(
        "feature scales",
        severity,
        ratio,
        f"the columns' standard deviations differ by a factor {ratio:.3g} (largest |x| "
        f"{biggest:.3g}, largest |mean|/std {big:.3g})",
        "standardise the features: X = (X - X.mean(axis=0)) / X.std(axis=0) "
        "(sklearn.preprocessing.StandardScaler), with the training rows' mean and std",
    )


def check_initial_loss(net, loss, X, y) -> Finding | None:
    """Softmax/binary cross-entropy at initialisation against ``log(C)``."""
    if not isinstance(loss, (SoftmaxCrossEntropy, BinaryCrossEntropy)):
        return None
    n_classes = 2 if net.n_outputs == 1 else net.n_outputs
    value = loss.forward(net.forward(X), y)
    if loss.reduction == "sum":
        value /= X.shape[0]
    expected = math.log(n_classes)
    ratio = value / expected
    severity = _grade(abs(math.log(max(ratio, 1e-12))), math.log(1.5), math.log(3.0))
    return Finding(
        "initial loss",
        severity,
        value,
        f"the loss per row at initialisation is {value:.4g}; guessing uniformly among "
        f"{n_classes} classes costs log({n_classes}) = {expected:.4g} (ratio {ratio:.3g})",
        "the first outputs should be small: initialise with smaller weights (init="
        "'glorot_normal' or 'scaled_normal'), standardise the features, or start the "
        "output layer's weights near 0",
    )


def check_gradient(net, loss, X, y, l2, rows=8) -> Finding:
    """``check_gradients`` on ``rows`` rows, graded by its own rule: right below ``RIGHT``
    (1e-7), a bug from 1e-3 (a warning when a ReLU kink may sit inside the difference)."""
    if net.dtype == np.float64:
        with borrowed(net):  # the network itself: a custom layer's backward is checked
            errors = check_gradients(net, loss, X[:rows], y[:rows], l2=l2)
    else:  # float32 differences are rounding noise: check a float64 copy
        work = net.copy().astype(np.float64)
        errors = check_gradients(work, loss, X[:rows].astype(np.float64), y[:rows], l2=l2)
    worst_name = max(errors, key=errors.get)
    worst = errors[worst_name]
    severity = _grade(worst, RIGHT, 1e-3)
    kinked = any(isinstance(lay, (ReLU, LeakyReLU)) for lay in net.layers)
    if kinked and severity == "problem":  # a kink inside the difference is no bug
        severity = "warning"
    return Finding(
        "gradient check",
        severity,
        worst,
        f"back-propagated and finite-difference gradients agree to a relative error of "
        f"{worst:.2g} (worst: {worst_name}); below {RIGHT:g} is right",
        "a custom layer's backward is wrong, a kink (ReLU at 0, L1 at 0) sits inside "
        "the finite difference, or the gradient is so small that rounding shows: check "
        "with tanh, another seed, or more rows",
    )


def check_units(net, X, when: str) -> list[Finding]:
    """Dead ReLU units and saturated tanh/sigmoid activations, per hidden layer."""
    out = []
    acts = layer_activations(net, X)[:-1]  # the output layer has no activation
    for k, (a, layer) in enumerate(acts):
        _, _, saturated, dead = activation_stats(a, layer)
        shares = [  # (check, share of the units, what it means, what to try)
            (
                "dead units",
                dead,
                f"{dead:.0%} of the ReLU units of hidden layer {k + 1} are 0 on every "
                f"one of {a.shape[0]} rows: they pass no gradient and never recover",
                "a smaller learning rate, biases not pushed negative, He "
                "initialisation (init='he_normal'), or LeakyReLU",
            ),
            (
                "saturated units",
                saturated,
                f"{saturated:.0%} of the {type(layer).__name__.lower()} activations "
                f"of hidden layer {k + 1} sit where the derivative is below 0.05",
                "smaller initial weights (Glorot), standardised features, a smaller "
                "learning rate, or BatchNorm (gn.mlp(..., batch_norm=True))",
            ),
        ]
        for check, share, message, advice in shares:
            if not math.isnan(share):  # NaN: this activation has no such units
                title = f"{check}, layer {k + 1} ({when})"
                grade = _grade(share, 0.2, 0.5)  # a warning from 20%, a problem from 50%
                out.append(Finding(title, grade, share, message, advice))
    return out


def check_gradient_flow(net, loss, X, y) -> Finding | None:
    """Gradient norm of the first layer's W over the last layer's, at initialisation."""
    dense = [name for name in net.slices if name.endswith(".W")]
    if len(dense) < 2:
        return None
    with borrowed(net):
        loss.forward(net.forward(X, training=False), y)
        net.backward(loss.backward())
        norms = [float(np.linalg.norm(net.grads[name])) for name in sorted(dense, key=_layer_no)]
    if norms[0] == 0 or norms[-1] == 0:
        return Finding(
            "gradient flow",
            "problem",
            0.0,
            "no gradient reaches the " + ("first" if norms[0] == 0 else "last") + " layer "
            f"(gradient norms per layer: {', '.join(f'{v:.2g}' for v in norms)})",
            "look for dead ReLU units or saturated activations (see their findings)",
        )
    ratio = norms[0] / norms[-1]
    far = abs(math.log10(ratio))
    listed = ", ".join(f"{v:.2g}" for v in norms)
    return Finding(
        "gradient flow",
        _grade(far, 2.0, 3.0),
        ratio,
        f"the gradient norms per layer, first to last, are {listed}: the first layer's is "
        f"{ratio:.2g} times the last's ({'vanishing' if ratio < 1 else 'exploding'} if "
        f"far from 1)",
        "ReLU with He initialisation instead of sigmoid, BatchNorm, fewer layers, or "
        "gradient clipping (clip_norm=) for exploding gradients",
    )


def _layer_no(name: str) -> int:
    return int(name.split(".")[0])


@contextmanager
def borrowed(net):
    """Use ``net`` for a check and give it back as it was: its parameters (with
    BatchNorm's running statistics), gradients and random state are restored."""
    saved, grad, state = net.state.copy(), net.grad.copy(), net.rng.get_state()
    try:
        yield net
    finally:
        net.state[...] = saved
        net.grad[...] = grad
        net.rng.set_state(state)
        net.clear_cache()


def _fresh(optimizer):
    """A new optimizer of the same kind and settings (no state), SGD(0.01) for None."""
    if optimizer is None:
        return SGD(lr=0.01)
    return get_optimizer(optimizer.name, **optimizer.get_config())


def probe_run(net, loss, X, y, optimizer, l2, batch_size, epochs, seed) -> list[Finding]:
    """Train for ``epochs`` on 80% of the rows (the network is given back as it was);
    judge its steps and what it learned."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(X.shape[0])
    n_tr = max(1, int(0.8 * X.shape[0]))
    tr, va = order[:n_tr], order[n_tr:]
    mon = Monitor(every=1, sample_size=256, seed=seed)
    with borrowed(net):
        return _probe(net, loss, X, y, tr, va, mon, optimizer, l2, batch_size, epochs, seed)


def _probe(work, loss, X, y, tr, va, mon, optimizer, l2, batch_size, epochs, seed):
    from .fit import fit

    try:
        hist = fit(
            work, loss, X[tr], y[tr], optimizer=_fresh(optimizer), epochs=epochs,
            batch_size=batch_size, l2=l2, seed=seed, callbacks=[mon], verbose=0, min_classes=0,
        )  # fmt: skip
    except DivergenceError as exc:
        return [
            Finding(
                "probe run",
                "problem",
                math.inf,
                f"training diverged within {epochs} epochs: {exc}",
                "divide the learning rate by 10 (and again until the loss falls), or "
                "standardise the features",
            )
        ]
    out = [_update_finding(mon, optimizer)]
    out += check_units(work, X[tr][:256], "after the probe run")
    first, last = hist["loss"][0], hist["loss"][-1]
    if not last < first:
        out.append(
            Finding(
                "probe run",
                "problem" if last > 2 * first else "warning",
                last / first if first else math.inf,
                f"the training loss went from {first:.4g} to {last:.4g} in {epochs} epochs",
                "a smaller learning rate; if it stays flat, a larger one or Adam",
            )
        )
    if loss.classification and va.size >= 10:
        out.append(_signal_finding(work, loss, X[va], y[va], y[tr]))
    return out


def _update_finding(mon: Monitor, optimizer) -> Finding:
    ratios = mon.stats["update_ratio"]  # (epochs, layers)
    typical = np.median(ratios, axis=0)
    worst = int(np.argmax(np.abs(np.log10(np.maximum(typical, 1e-300)) + 3)))
    r = float(typical[worst])
    far = abs(math.log10(r) + 3) if r > 0 else math.inf  # decades away from 1e-3
    lr = getattr(optimizer, "lr", None)
    if isinstance(optimizer, LBFGS):
        return Finding("update ratio", "ok", r, f"L-BFGS's update/weight ratio is {r:.2g}")
    too = "large" if r > 1e-3 else "small"
    factor = 10 ** round(math.log10(r) + 3) if r > 0 else math.inf
    advice = f"lr about {lr / factor:.3g} (now {lr:.3g})" if lr and math.isfinite(factor) else ""
    if r == 0:
        return Finding(
            "update ratio",
            "problem",
            0.0,
            f"the weights of layer {mon.layers[worst]} did not move at all in the probe run",
            "look for dead ReLU units or saturated activations (see their findings)",
        )
    return Finding(
        "update ratio",
        "problem" if (r > 0.1 or r < 1e-7) else "warning" if far > 2.5 else "ok",
        r,
        f"a step changes the weights of layer {mon.layers[worst]} by {r:.2g} of their norm "
        f"(median over the probe run; about 1e-3 is healthy)"
        + (f": the learning rate looks too {too}" if far > 2.5 or r > 0.1 else ""),
        advice,
    )


def _signal_finding(net, loss, X_val, y_val, y_train) -> Finding:
    labels_val = class_labels(np.asarray(y_val)).ravel()
    if net.n_outputs == 1:
        labels_val = (labels_val > 0.5).astype(int)
    pred = net.predict_classes(X_val)
    acc = float(np.mean(pred == labels_val))
    tl = class_labels(np.asarray(y_train)).ravel()
    counts = np.bincount(np.asarray(tl > 0.5 if net.n_outputs == 1 else tl, dtype=int))
    base = float(counts.max() / counts.sum())
    margin = max(0.05, 2 * math.sqrt(base * (1 - base) / len(labels_val)))
    return Finding(
        "learns something",
        "problem" if acc <= base + margin else "ok",
        acc,
        f"after the probe run, held-out accuracy is {acc:.3f}; always answering the most "
        f"common class scores {base:.3f}",
        "check that the labels belong to their rows (were X and y shuffled or sorted "
        "separately? is the label column the right one?), then train longer",
    )


def check_overfit_small_batch(net, loss, X, y, optimizer, l2, rows=20, steps=300):
    """Can the network drive the loss on ``rows`` rows near zero in ``steps`` full-batch steps?"""
    from .fit import fit

    xb, yb = X[:rows], y[:rows]
    try:
        with borrowed(net):
            hist = fit(
                net, loss, xb, yb, optimizer=_fresh(optimizer), epochs=steps, batch_size=None,
                l2=0.0, verbose=0, min_classes=0,
            )  # fmt: skip
        first, last = hist["loss"][0], hist["loss"][-1]
    except DivergenceError:
        first, last = 1.0, math.inf
    ok = last < 0.1 * first
    acc = ""
    if loss.classification:
        acc = f" (training accuracy {hist['accuracy'][-1]:.0%})" if math.isfinite(last) else ""
    return Finding(
        "overfit a small batch",
        "ok" if ok else "warning",
        last / first if first else math.inf,
        f"on {len(xb)} rows, {steps} steps take the loss from {first:.3g} to {last:.3g}{acc}; "
        f"a network that can learn memorises a handful of rows",
        "a bug in the data pipeline or the loss, a learning rate far off (try Adam with "
        "lr=0.01), or a network too small",
    )


def diagnose(
    net,
    loss,
    X,
    y,
    optimizer=None,
    l2: float = 0.0,
    batch_size: int | None = None,
    epochs: int = 30,
    seed: int = 0,
) -> Diagnosis:
    """Run the doctor's checks on ``net`` and ``(X, y)``; returns a ``Diagnosis``.

    Parameters
    ----------
    net : Sequential, given back unchanged (the checks that train it restore its parameters,
        gradients and random state)
    loss : Loss
    X : array-like of shape (n_samples, n_features)
    y : array-like, as ``fit`` takes it
    optimizer : Optimizer or None, the one you mean to train with (default ``SGD(0.01)``)
    l2 : float, the weight penalty you mean to train with
    batch_size : int or None, as in ``fit``
    epochs : int, the length of the probe run
    seed : int, the probe run's split and shuffling

    Returns
    -------
    Diagnosis
        ``.findings`` (a list of ``Finding``), ``.problems``, ``.warnings``; ``print`` it.
    """
    check_param("optimizer", optimizer, [Optimizer, None])
    X, y = prepare_data(net, loss, X, y)
    findings = [check_feature_scales(X)]
    start = check_initial_loss(net, loss, X, y)
    if start is not None:
        findings.append(start)
    findings.append(check_gradient(net, loss, X, y, l2))
    sample = X[np.random.default_rng(seed).permutation(X.shape[0])[:256]]
    findings += check_units(net, sample, "at initialisation")
    flow = check_gradient_flow(net, loss, X, y)
    if flow is not None:
        findings.append(flow)
    findings += probe_run(net, loss, X, y, optimizer, l2, batch_size, epochs, seed)
    findings.append(check_overfit_small_batch(net, loss, X, y, optimizer, l2))
    return Diagnosis(findings)
