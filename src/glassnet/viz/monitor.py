"""``plot_monitor``: a dashboard of what a ``gn.Monitor`` recorded.

Top rows: one panel per statistic (gradient norm, weight norm, update/weight ratio,
activation mean and standard deviation, saturated and dead units) with one curve per
layer against the epoch; norms and ratios on a log scale, the ratio with a dashed line
at the rule of thumb 1e-3. Bottom row: the activation histograms of every layer at a
few chosen epochs (by default the first, middle and last record).
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_monitor", "MONITOR_PANELS"]

MONITOR_PANELS = (
    ("grad_norm", "gradient norm ||dW||", True),
    ("weight_norm", "weight norm ||W||", True),
    ("update_ratio", "update / weight ratio", True),
    ("act_mean", "activation mean", False),
    ("act_std", "activation std", False),
    ("saturated", "saturated (f' < 0.05)", False),
    ("dead", "dead ReLU units", False),
)


def _pick_records(monitor, epochs) -> list[int]:
    n = len(monitor.epochs)
    if epochs is None:
        return sorted({0, n // 2, n - 1})
    out = []
    for e in epochs:
        if e not in monitor.epochs:
            raise ValueError(f"epochs: {e!r} was not recorded; recorded: {monitor.epochs}")
        out.append(monitor.epochs.index(e))
    return out


def plot_monitor(monitor, epochs=None, fig=None, title: str | None = None):
    """Draw ``monitor``'s records as a dashboard; returns the matplotlib ``Figure``.

    Parameters
    ----------
    monitor : glassnet.Monitor, after ``fit`` recorded at least once
    epochs : list of int or None, recorded epochs whose activation histograms to show
        (default: the first, middle and last record)
    fig : matplotlib Figure or None, drawn on when given
    title : str or None
    """
    import matplotlib.pyplot as plt

    if not getattr(monitor, "epochs", None):
        raise ValueError("the monitor has recorded nothing: pass it to fit(callbacks=[...])")
    records = _pick_records(monitor, epochs)
    stats, ep = monitor.stats, np.asarray(monitor.epochs)
    n_layers = len(monitor.layers)
    ncols = max(4, len(records))
    fig = fig or plt.figure(figsize=(3.4 * ncols, 9.5), layout="constrained")
    grid = fig.add_gridspec(3, ncols)
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, n_layers))
    for p, (key, label, log) in enumerate(MONITOR_PANELS):
        ax = fig.add_subplot(grid[p // ncols, p % ncols])
        values = stats[key]
        for k in range(n_layers):
            ax.plot(ep, values[:, k], color=colors[k], label=monitor.layers[k], marker=".")
        if log and np.all(values[np.isfinite(values)] > 0) and np.isfinite(values).any():
            ax.set_yscale("log")
        if key == "update_ratio":
            ax.axhline(1e-3, color="gray", linestyle="--", linewidth=1)
        if np.isnan(values).all():
            ax.text(0.5, 0.5, "no such units", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("epoch")
    fig.axes[0].legend(fontsize=7, title="layer", title_fontsize=7)
    for c, r in enumerate(records):
        ax = fig.add_subplot(grid[2, c])
        for k, (counts, edges) in enumerate(monitor.act_hist[r]):
            centers = (edges[:-1] + edges[1:]) / 2
            share = counts / max(counts.sum(), 1)
            ax.plot(centers, share, color=colors[k], label=monitor.layers[k])
            ax.fill_between(centers, share, color=colors[k], alpha=0.15)
        ax.set_title(f"activations at epoch {monitor.epochs[r]}", fontsize=10)
        ax.set_xlabel("activation value")
        ax.set_ylabel("share of values")
    if title:
        fig.suptitle(title)
    return fig
