"""Property-based tests (hypothesis) of the invariants: activations, losses, softmax,
the packed parameter vector, and save/load round trips."""

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import glassnet as gn
from glassnet.activations import ACTIVATIONS, get_activation
from glassnet.losses import log_softmax, softmax

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DTYPES = st.sampled_from([np.float32, np.float64])


@st.composite
def matrices(draw, max_abs=1e4, min_cols=1, dtype=None):
    dtype = draw(DTYPES) if dtype is None else dtype
    n = draw(st.integers(1, 6))
    k = draw(st.integers(min_cols, 5))
    elems = st.floats(-max_abs, max_abs, allow_nan=False, allow_infinity=False, width=32)
    return draw(arrays(dtype, (n, k), elements=elems))


# ------------------------------------------------------------------ activations
@FAST
@given(name=st.sampled_from(ACTIVATIONS.names()), z=matrices(max_abs=1e6))
def test_activations_are_finite_monotone_and_keep_shape_and_dtype(name, z):
    act = get_activation(name)
    a = act.forward(z.copy())
    assert a.shape == z.shape and a.dtype == z.dtype and np.isfinite(a).all()
    g = act.backward(np.ones_like(z))
    assert g.shape == z.shape and np.isfinite(g).all() and (g >= 0).all()  # all are monotone
    # monotone: sorting the inputs sorts the outputs
    flat = np.sort(z.ravel())
    out = get_activation(name).forward(flat[None, :])[0]
    assert (np.diff(out) >= 0).all()


@FAST
@given(z=matrices(max_abs=1e6))
def test_bounded_activations_stay_in_their_range(z):
    assert (np.abs(gn.Tanh().forward(z)) <= 1).all()
    s = gn.Sigmoid().forward(z)
    assert ((s >= 0) & (s <= 1)).all()
    assert (gn.ReLU().forward(z) >= 0).all()
    assert (gn.Softplus().forward(z) >= 0).all()
    assert (gn.ELU().forward(z) >= -1).all()
    np.testing.assert_array_equal(gn.Identity().forward(z), z)


@FAST
@given(name=st.sampled_from(ACTIVATIONS.names()), z=matrices(max_abs=3.0, dtype=np.float64))
def test_activation_backward_is_the_derivative(name, z):
    act = get_activation(name)
    act.forward(z)
    g = act.backward(np.ones_like(z))
    h = 1e-6
    num = (get_activation(name).forward(z + h) - get_activation(name).forward(z - h)) / (2 * h)
    kink = np.abs(z) < 1e-4  # relu and leaky relu have a kink at 0
    np.testing.assert_allclose(g[~kink], num[~kink], rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------ softmax
@FAST
@given(z=matrices(min_cols=2), shift=st.floats(-1e3, 1e3))
def test_softmax_rows_sum_to_one_and_are_shift_invariant(z, shift):
    p = softmax(z)
    assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5 if z.dtype == np.float32 else 1e-12)
    q = softmax(z.astype(np.float64) + shift)
    np.testing.assert_allclose(q, softmax(z.astype(np.float64)), atol=1e-9)
    assert np.isfinite(log_softmax(z)).all() and (log_softmax(z) <= 0).all()
    np.testing.assert_array_equal(p[np.arange(len(z)), np.argmax(z, axis=1)], p.max(axis=1))


# ------------------------------------------------------------------ losses
@FAST
@given(z=matrices(min_cols=2), data=st.data(), reduction=st.sampled_from(["mean", "sum"]))
def test_cross_entropy_is_nonnegative_finite_and_its_gradient_rows_sum_to_zero(z, data, reduction):
    n, k = z.shape
    y = np.asarray(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    ce = gn.SoftmaxCrossEntropy(reduction=reduction)
    value = ce.forward(z.copy(), y)
    g = ce.backward()
    assert np.isfinite(value) and value >= 0
    assert np.isfinite(g).all() and g.dtype == z.dtype
    np.testing.assert_allclose(g.sum(axis=1), 0, atol=1e-5 if z.dtype == np.float32 else 1e-12)
    # integer labels and one-hot rows are the same loss
    onehot = np.eye(k, dtype=z.dtype)[y]
    assert np.isclose(
        gn.SoftmaxCrossEntropy(reduction=reduction).forward(z.copy(), onehot),
        value,
        rtol=1e-5,
        atol=1e-5,
    )
    # "sum" is n times "mean"
    other = "sum" if reduction == "mean" else "mean"
    v2 = gn.SoftmaxCrossEntropy(reduction=other).forward(z.copy(), y)
    total = value if reduction == "sum" else value * n
    np.testing.assert_allclose(v2 if other == "sum" else v2 * n, total, rtol=1e-5)


@FAST
@given(out=matrices(max_abs=1e6), data=st.data())
def test_squared_error_is_nonnegative_and_zero_only_at_the_target(out, data):
    mse = gn.MeanSquaredError()
    y = data.draw(arrays(out.dtype, out.shape, elements=st.floats(-1e6, 1e6, width=32)))
    value = mse.forward(out, y)
    assert np.isfinite(value) and value >= 0
    assert mse.forward(out, out.copy()) == 0
    np.testing.assert_array_equal(mse.backward(), 0)


@FAST
@given(z=arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e4, 1e4)), data=st.data())
def test_binary_cross_entropy_is_nonnegative_and_finite(z, data):
    y = np.asarray(data.draw(st.lists(st.integers(0, 1), min_size=z.size, max_size=z.size)))
    bce = gn.BinaryCrossEntropy()
    value = bce.forward(z[:, None], y)
    assert np.isfinite(value) and value >= 0 and np.isfinite(bce.backward()).all()


# ------------------------------------------------------------------ the packed vector
@st.composite
def networks(draw):
    sizes = draw(st.lists(st.integers(1, 6), min_size=2, max_size=5))
    acts = draw(
        st.lists(
            st.sampled_from(ACTIVATIONS.names()), min_size=len(sizes) - 2, max_size=len(sizes) - 2
        )
    )
    dropout = draw(st.sampled_from([0.0, 0.3]))
    return gn.mlp(
        sizes,
        activation=acts,
        dropout=dropout,
        seed=draw(st.integers(0, 2**16)),
        dtype=draw(DTYPES),
    )


@FAST
@given(net=networks(), data=st.data())
def test_params_and_grads_are_views_into_one_vector(net, data):
    assert sum(p.size for p in net.params.values()) == net.n_params == net.theta.size
    assert net.params.keys() == net.grads.keys() == net.slices.keys()
    for name, p in net.params.items():
        assert np.shares_memory(p, net.theta) and np.shares_memory(net.grads[name], net.grad)
        np.testing.assert_array_equal(p.ravel(), net.theta[net.slices[name]])
    # the slices tile the vector exactly, weights (penalised) first
    spans = sorted((s.start, s.stop) for s in net.slices.values())
    assert spans[0][0] == 0 and spans[-1][1] == net.n_params
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    w = sum(net.params[k].size for k in net.params if k.endswith(".W"))
    assert net.n_weights == w
    # set_flat/get_flat round trip, and writing theta changes every view
    new = data.draw(arrays(net.dtype, net.n_params, elements=st.floats(-10, 10, width=32)))
    net.set_flat(new)
    np.testing.assert_array_equal(net.get_flat(), new)
    for name, p in net.params.items():
        np.testing.assert_array_equal(p.ravel(), new[net.slices[name]])
    w64 = new[:w].astype(np.float64)
    assert np.isclose(net.penalty(2.0), float(np.dot(w64, w64)), rtol=1e-5)


# ------------------------------------------------------------------ save / load
@settings(max_examples=25, deadline=None)
@given(
    net=networks(),
    metadata=st.dictionaries(
        st.text(max_size=8),
        st.one_of(st.integers(), st.text(max_size=8), st.lists(st.integers(), max_size=3)),
        max_size=4,
    ),
)
def test_save_load_round_trip_is_exact(net, metadata):
    net.metadata = metadata
    with tempfile.TemporaryDirectory() as d:
        back = gn.load(gn.save(net, Path(d) / "m.npz"))
        assert [p.name for p in Path(d).iterdir()] == ["m.npz"]
    assert back.get_config()["layers"] == net.get_config()["layers"]
    assert back.dtype == net.dtype and back.metadata == metadata
    np.testing.assert_array_equal(back.theta, net.theta)
    X = np.linspace(-2, 2, 3 * net.n_inputs).reshape(3, net.n_inputs).astype(net.dtype)
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
