"""The playground against clients that never finish a request, and malformed Host
headers, on a real server on loopback: a clear 400 for a bad Host header, never a 500;
hundreds of half-sent requests (a slowloris) under ``ulimit -n 256`` do not keep a real
client from being answered. Timeouts here are generous: they catch a hang, they do not
measure speed."""

from __future__ import annotations

import socket
import sys
import time

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from .playground_server import running_server  # noqa: E402


def _raw_status(server, request: bytes) -> tuple[int, bytes]:
    """Send ``request`` as bytes on a new connection; the status code and the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):  # the request says Connection: close
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("playground")) as srv:
        yield srv


def _get_limits(server, host: bytes) -> tuple[int, bytes]:
    return _raw_status(
        server,
        f"GET /api/limits?token={server.token} HTTP/1.1\r\n".encode()
        + b"Host: "
        + host
        + b"\r\nConnection: close\r\n\r\n",
    )


@pytest.mark.parametrize("port", [b"\xb2", b"8x", b"\xd9\xa3", b"-1", b"99999999999999999999x"])
def test_a_host_header_with_a_bad_port_gets_a_400(server, port):
    # b"\xb2" is "²" in latin-1, a digit to str.isdigit that int() refuses (was a 500);
    # the others were taken for a missing port and served
    status, answer = _get_limits(server, b"localhost:" + port)
    assert status == 400, answer
    assert b"has no valid port" in answer


@pytest.mark.parametrize("host", [b"localhost", b"localhost:{port}", b"[::1]:{port}"])
def test_a_host_header_with_a_good_port_or_none_is_served(server, host):
    status, answer = _get_limits(server, host.replace(b"{port}", str(server.port).encode()))
    assert status == 200, answer


@pytest.mark.skipif(sys.platform == "win32", reason="ulimit -n is POSIX")
def test_half_sent_requests_do_not_keep_a_real_client_waiting(tmp_path):
    # 300 connections that send half a request and wait, to a server that may hold 256
    # open files: without a bound on them the server runs out of files and cannot
    # accept the real client's connection until they leave (they never do)
    n_slow = 300
    with running_server(tmp_path, max_files=256) as server:
        slow = []
        try:
            for _ in range(n_slow):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Wait: ")
                slow.append(sock)
            time.sleep(0.5)  # let the server take them in
            start = time.monotonic()
            r = httpx.get(f"{server.base}/api/limits?token={server.token}", timeout=20)
            took = time.monotonic() - start
            assert r.status_code == 200, r.text
            assert "limits" in r.json()
        finally:
            for sock in slow:
                sock.close()
    print(f"answered in {took:.2f} s behind {n_slow} half-sent requests")


def test_a_connection_that_never_finishes_its_headers_is_closed(server):
    # connections.HEADER_TIMEOUT (10 s) to send a request's headers; 30 s is a hang
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        start = time.monotonic()
        assert sock.recv(1024) == b""  # closed by the server, without an answer
        assert time.monotonic() - start < 30
