"""Issue 14, figures that do not confuse: the legend off the data, a smooth boundary, a
colour scale for the shading, train and test misclassifications counted apart, the
sweep's title clear of the first row, like-with-like loss curves, regression in the
data's units, and R² from `glassnet predict`."""

import contextlib
import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.metrics import r2_score

import glassnet as gn
from glassnet.apps import sweep
from glassnet.apps._train_run import plot_training
from glassnet.apps.cli import main
from glassnet.train.callbacks import History
from glassnet.viz import plotting
from glassnet.viz.regions import grid


@pytest.fixture(scope="module")
def moons_net():
    X, y = gn.datasets.moons()
    net = gn.mlp([2, 8, 2], seed=0)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(lr=0.05), epochs=300)
    return net, X, y


def _bbox(artist, fig):
    fig.canvas.draw()
    return artist.get_window_extent(fig.canvas.get_renderer())


def test_the_legend_sits_below_the_plot_off_the_data(moons_net):
    net, X, y = moons_net
    ax = plotting.plot_decision_boundary(net, X, y)
    legend, axes_box = _bbox(ax.get_legend(), ax.figure), ax.get_window_extent()
    assert legend.y1 <= axes_box.y0  # entirely under the axes, so it covers no point
    plt.close(ax.figure)


def test_the_shading_has_a_colour_scale(moons_net):
    net, X, y = moons_net
    ax = plotting.plot_decision_boundary(net, X, y)
    bars = [a for a in ax.figure.axes if a is not ax]
    assert len(bars) == 1 and bars[0].get_ylabel() == "P(class 1)"
    plt.close(ax.figure)


def test_the_boundary_is_a_smooth_contour_of_the_probabilities(moons_net):
    """A contour of the predicted labels puts every vertex on a grid line or half-way
    between two (a staircase); the contour of P(1) - P(0) = 0 is interpolated."""
    net, X, y = moons_net
    res = 100
    ax = plotting.plot_decision_boundary(net, X, y, resolution=res)
    (contour,) = [c for c in ax.collections if c.__class__.__name__.endswith("ContourSet")]
    V = np.concatenate([p.vertices for p in contour.get_paths()])
    xx, yy, _, _ = grid(X, res, 0.1)  # the grid plot_decision_boundary evaluates
    hx, hy = xx[0, 1] - xx[0, 0], yy[1, 0] - yy[0, 0]
    rx, ry = (V[:, 0] - xx[0, 0]) / (hx / 2), (V[:, 1] - yy[0, 0]) / (hy / 2)
    on_half_grid = (np.abs(rx - np.round(rx)) < 1e-6) & (np.abs(ry - np.round(ry)) < 1e-6)
    assert on_half_grid.mean() < 0.5
    # and the line is where the network's two probabilities are equal
    P = net.predict_proba(V) if hasattr(net, "predict_proba") else None
    if P is None:
        out = net.forward(V)
        P = np.exp(out - out.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
    assert np.abs(P[:, 1] - P[:, 0]).max() < 0.05
    plt.close(ax.figure)


def test_misclassified_counts_keep_train_and_test_apart(moons_net):
    net, X, y = moons_net
    Xt, yt = gn.datasets.moons(60, seed=5)
    ax = plotting.plot_decision_boundary(net, X, y, test=(Xt, yt))
    out_tr = np.argmax(net.forward(X), axis=1)
    out_te = np.argmax(net.forward(Xt), axis=1)
    labels = ax.get_legend_handles_labels()[1]
    want = f"misclassified ({(out_tr != y).sum()}/200 train, {(out_te != yt).sum()}/60 test)"
    assert want in labels and "test points" in labels
    plt.close(ax.figure)


def test_sweep_title_is_clear_of_the_first_row(tmp_path, monkeypatch):
    X, y = gn.datasets.moons(150, seed=2)
    Xtr, Xte, ytr, yte = sweep.split_data(X, y, 0.3, 0)
    results = sweep.run_sweep("hidden", [1, 4], X, y, base={"epochs": 200})
    seen = {}
    original = Figure.savefig

    def keep(fig, *args, **kwargs):
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        seen["title"] = fig._suptitle.get_window_extent(r)
        seen["tops"] = [a.title.get_window_extent(r).y1 for a in fig.axes if a.get_title()]
        seen["labels"] = [lab for a in fig.axes for lab in a.get_legend_handles_labels()[1]]
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    sweep._write_grid(results, Xtr, ytr, tmp_path / "s.png", "moons: sweep", test=(Xte, yte))
    assert seen["title"].y0 >= max(seen["tops"])
    assert any("train" in s and "test)" in s for s in seen["labels"] if "misclassified" in s)


def test_loss_curves_compare_data_loss_per_row_for_training_and_validation(tmp_path):
    hist = History()
    hist.epoch = [0, 1, 2]
    # summed over 160 training rows and 40 validation rows; the L2 penalty is left out
    hist.history = {"loss": [30.0, 25.0, 22.0], "data_loss": [16.0, 12.0, 8.0],
                    "penalty": [14.0, 13.0, 14.0], "val_loss": [8.0, 6.0, 4.0]}  # fmt: skip
    X, y = gn.datasets.moons()
    net = gn.mlp([2, 3, 2], seed=0)
    seen = {}
    original = Figure.savefig

    def keep(fig, *args, **kwargs):
        (ax,) = [a for a in fig.axes if a.get_title().startswith("loss per epoch")]
        seen.update({ln.get_label(): ln.get_ydata() for ln in ax.get_lines()})
        seen["ylabel"] = ax.get_ylabel()
        return original(fig, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Figure, "savefig", keep)
        plot_training(tmp_path / "p.png", net, X, y, hist, False, "t", rows=(160, 40))
    np.testing.assert_allclose(seen["training data loss per row"], [0.1, 0.075, 0.05])
    np.testing.assert_allclose(seen["validation data loss per row"], [0.2, 0.15, 0.1])
    assert "without the L2 penalty" in seen["ylabel"]


def _csv(path, x, y):
    np.savetxt(path, np.c_[x, y], delimiter=",", header="hours,y", comments="")


def test_regression_plot_in_the_datas_units_and_predict_reports_r2(tmp_path, monkeypatch):
    X, y = gn.datasets.load("sine")
    x = 100 + 10 * X[:, 0]  # a feature far from standardised
    _csv(tmp_path / "d.csv", x, y)
    seen = {}
    original = Figure.savefig

    def keep(fig, *args, **kwargs):
        ax = fig.axes[0]
        seen["xlabel"], seen["xlim"] = ax.get_xlabel(), ax.get_xlim()
        return original(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["train", "--data", str(tmp_path / "d.csv"), "--hidden", "16",
                     "--reduction", "mean", "--optimizer", "adam", "--l2", "0", "--epochs",
                     "200", "--quiet", "--plot", str(tmp_path / "p.png"),
                     "--save", str(tmp_path / "m.npz")]) == 0  # fmt: skip
    assert seen["xlabel"] == "hours"
    assert seen["xlim"][0] < x.min() + 1 and seen["xlim"][1] > x.max() - 1  # not ~(-2, 2)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["predict", "--model", str(tmp_path / "m.npz"), "--data",
                     str(tmp_path / "d.csv"), "--out", str(tmp_path / "pred.csv")])  # fmt: skip
    assert code == 0
    pred = np.loadtxt(tmp_path / "pred.csv", delimiter=",", skiprows=1)
    want = r2_score(y, pred)  # scikit-learn on the written predictions
    assert f"R² against the file's target column: {want:.4f}" in err.getvalue()
