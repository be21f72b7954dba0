"""A warm start (or ``partial_fit``) trains the fitted network further: ``y`` and the
parameters must ask for the output layer it has. Switching between one and two (or
more) outputs is a ValueError naming the change, as scikit-learn's MLPClassifier
refuses changed classes, never an IndexError in ``predict`` or a broadcasting error."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture
def X():
    return np.random.RandomState(0).randn(30, 3)


def _cols(X, k):
    """The first k columns of X as targets (a vector for one)."""
    return X[:, 0] if k == 1 else X[:, :k]


def _est(cls=gn.NetClassifier, **kw):
    return cls(hidden_layer_sizes=(4,), max_iter=2, random_state=0, **kw)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("first, then", [(1, 2), (2, 1), (2, 3)])
def test_regressor_warm_start_with_another_number_of_outputs(X, solver, first, then):
    reg = _est(gn.NetRegressor, warm_start=True, solver=solver).fit(X, _cols(X, first))
    with pytest.raises(ValueError, match=f"ask for {then} identity output.*network has {first}"):
        reg.fit(X, _cols(X, then))


def test_regressor_partial_fit_with_another_number_of_outputs(X):
    reg = _est(gn.NetRegressor).partial_fit(X, X[:, 0])
    with pytest.raises(ValueError, match="ask for 2 identity output.*network has 1 identity"):
        reg.partial_fit(X, X[:, :2])


def test_regressor_warm_start_with_another_loss(X):
    reg = _est(gn.NetRegressor, warm_start=True).fit(X, np.abs(X[:, 0]))
    reg.set_params(loss="poisson")  # exp outputs instead of identity ones
    with pytest.raises(ValueError, match="ask for 1 exp output.*network has 1 identity"):
        reg.fit(X, np.abs(X[:, 0]))


@pytest.mark.parametrize(
    "before, after, match",
    [
        ("logistic", "softmax", "ask for 2 softmax output.*network has 1 logistic"),
        ("softmax", "logistic", "ask for 1 logistic output.*network has 2 softmax"),
    ],
)
def test_classifier_warm_start_with_another_binary_output(X, before, after, match):
    # two classes on one logistic output or on two softmax outputs
    y = np.arange(30) % 2
    clf = _est(warm_start=True, binary_output=before).fit(X, y)
    clf.set_params(binary_output=after)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_classifier_partial_fit_with_another_binary_output(X):
    y = np.arange(30) % 2
    clf = _est().partial_fit(X, y, classes=[0, 1])
    clf.set_params(binary_output="softmax")
    with pytest.raises(ValueError, match="ask for 2 softmax output.*network has 1 logistic"):
        clf.partial_fit(X, y)


@pytest.mark.parametrize("first", ["labels", "multilabel"])
def test_classifier_warm_start_between_labels_and_a_multilabel_matrix(X, first):
    # labels 0/1 and a 2-column indicator matrix both have classes [0, 1]: the classes
    # check lets the switch through, the kind of target does not
    labels, matrix = np.arange(30) % 2, (X[:, :2] > 0).astype(int)
    y1, y2 = (labels, matrix) if first == "labels" else (matrix, labels)
    clf = _est(warm_start=True).fit(X, y1)
    with pytest.raises(ValueError, match="^y is .* but the network was fitted on"):
        clf.fit(X, y2)


@pytest.mark.parametrize("first, then", [(2, 3), (3, 2)])
def test_classifier_warm_start_with_other_classes_names_them(X, first, then):
    # scikit-learn's check and words
    clf = _est(warm_start=True).fit(X, np.arange(30) % first)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same"):
        clf.fit(X, np.arange(30) % then)


def test_loaded_estimator_warm_start_whose_first_epoch_does_not_improve(X, tmp_path):
    # the stopping rule's counter is not in the model file: a loaded estimator whose
    # first warm epoch is no improvement (tol=1e9: none is) counted from a missing one
    reg = _est(gn.NetRegressor).fit(X, X[:, 0])
    loaded = gn.load(gn.save(reg, tmp_path / "reg.npz"))
    loaded.set_params(warm_start=True, tol=1e9, n_iter_no_change=5)
    loaded.fit(X, X[:, 0])
    assert loaded.n_iter_ == 2 and len(loaded.loss_curve_) == 4
