"""Settings read once from the environment (and overridden by CLI options).

| variable | meaning | default |
|---|---|---|
| ``LINKGATE_HOME`` | data directory (SQLite, PSL) | ``~/.local/share/linkgate`` |
| ``LINKGATE_DATABASE_URL`` | ``sqlite:///…`` or ``postgresql://…`` | SQLite file in home |
| ``LINKGATE_REDIS_URL`` | Redis for shared counters and reload notices | none (in-process) |
| ``LINKGATE_PUBLIC_URL`` | where users reach this server (shim links) | ``http://127.0.0.1:8000`` |
| ``LINKGATE_SECRET_KEYS`` | signing keys ``kid:base64,…;active=kid`` | generated in home |
| ``LINKGATE_PSEUDONYM_KEY`` | key for pseudonymising user ids in logs | generated, stored in home |
| ``LINKGATE_MAX_BODY_BYTES`` | largest request body | 1 MiB |
| ``LINKGATE_MAX_BATCH`` | largest decision batch | 1000 |
| ``LINKGATE_MAX_URL_LENGTH`` | longest URL accepted in a request | 8192 |
| ``LINKGATE_COUNTER_MAX_EVENTS`` | live events the in-process share counters keep | 4,000,000 |
| ``LINKGATE_RELOAD_POLL_SECONDS`` | how often replicas poll for a new live revision | 1.0 |
| ``LINKGATE_SHIM_MAX_AGE`` | seconds a shared link's shim token stays valid | 90 days |
| ``LINKGATE_MONITOR_SECONDS`` | how often rollout safety and credit bands are checked | 30 |
| ``LINKGATE_STATE_REFRESH_SECONDS`` | how often scores are recomputed as they recover | 60 |
| ``LINKGATE_PREVIEW_ALLOW_HOSTS`` | internal ``host:port`` pairs previews may fetch | none |
| ``LINKGATE_CONSOLE_SESSION_SECONDS`` | longest a console sign-in lasts | 8 hours |
| ``LINKGATE_CONSOLE_IDLE_SECONDS`` | a console session ends after this long unused | 1 hour |
| ``LINKGATE_CONSOLE_MAX_FAILURES`` | failed sign-ins that lock a username | 5 |
| ``LINKGATE_CONSOLE_CLIENT_MAX_FAILURES`` | failed sign-ins that lock a client address | 20 |
| ``LINKGATE_CONSOLE_LOCKOUT_SECONDS`` | failure window and lockout length | 900 |
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar


def home() -> Path:
    configured = os.environ.get("LINKGATE_HOME")
    path = Path(configured).expanduser() if configured else Path.home() / ".local/share/linkgate"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_file(name: str) -> str:
    """A secret kept in the data directory, created on first use (mode 0600)."""
    path = home() / name
    if not path.exists():
        value = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
    return path.read_text().strip()


EVENT_WRITERS = ("thread", "process")


_NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


def _redis_namespace(value: str) -> str:
    if not _NAMESPACE.fullmatch(value):
        raise ValueError(
            "LINKGATE_REDIS_NAMESPACE must be 1-64 letters, digits or _.:- "
            f"(starting with a letter or digit), not {value!r}"
        )
    return value


_N = TypeVar("_N", int, float)


def _number(kind: type[_N], name: str, default: _N) -> _N:
    """The environment's ``name`` read as a number, or ``default`` when unset."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}, not {value!r}") from None


def _event_writer(value: str) -> str:
    if value not in EVENT_WRITERS:
        raise ValueError(
            f"LINKGATE_EVENT_WRITER must be one of {', '.join(EVENT_WRITERS)}, not {value!r}"
        )
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None
    redis_url: str | None = None
    redis_namespace: str = "linkgate"
    """What every Redis key and channel of this deployment starts with: deployments sharing one
    Redis (staging beside production) stay apart by giving each its own."""
    public_url: str = "http://127.0.0.1:8000"
    secret_keys: str | None = None
    pseudonym_key: str | None = None
    max_body_bytes: int = 1 << 20
    max_batch: int = 1000
    max_url_length: int = 8192
    reload_poll_seconds: float = 1.0
    event_queue_size: int = 100_000
    counter_max_events: int = 4_000_000
    """Live events the in-process share counters keep at most (about 76 bytes each); past
    it the oldest are dropped (see ``linkgate.enforcement.counters.LocalCounter``)."""
    event_writer: str = "thread"
    """Where the decision log is written: ``thread`` (a thread of this process) or ``process``
    (a child process; what ``linkgate serve`` uses unless told otherwise)."""
    shim_max_age: int = 90 * 86_400
    monitor_seconds: float = 30.0
    state_refresh_seconds: float = 60.0
    preview_allow_hosts: tuple[str, ...] = ()
    console_session_seconds: int = 8 * 3600
    console_idle_seconds: int = 3600
    console_max_failures: int = 5
    console_client_max_failures: int = 20
    console_lockout_seconds: int = 900

    def __post_init__(self) -> None:
        _event_writer(self.event_writer)
        _redis_namespace(self.redis_namespace)
        # At most 2**31: linkgate.enforcement.counters.MAX_EVENTS_LIMIT.
        if not 1 <= self.counter_max_events <= 1 << 31:
            raise ValueError(
                "LINKGATE_COUNTER_MAX_EVENTS must be between 1 and 2147483648, "
                f"not {self.counter_max_events}"
            )

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        d = cls()
        return cls(
            database_url=env.get("LINKGATE_DATABASE_URL") or None,
            redis_url=env.get("LINKGATE_REDIS_URL") or None,
            redis_namespace=env.get("LINKGATE_REDIS_NAMESPACE") or d.redis_namespace,
            public_url=env.get("LINKGATE_PUBLIC_URL", d.public_url).rstrip("/"),
            secret_keys=env.get("LINKGATE_SECRET_KEYS") or None,
            pseudonym_key=env.get("LINKGATE_PSEUDONYM_KEY") or None,
            max_body_bytes=_number(int, "LINKGATE_MAX_BODY_BYTES", d.max_body_bytes),
            max_batch=_number(int, "LINKGATE_MAX_BATCH", d.max_batch),
            max_url_length=_number(int, "LINKGATE_MAX_URL_LENGTH", d.max_url_length),
            event_queue_size=_number(int, "LINKGATE_EVENT_QUEUE_SIZE", d.event_queue_size),
            counter_max_events=_number(int, "LINKGATE_COUNTER_MAX_EVENTS", d.counter_max_events),
            event_writer=_event_writer(env.get("LINKGATE_EVENT_WRITER", d.event_writer)),
            reload_poll_seconds=_number(
                float, "LINKGATE_RELOAD_POLL_SECONDS", d.reload_poll_seconds
            ),
            shim_max_age=_number(int, "LINKGATE_SHIM_MAX_AGE", d.shim_max_age),
            monitor_seconds=_number(float, "LINKGATE_MONITOR_SECONDS", d.monitor_seconds),
            state_refresh_seconds=_number(
                float, "LINKGATE_STATE_REFRESH_SECONDS", d.state_refresh_seconds
            ),
            preview_allow_hosts=tuple(
                h.strip()
                for h in env.get("LINKGATE_PREVIEW_ALLOW_HOSTS", "").split(",")
                if h.strip()
            ),
            console_session_seconds=_number(
                int, "LINKGATE_CONSOLE_SESSION_SECONDS", d.console_session_seconds
            ),
            console_idle_seconds=_number(
                int, "LINKGATE_CONSOLE_IDLE_SECONDS", d.console_idle_seconds
            ),
            console_max_failures=_number(
                int, "LINKGATE_CONSOLE_MAX_FAILURES", d.console_max_failures
            ),
            console_client_max_failures=_number(
                int, "LINKGATE_CONSOLE_CLIENT_MAX_FAILURES", d.console_client_max_failures
            ),
            console_lockout_seconds=_number(
                int, "LINKGATE_CONSOLE_LOCKOUT_SECONDS", d.console_lockout_seconds
            ),
        )

    def redis_key(self, name: str) -> str:
        """The Redis key or channel ``name`` of this deployment (under its namespace)."""
        return f"{self.redis_namespace}:{name}"

    def with_overrides(self, **changes: object) -> Settings:
        kept = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **kept)  # type: ignore[arg-type]

    def resolved_pseudonym_key(self) -> bytes:
        return (self.pseudonym_key or _secret_file("pseudonym.key")).encode()

    def resolved_secret_keys(self) -> str:
        """The signing key ring; a generated single key lives in the data directory."""
        if self.secret_keys:
            return self.secret_keys
        return f"k1:{_secret_file('signing.key')};active=k1"
