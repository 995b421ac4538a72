"""Server-side SVG charts: every value drawn, escaped text, sensible axes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from linkgate.web.charts import (
    Bar,
    Series,
    Span,
    Threshold,
    bars,
    line,
    nice_ceiling,
    stacked_bars,
    timeline,
)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (24, 25), (26, 50), (999, 1000)],
)
def test_nice_ceiling(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == ceiling


def test_stacked_bars_draw_each_value_once() -> None:
    svg = stacked_bars(
        ["a", "b", "c"],
        [Series("blocked", "#f00", [1, 0, 4]), Series("plain_page", "#00f", [2, 3, 0])],
        title="Decisions <by> treatment",
    )
    root = ET.fromstring(str(svg))
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    drawn = sorted((b.get("data-bucket"), b.get("data-series"), b.get("data-value")) for b in bars)
    assert drawn == [
        ("a", "blocked", "1"),
        ("a", "plain_page", "2"),
        ("b", "plain_page", "3"),
        ("c", "blocked", "4"),
    ]
    assert root.get("aria-label") == "Decisions <by> treatment"
    heights = {b.get("data-value"): float(b.get("height") or 0) for b in bars}
    assert heights["4"] == pytest.approx(4 * heights["1"], rel=1e-3)
    assert not root.findall(f".//{SVG}text[@class='empty']")


def test_an_empty_period_says_so() -> None:
    svg = stacked_bars(["a"], [Series("blocked", "#f00", [0])], title="t", empty="nothing here")
    root = ET.fromstring(str(svg))
    assert root.findall(f".//{SVG}rect[@class='bar']") == []
    assert [t.text for t in root.findall(f".//{SVG}text[@class='empty']")] == ["nothing here"]


def test_timeline_rows_marks_and_now() -> None:
    now = datetime(2021, 10, 1, tzinfo=UTC)
    spans = [
        Span("baseline", datetime(2000, 1, 1, tzinfo=UTC), None),
        Span(
            "phase-1",
            datetime(2021, 9, 17, tzinfo=UTC),
            datetime(2021, 12, 1, tzinfo=UTC),
            marks=[(datetime(2021, 10, 15, tzinfo=UTC), "50%")],
        ),
    ]
    root = ET.fromstring(str(timeline(spans, now=now, title="rollout")))
    rects = root.findall(f".//{SVG}rect[@class='span']")
    assert [r.get("data-label") for r in rects] == ["baseline", "phase-1"]
    base, phase = (float(r.get("x") or 0) for r in rects)
    assert base < phase, "a start far in the past is clipped to the left edge"
    assert 20 < phase - base < 300, "the clipped start leaves room for the recent phases"
    assert len(root.findall(f".//{SVG}line[@class='now']")) == 1
    assert [t.text for t in root.findall(f".//{SVG}text[@class='mark']")] == ["50%"]
    ends = [float(r.get("x") or 0) + float(r.get("width") or 0) for r in rects]
    assert ends[1] < ends[0], "an ended phase stops before an open-ended one"


def test_timeline_without_phases() -> None:
    now = datetime(2021, 10, 1, tzinfo=UTC)
    root = ET.fromstring(str(timeline([], now=now - timedelta(0), title="none")))
    assert root.findall(f".//{SVG}rect[@class='span']") == []


def test_bars_are_proportional_and_labelled() -> None:
    svg = bars([Bar("fraud", 4), Bar("<spam>", 1, text="1 report")], title="Reports")
    root = ET.fromstring(str(svg))
    drawn = root.findall(f".//{SVG}rect[@class='bar']")
    assert [(b.get("data-label"), b.get("data-value")) for b in drawn] == [
        ("fraud", "4"),
        ("<spam>", "1"),
    ]
    widths = [float(b.get("width") or 0) for b in drawn]
    assert widths[0] == pytest.approx(4 * widths[1], rel=1e-3)
    assert "1 report" in "".join(root.itertext())
    empty = ET.fromstring(str(bars([], title="Nothing", empty="no reports")))
    assert empty.find(f".//{SVG}text[@class='empty']") is not None


def test_line_draws_every_point_and_each_threshold() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    points = [(start + timedelta(days=d), 100.0 - 10 * d) for d in range(4)]
    svg = line(points, title="Score", thresholds=[Threshold(90, "normal"), Threshold(60, "warned")])
    root = ET.fromstring(str(svg))
    circles = root.findall(f".//{SVG}circle[@class='point']")
    assert [c.get("data-value") for c in circles] == ["100", "90", "80", "70"]
    ys = [float(c.get("cy") or 0) for c in circles]
    assert ys == sorted(ys), "a falling score is drawn going down"
    lines = {
        t.get("data-label"): float(t.get("y1") or 0)
        for t in root.findall(f".//{SVG}line[@class='threshold']")
    }
    assert lines["normal"] == pytest.approx(ys[1], abs=0.11)
    assert lines["warned"] > ys[-1], "60 lies below the lowest point"
    empty = ET.fromstring(str(line([], title="Nothing", empty="no history")))
    assert empty.find(f".//{SVG}text[@class='empty']") is not None
