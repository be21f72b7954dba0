"""Optimizers: one step each, checked against its update formula worked by hand."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.optim import get_optimizer

G = np.array([1.0, -2.0, 0.5])
T0 = np.array([0.5, 0.5, -1.0])


def test_sgd_step():
    theta = T0.copy()
    gn.SGD(lr=0.1).step(theta, G)
    np.testing.assert_allclose(theta, [0.4, 0.7, -1.05])  # theta - 0.1 g


def test_sgd_momentum_two_steps():
    theta = T0.copy()
    opt = gn.SGD(lr=0.1, momentum=0.9)
    opt.step(theta, G)  # v = -0.1 g = [-.1, .2, -.05]
    np.testing.assert_allclose(theta, [0.4, 0.7, -1.05])
    opt.step(theta, G)  # v = 0.9 v - 0.1 g = [-.19, .38, -.095]
    np.testing.assert_allclose(theta, [0.21, 1.08, -1.145])


def test_sgd_nesterov_step():
    theta = T0.copy()
    gn.SGD(lr=0.1, momentum=0.9, nesterov=True).step(theta, G)
    # v = -0.1 g; theta += 0.9 v - 0.1 g = -0.19 g
    np.testing.assert_allclose(theta, T0 - 0.19 * G)


def test_adam_first_step_is_lr_times_sign():
    # m = 0.1 g, v = 0.001 g^2; lr_t = lr sqrt(1 - .999) / (1 - .9)
    # step = lr_t * m / (sqrt(v) + eps) = lr * g / (|g| + eps / sqrt(0.001)) ~ lr sign(g)
    theta = T0.copy()
    gn.Adam(lr=0.01).step(theta, G)
    expected = T0 - 0.01 * G / (np.abs(G) + 1e-8 / np.sqrt(0.001))
    np.testing.assert_allclose(theta, expected, rtol=1e-12)


def test_adam_second_step_by_hand():
    theta = T0.copy()
    opt = gn.Adam(lr=0.01, beta_1=0.5, beta_2=0.75, epsilon=0.0)
    opt.step(theta, G)
    g2 = np.array([2.0, 2.0, 2.0])
    before = theta.copy()
    opt.step(theta, g2)
    m = 0.5 * (0.5 * G) + 0.5 * g2
    v = 0.75 * (0.25 * G**2) + 0.25 * g2**2
    lr_t = 0.01 * np.sqrt(1 - 0.75**2) / (1 - 0.5**2)
    np.testing.assert_allclose(theta, before - lr_t * m / np.sqrt(v), rtol=1e-12)


def test_rmsprop_step():
    theta = T0.copy()
    gn.RMSProp(lr=0.01, rho=0.9, epsilon=0.0).step(theta, G)
    # s = 0.1 g^2; theta -= lr g / sqrt(s) = lr sign(g) / sqrt(0.1)
    np.testing.assert_allclose(theta, T0 - 0.01 * np.sign(G) / np.sqrt(0.1))


def test_lbfgs_solves_least_squares_exactly():
    # a linear network with MSE is a quadratic: L-BFGS reaches the least-squares fit
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    net = gn.Sequential([gn.Dense(3, 1)], seed=0)
    hist = gn.fit(net, gn.MeanSquaredError(), X, y, optimizer=gn.LBFGS(), epochs=100)
    np.testing.assert_allclose(net.params["0.W"].ravel(), [1.0, -2.0, 0.5], atol=1e-6)
    assert net.params["0.b"][0] == pytest.approx(0.3, abs=1e-6)
    assert hist["loss"][-1] < 1e-10 and len(hist) < 100


def test_lbfgs_first_iteration_moves_against_the_gradient():
    X, y = _moons()
    net = gn.mlp([2, 3, 2], seed=0)
    loss = gn.SoftmaxCrossEntropy()
    theta0 = net.theta.copy()
    out = net.forward(X)
    loss.forward(out, y)
    net.backward(loss.backward())
    g0 = net.grad.copy()
    gn.fit(net, loss, X, y, optimizer=gn.LBFGS(), epochs=1)
    step = net.theta - theta0
    cos = step @ -g0 / (np.linalg.norm(step) * np.linalg.norm(g0))
    assert cos == pytest.approx(1.0, abs=1e-9)  # the first L-BFGS step is steepest descent


def _moons():
    from glassnet.data import datasets

    return datasets.moons()


def test_lbfgs_trains_moons():
    X, y = _moons()
    net = gn.mlp([2, 10, 2], seed=0)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.LBFGS(), epochs=500, l2=1e-3)
    assert np.mean(net.predict_classes(X) == y) >= 0.97


def test_state_dict_round_trip():
    opt = gn.Adam(lr=0.01)
    theta = T0.copy()
    opt.step(theta, G)
    clone = gn.Adam(lr=0.5)
    clone.load_state_dict(opt.state_dict())
    a, b = theta.copy(), theta.copy()
    opt.step(a, G)
    clone.step(b, G)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lr": 0}, "lr must be a finite number > 0, got 0$"),
        ({"lr": float("nan")}, "lr must be a finite number > 0, got nan$"),
        ({"lr": -1}, "lr must be a finite number > 0, got -1$"),
        ({"lr": 0.1, "momentum": 1.0}, r"momentum must be a number in \[0, 1\), got 1.0$"),
        ({"lr": 0.1, "nesterov": True}, "nesterov=True needs momentum"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gn.SGD(**kwargs)


def test_registry():
    assert isinstance(get_optimizer("adam", lr=0.1), gn.Adam)
    assert isinstance(get_optimizer("lbfgs"), gn.LBFGS)
    with pytest.raises(ValueError, match="did you mean 'adam'"):
        get_optimizer("adma")


# one setting of each optimizer away from its defaults, so that a lost setting shows
SETTINGS = {
    "sgd": {"lr": 0.2, "momentum": 0.5, "nesterov": True},
    "adam": {"lr": 0.2, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 1e-3},
    "rmsprop": {"lr": 0.2, "rho": 0.5, "epsilon": 1e-3},
    "adagrad": {"lr": 0.2, "epsilon": 1e-3},
    "lbfgs": {"max_fun": 7, "gtol": 1e-3, "ftol": 1e-4, "memory": 3},
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_config_is_the_constructors_arguments(name):
    """``config`` names every argument of the constructor, so ``get_config()`` rebuilds it."""
    opt = get_optimizer(name, **SETTINGS[name])
    assert opt.get_config() == SETTINGS[name]
    assert type(opt)(**opt.get_config()).get_config() == SETTINGS[name]
    args = ", ".join(f"{k}={v!r}" for k, v in SETTINGS[name].items())
    assert repr(opt) == f"{type(opt).__name__}({args})"


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "adagrad"])
def test_state_round_trip_and_reset(name):
    """Every state array travels through ``state_dict``; ``reset`` forgets them all."""
    opt = get_optimizer(name, **SETTINGS[name])
    theta = T0.copy()
    opt.step(theta, G)
    state = opt.state_dict()
    assert set(state) == {"t", "lr", *opt.state_arrays} and opt.state_arrays
    clone = get_optimizer(name, **SETTINGS[name])
    clone.load_state_dict(state)
    a, b = theta.copy(), theta.copy()
    opt.step(a, G)
    clone.step(b, G)
    np.testing.assert_array_equal(a, b)
    opt.reset()
    assert opt.t == 0 and all(getattr(opt, key) is None for key in opt.state_arrays)
