"""``gn.explain``: one step of the post, every array of it named, with its formula and its line.

``explain(net, loss, X, y, l2=0.01)`` runs one forward and one backward pass, the way a
training step does, and returns an ``Explanation``: the post's names mapped to their
arrays, in the order they are computed. For the post's network
(``mlp([2, 3, 2], "tanh")``, ``SoftmaxCrossEntropy``)::

    z1, a1, z2, probs, loss, delta3, dW2, db2, delta2, dW1, db1

and for deeper networks the same pattern, layer by layer (``z1, a1, z2, a2, z3, ...``).
Each entry is a ``Step``: its array, its formula in the post's notation, its shape, and
the line of glassnet that computed it (found in the source when asked, see
``glassnet.learn._source``).

The arrays are the engine's, not a second implementation of the math: ``explain`` calls
each layer's own ``forward`` and ``backward`` in turn, as ``Sequential.forward`` and
``Sequential.backward`` do, keeps what each returns, reads the gradients from the packed
views (``net.grads``) and adds the penalty's gradient with ``net.add_penalty_grad``, as
the training loop's ``step`` does. The numbers are therefore bit for bit those of
``net.forward``, ``loss.forward``, ``net.backward`` and ``net.add_penalty_grad`` on the
same data.

Names. ``z{k}`` is the output of the k-th ``Dense`` layer, ``a{k}`` of the activation
after it. ``delta{k+1} = dL/dz{k}``: the post numbers its layers from the input layer
(layer 1), so ``z{k}`` is the weighted input of layer ``k+1`` and its delta is
``delta{k+1}`` (the output layer's is ``delta3`` in the post). In the package's
convention (``glassnet.__doc__``), ``delta`` is ``dL/d out`` of a layer: ``delta{k+1}``
is the delta that the k-th Dense layer's ``backward`` takes. A Dropout layer after
``a{k}`` adds its mask ``m{k}`` and its output ``d{k}``; a BatchNorm layer after ``z{k}``
adds the normalised values ``xhat{k}`` and its output ``bn{k}``. Other deltas are named
``d`` + the name of what they are the derivative with respect to (``da1 = dL/da1``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._checks import check_params
from .._validation import prepare_data
from ..layers import Dense, Dropout
from ..losses import Loss
from ..network import Sequential
from ..train.fit_options import CONSTRAINTS
from ._render import as_html, as_text
from ._trace import Step, Trace

__all__ = ["explain", "Explanation", "Step"]

ROWS = 5  # the rows of each per-example array that str() shows


class Explanation(Mapping):
    """What ``explain`` returns: the step's names mapped to their ``Step``, in order.

    ``exp["dW1"]`` is a ``Step`` (``np.asarray(exp["dW1"])`` its array, ``.formula``,
    ``.shape``, ``.where``); iterating gives the names in the order they were computed.
    ``str(exp)`` is a readable trace (``to_text(rows)`` shows ``rows`` rows of each
    per-example array); in a notebook the trace shows as HTML tables.
    """

    def __init__(self, steps, title: str):
        self._steps = {s.name: s for s in steps}
        self.title = title

    def __getitem__(self, name: str) -> Step:
        return self._steps[name]

    def __iter__(self):
        return iter(self._steps)

    def __len__(self) -> int:
        return len(self._steps)

    def arrays(self) -> dict[str, np.ndarray]:
        """``{name: array}`` in order."""
        return {name: s.value for name, s in self._steps.items()}

    def to_text(self, rows: int = ROWS) -> str:
        """The trace: each step's formula, shape, first ``rows`` rows and source line."""
        return as_text(self.title, self._steps.values(), rows)

    def to_html(self, rows: int = ROWS) -> str:
        """The trace as HTML, each array a small table (what a notebook shows)."""
        return as_html(self.title, self._steps.values(), rows)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<Explanation of one step: {', '.join(self._steps)}>"


def explain(net: Sequential, loss: Loss, X, y, l2: float = 0.0, l1: float = 0.0) -> Explanation:
    """One forward and backward pass of ``net`` on ``(X, y)``, every array named.

    The pass is a training step's without the update (``training=True``: a Dropout layer
    draws a mask, a BatchNorm layer uses the batch's statistics), the objective the one
    ``fit`` minimises, ``loss(net(X), y) + l2/2 * sum ||W||^2 (+ l1 * sum |W|)``, with the
    loss's own reduction (``"sum"`` is the post's gradient; the post's printed loss is
    that sum divided by the number of rows). The network is left as it was found: its
    parameters, gradients, buffers and random state are put back.

    Parameters
    ----------
    net : Sequential
    loss : Loss
        ``SoftmaxCrossEntropy`` (the post's), ``BinaryCrossEntropy`` or ``MeanSquaredError``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    l2, l1 : float >= 0
        The penalties' strengths, as in ``fit`` (the post's ``reg_lambda`` is ``l2``).

    Returns
    -------
    Explanation
        The names mapped to their ``Step`` in order; for the post's network
        ``z1, a1, z2, probs, loss, delta3, dW2, db2, delta2, dW1, db1``.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet import tutorial
    >>> X, y = tutorial.moons(0)
    >>> net = gn.mlp([2, 3, 2], activation="tanh", seed=0)
    >>> exp = gn.explain(net, gn.SoftmaxCrossEntropy(reduction="sum"), X, y, l2=0.01)
    >>> list(exp)
    ['z1', 'a1', 'z2', 'probs', 'loss', 'delta3', 'dW2', 'db2', 'delta2', 'dW1', 'db1']
    >>> exp["delta2"].formula
    'delta2 = (delta3 @ W2.T) * (1 - a1**2)'
    >>> exp["dW1"].shape
    (2, 3)
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a Sequential network, got {type(net).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(f"loss must be a glassnet loss, got {type(loss).__name__}")
    checked = check_params({"l2": l2, "l1": l1}, {k: CONSTRAINTS[k] for k in ("l2", "l1")})
    X, y = prepare_data(net, loss, X, y, convert_net=False)
    kept = _keep(net)
    try:
        trace = Trace(net, loss, X, y, checked["l2"], checked["l1"])
        trace.run()
    finally:
        _put_back(net, kept)
    title = (
        f"gn.explain: one forward and backward pass of {_describe(net)} on {len(X)} rows; "
        f"{loss!r}, l2 = {checked['l2']:g}" + (f", l1 = {checked['l1']:g}" if checked["l1"] else "")
    )
    return Explanation(trace.steps, title)


def _describe(net: Sequential) -> str:
    """``Dense(2, 3) -> Tanh() -> Dense(3, 2)``."""
    return " -> ".join(
        f"Dense({lay.n_in}, {lay.n_out})" if isinstance(lay, Dense) else repr(lay)
        for lay in net.layers
    )


def _keep(net: Sequential) -> tuple:
    """What a pass changes: the state (BatchNorm's statistics move), the gradient, and the
    random states that draw dropout masks."""
    rngs = {id(lay.rng): lay.rng for lay in net.layers if isinstance(lay, Dropout)}
    rngs[id(net.rng)] = net.rng
    return net.state.copy(), net.grad.copy(), [(r, r.get_state()) for r in rngs.values()]


def _put_back(net: Sequential, kept: tuple) -> None:
    state, grad, rngs = kept
    net.state[...] = state
    net.grad[...] = grad
    for rng, st in rngs:
        rng.set_state(st)
