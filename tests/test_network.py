"""Sequential: packed parameters, views, configuration, errors."""

import numpy as np
import pytest

import glassnet as gn


def test_params_are_views_into_one_vector():
    net = gn.mlp([2, 4, 3, 2], seed=0)
    assert list(net.params) == ["0.W", "0.b", "2.W", "2.b", "4.W", "4.b"]
    assert net.n_params == 2 * 4 + 4 + 4 * 3 + 3 + 3 * 2 + 2
    for name, view in net.params.items():
        assert np.shares_memory(view, net.theta), name
        assert np.shares_memory(net.grads[name], net.grad), name
        np.testing.assert_array_equal(net.theta[net.slices[name]], view.ravel())
    net.theta[:] = 0.0
    assert not net.params["2.W"].any()


def test_weights_come_first_for_the_penalty():
    net = gn.mlp([2, 3, 2], seed=0)
    w = np.concatenate([net.params["0.W"].ravel(), net.params["2.W"].ravel()])
    np.testing.assert_array_equal(net.theta[: net.n_weights], w)
    # l2/2 * (|W1|^2 + |W2|^2), computed directly
    assert net.penalty(0.01) == pytest.approx(0.005 * (w @ w))
    net.grad[:] = 0
    net.add_penalty_grad(0.5)
    np.testing.assert_allclose(net.grads["2.W"], 0.5 * net.params["2.W"])
    assert not net.grads["2.b"].any()


def test_config_round_trip_and_copy():
    net = gn.mlp([3, 5, 4, 2], activation=["relu", "elu"], dropout=0.2, seed=3)
    clone = gn.Sequential.from_config(net.get_config())
    np.testing.assert_array_equal(clone.theta, net.theta)  # same seed, same draws
    copy = net.copy()
    copy.theta[0] += 1
    assert copy.theta[0] != net.theta[0]
    assert [type(a) for a in clone.layers] == [type(a) for a in net.layers]


def test_astype_float32():
    net = gn.mlp([2, 3, 2], seed=0)
    theta = net.theta.copy()
    net.astype(np.float32)
    assert net.theta.dtype == np.float32 and net.params["0.W"].dtype == np.float32
    np.testing.assert_allclose(net.theta, theta, rtol=1e-7)
    assert net.forward(np.ones((2, 2), np.float32)).dtype == np.float32


def test_seeds_reproduce_and_differ():
    a, b, c = gn.mlp([2, 8, 2], seed=1), gn.mlp([2, 8, 2], seed=1), gn.mlp([2, 8, 2], seed=2)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta, c.theta)


def test_each_hidden_layer_gets_its_own_activation_instance():
    net = gn.mlp([2, 3, 3, 2], activation=gn.Tanh(), seed=0)
    assert net.layers[1] is not net.layers[3]


@pytest.mark.parametrize(
    "sizes, match",
    [
        ([2], r"^sizes must be a list of at least two widths, input and output, got \[2\]$"),
        ([2, 0, 2], r"^sizes\[1\] must be an integer >= 1, got 0$"),
        ([2, -1, 2], r"^sizes\[1\] must be an integer >= 1, got -1$"),
        (
            "2,3,2",
            r"^sizes must be a list of layer widths like \[2, 3, 2\], got '2,3,2' of type str$",
        ),
    ],
)
def test_mlp_rejects_bad_sizes(sizes, match):
    with pytest.raises((TypeError, ValueError), match=match):
        gn.mlp(sizes)


def test_mlp_activation_list_must_match_depth():
    with pytest.raises(ValueError, match="2 hidden layers"):
        gn.mlp([2, 3, 3, 2], activation=["tanh"])


def test_sequential_rejects_mismatched_widths_and_non_layers():
    with pytest.raises(ValueError, match="takes 4 inputs but layers.0. gives 3"):
        gn.Sequential([gn.Dense(2, 3), gn.Tanh(), gn.Dense(4, 2)])
    with pytest.raises(TypeError, match=r"layers\[1\] must be a glassnet Layer"):
        gn.Sequential([gn.Dense(2, 3), np.tanh])
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        gn.mlp([2, 2], dtype=np.int64)


def test_single_output_predict_proba_is_the_sigmoid_and_agrees_with_predict_classes():
    # a BinaryCrossEntropy network has one logit z: p(class 1) = sigmoid(z), computed here
    # by hand; softmax of one column would give 1.0 for every row
    net = gn.mlp([2, 4, 1], "tanh", seed=0)
    X = np.random.RandomState(0).randn(50, 2)
    z = net.forward(X)[:, 0]
    p = 1 / (1 + np.exp(-z))
    proba = net.predict_proba(X)
    assert proba.shape == (50, 2)
    np.testing.assert_allclose(proba, np.column_stack([1 - p, p]), rtol=1e-12)
    np.testing.assert_array_equal(proba.argmax(axis=1), net.predict_classes(X))


@pytest.mark.parametrize(
    "seed, error, got",
    [
        (-1, ValueError, "-1"),
        (2**32, ValueError, "4294967296"),  # more than RandomState takes
        ("0", TypeError, "'0' of type str"),
        (1.5, TypeError, "1.5 of type float"),
    ],
)
def test_sequential_seed_is_checked_with_the_shared_message(seed, error, got):
    allowed = r"an integer between 0 and 4294967295, None or a numpy RandomState"
    with pytest.raises(error, match=rf"^seed must be {allowed}, got {got}$"):
        gn.mlp([2, 3, 2], seed=seed)


def test_sequential_keeps_a_randomstate_seed_and_rejects_other_dtypes():
    rs = np.random.RandomState(0)
    assert gn.mlp([2, 3, 2], seed=rs).seed is rs
    with pytest.raises(
        TypeError, match="^dtype must be float32 or float64, got 'foo' of type str$"
    ):
        gn.mlp([2, 3, 2], dtype="foo")
    assert gn.mlp([2, 3, 2], dtype="float32").dtype == np.float32


def test_forward_names_a_list_input():
    net = gn.mlp([2, 3, 2], seed=0)
    with pytest.raises(TypeError, match="X must be a NumPy array"):
        net.forward([[0.0, 1.0]])
    assert net.predict_proba([[0.0, 1.0]]).shape == (1, 2)  # the friendly entry points convert
