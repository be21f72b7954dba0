"""plot_monitor draws a dashboard that is not blank."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import glassnet as gn
from glassnet.data import datasets

from .conftest import png_is_not_blank


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _monitored(activation="relu"):
    X, y = datasets.moons(200, noise=0.2, seed=0)
    net = gn.mlp([2, 8, 8, 2], activation=activation, seed=0)
    mon = gn.Monitor(every=5)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(0.02), epochs=30,
           callbacks=[mon], verbose=0)  # fmt: skip
    return mon


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_plot_monitor_draws_every_panel(tmp_path, activation):
    mon = _monitored(activation)
    fig = gn.plotting.plot_monitor(mon, epochs=[0, 25], title="moons")
    assert len(fig.axes) == 7 + 2
    curves = fig.axes[0].get_lines()
    assert len(curves) == 3  # one per layer
    np.testing.assert_array_equal(curves[0].get_ydata(), mon.stats["grad_norm"][:, 0])
    path = tmp_path / "monitor.png"
    fig.savefig(path, dpi=60)
    png_is_not_blank(path)


def test_plot_monitor_refuses_an_empty_monitor_and_unknown_epochs():
    with pytest.raises(ValueError, match="recorded nothing"):
        gn.plotting.plot_monitor(gn.Monitor())
    with pytest.raises(ValueError, match="epochs"):
        gn.plotting.plot_monitor(_monitored(), epochs=[3])
