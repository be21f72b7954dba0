"""The tutorial notebook: stored without outputs, and every cell runs."""

import sys
from pathlib import Path

import nbformat

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_notebook_is_stored_without_outputs_and_matches_its_builder():
    nb = nbformat.read(EXAMPLES / "tutorial.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    sys.path.insert(0, str(EXAMPLES))
    try:
        import build_notebook
    finally:
        sys.path.pop(0)
    built = build_notebook.build()
    assert [c.source for c in nb.cells] == [c.source for c in built.cells]


def test_every_cell_runs(tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(EXAMPLES / "tutorial.ipynb", as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError if any cell fails
    outputs = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "Loss after iteration 0: 0.432387" in outputs
    assert "Loss after iteration 1000: 0.068947" in outputs
    images = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 10
