"""``linkgate audit``: read and verify the hash-chained audit log."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from linkgate.cli.serve import DATABASE_OPTION
from linkgate.storage.engine import database_url, make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import AuditLog

app = typer.Typer(help="Read and verify the audit log.", no_args_is_help=True)


def _log(database: str | None) -> AuditLog:
    url = database_url(database)
    upgrade(url)
    return AuditLog(make_engine(url))


@app.command("verify")
def verify_cmd(database: str | None = DATABASE_OPTION) -> None:
    """Check every entry against its hash and the head; exit 1 on any problem."""
    log = _log(database)
    problems = log.verify()
    seq, digest = log.head()
    console = Console(stderr=True)
    if not problems:
        console.print(f"audit log ok: {seq} entries, head {digest[:16]}")
        return
    for p in problems:
        typer.echo(
            f"{p.kind} at seq {p.seq}"
            + (f"-{p.through}" if p.through != p.seq else "")
            + f": {p.detail}"
        )
    console.print(f"audit log has {len(problems)} problem(s)")
    raise typer.Exit(1)


@app.command("tail")
def tail_cmd(
    after: int = typer.Option(0, "--after", help="Entries after this sequence number."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    database: str | None = DATABASE_OPTION,
) -> None:
    """Print entries as JSON Lines, oldest first."""
    for e in _log(database).page(after, limit):
        typer.echo(
            json.dumps(
                {
                    "seq": e.seq,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "action": e.action,
                    "target": e.target,
                    "data": e.data,
                },
                ensure_ascii=False,
            )
        )
