"""Monitor: every statistic against a direct computation on a small network."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.train.monitor import STATS


def _data(rng, n=40):
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def test_stats_shapes_and_epochs(rng):
    X, y = _data(rng)
    net = gn.mlp([3, 5, 4, 2], activation="tanh", seed=0)
    mon = gn.Monitor(every=3)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, epochs=10, callbacks=[mon], verbose=0)
    assert mon.epochs == [0, 3, 6, 9]
    assert mon.layers == ["0.W", "2.W", "4.W"]
    assert set(mon.stats) == set(STATS)
    for key in STATS:
        assert mon.stats[key].shape == (4, 3), key
    assert len(mon.act_hist) == 4 and len(mon.act_hist[0]) == 3
    counts, edges = mon.act_hist[0][0]
    assert counts.sum() == 40 * 5 and edges.size == mon.bins + 1
    # the output layer has no activation: no saturation, no dead units
    assert np.isnan(mon.stats["saturated"][:, 2]).all()
    assert np.isnan(mon.stats["dead"]).all()  # no ReLU anywhere


def test_full_batch_sgd_stats_equal_a_direct_computation(rng):
    """One record after one full-batch SGD step, recomputed by hand from the weights."""
    X, y = _data(rng)
    loss = gn.SoftmaxCrossEntropy()
    net = gn.mlp([3, 5, 2], activation="tanh", seed=0)
    before = net.copy()
    lr = 0.3
    mon = gn.Monitor(every=1)
    gn.fit(net, loss, X, y, optimizer=gn.SGD(lr), epochs=1, callbacks=[mon], verbose=0)
    # the gradient of that step, at the starting weights
    loss.forward(before.forward(X, training=True), y)
    before.backward(loss.backward())
    dW0, dW2 = before.grads["0.W"], before.grads["2.W"]
    W0, W2 = net.params["0.W"], net.params["2.W"]
    s = mon.stats
    np.testing.assert_allclose(s["grad_norm"][0], [np.linalg.norm(dW0), np.linalg.norm(dW2)])
    np.testing.assert_allclose(s["weight_norm"][0], [np.linalg.norm(W0), np.linalg.norm(W2)])
    # the step is lr * dW: its norm over the new weights' norm
    np.testing.assert_allclose(
        s["update_ratio"][0],
        [
            lr * np.linalg.norm(dW0) / np.linalg.norm(W0),
            lr * np.linalg.norm(dW2) / np.linalg.norm(W2),
        ],
    )
    a1 = np.tanh(X @ W0 + net.params["0.b"])  # the hidden activation, after the step
    z2 = a1 @ W2 + net.params["2.b"]
    np.testing.assert_allclose(s["act_mean"][0], [a1.mean(), z2.mean()])
    np.testing.assert_allclose(s["act_std"][0], [a1.std(), z2.std()])
    assert s["saturated"][0, 0] == pytest.approx(np.mean(1 - a1**2 < 0.05))


def test_update_ratio_is_the_last_step_with_minibatches(rng):
    X, y = _data(rng, 64)
    net = gn.mlp([3, 4, 2], seed=0)
    snapshots = []

    class Spy(gn.Callback):
        def on_train_begin(self):
            opt = self.fit_state.optimizer
            inner = opt.step

            def step(theta, grad):
                snapshots.append(theta.copy())
                inner(theta, grad)

            opt.step = step

    mon = gn.Monitor(every=2)
    gn.fit(
        net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(0.05), epochs=3,
        batch_size=16, callbacks=[mon, Spy()], verbose=0, seed=0,
    )  # fmt: skip
    last_before = snapshots[-1]  # before the final step of epoch 2, the last recorded
    W = net.params["0.W"]
    W0 = last_before[net.slices["0.W"]].reshape(W.shape)
    assert mon.epochs == [0, 2]
    expected = np.linalg.norm(W - W0) / np.linalg.norm(W)
    assert mon.stats["update_ratio"][-1, 0] == pytest.approx(expected)


def test_monitor_leaves_the_optimizer_as_it_found_it(rng):
    X, y = _data(rng)
    opt = gn.SGD(0.1)
    gn.fit(gn.mlp([3, 4, 2]), gn.SoftmaxCrossEntropy(), X, y, optimizer=opt, epochs=2,
           callbacks=[gn.Monitor(every=1)], verbose=0)  # fmt: skip
    assert "step" not in vars(opt)


def test_saturated_and_dead_fractions_by_hand():
    from glassnet.train.monitor import activation_stats

    a = np.array([[0.99, 0.0], [-0.999, 0.5]])  # tanh outputs: 1 - a^2 = .0199, 1, .002, .75
    _, _, sat, dead = activation_stats(a, gn.Tanh())
    assert sat == 0.5 and np.isnan(dead)
    s = np.array([[0.999, 0.5], [0.5, 0.01]])  # sigmoid: a(1-a) = .000999, .25, .25, .0099
    assert activation_stats(s, gn.Sigmoid())[2] == 0.5
    r = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])  # unit 0 is zero on every row
    mean, std, sat, dead = activation_stats(r, gn.ReLU())
    assert dead == pytest.approx(1 / 3) and np.isnan(sat)
    assert (mean, std) == (pytest.approx(r.mean()), pytest.approx(r.std()))


def test_dead_relu_units_are_counted_on_the_sample(rng):
    X, y = _data(rng)
    net = gn.mlp([3, 6, 2], activation="relu", seed=0)
    net.params["0.b"][:3] = -100.0  # three of six units can never fire
    mon = gn.Monitor(every=1)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, epochs=1, callbacks=[mon], verbose=0)
    a1 = np.maximum(0, X @ net.params["0.W"] + net.params["0.b"])
    assert mon.stats["dead"][0, 0] == pytest.approx(np.mean(~(a1 > 0).any(axis=0)))
    assert mon.stats["dead"][0, 0] >= 0.5


def test_sample_is_a_subset_and_bad_arguments(rng):
    X, y = _data(rng, 100)
    net = gn.mlp([3, 4, 2], seed=0)
    mon = gn.Monitor(every=1, sample_size=10)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, epochs=2, callbacks=[mon], verbose=0)
    assert mon.sample.shape == (10, 3)
    assert mon.act_hist[0][0][0].sum() == 10 * 4
    assert "epoch 1" in mon.summary()
    with pytest.raises(ValueError, match="^every must be an integer >= 1, got 0$"):
        gn.Monitor(every=0)
    with pytest.raises(
        TypeError, match="^sample_size must be an integer >= 1, got 1.5 of type float$"
    ):
        gn.Monitor(sample_size=1.5)


def test_monitor_with_batchnorm_and_lbfgs(rng):
    X, y = _data(rng)
    net = gn.mlp([3, 4, 4, 2], activation="relu", batch_norm=True, seed=0)
    mon = gn.Monitor(every=1)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(0.01), epochs=2,
           callbacks=[mon], verbose=0)  # fmt: skip
    assert mon.layers == ["0.W", "3.W", "6.W"]  # a BatchNorm sits between Dense and ReLU
    assert np.isfinite(mon.stats["dead"][:, :2]).all()
    net2 = gn.mlp([3, 4, 2], seed=0)
    mon2 = gn.Monitor(every=1)
    gn.fit(net2, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.LBFGS(), epochs=3,
           callbacks=[mon2], verbose=0)  # fmt: skip
    assert (mon2.stats["update_ratio"] > 0).all()


def test_lbfgs_update_ratio_is_one_iterations_change(rng):
    """With L-BFGS the monitor's update is the iteration's: ||W_k - W_(k-1)|| / ||W_k||
    between consecutive iterates (recorded here by a callback), not the change since the
    run began."""
    X, y = _data(rng)
    net = gn.mlp([3, 4, 2], seed=0)
    iterates = [net.theta.copy()]
    keep = gn.LambdaCallback(on_epoch_end=lambda epoch, logs: iterates.append(net.theta.copy()))
    mon = gn.Monitor(every=1)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.LBFGS(), epochs=6,
           callbacks=[keep, mon], verbose=0)  # fmt: skip
    sl = net.slices["0.W"]
    expected = [
        np.linalg.norm(new[sl] - old[sl]) / np.linalg.norm(new[sl])
        for old, new in zip(iterates, iterates[1:])
    ]
    assert len(expected) == len(mon.epochs) >= 4
    np.testing.assert_allclose(mon.stats["update_ratio"][:, 0], expected, rtol=1e-12)


def test_a_monitor_after_a_run_that_raised_does_not_stack_wrappers(rng):
    X, y = _data(rng)
    opt = gn.SGD(0.1)
    net = gn.mlp([3, 4, 2], seed=0)
    stale = gn.Monitor(every=1)
    stale.net, stale.fit_state = net, type("Run", (), {"optimizer": opt, "data": None})()
    stale.fit_state.data = type("D", (), {"X": X})()
    stale.on_train_begin()  # as if fit had raised before on_train_end
    mon = gn.Monitor(every=1)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=opt, epochs=2, callbacks=[mon],
           verbose=0)  # fmt: skip
    assert mon.stats["update_ratio"].shape == (2, 2)
    assert "step" not in vars(opt)  # the stale wrapper is gone too
