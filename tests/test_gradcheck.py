"""check_gradients over every activation x both losses x depths 1-3, with and without L2."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.gradcheck import relative_error

ACTS = ["tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus", "identity"]


def _problem(loss_name, depth, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 3))
    if loss_name == "ce":
        return X, rng.integers(0, 3, size=12), gn.SoftmaxCrossEntropy(), 3
    return X, rng.normal(size=(12, 2)), gn.MeanSquaredError(), 2


@pytest.mark.parametrize("l2", [0.0, 0.1])
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("loss_name", ["ce", "mse"])
@pytest.mark.parametrize("act", ACTS)
def test_backprop_matches_central_differences(act, loss_name, depth, l2):
    X, y, loss, k = _problem(loss_name, depth)
    net = gn.mlp([3] + [5] * depth + [k], activation=act, seed=1)
    if act in ("relu", "leaky_relu"):
        # keep pre-activations away from the kink at 0, where the derivative jumps
        # (a unit whose inputs are all dead would otherwise sit exactly on it)
        for name in net.params:
            if name.endswith(".b"):
                net.params[name][...] = 0.05
    errors = gn.check_gradients(net, loss, X, y, l2=l2)
    assert set(errors) == set(net.params)
    worst = max(errors, key=errors.get)
    assert errors[worst] < 1e-6, (worst, errors[worst])


def test_one_hot_labels_and_sum_reduction():
    X, y, _, _ = _problem("ce", 1)
    net = gn.mlp([3, 4, 3], seed=0)
    errors = gn.check_gradients(
        net, gn.SoftmaxCrossEntropy(reduction="sum"), X, np.eye(3)[y], l2=0.01
    )
    assert max(errors.values()) < 1e-6


def test_catches_a_wrong_backward():
    class BadTanh(gn.Tanh):
        def backward(self, delta):
            return delta * (1 - self._a)  # forgot to square a

    X, y, loss, _ = _problem("ce", 1)
    net = gn.Sequential([gn.Dense(3, 4), BadTanh(), gn.Dense(4, 3)], seed=0)
    errors = gn.check_gradients(net, loss, X, y)
    assert errors["0.W"] > 1e-2 and errors["0.b"] > 1e-2
    assert errors["2.W"] < 1e-6  # the layer after the fault is still right


def test_catches_a_wrong_penalty_gradient(monkeypatch):
    X, y, loss, _ = _problem("ce", 1)
    net = gn.mlp([3, 4, 3], seed=0)
    monkeypatch.setattr(net, "add_penalty_grad", lambda l2: None)  # L2 gradient missing
    errors = gn.check_gradients(net, loss, X, y, l2=1.0)
    assert errors["0.W"] > 1e-2
    assert errors["0.b"] < 1e-6


def test_dropout_with_a_fixed_mask():
    X, y, loss, _ = _problem("ce", 2)
    net = gn.mlp([3, 6, 6, 3], activation="tanh", dropout=0.3, seed=4)
    errors = gn.check_gradients(net, loss, X, y, l2=0.01)
    assert max(errors.values()) < 1e-6
    assert not net.layers[2].freeze_mask  # restored afterwards


def test_a_parameter_without_effect_agrees_instead_of_relative_error_1():
    # fails on the code before this test: a Dense bias right before a BatchNorm has true
    # gradient 0 (the BatchNorm subtracts it again); back-propagation gives ~1e-15, the
    # central difference rounding noise ~1e-8 (1e-16 * |f| / eps for the post's summed
    # loss, |f| ~ 140 on 200 rows), and their relative error was 1.0
    X, y = gn.datasets.moons(200, noise=0.2, seed=0)
    net = gn.mlp([2, 8, 8, 2], activation="tanh", batch_norm=True, seed=0)
    loss = gn.SoftmaxCrossEntropy(reduction="sum")
    errors = gn.check_gradients(net, loss, X, y, l2=0.01)
    assert errors["0.b"] == 0.0 and errors["3.b"] == 0.0  # within atol=1e-5 of 0: agree
    assert max(errors.values()) < 1e-7  # and every other parameter is right
    raw = gn.check_gradients(net, loss, X, y, l2=0.01, atol=0)  # noise against 0
    assert raw["0.b"] > 0.5 and raw["0.W"] == errors["0.W"]


def test_atol_floor_only_hides_entries_near_zero_on_both_sides():
    # by hand: entries 2 (|a|, |n| <= 0.1) agree; the others give ||(0.5, 0)|| / (||a|| + ||n||)
    a = np.array([1e-3, 3.0, 4.0])
    n = np.array([-1e-3, 3.0, 3.5])
    expected = 0.5 / (np.hypot(1e-3, 5.0) + np.linalg.norm(n))
    assert relative_error(a, n, atol=0.1) == pytest.approx(expected, rel=1e-12)
    assert relative_error(a, n) > expected  # atol=0 counts the first entry too
    assert relative_error(np.zeros(3), np.full(3, 1e-9), atol=1e-8) == 0.0


def test_bad_atol_is_named():
    X, y, loss, _ = _problem("ce", 1)
    with pytest.raises(ValueError, match="atol"):
        gn.check_gradients(gn.mlp([3, 4, 3], seed=0), loss, X, y, atol=-1.0)
