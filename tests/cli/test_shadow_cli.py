"""``linkgate policy shadow REV|--stop`` sets the shadow in the store, audited."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from linkgate.policy.loader import default_policy_path
from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import AuditLog, PolicyStore
from linkgate.storage.shadow import ShadowStore


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linkgate", "policy", "shadow", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_shadow_start_stop_and_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    text = default_policy_path().read_text(encoding="utf-8")
    PolicyStore(engine).add("abc123", "default", text, "compromise", "ops")
    started = run("abc123", "--by", "ana", "--database", url)
    assert started.returncode == 0, started.stderr
    assert "abc123 in shadow" in started.stdout
    setting = ShadowStore(engine).get()
    assert setting is not None and setting.revision == "abc123"
    assert setting.started_by == "cli:ana"
    stopped = run("--stop", "--by", "ana", "--database", url)
    assert stopped.returncode == 0, stopped.stderr
    assert ShadowStore(engine).get() is None
    actions = [(e.actor, e.action, e.target) for e in AuditLog(engine).page(0, 10)]
    assert actions == [
        ("cli:ana", "policy.shadow.start", "abc123"),
        ("cli:ana", "policy.shadow.stop", "abc123"),
    ]
    for args, fragment in (
        (("--stop",), "no policy revision is in shadow"),
        (("nope",), "no policy revision 'nope'"),
        ((), "give a revision"),
        (("abc123", "--stop"), "give a revision"),
    ):
        failed = run(*args, "--database", url)
        assert failed.returncode == 2, failed
        assert failed.stderr.startswith("linkgate: error: ") and fragment in failed.stderr
        assert failed.stderr.strip().count("\n") == 0
    assert len(AuditLog(engine).page(0, 10)) == 2
