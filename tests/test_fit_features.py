"""fit beyond full-batch descent: validation, early stopping, callbacks, progress, Ctrl-C,
divergence, clipping, regression and memory."""

import os
import signal
import tracemalloc

import numpy as np
import pytest

import glassnet as gn
from glassnet.data import datasets


@pytest.fixture(scope="module")
def moons():
    return datasets.moons(400, noise=0.25, seed=3)


def test_validation_fraction_split_and_history(moons):
    X, y = moons
    hist = gn.fit(
        gn.mlp([2, 8, 2], seed=0),
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        optimizer=gn.Adam(lr=0.01),
        epochs=20,
        validation_fraction=0.25,
        seed=0,
    )
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert len(hist[key]) == 20, key
    assert hist["val_accuracy"][-1] > 0.8


def test_early_stopping_restores_best_weights(moons):
    X, y = moons
    Xv, yv = datasets.moons(200, noise=0.25, seed=4)
    net = gn.mlp([2, 50, 2], seed=0)
    # Adam with a large rate on a wide net: validation loss soon stops improving
    stop = gn.EarlyStopping(patience=5, restore_best_weights=True)
    hist = gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        optimizer=gn.Adam(lr=0.05),
        epochs=2000,
        validation_data=(Xv, yv),
        callbacks=[stop],
    )
    assert hist.stopped_epoch is not None and len(hist) < 2000
    best = int(np.argmin(hist["val_loss"]))
    assert hist.best_epoch == best and len(hist) == best + 1 + 5  # 5 epochs after the best
    # the network ends with the weights that gave the best validation loss
    v = gn.evaluate(net, gn.SoftmaxCrossEntropy(), Xv, yv)
    assert v["data_loss"] == pytest.approx(min(hist["val_loss"]), rel=1e-12)


def test_checkpoint_saves_the_best_model(moons, tmp_path):
    X, y = moons
    path = tmp_path / "best.npz"
    ckpt = gn.ModelCheckpoint(path, monitor="loss")
    net = gn.mlp([2, 6, 2], seed=0)
    gn.fit(
        net, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.SGD(lr=0.5), epochs=30, callbacks=[ckpt]
    )
    assert ckpt.saved_epochs == list(range(30))  # the loss fell every epoch
    np.testing.assert_array_equal(gn.load(path).theta, net.theta)


def test_plain_function_callback_and_lambda(moons):
    X, y = moons
    seen = []
    ended = []
    gn.fit(
        gn.mlp([2, 3, 2]),
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        epochs=3,
        callbacks=[
            lambda e, logs: seen.append((e, round(logs["loss"], 12))),
            gn.LambdaCallback(on_train_end=ended.append),
        ],
    )
    assert [e for e, _ in seen] == [0, 1, 2] and len(ended) == 1 and "loss" in ended[0]
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be a glassnet Callback"):
        gn.fit(gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), X, y, epochs=1, callbacks=[42])


def test_progress_bar_shows_the_loss(moons, capsys):
    X, y = moons
    gn.fit(gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), X, y, epochs=200, verbose=1)
    err = capsys.readouterr().err
    assert "200/200" in err and "loss=" in err
    gn.fit(gn.mlp([2, 3, 2]), gn.SoftmaxCrossEntropy(), X, y, epochs=200, verbose=0)
    assert capsys.readouterr().err == ""


def test_ctrl_c_stops_cleanly_and_keeps_weights_and_history(moons, capsys):
    X, y = moons

    class CtrlCAt(gn.Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch == 9:
                os.kill(os.getpid(), signal.SIGINT)  # as if the user pressed Ctrl-C

    # Python's own handler, or SIG_IGN where the tests run in the background (nohup)
    before = signal.getsignal(signal.SIGINT)
    net = gn.mlp([2, 5, 2], seed=0)
    hist = gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        optimizer=gn.SGD(lr=0.5),
        epochs=1000,
        callbacks=[CtrlCAt()],
    )
    assert hist.interrupted and len(hist) == 10
    assert "interrupted by Ctrl-C after 10 epoch(s)" in capsys.readouterr().err
    # the weights are those after 10 complete steps: replaying gives the same
    ref = gn.mlp([2, 5, 2], seed=0)
    gn.fit(ref, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.SGD(lr=0.5), epochs=10)
    np.testing.assert_array_equal(net.theta, ref.theta)
    assert signal.getsignal(signal.SIGINT) is before  # handler restored


def test_ctrl_c_during_minibatches_stops_at_a_batch_boundary(moons):
    X, y = moons
    calls = {"n": 0}

    class Interrupting(gn.SGD):
        def step(self, theta, grad):
            super().step(theta, grad)
            calls["n"] += 1
            if calls["n"] == 7:
                os.kill(os.getpid(), signal.SIGINT)

    net = gn.mlp([2, 5, 2], seed=0)
    hist = gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        optimizer=Interrupting(lr=0.1),
        epochs=100,
        batch_size=50,
    )
    assert hist.interrupted and calls["n"] == 7 and len(hist) == 0
    assert np.isfinite(net.theta).all()


def test_divergence_stops_with_epoch_and_advice(moons):
    X, y = moons
    net = gn.mlp([2, 20, 2], activation="relu", seed=0)
    with pytest.raises(
        gn.DivergenceError, match=r"diverged at epoch \d+.*smaller learning rate"
    ) as exc:
        gn.fit(net, gn.MeanSquaredError(), X, np.eye(2)[y], optimizer=gn.SGD(lr=50.0), epochs=1000)
    assert 0 < exc.value.epoch < 1000
    assert np.isfinite(net.theta).all()  # the last good parameters were kept


def test_clip_norm_bounds_the_step(moons):
    X, y = moons
    net = gn.mlp([2, 5, 2], seed=0)
    before = net.theta.copy()
    gn.fit(
        net,
        gn.SoftmaxCrossEntropy(reduction="sum"),
        X,
        y,
        optimizer=gn.SGD(lr=1.0),
        epochs=1,
        clip_norm=0.01,
    )
    assert np.linalg.norm(net.theta - before) == pytest.approx(0.01, rel=1e-9)


def test_sine_regression_r2_on_held_out_points():
    from sklearn.metrics import r2_score

    X, y = datasets.sine(400, noise=0.05, seed=0)
    Xt, yt = datasets.sine(200, noise=0.05, seed=1)
    net = gn.mlp([1, 32, 32, 1], activation="tanh", seed=0)
    hist = gn.fit(
        net,
        gn.MeanSquaredError(),
        X,
        y,
        optimizer=gn.Adam(lr=0.01),
        epochs=1500,
        validation_data=(Xt, yt),
    )
    r2 = r2_score(yt, net.forward(Xt)[:, 0])
    assert r2 >= 0.98
    assert hist["val_r2"][-1] == pytest.approx(r2, rel=1e-9)
    assert "r2" in hist and hist["r2"][-1] > 0.98


def test_minibatch_epoch_does_not_copy_the_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 50))  # 8 MB
    y = rng.integers(0, 2, size=20000)
    net = gn.mlp([50, 16, 2], seed=0)
    loss = gn.SoftmaxCrossEntropy()
    gn.fit(net, loss, X, y, epochs=1, batch_size=100)  # warm up
    tracemalloc.start()
    gn.fit(net, loss, X, y, epochs=2, batch_size=100, shuffle=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.1 * X.nbytes, peak


def test_sample_weight_zero_ignores_rows(moons):
    X, y = moons
    w = np.ones(len(X))
    w[:100] = 0
    a, b = gn.mlp([2, 4, 2], seed=0), gn.mlp([2, 4, 2], seed=0)
    loss = gn.SoftmaxCrossEntropy()
    gn.fit(a, loss, X, y, epochs=5, sample_weight=w, optimizer=gn.SGD(lr=0.5))
    gn.fit(b, loss, X[100:], y[100:], epochs=5, optimizer=gn.SGD(lr=0.5))
    np.testing.assert_allclose(a.theta, b.theta, atol=1e-12)


def test_all_zero_sample_weight_is_a_clear_value_error():
    # issue 12 C10: the mean loss divided by the total weight, 0 (ZeroDivisionError)
    X = np.random.RandomState(0).randn(20, 2)
    y = (X[:, 0] > 0).astype(int)
    net = gn.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match="sample_weight is 0 for every row"):
        gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, sample_weight=np.zeros(20), verbose=0)


def test_a_minibatch_of_zero_weight_adds_nothing():
    # rows 0..3 weigh 0: with batch_size=4 in order, the first batch has no weight; its
    # loss and gradient are 0 and the run equals one on the other rows alone
    rs = np.random.RandomState(1)
    X = rs.randn(12, 2)
    y = (X[:, 0] > 0).astype(int)
    w = np.r_[np.zeros(4), np.ones(8)]
    a, b = gn.mlp([2, 3, 2], seed=0), gn.mlp([2, 3, 2], seed=0)
    kw = dict(batch_size=4, shuffle=False, epochs=3, verbose=0, optimizer=gn.SGD(lr=0.1))
    gn.fit(a, gn.SoftmaxCrossEntropy(), X, y, sample_weight=w, **kw)
    kw["optimizer"] = gn.SGD(lr=0.1)
    gn.fit(b, gn.SoftmaxCrossEntropy(), X[4:], y[4:], **kw)
    np.testing.assert_allclose(a.theta, b.theta, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"patience": -1}, ValueError, "^patience must be an integer >= 0, got -1$"),
        ({"patience": 2.5}, TypeError, "^patience must be an integer >= 0, got 2.5 of type float$"),
        ({"min_delta": -0.1}, ValueError, "^min_delta must be a finite number >= 0, got -0.1$"),
        ({"min_delta": True}, TypeError, "^min_delta must be a finite number >= 0, got True"),
    ],
)
def test_early_stopping_arguments_are_checked(kwargs, error, match):
    with pytest.raises(error, match=match):
        gn.EarlyStopping(**kwargs)
