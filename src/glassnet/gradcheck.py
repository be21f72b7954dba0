"""Gradient checking by central differences over the packed parameter vector.

``numeric_gradient`` is the one finite-difference loop: ``check_gradients`` runs it over a
network's packed parameters, ``glassnet.layercheck.check_layer`` over a layer's parameters
and its input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from numbers import Real

import numpy as np

from ._checks import Interval, check_params
from ._validation import prepare_data
from .layers import Dropout, Layer
from .losses import Loss
from .network import Sequential

__all__ = ["check_gradients", "numeric_gradient", "relative_error", "frozen_dropout", "RIGHT"]


# below this relative error the back-propagated gradient is right (CS231n's rule of thumb)
RIGHT = 1e-7


def relative_error(analytic: np.ndarray, numeric: np.ndarray, atol: float = 0.0) -> float:
    """``||a - n|| / (||a|| + ||n||)``, where the entries at which both ``|a|`` and ``|n|``
    are at most ``atol`` count as equal; 0 when every entry does (both zero, say)."""
    diff = analytic - numeric
    if atol:
        diff[(np.abs(analytic) <= atol) & (np.abs(numeric) <= atol)] = 0.0
    num = float(np.linalg.norm(diff))
    return num / float(np.linalg.norm(analytic) + np.linalg.norm(numeric)) if num else 0.0


def numeric_gradient(f: Callable[[], float], v: np.ndarray, eps: float) -> np.ndarray:
    """Central differences of ``f`` with respect to each entry of ``v``.

    ``numeric[i] = (f(v + eps e_i) - f(v - eps e_i)) / (2 eps)``, where ``v`` is a 1-D
    array that ``f`` reads (a network's ``theta``, or a layer's input flattened): each
    entry is moved in place, ``f()`` evaluated, and the entry put back.

    Returns
    -------
    ndarray of the shape and dtype of ``v``
    """
    numeric = np.empty_like(v)
    for i in range(v.size):
        old = v[i]
        v[i] = old + eps
        f_plus = f()
        v[i] = old - eps
        f_minus = f()
        v[i] = old
        numeric[i] = (f_plus - f_minus) / (2 * eps)
    return numeric


@contextmanager
def frozen_dropout(layers: Sequence[Layer]) -> Iterator[None]:
    """Within the block every Dropout layer of ``layers`` draws its mask once (at the
    first forward) and reuses it, so that the objective is one function of the parameters;
    each layer's ``freeze_mask`` is put back afterwards."""
    dropouts = [lay for lay in layers if isinstance(lay, Dropout)]
    frozen = [d.freeze_mask for d in dropouts]
    for d in dropouts:
        d.freeze_mask = True
        d._mask = None
    try:
        yield
    finally:
        for d, f in zip(dropouts, frozen):
            d.freeze_mask = f


CONSTRAINTS = {  # glassnet._checks
    "l2": Interval(Real, 0, None),
    "l1": Interval(Real, 0, None),
    "eps": Interval(Real, 0, None, closed="neither"),  # the finite-difference step
    "atol": Interval(Real, 0, None),  # gradients this close to 0 agree
}


def check_gradients(
    net: Sequential,
    loss: Loss,
    X,
    y,
    l2: float = 0.0,
    eps: float = 1e-6,
    training: bool = True,
    l1: float = 0.0,
    atol: float = 1e-5,
) -> dict[str, float]:
    """Compare back-propagated gradients with central differences.

    The objective is the one ``fit`` minimises,
    ``f(theta) = loss(net(X), y) + l2/2 * sum ||W||^2``. The analytic gradient comes
    from the network's own ``forward``/``backward`` (so a fault in any layer shows);
    the numeric one from ``(f(theta + eps e_i) - f(theta - eps e_i)) / (2 eps)`` for
    every parameter ``i``. With ``l1`` the objective gains ``l1 * sum |W|`` (check away
    from W = 0, where it has no derivative). Dropout layers reuse one mask throughout (drawn once).

    Use float64: in float32 the differences are dominated by rounding.

    Where both the analytic and the numeric gradient of an entry are within ``atol`` of 0
    they agree (as in ``torch.autograd.gradcheck``): the central difference of a
    parameter with no effect (a Dense bias right before a BatchNorm, which subtracts it
    again) is rounding noise, about ``1e-16 * |f| / eps``, and its relative error would
    compare that noise with 0. Raise ``atol`` for a loss summed to more than about 1e5;
    ``atol=0`` compares every entry.

    Returns
    -------
    dict of str -> float
        Relative error ``||a - n|| / (||a|| + ||n||)`` per parameter ("0.W", "0.b", ...),
        the entries within ``atol`` of 0 on both sides counted as equal (0 when all are).
        Below 1e-7 (``RIGHT``) means the backward pass is right.

    Examples
    --------
    >>> import glassnet as gn
    >>> X, y = gn.datasets.moons(20)
    >>> net = gn.mlp([2, 3, 2], seed=0)
    >>> errors = gn.check_gradients(net, gn.SoftmaxCrossEntropy(), X, y, l2=0.01)
    >>> sorted(errors), max(errors.values()) < 1e-7
    (['0.W', '0.b', '2.W', '2.b'], True)
    """
    checked = check_params({"l2": l2, "l1": l1, "eps": eps, "atol": atol}, CONSTRAINTS)
    l2, l1, eps, atol = (checked[k] for k in ("l2", "l1", "eps", "atol"))
    X, y = prepare_data(net, loss, X, y)
    with frozen_dropout(net.layers):

        def objective() -> float:
            return loss.forward(net.forward(X, training=training), y) + net.penalty(l2, l1)

        objective()  # draws the dropout masks once
        net.grad[...] = 0
        objective()
        net.backward(loss.backward())
        if l1:
            net.add_penalty_grad(l2, l1)
        else:
            net.add_penalty_grad(l2)
        analytic = net.grad.copy()
        numeric = numeric_gradient(objective, net.theta, eps)

    errors = {}
    for name, sl in net.slices.items():
        errors[name] = relative_error(analytic[sl], numeric[sl], atol)
    return errors
