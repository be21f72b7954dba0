"""The estimators' parameters are declared once (glassnet.estimators.params.SHARED):
NetClassifier's and NetRegressor's explicit signatures are generated from it."""

from __future__ import annotations

import inspect

import pytest
from sklearn.neural_network import MLPClassifier

import glassnet as gn
from glassnet.estimators.params import SHARED


def _signature(cls) -> dict:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]  # self left out
    return {p.name: (p.default, p.kind) for p in params}


@pytest.mark.parametrize(
    ("cls", "first", "last"),
    [
        (gn.NetClassifier, {}, {"class_weight": None, "binary_output": "logistic"}),
        (gn.NetRegressor, {"loss": "squared_error"}, {}),
    ],
    ids=["NetClassifier", "NetRegressor"],
)
def test_signature_is_the_shared_list_plus_the_estimators_own(cls, first, last):
    """The names, order and defaults: ``first``, then SHARED, then ``last``; by position
    up to ``activation`` (MLPClassifier's ``hidden_layer_sizes, activation, *, ...``)."""
    sig = _signature(cls)
    assert {n: d for n, (d, _) in sig.items()} == {**first, **SHARED, **last}
    assert list(sig) == [*first, *SHARED, *last]
    by_position = [n for n, (_, k) in sig.items() if k is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert by_position == [*first, "hidden_layer_sizes", "activation"]
    assert cls().get_params() == {**first, **SHARED, **last}


def test_shared_defaults_are_mlpclassifiers():
    """Every shared name that MLPClassifier has keeps MLPClassifier's default (switching
    is a change of import); the others are glassnet's own additions."""
    mlp = MLPClassifier().get_params()
    assert {n: SHARED[n] for n in SHARED if n in mlp} == {n: mlp[n] for n in SHARED if n in mlp}
    assert sorted(set(SHARED) - set(mlp)) == ["callbacks", "dropout", "init"]


def test_parameters_are_stored_as_given():
    """``__init__`` only stores (scikit-learn's rule), given by position or keyword."""
    reg = gn.NetRegressor("poisson", (3, 2), "tanh", alpha=0.5)
    assert (reg.loss, reg.hidden_layer_sizes, reg.activation, reg.alpha) == (
        "poisson",
        (3, 2),
        "tanh",
        0.5,
    )


def test_an_unknown_parameter_names_the_estimator_and_the_name():
    with pytest.raises(TypeError, match=r"NetClassifier\(\).*'hidden_size'"):
        gn.NetClassifier(hidden_size=3)
    with pytest.raises(TypeError, match=r"NetClassifier\(\)"):
        gn.NetClassifier((3,), "tanh", "sgd")  # solver is keyword-only, as in MLPClassifier
