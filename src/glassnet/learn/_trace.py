"""The walk behind ``gn.explain``: each layer's own ``forward`` and ``backward`` in turn,
a ``Step`` for each value named (see ``glassnet.learn.explain`` for the names).

The formulas are text in the post's notation, one small table or function per kind of
layer: ``Dense``, the activations and ``Dropout`` (element-wise: the Dense layer's
``delta @ W.T`` above them is folded into their step, as the post writes ``delta2``),
``BatchNorm``, and any other layer by its class name.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import expit

from ..activations import ELU, Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from ..layers import BatchNorm, Dense, Dropout, specs_of
from ..losses import BinaryCrossEntropy, Loss, MeanSquaredError, SoftmaxCrossEntropy
from ..network import Sequential
from ._source import SourceLine, assign_line, match_line, result_line

__all__ = ["Step", "Trace"]


@dataclasses.dataclass(frozen=True, eq=False)
class Step:
    """One named array of the step.

    Attributes
    ----------
    name : str
        The post's name (``"z1"``, ``"delta3"``, ``"dW1"``).
    value : ndarray
        A copy of the array the engine computed (a 0-d array for the loss).
    formula : str
        How it is computed, in the post's notation (``"a1 = tanh(z1)"``).
    lines : tuple of SourceLine
        The lines of glassnet that computed it, in the order they ran (``dW2``: the
        Dense layer's ``x.T @ delta``, then the penalty's ``l2 * W``).
    kind : {"forward", "loss", "delta", "gradient"}
        A forward value and a delta have one row per example; a gradient has its
        parameter's shape.
    note : str
        What the formula leaves out (the reduction, a dropout probability).
    """

    name: str
    value: np.ndarray
    formula: str
    lines: tuple[SourceLine, ...] = ()
    kind: str = "forward"
    note: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def where(self) -> str:
        """The lines as ``"glassnet/layers.py:230, glassnet/activations.py:57"``."""
        return ", ".join(line.where for line in self.lines)

    def __array__(self, dtype=None, copy=None):
        value = self.value if dtype is None else self.value.astype(dtype, copy=False)
        return value.copy() if copy else value

    def __repr__(self) -> str:
        return f"Step({self.name!r}, shape={self.shape}, {self.formula!r}, at {self.where!r})"


# ----------------------------------------------------------------------------- formulas
# an activation's formula and its derivative, in its input x and output a
ACTIVATION_TEXT = {
    Tanh: ("tanh({x})", "(1 - {a}**2)"),
    Sigmoid: ("1 / (1 + exp(-{x}))", "{a} * (1 - {a})"),
    ReLU: ("max({x}, 0)", "({a} > 0)"),
    LeakyReLU: ("where({x} > 0, {x}, {alpha} * {x})", "where({x} > 0, 1, {alpha})"),
    ELU: ("where({x} > 0, {x}, {alpha} * (exp({x}) - 1))", "where({x} > 0, 1, {a} + {alpha})"),
    Softplus: ("log(1 + exp({x}))", "sigmoid({x})"),
    Identity: ("{x}", None),
}


def _activation_text(layer: Activation, x: str, a: str) -> tuple[str, str | None]:
    """``(f(x), f'(x))`` as text; a learner's own activation by its class name."""
    for cls in type(layer).__mro__:
        if cls in ACTIVATION_TEXT:
            f, df = ACTIVATION_TEXT[cls]
            alpha = getattr(layer, "alpha", "")
            return f.format(x=x, a=a, alpha=alpha), df and df.format(x=x, a=a, alpha=alpha)
    name = type(layer).__name__
    return f"{name}({x})", f"{name}'({x})"


def _times(expr: str, factor: str | None) -> str:
    """``expr * factor``, with ``expr`` in brackets when it is a product of its own."""
    if factor is None:
        return expr
    return f"({expr}) * {factor}" if " " in expr else f"{expr} * {factor}"


def _reduction(loss: Loss, n: int, k: int) -> str:
    """The divisor of the loss's sum as text: "", " / n", " / k" or " / (n * k)" (the
    mean's n rows; the k outputs of a squared error with ``average_outputs``)."""
    by = ["n"] if loss.reduction == "mean" else []
    if getattr(loss, "average_outputs", False) and k > 1:
        by.append("k")
    if not by:
        return ""
    return f" / {by[0]}" if len(by) == 1 else f" / ({' * '.join(by)})"


class Trace:
    """The walk through one step, adding a ``Step`` for each value it names."""

    def __init__(self, net, loss, X, y, l2, l1):
        self.net, self.loss, self.X, self.y, self.l2, self.l1 = net, loss, X, y, l2, l1
        self.steps: list[Step] = []
        self.io: list[tuple[str, str]] = []  # each layer's (input name, output name)
        self.number: list[int] = []  # each layer's k: the Dense layers up to it
        self.aux: dict[int, str] = {}  # a Dropout's mask name, a BatchNorm's xhat name
        self.z_index: dict[str, int] = {}  # "z2" -> 2
        self.weights: list[str] = []  # the penalised parameters' names: "W1", "W2"
        self.grads: list[tuple[int, str]] = []  # (position in steps, net.grads key)

    def add(self, name, value, formula, lines=(), kind="forward", note="") -> str:
        while name in {s.name for s in self.steps}:
            name += "'"
        lines = tuple(line for line in lines if line is not None)
        value = np.array(value, copy=True)
        self.steps.append(Step(name, value, formula, lines, kind, note))
        return name

    def delta_name(self, of: str) -> str:
        """``delta{k+1}`` for ``dL/dz{k}`` (the post's numbering), else ``"d" + of``."""
        return f"delta{self.z_index[of] + 1}" if of in self.z_index else "d" + of

    def run(self) -> None:
        out, name = self.forward()
        delta, dname = self.loss_steps(out, name)
        self.backward(delta, dname)
        self.net.gradient_views().gather()  # as Sequential.backward ends
        self.net.add_penalty_grad(self.l2, self.l1)  # as the training loop's step
        for pos, key in self.grads:  # the packed gradient, penalty included
            self.steps[pos] = dataclasses.replace(self.steps[pos], value=self.net.grads[key].copy())

    # ------------------------------------------------------------------------- forward
    def forward(self) -> tuple[np.ndarray, str]:
        """Each layer's ``forward`` in turn, as ``Sequential.forward`` calls it."""
        x, name = self.X, "X"
        t = self.net.input_transform
        if t is not None:
            x = t(x)
            name = self.add("x0", x, f"x0 = {type(t).__name__}(X)", [result_line(type(t).__call__)])
        k = 0
        for i, layer in enumerate(self.net.layers):
            out = layer.forward(x, training=True)
            k += isinstance(layer, Dense)
            self.number.append(k)
            out_name = self.forward_step(i, layer, k, name, out)
            self.io.append((name, out_name))
            x, name = out, out_name
        return x, name

    def forward_step(self, i, layer, k, x, out) -> str:
        """Add the steps of layer ``i``'s forward on ``x`` (a name); returns its output's."""
        cls = type(layer)
        line = result_line(cls.forward)
        if isinstance(layer, Dense):
            self.weights.append(f"W{k}")
            name = self.add(f"z{k}", out, f"z{k} = {x} @ W{k} + b{k}", [line])
            self.z_index[name] = k
            return name
        if isinstance(layer, Activation):
            return self.add(
                f"a{k}", out, f"a{k} = {_activation_text(layer, x, f'a{k}')[0]}", [line]
            )
        if isinstance(layer, Dropout):
            return self.dropout_step(i, layer, k, x, out, line)
        if isinstance(layer, BatchNorm):
            xhat = self.add(
                f"xhat{k}",
                layer._xhat,
                f"xhat{k} = ({x} - mu) / sqrt(var + eps)",
                [assign_line(cls.forward, "xhat")],
                note=f"mu, var: the batch's column means and variances; eps = {layer.eps:g}",
            )
            self.aux[i] = xhat
            return self.add(f"bn{k}", out, f"bn{k} = gamma{k} * {xhat} + beta{k}", [line])
        self.weights += [f"{s.name}_{i}" for s in specs_of(layer) if s.penalized]
        return self.add(f"h{i}", out, f"h{i} = {cls.__name__}.forward({x})", [line])

    def dropout_step(self, i, layer, k, x, out, line) -> str:
        if layer._mask is None:  # p = 0: the identity
            return self.add(f"d{k}", out, f"d{k} = {x}", [line], note="p = 0: nothing dropped")
        p = layer.p
        mask = self.add(
            f"m{k}",
            layer._mask,
            f"m{k} = (u >= p) / (1 - p), u uniform in [0, 1)",
            [assign_line(type(layer).forward, "self._mask")],
            note=f"p = {p:g}: each unit kept with probability {1 - p:g}, scaled by {1 / (1 - p):g}",
        )
        self.aux[i] = mask
        return self.add(f"d{k}", out, f"d{k} = {x} * {mask}", [line])

    # ------------------------------------------------------------------------- the loss
    def loss_steps(self, out, name) -> tuple[np.ndarray, str]:
        """The loss's output (``probs``), its value and its delta ``dL/d out``."""
        loss, n, k = self.loss, len(self.X), out.shape[1]
        cls = type(loss)
        data = loss.forward(out, self.y)
        penalty = self.net.penalty(self.l2, self.l1)
        red = _reduction(loss, n, k)
        if isinstance(loss, SoftmaxCrossEntropy):
            yhat = self.add(
                "probs", loss._yhat, f"probs = softmax({name})", [assign_line(cls.forward, "yhat")]
            )
            data_text, delta_text = f"-sum_n log {yhat}[n, y_n]", f"{yhat} - onehot(y)"
        elif isinstance(loss, BinaryCrossEntropy):
            p = expit(out[:, 0])[:, None]  # what its backward computes
            yhat = self.add("p", p, f"p = sigmoid({name})", [match_line(cls.backward, r"expit\(")])
            data_text, delta_text = "-sum_n [y_n log p_n + (1 - y_n) log(1 - p_n)]", "p - y"
        elif isinstance(loss, MeanSquaredError):
            yhat = self.add("yhat", out, f"yhat = {name}", self.steps[-1].lines)
            data_text, delta_text = "1/2 * sum_n ||yhat_n - y_n||^2", "yhat - y"
        else:
            data_text, delta_text, red = f"{cls.__name__}({name}, y)", f"dL/d{name}", ""
        total = data + penalty
        self.add(
            "loss",
            np.asarray(total, dtype=np.float64),
            f"loss = {data_text}{red}{self.penalty_text()}",
            [result_line(cls.forward)]
            + ([result_line(Sequential.penalty)] if self.l2 or self.l1 else []),
            kind="loss",
            note=self.loss_note(data, penalty, n),
        )
        delta = loss.backward()
        dname = self.delta_name(name)
        text = f"({delta_text}){red}" if red else delta_text
        self.add(dname, delta, f"{dname} = {text}", [result_line(cls.backward)], kind="delta")
        return delta, dname

    def penalty_text(self) -> str:
        text = ""
        if self.l2:
            text += f" + l2/2 * ({' + '.join(f'||{w}||^2' for w in self.weights)})"
        if self.l1:
            text += f" + l1 * ({' + '.join(f'|{w}|' for w in self.weights)})"
        return text

    def loss_note(self, data: float, penalty: float, n: int) -> str:
        if self.loss.reduction == "sum":
            note = f"reduction 'sum': the data term summed over the {n} rows ({data:.6f})"
            note += f"; the post prints loss / n = {(data + penalty) / n:.6f}"
        else:
            note = f"reduction 'mean': the data term averaged over the {n} rows ({data:.6f})"
        if self.l2 or self.l1:
            note += f"; penalty {penalty:.6f}"
        return note

    # ------------------------------------------------------------------------- backward
    def backward(self, delta, dname) -> None:
        """Each layer's ``backward`` in turn, last to first, as ``Sequential.backward``."""
        self.net.gradient_views()  # found before any backward, as Sequential.backward does
        pending = None  # a Dense layer's delta @ W.T, shown with the layer below it
        for i in reversed(range(len(self.net.layers))):
            layer = self.net.layers[i]
            new = layer.backward(delta)
            step = _backward_kind(layer)
            if pending is not None and step is not _elementwise:
                dname, pending = self.flush(pending, i), None
            dname, pending = step(self, i, layer, dname, pending, new)
            if new is None:
                return
            delta = new

    def flush(self, pending, i) -> str:
        """Show a Dense layer's ``delta @ W.T`` as a step of its own."""
        expr, lines, value = pending
        name = self.delta_name(self.io[i][1])
        return self.add(name, value, f"{name} = {expr}", lines, kind="delta")

    def gradient(self, i, param, name, formula, extra=()) -> None:
        """A parameter's gradient: its place, filled from ``net.grads`` after the pass."""
        views = self.net.gradient_views()
        attr = next(e.attr for e in views.entries if e.index == i and e.name == param)
        line = assign_line(type(self.net.layers[i]).backward, f"self.{attr}")
        self.grads.append((len(self.steps), f"{i}.{param}"))
        self.add(name, self.net.grads[f"{i}.{param}"], formula, [line, *extra], kind="gradient")

    def penalty_lines(self) -> list[SourceLine | None]:
        f = Sequential.add_penalty_grad
        return [match_line(f, r"\+=.*\bl2\b") if self.l2 else None] + [
            match_line(f, r"\+=.*\bl1\b") if self.l1 else None
        ]


def _dense_backward(trace, i, layer, dname, pending, new):
    x, _ = trace.io[i]
    k = trace.number[i]
    penalty = (f" + l2 * W{k}" if trace.l2 else "") + (f" + l1 * sign(W{k})" if trace.l1 else "")
    trace.gradient(i, "W", f"dW{k}", f"dW{k} = {x}.T @ {dname}{penalty}", trace.penalty_lines())
    trace.gradient(i, "b", f"db{k}", f"db{k} = {dname}.sum(axis=0)")
    if new is None:
        return dname, None
    expr, lines = f"{dname} @ W{k}.T", [result_line(type(layer).backward)]
    if x in trace.z_index:  # Dense after Dense: this is the delta of the one below
        name = trace.delta_name(x)
        return trace.add(name, new, f"{name} = {expr}", lines, kind="delta"), None
    return dname, (expr, lines, new)


def _elementwise(trace, i, layer, dname, pending, new):
    """An activation or a Dropout layer: ``delta * f'`` (or ``* m``), the Dense layer's
    ``delta @ W.T`` above it folded in, as the post writes ``delta2``."""
    x, out = trace.io[i]
    expr, lines = (dname, []) if pending is None else pending[:2]
    if isinstance(layer, Dropout):
        factor = trace.aux.get(i)
    else:
        factor = _activation_text(layer, x, out)[1]
    name = trace.delta_name(x)
    formula = f"{name} = {_times(expr, factor)}"
    lines = [*lines, result_line(type(layer).backward)]
    return trace.add(name, new, formula, lines, kind="delta"), None


def _batchnorm_backward(trace, i, layer, dname, pending, new):
    k, xhat = trace.number[i], trace.aux[i]
    trace.gradient(i, "gamma", f"dgamma{k}", f"dgamma{k} = ({dname} * {xhat}).sum(axis=0)")
    trace.gradient(i, "beta", f"dbeta{k}", f"dbeta{k} = {dname}.sum(axis=0)")
    if new is None:
        return dname, None
    x = trace.io[i][0]
    name = trace.delta_name(x)
    formula = (
        f"{name} = (n * g - g.sum(axis=0) - {xhat} * (g * {xhat}).sum(axis=0)) "
        f"/ (n * sqrt(var + eps)), g = {dname} * gamma{k}"
    )
    line = result_line(type(layer).backward)
    return trace.add(name, new, formula, [line], kind="delta"), None


def _other_backward(trace, i, layer, dname, pending, new):
    cls = type(layer).__name__
    for spec in specs_of(layer):
        p = spec.name
        trace.gradient(i, p, f"d{p}_{i}", f"d{p}_{i} = dL/d{p} ({cls}.backward)")
    if new is None:
        return dname, None
    name = trace.delta_name(trace.io[i][0])
    line = result_line(type(layer).backward)
    return trace.add(name, new, f"{name} = {cls}.backward({dname})", [line], kind="delta"), None


BACKWARD = {Dense: _dense_backward, Dropout: _elementwise, BatchNorm: _batchnorm_backward}


def _backward_kind(layer):
    for cls in type(layer).__mro__:
        if cls in BACKWARD:
            return BACKWARD[cls]
    return _elementwise if isinstance(layer, Activation) else _other_backward
