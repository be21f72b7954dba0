"""The playground against hostile pages and clients, on a real server on loopback with a
real WebSocket client (``websockets``): foreign origins, rebound host names and missing
tokens are refused (S1); six clients that start long runs and leave do not starve a new
tab, and their work stops (S2); diverging runs, deeply nested JSON, huge values and bad
upload names get messages and keep the connection (C1 to C4, U4)."""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time

import numpy as np
import pytest

websockets = pytest.importorskip("websockets")
httpx = pytest.importorskip("httpx")
from websockets.exceptions import InvalidStatus  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from .playground_server import running_server  # noqa: E402

HEAVY = {"layers": [64] * 8, "n_samples": 2000, "batch_size": 1}  # about 1 s an epoch


def _strict(text: str):
    """JSON as the page's ``JSON.parse`` reads it: a bare NaN or Infinity is an error."""

    def refuse(name):
        raise AssertionError(f"the server sent a bare {name} in {text[:200]}")

    return json.loads(text, parse_constant=refuse)


class Tab:
    """A WebSocket client speaking the page's protocol."""

    def __init__(self, server, origin=None, token=True, host="127.0.0.1", **kw):
        query = f"?token={server.token}" if token else ""
        # the socket goes to 127.0.0.1 whatever host name the handshake names
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
        self.cm = connect(
            f"ws://{host}:{server.port}/ws{query}",
            sock=sock,
            origin=origin,
            open_timeout=20,
            max_size=2**24,
            **kw,
        )
        self.ws = self.cm.__enter__()

    def recv(self, kind, timeout=60.0, errors=None):
        deadline = time.monotonic() + timeout
        while True:
            msg = _strict(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if msg["type"] == kind:
                return msg
            if msg["type"] == "error":
                if errors is None:
                    raise AssertionError(f"unexpected error: {msg['message']}")
                errors.append(msg["message"])

    def send(self, msg):
        self.ws.send(msg if isinstance(msg, str) else json.dumps(msg))

    def open(self):
        hello = self.recv("hello")
        for kind in ("config", "data", "frame"):
            self.recv(kind)
        return hello["session"]

    def configure(self, **patch):
        self.send({"type": "config", "config": patch})
        self.recv("config")
        self.recv("data")
        return self.recv("frame")

    def still_works(self):
        self.send({"type": "ping"})
        self.recv("pong", timeout=10)

    def close(self):
        self.cm.__exit__(None, None, None)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("playground")) as srv:
        yield srv


def _refused(server, status=403, **kw):
    with pytest.raises(InvalidStatus) as info:
        Tab(server, **kw).close()
    assert info.value.response.status_code == status
    return info.value.response.body.decode()


# ---------------------------------------------------------------------- S1
@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example.com",
        "https://evil.example.com:{port}",
        "http://localhost:{other}",  # another local server's page
        "http://127.0.0.1.evil.example.com:{port}",
        "null",
    ],
)
def test_foreign_pages_cannot_open_a_socket(server, origin):
    origin = origin.format(port=server.port, other=server.port + 1)
    assert origin in _refused(server, origin=origin)


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:{port}", "http://localhost:{port}", "http://[::1]:{port}"]
)
def test_the_servers_own_origins_open_a_socket(server, origin):
    tab = Tab(server, origin=origin.format(port=server.port))
    tab.open()
    tab.close()


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/"),
        ("GET", "/static/app.js"),
        ("GET", "/api/limits"),
        ("GET", "/api/session/x/model"),
        ("GET", "/api/session/x/snippet"),
        ("POST", "/api/session/x/upload"),
    ],
)
def test_every_route_checks_the_host_header(server, method, path):
    url = f"{server.base}{path}?token={server.token}"
    for host in ("evil.example.com", f"evil.example.com:{server.port}", "127.0.0.1.nip.io"):
        r = httpx.request(method, url, headers={"Host": host}, content=b"1,2,0")
        assert r.status_code == 400, (host, r.status_code)
        assert "does not answer to the host" in r.text
    for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}", f"[::1]:{server.port}"):
        r = httpx.request(method, url, headers={"Host": host}, content=b"1,2,0")
        assert r.status_code in (200, 404), (host, r.status_code)  # 404: no session x


def test_a_rebound_host_name_cannot_open_a_socket(server):
    assert "does not answer to the host 'evil.example.com'" in _refused(
        server, status=400, host="evil.example.com", origin=f"http://evil.example.com:{server.port}"
    )


def test_nothing_is_served_without_the_token(server):
    for path in ("/", "/static/app.js", "/api/limits", "/api/session/x/model"):
        r = httpx.get(f"{server.base}{path}")
        assert r.status_code == 403, path
        assert "?token=" in r.text
        assert httpx.get(f"{server.base}{path}?token=wrong").status_code == 403
    assert "access token" in _refused(server, token=False)
    # a foreign page's form post to the upload route carries neither token nor cookie
    r = httpx.post(f"{server.base}/api/session/x/upload", headers={"Origin": "http://evil.com"})
    assert r.status_code == 403


def test_the_page_with_the_token_sets_a_cookie_that_serves_the_rest(server):
    r = httpx.get(server.url.replace("localhost", "127.0.0.1"))
    assert r.status_code == 200 and 'id="test-loss"' in r.text
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"glassnet-playground-{server.port}={server.token};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    jar = {f"glassnet-playground-{server.port}": server.token}
    assert httpx.get(f"{server.base}/api/limits", cookies=jar).status_code == 200
    header = {"Cookie": f"glassnet-playground-{server.port}={server.token}"}
    tab = Tab(server, token=False, additional_headers=header, origin=server.base)
    tab.open()
    tab.close()


def test_a_server_on_every_interface_requires_the_token(tmp_path):
    with running_server(tmp_path, "--host", "0.0.0.0") as srv:
        assert re.fullmatch(r"http://localhost:\d+/\?token=[\w-]{20,}", srv.url)
        assert "other computers can reach the playground" in srv.output()
        assert httpx.get(f"{srv.base}/").status_code == 403
        assert httpx.get(f"{srv.base}/api/limits").status_code == 403
        assert httpx.get(f"{srv.base}/?token={srv.token}").status_code == 200
        _refused(srv, token=False)


# ---------------------------------------------------------------------- S2
def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_six_clients_that_start_long_runs_and_leave_do_not_starve_a_new_tab(tmp_path, capsys):
    if not os.path.exists("/proc/self/stat"):
        pytest.skip("needs /proc to read the server's CPU time")
    with running_server(tmp_path) as srv:

        def hostile():
            tab = Tab(srv)
            tab.open()
            tab.configure(**HEAVY)
            tab.send({"type": "step", "epochs": 1000})
            tab.close()

        threads = [threading.Thread(target=hostile) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        start = time.perf_counter()
        tab = Tab(srv)
        tab.recv("hello")
        frame = tab.recv("frame", timeout=30)
        first_frame = time.perf_counter() - start
        assert frame["epoch"] == 0
        # the work of the six closed sockets stops at its next epoch boundary
        time.sleep(3)
        cpu0, t0 = _cpu_seconds(srv.proc.pid), time.perf_counter()
        time.sleep(2)
        busy = (_cpu_seconds(srv.proc.pid) - cpu0) / (time.perf_counter() - t0)
        # a step of 1000 heavy epochs answers after about STEP_BUDGET with what it did
        tab.configure(**HEAVY)
        start = time.perf_counter()
        tab.send({"type": "step", "epochs": 1000})
        frame = tab.recv("frame", timeout=60)
        step = time.perf_counter() - start
        tab.close()
    with capsys.disabled():
        print(
            f"\nS2: new tab's first frame after six hostile runs {first_frame:.2f} s; server "
            f"CPU afterwards {busy:.2f} cores; a step of 1000 heavy epochs answered in "
            f"{step:.2f} s with {frame['epoch']} epochs"
        )
    # today's server: the new tab waits minutes behind 6000 epochs, both cores stay busy
    assert first_frame < 5.0
    assert busy < 0.5
    assert 1 <= frame["epoch"] < 1000 and step < 10.0


def test_a_new_tab_trains_while_six_clients_keep_asking_for_long_runs(tmp_path, capsys):
    with running_server(tmp_path) as srv:
        stop = threading.Event()

        def hostile():
            tab = Tab(srv)
            tab.open()
            tab.configure(**HEAVY)
            while not stop.is_set():
                tab.send({"type": "step", "epochs": 1000})
                tab.recv("frame", errors=[])
            tab.close()

        threads = [threading.Thread(target=hostile) for _ in range(6)]
        for t in threads:
            t.start()
        try:
            time.sleep(4)  # all six are training
            start = time.perf_counter()
            tab = Tab(srv)
            tab.open()
            first_frame = time.perf_counter() - start
            start = time.perf_counter()
            tab.send({"type": "step", "epochs": 5})
            assert tab.recv("frame", timeout=60)["epoch"] == 5
            step = time.perf_counter() - start
            tab.close()
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
    with capsys.disabled():
        print(
            f"\nS2: with six clients stepping 1000 heavy epochs again and again, a new tab's "
            f"first frame took {first_frame:.2f} s and a 5-epoch step {step:.2f} s"
        )
    # today's server: both wait behind 6000 heavy epochs in the shared thread pool
    assert first_frame < 5.0 and step < 5.0


# ---------------------------------------------------------------------- C1 to C4, U4
def test_a_diverging_step_says_its_epoch_and_keeps_the_last_good_network(server):
    tab = Tab(server)
    tab.open()
    tab.configure(
        dataset="xor", optimizer="sgd", activations=["identity", "identity"], lr=3.0, batch_size=0
    )
    errors, frames = [], []
    for _ in range(15):
        tab.send({"type": "step"})
        frames.append(tab.recv("frame", errors=errors))
        if errors:
            break
    assert len(errors) == 1, errors
    last_good = frames[-2]
    assert frames[-1]["epoch"] == last_good["epoch"] >= 5  # not "epoch 0"
    assert frames[-1]["weights"] == last_good["weights"]  # the network of the last good epoch
    assert f"training diverged in epoch {last_good['epoch'] + 1} " in errors[0]
    tab.still_works()
    tab.configure(lr=0.01)
    tab.send({"type": "step", "epochs": 3})
    assert tab.recv("frame")["epoch"] == 3
    tab.close()


@pytest.mark.parametrize("depth", [1000, 30_000])
def test_deeply_nested_json_gets_an_error_not_a_dropped_socket(server, depth):
    tab = Tab(server)
    tab.open()
    tab.send('{"type":"ping","x":' + "[" * depth + "1" + "]" * depth + "}")
    errors = []
    tab.send({"type": "ping"})
    tab.recv("pong", errors=errors)
    assert errors == ["messages must be JSON objects; this one is nested too deeply"]
    tab.close()


def test_nested_values_in_a_config_get_an_error(server):
    tab = Tab(server)
    tab.open()
    deep = "[" * 900 + "]" * 900  # parses (1000 levels do not): the setting is refused
    tab.send('{"type":"config","config":{"layers":' + deep + "}}")
    errors = []
    tab.send({"type": "ping"})
    tab.recv("pong", errors=errors)
    assert len(errors) == 1 and "every layer width must be an integer" in errors[0]
    tab.close()


def _upload(server, sid, body: bytes, name=None):
    params = {"token": server.token}
    if name is not None:
        params["name"] = name
    return httpx.post(f"{server.base}/api/session/{sid}/upload", params=params, content=body)


@pytest.mark.parametrize(
    "values",
    [
        [1e308, 1.5e308, 1.2e308, 1.7e308],  # the sum overflows: NaN after standardizing
        [1e308, 2e307, -1e308, 5e307],  # the squares overflow: every value would become 0
    ],
)
def test_an_upload_of_huge_finite_values_is_refused_with_a_message(server, values):
    tab = Tab(server)
    sid = tab.open()
    rows = "".join(f"{v},{i},{i % 2}\n" for i, v in enumerate(values))
    r = _upload(server, sid, ("x1,x2,label\n" + rows).encode(), "big.csv")
    assert r.status_code == 400
    message = r.json()["error"]
    # refused by the CSV reader, which names the line and the column (issue 12 U2)
    assert re.search(r"big.csv, line \d, column 1 \(x1\): .*e\+30\d is too large", message)
    tab.still_works()  # every message on the way parsed as strict JSON
    tab.send({"type": "step"})
    assert tab.recv("frame")["epoch"] == 1
    tab.close()


@pytest.mark.parametrize(
    "name, pattern",
    [
        ("..", "is not a file name"),
        (".", "is not a file name"),
        ("a/..", "is not a file name"),
        ("points\x00.csv", "control character"),
        ("points\n.csv", "control character"),
        ("x" * 400 + ".csv", "404 bytes long; at most 255"),
        ("é" * 200, "400 bytes long"),
    ],
)
def test_bad_upload_names_get_a_4xx_never_a_500(server, name, pattern):
    tab = Tab(server)
    sid = tab.open()
    r = _upload(server, sid, b"x1,x2,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n", name)
    assert r.status_code == 400, r.text
    assert re.search(pattern, r.json()["error"]), r.json()["error"]
    tab.still_works()
    tab.close()


def test_upload_names_are_labels_never_paths(server):
    tab = Tab(server)
    sid = tab.open()
    body = b"x1,x2,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n"
    r = _upload(server, sid, body, "../../etc/passwd.csv")
    assert r.status_code == 200 and r.json()["name"] == "passwd.csv"
    r = _upload(server, sid, body, "C:\\Users\\me\\pts.csv")
    assert r.status_code == 200 and r.json()["name"] == "pts.csv"
    snippet = httpx.get(f"{server.base}/api/session/{sid}/snippet?token={server.token}").text
    assert "load_csv('pts.csv'" in snippet
    tab.close()


def test_frames_never_carry_a_bare_nan():
    from glassnet.apps.playground.server import dumps

    msg = {"type": "frame", "train_loss": float("nan"), "h": [1.0, float("inf")], "n": np.nan}
    assert _strict(dumps(msg)) == {"type": "frame", "train_loss": None, "h": [1.0, None], "n": None}
