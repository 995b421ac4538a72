"""API keys: shown once, stored hashed, checked, revoked."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from linkgate.storage.keys import KeyStore, parse_key
from tests.storage.conftest import FakeClock

KEY_FORMAT = re.compile(r"lg_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def test_create_then_authenticate(engine: Engine, clock: FakeClock) -> None:
    store = KeyStore(engine, clock=clock)
    key_id, full_key = store.create("platform", "shoply", "Shoply backend")
    assert KEY_FORMAT.fullmatch(full_key)
    assert full_key.startswith(f"lg_{key_id}_")
    record = store.authenticate(full_key)
    assert record is not None
    assert (record.key_id, record.role, record.platform_id, record.label) == (
        key_id,
        "platform",
        "shoply",
        "Shoply backend",
    )
    assert record.created_at == clock.now
    assert record.active and record.revoked_at is None


def test_keys_are_distinct(engine: Engine) -> None:
    store = KeyStore(engine)
    made = [store.create("integrator") for _ in range(5)]
    assert len({key_id for key_id, _ in made}) == 5
    assert len({full for _, full in made}) == 5
    for key_id, full in made:
        record = store.authenticate(full)
        assert record is not None and record.key_id == key_id


def test_wrong_or_malformed_keys_fail(engine: Engine) -> None:
    store = KeyStore(engine)
    key_id, full_key = store.create("operator")
    other_id, other_key = store.create("admin")
    flipped = full_key[:-1] + ("A" if full_key[-1] != "A" else "B")
    candidates = [
        "",
        "lg_",
        flipped,
        f"lg_{other_id}_{full_key[16:]}",  # this secret under another key id
        f"lg_{key_id}_{other_key[16:]}",  # another secret under this key id
        full_key.upper(),
        full_key + "A",
        full_key[:-1],
        " " + full_key,
        "xx" + full_key[2:],
        "lg_ffffffffffff_" + full_key[16:],
        full_key[:20] + "\x00" + full_key[21:],
        full_key[:20] + "\ud800" + full_key[21:],
        "x" * 100_000,
        "🙂" * 59,
    ]
    for candidate in candidates:
        assert store.authenticate(candidate) is None, candidate[:40]
    assert store.authenticate(full_key) is not None


def test_revoked_keys_fail(engine: Engine, clock: FakeClock) -> None:
    store = KeyStore(engine, clock=clock)
    key_id, full_key = store.create("operator")
    _, kept_key = store.create("reviewer")
    clock.advance(minutes=2)
    assert store.revoke(key_id) is True
    assert store.revoke(key_id) is False
    assert store.revoke("000000000000") is False
    assert store.authenticate(full_key) is None
    assert store.authenticate(kept_key) is not None
    revoked = store.get(key_id)
    assert revoked is not None and revoked.revoked_at == clock.now and not revoked.active


def test_list_shows_every_key_without_secrets(engine: Engine, clock: FakeClock) -> None:
    store = KeyStore(engine, clock=clock)
    first, _ = store.create("operator", label="ops")
    clock.advance(seconds=1)
    second, _ = store.create("platform", platform_id="shoply")
    store.revoke(first)
    listed = store.list()
    assert [k.key_id for k in listed] == [first, second]
    assert listed[0].revoked_at is not None and listed[1].revoked_at is None
    assert not hasattr(listed[0], "secret_hash")


def test_secret_is_never_stored_in_clear(engine: Engine) -> None:
    store = KeyStore(engine)
    key_id, full_key = store.create("admin", label="root")
    secret = full_key[len(f"lg_{key_id}_") :]
    assert parse_key(full_key) == (key_id, secret)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_keys")).mappings().all()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0].values())
    assert secret not in stored and full_key not in stored
    assert rows[0]["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()


def _last_used(store: KeyStore, key_id: str) -> datetime | None:
    record = store.get(key_id)
    assert record is not None
    return record.last_used_at


def test_last_used_is_written_at_most_once_a_minute(engine: Engine, clock: FakeClock) -> None:
    store = KeyStore(engine, clock=clock)
    key_id, full_key = store.create("integrator")
    assert _last_used(store, key_id) is None
    first_use = clock.advance(seconds=5)
    record = store.authenticate(full_key)
    assert record is not None and record.last_used_at == first_use
    clock.advance(seconds=59)
    record = store.authenticate(full_key)
    assert record is not None and record.last_used_at == first_use
    assert _last_used(store, key_id) == first_use
    later = clock.advance(seconds=1)
    record = store.authenticate(full_key)
    assert record is not None and record.last_used_at == later
    assert _last_used(store, key_id) == later


def test_a_key_needs_a_role(engine: Engine) -> None:
    with pytest.raises(ValueError):
        KeyStore(engine).create("")
    assert KeyStore(engine).list() == []
