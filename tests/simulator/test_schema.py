"""The traffic format: malformed lines are located and counted, or stop a strict read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkgate.simulator.schema import (
    KEPT_PROBLEMS,
    ShareEvent,
    TrafficError,
    TrafficReader,
    parse_line,
)

GOOD = {
    "time": "2021-09-17T20:41:07+08:00",
    "url": "https://m.tb.cn/h.5mG3x0b",
    "channel": "group_chat",
    "sender": "u1",
    "group": "g1",
    "title": "【淘宝】好物",
}


def line(**changes: object) -> bytes:
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...}, ensure_ascii=False).encode()


def write(tmp_path: Path, *lines: bytes) -> Path:
    path = tmp_path / "traffic.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


BAD_LINES: list[tuple[bytes, str]] = [
    (b"not json", "Invalid JSON"),
    (b"[1, 2]", "object"),
    (line(channel="wechat_moments"), "channel: "),
    (line(time="2021-09-17T20:41:07"), "time: Input should have timezone info"),
    (line(time="tomorrow"), "time: "),
    (line(time=1631882467), "time: "),
    (line(url=None), "url: "),
    (line(url=...), "url: Field required"),
    (line(sender=7), "sender: "),
    (line(colour="red"), "colour: unknown key (expected time, url, channel"),
    (b'{"time": "2021-09-17T20:41:07+08:00", "url": "\xff", "channel": "moments"}', "UTF-8"),
    (b'{"time": "2021-09-17T20:41:07+08:00", "url": "\\ud800", "channel": "moments"}', ""),
]


def test_a_good_line_reads_with_its_offset() -> None:
    event = parse_line(line())
    assert event.time.utcoffset() is not None
    assert event.time.isoformat() == GOOD["time"]
    assert event.channel == "group_chat"
    assert parse_line(event.to_line()) == event


def test_optional_fields_may_be_null_or_absent() -> None:
    event = parse_line(line(sender=None, group=..., title=...))
    assert (event.sender, event.group, event.title) == (None, None, None)


def test_malformed_lines_are_located_counted_and_skipped(tmp_path: Path) -> None:
    lines = [line()]
    for bad, _ in BAD_LINES:
        lines.append(bad)
        lines.append(line())
    lines.insert(1, b"   ")  # a blank line is skipped silently
    path = write(tmp_path, *lines)
    reader = TrafficReader(path)
    events = list(reader)
    assert len(events) == len(BAD_LINES) + 1
    assert reader.events == len(events)
    assert reader.malformed == len(BAD_LINES)
    assert [p.line for p in reader.problems] == [3 + 2 * i for i in range(len(BAD_LINES))]
    for problem, (_, expected) in zip(reader.problems, BAD_LINES, strict=True):
        assert expected in problem.message
        assert str(problem).startswith(f"{path}:{problem.line}: ")
    assert reader.bytes_read == path.stat().st_size


def test_strict_reading_stops_at_the_first_malformed_line(tmp_path: Path) -> None:
    path = write(tmp_path, line(), line(), line(channel="sms"), line())
    reader = TrafficReader(path, strict=True)
    seen: list[ShareEvent] = []
    with pytest.raises(TrafficError) as info:
        seen.extend(reader)
    assert len(seen) == 2
    assert info.value.problem is not None
    assert info.value.problem.line == 3
    assert str(info.value).startswith(f"{path}:3: channel: ")


def test_problems_kept_are_bounded_but_all_are_counted(tmp_path: Path) -> None:
    path = write(tmp_path, *([b"{}"] * (KEPT_PROBLEMS + 50)))
    reader = TrafficReader(path)
    assert list(reader) == []
    assert reader.malformed == KEPT_PROBLEMS + 50
    assert len(reader.problems) == KEPT_PROBLEMS


def test_an_unreadable_file_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(TrafficError, match="cannot read"):
        TrafficReader(tmp_path / "missing.jsonl")
    with pytest.raises(TrafficError, match="cannot read"):
        list(TrafficReader(tmp_path))
