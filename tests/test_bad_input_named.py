"""More bad input, each case found by a hostile probe of the public API: it used to crash
with a NumPy or Python error that named neither the argument nor the value (or was taken
silently), and now gets a ValueError/TypeError that names both, before any work is done.
Warm starts that crashed in the estimators now continue the fitted network."""

import warnings

import matplotlib
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet.apps.cli import main
from glassnet.data import datasets
from glassnet.viz import animation, plotting

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    return rng.randn(60, 3), np.arange(60) % 3


def _clf(**kw):
    return gn.NetClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0, **kw)


# ------------------------------------------------------------------ estimators: warm starts
def test_warm_start_after_switching_on_early_stopping(data):
    """It raised AttributeError ('NoneType' has no 'append'), as scikit-learn's MLP does:
    the first fit kept no validation scores."""
    X, y = data
    clf = _clf().fit(X, y)
    clf.set_params(warm_start=True, early_stopping=True).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_ > 0
    assert np.isfinite(clf.best_validation_score_)
    clf.set_params(early_stopping=False).fit(X, y)  # and back: a best loss again
    assert np.isfinite(clf.best_loss_) and clf.validation_scores_ is None


def test_warm_start_from_lbfgs_to_sgd_continues_the_fitted_network(data):
    """It raised AttributeError (no loss_curve_: L-BFGS keeps none)."""
    X, y = data
    clf = _clf(solver="lbfgs").fit(X, y)
    before = clf.net_.get_flat()
    clf.set_params(warm_start=True, solver="sgd", learning_rate_init=1e-6, max_iter=1).fit(X, y)
    assert len(clf.loss_curve_) == 1
    # one tiny step from the fitted parameters, not a new network
    assert np.abs(clf.net_.get_flat() - before).max() < 1e-4


@pytest.mark.parametrize(
    "change, message",
    [
        ({"hidden_layer_sizes": (9,)}, r"hidden_layer_sizes: \[4\] -> \[9\]"),
        ({"activation": "tanh"}, r"activation: \['relu'\] -> \['tanh'\]"),
        ({"dropout": 0.5}, r"dropout: 0.0 -> 0.5"),
    ],
)
@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_a_warm_start_refuses_a_different_network(data, change, message, how):
    """A changed architecture was silently ignored: the old network kept training."""
    X, y = data
    clf = _clf().fit(X, y)
    before = clf.net_.get_flat()
    clf.set_params(**change)
    with pytest.raises(ValueError, match=message):
        if how == "warm_start":
            clf.set_params(warm_start=True).fit(X, y)
        else:
            clf.partial_fit(X, y)
    np.testing.assert_array_equal(clf.net_.get_flat(), before)  # nothing trained


def test_a_warm_start_with_the_same_network_is_allowed(data):
    """The check compares canonical names: 'logistic' is the network's Sigmoid."""
    X, y = data
    clf = _clf(activation="logistic").fit(X, y)
    clf.set_params(warm_start=True).fit(X, y)
    assert clf.n_iter_ == 5


# ------------------------------------------------------------------ estimators: values
@pytest.mark.parametrize(
    "make, fit_kw, error, message",
    [
        (
            lambda: gn.NetRegressor(loss="poisson", max_iter=2),
            {"y": -np.arange(60.0)},
            ValueError,
            r"loss='poisson' needs targets y >= 0, got a minimum of -59.0",
        ),
        (
            lambda: _clf(),
            {"sample_weight": -np.ones(60)},
            ValueError,
            "Negative values in data passed to `sample_weight`",
        ),
        (
            lambda: _clf(class_weight={0: -1.0}),
            {},
            ValueError,
            r"class_weight\[0\] must be a finite number >= 0, got -1.0",
        ),
        (
            lambda: _clf(class_weight={1: float("nan")}),
            {},
            ValueError,
            r"class_weight\[1\] must be a finite number >= 0, got nan",
        ),
        (
            lambda: _clf(class_weight={2: "x"}),
            {},
            ValueError,
            r"class_weight\[2\] must be a finite number >= 0, got 'x'",
        ),
        (lambda: _clf(shuffle="no"), {}, TypeError, "shuffle must be True or False, got 'no'"),
        (lambda: _clf(warm_start=None), {}, TypeError, "warm_start must be True or False"),
        (lambda: _clf(early_stopping=1), {}, TypeError, "early_stopping must be True or False"),
        (lambda: _clf(verbose=-1), {}, ValueError, "verbose must be True or False or an integer"),
    ],
)
def test_estimators_refuse_values_that_made_nan_or_were_taken_as_truthy(
    data, make, fit_kw, error, message
):
    """Before: NaN losses (poisson), negative losses (weights), or a string taken as True."""
    X, y = data
    fit_kw = {"y": y, **fit_kw}
    with pytest.raises(error, match=message):
        make().fit(X, **fit_kw)


# ------------------------------------------------------------------ the engine
MOONS = datasets.moons(n_samples=40)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: gn.fit(gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), *MOONS, shuffle="no"),
            TypeError,
            "shuffle must be True or False, got 'no'",
        ),
        (
            lambda: gn.fit(gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), *MOONS, verbose=-1),
            ValueError,
            "verbose must be 'auto', True or False or an integer >= 0, got -1",
        ),
        (
            lambda: gn.fit(
                gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), *MOONS, l2_per_example="yes"
            ),
            TypeError,
            "l2_per_example must be True or False",
        ),
        (
            lambda: gn.fit(gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), *MOONS, callbacks=1),
            TypeError,
            "callbacks must be a list of glassnet Callbacks or functions",
        ),
        (lambda: gn.load(None), TypeError, r"path must be a file name \(str or Path\), got None"),
        (lambda: gn.LeakyReLU("x"), TypeError, "alpha must be a finite number >= 0, got 'x'"),
        (lambda: gn.ELU(0), ValueError, "alpha must be a finite number > 0, got 0"),
        (
            lambda: gn.mlp([2, 3, 2], activation=None),
            TypeError,
            "activation must be a string naming an activation",
        ),
        (lambda: gn.mlp([2, 3, 2], batch_norm="x"), TypeError, "batch_norm must be True or False"),
        (
            lambda: gn.Sequential([gn.Dense(2, 3), gn.BatchNorm(5), gn.Dense(3, 2)]),
            ValueError,
            r"layers\[1\] takes 5 inputs but layers\[0\] gives 3 outputs",
        ),
        (lambda: datasets.moons(seed="x"), TypeError, "seed must be an integer between 0 and"),
        (lambda: datasets.spirals(seed=-1), ValueError, "seed must be an integer between 0 and"),
        (
            lambda: datasets.moons(n_samples=10**13),
            ValueError,
            r"n_samples=10,000,000,000,000 needs about .* GiB, more than this machine's",
        ),
    ],
)
def test_the_engine_names_a_bad_argument(call, error, message):
    """Before: NumPy's or Python's words ('int' object is not iterable, could not convert
    string to float, Cannot cast scalar from dtype('<U1'), a MemoryError), a string taken
    as True, or a BatchNorm of the wrong width found only when training."""
    with pytest.raises(error, match=message):
        call()


def test_a_dataset_seed_still_gives_the_same_points():
    """The checked seed feeds the same generator: the post's first point (make_moons with
    RandomState(0), as sklearn draws it)."""
    import sklearn.datasets

    X, y = datasets.moons()
    X0, y0 = sklearn.datasets.make_moons(200, noise=0.2, random_state=np.random.RandomState(0))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


# ------------------------------------------------------------------ plots and animations
NET = gn.mlp([2, 4, 2], seed=0)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda X, y: plotting.plot_decision_boundary(NET, X, y[:5]),
            ValueError,
            r"y must hold one label for each of the 40 rows of X, got shape \(5,\)",
        ),
        (
            lambda X, y: plotting.plot_decision_boundary(NET, X, y, resolution=0),
            ValueError,
            "resolution must be an integer between 2 and 4000, got 0",
        ),
        (
            lambda X, y: plotting.plot_decision_boundary(NET, X, y, resolution=10**9),
            ValueError,
            "resolution must be an integer between 2 and 4000, got 1000000000",
        ),
        (
            lambda X, y: plotting.plot_decision_boundary(NET, X, y, pad=-1),
            ValueError,
            "pad must be a finite number >= 0, got -1",
        ),
        (
            lambda X, y: plotting.plot_decision_boundary(NET, X[:0], y[:0]),
            ValueError,
            r"X of shape \(n_samples >= 1, 2\), got \(0, 2\)",
        ),
        (
            lambda X, y: plotting.plot_neurons(NET, X, resolution="x"),
            TypeError,
            "resolution must be an integer",
        ),
        (
            lambda X, y: plotting.plot_data(X, y[:3]),
            ValueError,
            "y must hold one label for each of the 40 rows",
        ),
    ],
)
def test_plots_name_a_bad_argument(call, error, message):
    """Before: IndexError (boolean index did not match), 'zero-size array to reduction
    operation', or a MemoryError for 10**18 grid points."""
    with pytest.raises(error, match=message):
        call(*MOONS)


@pytest.mark.parametrize(
    "kw, error, message",
    [
        ({"fps": 0}, ValueError, "fps must be a finite number > 0, got 0"),
        ({"resolution": 0}, ValueError, "resolution must be an integer between 2 and 4000"),
        ({"y_rows": 5}, ValueError, "y must hold one label for each of the 40 rows"),
        ({"path": None}, TypeError, "path must be a file path ending in .gif or .mp4"),
    ],
)
def test_an_animation_checks_its_arguments_before_training(
    kw, error, message, tmp_path, monkeypatch
):
    """fps=0 raised ZeroDivisionError in matplotlib, after the whole training run."""

    def never(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(animation, "fit", never)
    X, y = MOONS
    y = y[: kw.pop("y_rows", len(y))]
    kw.setdefault("path", tmp_path / "a.gif")
    with pytest.raises(error, match=message):
        animation.animate_training(NET, gn.SoftmaxCrossEntropy(), X, y, epochs=5, **kw)


# ------------------------------------------------------------------ the command line
@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["sweep", "--data", "iris", "--n-samples", "100", "--param", "hidden", "--values", "2"],
            "glassnet sweep: error: --n-samples and --noise do not apply to iris",
        ),
        (
            ["train", "--epochs", "5", "--plot", "out.txt"],
            "glassnet train: error: --plot out.txt: .txt is not a picture format; use one of",
        ),
    ],
)
def test_command_line_refuses_before_any_work(argv, message, capsys, monkeypatch, tmp_path):
    """Before: a TypeError's words (iris() got an unexpected keyword argument), or the
    figure's format refused by matplotlib only after training."""
    import glassnet.apps._train_run as train_run

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(train_run, "Run", None)  # building the run would fail loudly
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and "Traceback" not in err, err


def test_noise_zero_is_a_noise_level():
    """``--noise 0`` was dropped by the sweep (0 is falsy): the default 0.2 was used."""
    from glassnet.apps._common import named_data

    X, y = named_data("moons", n_samples=50, noise=0)
    X0, _ = datasets.moons(n_samples=50, noise=0)
    np.testing.assert_array_equal(X, X0)
    assert not np.array_equal(X, datasets.moons(n_samples=50)[0])


# ------------------------------------------------------------------ edited model files
def _edit_fitted(path, key, value):
    """Rewrite the saved estimator's fitted attribute ``key`` (its JSON description)."""
    import io
    import json
    import zipfile

    from glassnet.modelfile import META_KEY

    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    desc = np.lib.format.read_array(io.BytesIO(members[META_KEY + ".npy"]))
    meta = json.loads(str(desc))
    meta["fitted"][key] = value
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array(json.dumps(meta)))
    members[META_KEY + ".npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("n_iter_", "x", "n_iter_ must be an integer >= 0, got 'x'"),
        ("t_", -5, "t_ must be an integer >= 0, got -5"),
        ("loss_", True, "loss_ must be a number, got True"),
        ("best_loss_", "low", "best_loss_ must be a number or null, got 'low'"),
        ("out_activation_", "os.system", "out_activation_ must be one of softmax"),
        ("loss_curve_", [0.5, "x"], r"loss_curve_ must be a list of numbers or null"),
        ("coefs_", [1], "unknown fitted attribute 'coefs_'"),
    ],
)
def test_an_edited_estimator_file_is_refused_on_loading(data, tmp_path, key, value, message):
    """Such files loaded, and failed later (predict, a warm start) with Python's words."""
    X, y = data
    path = gn.save(_clf().fit(X, y), tmp_path / "clf.npz")
    gn.load(path)  # the file as saved loads
    _edit_fitted(path, key, value)
    with pytest.raises(gn.ModelFileError, match=message):
        gn.load(path)


@pytest.mark.parametrize("method", ["predict_proba", "predict_classes"])
def test_a_network_refuses_to_predict_on_nan(method):
    """NaN rows gave NaN probabilities and, through argmax, class 0, silently."""
    net = gn.mlp([2, 3, 2], seed=0)
    X = np.array([[0.0, 1.0], [np.nan, 0.0]])
    with pytest.raises(
        ValueError, match=r"X must be finite; it has 1 non-finite .*\(NaN\) at \[1, 0\]"
    ):
        getattr(net, method)(X)
    assert getattr(net, method)(X[:1]).shape[0] == 1  # finite rows still predict
