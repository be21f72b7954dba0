"""The network as a formula with its current weights, for the page's formula panel.

Each unit is written out as the post writes a layer, one unit at a time::

    h1_1 = tanh(0.532 x1 - 1.2 x2 + 0.104)
    z_1 = 1.01 h1_1 - 0.3 h1_2 + 0.25
    p = softmax(z_1, z_2)

only for networks small enough to read (``MAX_WEIGHTS``).
"""

from __future__ import annotations

from ...activations import Activation
from ...layers import Dense

__all__ = ["formula", "MAX_WEIGHTS"]

MAX_WEIGHTS = 60  # larger networks are not written out


def _term(w: float, name: str, first: bool) -> str:
    sign = "-" if w < 0 else ("" if first else "+")
    return f"{sign} {abs(w):.3g} {name}".strip() if not first else f"{sign}{abs(w):.3g} {name}"


def _sum(W, b, j: int, inputs: list[str]) -> str:
    terms = [_term(float(W[i, j]), x, i == 0) for i, x in enumerate(inputs)]
    bias = float(b[j])
    terms.append(f"{'-' if bias < 0 else '+'} {abs(bias):.3g}")
    return " ".join(terms)


def formula(net, inputs: list[str], problem: str) -> str | None:
    """The lines of the formula of ``net`` whose inputs are named ``inputs`` (the
    features of the standardised point), or None when it has more than ``MAX_WEIGHTS``
    weights. ``problem``: "classification" (softmax outputs) or "regression"."""
    layers = net.layers
    dense = [i for i, layer in enumerate(layers) if isinstance(layer, Dense)]
    if sum(layers[i].W.size for i in dense) > MAX_WEIGHTS:
        return None
    lines = [f"inputs: {', '.join(inputs)} (computed from the standardised point x1, x2)"]
    names = inputs
    for k, i in enumerate(dense):
        W, b = layers[i].W, layers[i].b
        after = [lay for lay in layers[i + 1 : (dense + [len(layers)])[k + 1]]]
        act = next((lay.name for lay in after if isinstance(lay, Activation)), None)
        last = k == len(dense) - 1
        out = [f"z_{j + 1}" if last else f"h{k + 1}_{j + 1}" for j in range(W.shape[1])]
        for j, name in enumerate(out):
            s = _sum(W, b, j, names)
            lines.append(f"{name} = {act}({s})" if act and not last else f"{name} = {s}")
        names = out
    if problem == "regression":
        lines.append("y = z_1 (in standardised units; the download rescales it)")
    else:
        lines.append(f"p = softmax({', '.join(names)})  (the class of a point: the largest)")
    return "\n".join(lines)
