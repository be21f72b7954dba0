"""The tutorial notebook: stored executed, with its figures, and what it stores is what a
fresh execution prints (examples/build_notebook.py writes it)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

# the CPU's floating-point path can move these results: CI runs them on two (README)
pytestmark = pytest.mark.numbers

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOK = EXAMPLES / "tutorial.ipynb"

# a number as the notebook prints it: 0.432387, 20000, 7.24e-10, 0.0e+00
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _builder():
    sys.path.insert(0, str(EXAMPLES))
    try:
        import build_notebook
    finally:
        sys.path.pop(0)
    return build_notebook


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _text(cell) -> str:
    """What a code cell printed (stdout and results; not the figures' text stand-ins)."""
    parts = []
    for o in cell.outputs:
        if o.output_type == "stream" and o.name == "stdout":
            parts.append(o.text)
        elif o.output_type == "execute_result":
            parts.append(o.data.get("text/plain", ""))
    return "".join(parts)


def _images(cell) -> int:
    return sum(1 for o in cell.outputs if "image/png" in o.get("data", {}))


def _same_number(stored: str, fresh: str) -> bool:
    """Whole numbers (counts, epochs) equal; decimals equal up to one unit in the last
    printed digit (rounding of the last bit can move it); numbers printed as x.xe-NN
    below 1e-6 are rounding noise (a gradient check's relative error) and only need to
    stay below 1e-6."""
    a, b = float(stored), float(fresh)
    if re.fullmatch(r"[-+]?\d+", stored):
        return stored == fresh
    if "e" in stored.lower() and abs(a) < 1e-6:
        return abs(b) < 1e-6
    decimals = len(stored.split(".")[1].split("e")[0].split("E")[0]) if "." in stored else 0
    if "e" in stored.lower():
        return abs(a - b) <= abs(a) * 10 ** (-decimals) * 1.01
    return abs(a - b) <= 10 ** (-decimals) * 1.01


@pytest.fixture(scope="module")
def stored():
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """The notebook's cells executed now, in a fresh kernel."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    return _builder().execute(_builder().build(), tmp_path_factory.mktemp("notebook"))


def test_notebook_holds_the_builders_cells(stored):
    built = _builder().build()
    assert [c.source for c in stored.cells] == [c.source for c in built.cells]
    assert [c.cell_type for c in stored.cells] == [c.cell_type for c in built.cells]


def test_notebook_is_stored_executed_with_its_figures(stored):
    cells = _code_cells(stored)
    assert all(c.execution_count is not None for c in cells)
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    assert sum(_images(c) for c in cells) >= 15
    text = "".join(_text(c) for c in cells)
    assert "Loss after iteration 0: 0.432387" in text  # the post's first print
    assert "Loss after iteration 1000: 0.068947" in text  # and its second
    for cell in cells:
        for o in cell.outputs:
            assert o.output_type != "error", cell.source
            assert not (o.output_type == "stream" and o.name == "stderr"), (cell.source, o.text)


def test_notebook_shows_the_fit_call_and_the_posts_choices(stored):
    source = "\n".join(c.source for c in _code_cells(stored))
    assert "gn.fit(" in source
    assert "LogisticRegressionCV()" in source
    assert "learning_rate_init=0.01 * len(X)" in source
    words = " ".join(c.source for c in stored.cells if c.cell_type == "markdown")
    assert "learning_rate_init=0.01 * len(X)" in words and "mean" in words
    for module in ("glassnet.apps.tutorial_cmd", "glassnet.viz", "glassnet.apps"):
        assert f"from {module} import" in source


def test_stored_outputs_match_a_fresh_execution(stored, fresh):
    """Cell by cell: the same printed text and numbers, and the same number of figures."""
    old_cells, new_cells = _code_cells(stored), _code_cells(fresh)
    assert len(old_cells) == len(new_cells)
    for old, new in zip(old_cells, new_cells):
        assert _images(old) == _images(new), old.source
        old_text, new_text = _text(old), _text(new)
        assert NUMBER.sub("#", old_text) == NUMBER.sub("#", new_text), old.source
        pairs = zip(NUMBER.findall(old_text), NUMBER.findall(new_text))
        different = [(a, b) for a, b in pairs if not _same_number(a, b)]
        assert not different, (old.source, different)


def test_same_number_rule():
    assert _same_number("0.071316", "0.071317")
    assert not _same_number("0.071316", "0.071318")
    assert _same_number("20000", "20000") and not _same_number("19", "20")
    assert _same_number("7.24e-10", "9.98e-10")
    assert not _same_number("7.24e-10", "2.0e-03")
