"""``linkgate users``: create (password from stdin or a prompt, never argv), list, disable."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from linkgate.storage.audit import AuditLog
from linkgate.storage.console_users import ConsoleUserStore
from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.web.console.passwords import verify_password
from tests.cli.test_cli import run


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    return f"sqlite:///{tmp_path / 'linkgate.sqlite'}"


def create(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: str,
    *args: str,
    stdin: str = "correct horse battery\n",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return run(capsys, "users", "create", *args, "--database", database)


def test_create_with_password_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    code, _, err = create(
        capsys,
        monkeypatch,
        database,
        "--username",
        "Olivia",
        "--role",
        "operator",
        "--password-stdin",
    )
    assert code == 0 and "created console user olivia (operator)" in err
    engine = make_engine(database)
    found = ConsoleUserStore(engine).credentials("olivia")
    assert found is not None and found[0].role == "operator"
    assert verify_password(found[1], "correct horse battery")
    entry = list(AuditLog(engine).entries())[-1]
    assert (entry.actor, entry.action, entry.target) == ("cli", "users.create", "user:olivia")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--username", "a", "--role", "platform"), "correct horse battery\n", "--platform ID"),
        (
            ("--username", "a", "--role", "platform", "--platform", "nobody"),
            "correct horse battery\n",
            "no platform 'nobody'",
        ),
        (
            ("--username", "a", "--role", "operator", "--platform", "jd"),
            "correct horse battery\n",
            "only platform accounts",
        ),
        (
            ("--username", "a", "--role", "integrator"),
            "correct horse battery\n",
            "unknown console role",
        ),
        (("--username", "has space", "--role", "admin"), "correct horse battery\n", "username:"),
        (("--username", "a", "--role", "admin"), "short\n", "at least 10 characters"),
        (("--username", "a", "--role", "admin"), "", "nothing on standard input"),
    ],
)
def test_create_refuses_bad_input(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: str,
    args: tuple[str, ...],
    stdin: str,
    message: str,
) -> None:
    code, _, err = create(capsys, monkeypatch, database, *args, "--password-stdin", stdin=stdin)
    assert code == 2
    assert err.startswith("linkgate: error: ") and message in err and err.count("\n") == 1
    upgrade(database)
    assert ConsoleUserStore(make_engine(database)).list() == []


def test_no_prompt_without_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    code, _, err = create(capsys, monkeypatch, database, "--username", "a", "--role", "admin")
    assert code == 2 and "use --password-stdin" in err


def test_prompt_asks_twice(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    answers = iter(["correct horse battery", "correct horse battery"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    monkeypatch.setattr("sys.stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    code, _, _ = run(
        capsys, "users", "create", "--username", "p", "--role", "admin", "--database", database
    )
    assert code == 0
    mismatch = iter(["correct horse battery", "correct horse batterx"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(mismatch))
    code, _, err = run(
        capsys, "users", "create", "--username", "q", "--role", "admin", "--database", database
    )
    assert code == 2 and "the two passwords differ" in err


def test_duplicate_list_and_disable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    args = ("--username", "rene", "--role", "reviewer", "--password-stdin")
    assert create(capsys, monkeypatch, database, *args)[0] == 0
    code, _, err = create(capsys, monkeypatch, database, *args)
    assert code == 2 and "already exists" in err
    code, out, _ = run(capsys, "users", "list", "--database", database)
    assert code == 0 and "rene" in out and "reviewer" in out and "argon2" not in out
    code, _, err = run(capsys, "users", "disable", "rene", "--database", database)
    assert code == 0 and "disabled rene" in err
    code, _, err = run(capsys, "users", "disable", "rene", "--database", database)
    assert code == 2 and "no active console user" in err
    user = ConsoleUserStore(make_engine(database)).get("rene")
    assert user is not None and not user.active


def test_create_a_platform_account(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    args = ("--username", "jd-ops", "--role", "platform", "--platform", "jd", "--password-stdin")
    code, _, err = create(capsys, monkeypatch, database, *args)
    assert code == 0 and "created console user jd-ops (platform of jd)" in err
    user = ConsoleUserStore(make_engine(database)).get("jd-ops")
    assert user is not None and (user.role, user.platform_id) == ("platform", "jd")
    code, out, _ = run(capsys, "users", "list", "--database", database)
    assert code == 0 and "jd-ops" in out and "jd" in out.split("jd-ops", 1)[1]
