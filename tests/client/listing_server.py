"""A listing server on 127.0.0.1 that misbehaves on purpose, for test_pagination.py.

It serves the jobs listing (and a job's items listing) from a list of ids, newest first, and
can ignore `offset`, cap its pages, leave out or inflate `total_size`, change the listing
while a walk runs, fail chosen pages and answer concurrent requests in an order of its
choosing. Bounded: after MAX_REQUESTS requests it answers 410 (which no client retries), so a
client that would loop fails fast; every delay is capped; the server stops on leaving `with`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_REQUESTS = 300
MAX_DELAY = 0.3
MAX_HOLD = 5.0
JOBS_PATH = "/api/v1/beta/batch-processing"


def job_ids(count: int, prefix: str = "bjb-") -> list[str]:
    return [f"{prefix}{index:06d}" for index in range(count)]


def _job(job_id: str) -> dict[str, Any]:
    return {
        "id": job_id,
        "job_type": "parse",
        "project_id": "proj-1",
        "status": "running",
        "total_items": 1,
    }


def _item(item_id: str) -> dict[str, Any]:
    return {"item_id": item_id, "item_name": f"{item_id}.pdf", "status": "pending"}


class ListingServer:
    """`ids` is the listing. `total` is "exact" (its length), None (left out) or a fixed
    number; `cap` is the most entries a page holds whatever `limit` asks; `delay(offset)` how
    long to hold an answer; `fail(offset)` whether to answer 500; `on_answer(server, offset)`
    runs under the lock right after an answer is built, to change the listing mid-walk.
    Pages from offset `hold_from` on wait for `release` (at most MAX_HOLD seconds)."""

    def __init__(
        self,
        ids: list[str],
        *,
        total: str | int | None = "exact",
        cap: int | None = None,
        ignore_offset: bool = False,
        delay: Callable[[int], float] | None = None,
        fail: Callable[[int], bool] | None = None,
        on_answer: Callable[[ListingServer, int], None] | None = None,
        hold_from: int | None = None,
    ) -> None:
        self.ids = list(ids)
        self.total = total
        self.cap = cap
        self.ignore_offset = ignore_offset
        self.delay = delay
        self.fail = fail
        self.on_answer = on_answer
        self.hold_from = hold_from
        self.release = threading.Event()
        self.offsets: list[int] = []  # as asked for, in arrival order
        self.answered = 0
        self.most_in_flight = 0
        self._in_flight = 0
        self._held = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
                status, body = outer._answer(parts.path, query)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up and hung up is part of the test

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def _answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        offset = int(query.get("offset", 0))
        limit = int(query.get("limit", 50))
        with self.lock:
            self.offsets.append(offset)
            if len(self.offsets) > MAX_REQUESTS:
                return 410, {"detail": "request cap reached: the client keeps asking"}
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
        try:
            if self.delay is not None:
                time.sleep(min(MAX_DELAY, self.delay(offset)))
            if self.hold_from is not None and offset >= self.hold_from:
                with self.lock:
                    self._held += 1
                self.release.wait(MAX_HOLD)
                with self.lock:
                    self._held -= 1
            with self.lock:
                if self.fail is not None and self.fail(offset):
                    return 500, {"detail": f"page at offset {offset} failed on purpose"}
                body = self._page(path, offset, limit)
                self.answered += 1
                if self.on_answer is not None:
                    self.on_answer(self, offset)
                return 200, body
        finally:
            with self.lock:
                self._in_flight -= 1

    @property
    def held(self) -> int:
        """Requests waiting for `release` right now."""
        with self.lock:
            return self._held

    def _page(self, path: str, offset: int, limit: int) -> dict[str, Any]:
        start = 0 if self.ignore_offset else offset
        size = limit if self.cap is None else min(limit, self.cap)
        entry = _job if path == JOBS_PATH else _item
        body: dict[str, Any] = {"items": [entry(i) for i in self.ids[start : start + size]]}
        if self.total == "exact":
            body["total_size"] = len(self.ids)
        elif self.total is not None:
            body["total_size"] = self.total
        return body

    def __enter__(self) -> ListingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
