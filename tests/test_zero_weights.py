"""Weights of 0: a minibatch whose weights are all 0 holds no data and is skipped (no
step, see ``glassnet.train.loop.no_weight``); weights that are 0 for every row, or for
every training row, are a ValueError naming where they come from."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import glassnet as gn
from glassnet.train.inputs import _split


@pytest.fixture
def data():
    rs = np.random.RandomState(0)
    X = rs.randn(30, 3)
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _clf(**kw):
    kw = {"hidden_layer_sizes": (4,), "max_iter": 4, "random_state": 0, **kw}
    return gn.NetClassifier(**kw)


def _quiet_fit(est, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kw)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_class_weight_of_zero_for_every_class_is_a_value_error(data, solver):
    X, y = data
    clf = _clf(solver=solver, class_weight={0: 0, 1: 0})
    with pytest.raises(ValueError, match="^class_weight .* is 0 for every row"):
        clf.fit(X, y)


def test_class_weight_times_sample_weight_of_zero_is_a_value_error(data):
    # class 1 weighs 0 and sample_weight puts weight on class 1's rows only: 0 everywhere
    X, y = data
    clf = _clf(class_weight={0: 1.0, 1: 0.0})
    with pytest.raises(ValueError, match="times sample_weight.* is 0 for every row"):
        clf.fit(X, y, sample_weight=(y == 1).astype(float))


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_estimator_skips_a_minibatch_of_zero_weight(data, solver):
    # rows 0..9 weigh 0: with batch_size=10 in order the first batch of every epoch has
    # no weight; skipping it trains on rows 10..29 exactly as a fit on them alone (the
    # same draws, batches and steps; adam's step count included)
    X, y = data
    w = np.r_[np.zeros(10), np.ones(20)]
    a = _quiet_fit(_clf(solver=solver, batch_size=10, shuffle=False), X, y, sample_weight=w)
    b = _quiet_fit(_clf(solver=solver, batch_size=10, shuffle=False), X[10:], y[10:], w[10:])
    assert a.n_iter_ == b.n_iter_ == 4
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(ca, cb)
    # the epoch's loss is scikit-learn's: the batch losses times their lengths over all rows
    np.testing.assert_allclose(a.loss_curve_, np.multiply(b.loss_curve_, 20 / 30), rtol=1e-12)


def test_fit_skips_a_minibatch_of_zero_weight_with_l2_per_example(data):
    # l2_per_example divides l2 by the batch's total weight, 0 for rows 0..9
    X, y = data
    w = np.r_[np.zeros(10), np.ones(20)]
    a, b = gn.mlp([3, 4, 2], seed=0), gn.mlp([3, 4, 2], seed=0)
    kw = dict(batch_size=10, shuffle=False, epochs=3, verbose=0, l2=0.1, l2_per_example=True)
    ha = gn.fit(a, gn.SoftmaxCrossEntropy(), X, y, sample_weight=w, optimizer=gn.Adam(), **kw)
    gn.fit(
        b, gn.SoftmaxCrossEntropy(), X[10:], y[10:], sample_weight=w[10:], optimizer=gn.Adam(), **kw
    )
    np.testing.assert_array_equal(a.theta, b.theta)
    assert np.isfinite(ha.history["loss"]).all()


def test_estimator_early_stopping_split_with_no_weight_on_one_side(data):
    # one row weighs 1: after holding out half of the rows either the training or the
    # validation rows weigh 0 in all (their weighted mean loss and score are 0/0)
    X, y = data
    w = np.zeros(30)
    w[7] = 1.0
    clf = _clf(early_stopping=True, validation_fraction=0.5)
    with pytest.raises(ValueError, match="sample_weight is 0 for every (training|validation) row"):
        clf.fit(X, y, sample_weight=w)


def test_fit_with_no_weight_on_the_training_rows_is_a_value_error(data):
    X, y = data
    order, n_train = _split(len(X), y, 0.5, 0)  # the split fit draws from seed=0
    w = np.zeros(30)
    w[order[n_train:]] = 1.0  # weight on the validation rows only
    net = gn.mlp([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match="sample_weight is 0 for every training row"):
        gn.fit(
            net,
            gn.SoftmaxCrossEntropy(),
            X,
            y,
            sample_weight=w,
            validation_fraction=0.5,
            seed=0,
            verbose=0,
        )
