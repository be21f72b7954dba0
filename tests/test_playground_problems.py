"""The playground's problems, features, L1, weight edits, formula and digits (issue 26):
the config's new fields, the snippet run on its own, the download, and the frames."""

import base64
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("starlette")

import glassnet as gn  # noqa: E402
from glassnet.apps.playground.config import (  # noqa: E402
    DEFAULTS,
    LIMITS,
    OPTIONS,
    ConfigError,
    merge_config,
    split,
)
from glassnet.apps.playground.session import Session, parse_csv  # noqa: E402

CROSSES = {
    "problem": "regression",
    "dataset": "gauss",
    "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2"],
    "layers": [6, 4],
    "noise": 10,
    "l1": 0.0001,
}
DIGITS = {"dataset": "digits", "layers": [16], "optimizer": "adam", "lr": 0.01, "batch_size": 32}


def test_switching_the_problem_moves_to_one_of_its_data_sets():
    c = merge_config(DEFAULTS, {"problem": "regression"})
    assert c["dataset"] == "plane"  # the first regression set
    assert merge_config(c, {"problem": "classification"})["dataset"] == "xor"
    with pytest.raises(ConfigError, match="dataset 'digits' is not a regression data set"):
        merge_config(DEFAULTS, {"problem": "regression", "dataset": "digits"})


@pytest.mark.parametrize(
    "patch, words",
    [
        ({"features": []}, "at least one feature"),
        ({"features": ["x1", "x1"]}, "each once"),
        ({"features": ["x1", "cos(x1)"]}, "every feature must be one of"),
        ({"features": "x1"}, "features must be a list"),
        ({"l1": -0.1}, "l1 must be a number between 0 and 10"),
        ({"discretize": "yes"}, "discretize must be True or False"),
        ({"problem": "clustering"}, "problem must be one of"),
    ],
)
def test_bad_new_settings_are_named(patch, words):
    with pytest.raises(ConfigError, match=words):
        merge_config(DEFAULTS, patch)


def test_the_new_settings_travel_in_links():
    """The page parses a link by each setting's kind (options.kinds, from SETTINGS)."""
    kinds = OPTIONS["kinds"]
    assert (kinds["features"], kinds["l1"], kinds["discretize"], kinds["problem"]) == (
        "strs",
        "float",
        "bool",
        "str",
    )


def _run_alone(source, tmp_path) -> str:
    """The snippet as a file, run by a new Python: what it printed."""
    path = tmp_path / "playground_run.py"
    path.write_text(source)
    done = subprocess.run(
        [sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("config", [CROSSES, DIGITS], ids=["regression-crosses", "digits"])
def test_the_snippet_run_on_its_own_prints_the_pages_test_loss(config, tmp_path):
    s = Session(config)
    s.train(4)
    out = _run_alone(s.snippet(), tmp_path)
    assert f"test loss after 4 epochs: {s.test_loss:.4f}" in out
    model = gn.load(tmp_path / "playground_model.npz")
    np.testing.assert_allclose(model.theta, s.model().theta, rtol=0, atol=1e-12)
    assert model.metadata["playground"] == s.config  # every control, in the file


def test_the_regression_download_predicts_raw_targets_from_raw_points(tmp_path):
    s = Session(CROSSES)
    s.train(3)
    path = tmp_path / "model.npz"
    path.write_bytes(s.model_bytes())
    model = gn.load(path)
    raw_X, raw_y = gn.datasets.gauss(400, noise=0.05, seed=1)  # the page's data (noise 10%)
    assert isinstance(model.input_transform, gn.Chain)
    # the page predicts standardised targets from standardised points; the file does both
    page = s.target.inverse(s.net.forward(s.X))
    np.testing.assert_allclose(model.forward(raw_X), page, rtol=1e-10, atol=1e-12)
    assert np.corrcoef(page[:, 0], raw_y)[0, 1] > 0  # it learns the bumps' sign, a little
    onnxruntime = pytest.importorskip("onnxruntime")
    graph = gn.to_onnx(model, dtype="float32")  # the task travels in the file
    run = onnxruntime.InferenceSession(graph.SerializeToString())
    (out,) = run.run(None, {"X": raw_X.astype(np.float32)})
    np.testing.assert_allclose(out, page, rtol=1e-4, atol=1e-5)  # float32 from raw points


def test_no_hidden_layer_on_squares_separates_the_circle():
    s = Session({"dataset": "circle", "features": ["x1^2", "x2^2"], "layers": [], "lr": 0.1})
    s.train(60)
    assert s.test_acc > 0.95
    plain = Session({"dataset": "circle", "layers": [], "lr": 0.1})
    plain.train(60)
    assert plain.test_acc < 0.75  # a line cannot


def test_l1_is_the_fit_option():
    """The page's L1 is fit's l1: with it the first layer's weights shrink."""
    with_l1, without = Session({"l1": 0.01}), Session({})
    with_l1.train(20)
    without.train(20)
    w1 = [np.abs(s.net.layers[0].W).sum() for s in (with_l1, without)]
    assert w1[0] < w1[1]


def test_a_weight_edit_is_kept_trained_from_downloaded_and_said(tmp_path):
    s = Session({})
    s.edit(1, 3, 1.5, source=2)  # hidden layer 1, unit 3 -> hidden layer 2, unit 4
    s.edit(0, 0, -0.25)  # the first hidden unit's bias
    dense = [lay for lay in s.net.layers if isinstance(lay, gn.Dense)]
    assert dense[1].W[2, 3] == 1.5 and dense[0].b[0] == -0.25 and s.edits == 2
    assert s.model().layers[0].b[0] == -0.25  # the download holds it
    before = s.net.theta.copy()
    s.train(1)  # training goes on from the edited weights
    assert not np.array_equal(before, s.net.theta)
    assert "edited by hand (2 edit(s))" in s.snippet()
    assert "edited" not in Session({}).snippet()


@pytest.mark.parametrize(
    "args, words",
    [
        ((5, 0, 1.0), "layer must be an integer between 0 and 2"),
        ((0, 8, 1.0), "to must be an integer between 0 and 7"),
        ((0, 0, 1.0, 2), "from must be an integer between 0 and 1"),
        ((0, 0, 1e9), "value must be a number between -100 and 100"),
        ((0, 0, float("nan")), "value must be a number between -100 and 100"),
        ((0, 0, "1"), "value must be a number"),
        ((True, 0, 1.0), "layer must be an integer"),
    ],
)
def test_bad_edits_are_refused_by_name(args, words):
    s = Session({})
    theta = s.net.theta.copy()
    with pytest.raises(ConfigError, match=words):
        s.edit(*args[:3], source=args[3] if len(args) > 3 else None)
    np.testing.assert_array_equal(s.net.theta, theta)  # nothing changed


def test_the_formula_is_the_networks():
    s = Session({"layers": [2], "activations": ["tanh"], "features": ["x1", "x1*x2"]})
    lines = s.frame()["formula"].splitlines()
    W1, b1 = s.net.layers[0].W, s.net.layers[0].b
    assert lines[0].startswith("inputs: x1, x1*x2")
    sign = "-" if W1[1, 0] < 0 else "+"
    assert lines[1] == (
        f"h1_1 = tanh({W1[0, 0]:.3g} x1 {sign} {abs(W1[1, 0]):.3g} x1*x2 "
        f"{'-' if b1[0] < 0 else '+'} {abs(b1[0]):.3g})"
    )
    assert lines[-1].startswith("p = softmax(z_1, z_2)")
    assert Session({"layers": [8, 8]}).frame()["formula"] is None  # 96 weights: too many


def test_digits_frames_show_images_and_a_confusion_matrix_and_stay_small():
    s = Session({**DIGITS, "layers": [32]})
    s.train(3)
    frame = s.frame()
    view = frame["images"]
    assert frame["sizes"] == [64, 32, 10] and frame["heat"] is None
    assert np.sum(view["confusion"]) == len(s.y_test)
    assert np.trace(view["confusion"]) / len(s.y_test) == pytest.approx(s.test_acc)
    pixels = np.frombuffer(base64.b64decode(view["images"]), np.uint8)
    assert pixels.size == 64 * len(view["true"]) == 64 * 40
    raw_X, raw_y = gn.datasets.digits()
    test_rows = split(len(raw_y), s.config["train_share"], s.config["data_seed"])[1][:40]
    np.testing.assert_array_equal(view["true"], raw_y[test_rows])
    # the pixels travel through the standardisation and back: a half may round either way
    np.testing.assert_allclose(pixels.reshape(40, 64), raw_X[test_rows] * 255, atol=0.5 + 1e-9)
    import json

    assert len(json.dumps(frame)) < LIMITS["message_bytes"] // 2  # a small frame
    assert s.data_message()["X"] == []  # the 64-pixel rows are not sent


def test_a_regression_csv_takes_a_numeric_target():
    text = "a,b,t\n" + "".join(f"{i},{i % 7},{0.5 * i - 1.25}\n" for i in range(30))
    X, y, classes = parse_csv(text.encode(), "r.csv", regression=True)
    assert classes is None and y.dtype.kind == "f" and y[3] == 0.25
    s = Session({"problem": "regression"})
    s.set_csv(text.encode(), "r.csv")
    assert s.config["dataset"] == "csv" and s.n_outputs == 1
    s.train(2)
    assert "categorical=False" in s.snippet()
