"""The CLI contract of ``traffic generate``, ``simulate`` and ``report parity``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.simulator.conftest import default_text, run_cli, write_policy

Capsys = pytest.CaptureFixture[str]


def one_line_error(err: str, *fragments: str) -> None:
    assert err.startswith("linkgate: error: ")
    assert err.strip().count("\n") == 0, err
    for fragment in fragments:
        assert fragment in err


def generate(capsys: Capsys, out: Path, *extra: str) -> None:
    code, _, err = run_cli(
        capsys,
        "traffic",
        "generate",
        "--days",
        "2",
        "--shares-per-day",
        "500",
        "--out",
        str(out),
        *extra,
    )
    assert code == 0, err
    assert f"wrote 1,000 share events to {out}" in err


def test_generate_is_byte_identical_for_a_seed(tmp_path: Path, capsys: Capsys) -> None:
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    generate(capsys, a, "--seed", "9")
    generate(capsys, b, "--seed", "9")
    generate(capsys, c, "--seed", "10")
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    lines = a.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1000
    first = json.loads(lines[0])
    assert list(first) == ["time", "url", "channel", "sender", "group", "title"]
    assert first["time"].startswith("2021-09-15T")


def test_generate_to_stdout_and_from_another_start(capsys: Capsys) -> None:
    code, out, _ = run_cli(
        capsys,
        "traffic",
        "generate",
        "--days",
        "1",
        "--shares-per-day",
        "50",
        "--start",
        "2021-11-29",
        "--out",
        "-",
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 50
    assert all(r["time"].startswith("2021-11-29T") and r["time"].endswith("+08:00") for r in rows)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--days", "0"), "days must be between 1 and"),
        (("--shares-per-day", "-5"), "shares per day must be between 1 and"),
        (("--start", "soon"), "not an ISO 8601 date or time"),
        (("--start", "2021-09-15T00:00:00"), "has no UTC offset"),
    ],
)
def test_generate_rejects_bad_options(
    tmp_path: Path, capsys: Capsys, args: tuple[str, ...], fragment: str
) -> None:
    code, _, err = run_cli(capsys, "traffic", "generate", "--out", str(tmp_path / "x"), *args)
    assert code == 2
    one_line_error(err, fragment)
    assert not (tmp_path / "x").exists()


def test_generate_cannot_write(tmp_path: Path, capsys: Capsys) -> None:
    code, _, err = run_cli(capsys, "traffic", "generate", "--days", "1", "--out", str(tmp_path))
    assert code == 2
    one_line_error(err, f"cannot write {tmp_path}")


def test_simulate_a_against_b_writes_json_and_html(
    days_file: Path, tmp_path: Path, capsys: Capsys
) -> None:
    moved = write_policy(
        tmp_path / "moved.yaml",
        default_text().replace("2021-09-17T00:00:00+08:00", "2021-09-18T00:00:00+08:00"),
    )
    report, page = tmp_path / "r.json", tmp_path / "r.html"
    code, out, _ = run_cli(
        capsys,
        "simulate",
        str(days_file),
        "--against",
        str(moved),
        "--json",
        str(report),
        "--html",
        str(page),
    )
    assert code == 0
    assert "A → B: per platform × channel" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert [p["name"] for p in data["policies"]] == ["A", "B"]
    assert data["diff"]["changed"] > 0
    assert data["diff"]["changed"] == sum(c["changed"] for c in data["diff"]["cells"])
    assert page.read_text(encoding="utf-8").count("data:image/png;base64,") >= 6


def test_simulate_presets(days_file: Path, tmp_path: Path, capsys: Capsys) -> None:
    report = tmp_path / "p.json"
    code, out, _ = run_cli(capsys, "simulate", str(days_file), "--presets", "--json", str(report))
    assert code == 0
    assert "who gains what, per tier" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert [p["preset"] for p in data["policies"]] == ["open", "selective", "compromise"]
    assert len(data["headline"]) == 5


def test_malformed_lines_are_counted_or_fatal(tmp_path: Path, capsys: Capsys) -> None:
    good = (
        '{"time":"2021-09-18T10:00:00+08:00","url":"https://item.jd.com/1.html",'
        '"channel":"private_chat","sender":"u1","group":null,"title":"t"}'
    )
    path = tmp_path / "t.jsonl"
    path.write_text(f"{good}\n{good.replace('private_chat', 'sms')}\n{good}\n", encoding="utf-8")
    report = tmp_path / "r.json"
    code, out, _ = run_cli(capsys, "simulate", str(path), "--json", str(report))
    assert code == 0
    assert "1 malformed line(s) skipped" in out
    assert f"{path}:2: channel: Input should be" in out
    data = json.loads(report.read_text(encoding="utf-8"))["traffic"]
    assert (data["events"], data["malformed_lines"]) == (2, 1)
    assert data["problems"][0]["line"] == 2
    code, _, err = run_cli(capsys, "simulate", str(path), "--strict")
    assert code == 1
    one_line_error(err, f"{path}:2: channel: ")


def test_simulate_one_line_errors(days_file: Path, tmp_path: Path, capsys: Capsys) -> None:
    code, _, err = run_cli(capsys, "simulate", str(tmp_path / "none.jsonl"))
    assert code == 2
    one_line_error(err, "cannot read")
    bad = write_policy(
        tmp_path / "bad.yaml", default_text().replace("preset: compromise", "preset: closed")
    )
    code, _, err = run_cli(capsys, "simulate", str(days_file), "--policy", str(bad))
    assert code == 1
    one_line_error(err, f"{bad}:", "'closed' is not allowed")
    code, _, err = run_cli(capsys, "simulate", str(days_file), "--presets", "--against", str(bad))
    assert code == 2
    one_line_error(err, "--against or --presets, not both")
    credit = tmp_path / "credit.yaml"
    credit.write_text("jd: 95\ntaobao: 70\nalibaba: lots\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "simulate", str(days_file), "--credit", str(credit))
    assert code == 1
    one_line_error(err, f"{credit}:2:1: taobao: unknown platform 'taobao'", "(and 1 more)")
    code, _, err = run_cli(capsys, "simulate", str(days_file), "--json", str(tmp_path))
    assert code == 2
    one_line_error(err, f"cannot write {tmp_path}")


def test_report_parity(days_file: Path, tmp_path: Path, capsys: Capsys) -> None:
    credit = tmp_path / "credit.json"
    credit.write_text('{"alibaba": 72, "jd": 95}', encoding="utf-8")
    report, page = tmp_path / "parity.json", tmp_path / "parity.html"
    code, out, _ = run_cli(
        capsys,
        "report",
        "parity",
        str(days_file),
        "--credit",
        str(credit),
        "--json",
        str(report),
        "--html",
        str(page),
    )
    assert code == 0
    assert "disparities flagged" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["credit"]["alibaba"] == {"score": 72.0, "band": "warned"}
    assert data["disparities"]
    assert all(d["distance"] > data["threshold"] for d in data["disparities"])
    assert "Largest disparities" in page.read_text(encoding="utf-8")
    code, _, err = run_cli(capsys, "report", "parity", str(days_file), "--threshold", "1.5")
    assert code == 2
    one_line_error(err, "--threshold must be between 0 and 1")
    code, _, err = run_cli(capsys, "report", "parity", str(days_file), "--min-shares", "0")
    assert code == 2
    one_line_error(err, "--min-shares must be at least 1")


def test_empty_traffic_still_reports(tmp_path: Path, capsys: Capsys) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    page = tmp_path / "e.html"
    code, out, _ = run_cli(capsys, "simulate", str(empty), "--presets", "--html", str(page))
    assert code == 0
    assert "0 share events" in out
    assert page.read_text(encoding="utf-8").startswith("<!doctype html>")
    code, out, _ = run_cli(capsys, "report", "parity", str(empty))
    assert code == 0
    assert "0 disparities flagged" in out


def test_titles_are_classified_unless_asked_not_to(
    days_file: Path, tmp_path: Path, capsys: Capsys
) -> None:
    reasons = {}
    for flag in ("--content", "--no-content"):
        report = tmp_path / f"{flag}.json"
        code, _, _ = run_cli(capsys, "simulate", str(days_file), flag, "--json", str(report))
        assert code == 0
        total = json.loads(report.read_text(encoding="utf-8"))["results"]["A"]["total"]
        reasons[flag] = {**total["blocked_by_reason"], **total["copy_only_by_reason"]}
    assert reasons["--content"].get("fake_red_envelope", 0) > 0
    assert reasons["--content"].get("induced_sharing", 0) > 0
    assert not {"fake_red_envelope", "induced_sharing"} & set(reasons["--no-content"])
