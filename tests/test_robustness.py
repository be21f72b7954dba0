"""Bad input never crashes and never starts training: bad data and settings get a
ValueError/TypeError that names the argument, from fit, the estimators and the command
line alike (which prints it without a traceback and exits 2); numbers stay finite at the
extremes; float32 stays float32; model files are written atomically."""

import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet._validation import check_param_memory
from glassnet.activations import ACTIVATIONS, get_activation
from glassnet.apps.cli import main
from glassnet.data import datasets
from glassnet.data.csvfile import load_csv


@pytest.fixture(scope="module")
def moons():
    return datasets.moons()


def _never_called(*args, **kwargs):
    raise AssertionError("training started")


# ------------------------------------------------------------------ 1. bad data, fit
X5, Y5 = np.zeros((5, 2)), np.array([0, 1, 0, 1, 0])
BAD_DATA = [
    ("nan_in_X", np.full((5, 2), np.nan), Y5, ValueError, r"X must be finite; it has 10 .*NaN"),
    (
        "inf_in_X",
        np.array([[0, 0]] * 4 + [[0, np.inf]]),
        Y5,
        ValueError,
        r"first \(inf\) at \[4, 1\]",
    ),
    ("nan_in_y_onehot", X5, np.full((5, 2), np.nan), ValueError, r"y must be finite"),
    ("X_1d", np.zeros(5), Y5, ValueError, r"X must be 2-D .* got 1-D .*reshape\(-1, 1\)"),
    (
        "X_3d",
        np.zeros((5, 2, 1)),
        Y5,
        ValueError,
        r"X must be 2-D .* got 3-D with shape \(5, 2, 1\)",
    ),
    ("lengths_differ", X5, Y5[:4], ValueError, "X has 5 rows, y has 4"),
    ("no_rows", np.zeros((0, 2)), np.zeros(0, int), ValueError, r"X has no rows"),
    ("no_columns", np.zeros((5, 0)), Y5, ValueError, r"X has no columns"),
    (
        "one_class",
        X5,
        np.zeros(5, int),
        ValueError,
        r"y holds only 1 class\(es\) \(0\).*at least 2",
    ),
    ("strings_in_X", np.array([["a", "b"]] * 5), Y5, TypeError, r"X must hold numbers, got .*<U1"),
    ("objects_in_X", np.array([[{}, 1]] * 5, dtype=object), Y5, TypeError, "X must hold numbers"),
    ("complex_X", np.zeros((5, 2), complex), Y5, TypeError, "X must hold real numbers"),
    ("string_X", "1,2;3,4", Y5, TypeError, "X must be a 2-D array of numbers, got a string"),
    ("ragged_X", [[1, 2], [3]], Y5[:2], ValueError, "X could not be read as a 2-D array"),
    (
        "features_differ",
        np.zeros((5, 3)),
        Y5,
        ValueError,
        "3 features per row but the network expects 2",
    ),
    ("label_out_of_range", X5, np.array([0, 1, 2, 0, 1]), ValueError, r"label 2 .* 0\.\.1"),
    ("negative_label", X5, np.array([0, 1, -1, 0, 1]), ValueError, r"label -1"),
    (
        "fractional_label",
        X5,
        np.array([0, 1, 0.5, 0, 1]),
        ValueError,
        "whole numbers 0..1; got 0.5",
    ),
    (
        "onehot_not_onehot",
        X5,
        np.array([[1, 1]] + [[1, 0], [0, 1]] * 2),
        ValueError,
        r"row 0 is \[1, 1\]",
    ),
    ("onehot_too_wide", X5, np.eye(3)[[0, 1, 2, 0, 1]], ValueError, "one-hot y has 3 columns"),
    ("string_labels", X5, np.array(list("ababa")), TypeError, "map them to 0..k-1"),
    (
        "object_labels",
        X5,
        np.array([0, 1, None, 0, 1], dtype=object),
        TypeError,
        "y must hold numbers",
    ),
    ("y_3d", X5, np.zeros((5, 2, 1)), ValueError, "y must be 1-D or 2-D"),
]


@pytest.mark.parametrize("case, X, y, err, match", BAD_DATA, ids=[c[0] for c in BAD_DATA])
def test_fit_refuses_bad_data_before_training(monkeypatch, case, X, y, err, match):
    net = gn.mlp([2, 3, 2], seed=0)
    before = net.theta.copy()
    opt = gn.SGD()
    monkeypatch.setattr(opt, "step", _never_called)
    with pytest.raises(err, match=match):
        gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=opt, epochs=2)
    np.testing.assert_array_equal(net.theta, before)


@pytest.mark.parametrize(
    "y, match",
    [
        (np.full(5, np.nan), r"y must be finite; it has 5 non-finite"),
        (np.zeros((5, 3)), "y has 3 columns but the network has 2 outputs"),
        (np.zeros(5), r"y has shape \(5,\) but the network has 2 outputs"),
    ],
)
def test_regression_targets_are_checked(y, match):
    with pytest.raises(ValueError, match=match):
        gn.fit(gn.mlp([2, 3, 2]), gn.MeanSquaredError(), X5, y, epochs=1)


def test_check_finite_tells_overflowing_sums_from_non_finite_values():
    # check_finite sums down the rows (axis 0) and looks entry by entry only when a sum is
    # not finite: finite values whose column sums overflow pass; +inf and -inf in one column
    # (their sum is NaN) are found where they are, without NumPy's overflow warning
    from glassnet._validation import check_finite

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nor does NumPy's overflow warning reach the user
        check_finite(np.full((4, 2), 3e38, np.float32))  # each column sums to inf in float32
    X = np.zeros((3, 2))
    X[1, 0], X[2, 0] = np.inf, -np.inf
    with pytest.raises(ValueError, match=r"2 non-finite value\(s\), the first \(inf\) at \[1, 0\]"):
        check_finite(X)
    with pytest.raises(ValueError, match=r"y must be finite; it has 1 .*\(NaN\) at \[2\]"):
        check_finite(np.array([0.0, 1.0, np.nan]), "y")


def test_validation_data_and_sample_weight_are_checked():
    X, y = datasets.moons()
    with pytest.raises(ValueError, match="X_val has 3 features per row"):
        gn.fit(
            gn.mlp([2, 3, 2]),
            gn.SoftmaxCrossEntropy(),
            X,
            y,
            validation_data=(X5[:, :1].repeat(3, 1), Y5),
        )
    with pytest.raises(ValueError, match="y_val has label 6"):
        gn.fit(gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), X, y, validation_data=(X5, Y5 + 5))
    with pytest.raises(ValueError, match="sample_weight must be finite"):
        gn.fit(
            gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), X, y, sample_weight=np.full(200, np.nan)
        )
    with pytest.raises(ValueError, match="sample_weight must hold one number >= 0 per row"):
        gn.fit(gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), X, y, sample_weight=-np.ones(200))


def test_one_class_check_can_be_turned_off_for_streaming_batches():
    hist = gn.fit(
        gn.mlp([2, 3, 2]),
        gn.SoftmaxCrossEntropy(),
        X5,
        np.zeros(5, int),
        epochs=2,
        min_classes=0,
        verbose=0,
    )
    assert len(hist) == 2


# ------------------------------------------------------------------ 1. bad data, estimators
def _fit_clf(X, y, **kw):
    kw = {"hidden_layer_sizes": (3,), "max_iter": 2, **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gn.NetClassifier(**kw).fit(X, y)


EST_BAD = [
    ("nan_in_X", np.full((6, 2), np.nan), [0, 1] * 3, ValueError, "Input X contains NaN"),
    ("inf_in_X", np.full((6, 2), np.inf), [0, 1] * 3, ValueError, "Input X contains infinity"),
    ("X_1d", np.zeros(6), [0, 1] * 3, ValueError, "Expected 2D array, got 1D array"),
    ("X_3d", np.zeros((6, 2, 1)), [0, 1] * 3, ValueError, "Found array with dim 3"),
    (
        "lengths_differ",
        np.zeros((6, 2)),
        [0, 1] * 2,
        ValueError,
        "inconsistent numbers of samples: \\[6, 4\\]",
    ),
    ("no_rows", np.zeros((0, 2)), [], ValueError, "Found array with 0 sample"),
    (
        "strings_in_X",
        np.array([["a", "b"]] * 6),
        [0, 1] * 3,
        ValueError,
        "could not convert string to float",
    ),
    ("continuous_y", np.zeros((6, 2)), np.linspace(0, 1, 6), ValueError, "Unknown label type"),
]


@pytest.mark.parametrize("case, X, y, err, match", EST_BAD, ids=[c[0] for c in EST_BAD])
def test_estimators_refuse_bad_data(case, X, y, err, match):
    with pytest.raises(err, match=match):
        _fit_clf(X, np.asarray(y))


def test_estimator_predict_with_another_feature_count():
    X, y = datasets.iris()
    clf = _fit_clf(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but NetClassifier is expecting 4"):
        clf.predict(X[:, :3])
    reg = gn.NetRegressor(hidden_layer_sizes=(3,), max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, X[:, 0])
    with pytest.raises(ValueError, match="Input y contains NaN"):
        reg.fit(X, np.full(len(X), np.nan))
    with pytest.raises(ValueError, match="X has 5 features, but NetRegressor is expecting 4"):
        reg.predict(np.zeros((2, 5)))


# ------------------------------------------------------------------ 2. bad settings
@pytest.mark.parametrize(
    "make, err, match",
    [
        (lambda: gn.SGD(lr=0), ValueError, r"lr must be a finite number > 0, got 0$"),
        (lambda: gn.SGD(lr=-0.1), ValueError, r"lr must be a finite number > 0, got -0.1$"),
        (lambda: gn.Adam(lr=float("nan")), ValueError, r"lr must be a finite number > 0, got nan"),
        (
            lambda: gn.RMSProp(lr="fast"),
            TypeError,
            "lr must be a finite number > 0, got 'fast' of type str",
        ),
        (
            lambda: gn.SGD(momentum=1.0),
            ValueError,
            r"momentum must be a number in \[0, 1\), got 1.0",
        ),
        (lambda: gn.mlp([2, 0, 2]), ValueError, r"^sizes\[1\] must be an integer >= 1, got 0$"),
        (lambda: gn.mlp([2, -3, 2]), ValueError, r"^sizes\[1\] must be an integer >= 1, got -3$"),
        (lambda: gn.Dense(2, 0), ValueError, "^n_out must be an integer >= 1, got 0$"),
        (
            lambda: gn.mlp([2, 3, 2], activation="tahn"),
            ValueError,
            r"valid names: elu, .*tanh; did you mean 'tanh'\?",
        ),
        (lambda: gn.mlp([2, 3, 2], init="glorot"), ValueError, "did you mean"),
        (
            lambda: gn.mlp([2, 3, 2], dropout=1.0),
            ValueError,
            r"^dropout must be a number in \[0, 1\), got 1.0$",
        ),
        (
            lambda: gn.mlp([2, 3, 2], dropout=-0.1),
            ValueError,
            r"^dropout must be a number in \[0, 1\), got -0.1$",
        ),
        (
            lambda: gn.mlp([2, 3, 2], dropout=float("nan")),
            ValueError,
            r"^dropout must be a number in \[0, 1\), got nan$",
        ),
        (lambda: gn.mlp([2, 3, 2], dtype=np.int32), ValueError, "dtype must be float32 or float64"),
        (
            lambda: gn.mlp([2, 10**6, 10**6, 2]),
            ValueError,
            r"1,000,006,000,002 parameters.*more than this machine's",
        ),
        (lambda: gn.CosineWarmup(lr=0), ValueError, "lr must be a finite number > 0, got 0"),
    ],
)
def test_bad_settings_are_refused_where_they_are_given(make, err, match):
    with pytest.raises(err, match=match):
        make()


@pytest.mark.parametrize(
    "kind, name, close",
    [
        ("optimizer", "adamw", "adam"),
        ("schedule", "cosin", "cosine"),
        ("loss", "mean_squard_error", "mean_squared_error"),
        ("activation", "reLU6", "relu"),
    ],
)
def test_unknown_names_list_the_valid_ones_and_the_closest(kind, name, close):
    from glassnet.losses import get_loss
    from glassnet.optim import OPTIMIZERS, get_optimizer
    from glassnet.schedules import SCHEDULES, get_schedule

    make, registry = {
        "optimizer": (lambda: get_optimizer(name), OPTIMIZERS),
        "schedule": (lambda: get_schedule(name, lr=0.1), SCHEDULES),
        "loss": (lambda: get_loss(name), None),
        "activation": (lambda: get_activation(name), ACTIVATIONS),
    }[kind]
    with pytest.raises(ValueError) as exc:
        make()
    msg = str(exc.value)
    assert f"{name!r} is not a known {kind}" in msg
    assert re.search(rf"did you mean '{close}\w*'\?", msg), msg
    for valid in registry.names() if registry else ["mean_squared_error", "softmax_cross_entropy"]:
        assert valid in msg


def test_memory_estimate_happens_before_allocation(monkeypatch):
    # a 1 GiB machine: a 100-million-parameter float64 net needs 1.5 GiB with its gradients
    with pytest.raises(ValueError, match=r"100,000,000 parameters, 1.5 GiB .* 1.0 GiB"):
        check_param_memory(100_000_000, np.float64, memory=2**30)
    check_param_memory(100_000_000, np.float32, memory=2**30)  # 0.75 GiB: fits
    monkeypatch.setattr(gn.Sequential, "_allocate", _never_called)  # refused before allocating
    with pytest.raises(ValueError, match="use smaller hidden sizes"):
        gn.mlp([784, 10**7, 10**7, 10])


def test_fit_settings(moons):
    X, y = moons
    net = gn.mlp([2, 3, 2], seed=0)
    for kwargs, err, match in [
        ({"clip_norm": 0}, ValueError, "clip_norm must be a finite number > 0"),
        ({"l2": float("nan")}, ValueError, "l2 must be a finite number >= 0, got nan"),
        (
            {"validation_fraction": 1.5},
            ValueError,
            r"validation_fraction must be a number in \(0, 1\)",
        ),
        ({"optimizer": "sgd"}, TypeError, "optimizer must be a glassnet Optimizer"),
        ({"schedule": 0.1}, TypeError, "schedule must be a glassnet Schedule"),
        ({"callbacks": [3]}, TypeError, r"callbacks\[0\] must be a glassnet Callback"),
    ]:
        with pytest.raises(err, match=match):
            gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, epochs=1, **kwargs)


def test_batch_larger_than_the_data_is_clipped(moons):
    X, y = moons
    a, b = gn.mlp([2, 3, 2], seed=0), gn.mlp([2, 3, 2], seed=0)
    gn.fit(a, gn.SoftmaxCrossEntropy(), X, y, epochs=5, batch_size=10_000, verbose=0)
    gn.fit(b, gn.SoftmaxCrossEntropy(), X, y, epochs=5, batch_size=None, verbose=0)
    np.testing.assert_array_equal(a.theta, b.theta)  # one batch of all 200 rows


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"solver": "adma"},
            r"solver must be one of 'adam', 'lbfgs', 'sgd', got 'adma'; did you mean 'adam'\?",
        ),
        ({"learning_rate": "adaptve"}, r"did you mean 'adaptive'\?"),
        (
            {"hidden_layer_sizes": (3, -1)},
            r"hidden_layer_sizes\[1\] must be an integer >= 1, got -1$",
        ),
        (
            {"learning_rate_init": float("nan")},
            "learning_rate_init must be a finite number > 0, got nan",
        ),
        (
            {"learning_rate_init": -1.0},
            r"learning_rate_init must be a finite number > 0, got -1\.0",
        ),
        ({"dropout": -0.5}, r"dropout must be a number in \[0, 1\), got -0\.5"),
        ({"activation": "relu6"}, r"valid names: .*did you mean 'relu'\?"),
        ({"hidden_layer_sizes": (10**6, 10**6, 10**6)}, "more than this machine's"),
    ],
)
def test_estimator_settings(kwargs, match):
    X, y = datasets.iris()
    with pytest.raises(ValueError, match=match):
        _fit_clf(X, y, **kwargs)


def test_estimator_batch_larger_than_the_data_is_clipped_with_a_warning():
    X, y = datasets.iris()
    with pytest.warns(UserWarning, match="going to be clipped"):
        _fit_clf(X, y, batch_size=10_000)


# ------------------------------------------------------------------ 1, 2, 4. the command line
def _csv(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


CLI_BAD = [
    (
        "csv_missing_value",
        "a,b,label\n1,2,x\n3,,y\n",
        [],
        r"d.csv, line 3, column 2 \(b\): missing value",
    ),
    (
        "csv_bad_number",
        "a,b,label\n1,2,x\n3,4e,y\n",
        [],
        r"line 3, column 2 \(b\): '4e' is not a finite number",
    ),
    (
        "csv_nan",
        "a,b,label\n1,2,x\nnan,4,y\n",
        [],
        r"line 3, column 1 \(a\): 'nan' is not a finite number",
    ),
    (
        "csv_inf",
        "a,b,label\n1,2,x\n3,-inf,y\n",
        [],
        r"line 3, column 2 \(b\): '-inf' is not a finite number",
    ),
    (
        "csv_ragged_short",
        "a,b,label\n1,2,x\n3,4\n",
        [],
        r"line 3, column 3: expected 3 fields, found 2",
    ),
    (
        "csv_ragged_long",
        "a,b,label\n1,2,x\n3,4,y,9\n",
        [],
        r"line 3, column 4: expected 3 fields, found 4 \(column 4 is extra\)",
    ),
    (
        "csv_missing_target",
        "a,b,label\n1,2,x\n3,4,\n",
        [],
        r"line 3, column 3 \(label\): missing target value",
    ),
    ("csv_one_class", "a,b,label\n1,2,x\n3,4,x\n", [], r"holds one class only \('x'\)"),
    (
        "csv_unknown_target",
        "a,b,label\n1,2,x\n3,4,y\n",
        ["--target", "lbl"],
        r"target='lbl' is not a column .*columns: a, b, label",
    ),
    (
        "csv_target_index_out_of_range",
        "a,b,label\n1,2,x\n3,4,y\n",
        ["--target", "5"],
        "out of range",
    ),
    ("csv_empty", "", [], "the file is empty"),
    ("csv_header_only", "a,b,label\n", [], "no data rows after the header"),
    ("csv_missing_file", None, [], "does not exist"),
    (
        "unknown_activation",
        "a,b,label\n1,2,x\n3,4,y\n",
        ["--activation", "tahn"],
        r"did you mean 'tanh'",
    ),
    (
        "unknown_optimizer",
        "a,b,label\n1,2,x\n3,4,y\n",
        ["--optimizer", "adamw"],
        r"valid names: adagrad, adam, lbfgs, rmsprop, sgd; did you mean 'adam'",
    ),
    (
        "unknown_schedule",
        "a,b,label\n1,2,x\n3,4,y\n",
        ["--schedule", "cosin"],
        r"did you mean 'cosine'",
    ),
    (
        "bad_schedule_argument",
        "a,b,label\n1,2,x\n3,4,y\n",
        ["--schedule", "step:every"],
        "not of the form key=value",
    ),
    (
        "huge_network",
        "a,b,label\n1,2,x\n3,4,y\n",
        ["--hidden", "1000000", "--hidden", "1000000"],
        "more than this machine's",
    ),
    ("unknown_dataset", None, ["--data", "moon"], r"did you mean 'moons'"),
]


@pytest.mark.parametrize("case, text, extra, match", CLI_BAD, ids=[c[0] for c in CLI_BAD])
def test_cli_reports_bad_input_in_one_line_and_exits_2(tmp_path, capsys, case, text, extra, match):
    data = _csv(tmp_path, text) if text is not None else str(tmp_path / "missing.csv")
    argv = ["train", "--data", data, "--target", "label", "--epochs", "3", "--quiet", *extra]
    if "--data" in extra:
        argv = ["train", *extra, "--epochs", "3"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert re.search(match, err), err
    assert "Traceback" not in err and err.startswith("glassnet train: error:")
    assert "training" not in out  # refused before training


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--lr", "0"], "--lr must be a finite number > 0, got 0"),
        (["--lr", "nan"], "--lr must be a finite number > 0, got nan"),
        (["--lr", "-0.5"], "--lr must be a finite number > 0, got -0.5"),
        (["--hidden", "0"], "--hidden must be an integer >= 1, got 0"),
        (["--hidden", "-2"], "--hidden must be an integer >= 1, got -2"),
        (["--dropout", "1"], r"--dropout must be a number in \[0, 1\), got 1"),
        (["--dropout", "-0.1"], r"--dropout must be a number in \[0, 1\), got -0.1"),
        (["--batch-size", "0"], "--batch-size must be an integer >= 1, got 0"),
        (["--epochs", "ten"], "--epochs must be an integer >= 1, got 'ten'"),
        (["--l2", "inf"], "--l2 must be a finite number >= 0, got inf"),
        (["--reduction", "avg"], "--reduction must be one of 'mean', 'sum', got 'avg'"),
    ],
)
def test_cli_bad_numbers_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    # one line in the library's words with the option's name, no usage block (issue 14)
    assert re.fullmatch(f"glassnet train: error: {message}\n", err), err


def test_cli_batch_larger_than_the_data_is_clipped(capsys):
    assert main(["train", "--batch-size", "5000", "--epochs", "3", "--quiet"]) == 0


def test_csv_header_target_by_name_or_index_and_categorical_labels_stored(tmp_path, capsys):
    X, y = datasets.iris(standardize=False)
    names = np.array(["setosa", "versicolor", "virginica"])
    body = "".join(f"{names[c]},{','.join(map(str, r))}\n" for r, c in zip(X, y))
    with_header = _csv(tmp_path, "species,sl,sw,pl,pw\n" + body, "h.csv")
    no_header = _csv(tmp_path, body, "n.csv")
    a, b = load_csv(with_header, target="species"), load_csv(no_header, target=0)
    assert a.feature_names == ["sl", "sw", "pl", "pw"] and b.feature_names == [
        "x1",
        "x2",
        "x3",
        "x4",
    ]
    assert a.classes == b.classes == list(names)
    np.testing.assert_array_equal(a.y, y)
    np.testing.assert_array_equal(a.X, b.X)
    model = str(tmp_path / "m.npz")
    argv = ["train", "--data", no_header, "--target", "0", "--hidden", "6", "--epochs", "300"]
    assert main([*argv, "--quiet", "--save", model]) == 0
    net = gn.load(model)
    assert net.classes_.tolist() == list(names) and net.metadata["task"] == "classification"


def test_predict_refuses_bad_rows_and_files(tmp_path, capsys):
    model = gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")
    for text, match in [
        ("1,2\n3,x\n", r"line 2, column 2 \(x1\): 'x' is not a finite number"),
        ("1,2\n3,\n", r"line 2, column 2 \(x1\): missing value"),
        ("1,2\n3\n", r"line 2, column 2: expected 2 fields, found 1"),
        ("1,2,3\n", "3 feature column.s. but the model expects 2"),
    ]:
        assert main(["predict", "--model", str(model), "--data", _csv(tmp_path, text)]) == 2
        err = capsys.readouterr().err
        assert re.search(match, err) and "Traceback" not in err, err
    (tmp_path / "pickle.npz").write_bytes(b"\x80\x04K\x01.")
    assert (
        main(
            ["predict", "--model", str(tmp_path / "pickle.npz"), "--data", _csv(tmp_path, "1,2\n")]
        )
        == 2
    )
    assert "glassnet never loads pickles" in capsys.readouterr().err


# ------------------------------------------------------------------ 3. numerical faults
DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS.names())
def test_inputs_of_1e6_stay_finite(dtype, activation):
    rng = np.random.default_rng(0)
    X = (rng.uniform(-1, 1, size=(64, 4)) * 1e6).astype(dtype)
    y = rng.integers(0, 3, 64)
    net = gn.mlp([4, 8, 3], activation=activation, seed=0, dtype=dtype)
    for loss, target in (
        (gn.SoftmaxCrossEntropy(), y),
        (gn.MeanSquaredError(), np.eye(3)[y].astype(dtype)),
    ):
        out = net.forward(X, training=True)
        value = loss.forward(out, target)
        net.backward(loss.backward())
        assert out.dtype == dtype and net.grad.dtype == dtype
        assert np.isfinite(out).all() and np.isfinite(value) and np.isfinite(net.grad).all()
    assert np.isfinite(net.predict_proba(X)).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_logits_of_1e4_stay_finite(dtype):
    from glassnet.losses import log_softmax, softmax

    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4 - 1]], dtype=dtype)
    y = np.array([1, 0, 2])
    for reduction in ("mean", "sum"):
        ce = gn.SoftmaxCrossEntropy(reduction=reduction)
        value = ce.forward(z.copy(), y)
        g = ce.backward()
        assert np.isfinite(value) and np.isfinite(g).all() and g.dtype == dtype
        assert value == pytest.approx(
            (2e4 + 0 + 1 + np.log1p(2 * np.exp(-1.0))) / (3 if reduction == "mean" else 1), rel=1e-3
        )
    p = softmax(z)
    assert np.isfinite(p).all() and np.allclose(p.sum(1), 1)
    assert np.isfinite(log_softmax(z)).all()
    bce = gn.BinaryCrossEntropy()
    v = bce.forward(np.array([[1e4], [-1e4]], dtype=dtype), np.array([0, 1]))
    assert v == pytest.approx(1e4) and np.isfinite(bce.backward()).all()


def test_divergence_stops_with_the_epoch_and_advice_and_the_cli_exits_1(moons, capsys):
    X, y = moons
    net = gn.mlp([2, 20, 2], activation="relu", seed=0)
    with pytest.raises(gn.DivergenceError) as exc:
        gn.fit(
            net, gn.MeanSquaredError(), X * 1e3, np.eye(2)[y], optimizer=gn.SGD(lr=10.0), epochs=50
        )
    msg = str(exc.value)
    assert f"diverged at epoch {exc.value.epoch}" in msg and "lr=10 now; lr=1, say" in msg
    assert np.isfinite(net.theta).all()


@pytest.mark.parametrize(
    "opt", [gn.SGD(lr=0.1, momentum=0.9, nesterov=True), gn.Adam(lr=0.01), gn.RMSProp()]
)
def test_float32_data_is_never_upcast_inside_fit(moons, opt):
    X, y = moons
    X32 = X.astype(np.float32)
    net = gn.mlp([2, 8, 2], activation="elu", dropout=0.2, seed=0)
    gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X32,
        np.eye(2)[y],
        optimizer=opt,
        epochs=3,
        batch_size=32,
        l2=1e-3,
        clip_norm=1.0,
        sample_weight=np.ones(200),
        validation_fraction=0.1,
        verbose=0,
    )
    arrays = {"theta": net.theta, "grad": net.grad}
    arrays.update({f"opt.{k}": v for k, v in opt.state_dict().items() if isinstance(v, np.ndarray)})
    for i, layer in enumerate(net.layers):
        arrays.update(
            {
                f"{i}.{k}": v
                for k, v in vars(layer).items()
                if isinstance(v, np.ndarray) and v.dtype.kind == "f"
            }
        )
    assert len(arrays) > 6
    assert {k: v.dtype for k, v in arrays.items() if v.dtype != np.float32} == {}


def test_adam_step_is_computed_in_float32():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=1000).astype(np.float32)
    grad = rng.normal(size=1000).astype(np.float32)
    opt = gn.Adam(lr=0.003)
    got = theta.copy()
    opt.step(got, grad)
    # the same step with every operation in float32 (the rate a float32 scalar)
    m = np.float32(0.1) * grad
    v = np.float32(0.001) * (grad * grad)
    lr_t = np.float32(0.003 * np.sqrt(1 - 0.999) / (1 - 0.9))
    want = theta - lr_t * (m / (np.sqrt(v) + np.float32(1e-8)))
    np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ 5. atomic saves
def test_an_interrupted_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = gn.mlp([2, 3, 2], seed=0)
    gn.save(old, path)
    before = path.read_bytes()

    def savez_then_ctrl_c(fh, **arrays):
        fh.write(b"PK\x03\x04 half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", savez_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        gn.save(gn.mlp([2, 3, 2], seed=1), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left
    np.testing.assert_array_equal(gn.load(path).theta, old.theta)


def test_save_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(ValueError, match="folder .* does not exist"):
        gn.save(gn.mlp([2, 3, 2]), tmp_path / "no" / "m.npz")
    with pytest.raises(TypeError, match="cannot save an object of type dict"):
        gn.save({"theta": 1}, tmp_path / "m.npz")


# ------------------------------------------------------------------ found by a hostile probe
def _xy():
    rng = np.random.RandomState(0)
    return rng.randn(20, 3), rng.randint(0, 3, 20)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: gn.EarlyStopping(monitor=3), TypeError, "monitor must be a history key"),
        (lambda: gn.ModelCheckpoint(None), TypeError, "path must be a file name"),
        (lambda: gn.save(gn.mlp([2, 3, 2]), None), TypeError, "path must be a file name"),
    ],
)
def test_callbacks_and_save_name_a_bad_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_folder_is_not_a_model_file(tmp_path):
    """Saving onto a folder (or into a missing one) is refused up front, naming the path;
    it was an IsADirectoryError naming a temporary file, and ModelCheckpoint only failed
    at its first save, in the middle of training."""
    with pytest.raises(ValueError, match=f"cannot save to '{tmp_path}': it is a folder"):
        gn.save(gn.mlp([2, 3, 2]), tmp_path)
    with pytest.raises(ValueError, match="is a folder; give a file name"):
        gn.ModelCheckpoint(tmp_path)
    with pytest.raises(ValueError, match=f"folder '{tmp_path / 'nodir'}' does not exist"):
        gn.ModelCheckpoint(tmp_path / "nodir" / "m.npz")


def test_an_empty_file_name_is_refused_as_empty(rng):
    """``Path("")`` is the current folder: an empty name was refused as "cannot save to
    '.': it is a folder", which names neither the argument nor what was given."""
    net = gn.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=r"^path must be a file name, got an empty one ''$"):
        gn.save(net, "")
    X, y = rng.normal(size=(8, 2)), np.arange(8) % 2
    with pytest.raises(ValueError, match=r"^checkpoint must be a file name, got an empty one"):
        gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, epochs=1, checkpoint="")


@pytest.mark.parametrize(
    "case, message",
    [
        ("no dense", "the network has no Dense layer, so nothing to train"),
        ("binary with 2 outputs", "BinaryCrossEntropy needs a network with 1 output"),
        ("lbfgs schedule", "LBFGS chooses its own steps: schedule= does not apply"),
        ("lbfgs clip", "LBFGS chooses its own steps: clip_norm= does not apply"),
    ],
)
def test_fit_refuses_what_it_cannot_train(case, message):
    X, y = _xy()
    net, loss, kw = gn.mlp([3, 4, 3], seed=0), gn.SoftmaxCrossEntropy(), {}
    if case == "no dense":
        net, loss, y = gn.Sequential([gn.ReLU()]), gn.MeanSquaredError(), X
    elif case == "binary with 2 outputs":
        net, loss, y = gn.mlp([3, 4, 2], seed=0), gn.BinaryCrossEntropy(), y % 2
    elif case == "lbfgs schedule":
        kw = dict(optimizer=gn.LBFGS(), schedule=gn.StepDecay(0.1))
    else:
        kw = dict(optimizer=gn.LBFGS(), clip_norm=1.0)
    theta = net.theta.copy()
    with pytest.raises(ValueError, match=message):
        gn.fit(net, loss, X, y, epochs=2, verbose=0, **kw)
    np.testing.assert_array_equal(net.theta, theta)  # nothing trained


@pytest.mark.parametrize(
    "argv, message",
    [
        (["exercises", "--only", ""], "glassnet exercises: error: --only names no exercise"),
        (["exercises", "--only", ","], "glassnet exercises: error: --only names no exercise"),
        (
            ["train", "--epochs", "5", "--optimizer", "adam", "--momentum", "0.9"],
            "glassnet train: error: --momentum applies to --optimizer sgd, not adam",
        ),
        (
            ["train", "--epochs", "5", "--optimizer", "lbfgs", "--clip-norm", "1"],
            "glassnet train: error: --optimizer lbfgs chooses its own steps; drop --clip-norm",
        ),
    ],
)
def test_command_line_refuses_options_that_do_not_apply(argv, message, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert err.startswith(message) and "Traceback" not in err, err


@pytest.mark.parametrize(
    "exc, shown",
    [
        (FileNotFoundError(2, "No such file or directory", "/proc/x"), "No such file or directory"),
        (MemoryError("Unable to allocate 373. GiB"), "not enough memory (Unable to allocate"),
    ],
)
def test_command_line_reports_os_and_memory_errors_in_one_line(exc, shown, monkeypatch, capsys):
    """A folder that cannot be written or a request too large for memory ends the command
    with one line and exit status 1, not a traceback."""
    import glassnet.apps.cli as cli

    def boom(args):
        raise exc

    monkeypatch.setattr(cli, "_cmd_exercises", boom)
    parser = cli.build_parser()
    args = parser.parse_args(["exercises"])
    args.func = boom
    assert cli._run(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("glassnet exercises: error: ") and shown in err and "Traceback" not in err


def test_a_sweep_starts_no_more_processes_than_runs(monkeypatch):
    import joblib

    from glassnet.apps import sweep

    asked = []
    real = joblib.Parallel

    def spy(*args, **kwargs):
        asked.append(kwargs.get("n_jobs"))
        return real(*args, **{**kwargs, "n_jobs": 1})

    monkeypatch.setattr(sweep, "Parallel", spy, raising=False)
    monkeypatch.setattr(joblib, "Parallel", spy)
    X, y = datasets.moons(40)
    rows = sweep.run_sweep("hidden", [1, 2], X, y, base={"epochs": 3}, n_jobs=100000)
    assert len(rows) == 2 and asked == [2]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda X, y: gn.evaluate(gn.mlp([3, 4, 3]), gn.SoftmaxCrossEntropy(), X[:0], y[:0]),
            ValueError,
            "X",
        ),  # fmt: skip
        (
            lambda X, y: gn.evaluate(
                gn.mlp([3, 4, 3]), gn.SoftmaxCrossEntropy(), X, np.full(20, 9)
            ),
            ValueError,
            "y",
        ),  # fmt: skip
        (lambda X, y: gn.evaluate(gn.mlp([3, 4, 3]), "mse", X, y), TypeError, "loss must be"),
        (
            lambda X, y: gn.evaluate(gn.mlp([3, 4, 3]), gn.SoftmaxCrossEntropy(), X, y, l2=-1),
            ValueError,
            "l2 must be a finite number >= 0, got -1",
        ),  # fmt: skip
        (
            lambda X, y: gn.evaluate(gn.mlp([3, 4, 3]), gn.SoftmaxCrossEntropy(), X * np.nan, y),
            ValueError,
            "X",
        ),  # fmt: skip
        (
            lambda X, y: gn.check_gradients(
                gn.mlp([3, 4, 3]), gn.SoftmaxCrossEntropy(), X, y, eps=0
            ),
            ValueError,
            "eps must be a finite number > 0, got 0",
        ),  # fmt: skip
        (
            lambda X, y: gn.check_gradients(
                gn.mlp([3, 4, 3]), gn.SoftmaxCrossEntropy(), X, y, l1=float("nan")
            ),
            ValueError,
            "l1 must be",
        ),  # fmt: skip
        (
            lambda X, y: gn.diagnose(
                gn.mlp([3, 4, 3]), gn.SoftmaxCrossEntropy(), X, y, optimizer="sgd"
            ),
            TypeError,
            "optimizer must be",
        ),  # fmt: skip
        (
            lambda X, y: gn.fit(gn.mlp([3, 4, 3]), gn.SoftmaxCrossEntropy(), X, y, seed="x"),
            TypeError,
            "seed must be an integer between 0 and 4294967295",
        ),  # fmt: skip
        (
            lambda X, y: gn.fit(gn.mlp([3, 4, 3]), gn.SoftmaxCrossEntropy(), X, y, seed=-1),
            ValueError,
            "seed must be an integer between 0 and 4294967295",
        ),  # fmt: skip
    ],
)
def test_evaluate_gradcheck_diagnose_and_seed_check_their_input(call, error, message):
    """These raised ZeroDivisionError, IndexError or AttributeError, NumPy's seeding
    message, or returned NaN or a negative penalty without a word."""
    X, y = _xy()
    with pytest.raises(error, match=message):
        call(X, y)


def test_evaluate_leaves_a_float64_network_float64():
    X, y = _xy()
    net = gn.mlp([3, 4, 3], seed=0)
    logs = gn.evaluate(net, gn.SoftmaxCrossEntropy(), X.astype(np.float32), y)
    assert net.dtype == np.float64 and np.isfinite(logs["loss"])


def test_a_network_with_nan_parameters_is_not_saved(tmp_path):
    """gn.load refuses a file whose parameters hold NaN or inf; gn.save used to write one."""
    net = gn.mlp([2, 3, 2], seed=0)
    net.theta[0] = np.nan
    with pytest.raises(ValueError, match="the parameters hold NaN or inf"):
        gn.save(net, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("command", ["sweep", "tutorial"])
@pytest.mark.parametrize("value", ["0", "x"])
def test_n_jobs_zero_or_text_is_refused(command, value, capsys):
    with pytest.raises(SystemExit) as stop:  # argparse's own exit, before anything runs
        main([command, "--n-jobs", value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        f"glassnet {command}: error: --n-jobs must be a number of processes >= 1, or -1 for "
        f"every core, got '{value}'\n"
    )
