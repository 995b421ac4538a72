"""Running a simulation: traffic in, :class:`~linkgate.simulator.results.Simulation` out.

:func:`simulate` replays any iterable of share events; :func:`simulate_file`
reads a traffic file (malformed lines counted, or fatal when ``strict``)
and reports progress in bytes. :func:`preset_runs` builds one policy under
each of the three policy paths, for ``linkgate simulate --presets``;
:func:`title_signals` classifies share titles with the content classifier,
as the gateway does with a preview's title.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Final, TypeVar

from linkgate.checks.classifier import ContentClassifier
from linkgate.facts import Inspector
from linkgate.policy.evaluator import ContentSignal, State
from linkgate.policy.loader import load_policy
from linkgate.simulator.replay import PolicyRun, Replay, TitleSignals
from linkgate.simulator.results import Simulation, TrafficSummary
from linkgate.simulator.schema import ShareEvent, TrafficProblem, TrafficReader
from linkgate.vocabulary import POLICY_PATHS

T = TypeVar("T")

CHUNK: Final = 8192

#: Called after each chunk with (done, total) in the source's unit (events or bytes).
Progress = Callable[[int, int], None]


def _reporting(
    events: Iterable[T], progress: Progress | None, where: Callable[[int], tuple[int, int]]
) -> Iterator[T]:
    """``events`` one by one, calling ``progress(*where(count))`` every :data:`CHUNK` events.

    Events are passed on as they come, never gathered in lists: a share event then dies
    young, and the garbage collector never has to walk thousands of them.
    """
    if progress is None:
        yield from events
        return
    for count, event in enumerate(events, start=1):
        yield event
        if count % CHUNK == 0:
            progress(*where(count))


def simulate(
    events: Iterable[ShareEvent],
    runs: Sequence[PolicyRun],
    inspector: Inspector,
    *,
    state: State | None = None,
    classify: TitleSignals | None = None,
    source: str = "<events>",
    total: int = 0,
    progress: Progress | None = None,
) -> Simulation:
    """Replay ``events`` through ``runs``; ``progress`` gets (events done, ``total``)."""
    engine = Replay(inspector, runs, state=state, classify=classify)
    engine.feed(_reporting(events, progress, lambda count: (count, total)))
    if progress is not None:
        progress(engine.tally.events, total)
    return _simulation(engine, source, 0, ())


def simulate_file(
    path: Path,
    runs: Sequence[PolicyRun],
    inspector: Inspector,
    *,
    state: State | None = None,
    classify: TitleSignals | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> Simulation:
    """Replay a traffic file; ``progress`` gets (bytes read, file size).

    Raises :class:`~linkgate.simulator.schema.TrafficError` when the file
    cannot be read, or at the first malformed line when ``strict``.
    """
    reader = TrafficReader(path, strict=strict)
    engine = Replay(inspector, runs, state=state, classify=classify)
    engine.feed(_reporting(reader, progress, lambda _: (reader.bytes_read, reader.size)))
    if progress is not None:
        progress(reader.size, reader.size)
    return _simulation(engine, str(path), reader.malformed, tuple(reader.problems))


def _simulation(
    engine: Replay, source: str, malformed: int, problems: tuple[TrafficProblem, ...]
) -> Simulation:
    tally = engine.tally
    summary = TrafficSummary(
        source=source,
        events=tally.events,
        malformed=malformed,
        problems=problems,
        distinct_urls=tally.distinct_urls,
        first=tally.first,
        last=tally.last,
        hours=tuple(tally.hours),
        evaluations=(tally.evaluations,),
    )
    return Simulation(tally, summary)


def title_signals(classifier: ContentClassifier) -> TitleSignals:
    """Classify share titles the way the gateway classifies a preview's title."""

    def signals(title: str | None) -> tuple[ContentSignal, ...]:
        if not title or title.isspace():
            return ()
        return classifier.signals(title=title)

    return signals


def preset_runs(base: Path | None = None) -> list[PolicyRun]:
    """The policy at ``base`` (the bundled default when None) under each policy path."""
    return [PolicyRun.of(name, load_policy(base, preset=name)) for name in POLICY_PATHS]
