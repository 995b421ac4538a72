"""The Synapse module's configuration: every mistake at once, secrets from files, the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkgate.matrix.config import MatrixConfigError, parse_config

KEYS = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY;active=k1"
IN_PROCESS = {
    "mode": "in_process",
    "shim": {"public_url": "https://l.example", "secret_keys": KEYS},
}


def problems(raw: object, **kwargs: object) -> list[str]:
    with pytest.raises(MatrixConfigError) as caught:
        parse_config(raw, environ={}, **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def test_minimal_in_process_config_has_the_documented_defaults() -> None:
    config = parse_config(IN_PROCESS, environ={})
    assert config.mode == "in_process"
    assert config.shim.prefix == "https://l.example/l/"
    assert config.shim.keys is not None and config.shim.keys.active == "k1"
    assert dict(config.on_error) == {
        "private_chat": "open",
        "group_chat": "open",
        "moments": "closed",
    }
    assert config.refuse_reasons == {"group_denied"}
    assert config.exempt_hosts == ("matrix.to",)
    assert config.language == "zh"
    assert config.pseudonym_key_generated and len(config.pseudonym_key) >= 32
    assert config.clock.now() is None


def test_every_mistake_is_reported_at_once() -> None:
    found = problems(
        {
            "mode": "in_process",
            "shim": {"public_url": "l.example", "secret_keys": "k1:c2hvcnQ"},
            "server": {"url": "http://x"},
            "on_error": {"moments": "maybe", "qr_scan": "open"},
            "broadcast_rooms": ["feed", 3],
            "language": "fr",
            "clock": "next tuesday",
            "policy": "/nonexistent/policy.yaml",
            "colour": "blue",
        }
    )
    expected = [
        "colour: unknown key",
        "policy: no such file: /nonexistent/policy.yaml",
        "server: only used in remote mode",
        "shim.public_url: expected an http:// or https:// URL, got 'l.example'",
        "shim.secret_keys: key 'k1': the secret must be at least 16 bytes",
        "on_error.qr_scan: unknown key",
        "on_error.moments: expected open or closed, got str 'maybe'",
        "broadcast_rooms[1]: expected a non-empty string, got int 3",
        "broadcast_rooms[0]: expected a room id (!…) or alias (#…), got 'feed'",
        "language: expected one of zh, en, got str 'fr'",
        "clock: not an ISO 8601 time: 'next tuesday'",
    ]
    for fragment in expected:
        assert any(p.startswith(fragment) for p in found), (fragment, found)
    assert len(found) == len(expected), found


def test_mode_and_its_required_parts() -> None:
    assert problems({}) == ["mode: required: in_process or remote"]
    assert problems({"mode": "in_process"}) == [
        "shim: required in in_process mode: {public_url, secret_keys}"
    ]
    assert problems({"mode": "remote"}) == ["server: required in remote mode: {url, api_key}"]
    assert problems({"mode": "remote", "server": {"url": "http://lg:8000"}}) == [
        "server.api_key: required: an integrator key (or api_key_file)"
    ]
    assert problems({"mode": "in_process", "shim": {"public_url": "https://l.example"}}) == [
        "shim.secret_keys: required in in_process mode: the linkgate server's signing keys "
        "(or LINKGATE_SECRET_KEYS in the homeserver's environment)"
    ]
    assert problems(
        {
            "mode": "remote",
            "server": {"url": "http://lg", "api_key": "k", "timeout_seconds": 0},
            "shim": {"secret_keys": KEYS},
            "policy": __file__,
        }
    ) == [
        "policy: the linkgate server's live policy applies in remote mode",
        "server.timeout_seconds: expected seconds in (0, 60], got int 0",
        "shim.secret_keys: only used in in_process mode (the server signs)",
    ]


def test_remote_mode_shim_prefix_defaults_to_the_server() -> None:
    config = parse_config(
        {"mode": "remote", "server": {"url": "http://lg:8000/", "api_key": "secret"}}, environ={}
    )
    assert config.server is not None
    assert config.server.url == "http://lg:8000" and config.server.timeout_seconds == 2.0
    assert config.shim.prefix == "http://lg:8000/l/" and config.shim.keys is None
    assert "secret" not in repr(config)


def test_secrets_come_from_files_or_the_environment(tmp_path: Path) -> None:
    (tmp_path / "keys").write_text(KEYS + "\n")
    (tmp_path / "api").write_text("lgk_secret\n")
    config = parse_config(
        {
            "mode": "in_process",
            "shim": {"public_url": "https://l.example", "secret_keys_file": str(tmp_path / "keys")},
            "pseudonym_key_file": str(tmp_path / "api"),
        },
        environ={},
    )
    assert config.shim.keys is not None and config.shim.keys.kids == ("k1",)
    assert config.pseudonym_key == b"lgk_secret" and not config.pseudonym_key_generated

    from_env = parse_config(
        {"mode": "in_process", "shim": {"public_url": "https://l.example"}},
        environ={"LINKGATE_SECRET_KEYS": KEYS, "LINKGATE_PSEUDONYM_KEY": "pk"},
    )
    assert from_env.shim.keys is not None and from_env.pseudonym_key == b"pk"

    remote = parse_config(
        {"mode": "remote", "server": {"url": "http://lg", "api_key_file": str(tmp_path / "api")}},
        environ={},
    )
    assert remote.server is not None and remote.server.api_key == "lgk_secret"
    assert problems(
        {
            "mode": "remote",
            "server": {"url": "http://lg", "api_key": "a", "api_key_file": str(tmp_path / "api")},
        }
    ) == ["server.api_key: give api_key or api_key_file, not both"]
    assert problems(
        {"mode": "remote", "server": {"url": "http://lg", "api_key_file": str(tmp_path / "no")}}
    ) == [f"server.api_key_file: cannot read {tmp_path / 'no'}: No such file or directory"]


def test_clock_fixed_or_running_from_a_start() -> None:
    fixed = parse_config({**IN_PROCESS, "clock": "2021-09-10T00:00:00Z"}, environ={})
    assert fixed.clock.now() == datetime(2021, 9, 10, tzinfo=UTC)
    naive = parse_config({**IN_PROCESS, "clock": {"fixed": "2021-09-10T08:00:00"}}, environ={})
    assert naive.clock.now() == datetime(2021, 9, 10, 8, tzinfo=UTC)

    loaded_at = datetime.now(UTC)
    running = parse_config(
        {**IN_PROCESS, "clock": {"start": "2021-09-16T23:59:00+08:00"}},
        environ={},
        now=lambda: loaded_at,
    )
    now = running.clock.now()
    start = datetime(2021, 9, 16, 15, 59, tzinfo=UTC)
    assert now is not None and start <= now < start + timedelta(minutes=1)
    assert problems({**IN_PROCESS, "clock": {"fixed": "2021-01-01", "start": "2021-01-01"}}) == [
        "clock: give exactly one of fixed or start"
    ]
