"""Where in the source a value is computed: the line that ``gn.explain`` names beside each step.

The lines are found when asked, by reading the method that computes the value (``ast``
over ``inspect.getsourcelines``), never written down: an edit of ``layers.py`` moves
them and the trace follows. Three questions are asked of a method:

* ``result_line(f)``: the line that computes what ``f`` returns (its last ``return``;
  when that returns a local name, ``return z``, the last line that assigns the name,
  ``z = affine(x, self.W, self.b)``);
* ``assign_line(f, target)``: the last line that assigns ``target`` (``"yhat"``, or
  ``"self.dW"``, which ``self.dW[...] = x.T @ delta`` assigns through its view and
  ``affine(x.T, delta, out=self.dW)`` writes in place), leaving out assignments of ``None``;
* ``match_line(f, pattern)``: the first line that matches a regular expression.

Each answers with a ``SourceLine`` (file, line number, text), or None when the source
cannot be read (a class typed at the prompt) or holds no such line.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import textwrap
from pathlib import Path
from typing import NamedTuple

__all__ = ["SourceLine", "result_line", "assign_line", "match_line"]

_PACKAGE_PARENT = Path(__file__).resolve().parents[2]  # the folder that holds glassnet/


class SourceLine(NamedTuple):
    """One line of source: ``path`` (``glassnet/layers.py`` inside the package, else the
    file's full path), its absolute file ``file``, its number ``lineno`` and its code
    (without a comment at its end)."""

    path: str
    file: str
    lineno: int
    text: str

    @property
    def where(self) -> str:
        """``"glassnet/layers.py:207"``."""
        return f"{self.path}:{self.lineno}"


@functools.lru_cache(maxsize=256)
def _parsed(func):
    """``(file, first line number, source lines, ast of the function)`` or None."""
    try:
        lines, start = inspect.getsourcelines(func)
        file = inspect.getsourcefile(func)
    except (OSError, TypeError):
        return None
    if file is None:
        return None
    try:
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except SyntaxError:
        return None
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    return file, start, lines, node


def _line(func, offset: int) -> SourceLine:
    """The ``offset``-th line (1-based) of ``func``'s source."""
    file, start, lines, _ = _parsed(func)
    path = Path(file).resolve()
    try:
        shown = path.relative_to(_PACKAGE_PARENT).as_posix()
    except ValueError:
        shown = str(path)
    text = lines[offset - 1].split("  # ")[0].strip()  # the code, without its comment
    return SourceLine(shown, str(path), start + offset - 1, text)


def _body_nodes(node):
    """The statements of a function, nested blocks included, in source order."""
    return sorted(
        (n for n in ast.walk(node) if isinstance(n, ast.stmt) and n is not node),
        key=lambda n: n.lineno,
    )


def _names(target) -> set[str]:
    """What an assignment's target assigns: ``"z"``, ``"self._a"``; ``self.dW[...]``
    assigns ``"self.dW"`` through the view."""
    if isinstance(target, ast.Subscript):
        target = target.value
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(_names(t) for t in target.elts))
    if isinstance(target, (ast.Name, ast.Attribute)):
        return {ast.unparse(target)}
    return set()


def _writes_out(stmt, target: str) -> bool:
    """A call that writes into ``target`` in place: ``affine(x.T, delta, out=self.dW)``,
    ``np.matmul(a, b, out=self.dW)``."""
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    return isinstance(value, ast.Call) and any(
        k.arg == "out" and target in _names(k.value) for k in value.keywords
    )


def _assigns(stmt, target: str) -> bool:
    if _writes_out(stmt, target):
        return True
    if isinstance(stmt, ast.Assign):
        is_none = isinstance(stmt.value, ast.Constant) and stmt.value.value is None
        return not is_none and any(target in _names(t) for t in stmt.targets)
    if isinstance(stmt, ast.AnnAssign):
        return stmt.value is not None and target in _names(stmt.target)
    return False


def assign_line(func, target: str, before: int | None = None) -> SourceLine | None:
    """The last line of ``func`` (before line ``before`` of its source, if given) that
    assigns ``target``; None if there is none or the source cannot be read."""
    parsed = _parsed(func)
    if parsed is None:
        return None
    found = [
        n.lineno
        for n in _body_nodes(parsed[3])
        if _assigns(n, target) and (before is None or n.lineno < before)
    ]
    return _line(func, found[-1]) if found else None


def result_line(func) -> SourceLine | None:
    """The line that computes what ``func`` returns (see the module's docstring)."""
    parsed = _parsed(func)
    if parsed is None:
        return None
    node = parsed[3]
    returns = [n for n in _body_nodes(node) if isinstance(n, ast.Return) and n.value is not None]
    if not returns:
        return None
    last = returns[-1]
    value = last.value
    if isinstance(value, ast.Subscript):  # return d[:, None]: where d is made
        value = value.value
    arguments = {a.arg for a in node.args.args}
    if isinstance(value, ast.Name) and value.id not in arguments:
        found = assign_line(func, value.id, before=last.lineno)
        if found is not None:
            return found
    return _line(func, last.lineno)


def match_line(func, pattern: str) -> SourceLine | None:
    """The first line of ``func``'s source that matches ``pattern`` (``re.search``)."""
    parsed = _parsed(func)
    if parsed is None:
        return None
    for offset, text in enumerate(parsed[2], start=1):
        if re.search(pattern, text):
            return _line(func, offset)
    return None
