"""``linkgate users``: console accounts (argon2-hashed passwords; never on the command line)."""

from __future__ import annotations

import getpass
import sys

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine

from linkgate.cli.common import fail
from linkgate.cli.serve import DATABASE_OPTION
from linkgate.runtime import registry_from_documents
from linkgate.storage.audit import AuditLog
from linkgate.storage.console_sessions import ConsoleSessionStore
from linkgate.storage.console_users import ConsoleUserStore, UserExistsError, check_username
from linkgate.storage.engine import database_url, make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.platforms import PlatformStore
from linkgate.web.console.passwords import check_new_password, hash_password

app = typer.Typer(help="Create, list and disable console users.", no_args_is_help=True)

#: Roles a user may have (integrators are programs, with API keys). ``platform``
#: users sign in to the platform portal and see only their platform.
CONSOLE_ROLES = ("operator", "reviewer", "admin", "platform")


def _engine(database: str | None) -> Engine:
    url = database_url(database)
    upgrade(url)
    return make_engine(url)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            fail("password: nothing on standard input")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        fail("password: standard input is not a terminal; use --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        fail("password: the two passwords differ")
    return first


@app.command("create")
def create_cmd(
    username: str = typer.Option(..., "--username", help="a-z, 0-9, '.', '_', '-'; 1 to 64."),
    role: str = typer.Option(..., "--role", help="operator, reviewer, admin or platform"),
    platform: str | None = typer.Option(
        None, "--platform", help="The platform a platform account belongs to (registry id)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    database: str | None = DATABASE_OPTION,
) -> None:
    """Create a user; the password is asked for (or read from stdin), never an argument."""
    if role not in CONSOLE_ROLES:
        fail(f"role: unknown console role {role!r}; expected one of {', '.join(CONSOLE_ROLES)}")
    if role == "platform" and not platform:
        fail("platform: a platform account needs --platform ID")
    if role != "platform" and platform:
        fail("platform: only platform accounts belong to a platform (--role platform)")
    try:
        name = check_username(username)
    except ValueError as exc:
        fail(f"username: {exc}")
    password = _read_password(password_stdin)
    try:
        check_new_password(password)
    except ValueError as exc:
        fail(f"password: {exc}")
    engine = _engine(database)
    if platform is not None:
        documents = [p.document for p in PlatformStore(engine).all()]
        if registry_from_documents(documents).get(platform) is None:
            fail(f"platform: no platform {platform!r} in the registry")
    try:
        ConsoleUserStore(engine).create(name, hash_password(password), role, platform, "cli")
    except UserExistsError as exc:
        fail(str(exc))
    data = {"role": role, **({"platform": platform} if platform else {})}
    AuditLog(engine).append("cli", "users.create", f"user:{name}", data)
    where = f" of {platform}" if platform else ""
    Console(stderr=True).print(f"created console user {name} ({role}{where})")


@app.command("list")
def list_cmd(database: str | None = DATABASE_OPTION) -> None:
    """Console users (never their password hashes)."""
    table = Table()
    for column in ("username", "role", "platform", "created", "last sign-in", "disabled"):
        table.add_column(column)
    for user in ConsoleUserStore(_engine(database)).list():
        table.add_row(
            user.username,
            user.role,
            user.platform_id or "",
            user.created_at.isoformat(timespec="seconds"),
            user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "",
            user.disabled_at.isoformat(timespec="seconds") if user.disabled_at else "",
        )
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    console.print(table)


@app.command("disable")
def disable_cmd(
    username: str = typer.Argument(...), database: str | None = DATABASE_OPTION
) -> None:
    """Disable a user and end its sessions at once."""
    engine = _engine(database)
    name = username.strip().lower()
    if not ConsoleUserStore(engine).disable(name):
        fail(f"no active console user {name!r}")
    ended = ConsoleSessionStore(engine).delete_for(name)
    AuditLog(engine).append("cli", "users.disable", f"user:{name}", {"sessions_ended": ended})
    Console(stderr=True).print(f"disabled {name}; ended {ended} session(s)")
