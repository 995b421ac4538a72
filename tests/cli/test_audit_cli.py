"""``linkgate audit verify`` finds an edited or removed row."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import AuditLog


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linkgate", "audit", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_verify_passes_then_finds_edits_and_removals(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    log = AuditLog(engine)
    for i in range(5):
        log.append("op", "block.create", f"blk_{i}", {"i": i})
    ok = run("verify", "--database", url)
    assert ok.returncode == 0, ok.stderr
    assert "5 entries" in ok.stderr
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET target = 'blk_x' WHERE seq = 2"))
        conn.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    bad = run("verify", "--database", url)
    assert bad.returncode == 1
    assert "edited at seq 2" in bad.stdout
    assert "removed at seq 4" in bad.stdout
    tail = run("tail", "--database", url, "--limit", "2")
    assert tail.returncode == 0 and tail.stdout.count("\n") == 2
    engine.dispose()
