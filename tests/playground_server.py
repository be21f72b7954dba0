"""A real playground server for the tests: ``python -m glassnet.apps.playground`` in a
subprocess on a free loopback port, its address (with the access token it printed) read
from its output; stopped with Ctrl+C (SIGINT), which must end it cleanly."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest

URL_LINE = re.compile(r"glassnet playground at (http://\S+) ")


@dataclass
class Server:
    url: str  # as printed: http://localhost:PORT/?token=...
    port: int
    token: str
    proc: subprocess.Popen
    log: object

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``, without the token."""
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _limit_files(n: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))  # as `ulimit -n n` does


@contextlib.contextmanager
def running_server(tmp_path, *args: str, check_exit: bool = True, max_files: int | None = None):
    """Start the server (extra command-line ``args``), yield a ``Server``, stop it.
    ``max_files``: the server process may hold at most this many open files (``ulimit
    -n``; POSIX only)."""
    port = free_port()
    log = open(tmp_path / f"server-{port}.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "glassnet.apps.playground", "--no-browser", "--port", str(port)]
        + list(args),
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=None if max_files is None else lambda: _limit_files(max_files),
    )
    server = None
    deadline = time.monotonic() + 30
    try:
        while server is None:
            log.seek(0)
            found = URL_LINE.search(log.read())
            if found:
                url = found.group(1)
                token = url.split("token=", 1)[1] if "token=" in url else ""
                url += "" if "?" in url else "?"  # tests add "&name=value"
                server = Server(url, port, token, proc, log)
            elif proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"the playground server exited early:\n{log.read()}")
            elif time.monotonic() > deadline:
                pytest.fail("the playground server did not start within 30 s")
            else:
                time.sleep(0.1)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.seek(0)
        output = log.read()
        log.close()
    if check_exit:
        assert proc.returncode == 0, f"server exit status {proc.returncode}:\n{output}"
        assert "Traceback" not in output, output
