"""Issue 23, section 2: a saved model predicts the same from every door.

The network owns its input scaling (``net.input_transform``, applied by ``forward``) and
its class labels (``net.classes_``), so Python's ``predict_proba``/``predict_classes``,
``gn.evaluate``, ``glassnet predict`` and the playground's download agree; files of
format version 1 (the scaling in the metadata, applied by ``glassnet predict`` only) are
migrated on loading and predict as that command predicted them.
"""

from __future__ import annotations

import csv
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.apps.cli import main
from glassnet.data import datasets

DATA = Path(__file__).parent / "data"


def _wine_csv(tmp_path) -> tuple[Path, np.ndarray, np.ndarray]:
    """scikit-learn's wine (13 features on scales from 0.1 to 1000) with string labels,
    as a CSV; returns the path, the raw features and the labels."""
    from sklearn.datasets import load_wine

    wine = load_wine()
    names = np.array(["barolo", "grignolino", "barbera"])
    X, labels = wine.data, names[wine.target]
    path = tmp_path / "wine.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([f"f{j}" for j in range(X.shape[1])] + ["label"])
        w.writerows([repr(float(v)) for v in row] + [lab] for row, lab in zip(X, labels))
    return path, X, labels


def _predictions(path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_cli_model_predicts_from_raw_features_in_python_as_glassnet_predict(tmp_path, capsys):
    """The issue's case: trained by ``glassnet train`` on a CSV (standardised by default),
    ``gn.load(...).predict_classes`` on the raw features gave accuracy 0.20 where
    ``glassnet predict`` gave 1.0; both now give the same class for every row."""
    data, X, labels = _wine_csv(tmp_path)
    model, out = tmp_path / "m.npz", tmp_path / "p.csv"
    train = ["train", "--data", str(data), "--target", "label", "--hidden", "8"]
    assert main([*train, "--epochs", "100", "--quiet", "--save", str(model)]) == 0
    assert main(["predict", "--model", str(model), "--data", str(data), "--out", str(out)]) == 0
    capsys.readouterr()
    cli = np.array([row["prediction"] for row in _predictions(out)])

    net = gn.load(model)
    assert sorted(net.classes_.tolist()) == ["barbera", "barolo", "grignolino"]  # the CSV's
    python = net.classes_[net.predict_classes(X)]  # raw features, no scaling by hand
    np.testing.assert_array_equal(python, cli)
    # this set-up reaches training accuracy 1.0 within about 20 epochs (see the run's
    # report); 0.95 leaves room for another CPU's rounding
    assert np.mean(python == labels) >= 0.95
    P = np.array([[float(row[f"p_{c}"]) for c in net.classes_] for row in _predictions(out)])
    np.testing.assert_allclose(net.predict_proba(X), P, atol=1e-6)  # printed to 6 decimals


def test_the_network_applies_its_scaling_in_every_door(tmp_path):
    X, y = datasets.iris(standardize=False)
    scaling = gn.Standardize.from_data(X)
    plain = gn.mlp([4, 5, 3], seed=0)
    owned = plain.copy()
    owned.input_transform = scaling
    owned.classes_ = ["setosa", "versicolor", "virginica"]
    Z = scaling(X)  # what the first layer of `owned` sees
    np.testing.assert_array_equal(owned.forward(X), plain.forward(Z))
    np.testing.assert_array_equal(owned.predict_proba(X), plain.predict_proba(Z))
    np.testing.assert_array_equal(owned.predict_classes(X), plain.predict_classes(Z))
    loss = gn.SoftmaxCrossEntropy()
    assert gn.evaluate(owned, loss, X, y) == gn.evaluate(plain, loss, Z, y)
    # training on the raw features is training on the scaled ones, number for number
    gn.fit(owned, loss, X, y, optimizer=gn.Adam(lr=0.01), epochs=5, batch_size=16, seed=0)
    gn.fit(plain, loss, Z, y, optimizer=gn.Adam(lr=0.01), epochs=5, batch_size=16, seed=0)
    np.testing.assert_array_equal(owned.theta, plain.theta)
    assert list(owned.params) == ["0.W", "0.b", "2.W", "2.b"]  # the public names stay
    # the scaling and the labels travel with every copy of the network
    for other in (gn.load(gn.save(owned, tmp_path / "m.npz")), owned.copy()):
        assert other.input_transform == scaling
        assert other.classes_.tolist() == ["setosa", "versicolor", "virginica"]
        np.testing.assert_array_equal(other.predict_proba(X), owned.predict_proba(X))
    clone = pickle.loads(pickle.dumps(owned))
    np.testing.assert_array_equal(clone.predict_proba(X), owned.predict_proba(X))


def test_standardize_by_hand():
    X = np.array([[1.0, 5.0, 100.0], [3.0, 5.0, 300.0]])
    s = gn.Standardize.from_data(X)
    # mean (2, 5, 200); spread (1, 0, 100), the constant column's 0 becomes 1
    assert s.mean.tolist() == [2.0, 5.0, 200.0] and s.scale.tolist() == [1.0, 1.0, 100.0]
    assert s(X).tolist() == [[-1.0, 0.0, -1.0], [1.0, 0.0, 1.0]]
    assert s(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: gn.Standardize([0.0, 1.0], [1.0, 0.0]), ValueError, "scale must be > 0"),
        (lambda: gn.Standardize("ab", [1.0]), TypeError, "mean must be a 1-D array"),
        (lambda: gn.Standardize([0.0, 1.0], [1.0]), ValueError, "scale has 1 entries"),
        (lambda: gn.Standardize([[0.0]], [[1.0]]), ValueError, "mean must be a 1-D"),
        (lambda: gn.Standardize([np.nan], [1.0]), ValueError, "mean must be finite"),
        (lambda: gn.Standardize([[0.0], [1, 2]], [1.0]), TypeError, "mean must be a 1-D"),
    ],
)
def test_bad_scalings_are_named(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.parametrize(
    "attr, value, error, words",
    [
        ("input_transform", gn.Standardize([0.0] * 3, [1.0] * 3), ValueError, "gives 3 columns"),
        ("input_transform", "standardize", TypeError, "input_transform must be None or"),
        ("classes_", ["a"], ValueError, "classes_ must list 2 distinct labels"),
        ("classes_", ["a", "a"], ValueError, "classes_ must list 2 distinct labels"),
        ("classes_", "ab", TypeError, "classes_ must be None or a list of 2"),
        ("classes_", [{}, {}], TypeError, "classes_ must be None or a list of 2"),
    ],
)
def test_a_scaling_or_labels_that_do_not_fit_the_network_are_refused(attr, value, error, words):
    net = gn.mlp([2, 3, 2], seed=0)
    with pytest.raises(error, match=words):
        setattr(net, attr, value)


# ------------------------------------------------------------------ format version 1
def test_a_file_of_the_earlier_format_predicts_as_the_command_line_did(tmp_path, capsys):
    """``tests/data/model_v1.npz`` was written by ``glassnet train`` before this change
    (format version 1: the scaling in the metadata), on ``model_v1_data.csv`` (features on
    scales 2, 1500 and 0.004, string labels), and ``model_v1_predictions.csv`` is what
    ``glassnet predict`` printed for it then. It loads with the scaling and labels in
    the network, and every door gives the old command's answers."""
    net = gn.load(DATA / "model_v1.npz")
    with np.load(DATA / "model_v1.npz") as npz:
        old = json.loads(str(npz["__glassnet__"]))
    assert old["format_version"] == 1 and "input_transform" not in old["network"]
    assert net.input_transform == gn.Standardize(
        old["metadata"]["x_mean"], old["metadata"]["x_scale"]
    )
    assert net.classes_.tolist() == old["metadata"]["classes"] == ["blue", "green", "red"]
    assert not {"x_mean", "x_scale", "classes"} & set(net.metadata)  # moved, not copied

    then = _predictions(DATA / "model_v1_predictions.csv")
    X = np.loadtxt(DATA / "model_v1_data.csv", delimiter=",", skiprows=1, usecols=(0, 1, 2))
    np.testing.assert_array_equal(
        net.classes_[net.predict_classes(X)], [row["prediction"] for row in then]
    )
    P = np.array([[float(row[f"p_{c}"]) for c in net.classes_] for row in then])
    np.testing.assert_allclose(net.predict_proba(X), P, atol=2e-6)  # 6 decimals, another CPU
    out = tmp_path / "now.csv"
    argv = ["predict", "--model", str(DATA / "model_v1.npz"), "--data"]
    assert main([*argv, str(DATA / "model_v1_data.csv"), "--out", str(out)]) == 0
    assert "accuracy against the file's target column: 1.0000" in capsys.readouterr().err
    assert [r["prediction"] for r in _predictions(out)] == [r["prediction"] for r in then]


def as_version_1(path, out) -> Path:
    """Rewrite a model file or ``glassnet train`` checkpoint of format 2 as format 1 has
    it: the network's scaling and labels back in the metadata as x_mean, x_scale, classes."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays.pop("__glassnet__")))
    meta["format_version"] = 1
    if meta["kind"] == "Sequential":
        network, notes = meta["network"], meta["metadata"]
    else:
        network, notes = meta["checkpoint"]["network"], meta["checkpoint"]["metadata"]["model"]
    scaling = network.pop("input_transform", None)
    notes["classes"] = network.pop("classes", None)
    notes["x_mean"] = scaling and scaling["mean"]
    notes["x_scale"] = scaling and scaling["scale"]
    with open(out, "wb") as fh:  # np.savez would add .npz to a name without it
        np.savez(fh, __glassnet__=np.array(json.dumps(meta)), **arrays)
    return Path(out)


def test_a_checkpoint_of_the_earlier_format_predicts_and_resumes(tmp_path, capsys):
    """A ``glassnet train`` checkpoint of format 1 loads with the scaling in the network,
    ``glassnet predict`` reads it, and ``--resume`` continues it to the parameters of an
    uninterrupted run (its data fingerprint is of the scaled features, as
    ``data_fingerprint`` with the network's scaling computes it)."""
    data = DATA / "model_v1_data.csv"
    common = ["--data", str(data), "--target", "colour", "--hidden", "4", "--quiet"]
    whole, ck, done = tmp_path / "whole.npz", tmp_path / "run.ckpt", tmp_path / "done.npz"
    assert main(["train", *common, "--epochs", "40", "--save", str(whole)]) == 0
    assert main(["train", *common, "--epochs", "20", "--checkpoint", str(ck)]) == 0
    old = as_version_1(ck, tmp_path / "old.ckpt")
    net = gn.load(old).build_network()
    assert net.input_transform == gn.load(whole).input_transform
    assert main(["predict", "--model", str(old), "--data", str(data)]) == 0
    assert "accuracy against the file's target column" in capsys.readouterr().err
    argv = ["train", "--resume", str(old), "--epochs", "40", "--save", str(done), "--quiet"]
    assert main(argv) == 0
    np.testing.assert_array_equal(gn.load(done).theta, gn.load(whole).theta)
    assert gn.load(done).classes_.tolist() == ["blue", "green", "red"]


@pytest.mark.parametrize("classes", [5, "ab", {}, ["a", "b", "c"]])
def test_a_version_1_file_with_bad_class_names_is_refused_on_loading(classes, tmp_path, capsys):
    net = gn.mlp([2, 3, 2], seed=0)
    net.metadata = {"task": "classification"}
    path = gn.save(net, tmp_path / "m.npz")
    with np.load(path) as npz:
        meta, theta = json.loads(str(npz["__glassnet__"])), npz["theta"]
    meta["format_version"], meta["metadata"]["classes"] = 1, classes
    np.savez(path, __glassnet__=np.array(json.dumps(meta)), theta=theta)
    with pytest.raises(gn.ModelFileError, match="classes"):
        gn.load(path)
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("1,2\n3,4\n")
    assert main(["predict", "--model", str(path), "--data", str(csv_file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "classes" in err and "Traceback" not in err
