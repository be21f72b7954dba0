"""NetClassifier/NetRegressor behave as MLPClassifier/MLPRegressor (scikit-learn 1.9) in
what a scikit-learn user relies on (issue 13). Every test runs scikit-learn's estimator
on the same data in the same test and compares: numbers to 1e-10 where the computation
is the same, errors and warnings by type and message."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

import glassnet as gn

TOL = 1e-10


def _same_params(a, b, atol=TOL):
    assert len(a.coefs_) == len(b.coefs_)
    for pa, pb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_allclose(pa, pb, rtol=0, atol=atol)


def _both(ours, theirs, calls):
    """Run ``calls(est)`` on both estimators, ignoring ConvergenceWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        calls(ours)
        calls(theirs)
    return ours, theirs


@pytest.fixture
def iris():
    X, y = load_iris(return_X_y=True)
    return X / 8.0, y


@pytest.fixture
def multilabel():
    return make_multilabel_classification(50, random_state=0, return_indicator=True)


# ----------------------------------------------------------------- 1. multilabel
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_multilabel_targets_as_sklearn(multilabel, solver):
    X, Y = multilabel
    kw = dict(hidden_layer_sizes=(8,), solver=solver, max_iter=20, random_state=0)
    a, b = _both(gn.NetClassifier(**kw), MLPClassifier(**kw), lambda e: e.fit(X, Y))
    assert a.out_activation_ == b.out_activation_ == "logistic"
    np.testing.assert_array_equal(a.classes_, b.classes_)
    _same_params(a, b)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=TOL)
    assert a.predict_proba(X).shape == (50, 5)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=TOL)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_multilabel_with_lbfgs_predicts_an_indicator_matrix(multilabel):
    X, Y = multilabel
    a, b = _both(
        gn.NetClassifier(solver="lbfgs", random_state=0),
        MLPClassifier(solver="lbfgs", random_state=0),
        lambda e: e.fit(X, Y),
    )
    assert a.predict(X).shape == b.predict(X).shape == Y.shape
    assert set(np.unique(a.predict(X))) <= {0, 1}
    assert a.score(X, Y) == pytest.approx(b.score(X, Y), abs=0.05)


# ----------------------------------------------------------------- 2. sparse X
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_sparse_X_as_sklearn(iris, fmt, solver):
    X, y = iris
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    kw = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=15, random_state=0)
    a, b = _both(gn.NetClassifier(**kw), MLPClassifier(**kw), lambda e: e.fit(Xs, y))
    _same_params(a, b, atol=1e-8 if solver == "lbfgs" else TOL)
    np.testing.assert_allclose(a.predict_proba(Xs), b.predict_proba(Xs), atol=1e-8)
    np.testing.assert_allclose(a.predict_proba(Xs), a.predict_proba(X), atol=1e-12)
    dense = gn.NetClassifier(**kw)
    _both(dense, dense, lambda e: e.fit(X, y))
    # sparse and dense X: the same model (L-BFGS's line searches amplify the last-bit
    # differences between the sparse and the dense product to about 1e-12)
    _same_params(a, dense, atol=TOL if solver == "lbfgs" else 1e-12)


def test_sparse_X_is_never_densified():
    # 100000 x 100000: 80 GB as a dense array, a few MB as CSR
    rng = np.random.RandomState(0)
    n = 100_000
    rows, cols = np.repeat(np.arange(n), 2), rng.randint(0, n, 2 * n)
    X = sp.csr_matrix((rng.rand(2 * n), (rows, cols)), shape=(n, n))
    y = (np.asarray(X.sum(axis=1)).ravel() > 1).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = gn.NetClassifier(hidden_layer_sizes=(3,), max_iter=1, random_state=0).fit(X, y)
        reg = gn.NetRegressor(hidden_layer_sizes=(3,), max_iter=1, random_state=0).fit(X, y)
    assert clf.predict(X[:10]).shape == (10,)
    assert clf.partial_fit(X[:500], y[:500]).n_iter_ == 1
    assert reg.predict(X).shape == (n,)


# ----------------------------------------------------------------- 3. parameters
def test_poisson_loss_as_sklearn():
    rng = np.random.RandomState(0)
    X = rng.rand(120, 3)
    y = rng.poisson(np.exp(X @ [1.0, -0.5, 0.3]))
    kw = dict(loss="poisson", hidden_layer_sizes=(5,), max_iter=25, random_state=0)
    a, b = _both(gn.NetRegressor(**kw), MLPRegressor(**kw), lambda e: e.fit(X, y))
    assert a.out_activation_ == b.out_activation_ == "exp"
    _same_params(a, b)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=TOL)
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=TOL)
    assert (a.predict(X) > 0).all()


def test_n_iter_no_change_inf_as_sklearn(iris):
    X, y = iris
    kw = dict(n_iter_no_change=np.inf, tol=1.0, max_iter=12, random_state=0)
    a, b = _both(gn.NetClassifier(**kw), MLPClassifier(**kw), lambda e: e.fit(X, y))
    assert a.n_iter_ == b.n_iter_ == 12
    _same_params(a, b)


# ----------------------------------------------------------------- 4, 7. repeated calls
def _warm_fit_twice(est, X, y):
    est.fit(X, y)
    est.fit(X, y)


CALLS = {
    "partial_fit x2": lambda e, X, y: [e.partial_fit(X, y, classes=[0, 1, 2]) for _ in range(2)],
    "adam partial_fit x5": lambda e, X, y: [
        e.partial_fit(X, y, classes=[0, 1, 2]) for _ in range(5)
    ],
    "warm start refit": _warm_fit_twice,
    "warm start, early stopping": _warm_fit_twice,
    "invscaling, two one-epoch fits": _warm_fit_twice,
    "adaptive, warm start": _warm_fit_twice,
}
KWARGS = {
    "partial_fit x2": dict(solver="sgd"),
    "adam partial_fit x5": dict(solver="adam"),
    "warm start refit": dict(warm_start=True, max_iter=3),
    "warm start, early stopping": dict(warm_start=True, max_iter=4, early_stopping=True),
    "invscaling, two one-epoch fits": dict(
        solver="sgd", learning_rate="invscaling", warm_start=True, max_iter=1
    ),
    "adaptive, warm start": dict(
        solver="sgd",
        learning_rate="adaptive",
        warm_start=True,
        max_iter=8,
        tol=0.5,
        n_iter_no_change=1,
    ),
}


@pytest.mark.parametrize("case", list(CALLS))
def test_repeated_calls_give_sklearns_model(iris, case):
    # scikit-learn re-derives its random stream from random_state on every call and
    # counts n_iter_ per call; t_ counts the samples of all calls
    X, y = iris
    kw = dict(hidden_layer_sizes=(5,), random_state=0, **KWARGS[case])
    a, b = _both(gn.NetClassifier(**kw), MLPClassifier(**kw), lambda e: CALLS[case](e, X, y))
    _same_params(a, b)
    assert (a.n_iter_, a.t_) == (b.n_iter_, b.t_)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=TOL)
    if b.validation_scores_ is not None:
        np.testing.assert_allclose(a.validation_scores_, b.validation_scores_, rtol=TOL)
    if b.solver == "sgd":  # the rate after the calls (invscaling, adaptive)
        assert a._optimizer.lr == pytest.approx(b._optimizer.learning_rate, rel=1e-12)


def test_n_iter_counts_each_call(iris):
    X, y = iris
    kw = dict(warm_start=True, max_iter=3, random_state=0)
    a, b = _both(gn.NetClassifier(**kw), MLPClassifier(**kw), lambda e: _warm_fit_twice(e, X, y))
    assert a.n_iter_ == b.n_iter_ == 3
    c, d = _both(
        gn.NetClassifier(random_state=0),
        MLPClassifier(random_state=0),
        lambda e: [e.partial_fit(X, y, classes=[0, 1, 2]) for _ in range(5)],
    )
    assert c.n_iter_ == d.n_iter_ == 1 and c.t_ == d.t_ == 5 * len(y)


# ----------------------------------------------------------------- 5. other classes
def test_warm_start_with_other_classes_raises_as_sklearn(iris):
    X, y = iris
    for est in (gn.NetClassifier, MLPClassifier):
        clf = est(warm_start=True, max_iter=2, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same"):
            clf.fit(X[y < 2], y[y < 2])


# ----------------------------------------------------------------- 6. L-BFGS warnings
@pytest.mark.parametrize("kw", [dict(max_fun=10), dict(max_iter=5)])
def test_lbfgs_convergence_warning_as_sklearn(iris, kw):
    X, y = iris
    messages = []
    for est in (gn.NetClassifier, MLPClassifier):
        with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge after") as rec:
            clf = est(solver="lbfgs", random_state=0, **kw).fit(X, y)
        messages.append([str(w.message) for w in rec if w.category is ConvergenceWarning])
        messages.append(clf.n_iter_)
    assert messages[0] == messages[2] and messages[1] == messages[3]


# ----------------------------------------------------------------- 8. partial_fit
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_partial_fit_exists_where_sklearn_has_it(solver):
    assert hasattr(gn.NetClassifier(solver=solver), "partial_fit") == hasattr(
        MLPClassifier(solver=solver), "partial_fit"
    )
    # MLPRegressor's available_if forgets to call its check (so it always has
    # partial_fit); NetRegressor follows MLPClassifier's rule
    assert hasattr(gn.NetRegressor(solver=solver), "partial_fit") == (solver != "lbfgs")


# ----------------------------------------------------------------- 9, 10. divergence
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_non_finite_parameters_raise_valueerror_as_sklearn(solver):
    # scikit-learn's test_nonfinite_params
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    y = rng.standard_normal(size=10)
    for est in (gn.NetRegressor, MLPRegressor):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"):
                est(solver=solver, max_iter=5, random_state=0).fit(X, y)


def test_divergence_with_early_stopping_as_sklearn():
    # the loss grows by 10^40 and then becomes inf and NaN: scikit-learn carries on,
    # records NaN validation scores, and restores the best parameters
    X, y = make_regression(200, 5, noise=1, random_state=0)
    kw = dict(solver="sgd", learning_rate_init=0.05, early_stopping=True, random_state=0)
    a, b = _both(
        gn.NetRegressor(max_iter=30, **kw), MLPRegressor(max_iter=30, **kw), lambda e: e.fit(X, y)
    )
    assert a.n_iter_ == b.n_iter_ == 30
    assert np.isnan(b.validation_scores_).any()
    np.testing.assert_allclose(a.validation_scores_, b.validation_scores_, rtol=TOL)
    _same_params(a, b)
    assert a.best_validation_score_ == pytest.approx(b.best_validation_score_, rel=TOL)


# ----------------------------------------------------------------- 11. verbose
def _numbers(text):
    return [float(v) for v in re.findall(r"= ([-0-9.e+]+)", text)]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_prints_sklearns_lines(iris, capsys, early_stopping):
    X, y = iris
    kw = dict(verbose=True, max_iter=4, random_state=0, early_stopping=early_stopping)
    out = []
    for est in (gn.NetClassifier, MLPClassifier):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est(**kw).fit(X, y)
        out.append(capsys.readouterr().out)
    assert re.sub(r"[0-9.]+", "#", out[0]) == re.sub(r"[0-9.]+", "#", out[1])
    assert out[0].startswith("Iteration 1, loss = ")
    np.testing.assert_allclose(_numbers(out[0]), _numbers(out[1]), rtol=1e-7)


# ----------------------------------------------------------------- 12, 13. labels
def test_a_single_class_fits_and_predicts_it(iris):
    X, _ = iris
    y = np.full(len(X), "only")
    a, b = _both(
        gn.NetClassifier(max_iter=5, random_state=0),
        MLPClassifier(max_iter=5, random_state=0),
        lambda e: e.fit(X, y),
    )
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert set(a.predict(X)) == {"only"}
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=TOL)


def test_messages_name_the_users_labels():
    X = np.random.RandomState(0).rand(20, 2)
    y = np.array([True] * 19 + [False])
    messages = []
    for est in (gn.NetClassifier, MLPClassifier):
        with pytest.raises(ValueError) as err:
            est(early_stopping=True, random_state=0).fit(X, y)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "['False']" in messages[0]


# ----------------------------------------------------------------- 14. attributes
def test_coefs_and_intercepts_are_assignable(iris):
    X, y = iris
    a, b = _both(
        gn.NetClassifier(max_iter=3, random_state=1),
        MLPClassifier(max_iter=30, random_state=0),
        lambda e: e.fit(X, y),
    )
    a.coefs_ = [c.copy() for c in b.coefs_]
    a.intercepts_ = [c.copy() for c in b.intercepts_]
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-12)
    with pytest.raises(ValueError, match="coefs_ must be a list of arrays of shapes"):
        a.coefs_ = [np.zeros((2, 2))]


def test_regressor_on_a_column_predicts_1d():
    X, y = make_regression(60, 3, random_state=0)
    for est in (gn.NetRegressor, MLPRegressor):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg = est(max_iter=3, random_state=0).fit(X, y.reshape(-1, 1))
        assert reg.predict(X).shape == (60,)


def test_lbfgs_attributes_as_sklearn(iris):
    X, y = iris
    a, b = _both(
        gn.NetClassifier(solver="lbfgs", max_iter=20, random_state=0),
        MLPClassifier(solver="lbfgs", max_iter=20, random_state=0),
        lambda e: e.fit(X, y),
    )
    for name in ("loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
        assert hasattr(a, name) == hasattr(b, name), name
    assert a.t_ == b.t_ and a.n_iter_ == b.n_iter_
    assert a.loss_ == pytest.approx(b.loss_, rel=1e-6)
