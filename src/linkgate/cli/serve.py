"""``linkgate serve``, ``linkgate db upgrade``: run the server and manage its store."""

from __future__ import annotations

import os

import typer
from rich.console import Console

from linkgate.cli.common import fail
from linkgate.settings import Settings
from linkgate.storage.engine import database_url
from linkgate.storage.migrate import upgrade

db_app = typer.Typer(
    help="Manage the store (SQLite by default, PostgreSQL by URL).", no_args_is_help=True
)

DATABASE_OPTION = typer.Option(
    None, "--database", help="SQLAlchemy URL (default: LINKGATE_DATABASE_URL or a SQLite file)."
)


@db_app.command("upgrade")
def upgrade_cmd(database: str | None = DATABASE_OPTION) -> None:
    """Create or migrate the schema to the newest revision."""
    url = database_url(database)
    head = upgrade(url)
    Console(stderr=True).print(f"database at revision {head}")


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    database: str | None = DATABASE_OPTION,
    redis: str | None = typer.Option(None, "--redis", help="Redis URL for shared counters."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    public_url: str | None = typer.Option(
        None, "--public-url", help="Where users reach this server (for shim links)."
    ),
    log_level: str = typer.Option("warning", "--log-level"),
) -> None:
    """Run the HTTP API, the link shim and the pages."""
    import uvicorn

    try:  # a bad setting is one line, before anything is touched
        Settings.from_env()
    except ValueError as exc:
        fail(str(exc))
    url = database_url(database)
    upgrade(url)
    os.environ["LINKGATE_DATABASE_URL"] = url
    if redis:
        os.environ["LINKGATE_REDIS_URL"] = redis
    os.environ["LINKGATE_PUBLIC_URL"] = public_url or os.environ.get(
        "LINKGATE_PUBLIC_URL", f"http://{host}:{port}"
    )
    # The decision log is written by a child process of each worker unless told otherwise.
    os.environ.setdefault("LINKGATE_EVENT_WRITER", "process")
    settings = Settings.from_env()
    settings.resolved_secret_keys()
    settings.resolved_pseudonym_key()
    console = Console(stderr=True)
    console.print(f"linkgate serving on http://{host}:{port}  (store: {_display(url)})")
    console.print(f"  API docs   http://{host}:{port}/docs")
    console.print(f"  readiness  http://{host}:{port}/readyz")
    uvicorn.run(
        "linkgate.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        lifespan="on",
    )


def _display(url: str) -> str:
    """The store URL without a password."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        creds, _, where = rest.rpartition("@")
        user = creds.split(":")[0]
        rest = f"{user}@{where}"
    return f"{scheme}{sep}{rest}"
