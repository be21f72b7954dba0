"""``gn.learn.check``: run a learner's exercise on random cases and grade it.

The cases are drawn from ``seed`` (0 unless given, and printed, so that a run can be
replayed); every quantity is compared with glassnet's to float64 round-off
(``glassnet.learn.compare.TOL``); the report is a ``CheckResult``: passed, or the
first quantity that is wrong, where it differs and a hint aimed at the usual mistake
behind that difference.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .compare import TOLERANCE_TEXT, Wrong
from .exercises import EXERCISES, Marks, get_exercise
from .sandbox import (
    ERROR,
    NOT_WRITTEN,
    TIMEOUT,
    Learner,
    LearnerFailure,
    learner_folder,
    load_functions,
)
from .stubs import signatures

__all__ = ["check", "check_folder", "CheckResult", "PASSED", "WRONG"]

PASSED, WRONG = "passed", "wrong"
SHAPE_ERRORS = ("not aligned", "matmul", "could not be broadcast", "mismatch in its core")


@dataclass
class CheckResult:
    """The grade of one exercise.

    Attributes
    ----------
    exercise : str
    status : {"passed", "wrong", "error", "timeout", "not written"}
    passed : bool
    first_wrong : str or None
        The first quantity that differs from glassnet's (``"dW1"``, ``"loss"``, ...),
        None when the check passed or the learner's code did not finish.
    where : str or None
        Which entries differ and by how much (or the shapes, if they differ).
    hint : str or None
        The usual mistake behind the difference (or behind the error).
    error : str or None
        The learner's error, its traceback trimmed to the learner's files.
    case : str or None
        The case that failed, e.g. ``"1 of 3, 5 random rows, ..."``; None when the
        learner's file did not load.
    right_before : list of str
        The quantities found right in that case before the first wrong one.
    seed : int
        The seed the cases were drawn from: the same seed gives the same cases.
    quantities : tuple of str
        What is compared, in order.
    """

    exercise: str
    status: str
    seed: int
    quantities: tuple = ()
    first_wrong: str | None = None
    where: str | None = None
    hint: str | None = None
    error: str | None = None
    case: str | None = None
    right_before: list = field(default_factory=list)
    n_cases: int = 0

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return _report(self)


def _wrap(label: str, text: str) -> list[str]:
    return textwrap.wrap(
        f"{label}{text}",
        width=88,
        initial_indent="  ",
        subsequent_indent="    ",
        break_on_hyphens=False,
    )


def _report(r: CheckResult) -> str:
    """The text of a result (what ``glassnet learn check`` prints)."""
    if r.passed:
        names = ", ".join(r.quantities)
        verb = "agrees" if len(r.quantities) == 1 else "agree"
        return "\n".join(
            [f"{r.exercise}: passed."]
            + _wrap("", f"{names} {verb} with glassnet's on all {r.n_cases} cases (seed "
                        f"{r.seed}), {TOLERANCE_TEXT}.")
        )  # fmt: skip
    if r.status == NOT_WRITTEN:
        return f"{r.exercise}: not written yet ({r.error})."
    head = {
        WRONG: f"{r.first_wrong} is wrong",
        ERROR: "your code raised an error",
        TIMEOUT: "your code ran too long",
    }[r.status]
    if r.case is None:
        head = "your file did not load"
    lines = [f"{r.exercise}: {head}."]
    if r.case is not None:
        lines += _wrap("Case: ", f"{r.case} (seed {r.seed}).")
    if r.right_before:
        lines += _wrap("Right before it: ", ", ".join(r.right_before) + ".")
    if r.where:
        lines += _wrap("Where: ", r.where + ".")
    if r.error and r.status == TIMEOUT:
        lines += _wrap("", r.error)
    elif r.error:
        lines += ["  " + line for line in r.error.splitlines()]
    if r.hint:
        lines += _wrap("Hint: ", r.hint)
    return "\n".join(lines)


def _as_functions(ex, function) -> dict:
    """The learner's functions by name from a function, a dict, or a module/namespace."""
    if callable(function) and not isinstance(function, type) and len(ex.functions) == 1:
        return {ex.functions[0]: function}
    found = {}
    for name in ex.functions:
        fn = function.get(name) if isinstance(function, dict) else getattr(function, name, None)
        if not callable(fn):
            what = (
                "a dict or a module" if len(ex.functions) > 1 else "a function, a dict or a module"
            )
            raise TypeError(
                f"function must be {what} holding {', '.join(ex.functions)} for the "
                f"{ex.name!r} exercise; {name!r} is missing from {function!r:.80}"
            )
        found[name] = fn
    return found


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return int(seed)


def _check_timeout(timeout) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    return float(timeout)


def check(name: str, function, *, seed: int = 0, timeout: float = 10.0) -> CheckResult:
    """Grade a learner's exercise against glassnet on random cases.

    Parameters
    ----------
    name : str
        The exercise: ``"forward"``, ``"loss"``, ``"backward"``, ``"activation"``,
        ``"minibatch"``, ``"annealing"``, ``"three_classes"`` or ``"two_hidden_layers"``
        (``glassnet learn list`` says what each asks for).
    function : callable, dict or module
        The learner's function (``forward``, ``calculate_loss``, ``backward``,
        ``minibatch_epoch``), or, for an exercise of several functions, a dict or a
        module holding them by name (``globals()`` in a notebook will do).
    seed : int, default 0
        The cases are drawn from it: the same seed gives the same cases.
    timeout : float, default 10
        Seconds a call of the learner's function may take before it is stopped.

    Returns
    -------
    CheckResult
        ``.passed``, ``.first_wrong``, ``.hint``; ``str()`` is the report.

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> def forward(model, X):
    ...     a1 = np.tanh(X @ model["W1"] + model["b1"])
    ...     z2 = a1 @ model["W2"] + model["b2"]
    ...     return np.exp(z2)  # the softmax's division is missing
    >>> result = gn.learn.check("forward", forward)
    >>> result.passed, result.first_wrong
    (False, 'probs')
    >>> print(result.hint)
    exp of the scores, not divided by each row's sum: rows of probabilities sum to 1.
    """
    ex = get_exercise(name)
    seed, timeout = _check_seed(seed), _check_timeout(timeout)
    learner = Learner(_as_functions(ex, function), timeout)
    return grade(ex, learner, seed)


def grade(ex, learner: Learner, seed: int) -> CheckResult:
    """Run ``learner`` on the exercise's cases drawn from ``seed``; the first failure ends it."""
    cases = ex.cases(np.random.default_rng(seed))
    result = CheckResult(ex.name, PASSED, seed, ex.quantities, n_cases=len(cases))
    for i, case in enumerate(cases, 1):
        marks = Marks()
        try:
            ex.grade(learner, case, marks)
            continue
        except Wrong as w:
            result.status, result.first_wrong, result.where = WRONG, w.quantity, w.where
            result.hint = w.hint
        except LearnerFailure as f:
            result.status, result.error, result.hint = f.status, f.text, _error_hint(f, ex)
        result.case, result.right_before = f"{i} of {len(cases)}, {case.text}", marks.right
        return result
    return result


def _error_hint(f: LearnerFailure, ex) -> str | None:
    """A hint for an error in the learner's code: shapes that do not fit, a call that
    does not match the exercise's signature."""
    exc = f.exception
    if exc is None or f.status != ERROR:
        return None
    text = str(exc)
    if isinstance(exc, ValueError) and any(s in text for s in SHAPE_ERRORS):
        return (
            "the shapes of a product or a sum do not fit: a missing transpose is the usual "
            "cause (a weight matrix W has shape (inputs, outputs); write each factor's shape "
            "beside it)."
        )
    if isinstance(exc, TypeError) and "argument" in text and "Traceback" not in f.text:
        calls = "; ".join(signatures(ex.name))
        return f"glassnet calls {calls}: your function must take these arguments."
    return None


def check_folder(folder, names=None, *, seed: int = 0, timeout: float = 10.0) -> list[CheckResult]:
    """Grade the exercise files in ``folder`` (``glassnet learn start`` wrote them): all
    of them, or those named in ``names``. A missing file is reported as not written."""
    folder = Path(folder)
    seed, timeout = _check_seed(seed), _check_timeout(timeout)
    results = []
    with learner_folder(folder):
        for name in names or list(EXERCISES):
            ex = get_exercise(name)
            path = folder / f"{name}.py"
            if not path.is_file():
                r = CheckResult(name, NOT_WRITTEN, seed, ex.quantities, error=f"no file {path}")
                results.append(r)
                continue
            try:
                learner = load_functions(path, ex.functions, timeout)
            except LearnerFailure as f:  # no case ran: the file did not load
                results.append(CheckResult(name, f.status, seed, ex.quantities, error=f.text))
                continue
            results.append(grade(ex, learner, seed))
    return results
