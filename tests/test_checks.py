"""glassnet._checks: the one parameter checker and its one message style."""

from __future__ import annotations

import re
from numbers import Integral, Real

import numpy as np
import pytest

from glassnet._checks import (
    Interval,
    ParamError,
    ParamTypeError,
    ParamValueError,
    StrOptions,
    check_param,
    check_params,
    describe,
)

POSITIVE = Interval(Real, 0, None, closed="neither")


@pytest.mark.parametrize(
    "constraint, words",
    [
        (POSITIVE, "a finite number > 0"),
        (Interval(Real, 0, None), "a finite number >= 0"),
        (Interval(Real, None, 5, closed="neither"), "a finite number < 5"),
        (Interval(Real, 0, 1, closed="left"), "a number in [0, 1)"),
        (Interval(Real, 0, 1, closed="neither"), "a number in (0, 1)"),
        (Interval(Real, 0.0, 10.0, closed="right"), "a number in (0, 10]"),
        (Interval(Real, 0, 0.5), "a number between 0 and 0.5"),
        (Interval(Integral, 1, None), "an integer >= 1"),
        (Interval(Integral, 0, 50), "an integer between 0 and 50"),
        ([Interval(Integral, 1, None), None], "an integer >= 1 or None"),
        (StrOptions({"sum", "mean"}), "one of 'mean', 'sum'"),
        ("boolean", "True or False"),
    ],
)
def test_describe_says_what_is_allowed(constraint, words):
    assert describe(constraint) == words


@pytest.mark.parametrize(
    "name, value, constraint, err, message",
    [
        ("lr", -0.01, POSITIVE, ParamValueError, "lr must be a finite number > 0, got -0.01"),
        ("lr", 0, POSITIVE, ParamValueError, "lr must be a finite number > 0, got 0"),
        ("lr", float("nan"), POSITIVE, ParamValueError, "lr must be a finite number > 0, got nan"),
        ("lr", float("inf"), POSITIVE, ParamValueError, "lr must be a finite number > 0, got inf"),
        (
            "lr",
            "fast",
            POSITIVE,
            ParamTypeError,
            "lr must be a finite number > 0, got 'fast' of type str",
        ),
        (
            "lr",
            True,
            POSITIVE,
            ParamTypeError,
            "lr must be a finite number > 0, got True of type bool",
        ),
        (
            "epochs",
            2.5,
            Interval(Integral, 1, None),
            ParamTypeError,
            "epochs must be an integer >= 1, got 2.5 of type float",
        ),
        (
            "epochs",
            0,
            Interval(Integral, 1, None),
            ParamValueError,
            "epochs must be an integer >= 1, got 0",
        ),
        (
            "batch_size",
            0,
            [Interval(Integral, 1, None), None],
            ParamValueError,
            "batch_size must be an integer >= 1 or None, got 0",
        ),
        (
            "reduction",
            "meen",
            StrOptions({"sum", "mean"}),
            ParamValueError,
            "reduction must be one of 'mean', 'sum', got 'meen'; did you mean 'mean'?",
        ),
        (
            "reduction",
            3,
            StrOptions({"sum", "mean"}),
            ParamTypeError,
            "reduction must be one of 'mean', 'sum', got 3 of type int",
        ),
        (
            "flag",
            "yes",
            "boolean",
            ParamTypeError,
            "flag must be True or False, got 'yes' of type str",
        ),
    ],
)
def test_one_message_style_and_the_error_kind(name, value, constraint, err, message):
    with pytest.raises(err) as exc:
        check_param(name, value, constraint)
    assert str(exc.value) == message
    # the kinds are the standard ones, so `except ValueError` and `except TypeError` keep working
    assert isinstance(exc.value, ValueError if err is ParamValueError else TypeError)
    assert (exc.value.name, exc.value.allowed) == (name, describe(constraint))


def test_values_are_returned_converted():
    assert check_param("n", np.int64(3), Interval(Integral, 1, None)) == 3
    assert type(check_param("n", np.int64(3), Interval(Integral, 1, None))) is int
    assert type(check_param("lr", 1, POSITIVE)) is float
    assert check_param("b", None, [Interval(Integral, 1, None), None]) is None
    assert check_param("flag", np.bool_(True), "boolean") is True
    assert check_param("x", 1, Interval(Real, 0, 1)) == 1.0  # closed ends are included
    with pytest.raises(ValueError):
        check_param("x", 1, Interval(Real, 0, 1, closed="left"))


def test_instances_of_a_class_named_with_their_package():
    from glassnet.optim import SGD, Optimizer

    opt = SGD(lr=0.1)
    assert check_param("opt", opt, Optimizer) is opt
    with pytest.raises(TypeError, match="opt must be a glassnet Optimizer, got 'sgd' of type str"):
        check_param("opt", "sgd", Optimizer)
    with pytest.raises(TypeError, match="^rng must be a numpy RandomState, got 0 of type int$"):
        check_param("rng", 0, np.random.RandomState)


def test_check_params_checks_every_name_and_refuses_unknown_ones():
    constraints = {"lr": POSITIVE, "epochs": Interval(Integral, 1, None)}
    assert check_params({"lr": 1, "epochs": 3}, constraints) == {"lr": 1.0, "epochs": 3}
    with pytest.raises(ValueError, match="epochs must be an integer >= 1, got 0"):
        check_params({"lr": 1, "epochs": 0}, constraints)
    with pytest.raises(KeyError):
        check_params({"momentum": 0.5}, constraints)


def test_renamed_keeps_the_message_with_another_name():
    with pytest.raises(ParamError) as exc:
        check_param("sizes", 0, Interval(Integral, 1, None))
    renamed = exc.value.renamed("--hidden")
    assert isinstance(renamed, ValueError)
    assert str(renamed) == "--hidden must be an integer >= 1, got 0"


def test_long_values_are_shortened():
    with pytest.raises(TypeError) as exc:
        check_param("lr", "x" * 500, POSITIVE)
    assert len(str(exc.value)) < 160 and re.search(r"got 'x+\.\.\. of type str$", str(exc.value))


def test_bad_constraints_are_programming_errors():
    with pytest.raises(TypeError, match="Interval kind must be Integral or Real"):
        Interval(float, 0, 1)
    with pytest.raises(ValueError, match="closed must be"):
        Interval(Real, 0, 1, closed="open")


def test_errors_survive_pickling():
    """A worker process (joblib, dask) sends its errors back pickled."""
    import pickle

    with pytest.raises(ParamValueError) as exc:
        check_param("lr", -1.0, POSITIVE)
    back = pickle.loads(pickle.dumps(exc.value))
    assert type(back) is ParamValueError and str(back) == str(exc.value) and back.name == "lr"
