"""The CLI contract: JSON Lines in input order, one-line errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from linkgate.cli.main import main

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line]


FIELDS = {
    "input",
    "valid",
    "error",
    "canonical",
    "scheme",
    "host",
    "host_unicode",
    "registrable_domain",
    "is_ip",
    "platform",
    "link_kind",
    "signals",
    "deceptive",
}


def test_url_inspect_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "url", "inspect", "https://taobao.com@evil.top/", "m.tb.cn/h.abc123", "http://"
    )
    assert code == 0
    rows = jsonl(out)
    assert [r["input"] for r in rows] == [
        "https://taobao.com@evil.top/",
        "m.tb.cn/h.abc123",
        "http://",
    ]
    assert all(set(r) == FIELDS for r in rows)
    trick, short, bad = rows
    assert trick["registrable_domain"] == "evil.top" and trick["deceptive"] is True
    assert "userinfo" in trick["signals"]  # type: ignore[operator]
    assert short["platform"] == "alibaba" and short["link_kind"] == "short_link"
    assert short["scheme"] == "http" and short["host"] == "m.tb.cn"
    assert bad["valid"] is False and bad["error"] and bad["registrable_domain"] is None


def test_url_inspect_file_keeps_order_and_never_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = [
        "https://例子.中国/路径",
        "",
        "http://0x7f.1/",
        "javascript:alert(1)",
        "\x00\x01",
        "x" * 50000,
        "https://item.jd.com/100012043978.html",
    ]
    src = tmp_path / "in.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dst = tmp_path / "out.jsonl"
    code, out, _ = run(
        capsys, "url", "inspect", "--input", str(src), "--output", str(dst), "--expressions"
    )
    assert code == 0 and out == ""
    rows = jsonl(dst.read_text(encoding="utf-8"))
    assert [r["input"] for r in rows] == lines
    idn, empty, ip, js, ctrl, long, jd = rows
    assert idn["host"] == "xn--fsqu00a.xn--fiqs8s" and idn["host_unicode"] == "例子.中国"
    assert empty["valid"] is False
    assert ip["is_ip"] is True and ip["host"] == "127.0.0.1" and ip["registrable_domain"] is None
    assert "private_ip" in ip["signals"]  # type: ignore[operator]
    assert "dangerous_scheme" in js["signals"]  # type: ignore[operator]
    assert long["valid"] is False and long["error"] == "too_long"
    assert jd["platform"] == "jd" and jd["link_kind"] == "commerce"
    assert jd["expressions"] and all(len(p) == 8 for p in jd["hash_prefixes"])  # type: ignore[union-attr, arg-type]
    assert ctrl["valid"] in (True, False)


def test_text_links(capsys: pytest.CaptureFixture[str]) -> None:
    message = (
        "【淘宝】https://m.tb.cn/h.5mG3x0b?tk=AbC123 复制这条信息￥AbC123dEf45￥后打开👉手机淘宝👈"
    )
    code, out, _ = run(capsys, "text", "links", message, "看看 www.jd.com，很好。")
    assert code == 0
    rows = jsonl(out)
    assert [(r["message"], r["kind"], r["platform"]) for r in rows] == [
        (0, "url", "alibaba"),
        (0, "passcode", "alibaba"),
        (1, "url", "jd"),
    ]
    assert rows[1]["text"] == "￥AbC123dEf45￥"
    assert rows[2]["text"] == "www.jd.com"


def test_decide_prints_a_decision(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "decide",
        "https://item.taobao.com/item.htm?id=1",
        "--channel",
        "private_chat",
        "--at",
        "2021-10-01T12:00:00+08:00",
    )
    assert code == 0
    decision = json.loads(out)
    assert decision["treatment"] == "plain_page" and decision["interstitial"] == "warn"
    assert decision["reasons"] == ["competitor_platform"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("decide", "https://x.com", "--channel", "dm"), "channel"),
        (("decide", "https://x.com", "--channel", "private_chat", "--at", "soon"), "at"),
        (
            ("decide", "https://x.com", "--channel", "group_chat", "--group-setting", "x"),
            "group_setting",
        ),
        (("decide", "https://x.com"), "channel"),
        (("url", "inspect", "--input", "/nonexistent/file"), "cannot read"),
        (("decide", "--bogus"), "--bogus"),
    ],
)
def test_errors_are_one_line_with_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], needle: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err


def test_decide_input_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "requests.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"url": "https://item.jd.com/1.html", "channel": "moments"}),
                "not json",
                json.dumps(
                    {
                        "url": "https://item.jd.com/1.html",
                        "channel": "private_chat",
                        "group_setting": "deny",
                    }
                ),
                json.dumps(
                    {
                        "url": "https://v.douyin.com/x/",
                        "channel": "group_chat",
                        "at": "2021-01-01T00:00:00+08:00",
                    }
                ),
                json.dumps({"url": "x", "channel": "somewhere"}),
            ]
        ),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "decide", "--input", str(src))
    assert code == 0
    rows = jsonl(out)
    assert [r.get("treatment") for r in rows] == ["blocked", None, "rich_page", "copy_only", None]
    assert rows[1]["error"]["field"] == "line"  # type: ignore[index]
    assert rows[4]["error"]["field"] == "channel"  # type: ignore[index]


def test_policy_validate_reports_every_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "preset: compromize\n"
        "rollout:\n"
        "  closed: {treatment: copy_onli}\n"
        "  phases:\n"
        "    - id: p\n"
        "      start: 2021-09-17T00:00:00+08:00\n"
        "      platforms: {tiers: [enemy]}\n"
        "      channels: [dm]\n"
        "groups: {denied: {}, settings: {}, viewer_opt_out: {}}\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "policy", "validate", str(bad))
    assert code == 1
    lines = err.strip().splitlines()
    assert f"{bad}:1:9: preset:" in lines[0]
    joined = "\n".join(lines)
    for where in (
        ":3:23: rollout.closed.treatment",
        ":7:27: rollout.phases[0].platforms.tiers[0]",
        ":8:18: rollout.phases[0].channels[0]",
        "groups.settings",
    ):
        assert where in joined
    assert len(lines) >= 6


def test_policy_validate_prints_the_revision(capsys: pytest.CaptureFixture[str]) -> None:
    from linkgate.policy.loader import default_policy_path, load_policy

    path = default_policy_path()
    code, out, _ = run(capsys, "policy", "validate", str(path))
    assert code == 0
    assert out.strip() == f"{path}: ok, revision {load_policy(path).revision}"


def test_policy_timeline_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policy", "timeline")
    assert code == 0
    assert "phase-1-private-chat" in out and "phase-2-group-commerce" in out
    code, out, _ = run(
        capsys,
        "policy",
        "explain",
        "https://item.taobao.com/item.htm?id=1",
        "--channel",
        "group_chat",
        "--at",
        "2021-10-01T12:00:00+08:00",
    )
    assert code == 0
    assert "copy_only" in out and "rollout_closed" in out
    assert "would be better" in out and "2021-11-29" in out


def test_psl_update(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    code, _, err = run(capsys, "psl", "update", "--file", str(TESTDATA / "public_suffix_list.dat"))
    assert code == 0 and "installed" in err
    assert (tmp_path / "public_suffix_list.dat").exists()
    junk = tmp_path / "junk.dat"
    junk.write_text("<html>not a list</html>\n", encoding="utf-8")
    code, _, err = run(capsys, "psl", "update", "--file", str(junk))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_the_console_script_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "linkgate", "url", "inspect", "https://b23.tv/BV1xx"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = jsonl(proc.stdout)
    assert row["platform"] == "bilibili"
