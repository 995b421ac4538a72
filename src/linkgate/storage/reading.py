"""Reads that run on the caller's connection (inside its transaction) or on a fresh one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine, RowMapping

T = TypeVar("T")


class Reader:
    """Base of stores whose reads may join the caller's transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _rows(self, stmt: Any, connection: Connection | None) -> list[Any]:
        if connection is not None:
            return list(connection.execute(stmt))
        with self._engine.connect() as conn:
            return list(conn.execute(stmt))

    def _mapped(
        self, stmt: Any, connection: Connection | None, make: Callable[[RowMapping], T]
    ) -> list[T]:
        if connection is not None:
            return [make(r) for r in connection.execute(stmt).mappings()]
        with self._engine.connect() as conn:
            return [make(r) for r in conn.execute(stmt).mappings()]

    def _one(
        self, stmt: Any, connection: Connection | None, make: Callable[[RowMapping], T]
    ) -> T | None:
        found = self._mapped(stmt.limit(1), connection, make)
        return found[0] if found else None
