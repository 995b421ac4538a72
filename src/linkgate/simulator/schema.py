"""The traffic format: one share event per line, as JSON (JSON Lines, UTF-8).

Generated traffic (``linkgate traffic generate``), traffic exported from
the decision log and the simulator's input all use this one schema::

    {"time": "2021-09-17T20:41:07+08:00", "url": "https://m.tb.cn/h.5mG3x0b",
     "channel": "group_chat", "sender": "u4c1d0a9e", "group": "g20b7f1", "title": "…"}

``time`` is ISO 8601 with a UTC offset; ``channel`` is one of the channels;
``sender``, ``group`` and ``title`` may be null or left out; ``url`` is the
link as it was shared, so malformed links are valid traffic. Unknown keys
are an error, so a misspelt key is noticed.

:class:`TrafficReader` reads a file and never raises on a bad line: each
malformed line is recorded with its line number and skipped, or, when
``strict``, stops the read with a :class:`TrafficError` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Final

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from linkgate.errors import LinkgateError
from linkgate.vocabulary import Channel

#: Keys of a share event, in the order they are written.
FIELDS: Final = ("time", "url", "channel", "sender", "group", "title")
#: How many problems a reader keeps (all are counted).
KEPT_PROBLEMS: Final = 100


class ShareEvent(BaseModel):
    """One link shared at a time, in a channel, by a sender (in a group), with its title."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    time: AwareDatetime
    url: str
    channel: Channel
    sender: str | None = None
    group: str | None = None
    title: str | None = None

    def to_line(self) -> str:
        """The event as one JSON line (no newline): keys in :data:`FIELDS` order, UTF-8 text."""
        return json.dumps(
            {
                "time": self.time.isoformat(),
                "url": self.url,
                "channel": self.channel,
                "sender": self.sender,
                "group": self.group,
                "title": self.title,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )


@dataclass(frozen=True, slots=True)
class TrafficProblem:
    """A line of a traffic file that is not a share event, and why."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "message": self.message}


class TrafficError(LinkgateError):
    """A traffic file could not be read, or (strict) has a malformed line."""

    def __init__(self, message: str, problem: TrafficProblem | None = None) -> None:
        super().__init__(message)
        self.problem = problem


def describe(error: ValidationError) -> str:
    """A pydantic validation error in one line: ``field: message`` (and how many more)."""
    errors = error.errors(include_url=False, include_input=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key (expected " + ", ".join(FIELDS) + ")"
    text = f"{where}: {message}" if where else message
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more)"
    return text


def _explain(line: bytes, error: ValidationError) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8: byte 0x{line[exc.start]:02x} at column {exc.start + 1}"
    return describe(error)


def parse_line(data: bytes | str) -> ShareEvent:
    """One share event from one JSON line; raises ``ValidationError``."""
    return ShareEvent.model_validate_json(data)


class TrafficReader:
    """Share events from a JSON Lines file; malformed lines are counted, not fatal.

    Iterate once. Blank lines are skipped. ``problems`` keeps the first
    :data:`KEPT_PROBLEMS` malformed lines; ``malformed`` counts them all;
    ``bytes_read`` follows the file for progress bars. With ``strict`` the
    first malformed line raises :class:`TrafficError`.
    """

    def __init__(self, path: Path, *, strict: bool = False) -> None:
        self.path = path
        self.strict = strict
        self.events = 0
        self.malformed = 0
        self.problems: list[TrafficProblem] = []
        self.bytes_read = 0
        try:
            self.size = path.stat().st_size
        except OSError as exc:
            raise TrafficError(f"cannot read {path}: {exc.strerror or exc}") from None

    def _open(self) -> IO[bytes]:
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise TrafficError(f"cannot read {self.path}: {exc.strerror or exc}") from None

    def __iter__(self) -> Iterator[ShareEvent]:
        validate = ShareEvent.model_validate_json
        name = str(self.path)
        with self._open() as handle:
            number = 0
            for raw in handle:
                number += 1
                self.bytes_read += len(raw)
                line = raw.rstrip(b"\r\n")
                if not line.strip():
                    continue
                try:
                    event = validate(line)
                except ValidationError as exc:
                    self._bad(TrafficProblem(name, number, _explain(line, exc)))
                    continue
                self.events += 1
                yield event

    def _bad(self, problem: TrafficProblem) -> None:
        self.malformed += 1
        if self.strict:
            raise TrafficError(str(problem), problem)
        if len(self.problems) < KEPT_PROBLEMS:
            self.problems.append(problem)


def write_traffic(events: Iterable[ShareEvent], out: IO[str]) -> int:
    """Write events as JSON Lines to a text stream; returns how many were written."""
    count = 0
    write = out.write
    for event in events:
        write(event.to_line())
        write("\n")
        count += 1
    return count


def share_event(
    time: datetime,
    url: str,
    channel: Channel,
    sender: str | None = None,
    group: str | None = None,
    title: str | None = None,
) -> ShareEvent:
    """A share event from trusted values (no validation; for generators and exporters)."""
    return ShareEvent.model_construct(
        time=time, url=url, channel=channel, sender=sender, group=group, title=title
    )
