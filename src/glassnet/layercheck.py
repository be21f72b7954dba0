"""``check_layer``: is a layer you wrote right, before it goes into a network?

A copy of the layer goes alone into a ``Sequential``, which binds its parameters and
gradients to views of two packed vectors, as every network does. For a fixed random
``R`` of the output's shape the scalar ``f = sum(R * layer.forward(x))`` has
``dL/d out = R``, so ``backward(R)`` must return ``df/dx`` and write ``df/dW`` (for each
parameter) into the packed gradient. Both are compared with central differences by
``gradcheck.numeric_gradient``, the loop ``check_gradients`` runs, and each problem found
gets a sentence: a wrong input gradient, a wrong parameter gradient (or none written, or
a parameter that forward does not read), a gradient rebound instead of written into its
view, a gradient added to instead of overwritten, a shape that does not fit.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from ._checks import ParamTypeError, check_params
from ._gradviews import GradientViews, RebindWarning
from ._validation import check_finite
from .gradcheck import CONSTRAINTS as GRADCHECK
from .gradcheck import RIGHT, frozen_dropout, numeric_gradient, relative_error
from .layers import Layer, specs_of
from .network import SEED, Sequential

__all__ = ["check_layer", "LayerCheck"]

CONSTRAINTS = {  # glassnet._checks
    "eps": GRADCHECK["eps"],
    "atol": GRADCHECK["atol"],
    "training": "boolean",
    "seed": SEED,
}
N_ROWS, WIDTH = 5, 4  # the input drawn when none is given: 5 rows, of width 4 if nothing says


@dataclass(repr=False)
class LayerCheck:
    """What ``check_layer`` found; its ``repr`` is the report.

    Attributes
    ----------
    layer : str
        The layer's ``repr``.
    errors : dict of str -> float
        The relative error ``||a - n|| / (||a|| + ||n||)`` between back-propagation and
        central differences: ``"x"`` for the input gradient (what ``backward`` returns),
        then one per parameter (``"W"``, ``"b"``, ...). Right below 1e-7
        (``gradcheck.RIGHT``).
    problems : list of str
        One sentence per problem, saying what to change; empty when the layer is right.
    """

    layer: str
    errors: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def __repr__(self) -> str:
        if self.ok:
            names = ", ".join(f"d{name}" for name in self.errors)
            agree = "agrees" if len(self.errors) == 1 else "agree"
            return (
                f"{self.layer}: right\n- {names} {agree} with central differences "
                f"(relative error below {RIGHT:.0e})"
            )
        n = len(self.problems)
        lines = [f"{self.layer}: {n} problem{'s' if n > 1 else ''}"]
        return "\n".join(lines + [f"- {p}" for p in self.problems])


def check_layer(
    layer: Layer,
    x=None,
    *,
    training: bool = True,
    eps: float = 1e-6,
    atol: float = 1e-5,
    seed=0,
) -> LayerCheck:
    """Check a layer's ``backward`` against central differences, and its parameters and
    gradients against the network's packed vectors.

    The check runs on a copy of ``layer`` (the layer itself is left as it is) put alone
    into a float64 ``Sequential``, which draws its parameters with ``initialize``; a
    parameter left all zero is drawn from N(0, 1), so that no check happens at a point
    where a mistake would cancel (``W = 0`` hides ``W`` written for ``W.T``). With the
    objective ``f = sum(R * forward(x))`` for a random ``R``:

    - the input gradient ``backward(R)`` must be ``df/dx``;
    - the gradient of each parameter, read from the packed gradient ``net.grad`` that the
      optimizer reads, must be ``df/dW``; backward must overwrite it at each call;
    - each gradient attribute (``self.dW``) must still be the view ``bind`` gave after
      ``backward`` (``self.dW[...] = ...``, not ``self.dW = ...``).

    Parameters
    ----------
    layer : Layer
        The layer, for example an instance of your own subclass of ``gn.Layer``.
    x : array-like of shape (n_samples, n_inputs), optional
        The input to check at. By default 5 rows drawn from N(0, 1), as wide as the
        layer's ``n_in`` (or ``n_features``) attribute, or 4 for a layer without
        parameters (an activation); a layer with parameters and neither attribute
        needs ``x``.
    training : bool
        Passed to ``forward`` (Dropout layers draw one mask and keep it).
    eps, atol : float
        The finite-difference step, and how close to 0 two gradients agree, as in
        ``check_gradients``.
    seed : int
        Seeds the parameters, ``x`` and ``R``.

    Returns
    -------
    LayerCheck
        ``.ok``, ``.problems`` (one sentence each) and ``.errors``; printed, the report.

    Examples
    --------
    >>> import glassnet as gn
    >>> gn.check_layer(gn.Dense(3, 2))
    Dense(3, 2, init='scaled_normal'): right
    - dx, dW, db agree with central differences (relative error below 1e-07)
    """
    if not isinstance(layer, Layer):
        raise ParamTypeError("layer", layer, "a glassnet Layer (of a gn.Layer subclass)")
    checked = check_params(
        {"eps": eps, "atol": atol, "training": training, "seed": seed}, CONSTRAINTS
    )
    rng = np.random.RandomState(seed)
    report = LayerCheck(_name(layer))
    try:
        net = _probe(layer, seed, rng, report.problems)
    except Exception as exc:  # the layer's own code raised: report it
        report.problems.append(_raised("putting it in a network (bind, initialize)", exc, layer))
        return report
    lay = net.layers[0]
    x = _input(lay, x, rng)
    with frozen_dropout([lay]):
        try:
            out = lay.forward(x, checked["training"])
        except Exception as exc:
            report.problems.append(_raised("forward", exc, lay, x))
            return report
        if not isinstance(out, np.ndarray) or out.shape[:1] != x.shape[:1]:
            shape = getattr(out, "shape", type(out).__name__)
            report.problems.append(
                f"forward returned {shape} for an input of shape {x.shape}: it must return "
                f"an array with one row per input row"
            )
            return report
        R = rng.standard_normal(out.shape)

        def f() -> float:
            return float(np.sum(R * lay.forward(x, checked["training"])))

        try:
            dx, analytic, skip = _backward(net, f, R, report.problems)
        except Exception as exc:
            report.problems.append(_raised("backward", exc, lay, x))
            return report
        numeric = numeric_gradient(f, net.theta, checked["eps"])
        numeric_x = numeric_gradient(f, x.reshape(-1), checked["eps"]).reshape(x.shape)
    _compare_input(dx, numeric_x, x.shape, checked["atol"], report)
    for name, *_ in specs_of(lay):
        if f"0.{name}" not in skip:
            sl = net.slices[f"0.{name}"]
            _compare_param(name, analytic[sl], numeric[sl], checked["atol"], report)
    return report


def _name(layer: Layer) -> str:
    """The layer's repr if it starts with its class's name (``Dense(3, 2, ...)``), else
    the class's name (``Affine``: a subclass's inherited repr, or ``<... at 0x...>``)."""
    name, text = type(layer).__name__, repr(layer)
    return text if text.startswith(name + "(") else name


def _raised(method: str, exc: Exception, layer: Layer, x: np.ndarray | None = None) -> str:
    """The problem of a step that raised (``forward``, ``backward``, or the network's
    ``bind`` and ``initialize``): its error; for an error of shapes, the shapes it ran
    on, where a shape the other way round shows."""
    said = f"{method} raised {type(exc).__name__}: {exc}"
    if not isinstance(exc, ValueError):  # not about shapes: its own message says what
        return said
    try:
        shapes = ", ".join(f"{s.name} {tuple(s.shape)}" for s in specs_of(layer))
    except Exception:  # param_specs itself is wrong: the error says so
        shapes = ""
    ran_on = [] if x is None else [f"x of shape {x.shape}"]
    if shapes:
        ran_on.append(f"the parameters of the shapes param_specs gives ({shapes})")
    if not ran_on:
        return said
    return f"{said}; it ran on {' and '.join(ran_on)}: check the shape of each array it makes"


def _probe(layer: Layer, seed, rng: np.random.RandomState, problems: list[str]) -> Sequential:
    """A float64 network of a copy of ``layer`` alone, asked for its input gradient, with
    the parameters that ``initialize`` leaves all zero drawn from N(0, 1). A parameter
    that ``initialize`` rebinds instead of writing into its view is a problem."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RebindWarning)
        net = Sequential([copy.deepcopy(layer)], seed=seed, dtype=np.float64)
    for w in caught:  # a rebinding is a problem of the report; anything else, said as it was
        if issubclass(w.category, RebindWarning):
            problems.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    net.layers[0].input_grad = True
    for view in net.params.values():
        if not view.any():
            view[...] = rng.standard_normal(view.shape)
    return net


def _input(layer: Layer, x, rng: np.random.RandomState) -> np.ndarray:
    """``x`` as a float64 C-ordered copy (its flat view is what the differences move), or
    one drawn from N(0, 1) as wide as the layer says."""
    if x is None:
        width = getattr(layer, "n_in", getattr(layer, "n_features", None))
        if not (isinstance(width, Integral) and width >= 1):
            if layer.param_specs():
                raise ValueError(
                    f"x: pass an input of shape (n_samples, n_inputs) for {layer!r}, which "
                    f"has no integer n_in or n_features attribute to tell its width"
                )
            width = WIDTH
        return rng.standard_normal((N_ROWS, int(width)))
    try:
        x = np.array(x, dtype=np.float64, order="C")
    except (TypeError, ValueError):
        raise ParamTypeError("x", x, "an array of numbers of shape (n_samples, n_inputs)") from None
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"x must have shape (n_samples, n_inputs), got {x.shape}")
    check_finite(x, "x")
    return x


def _backward(net: Sequential, f, R: np.ndarray, problems: list[str]):
    """``backward(R)`` twice at the same point. Returns the input gradient and the packed
    gradient of the first call, and the parameters whose gradient cannot be compared (a
    rebound gradient of the wrong shape); adds the problems seen to ``problems``."""
    layer, views = net.layers[0], GradientViews(net)
    grads, skip = [], set()
    for _ in range(2):
        f()  # the forward pass whose cache backward reads
        dx = layer.backward(R.copy())
        for r in views.rebound():
            if r.message(who=False) not in problems:
                problems.append(r.message(who=False))
            if r.shape_fits:
                views.copy_in(r)
            else:
                skip.add(f"0.{r.entry.name}")
        grads.append((dx if dx is None else np.array(dx), net.grad.copy()))
    (dx, first), (_, second) = grads
    for name, sl in net.slices.items():
        if name not in skip and not np.allclose(first[sl], second[sl], rtol=1e-9, atol=0):
            attr = f"self.d{name[2:]}"
            problems.append(
                f"the gradient of {name[2:]!r} changes between two backward calls at the "
                f"same point: backward must overwrite it ({attr}[...] = ...), not add to it "
                f"({attr} += ...)"
            )
    return dx, first, skip


def _compare_input(dx, numeric: np.ndarray, shape: tuple, atol: float, report: LayerCheck):
    """The input gradient ``dx`` that backward returned, against ``numeric``."""
    if dx is None:
        report.problems.append(
            "backward returned None: it must return dL/dx, the delta for the layer below"
        )
    elif dx.shape != shape:
        report.problems.append(
            f"backward returned an array of shape {dx.shape} for an input of shape {shape}: "
            f"it must return dL/dx, of the input's shape"
        )
    else:
        report.errors["x"] = err = relative_error(dx, numeric, atol)
        if err >= RIGHT:
            report.problems.append(
                f"the input gradient (what backward returns) is wrong: relative error "
                f"{err:.2g} against central differences (right: below {RIGHT:.0e})"
            )


def _compare_param(name: str, analytic, numeric, atol: float, report: LayerCheck) -> None:
    """The gradient of parameter ``name`` in the packed gradient, against ``numeric``."""
    report.errors[name] = err = relative_error(analytic, numeric, atol)
    if err < RIGHT:
        return
    if np.all(np.abs(numeric) <= atol):
        report.problems.append(
            f"the parameter {name!r} has no effect on forward's output, yet backward gives "
            f"it a gradient: forward must read the array bind gave (params[{name!r}], a view "
            f"into the packed parameters net.theta), not a copy of it"
        )
    elif np.all(np.abs(analytic) <= atol):
        report.problems.append(
            f"backward leaves the gradient of {name!r} at zero: it must write dL/d{name} "
            f"into the array bind gave (grads[{name!r}]), e.g. self.d{name}[...] = ..."
        )
    else:
        report.problems.append(
            f"the gradient of {name!r} is wrong: relative error {err:.2g} against central "
            f"differences (right: below {RIGHT:.0e})"
        )
