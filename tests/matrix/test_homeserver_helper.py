"""Without Synapse the homeserver tests skip, or fail when services are required."""

from __future__ import annotations

import importlib.util

import pytest

from tests.matrix import homeserver


def test_missing_synapse_skips_or_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "synapse" else real(name, *a)
    )
    monkeypatch.delenv("LINKGATE_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"synapse not installed: pip install"):
        homeserver.synapse_or_skip()
    monkeypatch.setenv("LINKGATE_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match=r"LINKGATE_REQUIRE_SERVICES=1"):
        homeserver.synapse_or_skip()
