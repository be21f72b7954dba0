"""How a network packs its layers' parameters and buffers into flat vectors.

Each layer declares what it needs: its parameters (``Layer.param_specs``, a
``ParamSpec(name, shape, penalized)`` each: ``W`` of Dense is penalised by ``l2``, ``b``
is not) and its buffers, state that is not trained (``Layer.buffer_specs``, a
``BufferSpec(name, shape)`` each: BatchNorm's running statistics). The network gives
each an ``Entry``: the spec with its layer's index, named ``"<layer>.<name>"``.

``net.state`` is one vector: the parameters ``theta`` first, the buffers after them::

    state = [ penalised weights | other parameters | buffers ]
              <----------- theta ---------------->  <- buffer ->

The penalised weights come first, so that the penalty is one NumPy call over
``theta[:n_weights]``; within each group the entries follow the layers' order. The
optimizer, the gradient check and L-BFGS see ``theta`` (and ``grad``, of the same
shape); a snapshot of the network (early stopping's best epoch, the rollback after a
divergence) copies ``state``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .layers import BufferSpec, specs_of

__all__ = ["Entry", "param_entries", "buffer_entries", "packed_slices", "legacy_index"]


class Entry(NamedTuple):
    """A parameter or buffer of a network: the index of its layer and its spec."""

    layer: int
    name: str
    shape: tuple[int, ...]
    penalized: bool

    @property
    def key(self) -> str:
        """The name in ``net.params``/``net.buffers``: ``"<layer>.<name>"``, e.g. ``"0.W"``."""
        return f"{self.layer}.{self.name}"

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def _param_entries_in_layer_order(layers) -> list[Entry]:
    return [
        Entry(i, p.name, tuple(p.shape), bool(p.penalized))
        for i, lay in enumerate(layers)
        for p in specs_of(lay)
    ]


def _penalised_first(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.penalized] + [e for e in entries if not e.penalized]


def param_entries(layers) -> list[Entry]:
    """The layers' parameters in the order of ``theta``: penalised first, then the rest."""
    return _penalised_first(_param_entries_in_layer_order(layers))


def buffer_entries(layers) -> list[Entry]:
    """The layers' buffers in the order of ``buffer`` (the layers' order)."""
    return [
        Entry(i, b.name, tuple(b.shape), False)
        for i, lay in enumerate(layers)
        for b in (BufferSpec(*spec) for spec in lay.buffer_specs())
    ]


def packed_slices(entries: list[Entry]) -> dict[str, slice]:
    """Where each entry lies in the vector that packs ``entries`` one after the other."""
    slices, offset = {}, 0
    for e in entries:
        slices[e.key] = slice(offset, offset + e.size)
        offset += e.size
    return slices


def legacy_index(layers) -> tuple[np.ndarray, np.ndarray]:
    """``(p, b)``: where the parameters and the buffers lay in the ``theta`` of a model
    file or checkpoint of format 1 or 2, so that ``old[p]`` is ``theta`` and ``old[b]``
    is ``buffer`` today. Those formats packed each layer's buffers into ``theta`` as
    unpenalised parameters right after the layer's own (BatchNorm's ``gamma, beta,
    running_mean, running_var``)."""
    params, buffers = _param_entries_in_layer_order(layers), buffer_entries(layers)
    old = packed_slices(_penalised_first(sorted(params + buffers, key=lambda e: e.layer)))

    def where(entries: list[Entry]) -> np.ndarray:
        ranges = [np.arange(old[e.key].start, old[e.key].stop) for e in entries]
        return np.concatenate(ranges) if ranges else np.zeros(0, dtype=np.intp)

    return where(_penalised_first(params)), where(buffers)
