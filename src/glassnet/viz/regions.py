"""What the plots and the animations share: class colours, the grid over the plane, the
model's predictions on it and the colours of its class regions, and the data's scatter."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from .._checks import Interval, check_param
from ..network import Sequential

__all__ = [
    "class_colors",
    "check_points",
    "get_ax",
    "grid",
    "plot_data",
    "predict_function",
    "region_image",
]

# grid points per axis: a grid of 4000 x 4000 is 16 million predictions, about a minute
RESOLUTION = Interval(Integral, 2, 4000)


def check_points(X, y=None, who: str = "the plot") -> tuple[np.ndarray, np.ndarray | None]:
    """``X`` as float rows of 2 features (at least one row) and ``y`` as one label per row
    (one-hot rows are allowed where the caller turns them into labels)."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(
            f"{who} needs 2-D data with 2 features: X of shape (n_samples >= 1, 2), got {X.shape}"
        )
    if y is None:
        return X, None
    y = np.asarray(y)
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError(
            f"y must hold one label for each of the {len(X)} rows of X, got shape {y.shape}"
        )
    return X, y


def class_colors(k: int) -> np.ndarray:
    """``k`` distinct RGB colours (k x 3): red and blue first, as in the post's figures."""
    import matplotlib as mpl

    base = np.array(
        [
            [0.84, 0.19, 0.15],
            [0.19, 0.39, 0.78],
            [0.17, 0.63, 0.17],
            [0.99, 0.60, 0.00],
            [0.58, 0.40, 0.74],
            [0.55, 0.34, 0.29],
            [0.89, 0.47, 0.76],
            [0.50, 0.50, 0.50],
            [0.74, 0.74, 0.13],
            [0.09, 0.75, 0.81],
        ]
    )
    if k <= len(base):
        return base[:k]
    return np.asarray(mpl.colormaps["hsv"](np.linspace(0, 1, k, endpoint=False)))[:, :3]


def get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=(6, 5)).add_subplot()
    return ax


def plot_data(X, y, ax=None, title: str | None = None, classes=None):
    """Scatter the rows of a 2-D ``X`` coloured by their class ``y``."""
    X, y = check_points(X, y, "plot_data")
    ax = get_ax(ax)
    labels = np.unique(y) if classes is None else np.asarray(classes)
    colors = class_colors(len(labels))
    for c, lab in zip(colors, labels):
        m = y == lab
        ax.scatter(
            X[m, 0], X[m, 1], s=28, color=c, edgecolors="k", linewidths=0.5, label=f"class {lab}"
        )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small", framealpha=0.8)
    return ax


def predict_function(model):
    """``f(X) -> probabilities (m, k) or labels (m,)`` for a net, an estimator or a callable."""
    if isinstance(model, Sequential):
        return model.predict_proba  # softmax, or [1 - p, p] for a single (sigmoid) output
    if hasattr(model, "predict_proba"):
        return model.predict_proba
    if hasattr(model, "predict"):
        return model.predict
    if callable(model):
        return model
    raise TypeError(
        f"model must be a glassnet network, an estimator with predict/predict_proba, or a "
        f"function of X, got {type(model).__name__}"
    )


def grid(X, resolution: int, pad: float):
    """``resolution`` x ``resolution`` points over the range of ``X`` widened by ``pad``
    times it: ``(xx, yy, points (resolution**2, 2), (x0, x1, y0, y1))``."""
    resolution = check_param("resolution", resolution, RESOLUTION)
    pad = check_param("pad", pad, Interval(Real, 0, None))
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy, np.c_[xx.ravel(), yy.ravel()], (lo[0], hi[0], lo[1], hi[1])


def region_image(out: np.ndarray, labels) -> tuple[np.ndarray, np.ndarray]:
    """Colours of the class regions for model outputs on grid points.

    ``out`` holds probabilities (m, k) or labels (m,). Returns the RGB colours (m, 3),
    each class's colour blended towards white where the model is less sure, and the
    predicted class index of every point.
    """
    k = len(labels)
    if out.ndim == 2 and out.shape[1] > 1:
        predicted_idx = np.argmax(out, axis=1)
        lo = 1.0 / out.shape[1]
        strength = np.clip((out.max(axis=1) - lo) / (1 - lo), 0, 1)
    else:
        predicted_idx = np.searchsorted(labels, out.ravel()).clip(0, k - 1)
        strength = np.ones(out.shape[0])
    colors = class_colors(max(k, int(predicted_idx.max()) + 1))
    alpha = (0.15 + 0.45 * strength)[:, None]
    return 1.0 - alpha * (1.0 - colors[predicted_idx]), predicted_idx
