"""Periods of time named on the command line and in query strings: ``--from D --to D``.

A bound is a date (``2025-03-01``: midnight UTC; an end date counts whole,
so ``--from 2025-03-01 --to 2025-03-07`` is seven days) or an ISO 8601
time (``2025-03-01T08:00:00+08:00``; without an offset, UTC; an end time
is exclusive).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

#: The longest period a report covers (ten years).
MAX_DAYS = 3660


class PeriodError(ValueError):
    """A bound that is not a date or a time, or an empty or too long period."""


@dataclass(frozen=True, slots=True)
class Period:
    """``start <= t < end``, both aware UTC datetimes."""

    start: datetime
    end: datetime

    def days(self) -> list[date]:
        """Every UTC day the period touches, in order."""
        first = self.start.date()
        last = (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def day_edges(self) -> list[datetime]:
        """Bucket edges per UTC day: the start, each midnight inside, the end."""
        edges = [self.start]
        for day in self.days()[1:]:
            edges.append(datetime.combine(day, time(), UTC))
        edges.append(self.end)
        return edges

    def __iter__(self) -> Iterator[datetime]:
        yield self.start
        yield self.end

    def to_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _bound(text: str, name: str, *, end: bool) -> datetime:
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PeriodError(
            f"{name}: not a date (YYYY-MM-DD) or an ISO 8601 time: {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_period(start: str, end: str) -> Period:
    """The period from ``start`` to ``end`` (see the module docstring); raises PeriodError."""
    first = _bound(start, "from", end=False)
    last = _bound(end, "to", end=True)
    if last <= first:
        raise PeriodError(f"to ({end}) must be after from ({start})")
    if last - first > timedelta(days=MAX_DAYS):
        raise PeriodError(f"a period is at most {MAX_DAYS} days")
    return Period(first, last)
