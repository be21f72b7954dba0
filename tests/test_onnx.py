"""ONNX export (glassnet.export): onnxruntime predicts what glassnet predicts.

Tolerances: the issue asks for 1e-5 in float32 (``F32``); in float64 both sides round each
operation to about 1e-16, and the few dozen operations of these networks stay far below
``F64``. Labels are compared exactly.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import skl2onnx
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import glassnet as gn
from glassnet.apps.cli import main
from glassnet.export import graph as onnx_graph
from glassnet.transforms import FEATURES

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

F32 = dict(rtol=1e-5, atol=1e-5)  # the 1e-5
F64 = dict(rtol=1e-12, atol=1e-12)
TOL = {"float32": F32, "float64": F64}
ACTIVATIONS = [
    gn.Tanh(),
    gn.Sigmoid(),
    gn.ReLU(),
    gn.LeakyReLU(alpha=0.2),
    gn.ELU(alpha=0.7),
    gn.Softplus(),
    gn.Identity(),
]


def run(onx, X) -> dict:
    """``{output name: array}`` of the model run by onnxruntime on ``X``."""
    session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {session.get_inputs()[0].name: X})))


def randomize(net, rng) -> None:
    """Weights of about unit scale (so every activation sees both signs) and BatchNorm
    statistics far from their starting 0 and 1, so that folding them is tested."""
    net.theta[...] = rng.normal(size=net.theta.shape)
    for key, value in net.buffers.items():
        if key.endswith("running_var"):
            value[...] = rng.uniform(0.5, 2.0, size=value.shape)
        else:
            value[...] = rng.normal(size=value.shape)


def random_net(seed: int, activation, dtype: str):
    """A random architecture: 1 to 4 inputs, 0 to 3 hidden layers of 1 to 6 units, 1 to 4
    outputs, with or without BatchNorm and dropout."""
    arch = np.random.default_rng(seed)
    sizes = [int(arch.integers(1, 5))] + [int(s) for s in arch.integers(1, 7, arch.integers(0, 4))]
    sizes.append(int(arch.integers(1, 5)))
    net = gn.mlp(
        sizes,
        activation=activation,
        dropout=float(arch.choice([0.0, 0.3])),
        batch_norm=bool(arch.integers(2)),
        seed=seed,
        dtype=dtype,
    )
    randomize(net, arch)
    return net


def check_sequential(net, X, tol) -> dict:
    """Every output of the exported network against glassnet's own doors."""
    got = run(gn.to_onnx(net), X)
    np.testing.assert_allclose(got["outputs"], net.forward(X), **tol)
    np.testing.assert_allclose(got["probabilities"], net.predict_proba(X), **tol)
    want = net.predict_classes(X)
    want = want if net.classes_ is None else net.classes_[want]
    np.testing.assert_array_equal(got["label"], want)
    return got


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a.name)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_random_networks_predict_as_glassnet(seed, activation, dtype):
    net = random_net(seed, activation, dtype)
    X = np.random.default_rng(seed + 100).normal(scale=2.0, size=(64, net.n_inputs))
    check_sequential(net, X.astype(dtype), TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_float64_network_exports_as_float32(dtype, rng):
    net = random_net(5, gn.Tanh(), "float64")
    X = rng.normal(size=(20, net.n_inputs))
    onx = gn.to_onnx(net, dtype=dtype)
    assert onx.graph.input[0].type.tensor_type.elem_type == (1 if dtype == "float32" else 11)
    got = run(onx, X.astype(dtype))
    np.testing.assert_allclose(got["outputs"], net.forward(X), **TOL[dtype])


def test_every_graph_passes_the_full_check():
    for seed in range(4):
        onnx.checker.check_model(gn.to_onnx(random_net(seed, gn.ELU(), "float64")), full_check=True)


def test_dropout_is_left_out_and_batchnorm_is_folded_into_dense(rng):
    net = gn.mlp([3, 5, 2], batch_norm=True, dropout=0.5, seed=0)
    randomize(net, rng)
    ops = [node.op_type for node in gn.to_onnx(net).graph.node]
    assert "BatchNormalization" not in ops and "Dropout" not in ops
    assert ops.count("MatMul") == 2


def test_batchnorm_with_no_dense_before_it_is_exported_as_batchnormalization(rng):
    layers = [gn.BatchNorm(3), gn.Dense(3, 4), gn.Tanh(), gn.BatchNorm(4), gn.Dense(4, 3)]
    net = gn.Sequential(layers, seed=0)
    randomize(net, rng)
    assert [n.op_type for n in gn.to_onnx(net).graph.node].count("BatchNormalization") == 2
    check_sequential(net, rng.normal(size=(30, 3)), F64)


def test_every_named_feature_has_its_nodes():
    assert set(onnx_graph._FEATURE_NODES) == set(FEATURES)


def test_the_element_types_are_onnxs():
    types = onnx.TensorProto
    assert (onnx_graph.FLOAT, onnx_graph.DOUBLE, onnx_graph.INT64) == (
        types.FLOAT,
        types.DOUBLE,
        types.INT64,
    )


TRANSFORMS = {
    # a mean far from 0 that float32 cannot hold: rounding it, or (x - mean), to float32
    # would show (glassnet computes z0 in float64, and so does the graph)
    "standardize": lambda: gn.Standardize([1000.1, -3.3], [0.02, 0.7]),
    "features": lambda: gn.Features(list(FEATURES)),
    "chain": lambda: gn.Chain(
        [gn.Standardize([1000.1, -3.3], [0.02, 0.7]), gn.Features(["x1*x2", "sin(x1)", "x2^2"])]
    ),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_input_transforms_are_part_of_the_graph(name, dtype, rng):
    transform = TRANSFORMS[name]()
    net = gn.mlp([transform.n_out, 6, 3], activation="tanh", seed=0, dtype=dtype)
    net.input_transform = transform
    X = np.column_stack([rng.normal(1000.1, 0.02, 40), rng.normal(-3.3, 0.7, 40)])
    check_sequential(net, X.astype(dtype), TOL[dtype])


@pytest.mark.parametrize(
    "classes", [["setosa", "versicolor", "virginica"], [3, 7, 11], [0.5, 1.5, 2.5]]
)
def test_labels_are_the_networks_classes(classes, rng):
    net = gn.mlp([2, 4, 3], seed=0)
    net.classes_ = classes
    got = check_sequential(net, rng.normal(size=(30, 2)), F64)
    kind = np.asarray(classes).dtype.kind
    assert got["label"].dtype.kind == ("O" if kind == "U" else kind)  # onnxruntime's strings


def test_a_single_logit_gives_two_probabilities_and_its_sign_the_label(rng):
    net = gn.mlp([2, 4, 1], seed=0)
    net.classes_ = ["no", "yes"]
    got = check_sequential(net, rng.normal(size=(50, 2)), F64)
    assert got["probabilities"].shape == (50, 2) and set(got["label"]) == {"no", "yes"}


def test_a_regression_network_gives_its_outputs_only(rng):
    net = gn.mlp([2, 4, 2], seed=0)
    net.metadata = {"task": "regression"}  # as glassnet train notes it
    X = rng.normal(size=(10, 2))
    assert list(run(gn.to_onnx(net), X)) == ["outputs"]
    got = run(gn.to_onnx(gn.mlp([2, 4, 2], seed=0), task="regression"), X)
    np.testing.assert_allclose(got["outputs"], net.forward(X), **F64)


# ------------------------------------------------------------------ estimators
def moons(n=80):
    X, y = gn.datasets.moons(n_samples=n)
    return X, y


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "labels, binary_output",
    [
        (["cat", "dog"], "logistic"),  # one sigmoid output
        ([0, 1], "softmax"),  # two softmax outputs (the post's)
        (["a", "b", "c"], "logistic"),  # three classes: softmax
    ],
)
def test_classifier_predicts_as_the_estimator(labels, binary_output, dtype, rng):
    X = rng.normal(size=(90, 3)).astype(dtype)
    y = np.asarray(labels)[np.arange(90) % len(labels)]
    clf = gn.NetClassifier(
        hidden_layer_sizes=(5, 4), max_iter=20, binary_output=binary_output, random_state=0
    ).fit(X, y)
    got = run(gn.to_onnx(clf), X)
    assert list(got) == ["label", "probabilities"]
    np.testing.assert_allclose(got["probabilities"], clf.predict_proba(X), **TOL[dtype])
    np.testing.assert_array_equal(got["label"], clf.predict(X))


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_predicts_as_the_estimator(loss, rng):
    X = rng.normal(size=(60, 3))
    Y = np.column_stack([np.exp(X[:, 0]), np.exp(X[:, 1] / 2)])
    reg = gn.NetRegressor(hidden_layer_sizes=(6,), loss=loss, max_iter=20, random_state=0)
    reg.fit(X, Y)
    got = run(gn.to_onnx(reg), X)
    np.testing.assert_allclose(got["variable"], reg.predict(X), **F64)


def test_an_estimator_that_cannot_be_exported_says_why(rng):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        gn.to_onnx(gn.NetClassifier())
    X = rng.normal(size=(20, 2))
    multilabel = gn.NetClassifier(max_iter=5).fit(X, np.eye(2, dtype=int)[np.arange(20) % 2])
    with pytest.raises(ValueError, match="multilabel"):
        gn.to_onnx(multilabel)
    with pytest.raises(TypeError, match="Sequential, NetClassifier or NetRegressor"):
        gn.to_onnx(StandardScaler())


def test_bad_arguments_are_named(rng, tmp_path):
    net = gn.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match="dtype"):
        gn.to_onnx(net, dtype="float16")
    with pytest.raises(ValueError, match="task"):
        gn.to_onnx(net, task="ranking")
    with pytest.raises(ValueError, match="does not exist"):
        gn.to_onnx(net, tmp_path / "missing" / "net.onnx")

    class Square(gn.Layer):
        def forward(self, x, training=False):
            return x * x

    with pytest.raises(TypeError, match=r"layers\[1\]"):
        gn.to_onnx(gn.Sequential([gn.Dense(2, 3), Square(), gn.Dense(3, 2)], seed=0))


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_a_task_that_contradicts_the_estimator_is_refused(kind, rng):
    """``task`` chooses a Sequential's outputs; an estimator's graph does its own task, so
    ``task="regression"`` for a NetClassifier was silently ignored."""
    X = rng.normal(size=(20, 2))
    y = np.arange(20) % 2
    Estimator, own, other = {
        "classifier": (gn.NetClassifier, "classification", "regression"),
        "regressor": (gn.NetRegressor, "regression", "classification"),
    }[kind]
    model = Estimator(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=rf"^task='{other}' contradicts the {Estimator.__name__}"):
        gn.to_onnx(model, task=other)
    names = [o.name for o in gn.to_onnx(model).graph.output]
    assert [o.name for o in gn.to_onnx(model, task=own).graph.output] == names


# ------------------------------------------------------------------ skl2onnx
@pytest.mark.parametrize("labels", [["a", "b", "c"], [4, 9]])
def test_skl2onnx_converts_a_pipeline_with_a_net_classifier(labels):
    X, y = moons(120)
    y = np.asarray(labels)[y % len(labels)]
    pipe = make_pipeline(
        StandardScaler(), gn.NetClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
    ).fit(X, y)
    X32 = X.astype(np.float32)
    onx = skl2onnx.to_onnx(pipe, X32[:1], options={"zipmap": False})
    got = run(onx, X32)
    np.testing.assert_allclose(got["probabilities"], pipe.predict_proba(X), **F32)
    np.testing.assert_array_equal(got["label"], pipe.predict(X))
    # the default ZipMap: one dict {class: probability} per row, as for MLPClassifier
    rows = run(skl2onnx.to_onnx(pipe, X32[:1]), X32)["output_probability"]
    assert list(rows[0]) == list(pipe.classes_)
    # nocl: the labels are the class indices
    indices = run(skl2onnx.to_onnx(pipe, X32[:1], options={"zipmap": False, "nocl": True}), X32)
    np.testing.assert_array_equal(indices["label"], np.searchsorted(pipe.classes_, pipe.predict(X)))


def test_skl2onnx_converts_a_grid_search_and_its_best_estimator():
    X, y = moons(100)
    search = GridSearchCV(
        gn.NetClassifier(max_iter=20, random_state=0), {"hidden_layer_sizes": [(3,), (6,)]}, cv=2
    ).fit(X, y)
    for model in (search.best_estimator_, search):
        onx = skl2onnx.to_onnx(model, X[:1], options={"zipmap": False})  # float64 input
        got = run(onx, X)
        np.testing.assert_allclose(got["probabilities"], search.predict_proba(X), **F64)
        np.testing.assert_array_equal(got["label"], search.predict(X))


def test_skl2onnx_converts_a_pipeline_with_a_net_regressor(rng):
    X = rng.normal(size=(50, 3))
    pipe = make_pipeline(
        StandardScaler(), gn.NetRegressor(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    ).fit(X, X[:, 0] - X[:, 2])
    got = run(skl2onnx.to_onnx(pipe, X[:1]), X)["variable"]
    assert got.shape == (50, 1)
    np.testing.assert_allclose(got[:, 0], pipe.predict(X), **F64)


def test_float_labels_are_int64_for_skl2onnx_and_float64_for_to_onnx():
    """scikit-learn takes float labels that are whole numbers; skl2onnx types numeric
    labels as int64, gn.to_onnx keeps their dtype."""
    X, y = moons(40)
    clf = gn.NetClassifier(max_iter=5).fit(X, np.array([2.0, 5.0])[y])
    got = run(skl2onnx.to_onnx(clf, X[:1], options={"zipmap": False}), X)["label"]
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, clf.predict(X))
    got = run(gn.to_onnx(clf), X)["label"]
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, clf.predict(X))


# ------------------------------------------------------------------ missing extra
@pytest.mark.parametrize("module", ["onnx", "skl2onnx"])
def test_a_missing_extra_names_the_install_command(module, monkeypatch):
    from glassnet.export import register_skl2onnx

    monkeypatch.setitem(sys.modules, module, None)  # `import module` now fails
    call = (lambda: gn.to_onnx(gn.mlp([2, 2]))) if module == "onnx" else register_skl2onnx
    with pytest.raises(ImportError, match=re.escape('pip install "glassnet[onnx]"')):
        call()


def test_the_command_says_what_to_install_and_writes_nothing(tmp_path, monkeypatch, capsys):
    model = gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert main(["export", str(model), str(tmp_path / "m.onnx")]) == 2
    assert 'pip install "glassnet[onnx]"' in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()


# ------------------------------------------------------------------ command line
def test_export_command_round_trip(tmp_path, capsys):
    """glassnet train on a CSV (standardised features, string classes) -> export -> the
    ONNX file predicts what the model file predicts."""
    X, y = moons(100)
    csv = tmp_path / "d.csv"
    rows = [f"{a * 10 + 50},{b},{'ab'[c]}" for (a, b), c in zip(X, y)]
    csv.write_text("u,v,kind\n" + "\n".join(rows) + "\n")
    model, out = tmp_path / "m.npz", tmp_path / "m.onnx"
    argv = ["train", "--data", str(csv), "--target", "kind", "--hidden", "5", "--epochs", "50"]
    assert main([*argv, "--quiet", "--save", str(model)]) == 0
    assert main(["export", str(model), str(out), "--dtype", "float32"]) == 0
    assert "outputs label (N,), probabilities (N, 2), outputs (N, 2)" in capsys.readouterr().out
    net = gn.load(model)
    assert net.input_transform is not None
    raw = np.column_stack([X[:, 0] * 10 + 50, X[:, 1]])
    got = run(onnx.load(out), raw.astype(np.float32))
    np.testing.assert_allclose(got["probabilities"], net.predict_proba(raw), **F32)
    np.testing.assert_array_equal(got["label"], net.classes_[net.predict_classes(raw)])


def test_export_command_takes_an_estimator_file(tmp_path):
    X, y = moons(60)
    clf = gn.NetClassifier(hidden_layer_sizes=(4,), max_iter=10, random_state=0).fit(X, y)
    model = gn.save(clf, tmp_path / "clf.npz")
    assert main(["export", str(model), str(tmp_path / "clf.onnx")]) == 0
    got = run(onnx.load(tmp_path / "clf.onnx"), X)
    np.testing.assert_array_equal(got["label"], clf.predict(X))


@pytest.mark.parametrize("spelling", ["same", "dot", "symlink"])
def test_export_never_overwrites_its_model_file(spelling, tmp_path, capsys):
    model = gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")
    before = model.read_bytes()
    target = {"same": model, "dot": tmp_path / "." / "m.npz", "symlink": tmp_path / "l.onnx"}
    if spelling == "symlink":
        target["symlink"].symlink_to(model)
    assert main(["export", str(model), str(target[spelling])]) == 2
    assert "is the same file as MODEL" in capsys.readouterr().err
    assert model.read_bytes() == before


def test_export_refuses_an_unwritable_place_before_loading(tmp_path, capsys):
    missing = tmp_path / "nothing-here.npz"  # never read: the output is refused first
    assert main(["export", str(missing), str(tmp_path / "no" / "m.onnx")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_an_empty_output_name_is_refused_as_empty(tmp_path, capsys):
    """``Path("")`` is the current folder, which was refused as a folder ("ONNX .: is a
    folder"): the empty name is refused as such, naming the argument."""
    net = gn.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=r"^path must be a file name, got an empty one ''$"):
        gn.to_onnx(net, "")
    model = gn.save(net, tmp_path / "m.npz")
    assert main(["export", str(model), ""]) == 2
    assert capsys.readouterr().err == (
        "glassnet export: error: ONNX is an empty name ''; give a file name\n"
    )


def test_to_onnx_writes_the_file_it_returns(tmp_path):
    net = gn.mlp([2, 3, 2], seed=0)
    onx = gn.to_onnx(net, tmp_path / "net.onnx")
    assert (tmp_path / "net.onnx").read_bytes() == onx.SerializeToString()
    assert [p.name for p in tmp_path.iterdir()] == ["net.onnx"]  # no temporary left


def test_to_onnx_treats_its_path_as_gn_save_does(tmp_path):
    """One rule for the files glassnet writes: the name as given, whatever its suffix
    (gn.save writes a model file under ``.onnx`` too), and a file of that name replaced,
    read-only or not (the new file is renamed over it)."""
    net = gn.mlp([2, 3, 2], seed=0)
    for write, name in [(gn.to_onnx, "net.npz"), (gn.save, "net.onnx")]:
        path = tmp_path / name
        path.write_bytes(b"old")
        path.chmod(0o444)
        write(net, path)
        assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no suffix added
        assert path.read_bytes() != b"old"  # replaced
        path.unlink()


# ------------------------------------------------------------------ the documented examples
ROOT = Path(__file__).resolve().parents[1]


def test_the_cli_pages_export_block_is_what_the_command_prints(tmp_path, monkeypatch, capsys):
    """docs/guide/cli.md: the model of its `glassnet predict` section, then its export."""
    page = (ROOT / "docs" / "guide" / "cli.md").read_text()
    blocks = [b.splitlines() for b in re.findall(r"^```console\n(.*?)^```", page, re.M | re.S)]
    (train,) = [b[0] for b in blocks if b[0].endswith("--save moons8.npz")]
    (export,) = [b for b in blocks if b[0].startswith("$ glassnet export")]
    monkeypatch.chdir(tmp_path)
    assert main(shlex.split(train.removeprefix("$ glassnet "))) == 0
    capsys.readouterr()
    assert main(shlex.split(export[0].removeprefix("$ glassnet "))) == 0
    assert capsys.readouterr().out.splitlines() == export[1:]


def test_the_readme_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("\n### ONNX\n") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md: ONNX", "exec"), {})
    assert (tmp_path / "moons.onnx").is_file()
