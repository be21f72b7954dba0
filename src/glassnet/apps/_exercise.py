"""What an exercise returns (``glassnet exercises`` and ``glassnet.apps.classics``)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Exercise"]


@dataclass
class Exercise:
    """One finished exercise: its ``name``, a one-line ``summary`` (the README's table
    row), its ``results`` as numbers, its ``figure``, and a ``table`` (Markdown) that
    ``glassnet exercises`` prints below the summary when there is one."""

    name: str
    summary: str
    results: dict = field(default_factory=dict)
    figure: object = None
    table: str = ""
