"""``linkgate traffic``: generated share traffic in the simulator's format."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import typer

from linkgate.cli.common import (
    FROM_OPTION,
    TO_OPTION,
    count_progress,
    fail,
    period_or_fail,
    store_engine,
)
from linkgate.cli.serve import DATABASE_OPTION
from linkgate.simulator.recorded import share_events
from linkgate.simulator.schema import ShareEvent
from linkgate.simulator.traffic import (
    DEFAULT_DAYS,
    DEFAULT_SEED,
    DEFAULT_SHARES_PER_DAY,
    DEFAULT_START,
    TrafficSpec,
    generate,
    parse_start,
)
from linkgate.storage.events import EventStore

app = typer.Typer(
    help="Share traffic for the policy simulator: generated, or exported from the decision log."
)

PROGRESS_EVERY = 10_000


@app.command("generate")
def generate_cmd(
    days: int = typer.Option(DEFAULT_DAYS, "--days", help="Days of traffic."),
    shares_per_day: int = typer.Option(
        DEFAULT_SHARES_PER_DAY, "--shares-per-day", help="Share events per day (exactly)."
    ),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="The same seed gives the same file."),
    start: str = typer.Option(
        DEFAULT_START.isoformat(),
        "--start",
        help="First day: ISO 8601 with an offset, or a date (China Standard Time).",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="JSON Lines file to write, or - for stdout."),
) -> None:
    """Write realistic share events (time, url, channel, sender, group, title) as JSON Lines."""
    try:
        spec = TrafficSpec(days, shares_per_day, seed, parse_start(start))
    except ValueError as exc:
        fail(str(exc))
    write_events(generate(spec), spec.total, out, "generating", errors="strict")


@app.command("export")
def export_cmd(
    start: str = FROM_OPTION,
    end: str = TO_OPTION,
    database: str | None = DATABASE_OPTION,
    out: Path = typer.Option(..., "--out", "-o", help="JSON Lines file to write, or - for stdout."),
) -> None:
    """Write the stored share decisions of a period as share events (the format above).

    Senders and groups are the decision log's pseudonyms; ``linkgate simulate``
    replays the file.
    """
    period = period_or_fail(start, end)
    events = EventStore(store_engine(database))
    total = events.count_shares(*period)
    write_events(share_events(events.shares(*period)), total, out, "exporting")


def write_events(
    events: Iterable[ShareEvent],
    total: int,
    out: Path,
    verb: str,
    *,
    errors: str = "surrogateescape",
) -> None:
    """Write share events as JSON Lines to ``out`` (``-``: standard output), with progress."""
    try:
        handle = (
            sys.stdout
            if str(out) == "-"
            else out.open("w", encoding="utf-8", newline="\n", errors=errors)
        )
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    count = 0
    with count_progress(verb) as progress:
        task = progress.add_task(verb, total=total)
        try:
            for event in events:
                handle.write(event.to_line())
                handle.write("\n")
                count += 1
                if count % PROGRESS_EVERY == 0:
                    progress.update(task, completed=count)
        finally:
            if handle is not sys.stdout:
                handle.close()
    if str(out) != "-":
        typer.echo(f"wrote {count:,} share events to {out}", err=True)
