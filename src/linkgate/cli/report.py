"""``linkgate report``: parity over share traffic, transparency over the store."""

from __future__ import annotations

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
from linkgate.cli.gateway import POLICY_OPTION, REGISTRY_OPTION
from linkgate.cli.serve import DATABASE_OPTION
from linkgate.cli.simulate import (
    CONTENT_OPTION,
    CREDIT_OPTION,
    HTML_OPTION,
    JSON_OPTION,
    STRICT_OPTION,
    TRAFFIC_ARGUMENT,
    inspector_or_fail,
    policy_or_fail,
    run_or_fail,
    state_or_fail,
    stdout_console,
    write_or_fail,
)
from linkgate.simulator.parity import DEFAULT_MIN_SHARES, DEFAULT_THRESHOLD, Parity
from linkgate.simulator.parity_report import parity_html, print_parity
from linkgate.simulator.replay import PolicyRun
from linkgate.simulator.report import write_json

app = typer.Typer(
    help="Reports: interoperability parity over share traffic; transparency over the store."
)


@app.command("parity")
def parity_cmd(
    traffic: Path = TRAFFIC_ARGUMENT,
    policy: Path | None = POLICY_OPTION,
    registry: Path | None = REGISTRY_OPTION,
    credit: Path | None = CREDIT_OPTION,
    threshold: float = typer.Option(
        DEFAULT_THRESHOLD,
        "--threshold",
        help="Flag two platforms whose treatment distributions differ by more than this "
        "(total variation distance, 0–1).",
    ),
    min_shares: int = typer.Option(
        DEFAULT_MIN_SHARES, "--min-shares", help="Compare only groups with this many shares."
    ),
    json_out: Path | None = JSON_OPTION,
    html_out: Path | None = HTML_OPTION,
    strict: bool = STRICT_OPTION,
    content: bool = CONTENT_OPTION,
) -> None:
    """Do platforms of equal risk get equal treatment? Disparities and the rules behind them."""
    if not 0 <= threshold <= 1:
        fail(f"--threshold must be between 0 and 1, got {threshold:g}")
    if min_shares < 1:
        fail(f"--min-shares must be at least 1, got {min_shares}")
    inspector = inspector_or_fail(registry)
    state = state_or_fail(credit, inspector)
    runs = [PolicyRun.of("A", policy_or_fail(policy))]
    sim = run_or_fail(traffic, runs, inspector, state, strict, content)
    parity = Parity(sim, state.credit, threshold=threshold, min_shares=min_shares)
    print_parity(parity, stdout_console())
    if json_out is not None:
        try:
            write_json(parity.to_dict(), json_out)
        except OSError as exc:
            fail(f"cannot write {json_out}: {exc.strerror or exc}")
    if html_out is not None:
        write_or_fail(html_out, parity_html(parity))


@app.command("transparency")
def transparency_cmd(
    start: str = FROM_OPTION,
    end: str = TO_OPTION,
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write the report into."),
    database: str | None = DATABASE_OPTION,
) -> None:
    """A transparency report of a period: links handled per category, domains blocked,
    accounts acted on, reports and appeals, per day; HTML (with charts), JSON and CSV."""
    from linkgate.storage.transparency import read_transparency
    from linkgate.transparency.render import FILES, write_report
    from linkgate.transparency.report import build_report

    period = period_or_fail(start, end)
    if out.exists() and not out.is_dir():
        fail(f"cannot write into {out}: not a directory")
    engine = store_engine(database)
    progress = count_progress()
    queries = 5
    with progress:
        task = progress.add_task("counting", total=queries + len(FILES))
        data = read_transparency(
            engine, period.day_edges(), lambda done, _: progress.update(task, completed=done)
        )
        report = build_report(data, period)

        def step(name: str) -> None:
            progress.update(task, description=f"writing {name}", advance=1)

        try:
            written = write_report(report, out, step)
        except OSError as exc:
            fail(f"cannot write into {out}: {exc.strerror or exc}")
    for path in written:
        typer.echo(f"wrote {path}", err=True)
