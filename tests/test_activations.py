"""Activations: hand-worked values, derivatives against finite differences, invariants."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import glassnet as gn
from glassnet.activations import ACTIVATIONS, get_activation

ALL = ["tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus", "identity"]

# f(x) at x = -2, -0.5, 0.5, 2, worked by hand from each formula
HAND = {
    "tanh": np.tanh([-2, -0.5, 0.5, 2]),
    "sigmoid": 1 / (1 + np.exp([2, 0.5, -0.5, -2])),
    "relu": [0, 0, 0.5, 2],
    "leaky_relu": [-0.02, -0.005, 0.5, 2],
    "elu": [np.exp(-2) - 1, np.exp(-0.5) - 1, 0.5, 2],
    "softplus": np.log1p(np.exp([-2, -0.5, 0.5, 2])),
    "identity": [-2, -0.5, 0.5, 2],
}


@pytest.mark.parametrize("name", ALL)
def test_forward_hand_values(name):
    x = np.array([[-2.0, -0.5, 0.5, 2.0]])
    np.testing.assert_allclose(get_activation(name).forward(x)[0], HAND[name], rtol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_backward_matches_finite_differences(name, rng):
    act = get_activation(name)
    x = rng.normal(size=(5, 4))
    x[np.abs(x) < 1e-3] = 0.1  # keep away from the kinks of relu-like functions
    g = rng.normal(size=x.shape)
    act.forward(x)
    analytic = act.backward(g)
    h = 1e-6
    numeric = g * (act.forward(x + h) - act.forward(x - h)) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_tanh_backward_uses_cached_output():
    # d tanh / dz = 1 - a^2, with a = tanh(z) = 0.5 here (z = atanh(0.5))
    act = gn.Tanh()
    act.forward(np.array([[np.arctanh(0.5)]]))
    assert act.backward(np.array([[2.0]]))[0, 0] == pytest.approx(2 * (1 - 0.25))


@pytest.mark.parametrize("name", ALL)
@given(x=arrays(np.float64, (3, 4), elements=st.floats(-1e6, 1e6)))
def test_finite_for_large_inputs(name, x):
    act = get_activation(name)
    a = act.forward(x)
    assert np.isfinite(a).all()
    assert np.isfinite(act.backward(np.ones_like(x))).all()


@given(x=arrays(np.float64, (4, 3), elements=st.floats(-50, 50)))
def test_monotone_and_bounded_invariants(x):
    s = gn.Sigmoid().forward(x)
    assert ((s >= 0) & (s <= 1)).all()
    t = gn.Tanh().forward(x)
    assert ((t >= -1) & (t <= 1)).all()
    assert (gn.ReLU().forward(x) >= 0).all()
    assert (gn.Softplus().forward(x) >= gn.ReLU().forward(x)).all()  # log(1+e^x) >= max(x,0)
    xs = np.sort(x, axis=1)
    for name in ALL:
        a = get_activation(name).forward(xs)
        assert (np.diff(a, axis=1) >= 0).all(), name


def test_relu_is_max_z_0_whatever_the_batch_shape_and_dtype():
    # ReLU takes max(z, 0) against a kept array of zeros (ReLU.zeros, NumPy's vector loop);
    # it must follow each batch's shape, dtype and layout, give np.maximum(z, 0)'s numbers
    # (NaN stays NaN, -inf gives 0) and never be written into
    relu = gn.ReLU()
    special = np.array([np.nan, -np.inf, np.inf, -0.0, -1.5, 2.5])
    batches = [
        np.resize(special, (4, 3)),
        np.resize(special, (2, 3)),  # the last, smaller batch of an epoch
        np.asfortranarray(np.resize(special, (3, 4))),
        np.resize(special, (4, 3)).astype(np.float32),
    ]
    for z in batches:
        a = relu.forward(z)
        assert a.dtype == z.dtype and a.shape == z.shape
        np.testing.assert_array_equal(a, np.maximum(z, 0))
        assert not relu.zeros(z).any()


def test_float32_stays_float32():
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    for name in ALL:
        act = get_activation(name)
        assert act.forward(x).dtype == np.float32, name
        assert act.backward(np.ones_like(x)).dtype == np.float32, name


def test_registry_names_and_errors():
    assert ACTIVATIONS.names() == sorted(ALL)
    assert isinstance(get_activation("logistic"), gn.Sigmoid)  # scikit-learn's name
    with pytest.raises(ValueError, match=r"activation='tahn'.*valid names.*did you mean 'tanh'"):
        get_activation("tahn")
    with pytest.raises(TypeError, match="activation must be a string"):
        get_activation(3)


@pytest.mark.parametrize("cls, bad", [(gn.LeakyReLU, -1.0), (gn.ELU, 0.0), (gn.ELU, float("nan"))])
def test_bad_alpha(cls, bad):
    with pytest.raises(ValueError, match="alpha"):
        cls(bad)
