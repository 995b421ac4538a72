"""``linkgate policy``: validate, inspect the rollout timeline, explain decisions."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from linkgate.cli.common import fail, store_engine
from linkgate.cli.gateway import POLICY_OPTION, REGISTRY_OPTION, load_gateway
from linkgate.cli.serve import DATABASE_OPTION
from linkgate.datafile import DataFileError
from linkgate.errors import RequestError
from linkgate.policy.decision import Decision
from linkgate.policy.loader import load_policy

app = typer.Typer(
    help="Validate and explain policies; show the rollout timeline; put a revision in shadow."
)


@app.command("validate")
def validate_cmd(
    files: list[Path] = typer.Argument(..., help="Policy YAML files."),
) -> None:
    """Report every problem in every file at once (exit 1), or print each file's revision."""
    failed = False
    for path in files:
        try:
            policy = load_policy(path)
        except DataFileError as exc:
            failed = True
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            continue
        typer.echo(f"{path}: ok, revision {policy.revision}")
    if failed:
        raise typer.Exit(1)


@app.command("timeline")
def timeline_cmd(policy: Path | None = POLICY_OPTION) -> None:
    """The rollout phases in time order: who opens where, from when."""
    try:
        pol = load_policy(policy)
    except DataFileError as exc:
        fail(str(exc.problems[0]), code=1)
    table = Table(title=f"rollout of policy {pol.name} ({pol.revision})")
    for column in (
        "start",
        "end",
        "phase",
        "platforms",
        "channels",
        "link kinds",
        "users",
        "connects",
    ):
        table.add_column(column)
    for phase in sorted(pol.rollout.phases, key=lambda p: p.start):
        sel = phase.platforms
        who = ", ".join(
            [*(f"tier {t}" for t in sorted(sel.tiers)), *sorted(sel.ids)]
            + ([f"rank ≤ {sel.max_rank}"] if sel.max_rank is not None else [])
        )
        users = f"{phase.percent:g}%" + "".join(
            f" → {s.percent:g}% at {s.at.isoformat()}" for s in phase.ramp
        )
        table.add_row(
            phase.start.isoformat(),
            phase.end.isoformat() if phase.end else "",
            phase.id,
            who,
            ", ".join(sorted(phase.channels)),
            ", ".join(sorted(phase.link_kinds)) if phase.link_kinds is not None else "all",
            users,
            ", ".join(sorted(phase.connects)),
        )
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    console.print(table)
    closed = pol.rollout.closed
    typer.echo(f"elsewhere: {closed.treatment} ({closed.reason or 'rollout_closed'})")


def render_explanation(decision: Decision) -> str:
    """A decision's trace and counterfactuals in words a person reads."""
    lines = [
        f"{decision.input}",
        f"  in {decision.channel} at {decision.decided_at.isoformat()}",
        f"  platform {decision.platform or 'unregistered'}, {decision.link_kind} link",
        f"  → {decision.treatment} (interstitial {decision.interstitial})",
    ]
    if decision.capabilities:
        lines.append(f"  capabilities: {', '.join(decision.capabilities)}")
    if decision.reasons:
        lines.append(f"  reasons: {', '.join(decision.reasons)}")
    if decision.reason_text:
        lines.append(f"  says: {decision.reason_text.get('en', '')}")
    lines.append("  because:")
    for c in decision.trace:
        effect = []
        if c.treatment is not None:
            effect.append(f"at most {c.treatment}")
        if c.warn:
            effect.append("warn")
        if c.remove:
            effect.append("removes " + ", ".join(sorted(c.remove)))
        where = f" [{c.source}]" if c.source else ""
        until = f" until {c.expires_at.isoformat()}" if c.expires_at else ""
        lines.append(
            f"    {c.stage:<12} {c.rule}: {'; '.join(effect) or 'no effect'}{until}{where}"
        )
        if c.detail:
            lines.append(f"                 {c.detail}")
    if decision.counterfactuals:
        lines.append("  would be better:")
        for cf in decision.counterfactuals:
            lines.append(f"    {cf.treatment} ({cf.interstitial}) {cf.change}")
    lines.append(f"  policy revision {decision.policy_revision}, cache {decision.ttl_seconds}s")
    return "\n".join(lines)


@app.command("explain")
def explain_cmd(
    url: str = typer.Argument(..., help="The link as typed."),
    channel: str = typer.Option(..., "--channel", "-c"),
    at: str | None = typer.Option(None, "--at"),
    sender: str | None = typer.Option(None, "--sender"),
    viewer: str | None = typer.Option(None, "--viewer"),
    group_setting: str | None = typer.Option(None, "--group-setting"),
    viewer_opt_out: bool = typer.Option(False, "--viewer-opt-out"),
    policy: Path | None = POLICY_OPTION,
    registry: Path | None = REGISTRY_OPTION,
) -> None:
    """Explain a decision: every constraint, where it is written, and what would change it."""
    gateway = load_gateway(policy, registry)
    try:
        decision = gateway.decide(
            url,
            channel=channel,
            at=at,
            sender=sender,
            viewer=viewer,
            group_setting=group_setting,
            viewer_opt_out=viewer_opt_out,
        )
    except RequestError as exc:
        fail(str(exc))
    typer.echo(render_explanation(decision))


@app.command("shadow")
def shadow_cmd(
    revision: str | None = typer.Argument(None, help="The stored revision to put in shadow."),
    stop: bool = typer.Option(False, "--stop", help="Stop the shadow instead."),
    by: str = typer.Option(os.environ.get("USER", "cli"), "--by", help="Who does it (audit)."),
    database: str | None = DATABASE_OPTION,
) -> None:
    """Put a stored policy revision in shadow (decided beside the live one, never
    enforced), or stop it. Running servers pick it up within their reload poll."""
    if stop == (revision is not None):
        fail("give a revision to put in shadow, or --stop")
    from linkgate.storage.audit import AuditLog
    from linkgate.storage.shadow import ShadowStore

    engine = store_engine(database)
    store, audit = ShadowStore(engine), AuditLog(engine)
    if revision is not None:
        try:
            setting = store.start(revision, f"cli:{by}")
        except LookupError as exc:
            fail(str(exc))
        audit.append(f"cli:{by}", "policy.shadow.start", revision, {})
        typer.echo(f"policy revision {setting.revision} in shadow")
        return
    stopped = store.stop()
    if stopped is None:
        fail("no policy revision is in shadow")
    audit.append(f"cli:{by}", "policy.shadow.stop", stopped.revision, {})
    typer.echo(f"policy revision {stopped.revision} no longer in shadow")
