"""Checkpoints: an interrupted run, resumed, ends with the uninterrupted run's parameters
bit for bit; and glassnet train writes its model when a signal stops it."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import glassnet as gn
from glassnet.apps.cli import main
from glassnet.data import datasets
from glassnet.train.checkpoint import Checkpoint, load_checkpoint
from glassnet.train.resume import resume

EPOCHS = 20


@pytest.fixture(scope="module")
def spirals():
    return datasets.spirals(150, n_classes=3)


def _net(dtype=np.float64):
    return gn.mlp([2, 12, 12, 3], activation=["tanh", "relu"], dropout=0.2, seed=1, dtype=dtype)


OPTIMIZERS = {
    "sgd_momentum": lambda: gn.SGD(lr=0.05, momentum=0.9),
    "nesterov": lambda: gn.SGD(lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda: gn.Adam(lr=0.01),
    "rmsprop": lambda: gn.RMSProp(lr=0.005),
}
SCHEDULES = {
    "none": lambda: None,
    "cosine": lambda: gn.CosineWarmup(0.05, total=EPOCHS, warmup=3),
    "plateau": lambda: gn.ReduceOnPlateau(0.05, patience=1, factor=0.5, monitor="loss"),
}


def _settings(opt, sched, **over):
    kw = dict(
        optimizer=OPTIMIZERS[opt](),
        schedule=SCHEDULES[sched](),
        batch_size=32,
        shuffle=True,
        seed=7,
        l2=1e-3,
        clip_norm=5.0,
        validation_fraction=0.2,
        verbose=0,
    )
    kw.update(over)
    return kw


def _reference(X, y, opt, sched, dtype=np.float64, **over):
    net = _net(dtype)
    hist = gn.fit(
        net, gn.SoftmaxCrossEntropy(), X, y, epochs=EPOCHS, **_settings(opt, sched, **over)
    )
    return net, hist


class _SigintAtEpoch(gn.Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs):
        if epoch == self.epoch:
            os.kill(os.getpid(), signal.SIGINT)  # as if the user pressed Ctrl-C


@pytest.mark.parametrize(
    "opt, sched",
    [("sgd_momentum", "none"), ("adam", "none"), ("sgd_momentum", "cosine"), ("adam", "plateau")],
)
def test_interrupted_at_epoch_12_and_resumed_equals_uninterrupted(spirals, tmp_path, opt, sched):
    X, y = spirals
    ref, href = _reference(X, y, opt, sched)
    path = tmp_path / "run.ckpt.npz"
    net = _net()
    hist = gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        epochs=EPOCHS,
        checkpoint=path,
        checkpoint_every=5,
        callbacks=[_SigintAtEpoch(12)],
        **_settings(opt, sched),
    )
    assert hist.interrupted and len(hist) == 13
    assert not np.array_equal(net.theta, ref.theta)
    ck = load_checkpoint(path)
    assert ck.next_epoch == 13 and not ck.meta["mid_epoch"]
    net2, hist2 = resume(path, X, y, verbose=0)
    np.testing.assert_array_equal(net2.theta, ref.theta)  # bit for bit
    assert hist2["loss"] == href["loss"] and hist2["val_loss"] == href["val_loss"]
    assert hist2.epoch == list(range(EPOCHS))


@pytest.mark.parametrize("opt", ["sgd_momentum", "adam", "rmsprop", "nesterov"])
def test_interrupted_between_minibatches_resumes_mid_epoch(spirals, tmp_path, opt):
    X, y = spirals
    ref, href = _reference(X, y, opt, "none")
    calls = {"n": 0}
    base = type(OPTIMIZERS[opt]())

    class Interrupting(base):
        def step(self, theta, grad):
            super().step(theta, grad)
            calls["n"] += 1
            if calls["n"] == 4 * 7 + 2:  # 4 batches per epoch: the 3rd batch of epoch 7
                os.kill(os.getpid(), signal.SIGINT)

    path = tmp_path / "mid.npz"
    net = _net()
    gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        epochs=EPOCHS,
        checkpoint=path,
        checkpoint_every=5,
        **_settings(opt, "none", optimizer=Interrupting(**OPTIMIZERS[opt]().get_config())),
    )
    ck = load_checkpoint(path)
    assert ck.meta["mid_epoch"] and ck.next_epoch == 7 and ck.meta["pos"] == 64
    net2, hist2 = resume(path, X, y, verbose=0)
    np.testing.assert_array_equal(net2.theta, ref.theta)
    assert hist2["loss"] == href["loss"]


def test_crash_loses_at_most_checkpoint_every_epochs(spirals, tmp_path):
    """A run killed by an error at epoch 12 resumes from the epoch-10 checkpoint."""
    X, y = spirals
    ref, _ = _reference(X, y, "adam", "none")

    def crash(epoch, logs):
        if epoch == 12:
            raise RuntimeError("power cut")

    path = tmp_path / "c.npz"
    with pytest.raises(RuntimeError, match="power cut"):
        gn.fit(
            _net(),
            gn.SoftmaxCrossEntropy(),
            X,
            y,
            epochs=EPOCHS,
            checkpoint=path,
            checkpoint_every=5,
            callbacks=[crash],
            **_settings("adam", "none"),
        )
    assert load_checkpoint(path).next_epoch == 10
    # fit(..., resume_from=) with objects built by hand works as resume() does
    net = _net()
    hist = gn.fit(
        net,
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        epochs=EPOCHS,
        resume_from=path,
        **_settings("adam", "none"),
    )
    np.testing.assert_array_equal(net.theta, ref.theta)
    assert len(hist) == EPOCHS


def test_float32_run_resumes_in_float32(spirals, tmp_path):
    X, y = spirals
    X = X.astype(np.float32)
    ref, _ = _reference(X, y, "adam", "none", dtype=np.float32)
    path = tmp_path / "f32.npz"
    gn.fit(
        _net(np.float32),
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        epochs=9,
        checkpoint=path,
        checkpoint_every=4,
        **_settings("adam", "none"),
    )
    net, _ = resume(path, X, y, epochs=EPOCHS, verbose=0)
    assert net.dtype == np.float32
    np.testing.assert_array_equal(net.theta, ref.theta)


def test_checkpoint_file_contents(spirals, tmp_path):
    X, y = spirals
    path = tmp_path / "k.npz"
    gn.fit(
        _net(),
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        epochs=6,
        checkpoint=path,
        checkpoint_every=3,
        **_settings("adam", "plateau"),
    )
    ck = gn.load(path)  # a glassnet model file like any other
    assert isinstance(ck, Checkpoint)
    m = ck.meta
    assert m["optimizer"]["type"] == "adam" and m["optimizer"]["state"]["t"] == 6 * 4
    assert {"opt.m", "opt.v", "theta", "order", "dropout_rng.keys"} <= set(ck.arrays)
    assert m["schedule"]["type"] == "plateau" and set(m["schedule"]["state"]) == {
        "current",
        "best",
        "wait",
    }
    assert m["shuffle_rng"]["state"]["bit_generator"] == "PCG64"
    assert m["next_epoch"] == 6 and len(ck.history["loss"]) == 6
    assert m["fit"]["batch_size"] == 32 and m["fit"]["seed"] == 7


@pytest.mark.parametrize(
    "change, match",
    [
        ({"X": "other"}, "X and y differ from the data the checkpointed run trained on"),
        ({"net": "other"}, "net's layers differ from the checkpoint's"),
        ({"optimizer": "sgd"}, "trained with optimizer 'adam', not 'sgd'"),
        ({"epochs": 6}, "the checkpoint reached epoch 6 leaves nothing to do with epochs=6"),
        ({"seed": "RandomState"}, "shuffled with an int seed"),
    ],
)
def test_resume_refuses_what_does_not_match(spirals, tmp_path, change, match):
    X, y = spirals
    path = tmp_path / "k.npz"
    kw = _settings("adam", "none")
    gn.fit(_net(), gn.SoftmaxCrossEntropy(), X, y, epochs=6, checkpoint=path, **kw)
    net = gn.mlp([2, 5, 3], seed=1) if change.get("net") else _net()
    Xr = X + 1 if change.get("X") else X
    if "optimizer" in change:
        kw["optimizer"] = gn.SGD()
    if "seed" in change:
        kw["seed"] = np.random.RandomState(0)
    with pytest.raises(ValueError, match=match):
        gn.fit(
            net,
            gn.SoftmaxCrossEntropy(),
            Xr,
            y,
            epochs=change.get("epochs", EPOCHS),
            resume_from=path,
            **kw,
        )


def test_checkpoint_arguments_are_checked(spirals, tmp_path):
    X, y = spirals
    with pytest.raises(ValueError, match="folder .* does not exist"):
        gn.fit(_net(), gn.SoftmaxCrossEntropy(), X, y, checkpoint=tmp_path / "no" / "c.npz")
    with pytest.raises(ValueError, match="checkpoint_every must be an integer >= 1, got 0"):
        gn.fit(
            _net(), gn.SoftmaxCrossEntropy(), X, y, checkpoint=tmp_path / "c", checkpoint_every=0
        )
    with pytest.raises(ValueError, match="L-BFGS state cannot be saved"):
        gn.fit(_net(), gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.LBFGS(), checkpoint="c.npz")
    gn.save(_net(), tmp_path / "model.npz")
    with pytest.raises(gn.ModelFileError, match="not a checkpoint"):
        gn.fit(_net(), gn.SoftmaxCrossEntropy(), X, y, resume_from=tmp_path / "model.npz")


# ------------------------------------------------------------------ the command line
TRAIN = [
    "train",
    "--data",
    "spirals",
    "--n-samples",
    "120",
    "--hidden",
    "8",
    "--optimizer",
    "adam",
    "--lr",
    "0.01",
    "--batch-size",
    "16",
    "--dropout",
    "0.1",
    "--l2",
    "0.001",
    "--validation-fraction",
    "0.2",
    "--quiet",
]


def test_cli_resume_ends_as_the_uninterrupted_run(tmp_path, capsys):
    ref, done = str(tmp_path / "ref.npz"), str(tmp_path / "done.npz")
    assert main([*TRAIN, "--epochs", "60", "--save", ref]) == 0
    # the same run stopped after 25 epochs, as if interrupted there
    ck = str(tmp_path / "run.ckpt")
    assert main([*TRAIN, "--epochs", "25", "--checkpoint", ck, "--checkpoint-every", "10"]) == 0
    assert load_checkpoint(ck).metadata["cli_args"]["hidden"] == [8]
    capsys.readouterr()
    assert main(["train", "--resume", ck, "--epochs", "60", "--save", done, "--quiet"]) == 0
    assert "resuming at epoch 26" in capsys.readouterr().out
    np.testing.assert_array_equal(gn.load(done).theta, gn.load(ref).theta)
    # changing a setting of the run is refused
    assert main(["train", "--resume", ck, "--lr", "0.5", "--epochs", "70"]) == 2
    assert "--lr 0.5 differs from the checkpointed run's 0.01" in capsys.readouterr().err
    assert main(["train", "--resume", ref]) == 2
    assert "not a checkpoint" in capsys.readouterr().err


@pytest.mark.parametrize(
    "sig, code, name", [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_signal_during_glassnet_train_saves_the_model(tmp_path, sig, code, name):
    model = tmp_path / "model.npz"
    ckpt = tmp_path / "run.ckpt"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "glassnet", *TRAIN[:-1], "--epochs", "1000000"]
    argv += ["--save", str(model), "--checkpoint", str(ckpt), "--checkpoint-every", "1000"]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path
    )
    try:
        for line in proc.stdout:  # the first report line: fit is running, handler installed
            if line.startswith("epoch"):
                break
        time.sleep(0.3)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert f"interrupted by {name}" in err and f"was saved to {model}" in err
    assert "Traceback" not in err
    net = gn.load(model)  # a complete, loadable model
    assert isinstance(net, gn.Sequential) and np.isfinite(net.theta).all()
    ck = load_checkpoint(ckpt)
    np.testing.assert_array_equal(ck.arrays["theta"], net.theta)  # the same last good state
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_history_is_stored_as_numeric_arrays(spirals, tmp_path):
    """Issue 14: the history was JSON text (about 20 characters a number: 9.8 MB for a
    371-parameter network after 20,000 epochs with validation); now float64 arrays, 8
    bytes a number, read back exactly."""
    X, y = spirals
    sizes = {}
    for epochs in (200, 400):
        path = tmp_path / f"ck{epochs}.npz"
        hist = gn.fit(_net(), gn.SoftmaxCrossEntropy(), X, y, optimizer=gn.Adam(lr=0.01),
                      epochs=epochs, seed=0, validation_fraction=0.2, checkpoint=path,
                      checkpoint_every=epochs)  # fmt: skip
        sizes[epochs] = os.path.getsize(path)
    ck = load_checkpoint(path)
    keys = ["epoch", *hist.history]
    for key in keys:
        stored = ck.arrays["history." + key]
        assert stored.dtype == (np.int64 if key == "epoch" else np.float64), key
        assert stored.shape == (400,), key
    assert ck.history["loss"] == hist["loss"]  # exact, not rounded through text
    assert ck.history["epoch"] == list(range(400))
    # 200 more epochs cost 8 bytes a number (plus the .npz headers), not ~20 characters
    assert sizes[400] - sizes[200] <= 200 * len(keys) * 8 + 2000


def test_checkpoint_of_the_earlier_format_with_history_as_text_still_loads(spirals, tmp_path):
    X, y = spirals
    path = tmp_path / "ck.npz"
    gn.fit(_net(), gn.SoftmaxCrossEntropy(), X, y, epochs=5, seed=0, checkpoint=path)
    ck = load_checkpoint(path)
    meta, arrays = dict(ck.meta), dict(ck.arrays)
    old = {"__stopped_epoch__": None, "__best_epoch__": None}
    for key in meta["history"]["__arrays__"]:  # the earlier format: JSON lists in the meta
        old[key] = arrays.pop("history." + key).tolist()
    meta["history"] = old
    gn.save(Checkpoint(meta, arrays), tmp_path / "old.npz")
    again = load_checkpoint(tmp_path / "old.npz")
    assert again.history == ck.history
    _, hist = resume(tmp_path / "old.npz", X, y, epochs=8)
    assert len(hist) == 8 and hist.epoch == list(range(8))
