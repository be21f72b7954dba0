"""fit: labels as integers or one-hot, any number of classes, any depth, the history."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.data import datasets


def test_one_hot_and_integer_labels_train_identically():
    X, y = datasets.moons()
    a, b = gn.mlp([2, 4, 2], seed=0), gn.mlp([2, 4, 2], seed=0)
    loss = gn.SoftmaxCrossEntropy(reduction="sum")
    gn.fit(a, loss, X, y, optimizer=gn.SGD(lr=0.01), epochs=200, l2=0.01)
    gn.fit(b, loss, X, np.eye(2)[y], optimizer=gn.SGD(lr=0.01), epochs=200, l2=0.01)
    np.testing.assert_allclose(a.theta, b.theta, rtol=0, atol=1e-12)


def test_three_class_spirals_two_hidden_layers():
    X, y = datasets.spirals(300, n_classes=3, noise=0.2, seed=0)
    net = gn.mlp([2, 32, 32, 3], activation="tanh", seed=0)
    hist = gn.fit(
        net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(lr=0.01), epochs=1500, l2=1e-4
    )
    assert np.mean(net.predict_classes(X) == y) >= 0.95
    assert hist["accuracy"][-1] >= 0.9


def test_iris_two_hidden_layers_reaches_095():
    X, y = datasets.iris()
    net = gn.mlp([4, 8, 8, 3], activation="tanh", seed=0)
    gn.fit(
        net,
        gn.SoftmaxCrossEntropy(reduction="sum"),
        X,
        y,
        optimizer=gn.SGD(lr=0.01),
        epochs=3000,
        l2=0.01,
    )
    assert np.mean(net.predict_classes(X) == y) >= 0.95


def test_blobs_four_classes_three_hidden_layers():
    X, y = datasets.blobs(400, n_classes=4, noise=0.8, seed=1)
    net = gn.mlp([2, 16, 16, 16, 4], activation="relu", init="he_normal", seed=0)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(lr=0.01), epochs=300)
    assert np.mean(net.predict_classes(X) == y) >= 0.95


def test_huge_logits_stay_finite_during_training():
    X, y = datasets.moons()
    net = gn.mlp([2, 3, 2], seed=0)
    net.params["2.W"][...] *= 1e4  # logits of order 1e4
    hist = gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.SGD(lr=1e-3), epochs=3)
    assert np.isfinite(hist["loss"]).all()
    assert np.isfinite(net.theta).all()


def test_minibatches_are_reproducible_for_a_seed():
    X, y = datasets.moons(300, seed=1)
    runs = []
    for seed in (5, 5, 6):
        net = gn.mlp([2, 5, 2], seed=0)
        gn.fit(
            net,
            gn.SoftmaxCrossEntropy(),
            X,
            y,
            optimizer=gn.SGD(lr=0.1),
            epochs=5,
            batch_size=32,
            seed=seed,
        )
        runs.append(net.theta.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_validation_data_and_callbacks():
    X, y = datasets.moons(300, seed=1)
    Xv, yv = datasets.moons(100, seed=2)
    seen = []

    class StopAt(gn.Callback):
        def on_epoch_end(self, epoch, logs):
            seen.append(epoch)
            if epoch == 4:
                self.fit_state.stop_training = True

    net = gn.mlp([2, 5, 2], seed=0)
    hist = gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        epochs=50,
        validation_data=(Xv, yv),
        callbacks=[StopAt()],
    )
    assert seen == [0, 1, 2, 3, 4] and len(hist) == 5 and hist.stopped_epoch == 4
    assert {"val_loss", "val_accuracy"} <= set(hist.keys())


def test_float32_data_trains_in_float32():
    X, y = datasets.moons()
    net = gn.mlp([2, 3, 2], seed=0)
    gn.fit(net, gn.SoftmaxCrossEntropy(), X.astype(np.float32), y, epochs=3)
    assert net.theta.dtype == np.float32 and net.grad.dtype == np.float32


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"epochs": 0}, ValueError, "epochs must be an integer >= 1, got 0"),
        ({"epochs": 1.5}, TypeError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"l2": -1}, ValueError, "l2 must be a finite number >= 0, got -1"),
    ],
)
def test_bad_settings(kwargs, err, match):
    X, y = datasets.moons()
    with pytest.raises(err, match=match):
        gn.fit(gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), X, y, **kwargs)


@pytest.mark.parametrize(
    "X, y, err, match",
    [
        (np.zeros(5), np.zeros(5), ValueError, "X must be 2-D"),
        (np.zeros((5, 2)), np.zeros(4), ValueError, "different lengths"),
        (np.full((5, 2), np.nan), np.zeros(5), ValueError, "X must be finite"),
        (np.zeros((5, 3)), np.zeros(5), ValueError, "3 features per row but the network expects 2"),
        (np.zeros((5, 2)), np.full(5, 2), ValueError, "label 2 but the network has 2 outputs"),
        (np.zeros((2, 2)), np.array([[1, 1], [0, 1]]), ValueError, "one-hot"),
        (np.zeros((0, 2)), np.zeros(0), ValueError, "no rows"),
        (np.array([["a", "b"]]), np.zeros(1), TypeError, "X must hold numbers"),
    ],
)
def test_bad_data(X, y, err, match):
    with pytest.raises(err, match=match):
        gn.fit(gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), X, y, epochs=1)


def test_batches_in_order_are_cut_once_with_one_hot_targets():
    # TrainData.in_order: views of X, the labels as one-hot rows made here, once per run
    from glassnet.train.inputs import TrainData

    X = np.arange(14.0).reshape(7, 2)
    y = np.array([0, 1, 1, 0, 2, 1, 0])
    data = TrainData(X, y, None, True, one_hot_k=3)
    batches = data.in_order(3)
    assert [stop for stop, _ in batches] == [3, 6, 7]
    for (stop, (xb, yb, wb, labels)), start in zip(batches, (0, 3, 6)):
        assert np.shares_memory(xb, X) and wb is None
        np.testing.assert_array_equal(labels, y[start:stop])
        np.testing.assert_array_equal(yb, np.eye(3)[y[start:stop]])


def test_shuffled_batches_are_the_rows_asked_for_gathered_into_new_arrays(rng):
    # TrainData.batch with an index array gathers by np.take: X[rows], y[rows], w[rows] and
    # the labels, copies (the next batch cannot change them); a sparse X gives sparse rows
    import scipy.sparse as sp

    from glassnet.train.inputs import TrainData

    X, w = rng.standard_normal((7, 2)), rng.random(7)
    y = np.array([0, 1, 1, 0, 2, 1, 0])
    rows = np.array([5, 0, 3, 5])
    xb, yb, wb, labels = TrainData(X, y, w, True).batch(rows)
    for got, want in ((xb, X[rows]), (yb, y[rows]), (wb, w[rows]), (labels, y[rows])):
        np.testing.assert_array_equal(got, want)
    assert not np.shares_memory(xb, X)
    xs = TrainData(sp.csr_matrix(X), y, None, True).batch(rows)[0]
    assert sp.issparse(xs)
    np.testing.assert_array_equal(xs.toarray(), X[rows])


@pytest.mark.parametrize("batch_size", [None, 50])
def test_batches_in_order_are_views_of_X_not_copies(batch_size):
    # full batch = one batch of all rows; shuffle=False minibatches are slices of X
    rs = np.random.RandomState(0)
    X = rs.randn(200, 2)
    y = (X[:, 0] > 0).astype(int)
    net = gn.mlp([2, 3, 2], seed=0)
    seen = []
    first = net.layers[0]
    forward = first.forward

    def spy(x, training=False):
        seen.append(x)
        return forward(x, training)

    first.forward = spy
    gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, epochs=2, batch_size=batch_size, shuffle=False,
           verbose=0)  # fmt: skip
    assert len(seen) == (2 if batch_size is None else 8)
    for x in seen:
        assert np.shares_memory(x, X), "a batch was copied"


def test_history_is_a_mapping_of_metric_name_to_per_epoch_list():
    # fails on the code before this test: History had keys() and [] but no items() or
    # values(), and pandas.DataFrame(history) raised (pandas reads only a dict as columns)
    pd = pytest.importorskip("pandas")
    X, y = datasets.moons(60, seed=0)
    hist = gn.fit(gn.mlp([2, 3, 2], seed=0), gn.SoftmaxCrossEntropy(), X, y, epochs=4, verbose=0)
    assert list(hist) == ["loss", "data_loss", "penalty", "lr", "accuracy"]
    assert dict(hist.items()) == {k: hist[k] for k in hist.keys()} == dict(hist)
    assert [len(v) for v in hist.values()] == [4] * 5
    frame = pd.DataFrame(hist)
    assert frame.shape == (4, 5) and frame["loss"].tolist() == hist["loss"]
    # the epoch count stays where it was: len(history) is the number of epochs
    assert len(hist) == len(hist.epoch) == 4 and hist.history is hist


def test_callbacks_let_go_of_the_run_also_when_training_raises():
    """The run (its data, its closures) is released at the end of training, and when a
    callback (or anything else) raises: a kept callback then holds no data set."""

    def boom(epoch, logs):
        if epoch == 2:
            raise RuntimeError("stop here")

    seen = []
    cb = gn.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(cb.fit_state))
    failing = gn.LambdaCallback(on_epoch_end=boom)
    X, y = gn.datasets.moons(40, seed=0)
    with pytest.raises(RuntimeError, match="stop here"):
        gn.fit(gn.mlp([2, 3, 2], seed=0), gn.SoftmaxCrossEntropy(), X, y, epochs=5,
               callbacks=[cb, failing])  # fmt: skip
    assert seen[0] is not None  # it had the run while training
    assert cb.fit_state is None and failing.fit_state is None
    gn.fit(gn.mlp([2, 3, 2], seed=0), gn.SoftmaxCrossEntropy(), X, y, epochs=2, callbacks=[cb])
    assert cb.fit_state is None
    for solver in ("adam", "lbfgs"):  # the estimators' two loops
        clf = gn.NetClassifier(hidden_layer_sizes=(3,), solver=solver, callbacks=[cb, failing])
        with pytest.raises(RuntimeError, match="stop here"):
            clf.fit(X, y)
        assert cb.fit_state is None and failing.fit_state is None, solver
