"""``linkgate serve`` writes its decision log from a child process, and leaves none behind."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from linkgate.storage.engine import make_engine
from linkgate.storage.migrate import upgrade
from linkgate.storage.repos import KeyStore
from linkgate.storage.schema import DecisionEventRow
from tests.service.servers import Server, start_server

DECISIONS = 20


def _children(pid: int) -> dict[int, str]:
    """The processes whose parent is ``pid``, with their command lines."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            if parent == pid:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(entry.name)] = command.decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return found


def _gone(pid: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stat = Path(f"/proc/{pid}/stat")
        try:
            if stat.read_text().rpartition(")")[2].split()[0] == "Z":
                return True  # exited; its parent (the test's server) reaps it
        except OSError:
            return True
        time.sleep(0.05)
    return False


def _serve_and_decide(home: Path, env: dict[str, str] | None = None) -> Server:
    """A ``linkgate serve`` on a SQLite file that has decided and logged ``DECISIONS`` links.

    The server is left running (the caller stops it); if the log falls short it is stopped.
    """
    database = f"sqlite:///{home / 'serve.sqlite'}"
    upgrade(database)
    key = KeyStore(make_engine(database)).create("integrator")[1]
    server = start_server(home, database, env=env)
    try:
        for n in range(DECISIONS):
            answer = httpx.post(
                f"{server.url}/v1/decisions",
                json={"url": f"https://item.jd.com/{n}.html", "channel": "private_chat"},
                headers={"Authorization": f"Bearer {key}"},
                timeout=10,
            )
            assert answer.status_code == 200
        deadline = time.monotonic() + 30
        while _stored(database) < DECISIONS and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _stored(database) == DECISIONS
    except BaseException:
        server.stop()
        raise
    return server


def _stored(database: str) -> int:
    with make_engine(database).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(DecisionEventRow)).scalar_one())


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_the_log_is_written_by_a_child_that_ends_with_the_server(
    tmp_path: Path, stop: signal.Signals
) -> None:
    server = _serve_and_decide(tmp_path)
    try:
        writers = {
            pid: cmd
            for pid, cmd in _children(server.process.pid).items()
            if "linkgate.storage.event_process" in cmd
        }
        assert len(writers) == 1, _children(server.process.pid)
        (writer,) = writers
        events = httpx.get(f"{server.url}/readyz", timeout=5).json()["events"]
        assert (events["dropped"], events["failed"]) == (0, 0)
        assert (events["writer"], events["writer_starts"], events["writer_fallbacks"]) == (
            "process",
            1,
            0,
        )
    finally:
        server.stop(stop)
    # Stopped, or killed without a word: the writer sees its input close and exits.
    assert _gone(writer)


def test_the_thread_writer_can_be_chosen(tmp_path: Path) -> None:
    server = _serve_and_decide(tmp_path, {"LINKGATE_EVENT_WRITER": "thread"})
    try:
        assert not any(
            "linkgate.storage.event_process" in cmd
            for cmd in _children(server.process.pid).values()
        )
        events = httpx.get(f"{server.url}/readyz", timeout=5).json()["events"]
        assert (events["writer"], events["writer_starts"], events["writer_fallbacks"]) == (
            "thread",
            None,
            None,
        )
    finally:
        server.stop()
