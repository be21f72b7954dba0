"""Learning aids: ``gn.explain`` (one step of the post, every array with its formula and
the line that computed it)."""

from .explain import explain

__all__ = ["explain"]
