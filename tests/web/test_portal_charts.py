"""The portal's charts: grouped bars and lines (server-side SVG)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from linkgate.web.charts import Line, Series, grouped_bars, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_grouped_bars_stand_side_by_side() -> None:
    svg = grouped_bars(
        ["private_chat", "group_chat"],
        [Series("shares", "#111", [4, 0]), Series("opens", "#222", [2, 3])],
        title="Shares & opens",
    )
    root = ET.fromstring(str(svg))
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    drawn = {(b.get("data-bucket"), b.get("data-series")): b for b in bars}
    assert {k: int(v.get("data-value") or -1) for k, v in drawn.items()} == {
        ("private_chat", "shares"): 4,
        ("private_chat", "opens"): 2,
        ("group_chat", "shares"): 0,
        ("group_chat", "opens"): 3,
    }
    shares, opens = drawn[("private_chat", "shares")], drawn[("private_chat", "opens")]
    assert float(opens.get("x") or 0) > float(shares.get("x") or 0)
    assert float(shares.get("height") or 0) == 2 * float(opens.get("height") or 0)
    assert root.find(f".//{SVG}text[@class='empty']") is None


def test_lines_break_where_there_is_no_value() -> None:
    svg = line_chart(
        ["d1", "d2", "d3", "d4"],
        [Line("continue rate", "#fa9d3b", [0.5, None, 0.25, 1.0])],
        title="rate",
        top_value=1.0,
        percent=True,
    )
    root = ET.fromstring(str(svg))
    points = root.findall(f".//{SVG}circle[@class='point']")
    assert [p.get("data-bucket") for p in points] == ["d1", "d3", "d4"]
    assert points[0].findtext(f"{SVG}title") == "d1 · continue rate: 50%"
    lines = root.findall(f".//{SVG}polyline[@class='line']")
    assert [len((line.get("points") or "").split()) for line in lines] == [1, 2]
    labels = [t.text for t in root.findall(f".//{SVG}text")]
    assert "100%" in labels and "0%" in labels


def test_empty_charts_say_so() -> None:
    svg = line_chart(["d1"], [Line("x", "#000", [None])], title="t", empty="nobody saw it")
    assert "nobody saw it" in str(svg)
    bars = grouped_bars(["a"], [Series("s", "#000", [0])], title="t", empty="nothing here")
    assert "nothing here" in str(bars)
