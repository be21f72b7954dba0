"""A small name -> factory registry with errors that list the valid names."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any


class Registry:
    """Maps lower-case names to factories (classes or functions).

    Parameters
    ----------
    kind : str
        What the registry holds ("activation", "loss", ...), used in messages.
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, Callable[..., Any]] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, factory: Callable[..., Any]) -> None:
        self._items[name.lower()] = factory

    def alias(self, alias: str, name: str) -> None:
        self._aliases[alias.lower()] = name.lower()

    def names(self) -> list[str]:
        """The canonical names, sorted."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) in self._items

    def _key(self, name: str) -> str:
        key = name.lower().replace("-", "_")
        return self._aliases.get(key, key)

    def get(self, name: Any, argname: str | None = None) -> Callable[..., Any]:
        """The factory registered under ``name``; a clear error otherwise."""
        argname = argname or self.kind
        if not isinstance(name, str):
            raise TypeError(
                f"{argname} must be a string naming {_article(self.kind)} {self.kind} "
                f"(one of {', '.join(self.names())}), got {name!r} of type {type(name).__name__}"
            )
        key = self._key(name)
        if key not in self._items:
            candidates = list(self._items) + list(self._aliases)
            close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.5)
            hint = f"; did you mean {self._aliases.get(close[0], close[0])!r}?" if close else ""
            raise ValueError(
                f"{argname}={name!r} is not a known {self.kind}; valid names: "
                f"{', '.join(self.names())}{hint}"
            )
        return self._items[key]

    def create(self, name: Any, argname: str | None = None, **kwargs: Any) -> Any:
        return self.get(name, argname)(**kwargs)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
