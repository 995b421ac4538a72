"""Blocks (from reports, violations or operators) and audited allow overrides."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from linkgate.enforcement.blocks import Block, Override
from linkgate.enforcement.ladder import Lifted
from linkgate.storage.reading import Reader
from linkgate.storage.schema import BlockRow, OverrideRow


@dataclass(frozen=True, slots=True)
class BlockRecord:
    id: str
    scope: str
    target: str
    treatment: str
    reason: str
    category: str | None
    detail: str
    source: str
    status: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None
    platform: str | None
    domain: str | None
    url: str | None
    rung: int | None
    evasion: bool
    evidence: dict[str, Any]

    def block(self) -> Block:
        return Block(
            id=self.id,
            scope=self.scope,  # type: ignore[arg-type]
            target=self.target,
            treatment=self.treatment,  # type: ignore[arg-type]
            reason=self.reason,
            category=self.category,
            expires_at=self.expires_at,
            detail=self.detail,
        )

    def active(self, at: datetime) -> bool:
        return self.status == "active" and (self.expires_at is None or at < self.expires_at)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass(frozen=True, slots=True)
class OverrideRecord:
    id: str
    scope: str
    target: str
    note: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None

    def override(self) -> Override:
        return Override(self.id, self.scope, self.target, self.expires_at, self.note)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        return out


_BLOCK = [getattr(BlockRow, f.name) for f in fields(BlockRecord)]
_OVERRIDE = [getattr(OverrideRow, f.name) for f in fields(OverrideRecord)]


def _block(row: RowMapping) -> BlockRecord:
    return BlockRecord(**row)


def _override(row: RowMapping) -> OverrideRecord:
    return OverrideRecord(**row)


class BlockStore(Reader):
    def add(self, connection: Connection, values: dict[str, Any]) -> BlockRecord:
        connection.execute(insert(BlockRow).values(**values))
        found = self.get(values["id"], connection)
        assert found is not None
        return found

    def lift(
        self, connection: Connection, block_id: str, *, at: datetime, by: str, reason: str
    ) -> bool:
        result = connection.execute(
            update(BlockRow)
            .where(BlockRow.id == block_id, BlockRow.status == "active")
            .values(status="lifted", lifted_at=at, lifted_by=by, lift_reason=reason)
        )
        return result.rowcount == 1

    def get(self, block_id: str, connection: Connection | None = None) -> BlockRecord | None:
        return self._one(select(*_BLOCK).where(BlockRow.id == block_id), connection, _block)

    def active(self, at: datetime, connection: Connection | None = None) -> list[BlockRecord]:
        stmt = select(*_BLOCK).where(
            BlockRow.status == "active",
            or_(BlockRow.expires_at.is_(None), BlockRow.expires_at > at),
        )
        return self._mapped(stmt.order_by(BlockRow.created_at), connection, _block)

    def active_restriction(
        self, url: str, connection: Connection | None = None
    ) -> BlockRecord | None:
        """The link's pending-review restriction from reports, if one is in force."""
        stmt = select(*_BLOCK).where(
            BlockRow.source == "reports",
            BlockRow.status == "active",
            BlockRow.scope == "url",
            BlockRow.target == url,
        )
        return self._one(stmt, connection, _block)

    def page(
        self,
        *,
        platform: str | None = None,
        domain: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[BlockRecord]:
        stmt = select(*_BLOCK)
        if platform is not None:
            stmt = stmt.where(BlockRow.platform == platform)
        if domain is not None:
            stmt = stmt.where(BlockRow.domain == domain)
        if status is not None:
            stmt = stmt.where(BlockRow.status == status)
        return self._mapped(stmt.order_by(BlockRow.created_at.desc()).limit(limit), None, _block)

    def citing_event(
        self, event_id: str, connection: Connection | None = None
    ) -> list[BlockRecord]:
        """Active violation blocks whose evidence names this credit event."""
        stmt = select(*_BLOCK).where(BlockRow.source == "violation", BlockRow.status == "active")
        found = self._mapped(stmt, connection, _block)
        return [b for b in found if event_id in b.evidence.get("events", [])]

    def lifted(self, connection: Connection | None = None) -> list[Lifted]:
        """Every lifted or expired violation block, for the ladder's evasion check."""
        stmt = select(
            BlockRow.scope, BlockRow.target, BlockRow.lifted_at, BlockRow.expires_at
        ).where(BlockRow.source == "violation")
        out: list[Lifted] = []
        for scope, target, lifted_at, expires_at in self._rows(stmt, connection):
            when = lifted_at or expires_at
            if when is not None:
                out.append(Lifted(scope, target, when))
        return out

    # -- overrides ------------------------------------------------------------------

    def add_override(self, connection: Connection, values: dict[str, Any]) -> OverrideRecord:
        connection.execute(insert(OverrideRow).values(**values))
        found = self.get_override(values["id"], connection)
        assert found is not None
        return found

    def get_override(
        self, override_id: str, connection: Connection | None = None
    ) -> OverrideRecord | None:
        stmt = select(*_OVERRIDE).where(OverrideRow.id == override_id)
        return self._one(stmt, connection, _override)

    def lift_override(
        self, connection: Connection, override_id: str, *, at: datetime, by: str
    ) -> bool:
        result = connection.execute(
            update(OverrideRow)
            .where(OverrideRow.id == override_id, OverrideRow.lifted_at.is_(None))
            .values(lifted_at=at, lifted_by=by)
        )
        return result.rowcount == 1

    def active_overrides(self, at: datetime) -> list[OverrideRecord]:
        stmt = select(*_OVERRIDE).where(
            OverrideRow.lifted_at.is_(None), OverrideRow.expires_at > at
        )
        return self._mapped(stmt.order_by(OverrideRow.created_at), None, _override)
