"""A webhook receiver on the standard library alone (http.server): it checks each delivery's
signature, reads its event, and acts on each step of a batch once, whatever order deliveries
come in and however often.

    LLAMA_CLOUD_WEBHOOK_SECRET=... python examples/webhook_receiver.py --port 8080

Answers: 204 at once for a delivery it accepts (the work happens afterwards, on another thread,
so a slow handler never makes the API wait or retry), 401 when the signature does not verify,
400 when the body is no event, 411/413 for a body without a length or over 1 MiB. Each new step
of a batch is printed as one JSON line; late and repeated deliveries are dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from llama_cloud_batch import InvalidWebhookPayloadError, InvalidWebhookSignatureError
from llama_cloud_batch.types import BatchWebhookEvent
from llama_cloud_batch.webhooks import (
    BatchStatusTracker,
    KnownWebhookEvent,
    UnknownWebhookEvent,
    unwrap,
)

MAX_BODY = 1 << 20  # no delivery is that large; a bigger body is refused unread

Event = KnownWebhookEvent | UnknownWebhookEvent


def is_news(tracker: BatchStatusTracker, event: Event) -> bool:
    """Whether to act on the event: a batch's new step, or anything that cannot be shown to be
    old (an event this release does not know, a batch event without its batch)."""
    if isinstance(event, BatchWebhookEvent) and event.data is not None:
        return tracker.observe(event.data.id, event.data.status).is_news
    return True


def make_server(
    host: str, port: int, handle: Callable[[Event], None], *, secret: str | None = None
) -> ThreadingHTTPServer:
    """A server on (host, port) that hands each new event to `handle`, one at a time, on a
    thread of its own. `secret` defaults to LLAMA_CLOUD_WEBHOOK_SECRET. Call serve_forever()."""
    tracker = BatchStatusTracker(max_batches=100_000)
    work: queue.Queue[Event] = queue.Queue()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self.answer(411)
                return
            if int(length) > MAX_BODY:
                self.close_connection = True  # the body is left unread
                self.answer(413)
                return
            body = self.rfile.read(int(length))  # the raw bytes: what was signed
            try:
                event = unwrap(body, self.headers, secret=secret)
            except InvalidWebhookSignatureError:
                self.answer(401)
                return
            except InvalidWebhookPayloadError:
                self.answer(400)
                return
            if is_news(tracker, event):
                work.put(event)
            self.answer(204)

        def answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per delivery is the handler's to print, not the server's

    def worker() -> None:
        while True:
            handle(work.get())

    threading.Thread(target=worker, daemon=True).start()
    return ThreadingHTTPServer((host, port), Receiver)


def print_event(event: Event) -> None:
    if isinstance(event, UnknownWebhookEvent):
        print(json.dumps({"event_type": event.event_type, "body": event.body}), flush=True)
    else:
        print(json.dumps(event.to_dict()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    args = parser.parse_args()
    server = make_server(args.host, args.port, print_event)
    print(f"listening on http://{args.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main()
