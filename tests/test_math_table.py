"""README's math-to-code table quotes the code as it is.

The section "The post's math, and the code that does it" has a table with the columns
``the math | function | the code``. Every fragment in backticks in the code column must
appear, character for character, in the source of the function(s) the row names.
"""

import importlib
import inspect
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## The post's math, and the code that does it"
# where the classes a row names live
MODULES = [
    "glassnet.layers",
    "glassnet.activations",
    "glassnet.losses",
    "glassnet.network",
    "glassnet.optim",
    "glassnet.train.loop",
]


def _table_rows():
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no section {SECTION!r}"
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    lines = [ln.strip() for ln in body.splitlines() if ln.strip().startswith("|")]
    assert len(lines) > 2, "the math section has no table"
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == ["the math", "function", "the code"], f"unexpected columns {header}"
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == 3, f"a row without 3 cells: {line}"
        rows.append(cells)
    return rows


def _resolve(name: str):
    cls_name, _, attr = name.partition(".")
    for mod in MODULES:
        cls = getattr(importlib.import_module(mod), cls_name, None)
        if cls is not None:
            return getattr(cls, attr) if attr else cls  # a method, or a function
    raise LookupError(f"no class {cls_name!r} in {', '.join(MODULES)}")


def _cases():
    try:
        rows = _table_rows()
    except AssertionError:  # reported by test_the_table_is_there_with_its_three_columns
        return [pytest.param("the table", [], "", id="no-table")]
    cases = []
    for math, funcs, code in rows:
        names = re.findall(r"`([A-Za-z_]\w*(?:\.\w+)?)`", funcs)  # Class.method or function
        for fragment in re.findall(r"`([^`]+)`", code):
            cases.append(pytest.param(math, names, fragment, id=f"{names}:{fragment}"))
    return cases


def test_the_table_is_there_with_its_three_columns():
    rows = _table_rows()
    assert len(rows) >= 10


@pytest.mark.parametrize(("math", "names", "fragment"), _cases())
def test_every_quoted_fragment_is_in_the_named_function(math, names, fragment):
    assert names, f"the row for {math} names no function (`Class.method` or `function`)"
    sources = [inspect.getsource(_resolve(n)) for n in names]
    assert any(fragment in src for src in sources), (
        f"README quotes `{fragment}` for {math} but {', '.join(names)} does not contain it"
    )
