"""Pictures of data and of what a model learned.

Every function takes an optional matplotlib ``ax`` and returns the ``ax`` it drew on.
Import matplotlib with a non-interactive backend first when there is no screen
(``matplotlib.use("Agg")``); the command line does that for you.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_data", "plot_decision_boundary", "class_colors", "predict_function"]


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


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=(6, 5)).add_subplot()
    return ax


def plot_data(X, y, ax=None, title: str | None = None, classes=None):
    """Scatter the rows of a 2-D ``X`` coloured by their class ``y``."""
    ax = _get_ax(ax)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
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
    from .losses import softmax
    from .network import Sequential

    if isinstance(model, Sequential):
        return lambda G: softmax(model.forward(np.asarray(G, dtype=model.dtype)))
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


def _grid(X, resolution: int, pad: float):
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy, np.c_[xx.ravel(), yy.ravel()], (lo[0], hi[0], lo[1], hi[1])


def plot_decision_boundary(
    model,
    X,
    y,
    ax=None,
    title: str | None = None,
    resolution: int = 200,
    pad: float = 0.1,
    show_misclassified: bool = True,
    classes=None,
):
    """Class regions of ``model`` over the plane of the 2-D data, with the data on top.

    Each region has its class's colour, paler where the model is less sure (when it
    gives probabilities); the boundaries are drawn as lines; misclassified training
    points are ringed. The grid has ``resolution`` points per axis over the data's
    range widened by ``pad`` times that range, so it costs the same on any scale.

    Parameters
    ----------
    model : Sequential, estimator, or function ``X -> labels`` (or probabilities)
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"plot_decision_boundary needs 2-D data with 2 features, got shape {X.shape}"
        )
    y = np.asarray(y)
    ax = _get_ax(ax)
    labels = np.unique(y) if classes is None else np.asarray(classes)
    k = len(labels)
    f = predict_function(model)
    xx, yy, G, extent = _grid(X, resolution, pad)
    out = np.asarray(f(G))
    if out.ndim == 2 and out.shape[1] > 1:
        idx = np.argmax(out, axis=1)
        conf = out.max(axis=1)
        lo = 1.0 / out.shape[1]
        strength = np.clip((conf - lo) / (1 - lo), 0, 1)
        predicted_idx = idx
    else:
        pred = out.ravel()
        predicted_idx = np.searchsorted(labels, pred).clip(0, k - 1)
        strength = np.ones(len(pred))
    colors = class_colors(max(k, int(predicted_idx.max()) + 1))
    rgb = colors[predicted_idx]
    alpha = (0.15 + 0.45 * strength)[:, None]
    img = 1.0 - alpha * (1.0 - rgb)  # blend towards white
    ax.imshow(
        img.reshape(resolution, resolution, 3),
        origin="lower",
        extent=extent,
        aspect="auto",
        interpolation="bilinear",
    )
    zz = predicted_idx.reshape(xx.shape)
    if k > 1:
        ax.contour(xx, yy, zz, levels=np.arange(k) + 0.5, colors="k", linewidths=0.8)
    handles = []
    for j, lab in enumerate(labels):
        m = y == lab
        handles.append(
            ax.scatter(
                X[m, 0],
                X[m, 1],
                s=24,
                color=colors[j],
                edgecolors="k",
                linewidths=0.5,
                label=f"class {lab}",
            )
        )
    if show_misclassified:
        pred_train = np.asarray(f(X))
        pred_train = (
            labels[np.argmax(pred_train, axis=1)]
            if pred_train.ndim == 2 and pred_train.shape[1] > 1
            else pred_train.ravel()
        )
        wrong = pred_train != y
        if wrong.any():
            ax.scatter(
                X[wrong, 0],
                X[wrong, 1],
                s=90,
                facecolors="none",
                edgecolors="k",
                linewidths=1.4,
                label=f"misclassified ({int(wrong.sum())})",
            )
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small", framealpha=0.8)
    return ax
