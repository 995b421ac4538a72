"""Group owners' link settings and members' own preferences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine, RowMapping

from linkgate.storage.schema import GroupSettingRow, MemberSettingRow
from linkgate.storage.transactions import insert_for, write_transaction
from linkgate.storage.types import as_utc, utcnow


@dataclass(frozen=True, slots=True)
class GroupSetting:
    """What a group's owner chose for links shared in the group."""

    group_id: str
    setting: str
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True, slots=True)
class MemberSetting:
    """A member's own choice in a group (``opt_out``: no rich previews for me)."""

    group_id: str
    user_id: str
    opt_out: bool
    updated_at: datetime


def _group(row: RowMapping) -> GroupSetting:
    return GroupSetting(**row)


def _member(row: RowMapping) -> MemberSetting:
    return MemberSetting(**row)


class GroupStore:
    """Per-group settings and per-member preferences; each set replaces the previous value."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def set_group(self, group_id: str, setting: str, by: str) -> GroupSetting:
        now = as_utc(self._clock())
        with write_transaction(self._engine) as connection:
            stmt = insert_for(connection, GroupSettingRow).values(
                group_id=group_id, setting=setting, updated_at=now, updated_by=by
            )
            connection.execute(
                stmt.on_conflict_do_update(
                    index_elements=["group_id"],
                    set_={"setting": setting, "updated_at": now, "updated_by": by},
                )
            )
        return GroupSetting(group_id=group_id, setting=setting, updated_at=now, updated_by=by)

    def get_group(self, group_id: str) -> GroupSetting | None:
        stmt = select(
            GroupSettingRow.group_id,
            GroupSettingRow.setting,
            GroupSettingRow.updated_at,
            GroupSettingRow.updated_by,
        ).where(GroupSettingRow.group_id == group_id)
        with self._engine.connect() as connection:
            row = connection.execute(stmt).mappings().first()
        return _group(row) if row is not None else None

    def set_member(self, group_id: str, user_id: str, opt_out: bool) -> MemberSetting:
        now = as_utc(self._clock())
        opt_out = bool(opt_out)
        with write_transaction(self._engine) as connection:
            stmt = insert_for(connection, MemberSettingRow).values(
                group_id=group_id, user_id=user_id, opt_out=opt_out, updated_at=now
            )
            connection.execute(
                stmt.on_conflict_do_update(
                    index_elements=["group_id", "user_id"],
                    set_={"opt_out": opt_out, "updated_at": now},
                )
            )
        return MemberSetting(group_id=group_id, user_id=user_id, opt_out=opt_out, updated_at=now)

    def get_member(self, group_id: str, user_id: str) -> MemberSetting | None:
        stmt = select(
            MemberSettingRow.group_id,
            MemberSettingRow.user_id,
            MemberSettingRow.opt_out,
            MemberSettingRow.updated_at,
        ).where(MemberSettingRow.group_id == group_id, MemberSettingRow.user_id == user_id)
        with self._engine.connect() as connection:
            row = connection.execute(stmt).mappings().first()
        return _member(row) if row is not None else None
