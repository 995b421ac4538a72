"""The reports: JSON whose figures add up, self-contained HTML with its charts."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from linkgate.facts import Inspector
from linkgate.policy.loader import load_policy
from linkgate.simulator.parity import Parity
from linkgate.simulator.parity_report import parity_html, print_parity
from linkgate.simulator.replay import PolicyRun
from linkgate.simulator.report import print_simulation, simulation_html, simulation_json
from linkgate.simulator.results import Simulation
from linkgate.simulator.simulate import preset_runs, simulate_file
from linkgate.vocabulary import INTERSTITIALS, TREATMENTS

IMAGE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)">')


@pytest.fixture(scope="module")
def single(week_file: Path, inspector: Inspector) -> Simulation:
    return simulate_file(week_file, [PolicyRun.of("A", load_policy())], inspector)


@pytest.fixture(scope="module")
def presets(week_file: Path, inspector: Inspector) -> Simulation:
    return simulate_file(week_file, preset_runs(), inspector)


def images(html: str) -> dict[str, bytes]:
    return {alt: base64.b64decode(data) for data, alt in IMAGE.findall(html)}


def assert_self_contained(html: str) -> None:
    assert html.startswith("<!doctype html>")
    assert html.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html
    assert "<link" not in html


def test_json_figures_add_up(single: Simulation) -> None:
    data = simulation_json(single)
    result = data["results"]["A"]
    total = result["total"]
    events = data["traffic"]["events"]
    assert total["shares"] == events == sum(c["shares"] for c in result["cells"])
    assert sum(total["treatments"].values()) == events
    assert set(total["treatments"]) == set(TREATMENTS)
    assert set(total["interstitials"]) == set(INTERSTITIALS)
    rates = data["policies"][0]["funnel"]["continue"]
    expected = sum(total["interstitials"][i] * rates[i] for i in INTERSTITIALS)
    assert total["expected_opens"] == pytest.approx(expected, abs=0.01)
    assert sum(total["blocked_by_reason"].values()) == total["treatments"]["blocked"]
    assert sum(total["copy_only_by_reason"].values()) == total["treatments"]["copy_only"]
    for group in ("tiers", "platforms", "channels", "days"):
        assert sum(row["shares"] for row in result[group]) == events
    assert sum(data["traffic"]["shares_by_hour"]) == events
    assert data["traffic"]["malformed_lines"] == 0
    assert [d["day"] for d in result["days"]] == [f"2021-09-{d}" for d in range(15, 22)]


def test_simulation_html_is_self_contained_with_its_charts(single: Simulation) -> None:
    html = simulation_html(single)
    assert_self_contained(html)
    found = images(html)
    assert set(found) >= {
        "Shares by hour of day",
        "Expected opens per platform",
        "Treatments per platform — A",
        "Expected opens per day",
        "Capability grants per tier",
        "Blocked and copy-only by reason — A",
    }
    for png in found.values():
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(png) > 2000
    assert "Policy simulation: A" in html
    assert "alibaba" in html and "rollout_closed" in html


def test_presets_html_shows_who_gains_what(presets: Simulation) -> None:
    html = simulation_html(presets)
    assert_self_contained(html)
    assert "Who gains what" in html
    assert {f"Treatments per platform — {n}" for n in ("open", "selective", "compromise")} <= set(
        images(html)
    )


def test_parity_html_names_the_rules(single: Simulation) -> None:
    html = parity_html(Parity(single))
    assert_self_contained(html)
    found = images(html)
    assert {"Treatments per tier — credit band unscored", "Largest disparities"} <= set(found)
    assert "tiers.competitor" in html and "rollout.closed" in html


def test_terminal_reports_render(single: Simulation, presets: Simulation) -> None:
    out = io.StringIO()
    console = Console(file=out, width=240)
    print_simulation(single, console)
    print_simulation(presets, console)
    print_parity(Parity(single), console)
    text = out.getvalue()
    assert "per platform × channel" in text
    assert "who gains what, per tier" in text
    assert "disparities flagged" in text
    assert "compromise.yaml" in text
