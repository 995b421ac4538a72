"""Credit events, daily share counts and the last band seen per platform or domain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, RowMapping

from linkgate.credit.score import CreditEvent, ShareCounts
from linkgate.storage.reading import Reader
from linkgate.storage.schema import CreditEventRow, CreditStandingRow, ShareCountRow
from linkgate.storage.transactions import insert_for, write_transaction


@dataclass(frozen=True, slots=True)
class CreditEventRecord:
    id: str
    at: datetime
    platform: str | None
    domain: str | None
    url: str
    fingerprint: str | None
    category: str
    severity: float
    weight: float
    source: str
    report_id: str | None
    created_by: str
    voided_at: datetime | None
    void_reason: str | None

    def event(self) -> CreditEvent:
        return CreditEvent(self.id, self.at, self.url, self.category, self.weight, self.severity)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "platform": self.platform,
            "domain": self.domain,
            "url": self.url,
            "category": self.category,
            "severity": self.severity,
            "weight": round(self.weight, 4),
            "points": round(self.weight * self.severity, 4),
            "source": self.source,
            "report_id": self.report_id,
            "voided_at": self.voided_at.isoformat() if self.voided_at else None,
            "void_reason": self.void_reason,
        }


_COLUMNS = [getattr(CreditEventRow, f.name) for f in fields(CreditEventRecord)]


def _record(row: RowMapping) -> CreditEventRecord:
    return CreditEventRecord(**row)


ShareKey = tuple[date, str, str]


class CreditStore(Reader):
    def add_event(self, connection: Connection, values: dict[str, object]) -> None:
        connection.execute(insert_for(connection, CreditEventRow).values(**values))

    def void(self, connection: Connection, ids: list[str], *, at: datetime, reason: str) -> None:
        if ids:
            connection.execute(
                update(CreditEventRow)
                .where(CreditEventRow.id.in_(ids), CreditEventRow.voided_at.is_(None))
                .values(voided_at=at, void_reason=reason)
            )

    def get(self, event_id: str, connection: Connection | None = None) -> CreditEventRecord | None:
        return self._one(
            select(*_COLUMNS).where(CreditEventRow.id == event_id), connection, _record
        )

    def events(
        self,
        *,
        platform: str | None = None,
        domain: str | None = None,
        report_ids: list[str] | None = None,
        include_voided: bool = False,
        connection: Connection | None = None,
    ) -> list[CreditEventRecord]:
        stmt = select(*_COLUMNS)
        if platform is not None:
            stmt = stmt.where(CreditEventRow.platform == platform)
        if domain is not None:
            stmt = stmt.where(CreditEventRow.domain == domain)
        if report_ids is not None:
            stmt = stmt.where(CreditEventRow.report_id.in_(report_ids))
        if not include_voided:
            stmt = stmt.where(CreditEventRow.voided_at.is_(None))
        return self._mapped(stmt.order_by(CreditEventRow.at), connection, _record)

    def events_with_fingerprint(
        self, mark: str, since: datetime, connection: Connection | None = None
    ) -> list[CreditEventRecord]:
        stmt = select(*_COLUMNS).where(
            CreditEventRow.fingerprint == mark,
            CreditEventRow.at >= since,
            CreditEventRow.voided_at.is_(None),
        )
        return self._mapped(stmt, connection, _record)

    def keys_with_events(self) -> tuple[set[str], set[str]]:
        """Platforms and domains that have live (not voided) events."""
        stmt = select(CreditEventRow.platform, CreditEventRow.domain).where(
            CreditEventRow.voided_at.is_(None)
        )
        platforms: set[str] = set()
        domains: set[str] = set()
        for platform, domain in self._rows(stmt.distinct(), None):
            if platform is not None:
                platforms.add(platform)
            elif domain is not None:
                domains.add(domain)
        return platforms, domains

    # -- shares -------------------------------------------------------------------

    def add_shares(self, counts: Mapping[ShareKey, int]) -> None:
        """Add to the daily share counts (one upsert per key)."""
        if not counts:
            return
        with write_transaction(self._engine) as connection:
            for (day, platform, domain), n in sorted(counts.items()):
                stmt = insert_for(connection, ShareCountRow).values(
                    day=day, platform=platform, domain=domain, shares=n
                )
                connection.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["day", "platform", "domain"],
                        set_={"shares": ShareCountRow.shares + n},
                    )
                )

    def shares(
        self, *, platform: str | None = None, domain: str | None = None, since: date | None = None
    ) -> ShareCounts:
        stmt = select(ShareCountRow.day, ShareCountRow.shares)
        if platform is not None:
            stmt = stmt.where(ShareCountRow.platform == platform)
        if domain is not None:
            stmt = stmt.where(ShareCountRow.domain == domain)
        if since is not None:
            stmt = stmt.where(ShareCountRow.day >= since)
        return ShareCounts((day, int(n)) for day, n in self._rows(stmt, None))

    # -- standings ------------------------------------------------------------------

    def standing(self, key: str) -> tuple[float, str] | None:
        stmt = select(CreditStandingRow.score, CreditStandingRow.band).where(
            CreditStandingRow.key == key
        )
        rows = self._rows(stmt, None)
        return (float(rows[0][0]), str(rows[0][1])) if rows else None

    def set_standing(
        self,
        connection: Connection,
        key: str,
        *,
        score: float,
        band: str,
        at: datetime,
        previous: str | None,
    ) -> bool:
        """Record ``band`` if the stored band is still ``previous``; False if another
        process got there first (so each change is acted on once)."""
        if previous is None:
            stmt = insert_for(connection, CreditStandingRow).values(
                key=key, score=score, band=band, updated_at=at
            )
            inserted = connection.execute(
                stmt.on_conflict_do_nothing(index_elements=["key"]).returning(CreditStandingRow.key)
            ).all()
            return bool(inserted)
        result = connection.execute(
            update(CreditStandingRow)
            .where(CreditStandingRow.key == key, CreditStandingRow.band == previous)
            .values(score=score, band=band, updated_at=at)
        )
        return result.rowcount == 1
