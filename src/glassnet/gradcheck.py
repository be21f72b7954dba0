"""Gradient checking by central differences over the packed parameter vector."""

from __future__ import annotations

from numbers import Real

import numpy as np

from ._checks import Interval, check_params
from ._validation import prepare_data
from .layers import Dropout
from .losses import Loss
from .network import Sequential

__all__ = ["check_gradients", "relative_error"]


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``||a - n|| / max(||a|| + ||n||, tiny)``: 0 when both are zero."""
    num = float(np.linalg.norm(analytic - numeric))
    den = float(np.linalg.norm(analytic) + np.linalg.norm(numeric))
    return num / den if den > 1e-300 else 0.0


CONSTRAINTS = {  # glassnet._checks
    "l2": Interval(Real, 0, None),
    "l1": Interval(Real, 0, None),
    "eps": Interval(Real, 0, None, closed="neither"),  # the finite-difference step
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
) -> dict[str, float]:
    """Compare back-propagated gradients with central differences.

    The objective is the one ``fit`` minimises,
    ``f(theta) = loss(net(X), y) + l2/2 * sum ||W||^2``. The analytic gradient comes
    from the network's own ``forward``/``backward`` (so a fault in any layer shows);
    the numeric one from ``(f(theta + eps e_i) - f(theta - eps e_i)) / (2 eps)`` for
    every parameter ``i``. With ``l1`` the objective gains ``l1 * sum |W|`` (check away
    from W = 0, where it has no derivative). Dropout layers reuse one mask throughout (drawn once).

    Use float64: in float32 the differences are dominated by rounding.

    Returns
    -------
    dict of str -> float
        Relative error ``||a - n|| / (||a|| + ||n||)`` per parameter ("0.W", "0.b", ...).
        Below about 1e-7 means the backward pass is right.

    Examples
    --------
    >>> import glassnet as gn
    >>> from glassnet.data import datasets
    >>> X, y = datasets.moons(20)
    >>> net = gn.mlp([2, 3, 2], seed=0)
    >>> errors = gn.check_gradients(net, gn.SoftmaxCrossEntropy(), X, y, l2=0.01)
    >>> sorted(errors), max(errors.values()) < 1e-7
    (['0.W', '0.b', '2.W', '2.b'], True)
    """
    checked = check_params({"l2": l2, "l1": l1, "eps": eps}, CONSTRAINTS)
    l2, l1, eps = checked["l2"], checked["l1"], checked["eps"]
    X, y = prepare_data(net, loss, X, y)
    dropouts = [lay for lay in net.layers if isinstance(lay, Dropout)]
    frozen = [d.freeze_mask for d in dropouts]
    for d in dropouts:
        d.freeze_mask = True
        d._mask = None
    try:

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

        theta = net.theta
        numeric = np.empty_like(theta)
        for i in range(theta.size):
            old = theta[i]
            theta[i] = old + eps
            f_plus = objective()
            theta[i] = old - eps
            f_minus = objective()
            theta[i] = old
            numeric[i] = (f_plus - f_minus) / (2 * eps)
    finally:
        for d, f in zip(dropouts, frozen):
            d.freeze_mask = f

    errors = {}
    for name, sl in net.slices.items():
        errors[name] = relative_error(analytic[sl], numeric[sl])
    return errors
