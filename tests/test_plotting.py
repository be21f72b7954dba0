"""Plots and animations: every image opened, sized and checked not to be blank."""

import csv

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image
from sklearn.linear_model import LogisticRegression

import glassnet as gn
from glassnet.apps.cli import main
from glassnet.data import datasets
from glassnet.viz import plotting

from .conftest import png_is_not_blank


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def spiral_net():
    X, y = datasets.spirals(240, n_classes=3, seed=1)
    net = gn.mlp([2, 12, 12, 3], activation="tanh", seed=0)
    hist = gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        optimizer=gn.Adam(lr=0.02),
        epochs=300,
        validation_fraction=0.2,
        l2=1e-4,
        schedule=gn.StepDecay(0.02, every=100),
    )
    return net, hist, X, y


def _save(ax, path):
    fig = np.ravel(ax)[0].figure
    fig.savefig(path, dpi=80)
    return png_is_not_blank(path)


def test_decision_boundary_for_net_estimator_and_function(spiral_net, tmp_path):
    net, _, X, y = spiral_net
    clf = LogisticRegression().fit(X, y)
    for i, model in enumerate([net, clf, clf.predict]):
        ax = plotting.plot_decision_boundary(model, X, y, title=f"model {i}")
        assert ax.get_title() == f"model {i}" and ax.get_legend() is not None
        _save(ax, tmp_path / f"b{i}.png")
    # misclassified points are ringed and counted in the legend
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("misclassified (") for t in labels)


def test_boundary_grid_adapts_to_wide_data():
    X, y = datasets.moons()
    wide = X * 1e5  # a fixed 0.01 step would need 10^14 grid points here
    clf = LogisticRegression().fit(wide, y)
    ax = plotting.plot_decision_boundary(clf, wide, y, resolution=50)
    img = ax.get_images()[0].get_array()
    assert img.shape[:2] == (50, 50)


def test_history_panels(spiral_net, tmp_path):
    _, hist, _, _ = spiral_net
    axes = plotting.plot_history(hist)
    titles = [a.get_title() for a in axes]
    assert titles == ["loss per epoch", "accuracy per epoch", "learning rate per epoch"]
    labels = [ln.get_label() for ln in axes[0].get_lines()]
    assert {"training loss (data + L2)", "data loss", "L2 penalty", "validation loss"} <= set(
        labels
    )
    lr = axes[2].get_lines()[0].get_ydata()
    assert lr[0] == 0.02 and lr[-1] == pytest.approx(0.02 * 0.25)
    _save(axes, tmp_path / "history.png")
    one = plotting.plot_history(hist, ax=plt.figure().add_subplot())  # a single axes
    _save(one, tmp_path / "history1.png")


def test_neurons_and_network(spiral_net, tmp_path):
    net, _, X, _ = spiral_net
    ax = plotting.plot_neurons(net, X, resolution=30)
    img = ax.get_images()[0].get_array()
    assert img.shape[0] == 2 * (30 + 4) and img.shape[1] == 12 * (30 + 4)  # 2 layers x 12 units
    _save(ax, tmp_path / "neurons.png")
    ax = plotting.plot_network(net)
    n_edges = sum(len(c.get_segments()) for c in ax.collections if hasattr(c, "get_segments"))
    assert n_edges == 2 * 12 + 12 * 12 + 12 * 3
    _save(ax, tmp_path / "network.png")


def test_sweep_grid(tmp_path):
    from glassnet.apps.sweep import run_sweep

    X, y = datasets.moons(150, seed=2)
    results = run_sweep("hidden", [1, 4, 8], X, y, base={"epochs": 300})
    ax = plotting.plot_sweep(results, X, y)
    titles = [a.get_title() for a in np.ravel(ax)[:3]]
    assert [t.split(":")[0] for t in titles] == ["hidden = 1", "hidden = 4", "hidden = 8"]
    assert all("train" in t and "test" in t for t in titles)
    _save(ax, tmp_path / "sweep.png")


def test_animation_gif_frames(tmp_path):
    X, y = datasets.xor(200, noise=0.05)
    net = gn.mlp([2, 8, 2], seed=0)
    path = tmp_path / "xor.gif"
    hist = plotting.animate_training(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        path,
        every=25,
        epochs=200,
        optimizer=gn.Adam(lr=0.05),
        resolution=40,
    )
    # frames at epochs 0, 25, ..., 175 and the last one (199)
    assert hist.n_frames == 9
    with Image.open(path) as im:
        assert im.n_frames == 9 and im.size[0] >= 300
        im.seek(8)
        last = np.asarray(im.convert("RGB"))
    assert last.std() > 10  # not blank
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        plotting.animate_training(net, gn.SoftmaxCrossEntropy(), X, y, tmp_path / "x.avi")


def test_sweep_command_writes_png_and_csv(tmp_path, capsys):
    out = tmp_path / "sw"
    assert (
        main(
            [
                "sweep",
                "--param",
                "lr",
                "--values",
                "0.001,0.01",
                "--epochs",
                "500",
                "--n-jobs",
                "2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    png_is_not_blank(out / "sweep.png")
    with open(out / "sweep.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "param",
        "value",
        "hidden",
        "depth",
        "activation",
        "lr",
        "l2",
        "epochs",
        "train_accuracy",
        "test_accuracy",
        "final_loss",
        "seconds",
    ]
    assert [r["value"] for r in rows] == ["0.001", "0.01"]
    assert all(r["param"] == "lr" and r["epochs"] == "500" for r in rows)
    for r in rows:
        assert 0.5 <= float(r["test_accuracy"]) <= 1 and 0.5 <= float(r["train_accuracy"]) <= 1
    # the larger rate learns more in the same epochs
    assert float(rows[1]["final_loss"]) < float(rows[0]["final_loss"])


def test_sweep_command_errors(capsys):
    assert main(["sweep", "--param", "width", "--values", "1,2"]) == 2
    assert "did you mean" in capsys.readouterr().err
    assert main(["sweep", "--param", "hidden", "--values", "1,x"]) == 2
    assert "'x' is not a valid hidden value" in capsys.readouterr().err


def test_train_command_writes_an_animation(tmp_path, capsys):
    gif = tmp_path / "moons.gif"
    assert (
        main(
            [
                "train",
                "--hidden",
                "5",
                "--epochs",
                "300",
                "--animate",
                str(gif),
                "--animate-every",
                "50",
                "--quiet",
            ]
        )
        == 0
    )
    assert "animation written to" in capsys.readouterr().out
    with Image.open(gif) as im:
        assert im.n_frames == 7  # epochs 0, 50, ..., 250 and the last one
    assert main(["train", "--data", "iris", "--epochs", "5", "--animate", str(gif)]) == 2
    assert "needs 2-D data with 2 features" in capsys.readouterr().err


def test_single_output_boundary_paints_both_classes_as_predict_classes_does(tmp_path):
    # a BinaryCrossEntropy net has one logit: its regions come from sigmoid(z), not from a
    # softmax of one column (which painted every point class 0 and ringed all of class 1)
    X, y = datasets.moons(200)
    net = gn.mlp([2, 8, 1], "tanh", seed=0)
    gn.fit(net, gn.BinaryCrossEntropy(), X, y, optimizer=gn.Adam(lr=0.05), epochs=300, verbose=0)
    wrong = int(np.sum(net.predict_classes(X) != y))
    assert wrong < 30  # the net learned the moons: accuracy above 0.85
    probs = plotting.predict_function(net)(X)
    np.testing.assert_array_equal(probs.argmax(axis=1), net.predict_classes(X))
    ax = plotting.plot_decision_boundary(net, X, y)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"misclassified ({wrong})" in labels or wrong == 0
    _save(ax, tmp_path / "binary.png")
