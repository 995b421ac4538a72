"""Recorded traffic: share decisions made through the service, exported, replayed.

The service decides generated shares (POST /v1/decisions:batch, events
written by its writer thread to a real SQLite file); ``traffic export``
writes them back in the traffic format; ``simulate`` of the file, and the
backtest ``simulate --from/--to --database`` of the log itself, find the
treatments the service answered, cell by cell, under the same policy.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linkgate.policy.loader import parse_policy
from linkgate.simulator.traffic import TrafficSpec, generate
from tests.api.conftest import Api, make_api
from tests.simulator.conftest import default_text, run_cli

Capsys = pytest.CaptureFixture[str]
SPEC = TrafficSpec(days=3, shares_per_day=200, seed=21)


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    yield from make_api(tmp_path)


def wait_written(api: Api, count: int) -> None:
    deadline = time.monotonic() + 20
    while api.runtime.events.written < count:
        assert time.monotonic() < deadline, "decision events were not written in time"
        time.sleep(0.05)


def decide_traffic(api: Api) -> Counter[tuple[str, str, str, str]]:
    """Post every generated share (senders left out: no spam windows); the live answers."""
    live: Counter[tuple[str, str, str, str]] = Counter()
    events = list(generate(SPEC))
    for start in range(0, len(events), 100):
        items: list[dict[str, Any]] = [
            {
                "url": e.url,
                "channel": e.channel,
                "at": e.time.isoformat(),
                "group": e.group,
                "title": e.title,
            }
            for e in events[start : start + 100]
        ]
        response = api.client.post(
            "/v1/decisions:batch", json={"items": items}, headers=api.headers("integrator")
        )
        assert response.status_code == 200, response.text
        for body in response.json()["results"]:
            assert "error" not in body, body
            live[
                (
                    body["platform"] or "unregistered",
                    body["channel"],
                    body["treatment"],
                    body["interstitial"],
                )
            ] += 1
    wait_written(api, len(events))
    return live


def replayed(report: dict[str, Any], run: str = "A") -> Counter[tuple[str, str, str, str]]:
    """Treatment × interstitial per platform × channel, as a replay counted them."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for cell in report["results"][run]["cells"]:
        # Treatments and interstitials are counted apart; every treatment has one
        # interstitial except plain_page (none or warn), split by the warn count.
        t, i = cell["treatments"], cell["interstitials"]
        key = (cell["platform"], cell["channel"])
        for treatment, n in t.items():
            if not n:
                continue
            if treatment == "plain_page":
                warned = i["warn"]
                if warned:
                    counts[(*key, "plain_page", "warn")] += warned
                if n - warned:
                    counts[(*key, "plain_page", "none")] += n - warned
            else:
                counts[(*key, treatment, INTERSTITIAL_OF[treatment])] += n
    return counts


INTERSTITIAL_OF = {
    "mini_program": "none",
    "rich_page": "none",
    "copy_only": "copy_only",
    "blocked": "blocked",
}


def test_export_and_replay_reproduce_the_live_treatments(
    api: Api, tmp_path: Path, capsys: Capsys
) -> None:
    live = decide_traffic(api)
    assert sum(live.values()) == SPEC.total
    # The traffic reaches every treatment and a warning, or the comparison proves little.
    assert {k[2] for k in live} >= {"rich_page", "plain_page", "copy_only", "blocked"}
    assert any(k[3] == "warn" for k in live)
    database = api.runtime.url
    out = tmp_path / "exported.jsonl"
    code, _, err = run_cli(
        capsys,
        "traffic",
        "export",
        "--from",
        "2021-09-14",
        "--to",
        "2021-09-18",
        "--database",
        database,
        "--out",
        str(out),
    )
    assert code == 0, err
    assert f"wrote {SPEC.total:,} share events" in err
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == SPEC.total
    assert list(lines[0]) == ["time", "url", "channel", "sender", "group", "title"]
    times = [line["time"] for line in lines]
    assert times == sorted(times)
    assert any(line["title"] for line in lines)
    # Groups are pseudonyms, never the ids the integrator sent.
    sent_groups = {e.group for e in generate(SPEC) if e.group}
    assert sent_groups and not sent_groups & {line["group"] for line in lines}

    report_file = tmp_path / "replay.json"
    code, _, err = run_cli(capsys, "simulate", str(out), "--json", str(report_file))
    assert code == 0, err
    assert replayed(json.loads(report_file.read_text(encoding="utf-8"))) == live

    backtest_file = tmp_path / "backtest.json"
    code, _, err = run_cli(
        capsys,
        "simulate",
        "--from",
        "2021-09-14",
        "--to",
        "2021-09-18",
        "--database",
        database,
        "--json",
        str(backtest_file),
    )
    assert code == 0, err
    backtest = json.loads(backtest_file.read_text(encoding="utf-8"))
    assert backtest["traffic"]["events"] == SPEC.total
    assert replayed(backtest) == live


def test_backtest_against_a_stored_revision_writes_nothing(
    api: Api, tmp_path: Path, capsys: Capsys
) -> None:
    decide_traffic(api)
    strict = default_text().replace(
        "channel_rules:\n",
        "channel_rules:\n  - id: no-links-in-groups\n    channels: [group_chat]\n"
        "    effect: {treatment: blocked, reason: moments_commerce}\n",
        1,
    )
    revision = parse_policy(strict, "strict.yaml").revision
    response = api.client.post(
        "/v1/policies",
        content=strict.encode(),
        headers={**api.headers("operator"), "Content-Type": "application/yaml"},
    )
    assert response.status_code == 201, response.text
    live_before = api.runtime.stores.policies.live()
    audit_before = api.runtime.stores.audit.head()
    report_file = tmp_path / "backtest.json"
    code, _, err = run_cli(
        capsys,
        "simulate",
        "--from",
        "2021-09-15",
        "--to",
        "2021-09-17",
        "--against",
        revision,
        "--database",
        api.runtime.url,
        "--json",
        str(report_file),
    )
    assert code == 0, err
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert [p["revision"] for p in report["policies"]][1] == revision
    groups = [c for c in report["results"]["B"]["cells"] if c["channel"] == "group_chat"]
    assert groups and all(c["treatments"]["blocked"] == c["shares"] for c in groups)
    assert report["diff"]["changed"] > 0
    # Nothing live moved: no publication, no audit entry, no new events.
    assert api.runtime.stores.policies.live() == live_before
    assert api.runtime.stores.audit.head() == audit_before
    assert sum(api.runtime.stores.events.count_by("kind", *_window()).values()) == SPEC.total


def _window() -> tuple[Any, Any]:
    from linkgate.periods import parse_period

    period = parse_period("2021-09-01", "2021-09-30")
    return period.start, period.end


def test_backtest_errors_are_one_line(api: Api, capsys: Capsys) -> None:
    database = api.runtime.url
    for argv, fragment in (
        (["simulate", "--from", "2021-09-15", "--database", database], "both --from and --to"),
        (["simulate", "--from", "2021-09-15", "--to", "2021-09-14"], "must be after"),
        (["simulate", "--from", "yesterday", "--to", "2021-09-14"], "not a date"),
        (
            ["simulate", "--from", "2021-09-15", "--to", "2021-09-16", "--revision", "nope"],
            "no policy revision 'nope'",
        ),
        (["simulate"], "no traffic"),
        (["traffic", "export", "--from", "2021-09-15", "--to", "x", "--out", "-"], "to:"),
    ):
        if "--revision" in argv:
            argv = [*argv, "--database", database]
        code, _, err = run_cli(capsys, *argv)
        assert code == 2, (argv, err)
        assert err.startswith("linkgate: error: ") and fragment in err, err
        assert err.strip().count("\n") == 0, err
