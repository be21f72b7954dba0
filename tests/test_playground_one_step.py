"""The playground's look inside one step: the "one_step" message takes the next batch of
the epoch in progress, the "select" message picks a point, and the frame carries the
step's gradients and the point's z, a and delta (``apps/playground/inside.py``)."""

import base64
import warnings

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from glassnet.apps.playground.server import create_app  # noqa: E402
from glassnet.apps.playground.session import Session  # noqa: E402
from glassnet.apps.playground.views import f4  # noqa: E402
from glassnet.layers import Dense  # noqa: E402

from .test_playground_api import BASE, WS, expect_error, open_session, recv  # noqa: E402


@pytest.mark.parametrize(
    "config",
    [
        {},  # Adam, batches of 10: 20 steps an epoch
        {"batch_size": 0, "optimizer": "sgd", "l2": 0.01},  # the full batch: one step
        {"batch_size": 64, "schedule": "cosine", "dropout": 0.2, "layers": [5, 4, 3]},
        {"batch_size": 32, "schedule": "plateau", "optimizer": "momentum"},
    ],
)
def test_single_steps_through_an_epoch_are_the_epoch(config):
    """Steps taken one at a time, then the epoch finished by the epoch button, then a
    second epoch of single steps, leave the network bit for bit where two epochs of
    ``fit`` put it (the page's snippet reproduces the run either way)."""
    by_epochs, by_steps = Session(config), Session(config)
    by_epochs.train(3)
    by_steps.one_step()
    if by_steps.epoch == 0:  # more than one batch: two steps, then the rest of the epoch
        by_steps.one_step()
        assert by_steps.last_step["batch"] == 2
        by_steps.train(1)
        assert by_steps.last_step is None  # an epoch's training clears the step's view
    assert by_steps.epoch == 1
    while by_steps.epoch < 2:
        by_steps.one_step()
    by_steps.train(1)
    np.testing.assert_array_equal(by_steps.net.theta, by_epochs.net.theta)
    assert by_steps.history == by_epochs.history
    assert by_steps.optimizer.lr == by_epochs.optimizer.lr


def _engine_numbers(net, x, label):
    """z, a and delta at one point by the post's formulas, layer by layer:
    z = a @ W + b, a = tanh(z), p = softmax(z), delta_out = p - onehot(y),
    delta = (delta_next @ W_next.T) * (1 - a**2)."""
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    a, zs, acts = x, [], [x]
    for k, layer in enumerate(dense):
        z = a @ layer.W + layer.b
        zs.append(z)
        a = np.tanh(z) if k < len(dense) - 1 else np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        acts.append(a)
    delta = acts[-1] - np.eye(len(acts[-1]))[label]
    deltas = [delta]
    for k in range(len(dense) - 1, 0, -1):
        delta = (delta @ dense[k].W.T) * (1 - acts[k] ** 2)
        deltas.insert(0, delta)
    return zs, acts, deltas


def test_the_frame_carries_the_point_and_the_step_as_the_engine_computes_them():
    s = Session({"layers": [4, 3], "batch_size": 25, "optimizer": "sgd"})
    s.one_step()
    s.select(7)
    frame = s.frame()
    point, step = frame["point"], frame["step"]
    zs, acts, deltas = _engine_numbers(s.net, s.X[7], int(s.y[7]))
    assert point["index"] == 7 and point["label"] == s.y[7]
    pairs = [*zip(point["z"], zs), *zip(point["a"], acts), *zip(point["delta"], deltas)]
    for shown, right in pairs:
        np.testing.assert_allclose(shown, right, rtol=1e-5, atol=1e-12)  # 6 digits sent
    # the step's gradient: the mean over its batch of a * delta, per weight
    rows = np.asarray(step["rows"])
    assert len(rows) == 25 and s.is_train[rows].all()
    before = Session({"layers": [4, 3], "batch_size": 25, "optimizer": "sgd"})
    grads = [np.zeros_like(layer.W) for layer in before.net.layers if isinstance(layer, Dense)]
    for i in rows:
        _, a, d = _engine_numbers(before.net, before.X[i], int(before.y[i]))
        for k, g in enumerate(grads):
            g += np.outer(a[k], d[k]) / len(rows)
    for shown, g in zip(step["dW"], grads):
        got = np.frombuffer(base64.b64decode(shown), "<f4").reshape(g.shape)
        np.testing.assert_allclose(got, f4(g), rtol=1e-5, atol=1e-7)  # float32 on the wire


@pytest.fixture
def client():
    with TestClient(create_app(), base_url=BASE) as c:
        yield c


def test_one_step_and_select_over_the_socket(client):
    with client.websocket_connect(WS) as ws:
        open_session(ws)
        ws.send_json({"type": "one_step"})
        frame = recv(ws, "frame")
        assert frame["epoch"] == 0 and frame["step"]["batch"] == 1 and frame["point"] is None
        ws.send_json({"type": "select", "point": 3})
        frame = recv(ws, "frame")
        assert frame["point"]["index"] == 3 and frame["step"]["batch"] == 1
        ws.send_json({"type": "step"})  # a whole epoch: the rest of epoch 1's batches
        frame = recv(ws, "frame")
        assert frame["epoch"] == 1 and frame["step"] is None and frame["point"]["index"] == 3
        ws.send_json({"type": "select", "point": None})
        assert recv(ws, "frame")["point"] is None


@pytest.mark.parametrize("bad", [-1, 400, "3", True, 2.0, [1]])
def test_a_bad_point_is_refused_by_name(client, bad):
    with client.websocket_connect(WS) as ws:
        open_session(ws)
        words = "point must be an integer between 0 and 399"
        expect_error(ws, {"type": "select", "point": bad}, words)


def test_one_step_takes_no_other_fields(client):
    with client.websocket_connect(WS) as ws:
        open_session(ws)
        expect_error(ws, {"type": "one_step", "epochs": 3}, "unknown field")
