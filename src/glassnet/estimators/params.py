"""The estimators' parameters, each declared once: its name and default (``__init__``'s
explicit signature, which scikit-learn's ``get_params`` reads) and its check in ``fit``
(scikit-learn's ``_parameter_constraints``, with ``InvalidParameterError``)."""

from __future__ import annotations

from inspect import Parameter, Signature
from numbers import Integral, Real

import numpy as np

from .._checks import Interval, ParamError, StrOptions, check_param, check_params
from ..activations import ACTIVATIONS
from ..layers import WIDTH
from ..optim import CONSTRAINTS as OPTIMIZER_CONSTRAINTS
from ..train.fit_options import CONSTRAINTS as FIT_CONSTRAINTS
from ..train.fit_options import option_check

__all__ = [
    "SHARED",
    "InvalidParameterError",
    "check_estimator_params",
    "estimator_init",
    "hidden_activations",
    "hidden_sizes",
]

# the parameters of NetClassifier and NetRegressor with their defaults: MLPClassifier's,
# in its order (the first two also by position), then glassnet's own
SHARED = {
    "hidden_layer_sizes": (100,),
    "activation": "relu",
    "solver": "adam",
    "alpha": 0.0001,
    "batch_size": "auto",
    "learning_rate": "constant",
    "learning_rate_init": 0.001,
    "power_t": 0.5,
    "max_iter": 200,
    "shuffle": True,
    "random_state": None,
    "tol": 1e-4,
    "verbose": False,
    "warm_start": False,
    "momentum": 0.9,
    "nesterovs_momentum": True,
    "early_stopping": False,
    "validation_fraction": 0.1,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "epsilon": 1e-8,
    "n_iter_no_change": 10,
    "max_fun": 15000,
    "dropout": 0.0,
    "init": "auto",
    "callbacks": None,
}
_BY_POSITION = ("hidden_layer_sizes", "activation")


def estimator_init(first: dict | None = None, last: dict | None = None):
    """An ``__init__`` that only stores its arguments (scikit-learn's rule), with the
    explicit signature ``(self, *first, hidden_layer_sizes, activation, *, <SHARED>, *last)``
    that ``inspect.signature`` and so ``get_params`` and ``clone`` see: ``first``'s
    parameters (``NetRegressor``'s ``loss``) come before ``SHARED``'s and may be given by
    position, ``last``'s come after them, by keyword."""
    first, last = first or {}, last or {}
    positional = [*first, *_BY_POSITION]
    params = [Parameter("self", Parameter.POSITIONAL_OR_KEYWORD)]
    for name, default in {**first, **SHARED, **last}.items():
        kind = Parameter.POSITIONAL_OR_KEYWORD if name in positional else Parameter.KEYWORD_ONLY
        params.append(Parameter(name, kind, default=default))
    signature = Signature(params)

    def __init__(self, *args, **kwargs):
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as exc:  # an unknown name, or too many by position
            raise TypeError(f"{type(self).__name__}(): {exc}") from None
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature
    return __init__


class InvalidParameterError(ParamError, ValueError, TypeError):
    """A bad estimator parameter: a ``ValueError`` and a ``TypeError`` at once, as
    scikit-learn's own ``InvalidParameterError``, so that code written for
    ``MLPClassifier`` catches it the same way."""

    def __init__(self, name, value, allowed, hint="", wrong_kind=False):
        self.wrong_kind = wrong_kind
        super().__init__(name, value, allowed, hint)

    def __reduce__(self):
        return type(self), (self.name, self.value, self.allowed, self.hint, self.wrong_kind)


def invalid(exc: ParamError) -> InvalidParameterError:
    """``exc`` as the estimators raise it."""
    return InvalidParameterError(exc.name, exc.value, exc.allowed, exc.hint, exc.wrong_kind)


# one constraint per parameter, checked in ``fit`` (scikit-learn's ``_parameter_constraints``);
# those that mean what ``gn.fit``'s options or the optimizers' settings mean are theirs
PARAMETER_CONSTRAINTS = {
    "solver": StrOptions({"sgd", "adam", "lbfgs"}),
    "learning_rate": StrOptions({"constant", "invscaling", "adaptive"}),
    "alpha": Interval(Real, 0, None),
    "learning_rate_init": OPTIMIZER_CONSTRAINTS["lr"],
    "power_t": Interval(Real, 0, None),
    "tol": Interval(Real, 0, None),
    "momentum": OPTIMIZER_CONSTRAINTS["momentum"],  # [0, 1): at 1 the velocity never decays
    "validation_fraction": option_check("validation_fraction"),  # as fit's
    "beta_1": OPTIMIZER_CONSTRAINTS["beta_1"],
    "beta_2": OPTIMIZER_CONSTRAINTS["beta_2"],
    "epsilon": Interval(Real, 0, None, closed="neither"),  # > 0, as scikit-learn's (Adam: >= 0)
    "dropout": Interval(Real, 0, 1, closed="left"),
    "max_iter": Interval(Integral, 1, None),
    "n_iter_no_change": Interval(Integral, 1, None),  # or np.inf: never stop early
    "max_fun": OPTIMIZER_CONSTRAINTS["max_fun"],
    "batch_size": [StrOptions({"auto"}), *FIT_CONSTRAINTS["batch_size"]],  # fit's, or "auto"
    "shuffle": FIT_CONSTRAINTS["shuffle"],
    "warm_start": "boolean",
    "nesterovs_momentum": "boolean",
    "early_stopping": "boolean",
    "verbose": ["boolean", Interval(Integral, 0, None)],
}


def check_estimator_params(est) -> None:
    """Check ``est``'s parameters against ``PARAMETER_CONSTRAINTS``; raise
    ``InvalidParameterError`` naming the first bad one."""
    values = {name: getattr(est, name) for name in PARAMETER_CONSTRAINTS}
    if values["n_iter_no_change"] == np.inf:
        del values["n_iter_no_change"]
    try:
        check_params(values, PARAMETER_CONSTRAINTS)
    except ParamError as exc:
        raise invalid(exc) from None


def hidden_sizes(value) -> list[int]:
    """``hidden_layer_sizes`` as a list: an integer >= 1, or a sequence of them."""
    h = value
    if isinstance(h, Integral) and not isinstance(h, bool):
        h = [h]
    if isinstance(h, (str, bytes)) or not hasattr(h, "__iter__"):
        allowed = "an integer >= 1 or a sequence of them"
        raise InvalidParameterError("hidden_layer_sizes", h, allowed, wrong_kind=True)
    try:
        return [check_param(f"hidden_layer_sizes[{i}]", v, WIDTH) for i, v in enumerate(h)]
    except ParamError as exc:
        raise invalid(exc) from None


def hidden_activations(value, n_hidden: int) -> list:
    """``activation`` as one name per hidden layer: a name for all, or a list of them."""
    acts = [value] * n_hidden if isinstance(value, str) else list(value)
    if len(acts) != n_hidden:
        raise ValueError(f"activation lists {len(acts)} entries for {n_hidden} hidden layers")
    for a in acts:
        ACTIVATIONS.get(a, argname="activation")
    return acts
