"""The Synapse module's configuration: the ``config:`` block under ``modules:`` in
``homeserver.yaml``, checked with every mistake reported at once.

Keys (see ``docs/integrations/matrix.md`` for the full reference)::

    mode              in_process | remote                        (required)
    policy, registry  policy / registry YAML files (default: the bundled ones)
    shim              {public_url, secret_keys | secret_keys_file}
    server            {url, api_key | api_key_file, timeout_seconds}   (remote)
    on_error          {private_chat, group_chat, moments: open | closed}
    broadcast_rooms   room ids or aliases (``*`` wildcards) decided as ``moments``
    refuse_reasons    reason codes that refuse a message even when not blocked
    exempt_hosts      hosts whose links are left alone (default: matrix.to)
    language          zh | en: the language of notices and of errors to senders
                      who have not chosen one
    pseudonym_key     key (or pseudonym_key_file) for pseudonymising ids in logs
    clock             fixed time (ISO 8601) or {start: ISO 8601}: the policy clock
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

from linkgate.errors import LinkgateError
from linkgate.opening.keys import KeyConfigError, ShimKeys
from linkgate.web.i18n import LANGUAGES

Mode = Literal["in_process", "remote"]
ErrorChoice = Literal["open", "closed"]

MODES: Final = ("in_process", "remote")
ROOM_CHANNELS: Final = ("private_chat", "group_chat", "moments")
DEFAULT_ON_ERROR: Final[Mapping[str, ErrorChoice]] = {
    "private_chat": "open",
    "group_chat": "open",
    "moments": "closed",
}
DEFAULT_REFUSE_REASONS: Final = frozenset({"group_denied"})
DEFAULT_EXEMPT_HOSTS: Final = ("matrix.to",)
DEFAULT_TIMEOUT_SECONDS: Final = 2.0

_TOP_KEYS: Final = frozenset(
    {
        "mode",
        "policy",
        "registry",
        "shim",
        "server",
        "on_error",
        "broadcast_rooms",
        "refuse_reasons",
        "exempt_hosts",
        "language",
        "pseudonym_key",
        "pseudonym_key_file",
        "clock",
    }
)


class MatrixConfigError(LinkgateError, ValueError):
    """The module configuration is invalid; ``problems`` lists every mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Clock:
    """The time decisions are made at: real time, a fixed time, or a time that
    started at ``start`` when the module loaded and runs forward from there."""

    fixed: datetime | None = None
    offset: timedelta | None = None

    def now(self) -> datetime | None:
        """The policy time, or ``None`` for real time (the decider's own clock)."""
        if self.fixed is not None:
            return self.fixed
        if self.offset is not None:
            return datetime.now(UTC) + self.offset
        return None


@dataclass(frozen=True, slots=True)
class ShimConfig:
    public_url: str
    keys: ShimKeys | None

    @property
    def prefix(self) -> str:
        """What every shim URL of this server starts with."""
        return f"{self.public_url}/l/"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    url: str
    api_key: str = field(repr=False)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS


@dataclass(frozen=True, slots=True)
class ModuleConfig:
    mode: Mode
    shim: ShimConfig
    server: ServerConfig | None = None
    policy: Path | None = None
    registry: Path | None = None
    on_error: Mapping[str, ErrorChoice] = field(default_factory=lambda: dict(DEFAULT_ON_ERROR))
    broadcast_rooms: tuple[str, ...] = ()
    refuse_reasons: frozenset[str] = DEFAULT_REFUSE_REASONS
    exempt_hosts: tuple[str, ...] = DEFAULT_EXEMPT_HOSTS
    language: str = "zh"
    pseudonym_key: bytes = field(default=b"", repr=False)
    pseudonym_key_generated: bool = False
    clock: Clock = field(default_factory=Clock)


class _Reader:
    """Reads one mapping, recording problems instead of stopping at the first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def mapping(self, value: object, path: str, allowed: frozenset[str]) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.problem(path, f"expected a mapping, got {_kind(value)}")
            return None
        for key in value:
            if key not in allowed:
                self.problem(
                    f"{path}.{key}" if path else str(key),
                    f"unknown key; expected one of {', '.join(sorted(allowed))}",
                )
        return dict(value)

    def string(self, value: object, path: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(path, f"expected a non-empty string, got {_kind(value)}")
            return None
        return value.strip()

    def strings(self, value: object, path: str) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.problem(path, f"expected a list of strings, got {_kind(value)}")
            return None
        out: list[str] = []
        for index, item in enumerate(value):
            text = self.string(item, f"{path}[{index}]")
            if text is not None:
                out.append(text)
        return tuple(out)

    def secret(self, data: Mapping[str, Any], name: str, path: str) -> str | None:
        """``name`` given inline or as ``name_file`` (a file holding it); not both."""
        inline, from_file = data.get(name), data.get(f"{name}_file")
        if inline is not None and from_file is not None:
            self.problem(f"{path}{name}", f"give {name} or {name}_file, not both")
            return None
        if from_file is not None:
            file_name = self.string(from_file, f"{path}{name}_file")
            if file_name is None:
                return None
            try:
                text = Path(file_name).expanduser().read_text(encoding="utf-8").strip()
            except OSError as exc:
                self.problem(f"{path}{name}_file", f"cannot read {file_name}: {exc.strerror}")
                return None
            if not text:
                self.problem(f"{path}{name}_file", f"{file_name} is empty")
                return None
            return text
        if inline is None:
            return None
        return self.string(inline, f"{path}{name}")

    def file(self, value: object, path: str) -> Path | None:
        name = self.string(value, path)
        if name is None:
            return None
        found = Path(name).expanduser()
        if not found.is_file():
            self.problem(path, f"no such file: {name}")
            return None
        return found


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _url(reader: _Reader, value: object, path: str) -> str | None:
    text = reader.string(value, path)
    if text is None:
        return None
    if not text.startswith(("http://", "https://")):
        reader.problem(path, f"expected an http:// or https:// URL, got {text!r}")
        return None
    return text.rstrip("/")


def _time(reader: _Reader, value: object, path: str) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    else:
        text = reader.string(value, path)
        if text is None:
            return None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            reader.problem(path, f"not an ISO 8601 time: {text!r}")
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _clock(reader: _Reader, value: object, now: Callable[[], datetime]) -> Clock:
    if value is None:
        return Clock()
    if isinstance(value, Mapping):
        data = reader.mapping(value, "clock", frozenset({"fixed", "start"}))
        if data is None:
            return Clock()
        if ("fixed" in data) == ("start" in data):
            reader.problem("clock", "give exactly one of fixed or start")
            return Clock()
        if "fixed" in data:
            return Clock(fixed=_time(reader, data["fixed"], "clock.fixed"))
        start = _time(reader, data["start"], "clock.start")
        return Clock(offset=start - now()) if start is not None else Clock()
    return Clock(fixed=_time(reader, value, "clock"))


def parse_config(
    raw: object,
    *,
    environ: Mapping[str, str] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ModuleConfig:
    """The checked configuration, or :class:`MatrixConfigError` naming every mistake.

    ``LINKGATE_SECRET_KEYS`` and ``LINKGATE_PSEUDONYM_KEY`` in the homeserver's
    environment stand in for ``shim.secret_keys`` and ``pseudonym_key``.
    """
    env = os.environ if environ is None else environ
    problems: list[str] = []
    reader = _Reader(problems)
    data = reader.mapping({} if raw is None else raw, "", _TOP_KEYS)
    if data is None:
        raise MatrixConfigError(problems)

    mode: Mode | None = None
    if "mode" not in data:
        reader.problem("mode", "required: in_process or remote")
    elif data["mode"] not in MODES:
        reader.problem("mode", f"expected in_process or remote, got {_kind(data['mode'])}")
    else:
        mode = data["mode"]

    policy = reader.file(data["policy"], "policy") if "policy" in data else None
    registry = reader.file(data["registry"], "registry") if "registry" in data else None
    if mode == "remote" and policy is not None:
        reader.problem("policy", "the linkgate server's live policy applies in remote mode")

    server = _server(reader, data.get("server"), mode)
    shim = _shim(reader, data.get("shim"), mode, server, env)

    on_error = dict(DEFAULT_ON_ERROR)
    if "on_error" in data:
        choices = reader.mapping(data["on_error"], "on_error", frozenset(ROOM_CHANNELS))
        for channel, choice in (choices or {}).items():
            if channel not in ROOM_CHANNELS:
                continue
            if choice not in ("open", "closed"):
                reader.problem(
                    f"on_error.{channel}", f"expected open or closed, got {_kind(choice)}"
                )
            else:
                on_error[channel] = choice

    broadcast = (
        reader.strings(data["broadcast_rooms"], "broadcast_rooms")
        if "broadcast_rooms" in data
        else ()
    )
    for index, pattern in enumerate(broadcast or ()):
        if not pattern.startswith(("!", "#")):
            reader.problem(
                f"broadcast_rooms[{index}]",
                f"expected a room id (!…) or alias (#…), got {pattern!r}",
            )
    refuse = (
        reader.strings(data["refuse_reasons"], "refuse_reasons")
        if "refuse_reasons" in data
        else tuple(DEFAULT_REFUSE_REASONS)
    )
    exempt = (
        reader.strings(data["exempt_hosts"], "exempt_hosts")
        if "exempt_hosts" in data
        else DEFAULT_EXEMPT_HOSTS
    )

    language = data.get("language", "zh")
    if language not in LANGUAGES:
        reader.problem("language", f"expected one of {', '.join(LANGUAGES)}, got {_kind(language)}")
        language = "zh"

    pseudonym = reader.secret(data, "pseudonym_key", "")
    if pseudonym is None:
        pseudonym = env.get("LINKGATE_PSEUDONYM_KEY") or None
    clock = _clock(reader, data.get("clock"), now)

    if problems or mode is None or shim is None:
        raise MatrixConfigError(problems or ["the configuration is incomplete"])
    return ModuleConfig(
        mode=mode,
        shim=shim,
        server=server,
        policy=policy,
        registry=registry,
        on_error=on_error,
        broadcast_rooms=broadcast or (),
        refuse_reasons=frozenset(refuse or ()),
        exempt_hosts=tuple(host.lower() for host in exempt or ()),
        language=language,
        pseudonym_key=(pseudonym or secrets.token_urlsafe(32)).encode(),
        pseudonym_key_generated=pseudonym is None,
        clock=clock,
    )


def _server(reader: _Reader, value: object, mode: Mode | None) -> ServerConfig | None:
    if value is None:
        if mode == "remote":
            reader.problem("server", "required in remote mode: {url, api_key}")
        return None
    if mode == "in_process":
        reader.problem("server", "only used in remote mode")
        return None
    data = reader.mapping(
        value, "server", frozenset({"url", "api_key", "api_key_file", "timeout_seconds"})
    )
    if data is None:
        return None
    url = _url(reader, data.get("url"), "server.url")
    key = reader.secret(data, "api_key", "server.")
    if key is None and "api_key" not in data and "api_key_file" not in data:
        reader.problem("server.api_key", "required: an integrator key (or api_key_file)")
    timeout = data.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 60:
        reader.problem(
            "server.timeout_seconds", f"expected seconds in (0, 60], got {_kind(timeout)}"
        )
        timeout = DEFAULT_TIMEOUT_SECONDS
    if url is None or key is None:
        return None
    return ServerConfig(url=url, api_key=key, timeout_seconds=float(timeout))


def _shim(
    reader: _Reader,
    value: object,
    mode: Mode | None,
    server: ServerConfig | None,
    env: Mapping[str, str],
) -> ShimConfig | None:
    data: dict[str, Any] = {}
    if value is not None:
        data = (
            reader.mapping(
                value, "shim", frozenset({"public_url", "secret_keys", "secret_keys_file"})
            )
            or {}
        )
    elif mode == "in_process":
        reader.problem("shim", "required in in_process mode: {public_url, secret_keys}")
        return None
    if "public_url" in data:
        public_url = _url(reader, data["public_url"], "shim.public_url")
    elif server is not None:
        public_url = server.url
    else:
        if mode == "in_process":
            reader.problem("shim.public_url", "required: where users reach the linkgate server")
        return None
    keys: ShimKeys | None = None
    if mode == "in_process":
        text = reader.secret(data, "secret_keys", "shim.")
        if text is None:
            text = env.get("LINKGATE_SECRET_KEYS") or None
        if text is None:
            reader.problem(
                "shim.secret_keys",
                "required in in_process mode: the linkgate server's signing keys "
                "(or LINKGATE_SECRET_KEYS in the homeserver's environment)",
            )
        else:
            try:
                keys = ShimKeys.from_env_value(text)
            except KeyConfigError as exc:
                reader.problem("shim.secret_keys", str(exc))
    elif "secret_keys" in data or "secret_keys_file" in data:
        reader.problem("shim.secret_keys", "only used in in_process mode (the server signs)")
    if public_url is None:
        return None
    return ShimConfig(public_url=public_url, keys=keys)
