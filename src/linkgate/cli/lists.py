"""``linkgate lists``: import threat feeds, list and remove them, export hash prefixes.

An import reads the feed file as it parses it, writes the list in one
transaction (replacing a list of the same name), records it in the audit
log, and tells running replicas: through Redis when ``--redis`` or
``LINKGATE_REDIS_URL`` is set, and in any case through the store, which
replicas poll.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from linkgate.cli.common import fail
from linkgate.cli.serve import DATABASE_OPTION
from linkgate.domains.psl import PublicSuffix
from linkgate.lists.feeds import FORMATS
from linkgate.lists.guard import EntryGuard
from linkgate.lists.importing import FeedImport, check_category, parse_expiry
from linkgate.lists.prefixes import PrefixFormat, encode_prefixes, listed_prefixes
from linkgate.runtime import RELOAD_CHANNEL, registry_from_documents
from linkgate.settings import Settings
from linkgate.storage.engine import database_url, make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import AuditLog, PlatformStore, ThreatListStore

app = typer.Typer(help="Threat lists: import feeds, list, remove, export.", no_args_is_help=True)

REDIS_OPTION = typer.Option(
    None, "--redis", help="Redis URL to tell running replicas (default: LINKGATE_REDIS_URL)."
)
#: Files larger than this show a progress bar while they are imported.
PROGRESS_BYTES = 1 << 20


def _engine(database: str | None) -> Any:
    url = database_url(database)
    upgrade(url)
    return make_engine(url)


def _lines(path: Path, advance: Callable[[int], None]) -> Iterator[str]:
    """The file's lines (UTF-8, undecodable bytes kept as surrogates), reporting bytes read."""
    with path.open("rb") as handle:
        for raw in handle:
            advance(len(raw))
            yield raw.decode("utf-8", "surrogateescape").rstrip("\r\n")


def _notify(redis_url: str | None) -> str:
    url = redis_url or os.environ.get("LINKGATE_REDIS_URL")
    if not url:
        return "replicas pick the change up by polling the store"
    import redis

    try:
        channel = Settings.from_env().redis_key(RELOAD_CHANNEL)
    except ValueError as exc:
        return f"could not notify replicas ({exc}); they will poll the store"
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.publish(channel, "threat-lists")
        finally:
            client.close()
    except redis.RedisError as exc:
        return f"could not notify replicas through Redis ({exc}); they will poll the store"
    return "replicas notified through Redis"


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="The feed file.", show_default=False),
    format: str = typer.Option(..., "--format", help=f"One of: {', '.join(FORMATS)}."),
    category: str = typer.Option(..., "--category", help="malware, phishing, fraud, …"),
    expires: str | None = typer.Option(
        None, "--expires", help="ISO 8601 time or a duration (12h, 30d); default: never."
    ),
    name: str | None = typer.Option(
        None, "--name", help="The list's name (default: the file name); re-importing replaces."
    ),
    by: str = typer.Option(os.environ.get("USER", "cli"), "--by", help="Who imports (audit)."),
    database: str | None = DATABASE_OPTION,
    redis: str | None = REDIS_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the import report as JSON."),
) -> None:
    """Import a feed as a threat list (replacing the list of the same name)."""
    if format not in FORMATS:
        fail(f"format: unknown feed format {format!r}; expected one of {', '.join(FORMATS)}")
    try:
        check_category(category)
    except ValueError as exc:
        fail(str(exc))
    now = datetime.now(UTC)
    expires_at = None
    if expires is not None:
        try:
            expires_at = parse_expiry(expires, now)
        except ValueError as exc:
            fail(f"--expires: {exc}")
    if not file.is_file():
        fail(f"cannot read {file}: no such file")
    try:
        size = file.stat().st_size
        with file.open("rb"):
            pass
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    list_name = name or file.name
    engine = _engine(database)
    try:
        registry = registry_from_documents([p.document for p in PlatformStore(engine).all()])
        feed = FeedImport(format, EntryGuard.for_registry(registry, PublicSuffix.load()))
        console = Console(stderr=True)
        with Progress(
            TextColumn("importing {task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=size < PROGRESS_BYTES,
        ) as progress:
            task = progress.add_task(file.name, total=size)
            lines = _lines(file, lambda n: progress.advance(task, n))
            entries = ((e.kind, e.value) for e in feed.entries(lines))
            record = ThreatListStore(engine).import_list(
                name=list_name,
                source=str(file.name),
                format=format,
                category=category,
                entries=entries,
                by=by,
                expires_at=expires_at,
                report=feed.report.to_dict,
            )
        AuditLog(engine).append(
            by,
            "lists.import",
            list_name,
            {
                "format": format,
                "category": category,
                "entries": record.entry_count,
                "rejected": record.rejected_count,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    finally:
        engine.dispose()
    notice = _notify(redis)
    report = feed.report
    if as_json:
        out = {"list": list_name, "id": record.id, "category": category, **report.to_dict()}
        typer.echo(json.dumps(out, ensure_ascii=False))
    else:
        rejected = ", ".join(f"{r} {n}" for r, n in sorted(report.rejected.items())) or "none"
        console.print(
            f"list {list_name!r} ({category}): {record.entry_count} entries "
            f"({', '.join(f'{n} {k}' for k, n in sorted(report.entries.items())) or 'none'}), "
            f"{report.duplicates} duplicates, rejected: {rejected}"
        )
        for sample in report.samples[:5]:
            console.print(f"  line {sample.line}: {sample.reason}: {sample.text[:100]}")
    Console(stderr=True).print(notice)


@app.command("list")
def list_cmd(
    database: str | None = DATABASE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per list."),
) -> None:
    """The stored threat lists."""
    engine = _engine(database)
    try:
        records = ThreatListStore(engine).list()
    finally:
        engine.dispose()
    now = datetime.now(UTC)
    if as_json:
        for r in records:
            typer.echo(
                json.dumps(
                    {
                        "name": r.name,
                        "category": r.category,
                        "format": r.format,
                        "source": r.source,
                        "entries": r.entry_count,
                        "rejected": r.rejected_count,
                        "imported_at": r.imported_at.isoformat(),
                        "imported_by": r.imported_by,
                        "expires_at": r.expires_at.isoformat() if r.expires_at else None,
                        "active": r.active(now),
                    },
                    ensure_ascii=False,
                )
            )
        return
    table = Table()
    for column in ("name", "category", "format", "entries", "rejected", "imported", "expires"):
        table.add_column(column)
    for r in records:
        expiry = r.expires_at.isoformat(timespec="seconds") if r.expires_at else "never"
        if not r.active(now):
            expiry += " (expired)"
        table.add_row(
            r.name,
            r.category,
            r.format,
            str(r.entry_count),
            str(r.rejected_count),
            f"{r.imported_at.isoformat(timespec='seconds')} by {r.imported_by}",
            expiry,
        )
    Console().print(table)


@app.command("remove")
def remove_cmd(
    name: str = typer.Argument(..., help="The list's name."),
    by: str = typer.Option(os.environ.get("USER", "cli"), "--by", help="Who removes (audit)."),
    database: str | None = DATABASE_OPTION,
    redis: str | None = REDIS_OPTION,
) -> None:
    """Remove a threat list and its entries."""
    engine = _engine(database)
    try:
        if not ThreatListStore(engine).remove(name):
            fail(f"no threat list named {name!r}", code=1)
        AuditLog(engine).append(by, "lists.remove", name, {})
    finally:
        engine.dispose()
    console = Console(stderr=True)
    console.print(f"removed list {name!r}")
    console.print(_notify(redis))


@app.command("export")
def export_cmd(
    hash_prefixes: Path = typer.Option(
        ..., "--hash-prefixes", help="Write the 4-byte SHA-256 prefix list here."
    ),
    prefix_format: str = typer.Option(
        "binary", "--prefix-format", help="binary (4 bytes each, sorted) or hex (one per line)."
    ),
    database: str | None = DATABASE_OPTION,
) -> None:
    """Export the hash prefixes of every active list (see docs/operations.md for the format)."""
    if prefix_format not in ("binary", "hex"):
        fail(f"--prefix-format: expected binary or hex, not {prefix_format!r}")
    engine = _engine(database)
    domains: list[str] = []
    exprs: list[str] = []
    hashes: list[bytes] = []
    try:
        for _, kind, value in ThreatListStore(engine).entries(active_at=datetime.now(UTC)):
            if kind == "domain":
                domains.append(value)
            elif kind == "expression":
                exprs.append(value)
            else:
                hashes.append(bytes.fromhex(value))
    finally:
        engine.dispose()
    fmt: PrefixFormat = "hex" if prefix_format == "hex" else "binary"
    prefixes = listed_prefixes(domains=domains, expressions=exprs, full_hashes=hashes)
    try:
        hash_prefixes.write_bytes(encode_prefixes(prefixes, fmt))
    except OSError as exc:
        fail(f"cannot write {hash_prefixes}: {exc.strerror}")
    Console(stderr=True).print(
        f"wrote {len(prefixes)} hash prefixes ({fmt}) to {hash_prefixes} "
        f"from {len(domains)} domains, {len(exprs)} expressions, {len(hashes)} full hashes"
    )
