"""Settings read from the environment."""

from __future__ import annotations

import pytest

from linkgate.settings import Settings


def test_the_event_queue_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKGATE_EVENT_QUEUE_SIZE", raising=False)
    assert Settings.from_env().event_queue_size == 100_000
    monkeypatch.setenv("LINKGATE_EVENT_QUEUE_SIZE", "2500")
    assert Settings.from_env().event_queue_size == 2500
