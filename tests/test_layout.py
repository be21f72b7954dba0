"""The package's layout: dependencies point one way, and the command line starts light."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import console_script

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def test_import_contracts_hold():
    """apps -> learn | export -> estimators | viz | data -> train -> the engine, imports
    inside functions included (the contracts are in pyproject.toml's [tool.importlinter])."""
    exe = console_script("lint-imports")
    res = subprocess.run(
        [exe, "--no-cache"], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Contracts: 2 kept, 0 broken." in res.stdout


def test_the_contracts_can_fail(tmp_path):
    """An engine module that imports glassnet.train inside a function breaks both contracts."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "glassnet", src / "glassnet")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(src / "glassnet" / "schedules.py", "a") as fh:
        fh.write("\n\ndef _probe():\n    from .train import fit  # noqa: F401\n")
    res = subprocess.run(
        [console_script("lint-imports"), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode != 0
    assert "glassnet.schedules -> glassnet.train.fit" in res.stdout


def test_help_loads_nothing_heavy_beyond_the_package():
    """``glassnet --help`` builds every command's options without matplotlib, scikit-learn
    or the modules that run the commands (they are imported when a command runs)."""
    code = (
        "import sys, glassnet\n"
        "before = set(sys.modules)\n"
        "from glassnet.apps.cli import build_parser\n"
        "build_parser()\n"
        "heavy = ('matplotlib', 'sklearn', 'glassnet.apps._train_run', 'glassnet.viz', "
        "'glassnet.data', 'glassnet.estimators', 'joblib')\n"
        "print(sorted(m for m in set(sys.modules) - before if m.startswith(heavy)))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True
    )
    assert res.stdout.strip() == "[]", res.stdout


def test_the_namespace_holds_only_public_names_and_submodules():
    """What ``import glassnet as gn`` shows (``dir(gn)``, completion in an editor): the
    names of ``__all__``, the lazily imported modules and glassnet's own submodules, not
    the helpers ``__init__`` imports (``TYPE_CHECKING`` and ``importlib`` were there)."""
    import types

    import glassnet as gn

    def is_submodule(name):
        value = vars(gn).get(name)
        return isinstance(value, types.ModuleType) and value.__name__.startswith("glassnet.")

    public = [n for n in dir(gn) if not n.startswith("_")]
    strays = [n for n in public if n not in gn.__all__ and n not in gn._MODULES]
    assert [n for n in strays if not is_submodule(n)] == []
    assert gn.mlp is vars(gn)["mlp"]  # a lazy name, imported at first use, then kept
    assert set(gn.__all__) <= set(dir(gn))


def _class_sizes() -> dict[str, int]:
    """Each class in src/glassnet: its lines from ``class`` to its last line, its
    docstring not counted."""
    import ast

    sizes = {}
    for path in sorted((ROOT / "src" / "glassnet").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                lines = node.end_lineno - node.lineno + 1
                if ast.get_docstring(node) is not None:
                    lines -= node.body[0].end_lineno - node.body[0].lineno + 1
                sizes[f"{path.relative_to(ROOT)}::{node.name}"] = lines
    return sizes


def test_no_class_over_300_lines():
    """Inspection, file I/O and parameter checks live in functions beside a class, so
    that no class (BaseNet and Sequential were the longest) grows past ~300 lines."""
    sizes = _class_sizes()
    assert "src/glassnet/network.py::Sequential" in sizes  # the walk finds the classes
    assert {name: n for name, n in sizes.items() if n > 300} == {}


def test_backward_takes_delta_everywhere():
    """One name for ``dL/d out`` (the post's ``delta``, stated in the package docstring):
    every engine ``backward`` that takes it calls it ``delta``, none ``grad``/``dy``/``dout``."""
    import ast

    import glassnet

    assert "``delta`` is the derivative of the loss" in glassnet.__doc__
    names = {}
    for path in sorted((ROOT / "src" / "glassnet").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == "backward":
                args = [a.arg for a in node.args.args[1:]]
                if args:
                    names[f"{path.relative_to(ROOT)}:{node.lineno}"] = args[0]
    assert len(names) >= 10  # Layer, Dense, Dropout, BatchNorm, the activations, Sequential
    assert {where: a for where, a in names.items() if a != "delta"} == {}


def test_no_function_over_60_lines():
    """Each function of src/glassnet reads on one screen: at most ~60 lines, its
    docstring not counted."""
    import ast

    long = {}
    for path in sorted((ROOT / "src" / "glassnet").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if ast.get_docstring(node) is not None:
                    lines -= node.body[0].end_lineno - node.body[0].lineno + 1
                if lines > 60:
                    long[f"{path.relative_to(ROOT)}::{node.name}"] = lines
    assert long == {}
