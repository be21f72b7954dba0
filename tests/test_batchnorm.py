"""BatchNorm, Adagrad and the L1 penalty: hand computations and finite differences."""

import numpy as np
import pytest

import glassnet as gn


def _bn_net(d=3, **kw):
    # Identity first: the network does not ask its first layer for dL/dx
    return gn.Sequential([gn.Identity(), gn.BatchNorm(d, **kw)], seed=0)


def test_batchnorm_forward_by_hand():
    net = _bn_net(1, momentum=0.5, eps=0.0 + 1e-12)
    x = np.array([[1.0], [3.0]])  # mean 2, biased variance 1
    out = net.forward(x, training=True)
    np.testing.assert_allclose(out, [[-1.0], [1.0]], atol=1e-9)
    bn = net.layers[1]
    # running = 0.5 * (0, 1) + 0.5 * (2, 1) = (1, 1)
    np.testing.assert_allclose([bn.running_mean[0], bn.running_var[0]], [1.0, 1.0])
    # prediction mode uses them: (x - 1) / 1
    np.testing.assert_allclose(net.forward(x), [[0.0], [2.0]], atol=1e-9)


def test_batchnorm_backward_matches_the_long_chain_rule(rng):
    net = _bn_net(4)
    bn = net.layers[1]
    bn.gamma[...] = rng.normal(size=4)
    bn.beta[...] = rng.normal(size=4)
    x = rng.normal(size=(6, 4)) * 3 + 1
    delta = rng.normal(size=(6, 4))
    bn.forward(x, training=True)
    dx = bn.backward(delta)
    # the staged backward (CS231n's computational graph), written the long way
    n, eps = x.shape[0], bn.eps
    mu = x.mean(0)
    xc = x - mu
    var = (xc**2).mean(0)
    std = np.sqrt(var + eps)
    xhat = xc / std
    dxhat = delta * bn.gamma
    dvar = (dxhat * xc * -0.5 * std**-3).sum(0)
    dmu = (-dxhat / std).sum(0) + dvar * (-2 * xc).mean(0)
    dx_long = dxhat / std + dvar * 2 * xc / n + dmu / n
    np.testing.assert_allclose(dx, dx_long, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.dgamma, (delta * xhat).sum(0))
    np.testing.assert_allclose(bn.dbeta, delta.sum(0))


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_batchnorm_network_gradient_check_in_training_mode(rng, activation):
    net = gn.mlp([3, 5, 4, 3], activation=activation, batch_norm=True, seed=1)
    for name, p in net.params.items():  # move gamma and beta off 1 and 0
        if name.endswith(("gamma", "beta")):
            p[...] = rng.normal(size=p.shape)
    X = rng.normal(size=(10, 3))
    y = rng.integers(0, 3, size=10)
    loss = gn.SoftmaxCrossEntropy()
    errors = gn.check_gradients(net, loss, X, y, l2=0.01)
    # a Dense bias right before a BatchNorm is subtracted away with the batch mean: its
    # true gradient is 0 and both differences are rounding noise, so check it is ~0
    after = [lay.name for lay in net.layers[1:]] + [""]
    shifted = {f"{i}.b" for i, name in enumerate(after) if name == "batchnorm"}
    for name, err in errors.items():
        if name in shifted:
            assert np.abs(net.grads[name]).max() < 1e-10, name
        else:
            assert err < 1e-6, (name, err)
    assert {"1.gamma", "1.beta", "4.gamma", "4.beta"} <= set(errors)


def test_mlp_batch_norm_places_a_batchnorm_after_each_hidden_dense():
    net = gn.mlp([2, 4, 3, 2], activation="relu", batch_norm=True)
    kinds = [type(lay).__name__ for lay in net.layers]
    assert kinds == ["Dense", "BatchNorm", "ReLU", "Dense", "BatchNorm", "ReLU", "Dense"]
    assert gn.mlp([2, 4, 2]).layers[1].name == "tanh"  # off by default


def test_batchnorm_running_stats_are_never_moved_by_an_optimizer(rng):
    net = gn.mlp([2, 4, 2], batch_norm=True, seed=0)
    X, y = rng.normal(size=(50, 2)), rng.integers(0, 2, size=50)
    bn = net.layers[1]
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(0.01), epochs=5, verbose=0)
    # the running statistics are buffers, outside theta: the optimizer never sees them,
    # while the five training forward passes moved them
    assert "1.running_mean" not in net.grads and "1.running_mean" in net.buffers
    assert not np.allclose(bn.running_mean, 0)


def test_batchnorm_is_saved_in_model_files_and_checkpoints(tmp_path, rng):
    net = gn.mlp([2, 4, 2], batch_norm=True, seed=0)
    X, y = rng.normal(size=(40, 2)) * 2 + 1, rng.integers(0, 2, size=40)
    ck = tmp_path / "run.ckpt"
    loss = gn.SoftmaxCrossEntropy()
    gn.fit(net, loss, X, y, optimizer=gn.SGD(0.5), epochs=4, verbose=0)
    half = gn.mlp([2, 4, 2], batch_norm=True, seed=0)
    gn.fit(half, loss, X, y, optimizer=gn.SGD(0.5), epochs=2, verbose=0, checkpoint=ck)
    path = gn.save(net, tmp_path / "bn.npz")
    back = gn.load(path)
    np.testing.assert_array_equal(back.layers[1].running_var, net.layers[1].running_var)
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))
    assert not np.allclose(back.layers[1].running_var, 1.0)  # they were trained
    resumed, _ = gn.resume(ck, X, y, epochs=4)
    np.testing.assert_array_equal(resumed.theta, net.theta)
    np.testing.assert_array_equal(resumed.buffer, net.buffer)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"n_features": 0}, ValueError),
        ({"n_features": 2, "momentum": 1.0}, ValueError),
        ({"n_features": 2, "eps": 0.0}, ValueError),
        ({"n_features": 2, "momentum": "a"}, TypeError),
    ],
)
def test_batchnorm_bad_arguments(kwargs, error):
    name = list(kwargs)[-1]
    with pytest.raises(error, match=name):
        gn.BatchNorm(**kwargs)


# ---------------------------------------------------------------------- Adagrad
def test_adagrad_by_hand():
    opt = gn.Adagrad(lr=0.1, epsilon=0.0)
    theta = np.array([1.0, 1.0])
    opt.step(theta, np.array([2.0, -1.0]))
    # s = (4, 1); theta -= 0.1 * g / sqrt(s) = 0.1 * (1, -1)
    np.testing.assert_allclose(theta, [0.9, 1.1])
    opt.step(theta, np.array([2.0, 0.0]))
    # s = (8, 1); theta -= 0.1 * (2 / sqrt(8), 0)
    np.testing.assert_allclose(theta, [0.9 - 0.2 / np.sqrt(8), 1.1])
    assert opt.t == 2


def test_adagrad_by_name_state_and_bad_lr():
    opt = gn.optim.get_optimizer("adagrad", lr=0.5)
    assert isinstance(opt, gn.Adagrad) and opt.get_config() == {"lr": 0.5, "epsilon": 1e-8}
    opt.step(np.zeros(2), np.ones(2))
    fresh = gn.Adagrad(lr=0.5)
    fresh.load_state_dict(opt.state_dict())
    np.testing.assert_array_equal(fresh.s, opt.s)
    with pytest.raises(ValueError, match="lr"):
        gn.Adagrad(lr=-1)


def test_adagrad_checkpoint_resume_is_exact(tmp_path, rng):
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 2, size=30)
    loss = gn.SoftmaxCrossEntropy()
    full = gn.mlp([2, 3, 2], seed=0)
    gn.fit(full, loss, X, y, optimizer=gn.Adagrad(0.1), epochs=6, verbose=0)
    part = gn.mlp([2, 3, 2], seed=0)
    ck = tmp_path / "a.ckpt"
    gn.fit(part, loss, X, y, optimizer=gn.Adagrad(0.1), epochs=3, verbose=0, checkpoint=ck)
    resumed, _ = gn.resume(ck, X, y, epochs=6)
    np.testing.assert_array_equal(resumed.theta, full.theta)


# ---------------------------------------------------------------------- L1
def test_l1_penalty_and_subgradient_by_hand():
    net = gn.Sequential([gn.Dense(2, 1)])
    net.params["0.W"][...] = [[0.5], [-2.0]]
    net.params["0.b"][...] = [7.0]  # biases are not penalised
    assert net.penalty(0.0, l1=0.1) == pytest.approx(0.1 * 2.5)
    net.grad[...] = 0
    net.add_penalty_grad(0.0, l1=0.1)
    np.testing.assert_array_equal(net.grads["0.W"], [[0.1], [-0.1]])
    assert net.grads["0.b"][0] == 0
    net.params["0.W"][...] = 0.0  # sign(0) = 0: no pull at zero
    net.grad[...] = 0
    net.add_penalty_grad(0.0, l1=0.1)
    assert not net.grad.any()


def test_l1_gradient_check_away_from_zero(rng):
    net = gn.mlp([3, 4, 2], seed=0)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, size=8)
    assert np.abs(net.params["0.W"]).min() > 1e-4  # no weight within eps of the kink
    errors = gn.check_gradients(net, gn.SoftmaxCrossEntropy(), X, y, l2=0.01, l1=0.05)
    assert max(errors.values()) < 1e-7


def test_fit_l1_shrinks_weights_and_is_in_the_history(rng):
    X, y = rng.normal(size=(60, 4)), rng.integers(0, 2, size=60)
    loss = gn.SoftmaxCrossEntropy()
    plain, sparse = gn.mlp([4, 8, 2], seed=0), gn.mlp([4, 8, 2], seed=0)
    gn.fit(plain, loss, X, y, optimizer=gn.SGD(0.1), epochs=200, verbose=0)
    hist = gn.fit(sparse, loss, X, y, optimizer=gn.SGD(0.1), epochs=200, verbose=0, l1=0.02)
    assert np.abs(sparse._w).sum() < 0.7 * np.abs(plain._w).sum()
    # the first epoch's penalty is l1 * sum |W| at the starting weights
    start = gn.mlp([4, 8, 2], seed=0)
    assert hist["penalty"][0] == pytest.approx(0.02 * np.abs(start._w).sum())
    with pytest.raises(ValueError, match="l1"):
        gn.fit(plain, loss, X, y, l1=-1.0, verbose=0)
