"""A against B, and the three presets: differences predicted from the policy files."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from linkgate.facts import Inspector
from linkgate.policy.loader import load_policy
from linkgate.simulator.replay import DecisionClass, PolicyRun
from linkgate.simulator.results import Simulation, comparison, diff_dict, headline
from linkgate.simulator.schema import TrafficReader
from linkgate.simulator.simulate import preset_runs, simulate_file
from linkgate.simulator.traffic import CST
from tests.simulator.conftest import default_text, write_policy

PHASE_1 = datetime(2021, 9, 17, tzinfo=CST)
MOVED = datetime(2021, 9, 20, tzinfo=CST)


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = default_text()
    assert text.count("start: 2021-09-17T00:00:00+08:00") == 1
    return write_policy(
        tmp_path_factory.mktemp("policies") / "moved.yaml",
        text.replace("start: 2021-09-17T00:00:00+08:00", "start: 2021-09-20T00:00:00+08:00"),
    )


@pytest.fixture(scope="module")
def pair(week_file: Path, moved: Path, inspector: Inspector) -> Simulation:
    runs = [PolicyRun.of("A", load_policy()), PolicyRun.of("B", load_policy(moved))]
    return simulate_file(week_file, runs, inspector)


@pytest.fixture(scope="module")
def presets(week_file: Path, inspector: Inspector) -> Simulation:
    return simulate_file(week_file, preset_runs(), inspector)


def test_moving_phase_1_changes_exactly_the_competitor_chats_in_between(
    pair: Simulation, week_file: Path, inspector: Inspector
) -> None:
    expected: Counter[tuple[str, str, str]] = Counter()
    for event in TrafficReader(week_file):
        facts = inspector.inspect(event.url)
        platform = facts.platform
        if (
            platform is not None
            and platform.tier == "competitor"
            and event.channel == "private_chat"
            and PHASE_1 <= event.time < MOVED
        ):
            expected[(platform.id, "competitor", "private_chat")] += 1
    count = sum(expected.values())
    assert count > 1000
    assert pair.changed() == count
    moves = pair.transitions()
    changed_cells = {
        cell: sum(n for (a, b), n in found.items() if a != b) for cell, found in moves.items()
    }
    assert {cell: n for cell, n in changed_cells.items() if n} == dict(expected)
    for cell in expected:
        assert {(a, b) for (a, b), n in moves[cell].items() if a != b} == {
            ("plain_page+warn", "copy_only")
        }
    diff = diff_dict(pair)
    assert diff["changed"] == count
    assert diff["total"]["expected_opens_delta"] == pytest.approx(count * (0.05 - 0.70), abs=0.01)
    assert diff["total"]["treatments_delta"] == {
        "mini_program": 0,
        "rich_page": 0,
        "plain_page": -count,
        "copy_only": count,
        "blocked": 0,
    }
    competitor = next(r for r in diff["tiers"] if r["tier"] == "competitor")
    assert competitor["treatments_delta"]["copy_only"] == count
    assert all(
        r["treatments_delta"]["copy_only"] == 0 for r in diff["tiers"] if r is not competitor
    )


def classes(sim: Simulation, run: int, platform: str) -> dict[DecisionClass, int]:
    out: dict[DecisionClass, int] = {}
    for index, n in sim.tally.by_class(run).items():
        cls = sim.tally.classes[run][index]
        if cls.platform == platform:
            out[cls] = n
    return out


def test_presets_grant_what_the_preset_files_say(presets: Simulation) -> None:
    assert presets.names == ["open", "selective", "compromise"]
    open_, selective, compromise = 0, 1, 2
    # open: competitors' pages open without the warning, with what they registered, except
    # payment, which no rollout phase connects for competitors.
    alibaba_open = {
        c.capabilities for c in classes(presets, open_, "alibaba") if c.treatment == "rich_page"
    }
    assert alibaba_open == {("login", "share", "add_to_cart", "open_app")}
    for run in (selective, compromise):
        labels = {c.label for c in classes(presets, run, "alibaba")}
        assert "rich_page" not in labels and "plain_page+warn" in labels
    # compromise: partners get rich pages with the partner grant (JD registered all nine).
    jd = {c.capabilities for c in classes(presets, compromise, "jd") if c.treatment == "rich_page"}
    assert jd == {
        (
            "login",
            "share",
            "like",
            "add_to_cart",
            "open_app",
            "payment",
            "qr_code",
            "mini_program",
            "mall",
        )
    }
    # selective: partners open as mini-programs where they have one (JD item pages), else
    # as plain pages; the mini-program keeps only the selective partner grant.
    jd_selective = classes(presets, selective, "jd")
    assert {c.treatment for c in jd_selective} >= {"mini_program", "plain_page"}
    assert "rich_page" not in {c.treatment for c in jd_selective}
    assert {c.capabilities for c in jd_selective if c.treatment == "mini_program"} == {
        ("login", "share", "add_to_cart", "payment", "mini_program")
    }
    assert all(c.link_kind == "commerce" for c in jd_selective if c.treatment == "mini_program")
    # neutral: open grants what Zhihu registered; compromise leaves out open_app.
    for run, caps in (
        (open_, ("login", "share", "like", "open_app")),
        (compromise, ("login", "share", "like")),
    ):
        assert {
            c.capabilities for c in classes(presets, run, "zhihu") if c.treatment == "rich_page"
        } == {caps}


def test_who_gains_what(presets: Simulation) -> None:
    rows = {row["tier"]: row for row in comparison(presets, "tier")}
    competitor = rows["competitor"]
    warned = competitor["compromise"]["warned"]
    assert warned > 0
    # The same shares open; under open without the warning (1.0 instead of 0.7 per share).
    assert competitor["open"]["treatments"]["rich_page"] == warned
    assert competitor["open"]["expected_opens"] - competitor["compromise"][
        "expected_opens"
    ] == pytest.approx(0.3 * warned, abs=0.01)
    assert competitor["selective"]["expected_opens"] == competitor["compromise"]["expected_opens"]
    assert (
        competitor["open"]["capability_grants"] > 0 == competitor["compromise"]["capability_grants"]
    )
    partner = rows["partner"]
    assert partner["open"] == partner["compromise"]
    assert partner["selective"]["grants_per_share"] < partner["compromise"]["grants_per_share"] / 5
    assert partner["selective"]["expected_opens"] == partner["compromise"]["expected_opens"]
    neutral = rows["neutral"]
    assert neutral["open"]["grants_per_share"] > neutral["compromise"]["grants_per_share"] > 0
    assert neutral["selective"]["capability_grants"] == 0
    assert (
        rows["first_party"]["open"]
        == rows["first_party"]["compromise"]
        == rows["first_party"]["selective"]
    )
    lines = headline(presets)
    assert any(line.startswith("competitor") and "gains most under open" in line for line in lines)
    assert any(
        line.startswith("first_party") and "the same under every policy" in line for line in lines
    )
