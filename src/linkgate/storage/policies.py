"""Policy revisions: stored as YAML, published by name; the live one is the latest published."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from linkgate.storage.schema import PolicyRevisionRow
from linkgate.storage.transactions import insert_for, write_transaction
from linkgate.storage.types import as_utc, utcnow

REVISION_MAX_LENGTH = 16
_TICK = timedelta(microseconds=1)
_LOCK = "policy_revisions"

_COLUMNS = (
    PolicyRevisionRow.revision,
    PolicyRevisionRow.name,
    PolicyRevisionRow.content,
    PolicyRevisionRow.preset,
    PolicyRevisionRow.author,
    PolicyRevisionRow.created_at,
    PolicyRevisionRow.published_at,
    PolicyRevisionRow.published_by,
)


def _latest_published(*columns: Any) -> Select[Any]:
    """``columns`` of the latest published revision (none when nothing was published)."""
    return (
        select(*columns)
        .where(PolicyRevisionRow.published_at.is_not(None))
        .order_by(PolicyRevisionRow.published_at.desc())
        .limit(1)
    )


@dataclass(frozen=True, slots=True)
class PolicyRevision:
    """One stored policy revision; ``published_at`` is its latest publication."""

    revision: str
    name: str
    content: str
    preset: str
    author: str
    created_at: datetime
    published_at: datetime | None
    published_by: str | None

    @property
    def published(self) -> bool:
        return self.published_at is not None


def _record(row: RowMapping) -> PolicyRevision:
    return PolicyRevision(**row)


def _after(latest: datetime | None, now: datetime) -> datetime:
    """``now``, moved just past ``latest`` if needed, so stored times order strictly."""
    if latest is not None and now <= latest:
        return latest + _TICK
    return now


class PolicyStore:
    """Policy revisions. Adding is idempotent; publishing makes a revision live."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def add(
        self, revision: str, name: str, content: str, preset: str, author: str
    ) -> PolicyRevision:
        """Store a revision; adding a revision that exists returns the stored one unchanged.

        The revision is a content hash, so the same revision means the same content.
        """
        if not revision or len(revision) > REVISION_MAX_LENGTH:
            raise ValueError(f"a policy revision has 1 to {REVISION_MAX_LENGTH} characters")
        with write_transaction(self._engine, _LOCK) as connection:
            existing = self._get(connection, revision)
            if existing is not None:
                return existing
            latest = connection.execute(select(func.max(PolicyRevisionRow.created_at))).scalar()
            stmt = insert_for(connection, PolicyRevisionRow).values(
                revision=revision,
                name=name,
                content=content,
                preset=preset,
                author=author,
                created_at=_after(latest, as_utc(self._clock())),
                published_at=None,
                published_by=None,
            )
            connection.execute(stmt.on_conflict_do_nothing(index_elements=["revision"]))
            added = self._get(connection, revision)
        if added is None:
            raise RuntimeError(f"policy revision {revision!r} vanished while being added")
        return added

    def get(self, revision: str) -> PolicyRevision | None:
        with self._engine.connect() as connection:
            return self._get(connection, revision)

    def history(self) -> list[PolicyRevision]:
        """Every revision, newest first."""
        stmt = select(*_COLUMNS).order_by(
            PolicyRevisionRow.created_at.desc(), PolicyRevisionRow.revision.desc()
        )
        with self._engine.connect() as connection:
            return [_record(row) for row in connection.execute(stmt).mappings()]

    def publish(self, revision: str, by: str) -> datetime:
        """Make ``revision`` live (publishing an older revision rolls back to it).

        Returns the publication time, which is later than every earlier
        publication, so the live revision is never ambiguous.
        """
        with write_transaction(self._engine, _LOCK) as connection:
            if self._get(connection, revision) is None:
                raise LookupError(f"no policy revision {revision!r}")
            latest = connection.execute(select(func.max(PolicyRevisionRow.published_at))).scalar()
            published_at = _after(latest, as_utc(self._clock()))
            connection.execute(
                update(PolicyRevisionRow)
                .where(PolicyRevisionRow.revision == revision)
                .values(published_at=published_at, published_by=by)
            )
        return published_at

    def live(self) -> PolicyRevision | None:
        """The latest published revision, or None when nothing was ever published."""
        with self._engine.connect() as connection:
            row = connection.execute(_latest_published(*_COLUMNS)).mappings().first()
        return _record(row) if row is not None else None

    def live_revision(self) -> str | None:
        """The live revision's id alone, without its content: what every replica asks each
        second to see whether to reload."""
        with self._engine.connect() as connection:
            found = connection.execute(_latest_published(PolicyRevisionRow.revision)).scalar()
        return str(found) if found is not None else None

    @staticmethod
    def _get(connection: Connection, revision: str) -> PolicyRevision | None:
        stmt = select(*_COLUMNS).where(PolicyRevisionRow.revision == revision)
        row = connection.execute(stmt).mappings().first()
        return _record(row) if row is not None else None
