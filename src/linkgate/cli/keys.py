"""``linkgate keys``: API keys (hashed at rest, shown once)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from linkgate.api.auth import ROLES
from linkgate.cli.common import fail
from linkgate.cli.serve import DATABASE_OPTION
from linkgate.storage.engine import database_url, make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import KeyStore

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


def _store(database: str | None) -> KeyStore:
    url = database_url(database)
    upgrade(url)
    return KeyStore(make_engine(url))


@app.command("create")
def create_cmd(
    role: str = typer.Option(..., "--role", help="integrator, operator, reviewer, platform, admin"),
    platform: str | None = typer.Option(None, "--platform", help="The platform a key acts for."),
    label: str = typer.Option("", "--label"),
    database: str | None = DATABASE_OPTION,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    if role not in ROLES:
        fail(f"role: unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if role == "platform" and not platform:
        fail("platform: a platform key needs --platform ID")
    key_id, secret = _store(database).create(role, platform, label)
    Console(stderr=True).print(f"created key {key_id} ({role}); it is shown only now:")
    typer.echo(secret)


@app.command("list")
def list_cmd(database: str | None = DATABASE_OPTION) -> None:
    """The keys (never their secrets)."""
    table = Table()
    for column in ("id", "role", "platform", "label", "created", "last used", "revoked"):
        table.add_column(column)
    for record in _store(database).list():
        table.add_row(
            record.key_id,
            record.role,
            record.platform_id or "",
            record.label,
            record.created_at.isoformat(timespec="seconds"),
            record.last_used_at.isoformat(timespec="seconds") if record.last_used_at else "",
            record.revoked_at.isoformat(timespec="seconds") if record.revoked_at else "",
        )
    Console().print(table)


@app.command("revoke")
def revoke_cmd(key_id: str = typer.Argument(...), database: str | None = DATABASE_OPTION) -> None:
    """Revoke a key (servers stop accepting it within 10 seconds)."""
    if not _store(database).revoke(key_id):
        fail(f"no active key {key_id!r}")
    Console(stderr=True).print(f"revoked {key_id}")
