"""One training loop for ``fit`` and the estimators (issue 24, items 1 and 2): the step is
one function, ``glassnet.train.loop.step``; a sparse X goes through the first Dense
layer; the estimators train through ``TrainingRun`` with scikit-learn's rules."""

import numpy as np
import pytest
import scipy.sparse as sp

import glassnet as gn
from glassnet.data import datasets
from glassnet.train.loop import TrainingRun, step


@pytest.fixture
def moons():
    return datasets.moons()  # the post's 200 rows


def test_one_step_is_one_full_batch_epoch_of_fit(moons):
    # the post's setup: one full-batch epoch of fit is one step, bit for bit
    X, y = moons
    a, b = (
        gn.mlp([2, 3, 2], activation="tanh", seed=0),
        gn.mlp([2, 3, 2], activation="tanh", seed=0),
    )
    loss = gn.SoftmaxCrossEntropy(reduction="sum")
    gn.fit(a, loss, X, y, optimizer=gn.SGD(lr=0.01), epochs=1, l2=0.01, verbose=0)
    data_loss, out = step(b, loss, X, y, l2=0.01, optimizer=gn.SGD(lr=0.01))
    assert np.array_equal(a.theta, b.theta)
    assert out.shape == (200, 2) and data_loss > 0


def test_step_without_optimizer_only_fills_the_gradient(moons):
    X, y = moons
    net = gn.mlp([2, 3, 2], activation="tanh", seed=0)
    before = net.theta.copy()
    step(net, gn.SoftmaxCrossEntropy(), X, y, l2=0.01)
    assert np.array_equal(net.theta, before)
    assert np.abs(net.grad).max() > 0


def test_a_sparse_X_goes_through_the_first_dense_layer(moons):
    # forward and backward on CSR rows give the dense rows' outputs and gradients
    # (to the last bits of a sparse-dense against a dense product)
    X, y = moons
    net = gn.mlp([2, 4, 2], activation="tanh", seed=0)
    loss = gn.SoftmaxCrossEntropy()
    step(net, loss, X, y, l2=0.01)
    dense_grad = net.grad.copy()
    dense_out = net.forward(X)
    step(net, loss, sp.csr_matrix(X), y, l2=0.01)
    np.testing.assert_allclose(net.grad, dense_grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.forward(sp.csr_matrix(X)), dense_out, rtol=1e-12)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_estimators_train_through_the_loop(moons, solver):
    # the callbacks' fit_state is the loop's run, and the history splits the loss as
    # fit's does: loss = data loss + alpha's penalty
    X, y = moons
    states = []
    cb = gn.LambdaCallback(on_epoch_end=lambda epoch, logs: states.append(cb.fit_state))
    clf = gn.NetClassifier(
        hidden_layer_sizes=(5,),
        solver=solver,
        max_iter=5,
        alpha=0.1,
        random_state=0,
        callbacks=[cb],
    )
    with pytest.warns(Warning):  # 5 iterations: not converged
        clf.fit(X, y)
    assert isinstance(states[0], TrainingRun)
    h = clf.history_
    assert len(h["loss"]) == 5
    np.testing.assert_allclose(h["loss"], np.add(h["data_loss"], h["penalty"]), rtol=1e-12)
    assert min(h["penalty"]) > 0
