"""``linkgate lists`` and ``linkgate preview`` commands; running servers picking lists up."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkgate.cli.main import main
from linkgate.runtime import Runtime
from linkgate.settings import Settings
from tests.preview.pages import page_server
from tests.services import redis_url_or_skip

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"
URLHAUS = TESTDATA / "urlhaus-sample.csv"
LISTED = "http://117.209.87.242:60905/bin.sh"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'linkgate.sqlite'}"


def test_import_list_remove(capsys: pytest.CaptureFixture[str], database: str) -> None:
    code, out, err = run(
        capsys, "lists", "import", str(URLHAUS), "--format", "urlhaus", "--category", "malware",
        "--expires", "30d", "--database", database, "--json",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["list"] == "urlhaus-sample.csv"
    assert report["entries"] == {"expression": 2887} and report["duplicates"] == 113
    code, out, _ = run(capsys, "lists", "list", "--json", "--database", database)
    (listed,) = [json.loads(line) for line in out.splitlines()]
    assert listed["entries"] == 2887 and listed["active"] and listed["category"] == "malware"
    assert run(capsys, "lists", "remove", "urlhaus-sample.csv", "--database", database)[0] == 0
    assert run(capsys, "lists", "list", "--json", "--database", database)[1] == ""


def test_malformed_lines_are_counted_not_fatal(
    capsys: pytest.CaptureFixture[str], database: str, tmp_path: Path
) -> None:
    feed = tmp_path / "hosts"
    feed.write_bytes(
        b"0.0.0.0 evil.top\n0.0.0.0 \xff\xfe.bad\nnot a hosts line\n0.0.0.0 github.io\n"
    )
    code, _out, err = run(
        capsys, "lists", "import", str(feed), "--format", "hosts", "--category", "malware",
        "--database", database,
    )  # fmt: skip
    assert code == 0, err
    assert "1 entries" in err
    assert "malformed_row 1" in err and "not_a_domain 1" in err and "public_suffix 1" in err
    assert "line 2: not_a_domain: 0.0.0.0 \\xff\\xfe.bad" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--format", "urlhaus", "--category", "malware"], "cannot read"),
        ([str(URLHAUS), "--format", "csv", "--category", "malware"], "unknown feed format"),
        ([str(URLHAUS), "--format", "urlhaus", "--category", "Mal ware"], "category"),
        (
            [str(URLHAUS), "--format", "urlhaus", "--category", "malware", "--expires", "soon"],
            "--expires",
        ),
        (
            [
                str(URLHAUS),
                "--format",
                "urlhaus",
                "--category",
                "malware",
                "--expires",
                "2001-01-01",
            ],
            "already passed",
        ),
    ],
)
def test_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], database: str, args: list[str], message: str
) -> None:
    code, _out, err = run(capsys, "lists", "import", *args, "--database", database)
    assert code == 2
    assert err.startswith("linkgate: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert run(capsys, "lists", "list", "--json", "--database", database)[1] == ""


def test_remove_unknown_list(capsys: pytest.CaptureFixture[str], database: str) -> None:
    code, _, err = run(capsys, "lists", "remove", "nope", "--database", database)
    assert code == 1 and err.strip() == "linkgate: error: no threat list named 'nope'"


def _runtime(database: str, **overrides: object) -> Runtime:
    settings = Settings(
        database_url=database,
        secret_keys="k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY;active=k1",
        pseudonym_key="test",
        # The namespace the CLI under test reads from the environment (tests/conftest.py).
        redis_namespace=Settings.from_env().redis_namespace,
    ).with_overrides(**overrides)
    return Runtime(settings)


def test_a_running_server_picks_up_an_import_by_polling(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    runtime = _runtime(database, reload_poll_seconds=0.2)
    runtime.start()
    try:
        before = runtime.gateway.decide(LISTED, channel="private_chat")
        assert before.treatment != "blocked" and "threat_list" not in before.reasons
        assert run(
            capsys, "lists", "import", str(URLHAUS), "--format", "urlhaus",
            "--category", "malware", "--database", database,
        )[0] == 0  # fmt: skip
        assert _wait(lambda: "threat_list" in _reasons(runtime), seconds=5)
        after = runtime.gateway.decide(LISTED, channel="private_chat")
        assert after.treatment == "blocked" and after.category == "malware"
        assert run(capsys, "lists", "remove", "urlhaus-sample.csv", "--database", database)[0] == 0
        assert _wait(lambda: "threat_list" not in _reasons(runtime), seconds=5)
    finally:
        runtime.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    yield redis_url_or_skip()


def test_redis_tells_a_running_server_at_once(
    capsys: pytest.CaptureFixture[str], database: str, redis_url: str
) -> None:
    # Polling is slowed to a minute: only the Redis notice can explain a quick reload.
    runtime = _runtime(database, reload_poll_seconds=60.0, redis_url=redis_url)
    runtime.start()
    try:
        assert _wait(lambda: runtime.redis_ok, seconds=5)
        time.sleep(0.7)  # the listener has subscribed
        started = time.monotonic()
        code, _, err = run(
            capsys, "lists", "import", str(URLHAUS), "--format", "urlhaus", "--category",
            "malware", "--name", f"urlhaus-{secrets.token_hex(3)}", "--database", database,
            "--redis", redis_url,
        )  # fmt: skip
        assert code == 0 and "replicas notified through Redis" in err
        assert _wait(lambda: "threat_list" in _reasons(runtime), seconds=5)
        assert time.monotonic() - started < 10
    finally:
        runtime.close()


def _reasons(runtime: Runtime) -> tuple[str, ...]:
    return runtime.gateway.decide(LISTED, channel="private_chat").reasons


def _wait(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_preview_fetch_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    with page_server() as pages:
        code, out, err = run(
            capsys, "preview", "fetch", f"{pages.base}/gbk", "--allow-host", pages.allow
        )
        assert code == 0, err
        assert json.loads(out)["title"] == "京东商城 - 正品低价"
        code, out, err = run(capsys, "preview", "fetch", f"{pages.base}/page")
        assert code == 1 and out == ""
        assert err.startswith("linkgate: error: preview refused (private_address)")
        assert [h.path for h in pages.hits] == ["/gbk"]
