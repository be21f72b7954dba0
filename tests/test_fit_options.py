"""``fit``'s options are declared once (issue 24, item 3): ``glassnet.train.fit_options``
holds each one's default, check and help; fit, the command line and the estimators
derive from it."""

import inspect

import pytest

import glassnet as gn
from glassnet._checks import describe
from glassnet.apps.cli import build_parser
from glassnet.estimators.params import PARAMETER_CONSTRAINTS as _PARAMETER_CONSTRAINTS
from glassnet.train.fit_options import CONSTRAINTS, HELP, FitOptions, option_check


@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_fit_signature_default_is_the_tables(name):
    # fit's signature (its public face) says what the table says
    default = inspect.signature(gn.fit).parameters[name].default
    assert default == FitOptions.__dataclass_fields__[name].default


def _train_actions():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.choices and "train" in a.choices)
    return {a.dest: a for a in sub.choices["train"]._actions}


@pytest.mark.parametrize(
    "name, cli_default",
    [
        ("epochs", 20000),
        ("batch_size", None),
        ("l2", 0.01),
        ("clip_norm", None),
        ("validation_fraction", None),
        ("checkpoint_every", 100),
    ],
)
def test_train_options_take_check_and_help_from_the_table(name, cli_default):
    action = _train_actions()[name]
    assert action.help.startswith(HELP[name])
    assert action.default == cli_default  # the command's own default
    assert action.type.__name__ == describe(option_check(name))


def test_estimators_share_fits_checks():
    assert _PARAMETER_CONSTRAINTS["shuffle"] == CONSTRAINTS["shuffle"]
    assert _PARAMETER_CONSTRAINTS["validation_fraction"] is option_check("validation_fraction")
    assert _PARAMETER_CONSTRAINTS["batch_size"][1:] == CONSTRAINTS["batch_size"]


def test_a_bad_value_is_refused_in_the_tables_words():
    # fit and the command line say the same: the table's constraint, described once
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0, got -1"):
        gn.fit(gn.mlp([2, 3, 2], seed=0), gn.SoftmaxCrossEntropy(), [[0, 0]], [0], l2=-1)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--l2", "-1"])
