"""One place that checks parameters, with one message style.

Each parameter gets a *constraint*, written declaratively next to the code that uses
it (scikit-learn's ``_parameter_constraints`` is the model)::

    from numbers import Integral, Real
    from glassnet._checks import Interval, StrOptions, check_param, check_params

    CONSTRAINTS = {
        "lr": Interval(Real, 0, None, closed="neither"),       # a finite number > 0
        "momentum": Interval(Real, 0, 1, closed="left"),      # a number in [0, 1)
        "epochs": Interval(Integral, 1, None),                 # an integer >= 1
        "batch_size": [Interval(Integral, 1, None), None],     # ... or None
        "reduction": StrOptions({"sum", "mean"}),              # 'mean' or 'sum'
    }
    lr = check_param("lr", lr, CONSTRAINTS["lr"])              # returns float(lr)
    v = check_params({"lr": lr, "epochs": epochs}, CONSTRAINTS)  # dict of checked values

A constraint is one of

- ``Interval(Integral | Real, left, right, closed=...)``: a number in a range; ``None`` for
  an unbounded end. Described as "an integer >= 1", "a finite number > 0", "a number
  between 0 and 10" (both ends included) or "a number in [0, 1)". ``Real`` intervals
  never accept NaN or infinity; bools are never numbers.
- ``StrOptions({...})``: one of a few strings (the message suggests the closest).
- ``None``: the value ``None``.
- a class, e.g. ``Optimizer``: an instance of it.
- ``"boolean"`` (True/False, NumPy bools too) or ``"callable"``.
- a list of the above: any of them.

Every failure reads ``"<name> must be <what is allowed>, got <value>"``, for example
``lr must be a finite number > 0, got -0.01``. A value of the wrong kind raises
``ParamTypeError`` (a ``TypeError``); a value of the right kind out of range raises
``ParamValueError`` (a ``ValueError``). Both carry ``name``, ``value`` and ``allowed``, so
the command line can say the same with its option names (``exc.renamed("--lr")``).
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "Interval",
    "StrOptions",
    "ParamError",
    "ParamTypeError",
    "ParamValueError",
    "check_param",
    "check_params",
    "describe",
]


class ParamError(Exception):
    """A parameter that breaks its constraint: ``name``, ``value``, ``allowed`` (the words
    after "must be") and an optional ``hint`` (such as "did you mean 'adam'?")."""

    wrong_kind = False  # True: the value is not even of an allowed kind

    def __init__(self, name: str, value: Any, allowed: str, hint: str = ""):
        self.name, self.value, self.allowed, self.hint = name, value, allowed, hint
        super().__init__(self._message())

    def _message(self) -> str:
        got = _show(self.value)
        if self.wrong_kind:
            got = f"{got} of type {type(self.value).__name__}"
        return f"{self.name} must be {self.allowed}, got {got}{self.hint}"

    def __reduce__(self):  # picklable, so that errors in joblib workers come back intact
        return type(self), (self.name, self.value, self.allowed, self.hint)

    def renamed(self, name: str) -> ParamError:
        """The same error naming the parameter ``name`` (a command-line option, say)."""
        return type(self)(name, self.value, self.allowed, self.hint)


class ParamTypeError(ParamError, TypeError):
    """The value is not of an allowed kind (a string for a number, a float for an integer)."""

    wrong_kind = True


class ParamValueError(ParamError, ValueError):
    """The value is of an allowed kind but outside what is allowed."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Interval:
    """Numbers of ``kind`` (``numbers.Integral`` or ``numbers.Real``) between ``left`` and
    ``right`` (``None``: unbounded); ``closed`` is "both", "left", "right" or "neither"."""

    def __init__(self, kind, left=None, right=None, *, closed: str = "both"):
        if kind not in (numbers.Integral, numbers.Real):
            raise TypeError(f"Interval kind must be Integral or Real, got {kind!r}")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be both, left, right or neither, got {closed!r}")
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def accepts_type(self, value) -> bool:
        return not isinstance(value, bool) and isinstance(value, self.kind)

    def __contains__(self, value) -> bool:
        if not self.accepts_type(value) or (self.kind is numbers.Real and not math.isfinite(value)):
            return False
        lo_ok = self.left is None or (
            value >= self.left if self.closed in ("both", "left") else value > self.left
        )
        hi_ok = self.right is None or (
            value <= self.right if self.closed in ("both", "right") else value < self.right
        )
        return lo_ok and hi_ok

    def convert(self, value):
        return int(value) if self.kind is numbers.Integral else float(value)

    def __str__(self) -> str:
        left, right = _bound(self.left), _bound(self.right)
        if self.left is not None and self.right is not None:
            what = "an integer" if self.kind is numbers.Integral else "a number"
            if self.closed == "both":
                return f"{what} between {left} and {right}"
            lo = "[" if self.closed in ("both", "left") else "("
            hi = "]" if self.closed in ("both", "right") else ")"
            return f"{what} in {lo}{left}, {right}{hi}"
        what = "an integer" if self.kind is numbers.Integral else "a finite number"
        if self.left is not None:
            return f"{what} {'>=' if self.closed in ('both', 'left') else '>'} {left}"
        if self.right is not None:
            return f"{what} {'<=' if self.closed in ('both', 'right') else '<'} {right}"
        return what


def _bound(x) -> str:
    """A bound as a reader writes it: 0 and 10 rather than 0.0 and 10.0."""
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


class StrOptions:
    """One of the strings ``options`` (exact match, case-sensitive)."""

    def __init__(self, options: Iterable[str]):
        self.options = sorted(options)

    def accepts_type(self, value) -> bool:
        return isinstance(value, str)

    def __contains__(self, value) -> bool:
        return isinstance(value, str) and value in self.options

    def convert(self, value):
        return value

    def closest(self, value) -> str:
        close = difflib.get_close_matches(str(value), self.options, n=1, cutoff=0.5)
        return f"; did you mean {close[0]!r}?" if close else ""

    def __str__(self) -> str:
        names = [repr(o) for o in self.options]
        return names[0] if len(names) == 1 else f"one of {', '.join(names)}"


class _Kind:
    """An ``isinstance`` constraint: a class, ``"boolean"`` or ``"callable"``."""

    def __init__(self, spec):
        self.spec = spec

    def accepts_type(self, value) -> bool:
        if self.spec is None:
            return value is None
        if self.spec == "boolean":
            return type(value).__name__ in ("bool", "bool_")
        if self.spec == "callable":
            return callable(value)
        return isinstance(value, self.spec)

    __contains__ = accepts_type

    def convert(self, value):
        return bool(value) if self.spec == "boolean" else value

    def __str__(self) -> str:
        if self.spec is None or self.spec in ("boolean", "callable"):
            return {None: "None", "boolean": "True or False", "callable": "a callable"}[self.spec]
        package = self.spec.__module__.split(".")[0]  # "a glassnet Optimizer", "a numpy ..."
        return f"a {package} {self.spec.__name__}"


def _normalise(constraint) -> list:
    items = constraint if isinstance(constraint, list) else [constraint]
    return [c if isinstance(c, (Interval, StrOptions)) else _Kind(c) for c in items]


def describe(constraint) -> str:
    """What ``constraint`` allows, in words: ``"an integer >= 1 or None"``."""
    words = [str(c) for c in _normalise(constraint)]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def check_param(name: str, value: Any, constraint) -> Any:
    """``value`` if it meets ``constraint`` (numbers converted to ``int``/``float``).

    Raises
    ------
    ParamTypeError
        (a ``TypeError``) when no constraint accepts the kind of ``value``.
    ParamValueError
        (a ``ValueError``) when the kind is right but the value is not allowed.
    """
    items = _normalise(constraint)
    for c in items:
        if value in c:
            return c.convert(value)
    hint = ""
    for c in items:
        if isinstance(c, StrOptions) and isinstance(value, str):
            hint = c.closest(value)
    if any(c.accepts_type(value) for c in items):
        raise ParamValueError(name, value, describe(constraint), hint)
    raise ParamTypeError(name, value, describe(constraint))


def check_params(values: Mapping[str, Any], constraints: Mapping[str, Any]) -> dict:
    """Check each ``values[name]`` against ``constraints[name]``; returns the checked values.

    A name without a constraint is a programming error (``KeyError``), so that a new
    parameter cannot slip through unchecked.
    """
    return {name: check_param(name, v, constraints[name]) for name, v in values.items()}
