"""Secrets never reach the logs; personal ids never reach the store in clear.

Logs are captured in process (every logger at DEBUG, plus stdout/stderr) and
from a real ``linkgate serve`` process at ``--log-level debug``, while
requests carry API keys (valid, revoked, wrong), console passwords (right and
wrong), shim tokens and continue nonces. Then every table of the store is
searched for the sender, viewer, recipient, group and reporter ids used.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import inspect, text

from linkgate.storage.console_users import ConsoleUserStore
from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import KeyStore
from linkgate.web.console.passwords import hash_password
from tests.api.conftest import Api
from tests.service.servers import SECRET_KEYS, free_port

PASSWORD = "horse-battery-staple-9417"
WRONG_PASSWORD = "staple-battery-horse-1749"
TAOBAO = "https://item.taobao.com/item.htm?id=6543210987"
CLIENT_LOGGERS = ("httpx", "httpcore")
IDS = {
    "sender": "sender-alice-5501",
    "viewer": "viewer-bob-5502",
    "recipient": "recipient-carol-5503",
    "group": "group-dragons-5504",
}


def exercise(client: httpx.Client, keys: dict[str, str], revoked: str) -> list[str]:
    """Requests carrying every kind of secret; the secrets that were sent."""
    secrets_sent = [*keys.values(), revoked, PASSWORD, WRONG_PASSWORD]
    integrator = {"Authorization": f"Bearer {keys['integrator']}"}
    for key in (revoked, keys["integrator"][:-3] + "zzz", "lg_not_a_key"):
        client.post("/v1/decisions", json={}, headers={"Authorization": f"Bearer {key}"})
    client.post("/v1/decisions", content=b"{not json", headers=integrator)
    decided = client.post(
        "/v1/decisions",
        json={"url": TAOBAO, "channel": "group_chat", **IDS},
        headers=integrator,
    )
    assert decided.status_code == 200, decided.text
    shim = urlsplit(decided.json()["shim_url"]).path
    token = shim.removeprefix("/l/")
    page = client.get(shim)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
    if nonce is not None:
        secrets_sent.append(nonce.group(1))
        client.post(f"{shim}/continue", data={"nonce": nonce.group(1)}, follow_redirects=False)
    client.get(shim[:-4] + "AAAA")
    secrets_sent.append(token)
    for password in (WRONG_PASSWORD, PASSWORD):
        login = client.get("/console/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login)
        assert csrf is not None
        client.post(
            "/console/login",
            data={"csrf_token": csrf.group(1), "username": "root", "password": password},
        )
    return secrets_sent


def test_secrets_stay_out_of_the_logs_in_process(
    api: Api, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    api.runtime.stores.users.create("root", hash_password(PASSWORD), "admin")
    revoked_id, revoked = api.runtime.stores.keys.create("integrator")
    api.runtime.stores.keys.revoke(revoked_id)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("linkgate.probe").debug("capture works")
        sent = exercise(api.client, api.keys, revoked)  # type: ignore[arg-type]
    out, err = capfd.readouterr()
    # The server side's records (the test's own HTTP client logs the URLs it requests).
    server_side = [r for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server_side)
    logged += out + err
    assert "capture works" in logged
    for secret in sent:
        assert secret not in logged, secret[:12]
    audit = repr(
        [(e.actor, e.action, e.target, e.data) for e in api.runtime.stores.audit.entries()]
    )
    for secret in sent:
        assert secret not in audit, secret[:12]


def test_secrets_stay_out_of_a_real_servers_log(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/linkgate.sqlite"
    upgrade(database)
    engine = make_engine(database)
    store = KeyStore(engine)
    keys = {
        role: store.create(role, "jd" if role == "platform" else None)[1]
        for role in ("integrator", "admin", "platform")
    }
    revoked_id, revoked = store.create("integrator")
    store.revoke(revoked_id)
    ConsoleUserStore(engine).create("root", hash_password(PASSWORD), "admin")
    port = free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "LINKGATE_HOME": str(tmp_path),
        "LINKGATE_SECRET_KEYS": SECRET_KEYS,
        "LINKGATE_PSEUDONYM_KEY": "log-test",
        "LINKGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    command = [sys.executable, "-m", "linkgate", "serve", "--port", str(port)]
    command += ["--database", database, "--log-level", "debug"]
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "the server never became ready"
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=10) as client:
            sent = exercise(client, keys, revoked)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    logged = log.read_text(errors="replace")
    assert "Uvicorn running" in logged or "Application startup complete" in logged, logged[-500:]
    for secret in sent:
        assert secret not in logged, secret[:12]


def test_decision_logs_and_records_hold_pseudonyms_only(api: Api) -> None:
    integrator = api.headers("integrator")
    for channel in ("group_chat", "private_chat"):
        body = {"url": TAOBAO, "channel": channel, **IDS}
        assert api.client.post("/v1/decisions", json=body, headers=integrator).status_code == 200
    batch = {"items": [{"url": TAOBAO, "channel": "group_chat", **IDS}]}
    assert api.client.post("/v1/decisions:batch", json=batch, headers=integrator).status_code == 200
    report = {
        "url": TAOBAO,
        "category": "fraud",
        "reporter": IDS["viewer"],
        "group": IDS["group"],
        "reporter_inviter": IDS["sender"],
    }
    assert api.client.post("/v1/reports", json=report, headers=integrator).status_code == 201
    pseudonyms = {name: api.runtime.pseudonym(value) for name, value in IDS.items()}
    deadline = time.monotonic() + 10
    while True:
        rows = _all_rows(api)
        if pseudonyms["sender"] in rows and rows.count(pseudonyms["sender"]) >= 3:
            break
        assert time.monotonic() < deadline, "decision events were never written"
        time.sleep(0.1)
    assert pseudonyms["viewer"] in rows and pseudonyms["group"] in rows
    for name, value in IDS.items():
        assert value not in rows, f"the {name} id is stored in clear"


def _all_rows(api: Api) -> str:
    with api.runtime.engine.connect() as conn:
        return "\n".join(
            repr(conn.execute(text(f'SELECT * FROM "{table}"')).fetchall())
            for table in inspect(conn).get_table_names()
        )
