"""Migrations: an empty database gets every table, once, even when two processes race."""

from __future__ import annotations

import multiprocessing
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import alembic_config, current, head, upgrade
from linkgate.storage.policies import PolicyStore
from linkgate.storage.schema import Base

TABLES = {
    "platforms",
    "policy_revisions",
    "group_settings",
    "member_settings",
    "api_keys",
    "decision_events",
    "audit_log",
    "audit_head",
    "reports",
    "credit_events",
    "share_counts",
    "blocks",
    "overrides",
    "appeals",
    "phase_pauses",
    "credit_standings",
    "state_head",
    "account_actions",
    "threat_lists",
    "threat_list_entries",
    "console_users",
    "console_sessions",
    "console_login_failures",
    "policy_shadow",
    "shadow_decisions",
}

#: The newest migration, named here so that adding one is a deliberate change.
HEAD = "0008"


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_schema_tables_are_the_expected_ones() -> None:
    assert set(Base.metadata.tables) == TABLES


def test_upgrade_creates_every_table(empty_url: str) -> None:
    assert current(empty_url) is None
    assert upgrade(empty_url) == head() == HEAD
    assert current(empty_url) == HEAD
    assert _tables(empty_url) == TABLES | {"alembic_version"}


def test_upgrade_is_idempotent_and_keeps_data(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        PolicyStore(engine).add("abcd", "default", "version: 1\n", "compromise", "ops")
    finally:
        engine.dispose()
    assert upgrade(empty_url) == HEAD
    assert upgrade(empty_url) == HEAD
    engine = make_engine(empty_url)
    try:
        assert PolicyStore(engine).get("abcd") is not None
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            heads = conn.execute(text("SELECT count(*) FROM audit_head")).scalar()
        assert [v for (v,) in versions] == [HEAD]
        assert heads == 1
    finally:
        engine.dispose()


def test_migrations_create_exactly_the_declared_schema(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(empty_url: str) -> None:
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    assert _tables(empty_url) == {"alembic_version"}
    assert current(empty_url) is None
    assert upgrade(empty_url) == HEAD
    assert _tables(empty_url) == TABLES | {"alembic_version"}


def _upgrade_in_process(url: str, start: Any, results: Any) -> None:
    start.wait(timeout=30)
    try:
        results.put(("ok", upgrade(url)))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(("error", repr(exc)))


def test_two_processes_upgrading_at_once_both_succeed(empty_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(target=_upgrade_in_process, args=(empty_url, start, results))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert outcomes == [("ok", HEAD), ("ok", HEAD)]
    assert _tables(empty_url) == TABLES | {"alembic_version"}
    assert current(empty_url) == HEAD
