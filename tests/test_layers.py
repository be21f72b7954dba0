"""Dense and Dropout: hand-worked forward and backward passes."""

import numpy as np
import pytest

import glassnet as gn


def _bound_dense(W, b):
    net = gn.Sequential([gn.Identity(), gn.Dense(*W.shape)])  # Identity first: Dense returns dx
    net.params["1.W"][...] = W
    net.params["1.b"][...] = b
    return net, net.layers[1]


def test_dense_by_hand():
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([0.5, -1.0])
    _, dense = _bound_dense(W, b)
    x = np.array([[1.0, 1.0], [0.0, 2.0]])
    # z = x W + b: [1+3+.5, 2+4-1] = [4.5, 5]; [6+.5, 8-1] = [6.5, 7]
    np.testing.assert_array_equal(dense.forward(x), [[4.5, 5.0], [6.5, 7.0]])
    g = np.array([[1.0, 0.0], [0.0, 1.0]])
    dx = dense.backward(g)
    # dW = x^T g = [[1, 0], [1, 2]]; db = [1, 1]; dx = g W^T = [[1, 3], [2, 4]]
    np.testing.assert_array_equal(dense.dW, [[1.0, 0.0], [1.0, 2.0]])
    np.testing.assert_array_equal(dense.db, [1.0, 1.0])
    np.testing.assert_array_equal(dx, [[1.0, 3.0], [2.0, 4.0]])


def test_dense_writes_its_outputs_and_deltas_column_by_column():
    # the layout (glassnet.layers.affine, column_major) changes where the numbers sit, not what
    # they are: compared with the row-major products x @ W + b and delta @ W.T
    W = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, 0.5]])
    b = np.array([0.5, -1.0, 2.0])
    _, dense = _bound_dense(W, b)
    x = np.arange(10.0).reshape(5, 2)  # row-major input, as a user passes it
    z = dense.forward(x)
    assert z.flags.f_contiguous and not z.flags.c_contiguous
    np.testing.assert_array_equal(z, x @ W + b)  # small integers: exact either way
    delta = np.arange(15.0).reshape(5, 3)
    dx = dense.backward(delta)
    assert dx.flags.f_contiguous
    np.testing.assert_array_equal(dx, delta @ W.T)
    np.testing.assert_array_equal(dense.db, delta.sum(axis=0))


def test_affine_is_x_at_W_plus_b_in_one_column_major_array():
    # glassnet.layers.affine names the layout once: z = x @ W + b (x @ W without b), the
    # same numbers as NumPy's row-major x @ W + b, stored column by column
    from glassnet.layers import affine

    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((7, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    z = affine(x, W, b)
    assert z.shape == (7, 3) and z.flags.f_contiguous
    np.testing.assert_allclose(z, x @ W + b, rtol=1e-13, atol=1e-13)  # BLAS may order sums
    np.testing.assert_allclose(affine(x, W), x @ W, rtol=1e-13, atol=1e-13)
    assert affine(x.astype(np.float32), W.astype(np.float32)).dtype == np.float32


def test_dense_backward_writes_into_the_packed_gradient():
    # dW and db are views of net.grad: backward writes them (self.dW[...] = x.T @ delta),
    # so the packed vector the optimizer reads holds them, and the views stay views
    net = gn.mlp([3, 2], seed=0)
    dense, views = net.layers[0], (net.grads["0.W"], net.grads["0.b"])
    x, delta = np.ones((4, 3)), np.arange(8.0).reshape(4, 2)
    dense.forward(x)
    dense.backward(delta)
    assert dense.dW is views[0] and dense.db is views[1]
    # x.T @ delta: every row of dW is the column sums of delta, [12, 16]; db likewise
    np.testing.assert_array_equal(net.grad[net.slices["0.W"]], np.tile([12.0, 16.0], 3))
    np.testing.assert_array_equal(net.grad[net.slices["0.b"]], [12.0, 16.0])


def test_wide_dense_layers_write_row_by_row_with_the_same_numbers(rng):
    # glassnet.layers.WIDE: from 128 outputs on affine writes row-major arrays (the sum over
    # the batch is the faster one there), narrower ones column-major; the numbers are x @ W + b
    from glassnet.layers import WIDE, affine

    x = rng.standard_normal((5, 4))
    for width, column_major in ((WIDE - 1, True), (WIDE, False)):
        W, b = rng.standard_normal((4, width)), rng.standard_normal(width)
        z = affine(x, W, b)
        assert (z.flags.f_contiguous, z.flags.c_contiguous) == (column_major, not column_major)
        np.testing.assert_allclose(z, x @ W + b, rtol=1e-13, atol=1e-13)


def test_dense_backward_writes_dW_without_a_temporary_the_size_of_W():
    # affine(x.T, delta, out=self.dW): BLAS writes x.T @ delta straight into the view of the
    # packed gradient; self.dW[...] = x.T @ delta made a (400, 300) temporary first, 960 kB
    import tracemalloc

    net = gn.mlp([400, 300], seed=0)
    dense = net.layers[0]
    x, delta = np.ones((4, 400)), np.ones((4, 300))
    dense.forward(x)
    tracemalloc.start()
    try:
        dense.backward(delta)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < dense.W.nbytes / 10
    np.testing.assert_array_equal(dense.dW, x.T @ delta)  # 4 everywhere
    assert dense.dW is net.grads["0.W"]


def test_first_dense_skips_input_gradient():
    net = gn.mlp([2, 3, 2], seed=0)
    out = net.forward(np.ones((4, 2)))
    assert net.backward(np.ones_like(out)) is None


@pytest.mark.parametrize("bad", [0, -3, 2.5, "3", True])
def test_dense_rejects_bad_widths(bad):
    with pytest.raises((TypeError, ValueError), match="n_in"):
        gn.Dense(bad, 3)


def test_dense_unknown_init_lists_names():
    with pytest.raises(ValueError, match=r"init='gaussian'.*scaled_normal"):
        gn.Dense(2, 3, init="gaussian")


def test_dropout_is_inverted_and_only_while_training():
    net = gn.Sequential([gn.Identity(), gn.Dropout(0.5)], seed=0)
    x = np.ones((2000, 50))
    np.testing.assert_array_equal(net.forward(x, training=False), x)
    y = net.forward(x, training=True)
    kept = y != 0
    assert set(np.unique(y)) == {0.0, 2.0}  # survivors scaled by 1 / (1 - p)
    assert abs(kept.mean() - 0.5) < 0.01
    # the gradient flows only through the kept units, with the same scale
    g = net.backward(np.ones_like(x))
    np.testing.assert_array_equal(g, y)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5])
def test_dropout_rejects_p_outside_unit_interval(bad):
    with pytest.raises(ValueError, match=rf"^p must be a number in \[0, 1\), got {bad}$"):
        gn.Dropout(bad)


def test_layer_arguments_of_the_wrong_kind_are_a_type_error():
    with pytest.raises(TypeError, match=r"^p must be a number in \[0, 1\), got '0.5' of type str$"):
        gn.Dropout("0.5")
    with pytest.raises(TypeError, match="^n_in must be an integer >= 1, got 2.0 of type float$"):
        gn.Dense(2.0, 3)
    with pytest.raises(ValueError, match="^eps must be a finite number > 0, got inf$"):
        gn.BatchNorm(3, eps=float("inf"))
    with pytest.raises(ValueError, match=r"^momentum must be a number in \[0, 1\), got 1.0$"):
        gn.BatchNorm(3, momentum=1.0)
