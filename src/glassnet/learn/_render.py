"""How an ``Explanation`` shows itself: a text trace (``str``) and HTML tables (notebooks).

Each step shows its formula, its shape, its note, the first rows of its array (``rows``
of an array with one row per example; a gradient, which has its parameter's shape, up to
``PARAM_ROWS``), and the lines of glassnet that computed it, one per line as
``glassnet/layers.py:218 | z = affine(x, self.W, self.b)``.
"""

from __future__ import annotations

import html

import numpy as np

__all__ = ["as_text", "as_html", "LEGEND"]

PARAM_ROWS = 8  # the rows of a gradient shown (numpy elides the middle of larger ones)
COLUMNS = 8  # the columns an HTML table shows
DIGITS = 4  # decimals of every number shown
LEGEND = (
    "delta{k+1} = dL/dz{k}, the delta that the k-th Dense layer's backward takes "
    "(the post numbers its layers from the input layer, layer 1)"
)


def _shown_rows(step, rows: int) -> int:
    """How many rows of ``step``'s array to show."""
    if step.value.ndim == 0:
        return 0
    per_example = step.kind in ("forward", "delta")
    return min(len(step.value), rows if per_example else PARAM_ROWS)


def _more(step, shown: int) -> str:
    rest = len(step.value) - shown
    return f"... ({rest} more row{'s' * (rest != 1)})" if rest > 0 else ""


def _numbers(a: np.ndarray) -> str:
    return np.array2string(
        a,
        precision=DIGITS,
        floatmode="fixed",
        suppress_small=True,
        threshold=64,
        edgeitems=3,
        max_line_width=96,
    )


def _text_step(step, rows: int) -> list[str]:
    pad = "    "
    out = [step.formula]
    if step.value.ndim == 0:
        out.append(f"{pad}= {float(step.value):.6f}")
    else:
        shown = _shown_rows(step, rows)
        first = f"; the first {shown} rows" if shown < len(step.value) else ""
        out.append(f"{pad}shape {step.shape}{first}:")
        out += [pad + line for line in _numbers(step.value[:shown]).splitlines()]
        if _more(step, shown):
            out.append(pad + _more(step, shown))
    if step.note:
        out.append(f"{pad}({step.note})")
    out += [f"{pad}{line.where} | {line.text}" for line in step.lines]
    return out


def as_text(title: str, steps, rows: int) -> str:
    """The readable trace: the title, the names' legend, then each step."""
    out = [title, LEGEND, ""]
    for step in steps:
        out += _text_step(step, rows) + [""]
    return "\n".join(out).rstrip("\n")


def _cell(v) -> str:
    return f"{float(v):.{DIGITS}f}"


def _table(step, rows: int) -> str:
    a = step.value
    if a.ndim == 0:
        return f"<p style='margin:0.2em 0'>= {_cell(a)}</p>"
    shown = _shown_rows(step, rows)
    a2 = a[:shown].reshape(shown, -1) if a.ndim > 1 else a[:shown].reshape(1, -1)
    cut = a2.shape[1] > COLUMNS
    body = []
    for row in a2:
        cells = "".join(f"<td>{_cell(v)}</td>" for v in row[:COLUMNS])
        body.append(f"<tr>{cells}{'<td>…</td>' if cut else ''}</tr>")
    more = _more(step, shown) if a.ndim > 1 else ""
    if more:
        span = min(a2.shape[1], COLUMNS) + cut
        body.append(f"<tr><td colspan='{span}'>{html.escape(more)}</td></tr>")
    style = "font-family:monospace;font-size:0.85em;text-align:right;border-collapse:collapse"
    return f"<table style='{style}'>{''.join(body)}</table>"


def _html_step(step, rows: int) -> str:
    esc = html.escape
    parts = [
        f"<div style='margin:0.7em 0'><code>{esc(step.formula)}</code> "
        f"<span style='color:#666'>shape {esc(str(step.shape))}</span>"
    ]
    if step.note:
        parts.append(f"<br><small>{esc(step.note)}</small>")
    parts.append(_table(step, rows))
    for line in step.lines:
        parts.append(
            f"<small><code>{esc(line.where)}</code> <code>{esc(line.text)}</code></small><br>"
        )
    parts.append("</div>")
    return "".join(parts)


def as_html(title: str, steps, rows: int) -> str:
    """The trace as HTML: the title, then each step with its array as a small table."""
    head = f"<p><b>{html.escape(title)}</b><br><small>{html.escape(LEGEND)}</small></p>"
    body = "\n".join(_html_step(step, rows) for step in steps)  # a line per step
    return f"<div class='glassnet-explain'>\n{head}\n{body}\n</div>"
