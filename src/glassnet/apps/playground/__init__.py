"""The glassnet playground: a local web page where a glassnet network trains live.

``glassnet playground`` (or ``python -m glassnet.apps.playground``) starts the server and
opens the page. What the page trains is a real glassnet model: it downloads as a
``gn.load``-able file, and the page gives the Python snippet that retrains it.

The server needs the ``playground`` extra (Starlette, uvicorn, websockets); the page's
scripts and styles ship in the package and need no internet access.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import threading
import webbrowser

__all__ = ["add_arguments", "run", "create_app"]


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the playground's options (``--host``, ``--port``, ``--no-browser``) to ``parser``."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: only this computer can connect)",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open the page in a web browser"
    )
    return parser


def create_app(token: str | None = None, bound: str | None = None):
    """The playground's ASGI app (imported lazily: the server packages are optional).

    ``token``: the access token every request must carry (None: none, loopback only);
    ``bound``: the address the server listens on (see ``guard.Guard``).
    """
    from .server import create_app as _create

    return _create(token=token, bound=bound)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    """Serve the playground until interrupted (Ctrl+C); returns the exit status."""
    try:
        import uvicorn

        from .connections import server_options
        from .guard import new_token

        token = new_token()  # a new one per process: every address below carries it
        app = create_app(token=token, bound=args.host)
    except ImportError as exc:
        print(
            f"glassnet playground needs the playground extra ({exc.name} is missing): "
            'pip install "glassnet[playground]"',
            file=sys.stderr,
        )
        return 2
    if not 0 <= args.port <= 65535:
        print(f"--port must be between 0 and 65535, got {args.port}", file=sys.stderr)
        return 2
    if not _is_loopback(args.host):
        print(
            f"warning: listening on {args.host}: other computers can reach the playground "
            "(with the access token in the address below)",
            file=sys.stderr,
        )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        ws_max_size=1 << 20,
        timeout_graceful_shutdown=5,
        **server_options(),  # bounds on clients that never finish their headers
    )
    server = uvicorn.Server(config)

    threading.Thread(target=_announce, args=(server, args, token), daemon=True).start()
    # the page's networks are small: one BLAS thread each, the sessions side by side in
    # their own threads. A BLAS pool per product that spins on cores another session is
    # using made a frame of digits 15 times slower on a busy 2-core machine.
    from threadpoolctl import threadpool_limits  # (scikit-learn's own dependency)

    try:
        with threadpool_limits(limits=1, user_api="blas"):
            server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    if not server.started:
        print(f"could not start the server on {args.host}:{args.port}", file=sys.stderr)
        return 1
    return 0


def _announce(server, args: argparse.Namespace, token: str) -> None:
    """Once the server listens, print its address (with the access token) and open it in
    the browser unless ``--no-browser``."""
    import time

    from .guard import WILDCARDS

    while not server.started and not server.should_exit:
        time.sleep(0.05)
    if not server.started:
        return
    port = server.servers[0].sockets[0].getsockname()[1]
    local = _is_loopback(args.host) or args.host in WILDCARDS
    shown = "localhost" if local else _url_host(args.host)
    url = f"http://{shown}:{port}/?token={token}"
    print(f"glassnet playground at {url} (Ctrl+C to stop)", flush=True)
    if args.host in WILDCARDS:
        import socket

        name = socket.gethostname()
        print(f"from other computers: http://{name}:{port}/?token={token}", flush=True)
    if not args.no_browser:
        webbrowser.open(url)


def main(argv=None) -> int:
    """``python -m glassnet.apps.playground [--host H] [--port P] [--no-browser]``."""
    parser = add_arguments(
        argparse.ArgumentParser(
            prog="glassnet playground", description="Train a glassnet network live in a web page."
        )
    )
    return run(parser.parse_args(argv))
