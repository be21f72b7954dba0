"""What the page draws, encoded small: the data, and each frame's numbers: the
decision-boundary heatmap (or, for regression, the predicted surface), a thumbnail per
neuron, the weights as base64 float32 (the page's ``GN.floats``), and for a data set of
images a grid of test images with their predictions and the confusion matrix."""

from __future__ import annotations

import base64

import numpy as np

from ...layers import Dense
from ...train.monitor import layer_activations
from .config import IMAGES
from .formula import formula

__all__ = [
    "HEAT_RES",
    "b64",
    "f4",
    "heatmap",
    "surface",
    "thumbnails",
    "images_view",
    "data_message",
    "frame_message",
]
SHOWN_IMAGES = 40  # test images in the grid of a data set of images

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


def surface(net, grid: np.ndarray, low: float, high: float) -> dict:
    """A regression's prediction at each cell of ``grid`` as a byte: 0 at ``low``, 255
    at ``high`` (the targets' range), clipped."""
    out = net.forward(grid)[:, 0]
    level = np.clip((out - low) / max(high - low, 1e-12), 0, 1)
    return {"res": HEAT_RES, "data": b64(np.round(level * 255).astype(np.uint8)), "kind": "value"}


def thumbnails(net, domain: list, n_hidden: int) -> dict:
    """Each input feature's and each hidden neuron's value over the plane, a ``res`` x
    ``res`` image scaled to its largest value (fewer pixels for wide networks), as bytes
    around 127.5: the features first (what the first layer takes), then the layers."""
    t = 20 if n_hidden <= 64 else 14 if n_hidden <= 160 else 10
    g = np.linspace(domain[0], domain[1], t)
    xx, yy = np.meshgrid(g, -g)
    points = np.c_[xx.ravel(), yy.ravel()]
    values = [net.transform_input(points)]
    values += [a for a, _ in layer_activations(net, points)[:-1]]  # the hidden layers
    thumbs = []
    for a in values:
        scale = np.maximum(np.abs(a).max(axis=0), 1e-12)
        thumbs.append(np.round((a / scale).T * 127.5 + 127.5).astype(np.uint8))
    return {"res": t, "data": b64(np.concatenate(thumbs))}


def images_view(s) -> dict:
    """For a data set of images: the first test images (bytes, 0-255) with their true
    and predicted classes, and the confusion matrix over the whole test split
    (``confusion[true][predicted]``)."""
    h, w = IMAGES[s.config["dataset"]]
    pred = s.net.forward(s.X_test).argmax(axis=1)
    k = s.n_outputs
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (s.y_test, pred), 1)
    shown = slice(0, SHOWN_IMAGES)
    raw = s.scaling.inverse(s.X_test[shown])  # the pixels in [0, 1]
    pixels = np.round(np.clip(raw, 0, 1) * 255).astype(np.uint8)
    return {
        "shape": [h, w],
        "images": b64(pixels),
        "true": s.y_test[shown].tolist(),
        "pred": pred[shown].tolist(),
        "confusion": confusion.tolist(),
    }


def data_message(s) -> dict:
    """The points (rounded), their labels or targets and split, and the plot's domain;
    for images only the labels and the split (the frames carry the images shown)."""
    images = s.config["dataset"] in IMAGES
    regression = s.config["problem"] == "regression"
    y = s.target.inverse(s.y)[:, 0] if regression else s.y  # raw targets for the colours
    return {
        "type": "data",
        "version": s.data_version,
        "problem": s.config["problem"],
        "images": images,
        "X": [] if images else np.round(s.X, 4).tolist(),
        "y": np.round(y, 6).tolist() if regression else y.tolist(),
        "train": s.is_train.astype(int).tolist(),
        "domain": s.domain,
        "n_classes": s.n_outputs if not regression else 0,
        "classes": s.csv_classes if s.config["dataset"] == "csv" and not regression else None,
        "features": None if images else _input_names(s.net),
    }


def _input_names(net) -> list[str]:
    t = net.input_transform
    return list(t.features) if t is not None else ["x1", "x2"]


def frame_message(s, since: int) -> dict:
    """Everything the views draw: stats, the history from epoch ``since``, the heatmap
    (or surface, or the images' view), the thumbnails and the weights (arrays base64)."""
    net, c = s.net, s.config
    dense = [lay for lay in net.layers if isinstance(lay, Dense)]
    since = max(0, min(since, s.epoch))
    images = c["dataset"] in IMAGES
    frame = {
        "type": "frame",
        "run": s.run_version,
        "epoch": s.epoch,
        "train_loss": s.train_loss,
        "test_loss": s.test_loss,
        "train_acc": s.train_acc,
        "test_acc": s.test_acc,
        "lr": float(s.optimizer.lr),
        "history": {"start": since, **{k: v[since:] for k, v in s.history.items()}},
        "sizes": [dense[0].n_in, *c["layers"], s.n_outputs],
        "weights": [b64(f4(lay.W)) for lay in dense],
        "biases": [b64(f4(lay.b)) for lay in dense],
        "monitor": s.monitor,
        "step": s.last_step,
        "point": s.point(),
        "edits": s.edits,
        "heat": None,
        "thumbs": {"res": 0, "data": ""},
        "images": images_view(s) if images else None,
        "formula": None
        if images
        else formula(net, _input_names(net), c["problem"] == "regression"),
    }
    if not images:
        low, high = (float(s.y.min()), float(s.y.max())) if c["problem"] == "regression" else (0, 0)
        frame["heat"] = surface(net, s.grid, low, high) if high > low else heatmap(net, s.grid)
        frame["thumbs"] = thumbnails(net, s.domain, sum(c["layers"]))
    return frame
