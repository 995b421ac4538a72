"""``linkgate enforcement``: actions against sender accounts."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from linkgate.casework import CaseError
from linkgate.cli.common import fail
from linkgate.cli.serve import DATABASE_OPTION
from linkgate.runtime import Runtime
from linkgate.settings import Settings

app = typer.Typer(help="Actions against sender accounts: list and lift.", no_args_is_help=True)


def _runtime(database: str | None) -> Runtime:
    return Runtime(Settings.from_env().with_overrides(database_url=database))


@app.command("list")
def list_cmd(
    account: str | None = typer.Option(None, "--account", help="One account's actions."),
    active: bool = typer.Option(False, "--active", help="Only actions in force now."),
    as_json: bool = typer.Option(False, "--json", help="JSON Lines instead of a table."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000),
    database: str | None = DATABASE_OPTION,
) -> None:
    """Actions against accounts, newest first (accounts shown by pseudonym)."""
    runtime = _runtime(database)
    try:
        now = runtime.casework.now()
        if account is not None:
            actions = list(reversed(runtime.accounts.actions(account)))
            if active:
                actions = [a for a in actions if a.active(now)]
        else:
            actions = runtime.accounts.store.page(active_at=now if active else None, limit=limit)
        if as_json:
            for a in actions[:limit]:
                typer.echo(json.dumps({**a.to_dict(now), "account_key": a.account_hash}))
            return
        table = Table("id", "account", "action", "rung", "since", "until", "active", "reason")
        for a in actions[:limit]:
            table.add_row(
                a.id,
                a.account_hash[:12],
                a.action,
                str(a.rung),
                a.created_at.strftime("%Y-%m-%d %H:%M"),
                a.expires_at.strftime("%Y-%m-%d %H:%M") if a.expires_at else "—",
                "yes" if a.active(now) else "no",
                a.reason,
            )
        Console().print(table)
    finally:
        runtime.close()


@app.command("lift")
def lift_cmd(
    account: str = typer.Argument(..., help="The account id."),
    action_id: str = typer.Argument(..., help="The action (act_…)."),
    reason: str = typer.Option(..., "--reason", help="Why (audited)."),
    database: str | None = DATABASE_OPTION,
) -> None:
    """Lift an action; audited; running servers see it within seconds."""
    runtime = _runtime(database)
    try:
        lifted = runtime.accounts.lift(account, action_id, by="cli", reason=reason)
    except CaseError as exc:
        fail(str(exc), 1)
    finally:
        runtime.close()
    Console(stderr=True).print(f"lifted {lifted.id} ({lifted.action})")
