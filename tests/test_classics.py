"""The classic experiments: each draws a figure that is not blank and shows its effect."""

import matplotlib.pyplot as plt
import pytest

from glassnet.apps import classics, exercises

from .conftest import png_is_not_blank


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _drawn(ex, tmp_path):
    path = tmp_path / f"{ex.name}.png"
    ex.figure.savefig(path, dpi=60)
    png_is_not_blank(path)
    assert ex.summary and ex.name in exercises.EXERCISES


def test_weight_init(tmp_path):
    ex = classics.weight_init(n=200)
    _drawn(ex, tmp_path)
    r = ex.results
    assert r["tanh, std 1"] > 0.9  # saturated at +-1
    assert r["tanh, std 0.01"] < 1e-3 and r["relu, std 0.01"] < 1e-3  # collapsed
    assert 0.1 < r["tanh, Glorot"] < 0.9 and 0.3 < r["relu, He"] < 3  # kept


def test_vanishing_gradients(tmp_path):
    ex = classics.vanishing_gradients()
    _drawn(ex, tmp_path)
    r = ex.results  # first layer's gradient norm over the last's
    assert r["sigmoid"] < 1e-4
    assert r["ReLU + He"] > 1e-2 and r["sigmoid + BatchNorm"] > 1e-2


def test_optimizers(tmp_path):
    ex = classics.optimizers(steps=30, epochs=40)
    _drawn(ex, tmp_path)
    assert set(ex.results) == {"SGD", "momentum", "Nesterov", "Adagrad", "RMSProp", "Adam"}
    for name, r in ex.results.items():
        assert r["f_end"] < 0.5 * (49 / 20 + 4), name  # from f(-7, 2) = 6.45
        assert r["moons_loss"] < 0.69, name  # below log 2, where they start


def test_overfitting(tmp_path):
    ex = classics.overfitting(epochs=300)
    _drawn(ex, tmp_path)
    r = ex.results
    assert r["none"]["train"] == 1.0 and r["none"]["test"] < 0.9
    cured = [r[k]["test"] for k in ("dropout 0.3", "L2 0.01", "L1 0.003")]
    assert max(cured) > r["none"]["test"]


def test_hyperparameter_search(tmp_path):
    ex = classics.hyperparameter_search(trials=8, epochs=60)
    _drawn(ex, tmp_path)
    acc = ex.results["accuracy"]
    assert len(acc) == 8 and max(acc) == acc[ex.results["best"]] > 0.8
