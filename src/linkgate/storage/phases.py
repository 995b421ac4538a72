"""Rollout phases paused for safety (or by an operator) until an operator resumes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from linkgate.storage.reading import Reader
from linkgate.storage.schema import PhasePauseRow


@dataclass(frozen=True, slots=True)
class PhasePause:
    phase_id: str
    paused_at: datetime
    paused_by: str
    reason: str
    stats: dict[str, Any]
    resumed_at: datetime | None
    resumed_by: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase_id": self.phase_id,
            "paused_at": self.paused_at.isoformat(),
            "paused_by": self.paused_by,
            "reason": self.reason,
            "stats": self.stats,
            "resumed_at": self.resumed_at.isoformat() if self.resumed_at else None,
            "resumed_by": self.resumed_by,
        }


_COLUMNS = (
    PhasePauseRow.phase_id,
    PhasePauseRow.paused_at,
    PhasePauseRow.paused_by,
    PhasePauseRow.reason,
    PhasePauseRow.stats,
    PhasePauseRow.resumed_at,
    PhasePauseRow.resumed_by,
)


class PhaseStore(Reader):
    def pause(
        self,
        connection: Connection,
        phase_id: str,
        *,
        at: datetime,
        by: str,
        reason: str,
        stats: dict[str, Any],
    ) -> bool:
        """Pause unless already paused (call inside a write transaction); True if paused now."""
        if self.paused(connection).get(phase_id) is not None:
            return False
        connection.execute(
            insert(PhasePauseRow).values(
                phase_id=phase_id, paused_at=at, paused_by=by, reason=reason, stats=stats
            )
        )
        return True

    def resume(self, connection: Connection, phase_id: str, *, at: datetime, by: str) -> bool:
        result = connection.execute(
            update(PhasePauseRow)
            .where(PhasePauseRow.phase_id == phase_id, PhasePauseRow.resumed_at.is_(None))
            .values(resumed_at=at, resumed_by=by)
        )
        return result.rowcount > 0

    def paused(self, connection: Connection | None = None) -> dict[str, PhasePause]:
        stmt = select(*_COLUMNS).where(PhasePauseRow.resumed_at.is_(None))
        found = self._mapped(stmt, connection, lambda r: PhasePause(**r))
        return {p.phase_id: p for p in found}

    def history(self, limit: int = 100) -> list[PhasePause]:
        stmt = select(*_COLUMNS).order_by(PhasePauseRow.paused_at.desc()).limit(limit)
        return self._mapped(stmt, None, lambda r: PhasePause(**r))
