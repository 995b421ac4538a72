"""Settings read from the environment."""

from __future__ import annotations

import pytest

from linkgate.enforcement.counters import MAX_EVENTS_LIMIT
from linkgate.settings import Settings


def test_the_event_queue_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKGATE_EVENT_QUEUE_SIZE", raising=False)
    assert Settings.from_env().event_queue_size == 100_000
    monkeypatch.setenv("LINKGATE_EVENT_QUEUE_SIZE", "2500")
    assert Settings.from_env().event_queue_size == 2500


def test_the_redis_namespace_comes_from_the_environment_and_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().redis_namespace == "linkgate"
    monkeypatch.delenv("LINKGATE_REDIS_NAMESPACE", raising=False)
    assert Settings.from_env().redis_namespace == "linkgate"
    monkeypatch.setenv("LINKGATE_REDIS_NAMESPACE", "staging.eu-1")
    assert Settings.from_env().redis_namespace == "staging.eu-1"
    for bad in (" x", "a b", "-lead", "x" * 65, "键"):
        monkeypatch.setenv("LINKGATE_REDIS_NAMESPACE", bad)
        with pytest.raises(ValueError, match="LINKGATE_REDIS_NAMESPACE"):
            Settings.from_env()
    with pytest.raises(ValueError, match="LINKGATE_REDIS_NAMESPACE"):
        Settings(redis_namespace="")


def test_serve_refuses_a_bad_namespace_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from linkgate.cli.main import main

    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    monkeypatch.setenv("LINKGATE_REDIS_NAMESPACE", "two words")
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", "1"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "LINKGATE_REDIS_NAMESPACE" in err[0], err


def test_the_counters_memory_bound_comes_from_the_environment_and_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LINKGATE_COUNTER_MAX_EVENTS", raising=False)
    assert Settings.from_env().counter_max_events == 4_000_000
    monkeypatch.setenv("LINKGATE_COUNTER_MAX_EVENTS", "250000")
    assert Settings.from_env().counter_max_events == 250_000
    monkeypatch.setenv("LINKGATE_COUNTER_MAX_EVENTS", str(MAX_EVENTS_LIMIT))
    assert Settings.from_env().counter_max_events == MAX_EVENTS_LIMIT
    for bad in ("0", str(MAX_EVENTS_LIMIT + 1)):
        monkeypatch.setenv("LINKGATE_COUNTER_MAX_EVENTS", bad)
        with pytest.raises(ValueError, match=f"between 1 and 2147483648, not {bad}"):
            Settings.from_env()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LINKGATE_MAX_BATCH", "lots", "LINKGATE_MAX_BATCH must be a whole number, not 'lots'"),
        ("LINKGATE_SHIM_MAX_AGE", "1.5", "LINKGATE_SHIM_MAX_AGE must be a whole number"),
        ("LINKGATE_MONITOR_SECONDS", "soon", "LINKGATE_MONITOR_SECONDS must be a number"),
    ],
)
def test_a_number_that_is_not_one_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        Settings.from_env()
    monkeypatch.setenv(name, "7")
    assert Settings.from_env()
