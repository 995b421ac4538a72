"""Console users, sessions and failed sign-ins, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from linkgate.storage.console_sessions import ConsoleSessionStore, session_hash
from linkgate.storage.console_users import ConsoleUserStore, UserExistsError, check_username
from linkgate.storage.login_failures import LoginFailureStore
from tests.storage.conftest import FakeClock

HOUR = timedelta(hours=1)


def test_create_get_list_disable(engine: Engine, clock: FakeClock) -> None:
    users = ConsoleUserStore(engine, clock=clock)
    made = users.create("Alice", "$argon2id$x", "operator", created_by="cli")
    assert made.username == "alice" and made.active and made.created_at == clock.now
    assert users.get("alice") == made
    found = users.credentials("alice")
    assert found is not None and found[1] == "$argon2id$x"
    with pytest.raises(UserExistsError):
        users.create("alice", "$argon2id$y", "admin")
    users.create("bob", "$argon2id$z", "reviewer")
    assert [u.username for u in users.list()] == ["alice", "bob"]
    clock.advance(minutes=5)
    assert users.disable("alice") is True
    assert users.disable("alice") is False
    assert users.disable("nobody") is False
    disabled = users.get("alice")
    assert disabled is not None and not disabled.active and disabled.disabled_at == clock.now


@pytest.mark.parametrize("bad", ["", "  ", "-lead", "has space", "ünïcode", "x" * 65, "a/b"])
def test_usernames_are_checked(bad: str) -> None:
    with pytest.raises(ValueError, match="username"):
        check_username(bad)


def test_password_hash_and_last_login_are_updated(engine: Engine, clock: FakeClock) -> None:
    users = ConsoleUserStore(engine, clock=clock)
    users.create("alice", "old", "operator")
    assert users.set_password_hash("alice", "new")
    clock.advance(hours=1)
    users.record_login("alice")
    found = users.credentials("alice")
    assert found is not None and found[1] == "new" and found[0].last_login_at == clock.now


def test_sessions_store_only_a_hash_and_end_every_way(engine: Engine, clock: FakeClock) -> None:
    users = ConsoleUserStore(engine, clock=clock)
    sessions = ConsoleSessionStore(engine, clock=clock)
    users.create("alice", "h", "operator")
    session_id, csrf = sessions.create("alice", "127.0.0.1", 8 * HOUR)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT id_hash FROM console_sessions")).scalar()
    assert stored == session_hash(session_id) and session_id not in stored
    live = sessions.lookup(session_id, idle=HOUR)
    assert live is not None and live.username == "alice" and live.role == "operator"
    assert live.csrf_token == csrf and len(csrf) >= 32
    assert sessions.lookup(session_id + "x", idle=HOUR) is None
    clock.advance(minutes=59)
    assert sessions.lookup(session_id, idle=HOUR) is not None
    clock.advance(minutes=59)
    assert sessions.lookup(session_id, idle=HOUR) is not None, "each lookup refreshes idleness"
    clock.advance(minutes=61)
    assert sessions.lookup(session_id, idle=HOUR) is None, "idle for over an hour"


def test_sessions_expire_and_die_with_their_user(engine: Engine, clock: FakeClock) -> None:
    users = ConsoleUserStore(engine, clock=clock)
    sessions = ConsoleSessionStore(engine, clock=clock)
    users.create("alice", "h", "operator")
    short, _ = sessions.create("alice", "c", timedelta(minutes=30))
    other, _ = sessions.create("alice", "c", 8 * HOUR)
    clock.advance(minutes=31)
    assert sessions.lookup(short, idle=HOUR) is None
    assert sessions.lookup(other, idle=HOUR) is not None
    users.disable("alice")
    assert sessions.lookup(other, idle=HOUR) is None
    assert sessions.delete_for("alice") == 2
    users.create("bob", "h", "admin")
    mine, _ = sessions.create("bob", "c", HOUR)
    assert sessions.delete(mine) is True
    assert sessions.lookup(mine, idle=HOUR) is None


def test_failures_by_username_and_client(engine: Engine, clock: FakeClock) -> None:
    failures = LoginFailureStore(engine, clock=clock)
    window = timedelta(minutes=15)
    start = clock.now
    first = failures.add("alice", "10.0.0.1", window)
    clock.advance(minutes=1)
    failures.add("alice", "10.0.0.2", window)
    failures.add("bob", "10.0.0.1", window)
    assert failures.since(start - window, username="alice") == [first, clock.now]
    assert len(failures.since(start - window, client="10.0.0.1")) == 2
    assert failures.since(clock.now, username="alice") == []
    with pytest.raises(ValueError):
        failures.since(start, username="a", client="b")
    assert failures.clear("alice") == 2
    assert failures.since(start - window, username="alice") == []
    clock.advance(minutes=30)
    failures.add("carol", "10.0.0.3", window)
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM console_login_failures")).scalar()
    assert left == 1, "failures older than the window are removed as new ones arrive"
