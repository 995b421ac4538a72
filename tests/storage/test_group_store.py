"""Group settings and member preferences."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from linkgate.storage.groups import GroupStore
from tests.storage.conftest import FakeClock


def test_group_setting_set_get_replace(engine: Engine, clock: FakeClock) -> None:
    store = GroupStore(engine, clock=clock)
    assert store.get_group("g1") is None
    first = store.set_group("g1", "copy_only", "owner-1")
    assert (first.group_id, first.setting, first.updated_by) == ("g1", "copy_only", "owner-1")
    assert store.get_group("g1") == first
    clock.advance(minutes=3)
    second = store.set_group("g1", "blocked", "owner-2")
    assert store.get_group("g1") == second
    assert second.updated_at == clock.now
    assert store.get_group("g2") is None


def test_member_preference_is_per_group_and_user(engine: Engine, clock: FakeClock) -> None:
    store = GroupStore(engine, clock=clock)
    assert store.get_member("g1", "u1") is None
    on = store.set_member("g1", "u1", True)
    assert on.opt_out is True and on.updated_at == clock.now
    store.set_member("g2", "u1", False)
    store.set_member("g1", "u2", False)
    got = store.get_member("g1", "u1")
    assert got == on
    other_group = store.get_member("g2", "u1")
    assert other_group is not None and other_group.opt_out is False
    clock.advance(seconds=10)
    off = store.set_member("g1", "u1", False)
    assert store.get_member("g1", "u1") == off
    assert off.opt_out is False and off.updated_at == clock.now


def test_long_and_unicode_ids_round_trip(engine: Engine) -> None:
    store = GroupStore(engine)
    group_id = "群-" + "x" * 1000
    store.set_group(group_id, "allow", "owner")
    store.set_member(group_id, "用户🙂", True)
    got = store.get_group(group_id)
    member = store.get_member(group_id, "用户🙂")
    assert got is not None and got.group_id == group_id
    assert member is not None and member.opt_out
