"""A webhook receiver for tests: stdlib http.server on 127.0.0.1, verifying each delivery with
client.webhooks.unwrap and telling news from late or repeated deliveries with a
BatchStatusTracker, as the docs' receiver does. Bounded: every wait has a timeout."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from llama_cloud_batch import InvalidWebhookPayloadError, InvalidWebhookSignatureError
from llama_cloud_batch.types import BatchWebhookEvent
from llama_cloud_batch.webhooks import BatchStatusTracker, Progress, unwrap

SECRET = "whsec-local-test"


@dataclass(frozen=True)
class Received:
    """One delivery as the receiver saw it."""

    body: bytes
    headers: dict[str, str]
    status: int  # what the receiver answered
    event: BatchWebhookEvent | None = None
    progress: Progress | None = None
    refused: Exception | None = None


class Receiver:
    """Answers each delivery with `answer` (or 401/400 when unwrap refuses it)."""

    def __init__(self, *, secret: str | None = SECRET, answer: int = 204) -> None:
        self.secret = secret
        self.answer = answer
        self.tracker = BatchStatusTracker()
        self.received: list[Received] = []
        self.changed = threading.Condition()
        self.url = ""

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        try:
            event = unwrap(body, headers, secret=self.secret)
        except (InvalidWebhookSignatureError, InvalidWebhookPayloadError) as error:
            status = 401 if isinstance(error, InvalidWebhookSignatureError) else 400
            self._add(Received(body, headers, status, refused=error))
            return status
        assert isinstance(event, BatchWebhookEvent)
        assert event.data is not None
        progress = self.tracker.observe(event.data.id, event.data.status)
        self._add(Received(body, headers, self.answer, event, progress))
        return self.answer

    def _add(self, received: Received) -> None:
        with self.changed:
            self.received.append(received)
            self.changed.notify_all()

    def wait_for(self, batch_id: str, status: str, timeout: float = 10.0) -> bool:
        """Waits until the tracker has seen the batch reach `status`."""
        with self.changed:
            return self.changed.wait_for(lambda: self.tracker.status(batch_id) == status, timeout)

    def events(self) -> list[tuple[str, Any]]:
        """(event type, progress name) of each verified delivery, in arrival order."""
        with self.changed:
            return [
                (r.event.event_type, r.progress.name)
                for r in self.received
                if r.event is not None and r.progress is not None
            ]


@contextmanager
def receiving(on_delivery: Callable[[bytes, dict[str, str]], int]) -> Iterator[str]:
    """An http.server on 127.0.0.1 (a free port) answering each POST with the status
    on_delivery(body, headers) returns, until the block ends; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        timeout = 5.0  # an idle connection never holds a thread past the test

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = on_delivery(body, dict(self.headers.items()))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/batches"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def serving(receiver: Receiver) -> Iterator[Receiver]:
    """Runs the receiver on 127.0.0.1 (a free port) until the block ends."""
    with receiving(receiver.handle) as url:
        receiver.url = url
        yield receiver
