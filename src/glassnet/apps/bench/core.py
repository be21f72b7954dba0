"""The benchmark's machinery: systems, timing, targets, and the printed table.

A *system* is one way of doing a workload's work (glassnet, the post's code,
scikit-learn, PyTorch, ...): a function ``fn(data, cfg)`` that does the whole job once
and returns whatever it trained. ``time_systems`` warms every system up once on a tiny
version of the work, then times the real work ``repeat`` times, interleaving the
systems (A B C, A B C, ...) so that slow drifts of the machine hit all of them alike.

A system that cannot run here (PyTorch not installed, say) is a row marked
"not available"; one that raises is marked "failed" with
the error. Neither stops the suite.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["System", "Row", "Check", "NotAvailable", "time_systems", "format_table", "to_markdown"]


class NotAvailable(Exception):
    """Raised by a system (or its factory) that cannot run on this machine."""


@dataclass
class System:
    """One competitor in a workload.

    ``target`` is the largest allowed ``glassnet best / this best`` (None: no target),
    glassnet's best being the workload's reference row's, or the row named ``versus``
    (glassnet doing the same variant of the work: batches in order, say);
    ``describe(result)`` turns what ``fn`` returned into notes (accuracy, loss), outside
    the timed region; ``accuracy_target`` also asks that glassnet's accuracy be at least
    this system's.
    """

    name: str
    fn: Callable[[Any, Any], Any] | None
    reference: bool = False
    target: float | None = None
    accuracy_target: bool = False
    note: str = ""
    describe: Callable[[Any], dict] | None = None
    unavailable: str | None = None
    versus: str | None = None


@dataclass
class Row:
    """One system's timings in one workload."""

    workload: str
    system: str
    status: str = "ok"  # "ok", "not available", "failed"
    times: list[float] = field(default_factory=list)
    reference: bool = False
    target: float | None = None
    accuracy_target: bool = False
    note: str = ""
    info: dict = field(default_factory=dict)
    error: str = ""
    ratio: float | None = None  # glassnet best / this best
    met: bool | None = None
    versus: str | None = None  # the glassnet row of the ratio (None: the reference)

    @property
    def best(self) -> float | None:
        return min(self.times) if self.times else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items()}
        d["best"], d["median"] = self.best, self.median
        return d


@dataclass
class Check:
    """A target that is not a time ratio (GFLOP/s share of the peak, peak memory)."""

    workload: str
    name: str
    value: float | None
    unit: str
    target: str
    met: bool | None
    detail: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, (NotAvailable, ImportError))


def _short_error(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}"[:200]


def time_systems(
    workload: str,
    systems: list[System],
    data: Any,
    cfg: Any,
    repeat: int,
    warm: tuple[Any, Any] | None = None,
    log: Callable[[str], None] | None = None,
) -> list[Row]:
    """Time each system ``repeat`` times on ``fn(data, cfg)``; returns one Row per system.

    ``warm`` is ``(data, cfg)`` of a tiny version of the work, run once per system first
    (imports, thread pools, BLAS buffers, first-call costs) and not timed.
    """
    rows = [_new_row(workload, s) for s in systems]
    live = [(s, r) for s, r in zip(systems, rows) if r.status == "ok"]
    if warm is not None:
        for s, r in live:
            _attempt(s, r, warm[0], warm[1], log)
    results: dict[str, Any] = {}
    for i in range(repeat):
        gc.collect()  # once a round, outside the timings: garbage of one system won't tax the next
        for s, r in live:
            if r.status != "ok":
                continue
            out, dt = _attempt(s, r, data, cfg, log)
            if r.status == "ok":
                r.times.append(dt)
                results[s.name] = out
                if log is not None:
                    log(f"  {workload} {s.name}: rep {i + 1}/{repeat} {dt:.3f} s")
    for s, r in live:
        if r.status == "ok" and s.describe is not None and s.name in results:
            try:
                r.info.update(s.describe(results[s.name]))
            except Exception as exc:
                r.info["describe_error"] = _short_error(exc)
    compare(rows)
    return rows


def _new_row(workload: str, s: System) -> Row:
    """The system's empty row: "not available" already when it cannot run here."""
    row = Row(
        workload,
        s.name,
        reference=s.reference,
        target=s.target,
        accuracy_target=s.accuracy_target,
        note=s.note,
        versus=s.versus,
    )
    if s.fn is None or s.unavailable:
        row.status = "not available"
        row.error = s.unavailable or "not available"
    return row


def _attempt(s: System, r: Row, data, cfg, log) -> tuple[Any, float]:
    """Run ``s.fn(data, cfg)`` once: ``(what it returned, seconds)``. A system that raises
    marks its row "failed" (or "not available") instead of stopping the suite."""
    try:
        with warnings.catch_warnings():  # e.g. glassnet's notice that the post's
            warnings.simplefilter("ignore")  # step oscillates: expected, not news
            t0 = time.perf_counter()
            out = s.fn(data, cfg)
            return out, time.perf_counter() - t0
    except Exception as exc:  # a broken competitor must not stop the suite
        r.status = "not available" if _is_unavailable(exc) else "failed"
        r.error = _short_error(exc)
        if r.status == "failed" and log is not None:
            log(f"  {r.workload} {s.name} failed:\n{traceback.format_exc()}")
        return None, 0.0


def compare(rows: list[Row]) -> None:
    """Fill ``ratio`` (glassnet best / this best) and ``met`` for the rows of one workload;
    glassnet's best is the reference row's, or that of the row a row names in ``versus``."""
    by_name = {r.system: r for r in rows}
    default = next((r for r in rows if r.reference), None)
    for r in rows:
        ref = by_name.get(r.versus) if r.versus else default
        ref_best = ref.best if ref is not None and ref.status == "ok" else None
        if ref_best is None or r.best is None or r.best <= 0:
            r.ratio, r.met = None, None
            continue
        r.ratio = ref_best / r.best
        if r.target is None:
            continue
        ok = r.ratio <= r.target
        if r.accuracy_target:
            a_ref, a = ref.info.get("accuracy"), r.info.get("accuracy")
            ok = ok and a_ref is not None and a is not None and a_ref >= a
        r.met = ok


def time_ratio(rows: list[Row], slower: str, faster: str) -> float | None:
    """The best time of the row ``slower`` over that of the row ``faster`` (a speed-up,
    or how many times longer), or None when either has no time."""
    best = {r.system: r.best for r in rows}
    num, den = best.get(slower), best.get(faster)
    return num / den if num and den else None


# ---------------------------------------------------------------- formatting
def _fmt_time(t: float | None) -> str:
    if t is None:
        return "-"
    if t >= 100:
        return f"{t:.0f}"
    if t >= 1:
        return f"{t:.2f}"
    return f"{t:.3g}"


def _fmt_ratio(r: float | None) -> str:
    return "-" if r is None or not math.isfinite(r) else f"{r:.2f}x"


def _fmt_met(m: bool | None) -> str:
    return "-" if m is None else ("yes" if m else "NO")


def _notes(r: Row) -> str:
    parts = []
    if r.reference:
        parts.append("reference")
    if r.versus:
        parts.append(f"ratio against {r.versus}")
    if r.note:
        parts.append(r.note)
    for k, v in r.info.items():
        parts.append(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}")
    if r.status != "ok":
        parts.append(r.error)
    return "; ".join(parts)


def _target(r: Row) -> str:
    if r.target is None:
        return ""
    t = f"<= {r.target:.2f}x"
    return t + " & acc >=" if r.accuracy_target else t


HEAD = ("workload", "system", "best s", "median s", "glassnet/system", "target", "met", "notes")
CHECK_HEAD = ("workload", "check", "value", "target", "met", "detail")


def table_cells(rows: list[Row]) -> list[tuple[str, ...]]:
    out = []
    for r in rows:
        status = r.status if r.status != "ok" else None
        out.append(
            (
                r.workload,
                r.system,
                status or _fmt_time(r.best),
                "" if status else _fmt_time(r.median),
                _fmt_ratio(r.ratio),
                _target(r),
                _fmt_met(r.met),
                _notes(r),
            )
        )
    return out


def check_cells(checks: list[Check]) -> list[tuple[str, ...]]:
    out = []
    for c in checks:
        v = "-" if c.value is None else f"{c.value:.4g} {c.unit}".strip()
        out.append((c.workload, c.name, v, c.target, _fmt_met(c.met), c.detail))
    return out


def _plain(head, cells) -> list[str]:
    widths = [
        max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(head)
    ]
    widths[-1] = 0  # notes: no padding
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()
    lines = [line, "-" * len(line)]
    for c in cells:
        lines.append("  ".join(x.ljust(w) for x, w in zip(c, widths)).rstrip())
    return lines


def _md(head, cells) -> list[str]:
    esc = [tuple(x.replace("|", "\\|") for x in c) for c in cells]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(c) + " |" for c in esc]
    return lines


def machine_lines(machine: dict) -> list[str]:
    return [f"{k}: {v}" for k, v in machine.items()]


QUICK_NOTE = (
    "--quick: tiny sizes and step counts, to check that everything runs; these times are "
    "not comparable with the targets (made for the full sizes), so no verdict is given. "
    "Run without --quick to judge them."
)


def format_table(rows: list[Row], checks: list[Check], machine: dict, quick=False) -> str:
    """The report as printed: the machine, the timings, the other checks."""
    lines = [QUICK_NOTE, ""] if quick else []
    lines += ["machine", "-------"] + machine_lines(machine) + [""]
    lines += _plain(HEAD, table_cells(rows))
    if checks:
        lines += [""] + _plain(CHECK_HEAD, check_cells(checks))
    lines += [
        "",
        "glassnet/system = glassnet's best time / this system's best (< 1: glassnet faster); "
        "glassnet's is the reference row's, or that of the row a note names (ratio against ...).",
    ]
    return "\n".join(lines)


def to_markdown(rows, checks, machine: dict, command: str, quick=False) -> str:
    lines = ["## glassnet benchmark", "", f"`{command}`", ""]
    lines += [f"> {QUICK_NOTE}", ""] if quick else []
    lines += [f"- **{k}**: {v}" for k, v in machine.items()]
    lines += ["", *_md(HEAD, table_cells(rows))]
    if checks:
        lines += ["", *_md(CHECK_HEAD, check_cells(checks))]
    lines += [
        "",
        "glassnet/system = glassnet's best time / this system's best (< 1: glassnet faster); "
        "glassnet's is the reference row's, or that of the row a note names (ratio against "
        "...); targets from the issue, each on the best of the repetitions.",
        "",
    ]
    return "\n".join(lines)
