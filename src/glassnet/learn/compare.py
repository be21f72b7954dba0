"""Comparing a learner's value with glassnet's, and saying where they differ.

Two values agree when they have the same shape and every entry is within ``TOL`` times
``max(1, the largest |entry| of glassnet's value)`` of glassnet's: the round-off of float64
arithmetic done in another order (the post's ``exp`` without the row maximum, a sum taken
row by row), nothing looser. A float32 computation does not pass.

``expect`` raises ``Wrong`` at the first value that does not agree, with where the two
differ (which entries, by how much) and a hint: the first of the usual mistakes
(``Mistake``: a wrong answer computed from the same numbers) whose value the learner's
matches, or else the quantity's general hint.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["TOL", "TOLERANCE_TEXT", "Mistake", "Wrong", "agree", "expect", "as_numbers"]

TOL = 1e-12
TOLERANCE_TEXT = f"within {TOL:g} x max(1, largest |entry|), float64 round-off"
SHOWN_ENTRIES = 6  # the most differing entries listed by index


class Mistake(NamedTuple):
    """A usual mistake: the value it gives on the case, and the hint that names it."""

    value: object
    hint: str


class Wrong(Exception):
    """The first quantity that is wrong: its name, where it differs, and the hint."""

    def __init__(self, quantity: str, where: str, hint: str):
        super().__init__(f"{quantity}: {where}")
        self.quantity, self.where, self.hint = quantity, where, hint


def _scale(right: np.ndarray) -> float:
    return TOL * max(1.0, float(np.abs(right).max(initial=0.0)))


def agree(yours: np.ndarray, right: np.ndarray) -> bool:
    """Same shape and every entry within the tolerance of glassnet's."""
    yours, right = np.asarray(yours), np.asarray(right)
    if yours.shape != right.shape:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(yours - right) <= _scale(right)))


def as_numbers(value, quantity: str) -> np.ndarray:
    """``value`` as an array of floats, or ``Wrong`` saying what came back instead."""
    try:
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError
        return arr
    except (TypeError, ValueError):
        raise Wrong(
            quantity,
            f"{quantity} is {type(value).__name__} {_short(value)}, not numbers",
            f"{quantity} must be a NumPy array (or a float) of numbers.",
        ) from None


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _index(idx) -> str:
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _g(x) -> str:
    return f"{float(x):.4g}"


def where_they_differ(yours: np.ndarray, right: np.ndarray) -> str:
    """Which entries differ and by how much: ``"2 of 6 entries differ: [0, 1], [1, 2];
    the largest difference is 0.1531 at [1, 2] (yours 0.4512, glassnet's 0.2981)"``."""
    if right.ndim == 0:
        return (
            f"yours is {_g(yours)}, glassnet's {_g(right)} "
            f"(difference {_g(abs(float(yours) - float(right)))})"
        )
    with np.errstate(invalid="ignore"):
        diff = np.abs(yours - right)
        bad = ~(diff <= _scale(right))  # NaN counts as differing
    where = np.argwhere(bad)
    if bad.all():
        text = f"all {bad.size} entries differ"
    else:
        shown = ", ".join(_index(i) for i in where[:SHOWN_ENTRIES])
        more = ", ..." if len(where) > SHOWN_ENTRIES else ""
        text = f"{len(where)} of {bad.size} entries differ: {shown}{more}"
    worst = tuple(where[np.argmax(np.where(np.isnan(diff), np.inf, diff)[bad])])
    return (
        f"{text}; the largest difference is {_g(diff[worst])} at {_index(worst)} "
        f"(yours {_g(yours[worst])}, glassnet's {_g(right[worst])})"
    )


def _fits(yours: np.ndarray, right: np.ndarray, bias: bool) -> np.ndarray | None:
    """``yours`` in ``right``'s shape, if it has it (a bias gradient may be (k,) or (1, k))."""
    if yours.shape == right.shape:
        return yours
    if bias and yours.size == right.size and yours.shape in ((right.size,), (1, right.size)):
        return yours.reshape(right.shape)
    return None


def _matching(yours, mistakes) -> str | None:
    """The hint of the first mistake whose value is the learner's (same shape, agreeing)."""
    for m in mistakes() if callable(mistakes) else mistakes:
        value = np.asarray(m.value)
        if value.shape == yours.shape and agree(yours, value):
            return m.hint
    return None


def _diagnose(yours, right, mistakes, general: str) -> str:
    """The hint: the first usual mistake that gives the learner's value."""
    if np.isnan(yours).any() or np.isinf(yours).any():
        return (
            "your value holds NaN or inf: an exp that overflowed (large scores; the "
            "softmax is unchanged when each row's largest score is subtracted first), a "
            "log of 0, or a division by 0."
        )
    hint = _matching(yours, mistakes)
    if hint is not None:
        return hint
    if yours.dtype == np.float32:
        return (
            "your value is float32: compute in float64 (NumPy's default), the precision "
            "the comparison asks for."
        )
    return general


def expect(quantity: str, yours, right, mistakes=(), general: str = "", bias: bool = False) -> None:
    """Raise ``Wrong`` unless ``yours`` agrees with glassnet's ``right``.

    ``mistakes`` is a list of ``Mistake`` or a function returning one (called only when
    the values differ); ``general`` is the hint when none of them matches; ``bias``
    accepts shape (k,) or (1, k) for a bias of shape (k,).
    """
    right = np.asarray(right, dtype=float)
    yours = as_numbers(yours, quantity)
    fitted = _fits(yours, right, bias)
    if fitted is not None and agree(fitted, right):
        return
    if fitted is None:
        raise Wrong(quantity, *_shape_hint(quantity, yours, right, mistakes, general))
    hint = _diagnose(fitted, right, mistakes, general)
    raise Wrong(quantity, where_they_differ(fitted, right), hint)


def _shape_hint(quantity, yours, right, mistakes, general) -> tuple[str, str]:
    """(where, hint) for a value of the wrong shape."""
    where = f"{quantity} has shape {yours.shape}; glassnet's has shape {right.shape}"
    if right.ndim == 2 and yours.shape == right.T.shape and right.shape[0] != right.shape[1]:
        if agree(yours.T, right):
            return where, (
                f"your entries are right but transposed: a missing transpose in the "
                f"matrix product that gives {quantity} (a gradient has the shape of its "
                f"parameter)."
            )
        return where, (
            f"your {quantity} is transposed (a missing transpose: a gradient has the "
            f"shape of its parameter), and its entries differ as well."
        )
    hint = _matching(yours, mistakes)
    return where, hint or general or f"{quantity} must have shape {right.shape}."
