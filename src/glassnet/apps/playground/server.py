"""The playground's web server: a Starlette app with one WebSocket per browser tab.

Routes
------
``GET /``                              the page (``static/index.html``)
``GET /static/...``                    its scripts and styles, shipped in the package
``GET /api/limits``                    the caps and the options of the controls
``WS  /ws``                            a tab's session: JSON messages both ways (below)
``POST /api/session/{id}/upload``      a CSV file as the request body (at most 1 MB)
``GET /api/session/{id}/model``        the trained network, a ``gn.load``-able ``.npz``
``GET /api/session/{id}/snippet``      Python that rebuilds and retrains the run

Messages from the page: ``{"type": "config", "config": {...}}`` (a partial config),
``play`` (optional ``speed``: epochs per frame), ``pause``, ``step`` (optional
``epochs``), ``one_step`` (one minibatch step: the next batch of the epoch),
``select`` (``point``: a row of the data, or null; the frames then carry the network's
numbers at that point), ``edit`` (``layer``, ``to``, ``value`` and, for a weight rather
than a bias, ``from``: a value typed on the page), ``reset``, ``regenerate``, ``ping``.
The server answers with ``hello``, ``config``, ``data``, ``frame``, ``status`` and
``error`` messages. A bad message gets
an ``error`` back and the connection stays open.

Bounded work: training runs in a pool of its own threads (``TRAIN_WORKERS``), apart from
the threads that draw frames, so a busy tab never holds up another tab's frames, and
sessions train side by side (sharing the CPU) rather than queue behind each other; a
``step`` stops at the first epoch boundary after ``STEP_BUDGET`` seconds and answers with
the epochs done so far; each socket's messages are handled in order by one task while the
socket is still read, so a closed tab is noticed at once and its training stops at the
next epoch boundary. Who may connect is ``guard.Guard``'s business (see the README).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .config import LIMITS, OPTIONS, ConfigError
from .guard import Guard
from .session import Session

__all__ = ["create_app", "LiveSession"]

STATIC = Path(__file__).parent / "static"
FRAME_INTERVAL = 1 / 30  # seconds between frames while playing (at most 30 a second)
CHUNK_BUDGET = 0.05  # seconds of training at most between two frames
STEP_BUDGET = 0.5  # seconds of training at most for one step message
TRAIN_WORKERS = 8  # threads that train; more sessions than that take turns
INBOX = 16  # messages of one socket waiting to be handled


def _finite(value):
    """``value`` with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def dumps(msg: dict) -> str:
    """A message as strict JSON: never a bare ``NaN`` or ``Infinity``."""
    try:
        return json.dumps(msg, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(msg), separators=(",", ":"), allow_nan=False)


class LiveSession:
    """A ``Session`` bound to a WebSocket: message handling and the play loop."""

    def __init__(self, sid: str, ws: WebSocket, session: Session, pool: ThreadPoolExecutor):
        self.sid, self.ws = sid, ws
        self.session = session
        self.pool = pool  # the training threads
        self.playing = False
        self.speed = 5
        self.runner: asyncio.Task | None = None
        self.send_lock = asyncio.Lock()
        self.sent_epoch = 0  # history already sent for the current run
        self.sent_run = -1
        self.closed = False
        self.inbox: asyncio.Queue = asyncio.Queue(INBOX)

    async def train(self, epochs: int, budget: float, stop) -> int:
        """``Session.train`` in a training thread; ``stop`` is also true once closed."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.pool, self.session.train, epochs, budget, lambda: self.closed or stop()
        )

    async def send(self, msg: dict) -> None:
        if self.closed:
            return
        async with self.send_lock:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await self.ws.send_text(dumps(msg))

    async def send_frame(self) -> None:
        s = self.session
        if self.closed:
            return
        since = self.sent_epoch if self.sent_run == s.run_version else 0
        frame = await asyncio.to_thread(s.frame, since)
        self.sent_run, self.sent_epoch = frame["run"], frame["epoch"]
        frame["playing"] = self.playing
        await self.send(frame)

    async def send_all(self) -> None:
        """Config, points and a frame: after anything that rebuilt the data or network."""
        s = self.session
        await self.send({"type": "config", "config": s.config})
        await self.send(await asyncio.to_thread(s.data_message))
        await self.send_frame()

    async def error(self, message: str) -> None:
        await self.send({"type": "error", "message": message})

    # ---------------------------------------------------------------- play loop
    def start(self) -> None:
        self.playing = True
        if self.runner is None or self.runner.done():
            self.runner = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self.playing = False
        if self.runner is not None:
            self.runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.runner
            self.runner = None

    async def _run(self) -> None:
        s = self.session
        try:
            while self.playing:
                t0 = time.perf_counter()
                try:
                    await self.train(self.speed, CHUNK_BUDGET, lambda: not self.playing)
                except Exception as exc:  # a diverged run, or a bug: tell the tab, stop
                    self.playing = False
                    await self.error(str(exc))
                if s.epoch >= LIMITS["epochs"]:
                    self.playing = False
                    await self.error(f"stopped at the limit of {LIMITS['epochs']} epochs")
                await self.send_frame()
                await asyncio.sleep(max(0.005, FRAME_INTERVAL - (time.perf_counter() - t0)))
        finally:
            self.playing = False
            await self.send({"type": "status", "playing": False})

    # ---------------------------------------------------------------- messages
    async def handle_text(self, text) -> None:
        """Check and carry out one message; problems go back as ``error`` messages."""
        if not isinstance(text, str):
            await self.error("messages must be JSON text")
            return
        if len(text) > LIMITS["message_bytes"]:
            await self.error(f"message too long ({len(text)} > {LIMITS['message_bytes']} bytes)")
            return
        try:
            msg = json.loads(text)
        except RecursionError:
            await self.error("messages must be JSON objects; this one is nested too deeply")
            return
        except ValueError:
            await self.error("messages must be JSON objects; this one is not valid JSON")
            return
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            await self.error('messages must be JSON objects with a "type" string')
            return
        try:
            await self.handle(msg)
        except (ConfigError, FloatingPointError) as exc:  # a bad setting, a diverged run
            await self.error(str(exc))
        except RecursionError:
            await self.error(f"{msg['type']}: a value is nested too deeply")

    async def work(self) -> None:
        """Handle this socket's messages in order, one at a time, until it closes."""
        while not self.closed:
            text = await self.inbox.get()
            try:
                await self.handle_text(text)
            except Exception as exc:  # a bug: say so and keep the connection
                await self.error(f"the server failed on this message ({type(exc).__name__})")

    def _int_field(self, msg, name, default, low, high) -> int:
        v = msg.get(name, default)
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            raise ConfigError(f"{msg['type']}: {name} must be an integer from {low} to {high}")
        return v

    async def handle(self, msg: dict) -> None:
        kind, s = msg["type"], self.session
        allowed = {
            "config": {"config"},
            "play": {"speed"},
            "step": {"epochs"},
            "select": {"point"},
            "edit": {"layer", "from", "to", "value"},
        }.get(kind, set())
        extra = set(msg) - {"type"} - allowed
        kinds = ("config", "play", "pause", "step", "one_step", "select", "edit", "reset")
        kinds += ("regenerate",)
        if kind not in (*kinds, "ping"):
            raise ConfigError(f"unknown message type {kind!r}")
        if extra:
            raise ConfigError(f"{kind}: unknown field(s) {', '.join(sorted(extra))}")
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "play":
            self.speed = self._int_field(msg, "speed", self.speed, 1, 1000)
            self.start()
            await self.send({"type": "status", "playing": True})
        elif kind == "pause":
            await self.stop()
        elif kind == "step":
            n = self._int_field(msg, "epochs", 1, 1, 1000)
            await self.stop()
            try:
                await self.train(n, STEP_BUDGET, lambda: False)
            except FloatingPointError as exc:  # diverged: the message, then the last good
                await self.error(str(exc))  # network's frame
            await self.send_frame()
        elif kind == "one_step":  # one minibatch step, and the numbers of it
            await self.stop()
            try:
                await asyncio.to_thread(s.one_step)
            except FloatingPointError as exc:
                await self.error(str(exc))
            await self.send_frame()
        elif kind == "edit":  # a weight (from -> to) or, without "from", a bias
            await self.stop()
            s.edit(msg.get("layer"), msg.get("to"), msg.get("value"), msg.get("from"))
            await self.send_frame()
        elif kind == "select":
            s.select(msg.get("point"))
            await self.send_frame()
        elif kind == "reset":
            await asyncio.to_thread(s.reset)
            await self.send_frame()
        elif kind in ("config", "regenerate"):
            if kind == "config":
                await asyncio.to_thread(s.update, msg.get("config"))
            else:
                await asyncio.to_thread(s.regenerate)
            await self.send_all()

    async def close(self) -> None:
        self.closed = True  # first: training threads stop at their next epoch boundary
        await self.stop()


async def _index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def _limits(request: Request) -> Response:
    return JSONResponse({"limits": LIMITS, "options": OPTIONS})


def _live(request: Request) -> LiveSession | None:
    return request.app.state.sessions.get(request.path_params["sid"])


def _no_session(request: Request) -> Response:
    return JSONResponse(
        {"error": "no such session (it ended when its tab closed): reload the page"},
        status_code=404,
    )


async def _model(request: Request) -> Response:
    live = _live(request)
    if live is None:
        return _no_session(request)
    s = live.session
    data = await asyncio.to_thread(s.model_bytes)
    name = f"glassnet-{s.config['dataset']}-epoch{s.epoch}.npz"
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _snippet(request: Request) -> Response:
    live = _live(request)
    if live is None:
        return _no_session(request)
    return PlainTextResponse(await asyncio.to_thread(live.session.snippet))


async def _upload(request: Request) -> Response:
    live = _live(request)
    if live is None:
        return _no_session(request)
    cap = LIMITS["upload_bytes"]
    too_big = JSONResponse({"error": f"the file is larger than {cap} bytes"}, status_code=413)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        return too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            return too_big
    name = request.query_params.get("name", "upload.csv")
    try:
        info = await asyncio.to_thread(live.session.set_csv, bytes(body), name)
    except ConfigError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    await live.send_all()
    return JSONResponse(info)


async def _websocket(ws: WebSocket) -> None:
    sessions: dict[str, LiveSession] = ws.app.state.sessions
    await ws.accept()
    if len(sessions) >= LIMITS["sessions"]:
        msg = f"the server already runs {LIMITS['sessions']} sessions: close a tab and reload"
        await ws.send_text(json.dumps({"type": "error", "message": msg}))
        await ws.close(code=1013)
        return
    sid = secrets.token_urlsafe(12)
    sessions[sid] = None  # the slot is taken while the session is built
    live = worker = None
    try:
        live = LiveSession(sid, ws, await asyncio.to_thread(Session), ws.app.state.pool)
        sessions[sid] = live
        await live.send({"type": "hello", "session": sid, "limits": LIMITS, "options": OPTIONS})
        await live.send_all()
        worker = asyncio.create_task(live.work())
        while True:  # reading goes on while a message is handled: a close is seen at once
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                break
            try:
                live.inbox.put_nowait(msg.get("text"))
            except asyncio.QueueFull:
                await live.error(f"more than {INBOX} messages are waiting: slow down")
    except WebSocketDisconnect:
        pass
    finally:
        sessions.pop(sid, None)
        if live is not None:
            await live.close()
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await worker


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette):
    yield
    # shutting down: stop every session's training and close its socket
    for live in list(app.state.sessions.values()):
        if live is None:
            continue
        await live.close()
        with contextlib.suppress(Exception):
            await live.ws.close(code=1001)
    app.state.sessions.clear()
    app.state.pool.shutdown(wait=False, cancel_futures=True)


def create_app(token: str | None = None, bound: str | None = None):
    """The playground as an ASGI application (each app has its own sessions).

    Parameters
    ----------
    token : str or None
        The access token every request must carry (``?token=`` or the cookie that a page
        load with it sets); None: no token (loopback only).
    bound : str or None
        The address the server listens on; it adds to the accepted host names.
    """
    app = Starlette(
        routes=[
            Route("/", _index),
            Route("/api/limits", _limits),
            Route("/api/session/{sid}/model", _model),
            Route("/api/session/{sid}/snippet", _snippet),
            Route("/api/session/{sid}/upload", _upload, methods=["POST"]),
            WebSocketRoute("/ws", _websocket),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=_lifespan,
    )
    app.state.sessions = {}
    app.state.pool = ThreadPoolExecutor(TRAIN_WORKERS, thread_name_prefix="glassnet-train")
    guarded = Guard(app, token=token, bound=bound)
    guarded.state = app.state  # tests reach the sessions through the outer app
    return guarded
