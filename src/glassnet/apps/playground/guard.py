"""Who may talk to the playground: the Host header, the Origin and the access token.

A web page the user visits can make the browser send requests to ``127.0.0.1``: a form
post, a WebSocket, or, after *DNS rebinding* (``evil.example.com`` made to resolve to
``127.0.0.1``), any request as if from the same origin. ``Guard`` is the ASGI middleware
in front of every route that refuses them:

- ``Host`` must name this server: ``localhost``, ``127.0.0.1``, ``[::1]``, the address it
  is bound to, or (bound to every interface) this machine's own name or the address the
  request arrived at. A rebound host name fails here.
- ``Origin``, when the browser sends one (every WebSocket handshake, every ``POST``), must
  be one of those hosts with this server's port: another page, even another local
  server's, is refused.
- The access token: a random string made per server process and printed in the URL
  (``/?token=...``), as Jupyter does. A request carries it in the query string or in the
  cookie that the page's first load sets (``HttpOnly``; ``SameSite=Lax``: another site's
  page cannot make the browser send it with a WebSocket, a fetch or a form post, while a
  link to the playground still opens it). With a token set, nothing is served without it.
"""

from __future__ import annotations

import secrets
import socket
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, JSONResponse, Response

__all__ = ["Guard", "LOOPBACK_NAMES", "host_names", "new_token"]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})


def new_token() -> str:
    """A fresh access token (128 random bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def _bare(host: str) -> str:
    """A host name as compared: lower case, no brackets, no trailing dot."""
    host = host.strip().lower().rstrip(".")
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def host_names(bound: str | None) -> frozenset[str]:
    """The names the server answers to when bound to ``bound`` (None: loopback only)."""
    names = set(LOOPBACK_NAMES)
    if bound is not None and _bare(bound) not in WILDCARDS:
        names.add(_bare(bound))
    elif bound is not None:  # every interface: this machine's names too
        for name in (socket.gethostname(), socket.getfqdn()):
            if name:
                names.update({_bare(name), _bare(name) + ".local"})
    return frozenset(names)


def _split_host(value: str) -> tuple[str, str]:
    """``("127.0.0.1", "8765")`` from a ``Host`` header; the port is "" when absent."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        host, rest = value[: end + 1], value[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, port = value.split(":")
    else:
        host, port = value, ""
    return _bare(host), port


class Guard:
    """ASGI middleware: checks ``Host``, ``Origin`` and the token of every request.

    Parameters
    ----------
    app : ASGI application
    token : str or None
        The access token; None serves without one (tests, and only on loopback).
    bound : str or None
        The address the server listens on (``--host``); it widens the accepted host names.
    """

    def __init__(self, app, token: str | None = None, bound: str | None = None):
        self.app, self.token = app, token
        self.names = host_names(bound)
        self.any_interface = bound is not None and _bare(bound) in WILDCARDS

    def cookie_name(self, scope) -> str:
        return f"glassnet-playground-{_local_port(scope)}"

    def _host_ok(self, name: str, scope) -> bool:
        if name in self.names:
            return True
        local = (scope.get("server") or ("",))[0]
        return self.any_interface and name == _bare(str(local))

    def problem(self, scope, headers: Headers) -> tuple[int, str] | None:
        """``(status, message)`` when the request must be refused, else None."""
        host, port = _split_host(headers.get("host", ""))
        if port and not (port.isascii() and port.isdigit()):  # "²" is a digit to isdigit
            return 400, f"the Host header {headers.get('host')!r} has no valid port"
        if not self._host_ok(host, scope):
            return 400, f"this glassnet playground does not answer to the host {host!r}"
        origin = headers.get("origin")
        if origin is not None and not self._origin_ok(origin, scope):
            return 403, f"pages from {origin!r} may not use this glassnet playground"
        if self.token is not None and not secrets.compare_digest(
            self._token_of(scope, headers).encode(), self.token.encode()
        ):
            return 403, (
                "this glassnet playground needs its access token: open the address that "
                "`glassnet playground` printed (it ends in ?token=...)"
            )
        return None

    def _origin_ok(self, origin: str, scope) -> bool:
        try:
            parts = urlsplit(origin)
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            return False
        return (
            parts.scheme in ("http", "https")
            and self._host_ok(_bare(parts.hostname or ""), scope)
            and port == _local_port(scope)
        )

    def _query_token(self, scope) -> str | None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return query.get("token", [None])[-1]

    def _token_of(self, scope, headers: Headers) -> str:
        given = self._query_token(scope)
        if given is None:
            for part in headers.get("cookie", "").split(";"):
                key, _, value = part.strip().partition("=")
                if key == self.cookie_name(scope):
                    given = value
        return given or ""

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refused = self.problem(scope, headers)
        if refused is not None:
            if scope["type"] == "websocket":
                await _refuse_handshake(scope, send, *refused)
                return
            await _refusal(scope, *refused)(scope, receive, send)
            return
        if self.token is not None and self._query_token(scope) is not None:
            send = self._setting_cookie(scope, send)
        await self.app(scope, receive, send)

    def _setting_cookie(self, scope, send):
        """``send`` that adds the token cookie to the response (page loads with ?token=)."""
        name = self.cookie_name(scope)
        cookie = f"{name}={self.token}; Path=/; HttpOnly; SameSite=Lax".encode("latin-1")

        async def wrapped(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"set-cookie", cookie)]}
            await send(message)

        return wrapped


def _local_port(scope) -> int | None:
    server = scope.get("server")
    return int(server[1]) if server and server[1] is not None else None


async def _refuse_handshake(scope, send, status: int, message: str) -> None:
    """Answer a WebSocket handshake with an HTTP error that says why (where the server
    supports it), else with a plain 403."""
    if "websocket.http.response" in scope.get("extensions", {}):
        body = message.encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8")]
        headers.append((b"content-length", str(len(body)).encode()))
        start = {"type": "websocket.http.response.start", "status": status, "headers": headers}
        await send(start)
        await send({"type": "websocket.http.response.body", "body": body})
    else:  # closing before accepting: HTTP 403
        await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})


def _refusal(scope, status: int, message: str) -> Response:
    if scope["path"].startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    page = (
        "<!doctype html><meta charset=utf-8><title>glassnet playground</title>"
        f"<p>{message.replace('&', '&amp;').replace('<', '&lt;')}</p>"
    )
    return HTMLResponse(page, status_code=status)
