"""Registry entries stored per platform."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from linkgate.storage.platforms import PlatformStore
from tests.storage.conftest import FakeClock

SHOPLY: dict[str, Any] = {
    "id": "shoply",
    "name": "Shoply 购物",
    "tier": "competitor",
    "domains": ["shoply.example", "m.shoply.example"],
    "mini_program": {"app_id": "wx123", "paths": [{"prefix": "/item/", "page": "pages/item"}]},
    "credit": 97.5,
    "verified": True,
    "notes": None,
}


def test_put_get_all(engine: Engine, clock: FakeClock) -> None:
    store = PlatformStore(engine, clock=clock)
    assert store.get("shoply") is None
    assert store.all() == []
    put = store.put("shoply", SHOPLY, "ops")
    assert put.document == SHOPLY
    assert (put.updated_at, put.updated_by) == (clock.now, "ops")
    got = store.get("shoply")
    assert got == put
    store.put("alpha", {"id": "alpha", "domains": ["alpha.example"]}, "ops")
    assert [p.id for p in store.all()] == ["alpha", "shoply"]


def test_put_replaces_the_whole_entry(engine: Engine, clock: FakeClock) -> None:
    store = PlatformStore(engine, clock=clock)
    store.put("shoply", SHOPLY, "ops")
    clock.advance(hours=1)
    replacement = {"id": "shoply", "tier": "partner", "domains": ["shoply.example"]}
    store.put("shoply", replacement, "reviewer")
    got = store.get("shoply")
    assert got is not None
    assert got.document == replacement
    assert (got.updated_at, got.updated_by) == (clock.now, "reviewer")
    assert len(store.all()) == 1


def test_document_comes_back_as_json_data(engine: Engine) -> None:
    store = PlatformStore(engine)
    put = store.put("p", {"domains": ("a.example", "b.example")}, "ops")
    assert put.document == {"domains": ["a.example", "b.example"]}
    got = store.get("p")
    assert got is not None and got.document == {"domains": ["a.example", "b.example"]}
