"""Pictures of data and of what a model learned.

Every function takes an optional matplotlib ``ax`` and returns the ``ax`` it drew on.
Import matplotlib with a non-interactive backend first when there is no screen
(``matplotlib.use("Agg")``); the command line does that for you. matplotlib itself is
imported inside the drawing functions: importing this module neither costs its second
of start-up nor picks a backend.
"""

from __future__ import annotations

import numpy as np

from ..layers import Dense
from ..train.monitor import layer_activations
from .animation import animate_training
from .regions import (
    check_points,
    class_colors,
    get_ax,
    grid,
    plot_data,
    predict_function,
    region_image,
)

__all__ = [
    "plot_data",
    "plot_decision_boundary",
    "plot_history",
    "plot_neurons",
    "plot_network",
    "plot_sweep",
    "animate_training",
    "class_colors",
    "predict_function",
]


def plot_decision_boundary(
    model,
    X,
    y,
    ax=None,
    title: str | None = None,
    resolution: int = 300,
    pad: float = 0.1,
    show_misclassified: bool = True,
    classes=None,
    test=None,
    colorbar: bool = True,
    feature_names=None,
    class_names=None,
):
    """Class regions of ``model`` over the plane of the 2-D data, with the data on top.

    Each region has its class's colour, paler where the model is less sure (when it
    gives probabilities, with a colour scale beside the plot); the boundaries are the
    contours where two classes' probabilities are equal, interpolated between grid
    points (no steps); misclassified points are ringed. The grid has ``resolution``
    points per axis over the data's range widened by ``pad`` times that range, so it
    costs the same on any scale. The legend sits below the plot, off the data.

    Parameters
    ----------
    model : Sequential, estimator, or function ``X -> labels`` (or probabilities)
    X : ndarray of shape (n_samples, 2), the training points
    y : ndarray of shape (n_samples,)
    test : pair ``(X_test, y_test)`` or None; test points are drawn as triangles and
        their misclassified ones counted apart from the training points'
    colorbar : bool, draw the colour scale of the shading (for models with probabilities)
    feature_names : pair of str or None, the axes' labels (default $x_1$, $x_2$)
    class_names : list of str or None, the legend's name of each class, in the order of
        ``classes`` (default: the labels themselves)

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import glassnet as gn
    >>> from glassnet.data import datasets
    >>> from glassnet.viz import plotting
    >>> X, y = datasets.moons()
    >>> net = gn.mlp([2, 3, 2], seed=0)
    >>> ax = plotting.plot_decision_boundary(net, X, y, title="untrained")
    >>> ax.get_title()
    'untrained'
    """
    X, y = check_points(X, y, "plot_decision_boundary")
    ax = get_ax(ax)
    labels = np.unique(y) if classes is None else np.asarray(classes)
    f = predict_function(model)
    names = [str(c) for c in (labels if class_names is None else class_names)]
    extent, colors = _draw_regions(ax, f, X, labels, resolution, pad, colorbar, names)
    for j, lab in enumerate(labels):
        m = y == lab
        ax.scatter(
            X[m, 0], X[m, 1], s=24, color=colors[j], edgecolors="k", linewidths=0.5,
            label=f"class {names[j]}",
        )  # fmt: skip
    if test is not None:
        Xt, yt = np.asarray(test[0], dtype=float), np.asarray(test[1])
        point_colors = colors[np.searchsorted(labels, yt).clip(0, len(labels) - 1)]
        ax.scatter(
            Xt[:, 0], Xt[:, 1], s=30, marker="^", c=point_colors, edgecolors="k",
            linewidths=0.5, label="test points",
        )  # fmt: skip
    if show_misclassified:
        _ring_misclassified(ax, f, X, y, labels, test)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    xlabel, ylabel = feature_names if feature_names is not None else ("$x_1$", "$x_2$")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    n_entries = len(ax.get_legend_handles_labels()[0])
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(n_entries, 4),
        fontsize="small", frameon=False, handletextpad=0.3, columnspacing=1.0,
    )  # fmt: skip
    return ax


def _draw_regions(ax, f, X, labels, resolution, pad, colorbar=True, names=None):
    """Paint the class regions of the model ``f`` and draw their boundaries; returns the
    plotted extent and the class colours. ``names``: the classes' names, for the scale."""
    k = len(labels)
    xx, yy, G, extent = grid(X, resolution, pad)
    out = np.asarray(f(G))
    img, predicted_idx = region_image(out, labels)
    colors = class_colors(max(k, int(predicted_idx.max()) + 1))
    ax.imshow(
        img.reshape(resolution, resolution, 3),
        origin="lower",
        extent=extent,
        aspect="auto",
        interpolation="bilinear",
    )
    proba = out.ndim == 2 and out.shape[1] > 1
    if proba:  # where class j's probability equals the largest other: smooth lines
        P = out.reshape(resolution, resolution, -1)
        for j in range(P.shape[2] if P.shape[2] > 2 else 1):
            others = np.delete(P, j, axis=2).max(axis=2)
            margin = P[..., j] - others
            if margin.min() < 0 < margin.max():
                ax.contour(xx, yy, margin, levels=[0.0], colors="k", linewidths=0.8)
        if colorbar:
            second = names[1] if names is not None and len(names) > 1 else "1"
            _colour_scale(ax, colors, P.shape[2], second)
    elif k > 1:
        zz = predicted_idx.reshape(xx.shape)
        ax.contour(xx, yy, zz, levels=np.arange(k) + 0.5, colors="k", linewidths=0.8)
    return extent, colors


def _colour_scale(ax, colors, k, second: str = "1") -> None:
    """The shading's colour scale: P(second class) for two classes (the first class's
    colour, pale near 0.5, the second's; ``second`` is its name), else the probability
    of the predicted class (in grey: the paleness that any class's colour takes)."""
    import matplotlib as mpl

    if k == 2:
        lo, label = 0.0, f"P(class {second})"
        p = np.linspace(0, 1, 256)
        img, _ = region_image(np.c_[1 - p, p], np.arange(2))  # the regions' own colours
    else:
        lo, label = 1.0 / k, "probability of the predicted class"
        strength = np.linspace(0, 1, 256)
        alpha = (0.15 + 0.45 * strength)[:, None]  # as region_image shades
        img = 1.0 - alpha * (1.0 - np.full((1, 3), 0.35))
    cmap = mpl.colors.ListedColormap(np.clip(img, 0, 1))
    sm = mpl.cm.ScalarMappable(norm=mpl.colors.Normalize(lo, 1.0), cmap=cmap)
    ax.figure.colorbar(sm, ax=ax, fraction=0.046, pad=0.02, label=label)


def _ring_misclassified(ax, f, X, y, labels, test=None) -> None:
    """Ring the points that the model ``f`` puts in the wrong class; the legend counts
    training and test points apart."""
    sets = [("train", X, y)] + ([("test", *map(np.asarray, test))] if test is not None else [])
    parts, rows = [], []
    for name, A, b in sets:
        out = np.asarray(f(A))
        predicted = (
            labels[np.argmax(out, axis=1)] if out.ndim == 2 and out.shape[1] > 1 else out.ravel()
        )
        wrong = predicted != b
        parts.append(f"{int(wrong.sum())}/{len(b)} {name}" if test is not None else "")
        rows.append(A[wrong])
    wrong_points = np.concatenate(rows)
    if len(wrong_points):
        count = ", ".join(parts) if test is not None else str(len(wrong_points))
        ax.scatter(
            wrong_points[:, 0],
            wrong_points[:, 1],
            s=90,
            facecolors="none",
            edgecolors="k",
            linewidths=1.4,
            label=f"misclassified ({count})",
        )


# ----------------------------------------------------------------------------- history
def plot_history(history, ax=None, title: str | None = None):
    """Curves of a ``History``: losses (data loss, L2 penalty, training and validation
    loss), the metric (accuracy or R², training and validation) and the learning rate
    when it changed.

    ``ax`` None draws three panels on a new figure and returns the array of their axes;
    a single ``Axes`` gets the losses, with the metric on a second y axis (returned ax).
    """
    import matplotlib.pyplot as plt

    h = history.history if hasattr(history, "history") else dict(history)
    epochs = np.arange(1, len(h["loss"]) + 1)
    single = ax is not None and not isinstance(ax, (list, tuple, np.ndarray))
    if ax is None:
        _, ax = plt.subplots(1, 3, figsize=(16, 4.5))
    axes = [ax] if single else list(np.ravel(ax))
    la = axes[0]
    la.plot(epochs, h["loss"], label="training loss (data + L2)", lw=1.2)
    if "penalty" in h and np.any(np.asarray(h["penalty"]) > 0):
        la.plot(epochs, h["data_loss"], label="data loss", lw=0.9, ls="--")
        la.plot(epochs, h["penalty"], label="L2 penalty", lw=0.9, ls=":")
    if "val_loss" in h:
        la.plot(epochs, h["val_loss"], label="validation loss", lw=1.2)
    la.set(xlabel="epoch", ylabel="loss", title=title or "loss per epoch")
    if np.all(np.asarray(h["loss"]) > 0):
        la.set_yscale("log")
    metric = "accuracy" if "accuracy" in h else ("r2" if "r2" in h else None)
    ma = la.twinx() if single else (axes[1] if len(axes) > 1 else None)
    if metric and ma is not None:
        name = "accuracy" if metric == "accuracy" else "R²"
        ma.plot(epochs, h[metric], color="tab:green", label=f"training {name}", lw=1.0)
        if f"val_{metric}" in h:
            ma.plot(epochs, h[f"val_{metric}"], color="tab:red", label=f"validation {name}", lw=1.0)
        ma.set(ylabel=name)
        if not single:
            ma.set(xlabel="epoch", title=f"{name} per epoch")
        ma.legend(loc="lower right" if not single else "center right", fontsize="small")
    if not single and len(axes) > 2:
        ra = axes[2]
        ra.plot(
            epochs, h.get("lr", [np.nan] * len(epochs)), color="tab:purple", label="learning rate"
        )
        ra.set(xlabel="epoch", ylabel="learning rate", title="learning rate per epoch")
        ra.legend(fontsize="small")
    la.legend(loc="upper right", fontsize="small")
    return ax


# ----------------------------------------------------------------------------- neurons
def plot_neurons(net, X, ax=None, resolution: int = 60, pad: float = 0.1, max_units: int = 16):
    """What each hidden unit computes over the input plane, as a grid of thumbnails: one
    row per hidden layer, one thumbnail per unit (blue positive, red negative, each
    scaled to its own range). Needs 2 input features."""
    import matplotlib.pyplot as plt

    X, _ = check_points(X, None, "plot_neurons")
    if net.n_inputs != 2:
        raise ValueError(f"plot_neurons needs a network with 2 inputs, got {net.n_inputs}")
    _, _, G, _ = grid(X, resolution, pad)
    outs = [a for a, _ in layer_activations(net, G)[:-1]]  # the hidden layers'
    if not outs:
        raise ValueError("the network has no hidden layer to show")
    width = min(max(o.shape[1] for o in outs), max_units)
    gap = 4
    size = resolution + gap
    img = np.ones((len(outs) * size, width * size, 3))
    cmap = plt.get_cmap("RdBu")
    for r, o in enumerate(outs):
        for c in range(min(o.shape[1], width)):
            v = o[:, c].reshape(resolution, resolution)[::-1]
            span = np.max(np.abs(v)) or 1.0
            tile = cmap(0.5 + 0.5 * v / span)[..., :3]
            img[r * size : r * size + resolution, c * size : c * size + resolution] = tile
    if ax is None:
        ax = plt.figure(figsize=(1.2 * width + 1.5, 1.3 * len(outs) + 1)).add_subplot()
    ax.imshow(img, interpolation="nearest")
    ax.set_xticks(
        [c * size + resolution / 2 for c in range(width)], [str(c + 1) for c in range(width)]
    )
    ax.set_yticks(
        [r * size + resolution / 2 for r in range(len(outs))],
        [f"layer {r + 1}" for r in range(len(outs))],
    )
    ax.set_xlabel("hidden unit")
    ax.set_title("what each hidden unit computes over the input plane")
    return ax


# ----------------------------------------------------------------------------- network
def plot_network(net, ax=None, max_units: int = 24):
    """The layers as a diagram: a column of nodes per layer, an edge per weight whose
    colour is its sign (blue positive, orange negative) and width its magnitude."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    dense = [lay for lay in net.layers if isinstance(lay, Dense)]
    sizes = [min(dense[0].n_in, max_units)] + [min(d.n_out, max_units) for d in dense]
    if ax is None:
        ax = plt.figure(figsize=(2.2 * len(sizes) + 1, 5)).add_subplot()
    ys = [np.linspace(0, 1, s + 2)[1:-1] for s in sizes]
    wmax = max(float(np.abs(d.W).max()) for d in dense) or 1.0
    for k, d in enumerate(dense):
        W = d.W[: sizes[k], : sizes[k + 1]]
        segs, colors, widths = [], [], []
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                segs.append([(k, ys[k][i]), (k + 1, ys[k + 1][j])])
                colors.append("tab:blue" if W[i, j] >= 0 else "tab:orange")
                widths.append(0.3 + 4.0 * abs(W[i, j]) / wmax)
        ax.add_collection(LineCollection(segs, colors=colors, linewidths=widths, alpha=0.7))
    for k, y in enumerate(ys):
        ax.scatter(np.full(len(y), k), y, s=220, color="white", edgecolors="k", zorder=3)
    names = ["input"] + [f"hidden {k}" for k in range(1, len(sizes) - 1)] + ["output"]
    ax.set_xticks(range(len(sizes)), [f"{n}\n({s})" for n, s in zip(names, sizes)])
    ax.set_yticks([])
    ax.set_xlim(-0.4, len(sizes) - 0.6)
    ax.set_ylim(0, 1)
    ax.plot([], [], color="tab:blue", label="positive weight")
    ax.plot([], [], color="tab:orange", label="negative weight")
    ax.legend(loc="upper right", fontsize="small")
    ax.set_title("the network: edge width is |weight|")
    return ax


# ----------------------------------------------------------------------------- sweeps
def plot_sweep(results, X, y, ax=None, ncols: int = 2, test=None):
    """A grid of decision boundaries, one panel per run of a sweep, each titled with its
    setting and its training and test accuracy (the post's hidden-size figure).

    ``results`` is what ``glassnet.apps.sweep.run_sweep`` returns: dicts with ``param``,
    ``value``, ``model``, ``train_accuracy`` and ``test_accuracy``. ``X, y`` are the
    training points; ``test``, the pair ``(X_test, y_test)``, is drawn as triangles and
    its misclassified points counted apart.
    """
    import matplotlib.pyplot as plt

    n = len(results)
    if ax is None:
        nrows = int(np.ceil(n / ncols))
        _, ax = plt.subplots(nrows, ncols, figsize=(6 * ncols, 5 * nrows), squeeze=False)
    axes = np.ravel(ax)
    if len(axes) < n:
        raise ValueError(f"plot_sweep needs {n} axes, got {len(axes)}")
    for a, r in zip(axes, results):
        title = (
            f"{r['param']} = {r['value']}: train {r['train_accuracy']:.3f}, "
            f"test {r['test_accuracy']:.3f}"
        )
        plot_decision_boundary(r["model"], X, y, ax=a, title=title, test=test)
    for a in axes[n:]:
        a.set_axis_off()
    return ax


from .monitor import plot_monitor  # noqa: E402, F401  (issue 15: the monitor dashboard)

__all__.append("plot_monitor")
