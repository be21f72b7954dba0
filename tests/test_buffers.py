"""Buffers: state that is not trained (BatchNorm's running statistics) lives in
``net.buffer``, beside the parameters ``theta``: saved, loaded, copied and checkpointed
with them, never seen by the optimizer, the gradient check or ``n_params`` (issue 24
item 6); and the layers' parameter specs are named tuples (item 7)."""

import os
import pickle
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.layers import BufferSpec, ParamSpec
from glassnet.modelfile import ModelFileError
from glassnet.packing import legacy_index
from glassnet.train.checkpoint import load_checkpoint
from glassnet.train.doctor import borrowed

DATA = Path(__file__).parent / "data"


def _bn_net():
    # Dense(2, 4): 2*4 + 4 = 12 parameters; BatchNorm(4): gamma and beta, 4 + 4 = 8, and
    # running_mean and running_var, 4 + 4 = 8 buffer values; Dense(4, 3): 4*3 + 3 = 15
    return gn.mlp([2, 4, 3], activation="relu", batch_norm=True, seed=0)


def _data(rng, n=48):
    X = rng.normal(size=(n, 2)) * [3.0, 0.5] + [1.0, -2.0]
    return X, rng.integers(0, 3, size=n)


def _train(net, X, y, epochs=3, **kw):
    settings = {"optimizer": gn.Adam(0.01), "batch_size": 16, "seed": 1, "verbose": 0}
    return gn.fit(net, gn.SoftmaxCrossEntropy(), X, y, epochs=epochs, **{**settings, **kw})


# ---------------------------------------------------------------------- what sees them
def test_n_params_counts_the_trained_parameters_only():
    net = _bn_net()
    assert net.n_params == 12 + 8 + 15 == net.theta.size == net.grad.size
    assert net.buffer.size == 8
    assert list(net.buffers) == ["1.running_mean", "1.running_var"]
    assert "1.running_mean" not in net.params and "1.running_mean" not in net.grads
    # the state is theta then the buffer, one vector: the layers' arrays are views into it
    assert net.state.size == 43 and np.shares_memory(net.state, net.layers[1].running_var)
    np.testing.assert_array_equal(net.buffers["1.running_var"], 1.0)  # as initialised
    assert "params: 8  buffers: 8" in net.summary()


def test_check_gradients_lists_the_parameters_not_the_buffers(rng):
    net = _bn_net()
    X, y = _data(rng, 10)
    errors = gn.check_gradients(net, gn.SoftmaxCrossEntropy(), X, y)
    assert set(errors) == {"0.W", "0.b", "1.gamma", "1.beta", "3.W", "3.b"}


def test_an_optimizer_step_leaves_the_buffers_alone(rng):
    net = _bn_net()
    X, y = _data(rng)
    loss = gn.SoftmaxCrossEntropy()
    loss.forward(net.forward(X, training=True), y)  # moves the running statistics
    net.backward(loss.backward())
    moved = net.buffer.copy()
    assert not np.array_equal(moved, _bn_net().buffer)
    opt, before = gn.Adam(0.1), net.theta.copy()
    opt.step(net.theta, net.grad)
    np.testing.assert_array_equal(net.buffer, moved)  # bit for bit
    assert not np.array_equal(net.theta, before)
    assert opt.m.shape == (net.n_params,)  # the optimizer's moments: parameters only


# ---------------------------------------------------------------------- where they travel
def test_save_and_load_keep_the_buffers(rng, tmp_path):
    net = _bn_net()
    X, y = _data(rng)
    _train(net, X, y)
    path = gn.save(net, tmp_path / "bn.npz")
    with np.load(path) as npz:
        assert npz["theta"].shape == (35,) and npz["buffer"].shape == (8,)
    back = gn.load(path)
    np.testing.assert_array_equal(back.buffer, net.buffer)
    np.testing.assert_array_equal(back.theta, net.theta)
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))


def test_copy_pickle_and_astype_keep_the_buffers(rng):
    net = _bn_net()
    X, y = _data(rng)
    _train(net, X, y)
    for other in (net.copy(), pickle.loads(pickle.dumps(net))):
        np.testing.assert_array_equal(other.buffer, net.buffer)
    buffer = net.buffer.copy()
    net.astype(np.float32)
    np.testing.assert_array_equal(net.layers[1].running_mean, buffer[:4].astype(np.float32))


def test_save_refuses_running_statistics_that_are_not_finite(tmp_path):
    net = _bn_net()
    net.layers[1].running_var[0] = np.nan
    with pytest.raises(ValueError, match="buffers .*NaN or inf"):
        gn.save(net, tmp_path / "bn.npz")
    assert not (tmp_path / "bn.npz").exists()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda a: a.pop("buffer"), "'buffer' is missing"),
        (lambda a: a.update(buffer=a["buffer"][:-1]), "implies 8 buffer values but 'buffer'"),
        (lambda a: a.update(buffer=np.full(8, np.inf)), "'buffer' hold NaN or inf"),
    ],
)
def test_a_file_with_a_bad_buffer_is_refused(tmp_path, change, match):
    path = gn.save(_bn_net(), tmp_path / "bn.npz")
    with np.load(path) as npz:
        arrays = dict(npz)
    change(arrays)
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match=match):
        gn.load(path)


class _Interrupting(gn.Adam):
    """Adam that sends SIGINT after its ``at``-th step, as if the user pressed Ctrl-C."""

    def __init__(self, lr, at):
        super().__init__(lr)
        self.at, self.calls = at, 0

    def step(self, theta, grad):
        super().step(theta, grad)
        self.calls += 1
        if self.calls == self.at:
            os.kill(os.getpid(), signal.SIGINT)


def test_a_run_resumed_between_minibatches_ends_with_the_same_buffers(rng, tmp_path):
    X, y = _data(rng)  # 48 rows in batches of 16: 3 steps an epoch
    full = _bn_net()
    _train(full, X, y, epochs=4)
    part, ck = _bn_net(), tmp_path / "run.ckpt"
    _train(part, X, y, epochs=4, optimizer=_Interrupting(0.01, at=3 + 2), checkpoint=ck)
    stored = load_checkpoint(ck)
    assert stored.meta["mid_epoch"] and stored.arrays["buffer"].shape == (8,)
    np.testing.assert_array_equal(stored.arrays["buffer"], part.buffer)
    resumed, _ = gn.resume(ck, X, y, epochs=4, verbose=0)
    np.testing.assert_array_equal(resumed.theta, full.theta)
    np.testing.assert_array_equal(resumed.buffer, full.buffer)


def test_early_stopping_restores_the_buffers_of_its_best_epoch(rng):
    X, y = _data(rng)
    net = _bn_net()
    seen = []
    record = gn.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(net.buffer.copy()))
    # monitoring the learning rate, which never improves: the best epoch is the first
    stop = gn.EarlyStopping(monitor="lr", patience=2, restore_best_weights=True)
    hist = _train(net, X, y, epochs=10, callbacks=[record, stop])
    assert hist.best_epoch == 0 and len(seen) == 3
    np.testing.assert_array_equal(net.buffer, seen[0])


def test_divergence_goes_back_to_the_buffers_of_the_last_good_epoch(rng):
    # weights of 1e308 overflow the first layer's outputs: the running statistics the
    # first step computes are inf or NaN, and the epoch's loss is NaN
    X, y = _data(rng)
    net = _bn_net()
    net.theta[: net.n_weights] = 1e308
    start = net.state.copy()
    with pytest.raises(gn.DivergenceError):
        _train(net, X, y, optimizer=gn.SGD(0.1))
    np.testing.assert_array_equal(net.state, start)


def test_the_doctor_gives_the_network_back_with_its_buffers(rng):
    net = _bn_net()
    X, _ = _data(rng)
    before = net.state.copy()
    with borrowed(net):
        net.forward(X, training=True)
    np.testing.assert_array_equal(net.state, before)


# ---------------------------------------------------------------------- files of format 2
def _expected():
    """What glassnet computed when it wrote the format-2 fixtures (make_batchnorm_v2.py)."""
    with np.load(DATA / "batchnorm_v2_expect.npz") as npz:
        return dict(npz)


def test_a_model_file_of_format_2_loads_with_its_statistics_and_predictions():
    then = _expected()
    net = gn.load(DATA / "batchnorm_v2.npz")
    # mlp([2, 5, 4, 3], batch_norm=True): 90 values in the old theta, of which the
    # running statistics are 2 * 5 + 2 * 4 = 18
    assert net.n_params == 90 - 18 and net.buffer.size == 18
    for i in (1, 4):
        bn = net.layers[i]
        np.testing.assert_array_equal(bn.running_mean, then[f"{i}.running_mean"])
        np.testing.assert_array_equal(bn.running_var, then[f"{i}.running_var"])
        np.testing.assert_array_equal(bn.gamma, then[f"{i}.gamma"])
    # the same numbers through a forward pass (recomputed here: not to the last digit)
    np.testing.assert_allclose(net.predict_proba(then["X"]), then["proba"], rtol=1e-12)


def test_a_checkpoint_of_format_2_resumes_to_the_end_of_the_uninterrupted_run(tmp_path):
    then = _expected()
    X, y = then["X"], then["y"]
    ck = shutil.copy(DATA / "batchnorm_v2.ckpt.npz", tmp_path / "run.ckpt.npz")
    stored = load_checkpoint(ck)
    assert stored.meta["mid_epoch"] and stored.arrays["opt.m"].shape == (72,)
    assert stored.arrays["snap"].shape == (90,)  # the state: 72 parameters, 18 statistics
    resumed, _ = gn.resume(ck, X, y, verbose=0)
    # the run that wrote the checkpoint, uninterrupted, as make_batchnorm_v2.py trained it
    full = gn.mlp([2, 5, 4, 3], activation="relu", batch_norm=True, seed=0)
    settings = {"batch_size": 16, "shuffle": True, "seed": 3, "verbose": 0}
    gn.fit(full, gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(0.01), epochs=4, **settings)
    # the checkpoint's first epochs were computed by the glassnet that wrote format 2;
    # the products' arithmetic has changed since in the last bits (Dense's column-major
    # output), which four epochs of Adam carry to about 1e-10
    np.testing.assert_allclose(resumed.state, full.state, rtol=1e-8, atol=1e-9)
    # and what glassnet computed then, in the old layout
    p, b = legacy_index(full.layers)
    np.testing.assert_allclose(resumed.theta, then["theta"][p], rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(resumed.buffer, then["theta"][b], rtol=1e-10)


def test_legacy_index_follows_the_old_packing():
    # format 2 packed [0.W, 3.W | 0.b, 1.gamma, 1.beta, 1.running_mean, 1.running_var, 3.b]
    net = _bn_net()
    p, b = legacy_index(net.layers)
    old = np.concatenate([net.params["0.W"].ravel(), net.params["3.W"].ravel()])
    old = np.concatenate([old, net.params["0.b"], net.params["1.gamma"], net.params["1.beta"]])
    old = np.concatenate([old, net.buffer, net.params["3.b"]])
    np.testing.assert_array_equal(old[p], net.theta)
    np.testing.assert_array_equal(old[b], net.buffer)


# ---------------------------------------------------------------------- named specs
def test_specs_are_named_and_plain_tuples_still_work():
    dense = gn.Dense(2, 3)
    assert dense.param_specs() == [ParamSpec("W", (2, 3), True), ParamSpec("b", (3,), False)]
    assert dense.param_specs()[0].penalized and not dense.param_specs()[1].penalized
    assert gn.BatchNorm(3).buffer_specs()[1] == BufferSpec("running_var", (3,))

    class Scale(gn.Layer):  # a learner's layer, with the plain tuples of before
        def param_specs(self):
            return [("s", (3,), False)]

        def bind(self, params, grads):
            self.s, self.ds = params["s"], grads["s"]

        def forward(self, x, training=False):
            self._x = x
            return x * self.s

        def backward(self, delta):
            self.ds[...] = (delta * self._x).sum(axis=0)
            return delta * self.s

    net = gn.Sequential([gn.Dense(2, 3), Scale()], seed=0)
    assert list(net.params) == ["0.W", "0.b", "1.s"] and net.n_weights == 6
    assert net.buffer.size == 0
