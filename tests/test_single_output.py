"""Single-output networks (BinaryCrossEntropy): sigmoid probabilities everywhere they are shown."""

import csv

import numpy as np
import pytest

import glassnet as gn
from glassnet.apps.cli import main
from glassnet.data import datasets


@pytest.fixture(scope="module")
def binary_net():
    X, y = datasets.moons(200)
    net = gn.mlp([2, 8, 1], "tanh", seed=0)
    gn.fit(net, gn.BinaryCrossEntropy(), X, y, optimizer=gn.Adam(lr=0.05), epochs=200, verbose=0)
    return net, X


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_glassnet_predict_writes_sigmoid_probabilities(binary_net, tmp_path):
    net, X = binary_net
    model, data, out = tmp_path / "m.npz", tmp_path / "x.csv", tmp_path / "p.csv"
    gn.save(net, model)
    np.savetxt(data, X[:20], delimiter=",", header="x1,x2", comments="")
    assert main(["predict", "--model", str(model), "--data", str(data), "--out", str(out)]) == 0
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    p1 = np.array([float(r["p_1"]) for r in rows])
    expected = _sigmoid(net.forward(X[:20])[:, 0])  # p = sigmoid(z), by hand
    np.testing.assert_allclose(p1, expected, atol=1e-6)  # the file holds 6 decimals
    predicted = np.array([int(r["prediction"]) for r in rows])
    np.testing.assert_array_equal(predicted, net.predict_classes(X[:20]))
