"""What a transparency report counts, read from the store for a period, per UTC day.

Each query reads one table (the decision log, blocks, account actions,
reports, appeals) with the period's day edges and counts in the database,
one row per (day, key); only review and appeal durations come back one per
case, for the medians. :func:`read_transparency` runs them all; the report
(:mod:`linkgate.transparency`) is built from its :class:`TransparencyData`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.engine import Engine

from linkgate.storage.schema import (
    AccountActionRow,
    AppealRow,
    BlockRow,
    DecisionEventRow,
    ReportRow,
)
from linkgate.storage.types import as_utc

#: How a handled link is counted: ``blocked`` and ``copy_only`` by treatment,
#: ``warned`` by the warning interstitial (a page that opened behind it).
LINK_ACTIONS: Final = ("blocked", "copy_only", "warned")
#: Account actions in the words of a transparency report.
ACCOUNT_ACTIONS: Final = {
    "warn": "warned",
    "restrict_links": "restricted",
    "ban": "banned",
    "permanent_ban": "permanently_banned",
}

#: Called after each query with (queries done, queries in all).
Progress = Callable[[int, int], None]


@dataclass
class TransparencyData:
    """Counts for a period; ``day`` keys are indexes into the period's days."""

    #: (day, category or None, action) → share decisions.
    links: dict[tuple[int, str | None, str], int] = field(default_factory=dict)
    #: (category or None, action) → distinct links over the whole period.
    distinct_links: dict[tuple[str | None, str], int] = field(default_factory=dict)
    #: (day, category or None, domain) → domain blocks made.
    domain_blocks: dict[tuple[int, str | None, str], int] = field(default_factory=dict)
    #: (day, action) → account actions; action → distinct accounts over the period.
    account_actions: dict[tuple[int, str], int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)
    #: (day, category) → reports received (by filing day) and upheld / rejected (by review day).
    reports_received: dict[tuple[int, str], int] = field(default_factory=dict)
    reports_upheld: dict[tuple[int, str], int] = field(default_factory=dict)
    reports_rejected: dict[tuple[int, str], int] = field(default_factory=dict)
    #: (review day, seconds from filing to review), one per reviewed report.
    review_seconds: list[tuple[int, float]] = field(default_factory=list)
    #: day → appeals filed (by filing day), granted / denied (by decision day).
    appeals_filed: dict[int, int] = field(default_factory=dict)
    appeals_granted: dict[int, int] = field(default_factory=dict)
    appeals_denied: dict[int, int] = field(default_factory=dict)
    #: (decision day, seconds from filing to decision), one per decided appeal.
    appeal_seconds: list[tuple[int, float]] = field(default_factory=list)


def _bucket(column: Any, edges: Sequence[datetime]) -> ColumnElement[int]:
    """The index of the day ``column`` falls in (edges are increasing UTC times)."""
    if len(edges) <= 2:
        return literal(0)
    return case(
        *((column < edge, index) for index, edge in enumerate(edges[1:-1])),
        else_=len(edges) - 2,
    )


def _within(column: Any, edges: Sequence[datetime]) -> ColumnElement[bool]:
    return and_(column >= edges[0], column < edges[-1])


def _counted(stmt: Any, engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(stmt)]


def _grouped(engine: Engine, edges: Sequence[datetime], at: Any, *keys: Any, where: Any) -> Any:
    """``{(day, *keys): count}`` of rows with ``at`` in the period and ``where``."""
    inner = select(_bucket(at, edges).label("day"), *keys).where(_within(at, edges), where)
    sub = inner.subquery()
    columns = list(sub.c)
    stmt = select(*columns, func.count()).group_by(*columns)
    return {tuple(row[:-1]): int(row[-1]) for row in _counted(stmt, engine)}


def _durations(
    engine: Engine, edges: Sequence[datetime], start: Any, end: Any, where: Any
) -> list[tuple[int, float]]:
    stmt = select(_bucket(end, edges), start, end).where(_within(end, edges), where)
    return [
        (int(day), (as_utc(done) - as_utc(began)).total_seconds())
        for day, began, done in _counted(stmt, engine)
    ]


def read_transparency(
    engine: Engine, edges: Sequence[datetime], progress: Progress | None = None
) -> TransparencyData:
    """Every count of the report for the days between ``edges`` (see :class:`TransparencyData`)."""
    bounds = [as_utc(edge) for edge in edges]
    data = TransparencyData()
    e = DecisionEventRow
    action = case(
        (e.treatment == "blocked", literal("blocked")),
        (e.treatment == "copy_only", literal("copy_only")),
        else_=literal("warned"),
    )
    handled = (e.kind == "share") & (
        e.treatment.in_(("blocked", "copy_only")) | (e.interstitial == "warn")
    )
    b, a, r, p = BlockRow, AccountActionRow, ReportRow, AppealRow

    def links() -> None:
        data.links = _grouped(
            engine, bounds, e.decided_at, e.category, action.label("action"), where=handled
        )
        stmt = (
            select(e.category, action, func.count(func.distinct(e.url)))
            .where(_within(e.decided_at, bounds), handled)
            .group_by(e.category, action)
        )
        data.distinct_links = {(c, x): int(n) for c, x, n in _counted(stmt, engine)}

    def blocks() -> None:
        data.domain_blocks = _grouped(
            engine, bounds, b.created_at, b.category, b.target, where=b.scope == "domain"
        )

    def accounts() -> None:
        data.account_actions = _grouped(engine, bounds, a.created_at, a.action, where=literal(True))
        stmt = (
            select(a.action, func.count(func.distinct(a.account_hash)))
            .where(_within(a.created_at, bounds))
            .group_by(a.action)
        )
        data.accounts = {x: int(n) for x, n in _counted(stmt, engine)}

    def reports() -> None:
        data.reports_received = _grouped(
            engine, bounds, r.created_at, r.category, where=literal(True)
        )
        data.reports_upheld = _grouped(
            engine, bounds, r.reviewed_at, r.category, where=r.status == "upheld"
        )
        data.reports_rejected = _grouped(
            engine, bounds, r.reviewed_at, r.category, where=r.status == "rejected"
        )
        data.review_seconds = _durations(
            engine, bounds, r.created_at, r.reviewed_at, r.reviewed_at.is_not(None)
        )

    def appeals() -> None:
        def by_day(at: Any, where: Any) -> dict[int, int]:
            return {key[0]: n for key, n in _grouped(engine, bounds, at, where=where).items()}

        data.appeals_filed = by_day(p.filed_at, literal(True))
        data.appeals_granted = by_day(p.decided_at, p.status == "granted")
        data.appeals_denied = by_day(p.decided_at, p.status == "denied")
        data.appeal_seconds = _durations(
            engine, bounds, p.filed_at, p.decided_at, p.decided_at.is_not(None)
        )

    steps = (links, blocks, accounts, reports, appeals)
    for done, step in enumerate(steps, start=1):
        step()
        if progress is not None:
            progress(done, len(steps))
    return data
