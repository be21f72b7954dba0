"""Model files: exact round trips for networks and estimators, and the predict command."""

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet.apps.cli import main
from glassnet.data import datasets
from glassnet.modelfile import FORMAT_VERSION


def test_network_round_trip_is_exact(tmp_path):
    net = gn.mlp([3, 6, 4, 2], activation=["elu", "sigmoid"], dropout=0.2, seed=3, dtype=np.float32)
    net.metadata = {"classes": ["a", "b"]}
    path = gn.save(net, tmp_path / "net.npz")
    back = gn.load(path)
    assert back.dtype == np.float32 and back.metadata == {"classes": ["a", "b"]}
    np.testing.assert_array_equal(back.theta, net.theta)
    X = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    np.testing.assert_array_equal(back.forward(X), net.forward(X))


@pytest.mark.parametrize("labels", ["ints", "strings"])
def test_classifier_round_trip_is_exact(tmp_path, labels):
    X, y = load_iris(return_X_y=True)
    if labels == "strings":
        y = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = gn.NetClassifier(
            hidden_layer_sizes=(8, 4),
            max_iter=40,
            random_state=0,
            early_stopping=True,
            class_weight="balanced",
        ).fit(X, y)
    back = gn.load(gn.save(clf, tmp_path / "clf.npz"))
    assert type(back) is gn.NetClassifier
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    assert back.get_params() == clf.get_params()
    for attr in (
        "n_iter_",
        "loss_",
        "best_validation_score_",
        "validation_scores_",
        "loss_curve_",
        "out_activation_",
        "n_layers_",
    ):
        assert getattr(back, attr) == getattr(clf, attr), attr
    np.testing.assert_array_equal(back.classes_, clf.classes_)


def test_regressor_round_trip_multi_output(tmp_path):
    X, Y = make_regression(100, 4, n_targets=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = gn.NetRegressor(max_iter=20, random_state=0).fit(X, Y)
    back = gn.load(gn.save(reg, tmp_path / "reg.npz"))
    np.testing.assert_array_equal(back.predict(X), reg.predict(X))


def test_file_is_npz_with_json_and_versions(tmp_path):
    path = gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) == {"__glassnet__", "theta", "buffer"}  # buffer: empty here
        meta = str(npz["__glassnet__"])
    assert f'"format_version": {FORMAT_VERSION}' in meta and '"glassnet_version"' in meta


def test_other_format_version_says_what_to_do(tmp_path):
    import json

    path = gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")
    with np.load(path) as npz:
        meta = json.loads(str(npz["__glassnet__"]))
        theta = npz["theta"]
    meta["format_version"] = 99
    np.savez(tmp_path / "v99.npz", __glassnet__=np.array(json.dumps(meta)), theta=theta)
    with pytest.raises(gn.ModelFileError, match=r"version 99.*reads version 1.*re-save"):
        gn.load(tmp_path / "v99.npz")


def test_pickled_network_keeps_training(tmp_path):
    X, y = datasets.moons()
    net = gn.mlp([2, 4, 2], seed=0)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, epochs=5)
    clone = pickle.loads(pickle.dumps(net))
    assert np.shares_memory(clone.params["0.W"], clone.theta)
    for n in (net, clone):
        gn.fit(n, gn.SoftmaxCrossEntropy(), X, y, epochs=5, optimizer=gn.SGD(lr=0.1))
    np.testing.assert_array_equal(clone.theta, net.theta)


def test_predict_command_with_a_trained_csv_model(tmp_path, capsys):
    X, y = datasets.iris(standardize=False)
    names = ["setosa", "versicolor", "virginica"]
    csv = tmp_path / "iris.csv"
    csv.write_text(
        "sl,sw,pl,pw,species\n"
        + "".join(",".join(map(str, r)) + f",{names[c]}\n" for r, c in zip(X, y))
    )
    model = tmp_path / "iris.npz"
    assert (
        main(
            [
                "train",
                "--data",
                str(csv),
                "--target",
                "species",
                "--hidden",
                "8",
                "--epochs",
                "1500",
                "--quiet",
                "--save",
                str(model),
            ]
        )
        == 0
    )
    out_csv = tmp_path / "pred.csv"
    assert main(["predict", "--model", str(model), "--data", str(csv), "--out", str(out_csv)]) == 0
    err = capsys.readouterr().err
    acc = float(re.search(r"accuracy against the file's target column: ([\d.]+)", err).group(1))
    assert acc >= 0.95
    lines = out_csv.read_text().splitlines()
    assert lines[0] == "prediction,p_setosa,p_versicolor,p_virginica" and len(lines) == 151
    assert lines[1].startswith("setosa,")


def test_predict_command_with_an_estimator_file(tmp_path, capsys):
    X, y = load_iris(return_X_y=True)
    clf = gn.NetClassifier(
        hidden_layer_sizes=(10,), max_iter=500, learning_rate_init=0.01, random_state=0
    ).fit(X, y)
    gn.save(clf, tmp_path / "clf.npz")
    csv = tmp_path / "x.csv"
    csv.write_text("".join(",".join(map(str, r)) + "\n" for r in X[:4]))
    assert main(["predict", "--model", str(tmp_path / "clf.npz"), "--data", str(csv)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "prediction,p_0,p_1,p_2"
    assert [ln.split(",")[0] for ln in out[1:]] == [str(v) for v in clf.predict(X[:4])]


def test_predict_errors(tmp_path, capsys):
    path = gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")
    csv = tmp_path / "x.csv"
    csv.write_text("1,2,3\n4,5,6\n")
    assert main(["predict", "--model", str(path), "--data", str(csv)]) == 2
    assert "3 feature column(s) but the model expects 2" in capsys.readouterr().err
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    assert main(["predict", "--model", str(tmp_path / "junk.npz"), "--data", str(csv)]) == 2
    assert (
        "is not a glassnet model file: it is not an .npz (zip) archive" in capsys.readouterr().err
    )
