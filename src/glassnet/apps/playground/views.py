"""What the page draws of a network, encoded small: the decision-boundary heatmap, a
thumbnail per hidden neuron, and arrays as base64 float32 (the page's ``GN.floats``)."""

from __future__ import annotations

import base64

import numpy as np

from ...train.monitor import layer_activations

__all__ = ["HEAT_RES", "b64", "f4", "heatmap", "thumbnails"]

HEAT_RES = 64  # cells per side of the decision-boundary heatmap


def b64(a: np.ndarray) -> str:
    """The bytes of ``a`` in base64, as the page's ``GN.floats`` reads them."""
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def f4(a: np.ndarray) -> np.ndarray:
    """``a`` as little-endian float32 for the page, huge values clipped to float32's range."""
    big = np.finfo(np.float32).max
    return np.clip(a, -big, big).astype("<f4")


def heatmap(net, grid: np.ndarray) -> dict:
    """The predicted class and its probability (0-255) at each cell of ``grid``
    (``HEAT_RES`` squared points), interleaved as bytes."""
    p = net.predict_proba(grid)  # softmax, or [1 - p, p] for one output
    cls = p.argmax(axis=1)
    conf = p[np.arange(len(p)), cls]
    heat = np.empty(2 * len(p), dtype=np.uint8)
    heat[0::2] = cls
    heat[1::2] = np.round(conf * 255)
    return {"res": HEAT_RES, "data": b64(heat)}


def thumbnails(net, domain: list, n_hidden: int) -> dict:
    """Each hidden neuron's activation over the plane, a ``res`` x ``res`` image scaled
    to its largest value (fewer pixels for wide networks), as bytes around 127.5."""
    t = 20 if n_hidden <= 64 else 14 if n_hidden <= 160 else 10
    g = np.linspace(domain[0], domain[1], t)
    xx, yy = np.meshgrid(g, -g)
    thumbs = []
    for a, _ in layer_activations(net, np.c_[xx.ravel(), yy.ravel()])[:-1]:  # hidden layers
        scale = np.maximum(np.abs(a).max(axis=0), 1e-12)
        thumbs.append(np.round((a / scale).T * 127.5 + 127.5).astype(np.uint8))
    return {"res": t, "data": b64(np.concatenate(thumbs)) if thumbs else ""}
