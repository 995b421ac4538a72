"""``linkgate report``: reports computed from share traffic."""

from __future__ import annotations

from pathlib import Path

import typer

from linkgate.cli.common import fail
from linkgate.cli.gateway import POLICY_OPTION, REGISTRY_OPTION
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

app = typer.Typer(help="Reports over share traffic: interoperability parity.")


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
