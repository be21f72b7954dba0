"""The documentation site: it builds with ``mkdocs build --strict`` (a broken reference, a
missing page or a docstring the API reference cannot read fails), every public name has
an API entry, and the examples in the pages run and print what the pages show."""

from __future__ import annotations

import doctest
import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import glassnet

from ._runs import check_tutorial_table
from .conftest import resolve_dotted

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# the names that glassnet.__all__ lists but that are not objects with a docstring page
NOT_DOCUMENTED_OBJECTS = {"__version__"}


def _api_entries() -> dict[str, str]:
    """``{object path: page}`` for every ``::: glassnet...`` directive under docs/api."""
    entries = {}
    for page in sorted((DOCS / "api").glob("*.md")):
        for m in re.finditer(r"^::: (glassnet[\w.]*)\s*$", page.read_text(), re.MULTILINE):
            entries[m.group(1)] = page.name
    return entries


def test_every_public_name_has_an_api_entry():
    entries = _api_entries()
    documented = {path.rsplit(".", 1)[-1] for path in entries}
    missing = set(glassnet.__all__) - NOT_DOCUMENTED_OBJECTS - documented
    assert not missing, f"public names without an API entry in docs/api/*.md: {sorted(missing)}"


def test_api_entries_are_the_public_objects():
    """Each entry named like a public name documents that very object (not a namesake)."""
    for path in _api_entries():
        name = path.rsplit(".", 1)[-1]
        if name in glassnet.__all__:
            assert resolve_dotted(path) is getattr(glassnet, name), path


def test_the_modules_the_brief_names_are_documented():
    entries = _api_entries()
    assert "glassnet.viz.plotting" in entries
    assert "glassnet.data.datasets" in entries


def test_every_page_is_in_the_navigation():
    """A page left out of ``nav`` is not reachable from the site's menu."""
    config = (ROOT / "mkdocs.yml").read_text()
    nav = config[config.index("\nnav:") : config.index("\nplugins:")]
    in_nav = set(re.findall(r"[\w/.-]+\.(?:md|ipynb)", nav))
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*") if p.suffix in (".md", ".ipynb")}
    assert on_disk == in_nav


def _pycon_blocks(text: str) -> list[tuple[int, str]]:
    """``(line number, code)`` of every fenced ```pycon block of a Markdown page."""
    blocks = []
    for m in re.finditer(r"^```pycon[^\n]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        blocks.append((text.count("\n", 0, m.start()) + 1, m.group(1)))
    return blocks


PAGES_WITH_EXAMPLES = sorted(
    str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md") if "```pycon" in p.read_text()
)


def test_the_guide_has_examples():
    assert {"guide/networks.md", "guide/training.md", "math.md"} <= set(PAGES_WITH_EXAMPLES)


@pytest.mark.numbers
@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES)
def test_page_examples_run_and_print_what_the_page_shows(page, tmp_path, monkeypatch):
    """Each page's ```pycon blocks are one doctest session: the outputs shown are checked."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    text = (DOCS / page).read_text()
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    globs: dict = {}
    failures = []
    for line, code in _pycon_blocks(text):
        test = parser.get_doctest(code, globs, f"{page}:{line}", str(DOCS / page), line)
        out: list[str] = []
        result = runner.run(test, out=out.append, clear_globs=False)
        globs.update(test.globs)  # the next block goes on in the same session
        if result.failed:
            failures.append("".join(out))
    assert not failures, "\n".join(failures)


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed (the docs extra)"
)
def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for page in ("index.html", "tutorial/index.html", "api/training/index.html"):
        assert (site / page).is_file(), page
    # the notebook is rendered with its committed outputs: its figures are in the page
    assert "data:image/png;base64" in (site / "tutorial" / "index.html").read_text()
    # mkdocstrings rendered the reference: fit's signature and a parameter of it
    training = (site / "api" / "training" / "index.html").read_text()
    assert "validation_fraction" in training


def test_every_command_on_the_cli_page_is_accepted():
    """The ``$ glassnet ...`` lines of the command-line page parse with today's options."""
    import shlex

    from glassnet.apps.cli import build_parser

    text = (DOCS / "guide" / "cli.md").read_text()
    commands = re.findall(r"^\$ glassnet (.+)$", text, re.MULTILINE)
    assert len(commands) >= 8
    parser = build_parser()
    for command in commands:
        args = parser.parse_args(shlex.split(command))
        assert callable(args.func), command


@pytest.mark.numbers
def test_the_tutorial_table_on_getting_started_is_what_the_engine_gives():
    """The table of ``glassnet tutorial`` shown in getting-started.md, row by row: exact
    for hidden sizes 1, 5, 20 and 50, within rounding for 2, 3 and 4 (the bands and why
    are in tests/_runs.py, shared with the README's check)."""
    check_tutorial_table((DOCS / "getting-started.md").read_text())


def test_the_test_command_is_what_ci_runs():
    """The README's test command, getting-started's and the last line of ``.ci/run`` are one
    and the same command (CI must run exactly what the README tells a newcomer to run)."""

    def command_after(text: str, intro: str) -> str:
        block = text.split(intro, 1)[1].split("```bash\n", 1)[1]
        return block.split("\n```", 1)[0].strip()

    readme = command_after((ROOT / "README.md").read_text(), "Run the tests")
    started = command_after((DOCS / "getting-started.md").read_text(), "Run the tests")
    ci_lines = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert readme == started == ci_lines[-1]
    assert "pytest" in readme and '".[test,docs,onnx,mpi]"' in readme
    tutorial = command_after((ROOT / "README.md").read_text(), "Run the tutorial")
    assert tutorial == command_after((DOCS / "getting-started.md").read_text(), "Run the tutorial")


def _steps(command: str) -> list[list[str]]:
    """The programs a one-line command runs, split at ``&&``, each as its words without the
    leading ``NAME=value`` settings."""
    steps = []
    for part in command.split("&&"):
        words = shlex.split(part)
        while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
            words.pop(0)
        steps.append(words)
    return steps


@pytest.mark.parametrize("intro", ["Run the tutorial", "Run the tests"])
def test_the_two_commands_work_where_pip_is_externally_managed(intro):
    """PEP 668: a system Python may refuse ``pip install``. Each of the README's two commands
    makes ``./.venv`` itself and, from then on, runs every Python program through
    ``.venv/bin/`` (so the command also works in a new shell, with nothing activated)."""
    text = (ROOT / "README.md").read_text()
    command = text.split(intro, 1)[1].split("```bash\n", 1)[1].split("\n```", 1)[0].strip()
    steps = _steps(command)
    programs = [words[0] for words in steps]
    made = steps.index(["python3", "-m", "venv", ".venv"])
    assert all(p in ("apt-get",) for p in programs[:made]), programs
    for words in steps[made + 1 :]:
        assert words[0].startswith(".venv/bin/"), (words, "runs outside the virtual environment")
    installs = [w for w in steps if "install" in w and w[0] != "apt-get"]
    assert installs and all(w[:4] == [".venv/bin/python", "-m", "pip", "install"] for w in installs)


def test_the_readme_says_what_to_install_when_venv_is_missing():
    text = (ROOT / "README.md").read_text().split("## A short example", 1)[0]
    assert "ensurepip" in text and "apt-get install python3-venv" in text
    assert "PEP 668" in text


def test_the_playground_page_shows_each_screenshot_the_script_takes():
    """docs/_ext/playground_screenshots.py takes SHOTS from a real server; the page shows
    every one, and each file is a PNG of the script's viewport (1400 x 900)."""
    import importlib.util
    import struct

    spec = importlib.util.spec_from_file_location(
        "playground_screenshots", ROOT / "docs" / "_ext" / "playground_screenshots.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    page = (ROOT / "docs" / "guide" / "playground.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\(\.\./img/playground/([\w-]+)\.png\)", page))
    assert shown == set(script.SHOTS)
    for name in script.SHOTS:
        head = (script.OUT / f"{name}.png").read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n", name
        assert struct.unpack(">II", head[16:24]) == (1400, 900), name
