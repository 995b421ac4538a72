"""Threat-list tests: the feeds of ../shared/testdata and a store on SQLite or PostgreSQL."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import postgres_database, postgres_url_or_skip

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"

# (file, format, category)
FEEDS: list[tuple[str, str, str]] = [
    ("urlhaus-sample.csv", "urlhaus", "malware"),
    ("phishtank-verified_online-sample.csv", "phishtank", "phishing"),
    ("openphish-feed-union.txt", "openphish", "phishing"),
]


def feed_lines(name: str) -> list[str]:
    return (TESTDATA / name).read_text(encoding="utf-8", errors="surrogateescape").splitlines()


def feed_urls(name: str) -> list[tuple[int, str]]:
    """``(line, url)`` of every URL in a sample feed, read with the csv module, not our parsers."""
    lines = feed_lines(name)
    if name.endswith(".txt"):
        return [(n, line.strip()) for n, line in enumerate(lines, 1) if line.strip()]
    rows = [(n, row) for n, line in enumerate(lines, 1) for row in csv.reader([line])]
    rows = [(n, row) for n, row in rows if row and not row[0].startswith("#")]
    header = rows[0][1]
    column = header.index("url")
    return [(n, row[column]) for n, row in rows[1:]]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'linkgate.sqlite'}"
        return
    with postgres_database(postgres_url_or_skip(), prefix="linkgate_lists") as url:
        yield url
