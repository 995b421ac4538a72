"""``linkgate enforcement list`` and ``lift`` on a real SQLite store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from linkgate.runtime import Runtime
from linkgate.settings import Settings
from linkgate.storage.transactions import write_transaction


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LINKGATE_HOME": str(home), "LINKGATE_PSEUDONYM_KEY": "cli-test"}
    return subprocess.run(
        [sys.executable, "-m", "linkgate", "enforcement", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_list_and_lift(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.sqlite'}"
    runtime = Runtime(
        Settings(
            database_url=url,
            pseudonym_key="cli-test",
            secret_keys="k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY;active=k1",
        )
    )
    accounts = runtime.accounts
    with write_transaction(runtime.engine) as conn:
        accounts.store.add(
            conn,
            {
                "id": "act_1",
                "account_hash": accounts.key("spammer"),
                "action": "restrict_links",
                "rung": 2,
                "reason": "40 distinct recipients of one link in 10m (limit 30)",
                "evidence": {"link_recipients/10m": 40},
                "created_at": datetime.now(UTC),
                "created_by": "linkgate",
                "expires_at": datetime.now(UTC) + timedelta(days=1),
                "lifted_at": None,
                "lifted_by": None,
                "lift_reason": None,
            },
        )
    runtime.close()
    listed = run(tmp_path, "list", "--account", "spammer", "--json", "--database", url)
    assert listed.returncode == 0, listed.stderr
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["action"] == "restrict_links" and row["active"] is True
    lifted = run(tmp_path, "lift", "spammer", "act_1", "--reason", "mistake", "--database", url)
    assert lifted.returncode == 0, lifted.stderr
    again = run(tmp_path, "lift", "spammer", "act_1", "--reason", "x", "--database", url)
    assert again.returncode == 1
    assert again.stderr.strip().startswith("linkgate: error:") and "already lifted" in again.stderr
    active = run(tmp_path, "list", "--active", "--json", "--database", url)
    assert active.stdout.strip() == ""
