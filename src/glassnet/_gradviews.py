"""Gradients a layer rebinds instead of writing into its view of the packed gradient.

``Sequential`` hands each layer views into its one gradient vector ``net.grad`` (``bind``);
the optimizer reads that vector. A layer written in the style of "Deep Learning from
Scratch" assigns a new array instead, ``self.dW = x.T @ delta``: the attribute then no
longer is the view, ``net.grad`` keeps zeros and nothing trains. ``GradientViews``
remembers which attribute of each layer holds which view, and after ``backward`` copies
a rebound gradient into its view (and puts the view back), warning once per attribute;
``check_layer`` reports the same with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._warn import warn

__all__ = ["GradientViews", "Rebound"]


@dataclass
class _Entry:
    index: int  # the layer's index in the network
    layer: object
    name: str  # the parameter's name in param_specs ("W")
    attr: str  # the attribute that holds its gradient ("dW")
    view: np.ndarray  # the gradient's view into net.grad


@dataclass
class Rebound:
    """A gradient attribute that ``backward`` rebound: ``value`` is what it holds now."""

    entry: _Entry
    value: np.ndarray

    @property
    def shape_fits(self) -> bool:
        return self.value.shape == self.entry.view.shape

    def message(self, who: bool = True) -> str:
        """What went wrong and the line that fixes it (a shape or a rebinding), starting
        with the layer's index and class if ``who``."""
        e = self.entry
        start = f"{_who(e)}: " if who else ""
        if not self.shape_fits:
            return (
                f"{start}backward set self.{e.attr} to an array of shape "
                f"{self.value.shape}, but the gradient of its parameter {e.name!r} has shape "
                f"{e.view.shape} (param_specs): compute it with that shape"
            )
        return f"{start}backward rebinds self.{e.attr}{_rebinds(1)}self.{e.attr}[...] = ..."


def _who(e: _Entry) -> str:
    return f"layer {e.index} ({type(e.layer).__name__})"


def _rebinds(n: int) -> str:
    """The words after "backward rebinds <n attributes>", up to the fixing line."""
    if n == 1:
        its, view, arrays = "its", "view", "a new array"
    else:
        its, view, arrays = "their", "views", "new arrays"
    return (
        f" to {arrays} instead of writing into {its} {view} of the packed gradient "
        f"net.grad, which the optimizer reads (the network copies it in after each "
        f"backward). Write into the {view}: "
    )


class GradientViews:
    """Which attribute of each layer of ``net`` holds which view into ``net.grad``.

    Found when built, so build it while the layers hold the views ``bind`` gave them:
    an attribute that *is* the view of parameter ``name``, else the attribute
    ``"d" + name`` (``dW`` for ``W``), the convention of the post and of the book.
    """

    def __init__(self, net):
        self.grad = net.grad  # the vector the views look into (rebuilt by astype)
        self.entries: list[_Entry] = []
        self._warned: set[tuple[int, str]] = set()
        for i, layer in enumerate(net.layers):
            for name, _, _ in layer.param_specs():
                view = net.grads[f"{i}.{name}"]
                attrs = [a for a, v in vars(layer).items() if v is view] or ["d" + name]
                self.entries += [_Entry(i, layer, name, a, view) for a in attrs]
        self._watch = [(e.layer, e.attr, e.view) for e in self.entries]  # gather's fast look

    def rebound(self) -> list[Rebound]:
        """The gradient attributes that now hold an array other than their view."""
        found = []
        for e in self.entries:
            value = getattr(e.layer, e.attr, None)
            if value is not e.view and isinstance(value, np.ndarray):
                found.append(Rebound(e, value))
        return found

    def copy_in(self, rebound: Rebound) -> None:
        """``view[...] = value`` and the attribute is the view again."""
        if not rebound.shape_fits:
            raise ValueError(rebound.message())
        e = rebound.entry
        e.view[...] = rebound.value
        setattr(e.layer, e.attr, e.view)

    def gather(self) -> None:
        """After ``backward``: copy every rebound gradient into its view (a shape that
        cannot fit is a ValueError), with one warning the first time attributes are found
        rebound, naming them all."""
        for layer, attr, view in self._watch:  # the usual case, at every step: all in place
            if getattr(layer, attr, view) is not view:
                break
        else:
            return
        new = []
        for r in self.rebound():
            self.copy_in(r)
            key = (r.entry.index, r.entry.attr)
            if key not in self._warned:
                self._warned.add(key)
                new.append(r.entry)
        if new:
            names = ", ".join(f"self.{e.attr} of {_who(e)}" for e in new)
            warn(f"backward rebinds {names}{_rebinds(len(new))}self.{new[0].attr}[...] = ...")
