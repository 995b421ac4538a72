"""A TCP relay on loopback that can forward, hang or drop connections.

Put between the homeserver and the linkgate server, it lets a test make the
server slow (``hang``: connections are accepted and never answered) or gone
(``drop``: connections are closed at once) without restarting either side.
"""

from __future__ import annotations

import select
import socket
import threading
from typing import Literal

from tests.service.servers import free_port

Mode = Literal["forward", "hang", "drop"]


class Relay:
    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode: Mode = "forward"
        self._target = ("127.0.0.1", target_port)
        self._stop = threading.Event()
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept, name="relay", daemon=True)
        self._thread.start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.append(sock)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "drop":
                client.close()
                continue
            self._track(client)
            if self.mode == "forward":
                threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self._target, timeout=5)
        except OSError:
            client.close()
            return
        self._track(upstream)
        peers = {client: upstream, upstream: client}
        try:
            while not self._stop.is_set():
                if self.mode == "hang":
                    self._stop.wait(0.05)
                    continue
                ready, _, _ = select.select(list(peers), [], [], 0.2)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):  # closed by set_mode("drop") or close()
            return
        finally:
            client.close()
            upstream.close()

    def set_mode(self, mode: Mode) -> None:
        """Switch at once: open connections stop forwarding (``hang``) or are cut (``drop``)."""
        self.mode = mode
        if mode != "drop":
            return
        with self._lock:
            for sock in self._open:
                sock.close()
            self._open.clear()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=5)
        with self._lock:
            for sock in self._open:
                sock.close()
