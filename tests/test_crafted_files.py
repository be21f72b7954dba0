"""Model files edited by hand (or by an attacker): each is refused with a
``ModelFileError`` that names what is wrong, never a KeyError, TypeError or IndexError."""

import json
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet.modelfile import META_KEY


def _arrays(path) -> tuple[dict, dict]:
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return json.loads(str(arrays.pop(META_KEY))), arrays


def _write(path, meta, arrays):
    np.savez(path, **{META_KEY: np.array(json.dumps(meta))}, **arrays)
    return path


@pytest.mark.parametrize("kind", [["Sequential"], {"a": 1}, 3, None])
def test_a_kind_that_is_not_a_name_is_refused(tmp_path, kind):
    path = gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "net.npz")
    meta, arrays = _arrays(path)
    meta["kind"] = kind
    _write(path, meta, arrays)
    with pytest.raises(gn.ModelFileError, match="kind of model"):
        gn.load(path)


def _fitted(kind, **kw):
    X = np.random.RandomState(0).randn(30, 3)
    y = {
        "binary": np.arange(30) % 2,
        "multiclass": np.arange(30) % 3,
        "multilabel": (X[:, :2] > 0).astype(int),
        "regression": np.abs(X[:, 0]),  # >= 0 for loss="poisson" too
        "regression2": X[:, :2],
    }[kind]
    cls = gn.NetRegressor if kind.startswith("regression") else gn.NetClassifier
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cls(hidden_layer_sizes=(4,), max_iter=2, random_state=0, **kw).fit(X, y)


def _edit_params(**kw):
    return lambda meta: meta["params"].update(kw)


def _edit_fitted(**kw):
    return lambda meta: meta["fitted"].update(kw)


@pytest.mark.parametrize(
    "kind, kw, edit, match",
    [
        # two softmax outputs read as one logistic output: predict indexed a 1-D array
        ("binary", {}, _edit_params(binary_output="softmax"), "1 and out_activation_='logistic'"),
        ("binary", {"binary_output": "softmax"}, _edit_params(binary_output="logistic"), "give 1"),
        ("binary", {}, _edit_fitted(out_activation_="softmax"), "give 1 logistic"),
        ("multiclass", {}, _edit_fitted(out_activation_="logistic"), "give 3 softmax"),
        ("multiclass", {}, _edit_fitted(out_activation_="identity"), "give 3 softmax"),
        ("multiclass", {}, lambda m: m.update(y_type="multilabel-indicator"), "3 logistic"),
        ("multilabel", {}, lambda m: m.update(y_type="multiclass"), "give 1 logistic"),
        ("regression", {}, _edit_fitted(out_activation_="softmax"), "give 1 identity"),
        ("regression2", {}, _edit_fitted(out_activation_="logistic"), "give 2 identity"),
        ("regression", {}, _edit_params(loss="poisson"), "give 1 exp"),
        ("regression", {}, _edit_fitted(out_activation_="exp"), "give 1 identity"),
    ],
)
def test_estimator_file_whose_outputs_disagree_with_its_parameters(tmp_path, kind, kw, edit, match):
    path = gn.save(_fitted(kind, **kw), tmp_path / "est.npz")
    meta, arrays = _arrays(path)
    edit(meta)
    _write(path, meta, arrays)
    with pytest.raises(gn.ModelFileError, match="n_outputs_=.* disagree with the parameters") as e:
        gn.load(path)
    assert match in str(e.value)


@pytest.mark.parametrize(
    "kind, kw",
    [
        ("binary", {}),
        ("binary", {"binary_output": "softmax"}),
        ("multiclass", {}),
        ("multilabel", {}),
        ("regression", {}),
        ("regression2", {}),
        ("regression", {"loss": "poisson"}),
    ],
)
def test_estimator_files_as_saved_still_load(tmp_path, kind, kw):
    est = _fitted(kind, **kw)
    loaded = gn.load(gn.save(est, tmp_path / "est.npz"))
    assert (loaded.n_outputs_, loaded.out_activation_) == (est.n_outputs_, est.out_activation_)
