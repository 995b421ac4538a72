"""The HTTP benchmark's server: linkgate's API plus a hello-world route on the same stack.

Run ``python -m bench.http_server --port P --home DIR``. It

1. points ``LINKGATE_HOME`` at ``DIR`` and opens a :class:`~linkgate.runtime.Runtime` on a
   SQLite file there (signing and pseudonym keys are generated in ``DIR``), its decision log
   written by a child process as ``linkgate serve`` does (``LINKGATE_EVENT_WRITER=thread``
   keeps it in a thread);
2. creates an ``integrator`` API key and writes it to ``DIR/key.txt`` (written to a temporary
   name first and renamed, so a reader never sees half a key);
3. builds the app with :func:`linkgate.api.app.create_app` over that runtime and adds
   ``GET /hello``, which returns a constant JSON object through the same middleware,
   exception handlers and response serialisation as the decision routes, so the hello-world
   rate is the ceiling of this server stack rather than of a bare ASGI callable (it is the
   first route matched: see :func:`add_hello`);
4. serves it with uvicorn on ``127.0.0.1``: one worker, no access log, log level ``warning``,
   uvloop and httptools when they are installed (``uvicorn[standard]``).

It runs until it receives SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response

HELLO_PATH = "/hello"
HELLO_BODY: dict[str, str] = {"hello": "world"}
KEY_FILE = "key.txt"
DATABASE_FILE = "linkgate.sqlite"
HOST = "127.0.0.1"


def event_loop() -> str:
    """uvicorn's ``loop`` setting: uvloop when installed."""
    return "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"


def http_parser() -> str:
    """uvicorn's ``http`` setting: httptools when installed."""
    return "httptools" if importlib.util.find_spec("httptools") is not None else "h11"


def add_hello(app: FastAPI) -> None:
    """Add ``GET /hello`` returning :data:`HELLO_BODY` to ``app``, served as the decisions are.

    The decision endpoints are :class:`~linkgate.api.direct.DirectRoute`\\ s, first in the
    routing table; the hello-world is one too, put before them, with its body serialised by
    the same function, so it measures the stack a decision request goes through without the
    decision. (As an ordinary route appended last, it spent about 190 µs per request finding
    its route among the app's hundred, and FastAPI's dependency machinery for the rest.)
    """
    from linkgate.api.direct import DirectRoute, install
    from linkgate.api.routes.decisions import json_response

    async def hello() -> dict[str, str]:
        return HELLO_BODY

    async def serve_hello(request: Request) -> Response:
        return json_response(await hello())

    route = DirectRoute(
        HELLO_PATH, hello, handler=serve_hello, methods=["GET"], include_in_schema=False
    )
    install(app, [route])


def write_key(home: Path, key: str) -> Path:
    """Write ``key`` to ``home/key.txt`` (mode 0600) by rename, so readers see all or nothing."""
    path = home / KEY_FILE
    partial = home / (KEY_FILE + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    partial.replace(path)
    return path


def build_app(home: Path, port: int) -> FastAPI:
    """The benchmark app on a SQLite file in ``home``, with a fresh integrator key in it."""
    os.environ["LINKGATE_HOME"] = str(home)
    # Imported after LINKGATE_HOME is set: key files are created in the data directory.
    from linkgate.api.app import create_app
    from linkgate.runtime import Runtime
    from linkgate.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{home / DATABASE_FILE}",
        public_url=f"http://{HOST}:{port}",
        event_writer=os.environ.get("LINKGATE_EVENT_WRITER", "process"),  # as `linkgate serve`
    )
    runtime = Runtime(settings)
    _, key = runtime.stores.keys.create("integrator", None, "http benchmark")
    app = create_app(settings, runtime=runtime)
    add_hello(app)
    write_key(home, key)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.http_server",
        description="Serve linkgate's API and GET /hello on 127.0.0.1 for the HTTP benchmark.",
    )
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--home", required=True, help="data directory (SQLite file, key.txt)")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error("--port must be between 1 and 65535")
    home = Path(args.home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    app = build_app(home, args.port)

    import uvicorn

    uvicorn.run(
        app,
        host=HOST,
        port=args.port,
        workers=1,
        loop=event_loop(),
        http=http_parser(),
        lifespan="on",
        access_log=False,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
