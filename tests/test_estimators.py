"""NetClassifier and NetRegressor: scikit-learn's own checks, drop-in use, and extras."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris, make_moons, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import glassnet as gn
from glassnet import tutorial


@parametrize_with_checks([gn.NetClassifier(max_iter=50), gn.NetRegressor(max_iter=50)])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (gn.NetClassifier(max_iter=50), MLPClassifier(max_iter=50)),
        (gn.NetRegressor(max_iter=50), MLPRegressor(max_iter=50)),
    ],
)
def test_at_least_sklearns_estimator_checks(ours, theirs):
    # every check scikit-learn runs on its MLP runs on ours (multilabel, sparse X, ...);
    # test_sklearn_estimator_checks above runs them all
    from sklearn.utils.estimator_checks import estimator_checks_generator

    def names(est):
        return {
            getattr(check, "func", check).__name__
            for _, check in estimator_checks_generator(est, expected_failed_checks={})
        }

    assert names(theirs) <= names(ours)


def _params(cls):
    import inspect

    return {
        k: v.default for k, v in inspect.signature(cls.__init__).parameters.items() if k != "self"
    }


@pytest.mark.parametrize(
    "ours, theirs", [(gn.NetClassifier, MLPClassifier), (gn.NetRegressor, MLPRegressor)]
)
def test_same_parameters_and_defaults_as_sklearn(ours, theirs):
    mine, skl = _params(ours), _params(theirs)
    for name, default in skl.items():
        assert name in mine, name
        assert mine[name] == default, name


FITTED = [
    "classes_",
    "coefs_",
    "intercepts_",
    "loss_",
    "best_loss_",
    "loss_curve_",
    "validation_scores_",
    "best_validation_score_",
    "n_iter_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
    "n_features_in_",
    "t_",
]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_same_fitted_attributes_as_sklearn(early_stopping):
    X, y = load_iris(return_X_y=True)
    kw = dict(hidden_layer_sizes=(7, 5), max_iter=30, random_state=0, early_stopping=early_stopping)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a, b = gn.NetClassifier(**kw).fit(X, y), MLPClassifier(**kw).fit(X, y)
    for name in FITTED:
        va, vb = getattr(a, name), getattr(b, name)
        assert type(va) is type(vb) or (np.isscalar(va) and np.isscalar(vb)), name
        if name in ("coefs_", "intercepts_"):
            assert [c.shape for c in va] == [c.shape for c in vb]
        elif name in ("classes_", "n_layers_", "n_outputs_", "out_activation_", "n_features_in_"):
            np.testing.assert_array_equal(va, vb)
        elif name in ("loss_curve_", "validation_scores_") and vb is not None:
            assert len(va) == len(vb) == a.n_iter_
    assert a.n_iter_ == b.n_iter_
    assert len(a.validation_loss_curve_) == (a.n_iter_ if early_stopping else 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"solver": "sgd"},
        {"solver": "sgd", "learning_rate": "invscaling"},
        {"solver": "sgd", "learning_rate": "adaptive", "nesterovs_momentum": False},
        {"early_stopping": True},
        {"solver": "lbfgs"},
        {"activation": "tanh", "batch_size": 64, "alpha": 0.01},
        {"activation": "logistic", "shuffle": False},
    ],
)
def test_same_model_as_sklearn_for_the_same_random_state(kwargs):
    # Same initial draws, same shuffles, same split, same updates: scikit-learn's MLP and
    # glassnet's agree to rounding (L-BFGS to its line-search tolerance).
    X, y = load_digits(return_X_y=True)
    X = X / 16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = gn.NetClassifier(max_iter=30, random_state=0, **kwargs).fit(X, y)
        b = MLPClassifier(max_iter=30, random_state=0, **kwargs).fit(X, y)
    assert a.n_iter_ == b.n_iter_
    tol = 1e-6 if kwargs.get("solver") == "lbfgs" else 1e-10
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_allclose(ca, cb, atol=tol)
    if hasattr(b, "loss_curve_"):  # scikit-learn keeps no loss curve for L-BFGS
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=tol)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_binary_output_matches_sklearn_and_post_option():
    X, y = make_moons(200, noise=0.2, random_state=0)
    clf = gn.NetClassifier(hidden_layer_sizes=(5,), max_iter=300, random_state=0).fit(X, y)
    assert clf.out_activation_ == "logistic" and clf.coefs_[-1].shape == (5, 1)
    two = gn.NetClassifier(
        hidden_layer_sizes=(5,), max_iter=300, random_state=0, binary_output="softmax"
    ).fit(X, y)
    assert two.out_activation_ == "softmax" and two.coefs_[-1].shape == (5, 2)
    for c in (clf, two):
        p = c.predict_proba(X)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
        np.testing.assert_array_equal(c.classes_[p.argmax(axis=1)], c.predict(X))
        np.testing.assert_allclose(np.exp(c.predict_log_proba(X)), p)


def test_posts_setup_through_parameters():
    X, y = tutorial.moons(0)
    clf = gn.NetClassifier(
        hidden_layer_sizes=(3,),
        activation="tanh",
        solver="sgd",
        alpha=0.01,
        batch_size=None,
        learning_rate_init=0.01 * len(X),
        momentum=0,
        max_iter=300,
        tol=0,
        n_iter_no_change=10**6,
        shuffle=False,
        binary_output="softmax",
        init="scaled_normal",
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    model = tutorial.build_model(X, y, 3, num_passes=300)
    # the mean loss with alpha / n and lr * n is the post's summed loss: same parameters
    np.testing.assert_allclose(clf.coefs_[0], model["W1"], atol=1e-9)
    np.testing.assert_allclose(clf.coefs_[1], model["W2"], atol=1e-9)
    np.testing.assert_allclose(clf.intercepts_[1], model["b2"][0], atol=1e-9)


def test_string_and_non_contiguous_labels():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = gn.NetClassifier(max_iter=300, random_state=0).fit(X, names)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert np.mean(clf.predict(X) == names) > 0.9
    odd = np.array([-5, 10, 42])[y]
    clf = gn.NetClassifier(max_iter=300, random_state=0).fit(X[::-1][::2], odd[::-1][::2])
    assert set(clf.predict(X)) <= {-5, 10, 42}


def test_pipeline_gridsearch_cross_val_clone_pickle():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(), gn.NetClassifier(max_iter=200, learning_rate_init=0.01, random_state=0)
    )
    grid = GridSearchCV(pipe, {"netclassifier__hidden_layer_sizes": [(5,), (20,)]}, cv=3, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
        scores = cross_val_score(clone(pipe), X, y, cv=3)
    assert grid.best_score_ > 0.9 and scores.mean() > 0.9
    clf = grid.best_estimator_
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    fresh = clone(clf)
    assert not hasattr(fresh[-1], "net_")


def test_partial_fit_and_warm_start():
    # as scikit-learn: n_iter_ counts the epochs of the last call (one for partial_fit)
    X, y = load_iris(return_X_y=True)
    clf = gn.NetClassifier(random_state=0, learning_rate_init=0.01)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    for _ in range(50):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and clf.t_ == 50 * len(y) and clf.score(X, y) > 0.9
    warm = gn.NetClassifier(max_iter=5, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.fit(X, y)
        first = warm.coefs_[0].copy()
        warm.fit(X, y)
    assert warm.n_iter_ == 5 and len(warm.loss_curve_) == 10
    assert not np.array_equal(first, warm.coefs_[0])


def test_multi_output_regression():
    X, Y = make_regression(300, 5, n_targets=3, noise=1.0, random_state=0)
    reg = gn.NetRegressor(
        hidden_layer_sizes=(32,), max_iter=2000, learning_rate_init=0.01, random_state=0
    ).fit(X, Y / 100)
    assert reg.predict(X).shape == (300, 3) and reg.n_outputs_ == 3
    assert reg.score(X, Y / 100) > 0.95


def test_more_than_sklearn():
    X, y = make_moons(300, noise=0.25, random_state=1)
    seen = []
    clf = gn.NetClassifier(
        hidden_layer_sizes=(16, 16),
        activation=["tanh", "elu"],
        dropout=0.1,
        early_stopping=True,
        max_iter=100,
        random_state=0,
        learning_rate_init=0.01,
        callbacks=[lambda e, logs: seen.append(e)],
    )
    clf.fit(X, y)
    assert [type(a).__name__ for a in clf.net_.layers if a.name in ("tanh", "elu")] == [
        "Tanh",
        "ELU",
    ]
    assert len(seen) == clf.n_iter_ == len(clf.validation_loss_curve_)
    # class_weight: a huge weight on class 1 makes it predicted almost everywhere
    heavy = gn.NetClassifier(
        hidden_layer_sizes=(8,), class_weight={0: 1.0, 1: 50.0}, max_iter=200, random_state=0
    ).fit(X, y)
    assert np.mean(heavy.predict(X) == 1) > 0.6
    # sample_weight of 0 ignores rows
    w = (y == 0).astype(float) + 1e-9
    only0 = gn.NetClassifier(hidden_layer_sizes=(8,), max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        only0.fit(X, y, sample_weight=w)
    assert np.mean(only0.predict(X) == 0) > 0.9


@pytest.mark.parametrize(
    "name, data",
    [
        ("iris", lambda: load_iris(return_X_y=True)),
        ("moons", lambda: make_moons(1000, noise=0.3, random_state=0)),
        ("digits", lambda: load_digits(return_X_y=True)),
    ],
)
def test_as_accurate_as_sklearn(name, data):
    X, y = data()
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = cross_val_score(gn.NetClassifier(random_state=0), X, y, cv=cv).mean()
        theirs = cross_val_score(MLPClassifier(random_state=0), X, y, cv=cv).mean()
    assert ours >= theirs - 0.01, (name, ours, theirs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"solver": "newton"}, "solver must be one of 'adam', 'lbfgs', 'sgd', got 'newton'"),
        ({"activation": "tahn"}, "did you mean 'tanh'"),
        (
            {"hidden_layer_sizes": (3, 0)},
            r"hidden_layer_sizes\[1\] must be an integer >= 1, got 0$",
        ),
        (
            {"hidden_layer_sizes": "10"},
            "hidden_layer_sizes must be an integer >= 1 or a sequence of them, "
            "got '10' of type str",
        ),
        ({"learning_rate_init": 0}, "learning_rate_init must be a finite number > 0, got 0"),
        ({"dropout": 1.0}, "dropout must be"),
        ({"batch_size": 0}, "batch_size must be"),
        # refused with any solver (scikit-learn takes it): a velocity that never decays
        ({"momentum": 1, "solver": "sgd"}, r"momentum must be a number in \[0, 1\), got 1$"),
        ({"momentum": 1, "solver": "adam"}, r"momentum must be a number in \[0, 1\), got 1$"),
    ],
)
def test_bad_parameters_fail_in_fit(kwargs, match):
    X, y = load_iris(return_X_y=True)
    clf = gn.NetClassifier(**kwargs)  # __init__ only stores
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "case", ["multilabel", "single class", "lbfgs", "poisson", "binary softmax"]
)
def test_model_file_keeps_the_new_kinds_of_model(tmp_path, case):
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(40, random_state=0, return_indicator=True)
    kw = dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    est, y = {
        "multilabel": (gn.NetClassifier(**kw), Y),
        "single class": (gn.NetClassifier(**kw), np.full(40, "a")),
        "lbfgs": (gn.NetClassifier(solver="lbfgs", **kw), Y[:, 0]),
        "poisson": (gn.NetRegressor(loss="poisson", **kw), Y.sum(axis=1)),
        "binary softmax": (gn.NetClassifier(binary_output="softmax", **kw), Y[:, 1]),
    }[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    gn.save(est, tmp_path / "m.npz")
    back = gn.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    if hasattr(est, "predict_proba"):
        np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    for name in ("loss_curve_", "best_loss_", "validation_scores_"):
        assert hasattr(back, name) == hasattr(est, name)
