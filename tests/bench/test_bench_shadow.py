"""``bench.shadow`` runs end to end and every shadowed request is logged."""

from __future__ import annotations

import json
from pathlib import Path

from bench import shadow


def test_shadow_bench_reports_ratios_to_live(tmp_path: Path) -> None:
    out = tmp_path / "shadow.json"
    assert shadow.main(["--n", "300", "--repeat", "2", "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    subjects = report["subjects"]
    assert set(subjects) == {"live", "live + shadow, request path", "live + shadow, drained"}
    assert subjects["live"]["ratio"] == 1.0
    for figures in subjects.values():
        assert figures["per_s"] == 300 / figures["seconds"]
    assert (
        subjects["live + shadow, drained"]["seconds"]
        >= subjects["live + shadow, request path"]["seconds"]
    )
    # The warm-up pass and two timed passes, every request decided in shadow and logged.
    assert report["shadow_logged"] == 300 * 3
    assert report["shadow_dropped"] == 0
