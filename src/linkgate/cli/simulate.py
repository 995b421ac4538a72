"""``linkgate simulate``: replay share traffic through policies and report what changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from linkgate.cli.common import count_progress, fail, period_or_fail, store_engine
from linkgate.cli.gateway import POLICY_OPTION, REGISTRY_OPTION
from linkgate.cli.serve import DATABASE_OPTION
from linkgate.datafile import DataFileError
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.facts import Inspector
from linkgate.periods import Period
from linkgate.policy.evaluator import State
from linkgate.policy.loader import load_policy
from linkgate.policy.model import Policy
from linkgate.simulator.inputs import load_credit
from linkgate.simulator.recorded import share_events
from linkgate.simulator.replay import PolicyRun, TitleSignals
from linkgate.simulator.report import print_simulation, simulation_html, simulation_json, write_json
from linkgate.simulator.results import Simulation
from linkgate.simulator.schema import TrafficError
from linkgate.simulator.simulate import simulate, simulate_file, title_signals
from linkgate.vocabulary import POLICY_PATHS

TRAFFIC_ARGUMENT = typer.Argument(..., help="Share traffic, JSON Lines (see docs/simulator.md).")
CREDIT_OPTION = typer.Option(
    None, "--credit", help="Credit scores per platform id (YAML or JSON mapping)."
)
JSON_OPTION = typer.Option(None, "--json", help="Also write the full report as JSON here.")
HTML_OPTION = typer.Option(None, "--html", help="Also write a self-contained HTML report here.")
STRICT_OPTION = typer.Option(
    False, "--strict", help="Stop at the first malformed line instead of skipping it."
)
CONTENT_OPTION = typer.Option(
    True,
    "--content/--no-content",
    help="Classify share titles with the content classifier, as the gateway does "
    "(default), or leave them unclassified.",
)


def data_error(exc: DataFileError) -> str:
    first = exc.problems[0]
    more = len(exc.problems) - 1
    return f"{first}" + (f" (and {more} more)" if more else "")


def policy_or_fail(path: Path | None, preset: str | None = None) -> Policy:
    try:
        return load_policy(path, preset=preset)
    except DataFileError as exc:
        fail(data_error(exc), code=1)


def inspector_or_fail(registry: Path | None) -> Inspector:
    try:
        reg = Registry.load(registry) if registry is not None else Registry.default()
    except DataFileError as exc:
        fail(data_error(exc), code=1)
    return Inspector(reg, PublicSuffix.load())


def state_or_fail(credit: Path | None, inspector: Inspector) -> State:
    if credit is None:
        return State()
    try:
        return State(credit=load_credit(credit, inspector.registry))
    except DataFileError as exc:
        fail(data_error(exc), code=1)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on stderr (when it is a terminal), by bytes of the traffic file."""
    err = Console(stderr=True)
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def classifier_or_none(content: bool) -> TitleSignals | None:
    if not content:
        return None
    from linkgate.checks.classifier import default_classifier

    return title_signals(default_classifier())


def run_or_fail(
    traffic: Path,
    runs: list[PolicyRun],
    inspector: Inspector,
    state: State,
    strict: bool,
    content: bool,
) -> Simulation:
    classify = classifier_or_none(content)
    with progress_bar("replaying") as update:
        try:
            return simulate_file(
                traffic,
                runs,
                inspector,
                state=state,
                classify=classify,
                strict=strict,
                progress=update,
            )
        except TrafficError as exc:
            fail(str(exc), code=1 if exc.problem is not None else 2)


def stdout_console() -> Console:
    """The terminal as it is, or 220 columns when the output is a file or a pipe."""
    console = Console()
    return console if console.is_terminal else Console(width=220)


def write_or_fail(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


class StoredPolicies:
    """Policy revisions, the registry and share decisions of one database (read only)."""

    def __init__(self, database: str | None) -> None:
        from linkgate.storage.events import EventStore
        from linkgate.storage.platforms import PlatformStore
        from linkgate.storage.policies import PolicyStore

        engine = store_engine(database)
        self.policies = PolicyStore(engine)
        self.platforms = PlatformStore(engine)
        self.events = EventStore(engine)

    def policy(self, revision: str | None, preset: str | None = None) -> Policy:
        """A stored revision (``None``: the live one, or the bundled policy if none is);
        ``preset`` replaces the preset it names."""
        from linkgate.policy.loader import default_policy_path, parse_policy

        row = self.policies.live() if revision is None else self.policies.get(revision)
        if row is None:
            if revision is not None:
                fail(f"no policy revision {revision!r} in the database")
            path = default_policy_path()
            return parse_policy(path.read_bytes(), str(path), preset=preset)
        try:
            return parse_policy(row.content, f"policy:{row.revision}", preset=preset)
        except DataFileError as exc:
            fail(data_error(exc), code=1)

    def inspector(self) -> Inspector:
        """The registry as the service builds it: bundled, with the stored platforms."""
        from linkgate.runtime import registry_from_documents

        try:
            registry = registry_from_documents([p.document for p in self.platforms.all()])
        except DataFileError as exc:
            fail(data_error(exc), code=1)
        return Inspector(registry, PublicSuffix.load())


def policy_b(against: str, stored: StoredPolicies | None) -> Policy:
    """``--against``: a policy file when one exists there, else a stored revision."""
    path = Path(against)
    if path.is_file() or stored is None:
        return policy_or_fail(path)
    return stored.policy(against)


def replay_stored(
    stored: StoredPolicies,
    period: Period,
    runs: list[PolicyRun],
    inspector: Inspector,
    state: State,
    content: bool,
) -> Simulation:
    """Replay the stored share decisions of ``period`` (see :mod:`linkgate.simulator.recorded`)."""
    classify = classifier_or_none(content)
    total = stored.events.count_shares(*period)
    progress = count_progress("replaying", remaining=True)
    with progress:
        task = progress.add_task("replaying", total=total)
        return simulate(
            share_events(stored.events.shares(*period)),
            runs,
            inspector,
            state=state,
            classify=classify,
            source=f"decision log {period.start.isoformat()} to {period.end.isoformat()}",
            total=total,
            progress=lambda done, all_: progress.update(task, completed=done, total=all_),
        )


def simulate_cmd(
    traffic: Path | None = typer.Argument(
        None,
        help="Share traffic, JSON Lines (see docs/simulator.md); or give --from/--to "
        "to replay the decision log.",
    ),
    policy: Path | None = POLICY_OPTION,
    against: str | None = typer.Option(
        None,
        "--against",
        help="A second policy (B): a policy file, or a stored revision. "
        "Report what changes from A to B.",
    ),
    presets: bool = typer.Option(
        False, "--presets", help="Run the policy under each preset: open, selective, compromise."
    ),
    start: str | None = typer.Option(
        None, "--from", help="Backtest: replay stored share decisions from this day or time."
    ),
    end: str | None = typer.Option(
        None, "--to", help="Backtest: up to this day (counted whole) or time (exclusive)."
    ),
    revision: str | None = typer.Option(
        None,
        "--revision",
        help="Policy A is this stored revision (default with --from/--to: the live one).",
    ),
    database: str | None = DATABASE_OPTION,
    registry: Path | None = REGISTRY_OPTION,
    credit: Path | None = CREDIT_OPTION,
    json_out: Path | None = JSON_OPTION,
    html_out: Path | None = HTML_OPTION,
    strict: bool = STRICT_OPTION,
    content: bool = CONTENT_OPTION,
) -> None:
    """Replay share traffic through a policy (A), or A against B, or every preset.

    The traffic is a file, or (backtest) the share decisions stored between
    --from and --to. Nothing is enforced or stored. Reports per platform ×
    channel: treatments, capabilities, blocks by reason and expected opens
    through the policy's funnel.
    """
    if presets and against is not None:
        fail("give --against or --presets, not both")
    if policy is not None and revision is not None:
        fail("give --policy or --revision, not both")
    backtest = start is not None or end is not None
    if backtest and (start is None or end is None):
        fail("a backtest needs both --from and --to")
    if backtest and traffic is not None:
        fail("give a traffic file or --from/--to, not both")
    if not backtest and traffic is None:
        fail("no traffic: give a traffic file, or --from and --to to replay the decision log")
    period = period_or_fail(start, end) if start is not None and end is not None else None
    stored = StoredPolicies(database) if backtest or revision is not None else None
    if stored is not None and registry is None:
        inspector = stored.inspector()
    else:
        inspector = inspector_or_fail(registry)
    state = state_or_fail(credit, inspector)

    def policy_a(preset: str | None = None) -> Policy:
        if stored is not None and policy is None:
            return stored.policy(revision, preset)
        return policy_or_fail(policy, preset)

    if presets:
        runs = [PolicyRun.of(name, policy_a(name)) for name in POLICY_PATHS]
    else:
        runs = [PolicyRun.of("A", policy_a())]
        if against is not None:
            runs.append(PolicyRun.of("B", policy_b(against, stored)))
    if stored is not None and period is not None:
        sim = replay_stored(stored, period, runs, inspector, state, content)
    else:
        assert traffic is not None
        sim = run_or_fail(traffic, runs, inspector, state, strict, content)
    print_simulation(sim, stdout_console())
    if json_out is not None:
        try:
            write_json(simulation_json(sim), json_out)
        except OSError as exc:
            fail(f"cannot write {json_out}: {exc.strerror or exc}")
    if html_out is not None:
        write_or_fail(html_out, simulation_html(sim))
