"""Helpers shared by the CLI command groups: inputs, JSON Lines output, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.engine import Engine

from linkgate.periods import Period, PeriodError, parse_period


class CliError(Exception):
    """A user-facing CLI error: printed as one line, exit status ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 2) -> NoReturn:
    raise CliError(message, code)


def read_lines(path: Path) -> Iterator[str]:
    """Yield the lines of a UTF-8 file without their line endings (blank lines kept)."""
    try:
        handle = path.open("r", encoding="utf-8", errors="surrogateescape", newline="")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    with handle:
        for line in handle:
            yield line.rstrip("\r\n")


def inputs(args: list[str] | None, input_file: Path | None, what: str) -> Iterator[str]:
    """The values given on the command line, or the lines of ``--input``; exactly one source."""
    if args and input_file is not None:
        fail(f"give {what} as arguments or with --input, not both")
    if input_file is not None:
        return read_lines(input_file)
    if not args:
        fail(f"no {what} given: pass them as arguments or with --input FILE")
    return iter(args)


@contextmanager
def output_stream(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    try:
        handle = path.open("w", encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")
    with handle:
        yield handle


def write_jsonl(objects: Iterable[dict[str, Any]], path: Path | None) -> int:
    """Write one JSON object per line; returns how many were written."""
    count = 0
    with output_stream(path) as out:
        for obj in objects:
            out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            count += 1
    return count


INPUT_OPTION = typer.Option(
    None, "--input", "-i", help="Read one item per line from this UTF-8 file.", show_default=False
)
OUTPUT_OPTION = typer.Option(
    None, "--output", "-o", help="Write JSON Lines here instead of standard output."
)


def store_engine(database: str | None) -> Engine:
    """An engine on the database (migrated to the newest schema), or a one-line failure."""
    from sqlalchemy.exc import SQLAlchemyError

    from linkgate.storage.engine import database_url, make_engine
    from linkgate.storage.migrate import upgrade

    url = database_url(database)
    try:
        upgrade(url)
        return make_engine(url)
    except (SQLAlchemyError, OSError) as exc:
        fail(f"cannot open the database: {str(exc).splitlines()[0]}")


def period_or_fail(start: str, end: str) -> Period:
    """``--from`` / ``--to`` as a period (see :mod:`linkgate.periods`)."""
    try:
        return parse_period(start, end)
    except PeriodError as exc:
        fail(str(exc))


FROM_OPTION = typer.Option(
    ..., "--from", help="First day (YYYY-MM-DD, UTC) or time (ISO 8601), inclusive."
)
TO_OPTION = typer.Option(
    ..., "--to", help="Last day (YYYY-MM-DD, counted whole) or time (ISO 8601, exclusive)."
)


def count_progress(description: str = "{task.description}", *, remaining: bool = False) -> Progress:
    """A transient progress bar counting items on standard error, shown only on a terminal."""
    err = Console(stderr=True)
    return Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        *([TimeRemainingColumn()] if remaining else []),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
