"""Gradients and parameters a layer rebinds instead of writing into its views.

``Sequential`` hands each layer views into its two packed vectors (``bind``): its
parameters into ``net.theta``, which ``forward`` reads and the optimizer updates, and
their gradients into ``net.grad``, which the optimizer reads. A layer written in the
style of "Deep Learning from Scratch" assigns new arrays instead: ``self.dW = x.T @
delta`` in ``backward``, or ``self.W = rng.randn(...)`` in ``initialize``. The attribute
then no longer is the view, and nothing trains: ``net.grad`` keeps zeros, or the
optimizer steps a vector that ``forward`` never reads. ``Views`` remembers which
attribute of each layer holds which view, and after the method copies a rebound array
into its view (and puts the view back), warning once per attribute: the gradients after
every ``backward`` (``GradientViews``), the parameters after ``initialize``
(``ParameterViews``). ``check_layer`` reports the same with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._warn import warn
from .layers import specs_of

__all__ = ["GradientViews", "ParameterViews", "Rebound", "RebindWarning"]


class RebindWarning(UserWarning):
    """A layer rebound a gradient or a parameter; the network copied it into its view."""


@dataclass(frozen=True)
class Kind:
    """What the views hold and which of the layer's methods must write into them."""

    method: str  # "backward"
    vector: str  # "the packed gradient net.grad"
    reader: str  # "which the optimizer reads"
    prefix: str  # the attribute's usual name is prefix + the parameter's ("dW" for "W")
    when: str  # when the network copies a rebound array in
    packed: str  # the network's packed vector ("grad")
    views: str  # the network's dict of views into it ("grads"), as bind receives it
    # an attribute bind did not keep the view in counts only once the method changed it
    # (a parameter: a copy that bind made is not initialize's doing; check_layer names it)
    changed_only: bool = False


GRADIENTS = Kind(
    "backward", "the packed gradient net.grad", "which the optimizer reads", "d",
    "after each backward", "grad", "grads",
)  # fmt: skip
PARAMETERS = Kind(
    "initialize", "the packed parameters net.theta", "which forward reads and the optimizer "
    "updates", "", "after initialize", "theta", "params", changed_only=True,
)  # fmt: skip


@dataclass
class _Entry:
    index: int  # the layer's index in the network
    layer: object
    name: str  # the parameter's name in param_specs ("W")
    attr: str  # the attribute that holds the view ("dW")
    view: np.ndarray  # the view into the packed vector
    kept: bool  # whether bind kept the view in that attribute
    kind: Kind
    held: object = None  # what the attribute held when the views were found


@dataclass
class Rebound:
    """An attribute that a layer's method rebound: ``value`` is what it holds now."""

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
                f"{start}{e.kind.method} set self.{e.attr} to an array of shape "
                f"{self.value.shape}, but its parameter {e.name!r} has shape "
                f"{e.view.shape} (param_specs): compute it with that shape"
            )
        return f"{start}{e.kind.method} rebinds self.{e.attr}{_rebinds([e])}"


def _who(e: _Entry) -> str:
    return f"layer {e.index} ({type(e.layer).__name__})"


def _rebinds(entries: list[_Entry]) -> str:
    """The words after "<method> rebinds <attributes>": why it matters and the fix."""
    e, kind = entries[0], entries[0].kind
    if len(entries) == 1:
        its, view, arrays, it = "its", "view", "a new array", "it"
    else:
        its, view, arrays, it = "their", "views", "new arrays", "them"
    fix = f"Write into the {view}: self.{e.attr}[...] = ..."
    if not e.kept:  # bind did not keep the view: writing into self.dW needs it first
        fix = (
            f"Keep the {view} bind gives (self.{e.attr} = {kind.views}[{e.name!r}] in bind) "
            f"and write into {it}: self.{e.attr}[...] = ..."
        )
    return (
        f" to {arrays} instead of writing into {its} {view} of {kind.vector}, {kind.reader} "
        f"(the network copies {it} in {kind.when}). {fix}"
    )


class Views:
    """Which attribute of each layer of ``net`` holds which view into one of its packed
    vectors (``kind``: the gradients or the parameters).

    Found when built, so build it while the layers hold the views ``bind`` gave them:
    an attribute that *is* the view of parameter ``name``, else the attribute
    ``kind.prefix + name`` (``dW`` or ``W`` for ``W``), the convention of the post and
    of the book.
    """

    def __init__(self, net, kind: Kind):
        self.kind = kind
        self.vector = getattr(net, kind.packed)  # (astype makes a new one)
        views = getattr(net, kind.views)
        self.entries: list[_Entry] = []
        self._warned: set[tuple[int, str]] = set()
        for i, layer in enumerate(net.layers):
            for spec in specs_of(layer):
                view = views[f"{i}.{spec.name}"]
                kept = [a for a, v in vars(layer).items() if v is view]
                for attr in kept or [kind.prefix + spec.name]:
                    held = getattr(layer, attr, None)
                    entry = _Entry(i, layer, spec.name, attr, view, bool(kept), kind, held)
                    self.entries.append(entry)
        self._watch = [(e.layer, e.attr, e.view) for e in self.entries]  # gather's fast look

    def rebound(self) -> list[Rebound]:
        """The attributes that now hold an array other than their view, one that does
        not look into the packed vector (a property that gives a new view each time,
        ``self._p["W"][...]``, still writes into it)."""
        found = []
        for e in self.entries:
            value = getattr(e.layer, e.attr, None)
            if value is e.view or not isinstance(value, np.ndarray):
                continue
            unchanged = e.kind.changed_only and value is e.held
            if not unchanged and not np.may_share_memory(value, self.vector):
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
        """After the method: copy every rebound array into its view (a shape that cannot
        fit is a ValueError), with one warning the first time attributes are found
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
            warn(f"{self.kind.method} rebinds {names}{_rebinds(new)}", RebindWarning)


class GradientViews(Views):
    """The views into ``net.grad``: ``backward`` must write each layer's gradients there."""

    def __init__(self, net):
        super().__init__(net, GRADIENTS)


class ParameterViews(Views):
    """The views into ``net.theta``: ``initialize`` must write each layer's parameters
    there (and ``forward`` read them from there)."""

    def __init__(self, net):
        super().__init__(net, PARAMETERS)
