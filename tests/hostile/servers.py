"""Small HTTP servers on 127.0.0.1 that misbehave on purpose: they stall, trickle, flood, echo
the key back or send what no API would.

Raw sockets and threads from the standard library, one request per connection (each answer
says `connection: close`). Every loop is bounded: a server stops by itself after
MAX_LIFETIME seconds, and a misbehaving answer ends when the server stops or the client leaves.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

KEY = "llx-hostile-2b7e1516/28aed2a6+abf7"
MAX_LIFETIME = 30.0
TIMESTAMP = "2026-01-02T03:04:05Z"


@dataclass
class Seen:
    """A request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    # Every header line as sent, in order (`headers` keeps one value per name).
    lines: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Wire:
    """What an answer needs: the socket, and the event set when the server stops."""

    sock: socket.socket
    stopping: threading.Event
    sent: list[int] = field(default_factory=list)

    def send(self, data: bytes) -> bool:
        """Sends; False once the client has gone."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        self.sent.append(len(data))
        return True


Answer = Callable[[Wire], None]


class HostileServer:
    """Serves `script(seen) -> answer` for each request, in a thread per connection."""

    def __init__(self, script: Callable[[Seen], Answer]) -> None:
        self.script = script
        self.seen: list[Seen] = []
        self.bytes_sent = 0
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> HostileServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        self._threads.append(thread)
        thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        for thread in list(self._threads):
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        ends = time.monotonic() + MAX_LIFETIME
        while not self._stopping.is_set() and time.monotonic() < ends:
            try:
                sock, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        with sock:
            sock.settimeout(5.0)
            seen = _read_request(sock)
            if seen is None:
                return
            with self._lock:
                self.seen.append(seen)
            wire = Wire(sock, self._stopping)
            self.script(seen)(wire)
            with self._lock:
                self.bytes_sent += sum(wire.sent)


def _read_request(sock: socket.socket) -> Seen | None:
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except OSError:
            return None
        if not chunk or len(data) > 1 << 20:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    sent = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
        sent.append((name.strip(), value.strip()))
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Seen(method, target, headers, body, sent)


def _head(status: int, headers: dict[str, str], length: int | None) -> bytes:
    lines = [f"HTTP/1.1 {status} Hostile", "connection: close"]
    if length is not None:
        lines.append(f"content-length: {length}")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# ----- answers ---------------------------------------------------------------------------------


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
    """A whole answer; `body` is bytes as given, or JSON."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    all_headers = {"content-type": "application/json", **(headers or {})}

    def answer(wire: Wire) -> None:
        wire.send(_head(status, all_headers, len(data)) + data)

    return answer


def after(seconds: float, then: Answer) -> Answer:
    """`then`, after a pause (cut short when the server stops)."""

    def answer(wire: Wire) -> None:
        if not wire.stopping.wait(seconds):
            then(wire)

    return answer


def hang() -> Answer:
    """Never answers (until the server stops)."""

    def answer(wire: Wire) -> None:
        wire.stopping.wait(MAX_LIFETIME)

    return answer


def trickle(every: float = 0.5, status: int = 200) -> Answer:
    """Promises a large JSON body, then sends one byte of it every `every` seconds."""

    def answer(wire: Wire) -> None:
        if not wire.send(_head(status, {"content-type": "application/json"}, 1_000_000)):
            return
        for byte in _bytes_forever(b'{"job": {"id": "'):
            if wire.stopping.wait(every) or not wire.send(byte):
                return

    return answer


def trickle_head(every: float = 0.2) -> Answer:
    """Sends the status line, then the headers one byte every `every` seconds, never ending."""

    def answer(wire: Wire) -> None:
        if not wire.send(b"HTTP/1.1 200 OK\r\nx-slow: "):
            return
        for _ in _bytes_forever(b""):
            if wire.stopping.wait(every) or not wire.send(b"a"):
                return

    return answer


def flood(total: int, *, declare_length: bool) -> Answer:
    """A 200 answer of `total` bytes of one JSON string, sent as fast as the client reads."""

    def answer(wire: Wire) -> None:
        length = total if declare_length else None
        if not wire.send(_head(200, {"content-type": "application/json"}, length) + b'"'):
            return
        chunk = b"x" * 65536
        for _ in range(total // len(chunk)):
            if wire.stopping.is_set() or not wire.send(chunk):
                return

    return answer


def _bytes_forever(prefix: bytes) -> Iterator[bytes]:
    for index in range(int(MAX_LIFETIME * 100)):
        yield prefix[index : index + 1] if index < len(prefix) else b"a"


# ----- bodies ----------------------------------------------------------------------------------


def job(status: str = "running", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "bjb-1",
        "job_type": "parse",
        "project_id": "proj-1",
        "status": status,
        "total_items": 3,
        "created_at": TIMESTAMP,
    }
    body.update(overrides)
    return body


def progress(status: str = "running", **overrides: Any) -> dict[str, Any]:
    return {"job": job(status, **overrides), "progress_percentage": 50.0}


def nested(levels: int) -> bytes:
    """A JSON body nested `levels` deep."""
    return b'{"detail":' + b"[" * levels + b"]" * levels + b"}"
