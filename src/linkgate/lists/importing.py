"""A feed import, before storage: parse, guard, de-duplicate, count.

:class:`FeedImport` turns the lines of a feed into the distinct entries to
store, counting as it goes: entries by kind, duplicates, and rejected lines
by reason (the parser's reasons and the guard's), with the first few
rejected lines kept as samples. Pure: the caller reads the file and stores
the entries.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from linkgate.lists.feeds import FeedEntry, Rejected, parse_feed
from linkgate.lists.guard import EntryGuard

__all__ = ["CATEGORY_PATTERN", "FeedImport", "ImportReport", "check_category", "parse_expiry"]

SAMPLES: Final = 20
CATEGORY_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
_DURATION: Final = re.compile(r"(\d{1,6})\s*([mhdw])\Z")
_UNITS: Final = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def check_category(category: str) -> str:
    """``category`` if it is a lower-case word (``malware``, ``phishing``, ``fraud``…)."""
    if not CATEGORY_PATTERN.match(category):
        raise ValueError(
            f"category {category!r}: expected a lower-case word such as malware, phishing, fraud"
        )
    return category


def parse_expiry(text: str, now: datetime) -> datetime:
    """An expiry time from ISO 8601 (naive = UTC) or a duration from ``now`` (``12h``, ``30d``).

    ``ValueError`` when ``text`` is neither, or names a time that has passed.
    """
    value = text.strip()
    match = _DURATION.match(value.lower())
    if match is not None:
        amount = int(match.group(1))
        if amount <= 0:
            raise ValueError(f"expiry {text!r}: a duration must be positive")
        return now + timedelta(**{_UNITS[match.group(2)]: amount})
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        when = None
    if when is None:
        raise ValueError(
            f"expiry {text!r}: expected an ISO 8601 date or time (2025-06-30, "
            "2025-06-30T12:00+08:00) or a duration (90m, 12h, 30d, 2w)"
        )
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when <= now:
        raise ValueError(f"expiry {text!r} has already passed")
    return when


@dataclass
class ImportReport:
    """What a feed import listed and what it rejected."""

    format: str
    entries: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    samples: list[Rejected] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(self.entries.values())

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "entries": dict(sorted(self.entries.items())),
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": dict(sorted(self.rejected.items())),
            "rejected_total": self.rejected_total,
            "samples": [
                {"line": r.line, "reason": r.reason, "text": r.text[:200]} for r in self.samples
            ],
        }


class FeedImport:
    """Parse and check one feed; iterate :meth:`entries` once, then read :attr:`report`."""

    def __init__(self, format: str, guard: EntryGuard) -> None:
        parse_feed(format, ())  # unknown format -> ValueError now, not mid-import
        self.format = format
        self.guard = guard
        self.report = ImportReport(format)

    def _reject(self, rejected: Rejected) -> None:
        self.report.rejected[rejected.reason] += 1
        if len(self.report.samples) < SAMPLES:
            # Undecodable bytes (kept as surrogates) are shown escaped: \xff.
            text = rejected.text[:200].encode("utf-8", "surrogateescape")
            shown = text.decode("utf-8", "backslashreplace")
            self.report.samples.append(Rejected(rejected.line, rejected.reason, shown))

    def results(self, lines: Iterable[str]) -> Iterator[FeedEntry | Rejected]:
        """Every accepted entry and every rejected line, in feed order (duplicates skipped)."""
        seen: set[tuple[str, str]] = set()
        report = self.report
        for item in parse_feed(self.format, lines):
            if isinstance(item, FeedEntry):
                reason = self.guard.check(item)
                if reason is not None:
                    item = Rejected(item.line, reason, item.value)
                else:
                    key = (item.kind, item.value)
                    if key in seen:
                        report.duplicates += 1
                        continue
                    seen.add(key)
                    report.entries[item.kind] += 1
                    yield item
                    continue
            self._reject(item)
            yield item

    def entries(self, lines: Iterable[str]) -> Iterator[FeedEntry]:
        """The distinct entries to list."""
        for item in self.results(lines):
            if isinstance(item, FeedEntry):
                yield item
