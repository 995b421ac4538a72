"""The ``linkgate`` command: one Typer app, one module per command group."""

from __future__ import annotations

import sys

import typer

from linkgate.cli import (
    audit,
    check,
    enforcement,
    keys,
    lists,
    policy,
    preview,
    psl,
    report,
    serve,
    text,
    traffic,
    url,
    users,
)
from linkgate.cli.common import CliError
from linkgate.cli.decide import decide_cmd
from linkgate.cli.demo import demo_cmd
from linkgate.cli.simulate import simulate_cmd

app = typer.Typer(
    name="linkgate",
    help="linkgate: decides how every shared link may open, explains why, keeps the records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(url.app, name="url")
app.add_typer(text.app, name="text")
app.add_typer(check.app, name="check")
app.add_typer(psl.app, name="psl")
app.add_typer(policy.app, name="policy")
app.command("decide")(decide_cmd)
app.add_typer(serve.db_app, name="db")
app.add_typer(keys.app, name="keys")
app.add_typer(audit.app, name="audit")
app.add_typer(enforcement.app, name="enforcement")
app.add_typer(lists.app, name="lists")
app.add_typer(preview.app, name="preview")
app.add_typer(users.app, name="users")
app.command("serve")(serve.serve_cmd)
app.command("demo")(demo_cmd)
app.add_typer(traffic.app, name="traffic")
app.command("simulate")(simulate_cmd)
app.add_typer(report.app, name="report")


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and a non-zero exit."""
    try:
        status = app(args=argv, standalone_mode=False)
    except CliError as exc:
        print(f"linkgate: error: {exc}", file=sys.stderr)
        sys.exit(exc.code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:
        print(f"linkgate: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("linkgate: aborted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(141)
    if isinstance(status, int) and status != 0:
        sys.exit(status)
