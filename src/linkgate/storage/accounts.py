"""Enforcement actions against sender accounts, kept under the account's pseudonym."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from linkgate.enforcement.senders import SenderState
from linkgate.enforcement.spam import PriorAction
from linkgate.storage.reading import Reader
from linkgate.storage.schema import AccountActionRow


@dataclass(frozen=True, slots=True)
class AccountAction:
    id: str
    account_hash: str
    action: str
    rung: int
    reason: str
    evidence: dict[str, Any]
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None

    def active(self, at: datetime) -> bool:
        return self.lifted_at is None and (self.expires_at is None or at < self.expires_at)

    def prior(self) -> PriorAction:
        return PriorAction(self.action, self.created_at, lifted=self.lifted_at is not None)  # type: ignore[arg-type]

    def state(self) -> SenderState:
        return SenderState(self.account_hash, self.action, self.reason, self.expires_at)  # type: ignore[arg-type]

    def to_dict(self, at: datetime) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "account_hash":
                continue
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        out["active"] = self.active(at)
        return out


_COLUMNS = [getattr(AccountActionRow, f.name) for f in fields(AccountAction)]


def _action(row: RowMapping) -> AccountAction:
    return AccountAction(**row)


class AccountStore(Reader):
    def add(self, connection: Connection, values: dict[str, Any]) -> AccountAction:
        connection.execute(insert(AccountActionRow).values(**values))
        found = self.get(values["id"], connection)
        assert found is not None
        return found

    def get(self, action_id: str, connection: Connection | None = None) -> AccountAction | None:
        stmt = select(*_COLUMNS).where(AccountActionRow.id == action_id)
        return self._one(stmt, connection, _action)

    def for_account(
        self, account_hash: str, connection: Connection | None = None
    ) -> list[AccountAction]:
        stmt = (
            select(*_COLUMNS)
            .where(AccountActionRow.account_hash == account_hash)
            .order_by(AccountActionRow.created_at)
        )
        return self._mapped(stmt, connection, _action)

    def lift(
        self, connection: Connection, action_id: str, *, at: datetime, by: str, reason: str
    ) -> bool:
        result = connection.execute(
            update(AccountActionRow)
            .where(AccountActionRow.id == action_id, AccountActionRow.lifted_at.is_(None))
            .values(lifted_at=at, lifted_by=by, lift_reason=reason)
        )
        return result.rowcount == 1

    def active(self, at: datetime) -> list[AccountAction]:
        stmt = select(*_COLUMNS).where(
            AccountActionRow.lifted_at.is_(None),
            or_(AccountActionRow.expires_at.is_(None), AccountActionRow.expires_at > at),
        )
        return self._mapped(stmt, None, _action)

    def page(self, *, active_at: datetime | None = None, limit: int = 100) -> list[AccountAction]:
        stmt = select(*_COLUMNS)
        if active_at is not None:
            stmt = stmt.where(
                AccountActionRow.lifted_at.is_(None),
                or_(
                    AccountActionRow.expires_at.is_(None),
                    AccountActionRow.expires_at > active_at,
                ),
            )
        stmt = stmt.order_by(AccountActionRow.created_at.desc()).limit(limit)
        return self._mapped(stmt, None, _action)
