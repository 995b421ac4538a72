"""Reports (complaints) against links: one per reporter and canonical link.

Methods that change state take the caller's connection, so a report, the
restriction it triggers and their audit entries commit together.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from linkgate.reports.weighting import ReporterHistory
from linkgate.storage.reading import Reader
from linkgate.storage.schema import ReportRow
from linkgate.storage.transactions import insert_for


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    created_at: datetime
    reporter_hash: str
    url: str
    input: str
    host: str
    domain: str | None
    platform: str | None
    link_kind: str
    category: str
    channel: str | None
    group_hash: str | None
    message_id: str | None
    comment: str | None
    account_created_at: datetime | None
    inviter_hash: str | None
    base_weight: float
    factors: list[dict[str, Any]]
    status: str
    reviewed_at: datetime | None
    reviewed_by: str | None
    review_category: str | None
    review_note: str | None


_COLUMNS = [getattr(ReportRow, f.name) for f in fields(Report)]


def _report(row: RowMapping) -> Report:
    return Report(**row)


class ReportStore(Reader):
    # -- writes (in the caller's transaction) ----------------------------------------

    def add(self, connection: Connection, values: dict[str, Any]) -> tuple[Report, bool]:
        """Insert unless this reporter already reported this link; (report, created)."""
        stmt = insert_for(connection, ReportRow).values(**values)
        inserted = connection.execute(
            stmt.on_conflict_do_nothing(index_elements=["reporter_hash", "url"]).returning(
                ReportRow.id
            )
        ).all()
        created = bool(inserted)
        row = (
            connection.execute(
                select(*_COLUMNS).where(
                    ReportRow.reporter_hash == values["reporter_hash"],
                    ReportRow.url == values["url"],
                )
            )
            .mappings()
            .one()
        )
        return _report(row), created

    def set_status(
        self,
        connection: Connection,
        ids: Sequence[str],
        *,
        status: str,
        at: datetime,
        by: str,
        category: str | None,
        note: str,
    ) -> None:
        if not ids:
            return
        connection.execute(
            update(ReportRow)
            .where(ReportRow.id.in_(list(ids)))
            .values(
                status=status,
                reviewed_at=at,
                reviewed_by=by,
                review_category=category,
                review_note=note,
            )
        )

    # -- reads --------------------------------------------------------------------

    def get(self, report_id: str, connection: Connection | None = None) -> Report | None:
        stmt = select(*_COLUMNS).where(ReportRow.id == report_id)
        return self._one(stmt, connection, _report)

    def page_one(
        self, reporter_hash: str, url: str, connection: Connection | None = None
    ) -> Report | None:
        """This reporter's report on this link, if any."""
        stmt = select(*_COLUMNS).where(
            ReportRow.reporter_hash == reporter_hash, ReportRow.url == url
        )
        return self._one(stmt, connection, _report)

    def pending_on_link(self, url: str, connection: Connection | None = None) -> list[Report]:
        stmt = (
            select(*_COLUMNS)
            .where(ReportRow.url == url, ReportRow.status == "pending")
            .order_by(ReportRow.created_at)
        )
        return self._mapped(stmt, connection, _report)

    def recent_against(
        self,
        *,
        platform: str | None,
        domain: str | None,
        since: datetime,
        connection: Connection | None = None,
    ) -> list[Report]:
        """Reports against a platform (or, with none, a domain) since ``since``."""
        where = (
            ReportRow.platform == platform if platform is not None else ReportRow.domain == domain
        )
        stmt = select(*_COLUMNS).where(where, ReportRow.created_at >= since)
        return self._mapped(stmt, connection, _report)

    def history(
        self, reporter_hash: str, since: datetime, connection: Connection | None = None
    ) -> ReporterHistory:
        stmt = (
            select(ReportRow.status, func.count())
            .where(
                ReportRow.reporter_hash == reporter_hash,
                ReportRow.reviewed_at >= since,
                ReportRow.status.in_(("upheld", "rejected")),
            )
            .group_by(ReportRow.status)
        )
        counts = dict(self._rows(stmt, connection))
        return ReporterHistory(
            upheld=int(counts.get("upheld", 0)), rejected=int(counts.get("rejected", 0))
        )

    def count_since(
        self, reporter_hash: str, since: datetime, connection: Connection | None = None
    ) -> tuple[int, datetime | None]:
        """How many reports this reporter filed since ``since``, and the oldest of them."""
        stmt = select(func.count(), func.min(ReportRow.created_at)).where(
            ReportRow.reporter_hash == reporter_hash, ReportRow.created_at >= since
        )
        ((count, oldest),) = self._rows(stmt, connection)
        return int(count), oldest

    def page(
        self,
        *,
        status: str | None = None,
        platform: str | None = None,
        url: str | None = None,
        limit: int = 100,
    ) -> list[Report]:
        stmt = select(*_COLUMNS)
        if status is not None:
            stmt = stmt.where(ReportRow.status == status)
        if platform is not None:
            stmt = stmt.where(ReportRow.platform == platform)
        if url is not None:
            stmt = stmt.where(ReportRow.url == url)
        stmt = stmt.order_by(ReportRow.created_at).limit(limit)
        return self._mapped(stmt, None, _report)

    def for_links(self, urls: Iterable[str], status: str) -> list[Report]:
        wanted = list(set(urls))
        if not wanted:
            return []
        stmt = select(*_COLUMNS).where(ReportRow.url.in_(wanted), ReportRow.status == status)
        return self._mapped(stmt, None, _report)

    def count_by(
        self, *, start: datetime, end: datetime, platform: str | None = None
    ) -> list[dict[str, Any]]:
        """Reports received in [start, end) by category and status."""
        stmt = select(ReportRow.category, ReportRow.status, func.count()).where(
            and_(ReportRow.created_at >= start, ReportRow.created_at < end)
        )
        if platform is not None:
            stmt = stmt.where(or_(ReportRow.platform == platform))
        stmt = stmt.group_by(ReportRow.category, ReportRow.status)
        return [{"category": c, "status": s, "count": int(n)} for c, s, n in self._rows(stmt, None)]

    def by_link(self, *, platform: str, since: datetime, limit: int = 200) -> list[dict[str, Any]]:
        """Reports against ``platform``'s links since ``since``, counted per link, category
        and status, most recently reported links first; no reporter is read."""
        newest = func.max(ReportRow.created_at)
        stmt = (
            select(
                ReportRow.url,
                ReportRow.category,
                ReportRow.status,
                func.count(),
                func.min(ReportRow.created_at),
                newest,
            )
            .where(ReportRow.platform == platform, ReportRow.created_at >= since)
            .group_by(ReportRow.url, ReportRow.category, ReportRow.status)
            .order_by(newest.desc())
            .limit(limit)
        )
        return [
            {"url": u, "category": c, "status": s, "count": int(n), "first": f, "last": last}
            for u, c, s, n, f, last in self._rows(stmt, None)
        ]
