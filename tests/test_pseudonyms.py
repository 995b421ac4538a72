from __future__ import annotations

import hashlib
import hmac

import pytest

from linkgate import events
from linkgate.events import Pseudonymizer


def test_pseudonyms_are_the_keyed_hash_and_stay_so_past_the_memo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(events, "PSEUDONYM_MEMO", 4)
    pseudonym = Pseudonymizer(b"secret")

    def expected(value: str) -> str:
        return hmac.new(b"secret", value.encode(), hashlib.sha256).hexdigest()[:24]

    ids = [f"user-{i}" for i in range(10)] * 3
    assert [pseudonym(i) for i in ids] == [expected(i) for i in ids]
    assert pseudonym(None) is None
    assert Pseudonymizer(b"other")("user-1") != pseudonym("user-1")
    assert len(pseudonym._memo) <= 4
