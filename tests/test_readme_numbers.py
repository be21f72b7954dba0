"""Every number README.md shows comes from a run (issue 14): the ``glassnet tutorial``
table, the exercises table and the short example are regenerated here and compared with
the README's text, exactly where the run is deterministic and within a stated tolerance
where rounding in the last bits of a BLAS product decides the digits."""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from pathlib import Path

import pytest

from glassnet import OscillationWarning
from glassnet.apps import exercises as ex

from ._fp_paths import check_line
from ._runs import check_tutorial_table, exercise

# the CPU's floating-point path can move these results: CI runs them on two (README)
pytestmark = pytest.mark.numbers

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _section(heading: str) -> str:
    start = README.index(f"\n{heading}\n")
    end = README.find("\n## ", start + len(heading) + 2)
    return README[start : end if end != -1 else len(README)]


def _readme_exercise_rows() -> dict[str, str]:
    text = _section("## Training beyond the post")
    return dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", text, re.MULTILINE))


def test_the_tutorial_table_in_the_readme_is_what_the_engine_gives():
    """README's ``glassnet tutorial`` table: exact for hidden sizes 1, 5, 20, 50, and for
    2, 3, 4 marked and within what the floating-point paths allow (tests/_runs.py, shared
    with docs/getting-started.md)."""
    block = re.search(r"```\n(hidden size \|.*?)```", _section("## The command line"), re.S)
    assert block, "no glassnet tutorial table under ## The command line"
    check_tutorial_table(block.group(1))


def spread_rows() -> list[str]:
    """The spread table's rows as README.md and docs/getting-started.md show them, made
    from every measured path in tests/_fp_paths.py."""
    from glassnet.apps.tutorial_cmd import PATH_DEPENDENT

    from ._fp_paths import spread

    rows = []
    for h in PATH_DEPENDENT:
        (a_lo, a_hi), (l_lo, l_hi) = spread(h)
        acc = f"{a_lo:.3f}" if a_lo == a_hi else f"{a_lo:.3f} to {a_hi:.3f}"
        if h == 3:  # the two values of the post's cycle, not a range
            loss = f"{l_lo:.6f} or {l_hi:.6f}"
        else:
            loss = f"{l_lo:.6f} to {l_hi:.6f}"
        rows.append(f"| {h} | {acc} | {loss} |")
    return rows


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md"])
def test_the_spread_over_floating_point_paths_is_the_measured_one(page):
    """The table of what the CPU's floating-point path moves is the spread of every path
    in tests/_fp_paths.py, and the sizes marked path-dependent in glassnet are exactly
    those whose measured numbers differ (the others agree on every path, to the digit)."""
    from glassnet.apps.tutorial_cmd import PATH_DEPENDENT

    from ._fp_paths import PATHS, path_dependent
    from .test_tutorial import CYCLE

    text = (Path(__file__).resolve().parents[1] / page).read_text()
    table = re.search(
        r"\| hidden size \| training accuracy \| final loss \|\n\| --- .*?\n\n", text, re.S
    )
    assert table, f"no spread table in {page}"
    assert table.group(0).strip().splitlines()[2:] == spread_rows()
    assert PATH_DEPENDENT == path_dependent()
    assert re.search(rf"\b{len(PATHS)} runs measured so far", text)
    assert spread_rows()[1] == f"| 3 | 0.975 | {CYCLE[0]:.6f} or {CYCLE[1]:.6f} |"


def test_the_readme_lists_the_post_exercises_and_the_readers_requests_in_order():
    assert list(_readme_exercise_rows()) == list(ex.POST_AND_READERS)
    assert "glassnet exercises" in _section("## Training beyond the post")


@pytest.mark.parametrize("name", ex.POST_AND_READERS)
def test_the_readme_exercise_row_is_what_a_run_prints(name):
    """Character for character, except the numbers marked ``~``: those depend on the CPU's
    floating-point path and are held to the spread measured on several paths."""
    shown = _readme_exercise_rows()[name]
    summary = exercise(name).summary
    if "~" in shown or "~" in summary:
        check_line(name, shown, summary)
    else:
        assert shown == summary


def test_markdown_table_is_one_row_per_exercise():
    done = [ex.Exercise("a", "first 0.5"), ex.Exercise("b", "second")]
    assert ex.markdown_table(done).splitlines() == [
        "| exercise | result |",
        "| --- | --- |",
        "| `a` | first 0.5 |",
        "| `b` | second |",
    ]


def _short_example() -> str:
    block = re.search(r"```python\n(.*?)```", _section("## A short example"), re.S)
    assert block, "no ```python block under ## A short example"
    return block.group(1)


def test_the_short_example_prints_what_its_comments_say():
    code = _short_example()
    comments = re.findall(r"^print\(.*\)  # (.*)$", code, re.MULTILINE)
    assert len(comments) == 2, comments
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", OscillationWarning)  # the post's two-value cycle
        exec(compile(code, "README.md: A short example", "exec"), {})
    accuracy, errors = out.getvalue().splitlines()
    assert accuracy == comments[0]  # 0.975: the run prints exactly the commented value
    # "relative error per parameter, ~1e-10": a dict of one error per parameter, each of
    # that order (rounding noise, so within a factor of 100 of the comment, never above)
    shown = float(re.search(r"~(\S+)", comments[1]).group(1))
    values = [float(v) for v in re.findall(r": ([\d.e+-]+)", errors)]
    assert len(values) == 4 and all(v <= 100 * shown for v in values), errors


def test_speed_table_is_the_last_bench_run():
    """README's Speed table is ``benchmarks/results/latest.json`` (written by
    ``benchmarks/run_all.sh``) as ``glassnet bench`` prints it, row for row, without the
    notes column; the text names the day and the time the run ended."""
    import json

    from glassnet.apps.bench.core import Row, table_cells

    root = Path(__file__).resolve().parents[1]
    data = json.loads((root / "benchmarks" / "results" / "latest.json").read_text())
    fields = set(Row.__dataclass_fields__)
    rows = [Row(**{k: v for k, v in r.items() if k in fields}) for r in data["rows"]]
    expected = [" ".join(" ".join(cells[:7]).split()) for cells in table_cells(rows)]
    section = _section("## Speed")
    block = section.split("```\nworkload")[1].split("```")[0]
    shown = [" ".join(line.split()) for line in block.splitlines()[1:] if line.strip()]
    assert shown == expected
    day, time = data["machine"]["date"].split()[:2]
    text = " ".join(section.split())
    assert f"on {day} from" in text and f"to {time} UTC" in text
    # the prose's figures, from the same run
    w2 = [r for r in rows if r.workload == "W2"]
    fit = next(r for r in w2 if r.reference)
    bare = next(r for r in w2 if r.system.startswith("glassnet engine, bare loop"))
    post = next(r for r in w2 if r.system == "post's code in sequence")
    assert f"took {bare.best:.2f} s, {bare.best / post.best:.2f}x the post's code" in text
    assert f"`fit` took {fit.best:.2f} s" in text
    assert f"the {100 * (fit.best / bare.best - 1):.0f}% between the two rows" in text
    share = next(c for c in data["checks"] if "% of GEMM peak" in c["name"])["value"]
    assert f"W3 also reached {share:.1f}% of the float32" in text
    check = {c["name"]: c["value"] for c in data["checks"]}
    numpy_mem = check["fit's added peak, NumPy allocations (tracemalloc)"]
    rss = check["fit's added peak RSS (fresh process)"]
    monitor = check["Monitor(every=10) added time"]
    assert f"`fit` added {numpy_mem:.1f}% of X in NumPy allocations and {rss:.1f}% in RSS" in text
    assert f"`Monitor(every=10)` added {monitor:.2f}% to W3's time" in text
    w1_rows = {r.system: r for r in rows if r.workload == "W1"}
    b1, p1 = w1_rows["glassnet engine, bare loop"], w1_rows["post's code"]
    assert f"alone took {b1.best:.2f} s, {b1.best / p1.best:.2f}x the post's code" in text
    w1 = {r.system: r.times for r in rows if r.workload == "W1"}
    rounds = [g / p for g, p in zip(w1["glassnet fit"], w1["post's code"])]
    assert f"gave ratios from {min(rounds):.2f} to {max(rounds):.2f} in this run" in text
    # W5's speed-up and memory, and the NumPy floors (W3's ratio to the products, fit's to
    # the floor, the floor's speed-ups on 2 processes and fit's share of them)
    speedup = check["speed-up of 2 processes over 1 process x 1 thread"]
    memory = check["peak memory a process adds, % of one process's"]
    assert f"processes were {speedup:.2f}x as fast as one process" in text
    assert f"each used {memory:.1f}% of its memory" in text
    w3 = {r.system: r for r in rows if r.workload == "W3"}
    floor, fit3 = w3["NumPy floor (preallocated, in place)"], w3["glassnet fit"]
    floor_ratio = check["NumPy floor over matrix products alone"]
    assert f"W3 the floor took {floor_ratio:.2f}x the time of the matrix products" in text
    assert f"`fit` took {fit3.best / floor.best:.2f}x the floor's time" in text
    with_ar = check["NumPy floor's speed-up, 2 processes over 1 (with the all-reduce)"]
    without = check["NumPy floor's speed-up, 2 processes over 1 (no all-reduce)"]
    assert f"two processes was {with_ar:.2f}x as fast as on one with an all-reduce" in text
    assert f"and {without:.2f}x without any exchange" in text
    assert f"`fit`'s {speedup:.2f}x is {100 * speedup / with_ar:.0f}% of the floor's" in text
    # each row that missed its target is named with its ratio and target, none other
    missed = [f"({r.ratio:.2f}x, target {r.target:.2f}x)" for r in rows if r.met is False]
    assert all(m in text for m in missed), missed
    words = {1: "One row missed its target", 2: "Two rows missed their targets"}
    words.update({3: "Three rows missed their targets", 4: "Four rows missed their targets"})
    assert not missed or words[len(missed)] in text


def test_the_monitor_example_runs_as_written(tmp_path, monkeypatch):
    # fails on the code before this test: the block used net, loss, X and y it did not
    # define, and with the short example's summed loss its lr=0.5 drew a SummedLossWarning
    # and saturated every tanh unit
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    text = _section("## Seeing inside the network")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert "gn.Monitor(every=10)" in code
    scope: dict = {}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()) as out:
        warnings.simplefilter("error")  # the example draws no warning
        exec(compile(code, "README.md (Monitor)", "exec"), scope)
    mon = scope["mon"]
    assert mon.stats["update_ratio"].shape == (50, 2)  # 500 epochs / every 10, 2 Dense layers
    assert "0.W" in out.getvalue() and "2.W" in out.getvalue()  # summary: a line per layer
    assert mon.stats["saturated"][-1][0] < 0.5  # the hidden tanh units still learn


def test_the_w5_pages_show_the_last_bench_run():
    """The speed guide's W5 table and the figures it and the MPI page give are
    ``benchmarks/results/latest.json``'s (the README's run)."""
    import json

    root = Path(__file__).resolve().parents[1]
    data = json.loads((root / "benchmarks" / "results" / "latest.json").read_text())
    best = {r["system"]: min(r["times"]) for r in data["rows"] if r["workload"] == "W5"}
    check = {c["name"]: c["value"] for c in data["checks"] if c["workload"] == "W5"}
    speed = " ".join((root / "docs" / "guide" / "speed.md").read_text().split())
    mpi = " ".join((root / "docs" / "guide" / "mpi.md").read_text().split())
    for system, seconds in best.items():
        shown = system.replace("glassnet fit", "`fit`")
        assert f"| {shown} | {seconds:.3g} |" in speed, (system, seconds)
    speedup = check["speed-up of 2 processes over 1 process x 1 thread"]
    memory = check["peak memory a process adds, % of one process's"]
    with_ar = check["NumPy floor's speed-up, 2 processes over 1 (with the all-reduce)"]
    without = check["NumPy floor's speed-up, 2 processes over 1 (no all-reduce)"]
    two_threads = check["speed-up of 2 processes over 1 process x 2 threads"]
    assert f"were {speedup:.2f}x as fast as one process of one thread" in speed
    assert f"and {two_threads:.2f}x as fast as one process of two threads" in speed
    assert f"Each added {memory:.1f}% of the memory" in speed
    assert f"two processes are {without:.2f}x as fast as one" in speed
    assert (
        f"takes that down to {with_ar:.2f}x. `fit` reaches {100 * speedup / with_ar:.0f}%" in speed
    )
    day, time = data["machine"]["date"].split()[:2]
    assert f"({day}, {time} UTC;" in speed
    two = best["glassnet fit, 2 processes x 1 thread (MPI)"]
    one, threads = (
        best["glassnet fit, 1 process x 1 thread"],
        best["glassnet fit, 1 process x 2 threads"],
    )
    assert f"2 processes took {two:.3g} s an epoch against {one:.3g} s" in mpi
    assert f"and {threads:.3g} s for one of two threads" in mpi
    assert f"({speedup:.2f}x; the goal" in mpi and f"added {memory:.1f}% of the memory" in mpi
    assert f"gains only {with_ar:.2f}x" in mpi and f"({without:.2f}x without the exchange)" in mpi
