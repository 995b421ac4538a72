"""The state head: one counter bumped by every change that affects decisions."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from linkgate.storage.reading import Reader
from linkgate.storage.schema import StateHeadRow


class StateHead(Reader):
    def bump(self, connection: Connection) -> None:
        """Call inside the write transaction that makes the change."""
        connection.execute(
            update(StateHeadRow)
            .where(StateHeadRow.id == 1)
            .values(version=StateHeadRow.version + 1)
        )

    def version(self) -> int:
        rows = self._rows(select(StateHeadRow.version).where(StateHeadRow.id == 1), None)
        return int(rows[0][0]) if rows else 0
