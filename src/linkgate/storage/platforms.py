"""Platforms' registry entries as edited at run time (each a document, keyed by platform id)."""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine, RowMapping

from linkgate.storage.schema import PlatformRow
from linkgate.storage.transactions import insert_for, write_transaction
from linkgate.storage.types import as_utc, utcnow

_COLUMNS = (PlatformRow.id, PlatformRow.document, PlatformRow.updated_at, PlatformRow.updated_by)


@dataclass(frozen=True, slots=True)
class PlatformRecord:
    """A platform's stored registry entry (the same shape as an entry in ``registry.yaml``)."""

    id: str
    document: dict[str, Any]
    updated_at: datetime
    updated_by: str


def _record(row: RowMapping) -> PlatformRecord:
    return PlatformRecord(**row)


class PlatformStore:
    """Registry entries, one per platform; a put replaces the whole entry."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def put(self, id: str, document: Mapping[str, Any], by: str) -> PlatformRecord:
        """Create or replace the entry of platform ``id``.

        ``document`` must be JSON data (it is stored as JSON and comes back as
        plain dicts, lists, strings, numbers, booleans and None).
        """
        stored: dict[str, Any] = json.loads(json.dumps(dict(document), allow_nan=False))
        now = as_utc(self._clock())
        with write_transaction(self._engine) as connection:
            stmt = insert_for(connection, PlatformRow).values(
                id=id, document=stored, updated_at=now, updated_by=by
            )
            connection.execute(
                stmt.on_conflict_do_update(
                    index_elements=["id"],
                    set_={"document": stored, "updated_at": now, "updated_by": by},
                )
            )
        return PlatformRecord(id=id, document=stored, updated_at=now, updated_by=by)

    def get(self, id: str) -> PlatformRecord | None:
        with self._engine.connect() as connection:
            stmt = select(*_COLUMNS).where(PlatformRow.id == id)
            row = connection.execute(stmt).mappings().first()
        return _record(row) if row is not None else None

    def all(self) -> builtins.list[PlatformRecord]:
        """Every stored entry, by platform id."""
        with self._engine.connect() as connection:
            rows = connection.execute(select(*_COLUMNS).order_by(PlatformRow.id)).mappings()
            return [_record(row) for row in rows]
