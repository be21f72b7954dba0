"""The playground server's API through Starlette's ASGI test client: sessions, the
WebSocket protocol, caps, bad messages, CSV upload, model download and the snippet."""

import argparse
import base64
import json
import re
import time
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():  # starlette >= 1.x suggests httpx2 over httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

import glassnet as gn  # noqa: E402
from glassnet.apps.playground import _is_loopback, add_arguments  # noqa: E402
from glassnet.apps.playground.config import (  # noqa: E402
    DEFAULTS,
    LIMITS,
    OPTIONS,
    SETTINGS,
    ConfigError,
    data_call,
    merge_config,
)
from glassnet.apps.playground.server import STATIC, create_app  # noqa: E402
from glassnet.data import datasets  # noqa: E402

BASE = "http://127.0.0.1:8765"  # the test client's requests name this host and port
WS = "ws://127.0.0.1:8765/ws"


@pytest.fixture
def client():
    with TestClient(create_app(), base_url=BASE) as c:
        yield c


def recv(ws, kind, errors=None):
    """Messages until one of type ``kind`` (returned); errors on the way are collected."""
    for _ in range(500):
        msg = ws.receive_json()
        if msg["type"] == kind:
            return msg
        if msg["type"] == "error":
            if errors is None:
                raise AssertionError(f"unexpected error message: {msg['message']}")
            errors.append(msg["message"])
    raise AssertionError(f"no {kind!r} message")


def open_session(ws):
    hello = recv(ws, "hello")
    recv(ws, "config")
    recv(ws, "data")
    recv(ws, "frame")
    return hello["session"]


def configure(ws, **patch):
    ws.send_json({"type": "config", "config": patch})
    config = recv(ws, "config")["config"]
    data = recv(ws, "data")
    frame = recv(ws, "frame")
    return config, data, frame


def expect_error(ws, msg, pattern):
    """Send ``msg``; the reply is an error matching ``pattern`` and the socket still works."""
    if isinstance(msg, bytes):
        ws.send_bytes(msg)
    elif isinstance(msg, str):
        ws.send_text(msg)
    else:
        ws.send_json(msg)
    reply = ws.receive_json()
    assert reply["type"] == "error", reply
    assert re.search(pattern, reply["message"]), reply["message"]
    ws.send_json({"type": "ping"})
    assert ws.receive_json() == {"type": "pong"}


def test_page_and_assets_are_served_without_any_internet(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="test-loss"' in page.text
    for name in ("app.js", "draw.js", "network.js", "style.css"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200, name
        assert not re.search(r"https?://", r.text), f"{name} loads something from the internet"
    assert not re.search(r"(src|href)=\"https?://", page.text)
    assert sorted(p.name for p in STATIC.iterdir()) == [
        "app.js",
        "draw.js",
        "index.html",
        "network.js",
        "style.css",
    ]


def test_limits_endpoint(client):
    body = client.get("/api/limits").json()
    assert body["limits"]["rows"] == 2000
    assert body["limits"]["layers"] == 8
    assert body["limits"]["neurons"] == 64
    assert body["limits"]["upload_bytes"] == 1_000_000
    assert set(body["options"]["datasets"]) == {
        "circle",
        "xor",
        "blobs",
        "spiral",
        "moons",
        "spiral3",
        "digits",
        "plane",
        "gauss",
        "csv",
    }
    assert body["options"]["problems"]["regression"] == ["plane", "gauss", "csv"]
    assert "x1*x2" in body["options"]["features"]


def test_each_tab_gets_its_own_session(client):
    app = client.app
    with client.websocket_connect(WS) as a, client.websocket_connect(WS) as b:
        sa, sb = open_session(a), open_session(b)
        assert sa != sb
        assert set(app.state.sessions) == {sa, sb}
        a.send_json({"type": "step", "epochs": 4})
        assert recv(a, "frame")["epoch"] == 4
        b.send_json({"type": "ping"})
        recv(b, "pong")
        assert app.state.sessions[sb].session.epoch == 0
    assert app.state.sessions == {}  # closing a tab ends its session


def test_training_does_not_block_other_tabs(client):
    with client.websocket_connect(WS) as busy, client.websocket_connect(WS) as other:
        open_session(busy)
        open_session(other)
        configure(busy, layers=[64] * 8, n_samples=2000, batch_size=1)
        busy.send_json({"type": "play", "speed": 1000})
        recv(busy, "status")
        for _ in range(5):
            start = time.perf_counter()
            other.send_json({"type": "ping"})
            recv(other, "pong")
            assert time.perf_counter() - start < 1.0
        other.send_json({"type": "step", "epochs": 2})
        assert recv(other, "frame")["epoch"] == 2
        busy.send_json({"type": "pause"})
        recv(busy, "status")


def test_hello_config_data_and_frame(client):
    with client.websocket_connect(WS) as ws:
        hello = recv(ws, "hello")
        assert hello["limits"] == LIMITS
        config = recv(ws, "config")["config"]
        assert config == DEFAULTS
        data = recv(ws, "data")
        assert len(data["X"]) == len(data["y"]) == len(data["train"]) == DEFAULTS["n_samples"]
        assert sum(data["train"]) == DEFAULTS["n_samples"] // 2
        frame = recv(ws, "frame")
        assert frame["epoch"] == 0
        assert frame["sizes"] == [2, 8, 8, 2]
        assert len(frame["weights"]) == 3
        heat = base64.b64decode(frame["heat"]["data"])
        assert len(heat) == 2 * frame["heat"]["res"] ** 2
        thumbs = base64.b64decode(frame["thumbs"]["data"])
        assert len(thumbs) == (2 + 16) * frame["thumbs"]["res"] ** 2  # per input and neuron


def test_step_play_pause_reset(client):
    with client.websocket_connect(WS) as ws:
        open_session(ws)
        ws.send_json({"type": "step"})
        frame = recv(ws, "frame")
        assert frame["epoch"] == 1
        assert frame["history"]["start"] == 0 and len(frame["history"]["val_loss"]) == 1
        ws.send_json({"type": "step", "epochs": 9})
        frame = recv(ws, "frame")
        assert frame["epoch"] == 10
        assert frame["history"]["start"] == 1  # only the new epochs are sent
        ws.send_json({"type": "play", "speed": 3})
        assert recv(ws, "status")["playing"] is True
        for _ in range(3):
            frame = recv(ws, "frame")
        assert frame["epoch"] > 10 and frame["playing"] is True
        ws.send_json({"type": "pause"})
        assert recv(ws, "status")["playing"] is False
        ws.send_json({"type": "reset"})
        frame = recv(ws, "frame")
        assert frame["epoch"] == 0 and frame["history"]["val_loss"] == []


def test_config_changes_rebuild_the_run(client):
    with client.websocket_connect(WS) as ws:
        open_session(ws)
        config, data, frame = configure(
            ws, dataset="spiral3", layers=[5, 3, 4], n_samples=300, noise=20
        )
        assert config["activations"] == ["tanh", "tanh", "tanh"]
        assert data["n_classes"] == 3 and len(data["X"]) == 300
        assert frame["sizes"] == [2, 5, 3, 4, 3]
        config, _, frame = configure(ws, layers=[], activations=[])
        assert frame["sizes"] == [2, 3]
        ws.send_json({"type": "regenerate"})
        assert recv(ws, "config")["config"]["data_seed"] == config["data_seed"] + 1


@pytest.mark.parametrize(
    "patch, pattern",
    [
        ({"layers": [4] * 9}, "at most 8"),
        ({"layers": [65]}, "between 1 and 64"),
        ({"layers": [0]}, "between 1 and 64"),
        ({"n_samples": 2001}, "between 20 and 2000"),
        ({"batch_size": 5000}, "between 0 and 2000"),
        ({"lr": "fast"}, "lr must be a number"),
        ({"lr": 0}, r"lr must be a number in \(0, 10\], got 0"),
        ({"n_samples": True}, "must be an integer"),
        ({"n_samples": 100.5}, "must be an integer"),
        ({"seed": -1}, "seed must be an integer between 0 and"),
        ({"dataset": "mnist"}, "dataset must be one of"),
        ({"activations": ["tanh", "swish"]}, "every activation must be one of"),
        ({"activations": ["tanh"]}, "activations lists 1 names for 2 hidden layers"),
        ({"dropout": 0.95}, "dropout must be"),
        ({"colour": "red"}, "unknown setting 'colour'"),
        ({"dataset": "csv"}, "no CSV uploaded"),
    ],
)
def test_caps_and_bad_settings_are_rejected(client, patch, pattern):
    with client.websocket_connect(WS) as ws:
        open_session(ws)
        expect_error(ws, {"type": "config", "config": patch}, pattern)
        ws.send_json({"type": "step"})
        assert recv(ws, "frame")["sizes"] == [2, 8, 8, 2]  # the old config is untouched


@pytest.mark.parametrize(
    "msg, pattern",
    [
        ("not json{", "not valid JSON"),
        ("[1, 2]", 'JSON objects with a "type"'),
        ({"no": "type"}, 'JSON objects with a "type"'),
        ({"type": 3}, 'JSON objects with a "type"'),
        ({"type": "explode"}, "unknown message type 'explode'"),
        ({"type": "step", "epochs": "ten"}, "epochs must be an integer"),
        ({"type": "step", "epochs": 10**6}, "epochs must be an integer from 1 to 1000"),
        ({"type": "play", "speed": -1}, "speed must be an integer"),
        ({"type": "pause", "extra": 1}, "unknown field"),
        ({"type": "config", "config": [1]}, "config must be an object"),
        ({"type": "config"}, "config must be an object"),
        (b"\x00\x01", "must be JSON text"),
        ("x" * (LIMITS["message_bytes"] + 1), "message too long"),
    ],
)
def test_bad_messages_get_an_error_and_the_connection_stays(client, msg, pattern):
    with client.websocket_connect(WS) as ws:
        open_session(ws)
        expect_error(ws, msg, pattern)


def test_session_cap(client, monkeypatch):
    monkeypatch.setitem(LIMITS, "sessions", 1)
    with client.websocket_connect(WS) as a:
        open_session(a)
        with client.websocket_connect(WS) as b:
            msg = b.receive_json()
            assert msg["type"] == "error" and "already runs 1 sessions" in msg["message"]


def test_unknown_session_is_404(client):
    for url in ("/api/session/nope/model", "/api/session/nope/snippet"):
        r = client.get(url)
        assert r.status_code == 404 and "no such session" in r.json()["error"]
    assert client.post("/api/session/nope/upload", content=b"1,2,0").status_code == 404


def test_download_round_trip(client, tmp_path):
    with client.websocket_connect(WS) as ws:
        sid = open_session(ws)
        ws.send_json({"type": "step", "epochs": 40})
        frame = recv(ws, "frame")
        for _ in range(40):  # frames stream while the step runs: wait for its last
            if frame["epoch"] >= 40:
                break
            frame = recv(ws, "frame")
        assert frame["epoch"] == 40 and frame["test_loss"] < 0.3
        r = client.get(f"/api/session/{sid}/model")
        assert r.status_code == 200
        assert 'filename="glassnet-xor-epoch40.npz"' in r.headers["content-disposition"]
        path = tmp_path / "model.npz"
        path.write_bytes(r.content)
        net = gn.load(path)
        live = client.app.state.sessions[sid].session
        np.testing.assert_array_equal(net.theta, live.net.theta)
        # the file owns the page's input scaling: it predicts from raw points what the
        # page predicts from its standardised ones
        name, kwargs = data_call(live.config)
        X, _ = getattr(datasets, name)(**kwargs)  # the page's points, unscaled
        np.testing.assert_array_equal(net.predict_proba(X), live.net.predict_proba(live.X))
        X, y = datasets.xor(400, seed=5)  # new raw points
        assert np.mean(net.predict_classes(X) == y) > 0.9


def _run_snippet(source, tmp_path, monkeypatch, epochs=None):
    monkeypatch.chdir(tmp_path)
    if epochs is not None:
        source = re.sub(r"^EPOCHS = \d+$", f"EPOCHS = {epochs}", source, flags=re.M)
    namespace = {"__name__": "__main__"}
    exec(compile(source, "playground_snippet.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(
    "patch",
    [
        {},
        {
            "dataset": "spiral3",
            "layers": [6, 5],
            "activations": ["relu", "elu"],
            "optimizer": "momentum",
            "lr": 0.1,
            "schedule": "plateau",
            "dropout": 0.1,
            "l2": 0.001,
            "batch_size": 0,
            "seed": 7,
        },
        {"dataset": "moons", "noise": 30, "optimizer": "rmsprop", "schedule": "cosine"},
        {"dataset": "blobs", "layers": [3], "optimizer": "sgd", "schedule": "step"},
    ],
)
def test_snippet_rebuilds_and_retrains_the_same_run(client, tmp_path, monkeypatch, patch):
    with client.websocket_connect(WS) as ws:
        sid = open_session(ws)
        if patch:
            configure(ws, **patch)
        ws.send_json({"type": "step", "epochs": 6})
        recv(ws, "frame")
        source = client.get(f"/api/session/{sid}/snippet").text
        live = client.app.state.sessions[sid].session
        assert "EPOCHS = 6" in source
        ns = _run_snippet(source, tmp_path, monkeypatch)
        net = ns["net"]
        assert net.get_config() == live.net.get_config()  # the same architecture
        np.testing.assert_allclose(net.theta, live.net.theta, rtol=0, atol=1e-12)
        saved = gn.load(tmp_path / "playground_model.npz")
        np.testing.assert_array_equal(saved.theta, net.theta)
        # on a smaller epoch count it builds the same architecture
        ns = _run_snippet(source, tmp_path, monkeypatch, epochs=2)
        assert ns["net"].get_config() == live.net.get_config()


def _csv(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    return "x1,x2,label\n" + "".join(f"{a:.5f},{b:.5f},{c}\n" for (a, b), c in zip(X, y))


def test_csv_upload_trains_and_the_snippet_reads_the_file(client, tmp_path, monkeypatch):
    text = _csv()
    with client.websocket_connect(WS) as ws:
        sid = open_session(ws)
        r = client.post(f"/api/session/{sid}/upload?name=points.csv", content=text.encode())
        assert r.status_code == 200, r.text
        assert r.json() == {"rows": 120, "classes": ["no", "yes"], "name": "points.csv"}
        assert recv(ws, "config")["config"]["dataset"] == "csv"
        data = recv(ws, "data")
        assert len(data["X"]) == 120 and data["classes"] == ["no", "yes"]
        ws.send_json({"type": "step", "epochs": 3})
        recv(ws, "frame")
        source = client.get(f"/api/session/{sid}/snippet").text
        assert "load_csv('points.csv'" in source
        (tmp_path / "points.csv").write_text(text)
        ns = _run_snippet(source, tmp_path, monkeypatch)
        live = client.app.state.sessions[sid].session
        np.testing.assert_allclose(ns["net"].theta, live.net.theta, rtol=0, atol=1e-12)
        # the download and the snippet's file both own the scaling and the CSV's labels:
        # they predict the labels of the raw points as the page does from scaled ones
        (tmp_path / "download.npz").write_bytes(client.get(f"/api/session/{sid}/model").content)
        raw = np.loadtxt(tmp_path / "points.csv", delimiter=",", skiprows=1, usecols=(0, 1))
        page = np.array(["no", "yes"])[live.net.predict_classes(live.X)]
        for name in ("download.npz", "playground_model.npz"):
            model = gn.load(tmp_path / name)
            assert model.classes_.tolist() == ["no", "yes"]
            np.testing.assert_array_equal(model.classes_[model.predict_classes(raw)], page)
        # after an upload, changing other settings keeps the CSV
        config, data, _ = configure(ws, train_share=70)
        assert config["dataset"] == "csv" and sum(data["train"]) == 84


@pytest.mark.parametrize(
    "body, status, pattern",
    [
        (b"x" * (LIMITS["upload_bytes"] + 1), 413, "larger than 1000000 bytes"),
        (b"a,b,c,label\n1,2,3,0\n4,5,6,1\n1,1,1,0\n2,2,2,1\n", 400, "2 feature columns"),
        (("".join(f"{i},{i},{i % 2}\n" for i in range(2001))).encode(), 400, "limit is 2000"),
        (b"1,2,0\n3,4,0\n5,6,0\n7,8,0\n", 400, "1 classes"),
        (b"1,2,0\n3,oops,1\n5,6,0\n7,8,1\n", 400, "line 2, column 2"),
        (b"", 400, "empty"),
    ],
)
def test_bad_uploads_are_refused_with_a_message(client, body, status, pattern):
    with client.websocket_connect(WS) as ws:
        sid = open_session(ws)
        r = client.post(f"/api/session/{sid}/upload", content=body)
        assert r.status_code == status
        assert re.search(pattern, r.json()["error"]), r.json()["error"]
        ws.send_json({"type": "ping"})
        assert recv(ws, "pong") == {"type": "pong"}


@pytest.mark.parametrize(
    "name, value",
    [("l2", -0.001), ("l2", float("nan")), ("l2", "0.1"), ("lr", 0), ("lr", -1), ("dropout", 1.0)],
)
def test_the_page_refuses_what_the_engine_refuses_in_the_same_words(name, value):
    """The page's checks of l2, lr and dropout are the engine's own constraints (fit's
    table, the optimizers', Dropout's) with an upper cap, so a value the engine refuses
    is refused on the page with the same description."""
    engine = {
        "l2": lambda v: gn.fit(gn.mlp([2, 2]), gn.SoftmaxCrossEntropy(), X2, Y2, l2=v),
        "lr": lambda v: gn.Adam(lr=v),
        "dropout": lambda v: gn.Dropout(v),
    }[name]
    with pytest.raises((TypeError, ValueError)) as refused:
        engine(value)
    allowed = str(refused.value).split(" must be ")[1].split(", got")[0]
    with pytest.raises(ConfigError) as page:
        merge_config(DEFAULTS, {name: value})
    page_allowed = str(page.value).split(" must be ")[1].split(", got")[0]
    # the same lower end, and the page's cap on top: "a finite number >= 0" becomes
    # "a number between 0 and 10", "a finite number > 0" "a number in (0, 10]"
    lower = {"l2": "0", "lr": "(0", "dropout": "0"}[name]
    assert allowed.split()[-1] in ("0", "1)") and lower in page_allowed


def test_every_setting_has_a_default_a_help_and_a_kind():
    """SETTINGS declares each control once; DEFAULTS, the page's tooltips and the
    link's parsing (options.kinds) are read from it, and each default passes its check."""
    assert list(DEFAULTS) == list(SETTINGS) == list(OPTIONS["help"]) == list(OPTIONS["kinds"])
    assert merge_config(DEFAULTS, dict(DEFAULTS)) == DEFAULTS
    assert OPTIONS["help"]["l2"] == gn.train.fit_options.HELP["l2"]  # fit's own help line
    assert {k for k, v in OPTIONS["kinds"].items() if v == "ints"} == {"layers"}


X2, Y2 = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1])


def test_merge_config_keeps_activations_per_layer():
    c = merge_config(DEFAULTS, {"activations": ["relu", "elu"]})
    c = merge_config(c, {"layers": [3, 3, 3]})
    assert c["activations"] == ["relu", "elu", "elu"]
    c = merge_config(c, {"layers": [3]})
    assert c["activations"] == ["relu"]
    with pytest.raises(ConfigError, match="config must be an object"):
        merge_config(c, "xor")


def test_command_line_options_and_loopback_default():
    args = add_arguments(argparse.ArgumentParser()).parse_args([])
    assert (args.host, args.port, args.no_browser) == ("127.0.0.1", 8765, False)
    args = add_arguments(argparse.ArgumentParser()).parse_args(
        ["--host", "0.0.0.0", "--port", "9000", "--no-browser"]
    )
    assert (args.host, args.port, args.no_browser) == ("0.0.0.0", 9000, True)
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0")


# ---------------------------------------------------------------------- fuzzing
def _strict_json(text):
    def refuse(name):
        raise AssertionError(f"a bare {name} in {text[:200]}")

    return json.loads(text, parse_constant=refuse)


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
_fields = st.sampled_from(
    ["config", "epochs", "speed", "layers", "lr", "x", "n_samples", "batch_size", "dataset"]
)
_messages = st.fixed_dictionaries(
    {"type": st.sampled_from(["config", "step", "reset", "regenerate", "ping", "pause", "zap"])},
    optional={"config": st.dictionaries(_fields, _json_values, max_size=3), "epochs": _json_values},
)
_raw = st.one_of(
    _messages.map(json.dumps),
    st.sampled_from([10, 900, 1000, 30_000]).map(
        lambda d: '{"type":"ping","x":' + "[" * d + "]" * d + "}"
    ),
    st.sampled_from(['{"type":"step","epochs":1' + "0" * 5000 + "}", '{"type":NaN}', "\ud800"]),
    st.text(max_size=50),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(_raw, min_size=1, max_size=4))
def test_any_message_gets_an_answer_and_the_socket_stays(batch):
    with TestClient(create_app(), base_url=BASE) as c, c.websocket_connect(WS) as ws:
        open_session(ws)
        for text in batch:
            ws.send_text(text)
        ws.send_text('{"type":"ping"}')
        for _ in range(50):  # replies (errors, configs, frames) then the pong
            msg = _strict_json(ws.receive_text())
            if msg["type"] == "pong":
                break
        else:
            raise AssertionError("no pong")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.text(max_size=300))
def test_any_upload_name_is_a_label_or_a_400(name):
    body = b"x1,x2,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n"
    with TestClient(create_app(), base_url=BASE) as c, c.websocket_connect(WS) as ws:
        sid = open_session(ws)
        r = c.post(f"/api/session/{sid}/upload", params={"name": name}, content=body)
        assert r.status_code in (200, 400), (name, r.status_code)
        if r.status_code == 200:
            label = r.json()["name"]
            assert "/" not in label and "\\" not in label and label not in ("", ".", "..")
