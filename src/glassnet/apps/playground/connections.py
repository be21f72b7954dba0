"""Bounds on clients that open a connection and never finish a request (a *slowloris*).

uvicorn starts timing a connection only after its first response: a client that sends
half a request's headers, then waits, holds its connection (and an open file) forever.
A few hundred of them use up the process's open files (``ulimit -n``), and then no one
else can even connect. ``BoundedH11Protocol`` is uvicorn's HTTP/1.1 protocol with two
bounds on connections that are *waiting*: opened (or done with a response) but without
a complete request's headers yet.

- A waiting connection has ``HEADER_TIMEOUT`` seconds to send its headers, then it is
  closed.
- At most ``max_waiting`` connections wait at once: a new one closes the one that has
  waited longest. A real client sends its headers at once, so it never waits long
  enough to be closed, and is answered however many others are stalling.

Both bounds, and the listening socket's backlog, follow from the open files the process
may hold (``server_options``): asyncio accepts up to ``backlog`` connections in one go
before any of them is seen here, so a backlog of an eighth of the files (and as many
waiting connections at most) keeps the process from running out of them.

Once a request's headers are in (a page, an upload, a WebSocket handshake), the
connection is no longer waiting and these bounds do not apply.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["BoundedH11Protocol", "HEADER_TIMEOUT", "server_options"]

HEADER_TIMEOUT = 10.0  # seconds to send a request's headers
MAX_WAITING = 64  # connections without complete headers, when files are plentiful
MAX_BACKLOG = 2048  # uvicorn's default backlog

# per server (uvicorn's ServerState), its waiting connections, the longest-waiting first
_WAITING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class BoundedH11Protocol(H11Protocol):
    """uvicorn's ``H11Protocol`` with a time limit on a request's headers and a cap on
    the connections that are waiting for them (see the module's notes)."""

    _header_timer = None
    max_waiting = MAX_WAITING  # set by server_options

    def _waiting(self) -> OrderedDict:
        return _WAITING.setdefault(self.server_state, OrderedDict())

    def _start_waiting(self) -> None:
        if self._header_timer is not None:
            return
        waiting = self._waiting()
        waiting[self] = None
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._too_slow)
        while len(waiting) > self.max_waiting:
            oldest, _ = waiting.popitem(last=False)
            oldest._too_slow()

    def _stop_waiting(self) -> None:
        self._waiting().pop(self, None)
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        """No complete headers in time, or waited longest of too many: close."""
        self._stop_waiting()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._start_waiting()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._stop_waiting()  # a request's headers are in (or it became a WebSocket)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._start_waiting()  # kept alive: the next request's headers are awaited

    def connection_lost(self, exc) -> None:
        self._stop_waiting()
        super().connection_lost(exc)


def open_files_limit() -> int | None:
    """The number of files this process may hold open (``ulimit -n``), or None."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if soft == resource.RLIM_INFINITY else int(soft)


def server_options(max_files: int | None = None) -> dict:
    """uvicorn ``Config`` settings that bound slow clients, for a process that may hold
    ``max_files`` open files (default: its ``ulimit -n``)."""
    if max_files is None:
        max_files = open_files_limit() or 8 * MAX_BACKLOG
    share = max(8, max_files // 8)
    BoundedH11Protocol.max_waiting = min(MAX_WAITING, share)
    return {"http": BoundedH11Protocol, "backlog": min(MAX_BACKLOG, share)}
