"""A small name -> factory registry with errors that list the valid names, and the base
of the things it makes from their settings (``Configured``)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any


class Configured:
    """Something built by name from its settings: an optimizer, a schedule.

    ``name`` is its name in its registry; ``config`` lists its constructor's arguments,
    each kept as the attribute of the same name, so that ``get_config()`` returns them and
    ``type(obj)(**obj.get_config())`` builds the same thing again (checkpoints store
    ``{"type": obj.name, "config": obj.get_config()}``). The repr shows them too:
    ``Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-08)``.
    """

    name = ""
    config: tuple[str, ...] = ()

    def get_config(self) -> dict:
        return {key: getattr(self, key) for key in self.config}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Registry:
    """Maps lower-case names to factories (classes or functions).

    Parameters
    ----------
    kind : str
        What the registry holds ("activation", "loss", ...), used in messages.
    base : type, optional
        The class of what it holds: then ``create`` also takes an instance of it (given
        back as is) or a subclass of it (called), as well as a name.
    """

    def __init__(self, kind: str, base: type | None = None):
        self.kind = kind
        self.base = base
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
        """The factory named ``name`` called with ``kwargs``; with a ``base``, ``name`` may
        also be an instance of it (given back, ``kwargs`` unused) or a subclass (called)."""
        if self.base is not None:
            if isinstance(name, self.base):
                return name
            if isinstance(name, type) and issubclass(name, self.base):
                return name(**kwargs)
        return self.get(name, argname)(**kwargs)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
