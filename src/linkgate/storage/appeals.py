"""Appeals against blocks, credit events and account actions, each with a due time."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from linkgate.storage.reading import Reader
from linkgate.storage.schema import AppealRow


@dataclass(frozen=True, slots=True)
class Appeal:
    id: str
    platform: str | None
    account_hash: str | None
    target_kind: str
    target_id: str
    reason: str
    evidence_url: str | None
    filed_at: datetime
    filed_by: str
    due_at: datetime
    status: str
    decided_at: datetime | None
    decided_by: str | None
    note: str | None

    def overdue(self, at: datetime) -> bool:
        return self.status == "open" and self.due_at < at

    def to_dict(self, at: datetime) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("filed_by", "account_hash"):
                continue
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        out["overdue"] = self.overdue(at)
        return out


_COLUMNS = [getattr(AppealRow, f.name) for f in fields(Appeal)]


def _appeal(row: RowMapping) -> Appeal:
    return Appeal(**row)


class AppealStore(Reader):
    def add(self, connection: Connection, values: dict[str, Any]) -> Appeal:
        connection.execute(insert(AppealRow).values(**values))
        found = self.get(values["id"], connection)
        assert found is not None
        return found

    def decide(
        self,
        connection: Connection,
        appeal_id: str,
        *,
        status: str,
        at: datetime,
        by: str,
        note: str,
    ) -> bool:
        result = connection.execute(
            update(AppealRow)
            .where(AppealRow.id == appeal_id, AppealRow.status == "open")
            .values(status=status, decided_at=at, decided_by=by, note=note)
        )
        return result.rowcount == 1

    def get(self, appeal_id: str, connection: Connection | None = None) -> Appeal | None:
        return self._one(select(*_COLUMNS).where(AppealRow.id == appeal_id), connection, _appeal)

    def open_for(self, target_kind: str, target_id: str) -> Appeal | None:
        stmt = select(*_COLUMNS).where(
            AppealRow.target_kind == target_kind,
            AppealRow.target_id == target_id,
            AppealRow.status == "open",
        )
        return self._one(stmt, None, _appeal)

    def count_since(
        self,
        since: datetime,
        *,
        filed_by: str | None = None,
        account_hash: str | None = None,
        connection: Connection | None = None,
    ) -> tuple[int, datetime | None]:
        """How many appeals one caller (a key, or an account) filed since ``since``, and
        the oldest of them."""
        stmt = select(func.count(), func.min(AppealRow.filed_at)).where(AppealRow.filed_at >= since)
        if account_hash is not None:
            stmt = stmt.where(AppealRow.account_hash == account_hash)
        else:
            stmt = stmt.where(AppealRow.filed_by == filed_by, AppealRow.account_hash.is_(None))
        ((count, oldest),) = self._rows(stmt, connection)
        return int(count), oldest

    def page(
        self,
        *,
        status: str | None = None,
        platform: str | None = None,
        account_hash: str | None = None,
        overdue_at: datetime | None = None,
        limit: int = 100,
    ) -> list[Appeal]:
        stmt = select(*_COLUMNS)
        if status is not None:
            stmt = stmt.where(AppealRow.status == status)
        if platform is not None:
            stmt = stmt.where(AppealRow.platform == platform)
        if account_hash is not None:
            stmt = stmt.where(AppealRow.account_hash == account_hash)
        if overdue_at is not None:
            stmt = stmt.where(AppealRow.status == "open", AppealRow.due_at < overdue_at)
        return self._mapped(stmt.order_by(AppealRow.due_at).limit(limit), None, _appeal)
