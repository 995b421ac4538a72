"""Link analytics for one platform: shares, opens, interstitial continue rate, reports.

Counted from the decision log and the reports table, grouped by channel, by
treatment or by UTC day. Nothing personal is read or returned: no sender,
viewer, group or reporter, only counts.

- ``shares``: ``share`` events (a link decided when it was sent).
- ``opens``: ``open`` events (a click on the shim; preview fetches are not opens).
- ``interstitial_opens``: opens that were shown the warning interstitial
  (the only page with 继续访问).
- ``continues``: ``continue`` events (继续访问 pressed).
- ``continue_rate``: ``continues / interstitial_opens``; None when nobody saw
  the interstitial.
- ``reports``: reports filed against the platform's links; reports carry no
  treatment, so grouped by treatment they are only in the totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import case, func, literal, select
from sqlalchemy.engine import Engine

from linkgate.storage.schema import DecisionEventRow, ReportRow
from linkgate.storage.types import as_utc
from linkgate.vocabulary import CHANNELS, TREATMENTS

GroupBy = Literal["channel", "treatment", "day"]
GROUPINGS: Final[tuple[GroupBy, ...]] = ("channel", "treatment", "day")
#: The key of reports that name no channel.
UNKNOWN: Final = "unknown"
#: The longest range one request may cover.
MAX_RANGE: Final = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class Counts:
    """The figures of one group (a channel, a treatment, a day) or of the whole range."""

    key: str
    shares: int = 0
    opens: int = 0
    interstitial_opens: int = 0
    continues: int = 0
    reports: int | None = 0

    @property
    def continue_rate(self) -> float | None:
        if not self.interstitial_opens:
            return None
        return round(self.continues / self.interstitial_opens, 4)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "shares": self.shares,
            "opens": self.opens,
            "interstitial_opens": self.interstitial_opens,
            "continues": self.continues,
            "continue_rate": self.continue_rate,
            "reports": self.reports,
        }


@dataclass(frozen=True, slots=True)
class Analytics:
    platform: str
    since: datetime
    until: datetime
    group_by: GroupBy
    groups: tuple[Counts, ...]
    totals: Counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "from": self.since.isoformat(),
            "to": self.until.isoformat(),
            "group_by": self.group_by,
            "groups": [g.to_dict() for g in self.groups],
            "totals": {k: v for k, v in self.totals.to_dict().items() if k != "key"},
        }


def day_edges(since: datetime, until: datetime) -> list[datetime]:
    """``since``, every UTC midnight strictly between, and ``until``."""
    start, end = as_utc(since), as_utc(until)
    edges = [start]
    midnight = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=1)
    while midnight < end:
        edges.append(midnight)
        midnight += timedelta(days=1)
    edges.append(end)
    return edges


def _bucket(column: Any, edges: Sequence[datetime]) -> Any:
    """A SQL expression giving the index of the day bucket ``column`` falls in."""
    if len(edges) == 2:
        return literal(0)
    return case(
        *((column < edge, index) for index, edge in enumerate(edges[1:-1])),
        else_=len(edges) - 2,
    )


def _known_keys(group_by: GroupBy, edges: Sequence[datetime]) -> list[str]:
    if group_by == "channel":
        return list(CHANNELS)
    if group_by == "treatment":
        return list(TREATMENTS)
    return [edge.date().isoformat() for edge in edges[:-1]]


class LinkAnalytics:
    """Reads the decision log and reports of one store; two grouped queries per call."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def summary(
        self, platform: str, since: datetime, until: datetime, group_by: GroupBy
    ) -> Analytics:
        """The figures of ``platform``'s links with ``since <= time < until``."""
        if group_by not in GROUPINGS:
            raise ValueError(f"group_by must be one of {', '.join(GROUPINGS)}")
        start, end = as_utc(since), as_utc(until)
        if start >= end:
            raise ValueError("since must be before until")
        edges = day_edges(start, end)
        labels = _known_keys(group_by, edges)
        groups: dict[str, Counts] = {key: Counts(key) for key in labels}
        totals = Counts("total")

        def key_of(value: Any) -> str:
            if group_by == "day":
                return labels[int(value)]
            return str(value) if value is not None else UNKNOWN

        for value, kind, interstitial, count in self._events(platform, start, end, group_by, edges):
            key = key_of(value)
            current = groups.get(key) or Counts(key)
            groups[key] = current = _add_event(current, kind, interstitial, count)
            totals = _add_event(totals, kind, interstitial, count)
        for value, count in self._reports(platform, start, end, group_by, edges):
            totals = replace(totals, reports=(totals.reports or 0) + count)
            if group_by == "treatment":
                continue
            key = key_of(value)
            current = groups.get(key) or Counts(key)
            groups[key] = replace(current, reports=(current.reports or 0) + count)
        ordered = _ordered(groups.values(), labels)
        if group_by == "treatment":
            ordered = [replace(g, reports=None) for g in ordered]
        return Analytics(platform, start, end, group_by, tuple(ordered), totals)

    def _events(
        self,
        platform: str,
        start: datetime,
        end: datetime,
        group_by: GroupBy,
        edges: Sequence[datetime],
    ) -> list[tuple[Any, str, str, int]]:
        row = DecisionEventRow
        key = _bucket(row.decided_at, edges) if group_by == "day" else getattr(row, group_by)
        inner = select(
            key.label("key"), row.kind.label("kind"), row.interstitial.label("interstitial")
        ).where(
            row.platform == platform,
            row.decided_at >= start,
            row.decided_at < end,
            row.kind.in_(("share", "open", "continue")),
        )
        rows = inner.subquery()
        stmt = select(rows.c.key, rows.c.kind, rows.c.interstitial, func.count()).group_by(
            rows.c.key, rows.c.kind, rows.c.interstitial
        )
        with self._engine.connect() as connection:
            return [(k, kind, i, int(n)) for k, kind, i, n in connection.execute(stmt)]

    def _reports(
        self,
        platform: str,
        start: datetime,
        end: datetime,
        group_by: GroupBy,
        edges: Sequence[datetime],
    ) -> list[tuple[Any, int]]:
        row = ReportRow
        if group_by == "day":
            key: Any = _bucket(row.created_at, edges)
        elif group_by == "channel":
            key = row.channel
        else:
            key = row.platform  # one group: reports have no treatment
        inner = select(key.label("key")).where(
            row.platform == platform, row.created_at >= start, row.created_at < end
        )
        rows = inner.subquery()
        stmt = select(rows.c.key, func.count()).group_by(rows.c.key)
        with self._engine.connect() as connection:
            return [(k, int(n)) for k, n in connection.execute(stmt)]


def _add_event(counts: Counts, kind: str, interstitial: str, n: int) -> Counts:
    if kind == "share":
        return replace(counts, shares=counts.shares + n)
    if kind == "open":
        shown = n if interstitial == "warn" else 0
        return replace(
            counts, opens=counts.opens + n, interstitial_opens=counts.interstitial_opens + shown
        )
    return replace(counts, continues=counts.continues + n)


def _ordered(groups: Iterable[Counts], labels: Sequence[str]) -> list[Counts]:
    """Known keys in their natural order, then any others by name."""
    position = {label: i for i, label in enumerate(labels)}
    return sorted(groups, key=lambda g: (position.get(g.key, len(position)), g.key))


def check_range(since: datetime, until: datetime) -> str | None:
    """What is wrong with a requested range, or None."""
    if since >= until:
        return "from must be before to"
    if until - since > MAX_RANGE:
        return f"the range may cover at most {MAX_RANGE.days} days"
    return None


__all__ = [
    "GROUPINGS",
    "MAX_RANGE",
    "Analytics",
    "Counts",
    "GroupBy",
    "LinkAnalytics",
    "check_range",
    "day_edges",
]
