"""Webhook deliveries of the local server: a batch created with inline `webhook_configurations`
POSTs its events (the spec's BatchWebhookEvent envelope), signed when the configuration has a
`webhook_signing_secret`, to each configured URL as its status changes.

Events, one per step of the spec's status order: `batch.pending` on creation, `batch.running`
when it first reaches THROTTLED or RUNNING (one step), then `batch.success`, `batch.error` or
`batch.cancelled` for COMPLETED, FAILED or CANCELLED. A configuration's `webhook_events` picks
among them (null: all).

Only loopback URLs (127.0.0.1, localhost, ::1, over http) are accepted, at create time: a test
server must never send anything off the machine. One worker thread sends, in the order events
happened, from a bounded queue (a full queue drops the event, recorded), each delivery with a
bounded timeout and a few retries with a short backoff (a receiver that answers non-2xx or is
not reachable), then drops it, recorded. stop() cuts an in-flight delivery short by shutting
its socket, so a receiver that hangs cannot hold the server up.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import ipaddress
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..webhooks import SIGNATURE_HEADER, signature_header_value
from ._faults import Fault, FaultPlan
from ._store import InvalidInput

logger = logging.getLogger("llama_cloud_batch.testing")

USER_AGENT = "llama-cloud-batch-local-webhooks"
DEFAULT_WEBHOOK_TIMEOUT = 2.0
DEFAULT_WEBHOOK_ATTEMPTS = 3
DEFAULT_MAX_RECORDED_DELIVERIES = 1000
MAX_QUEUED_EVENTS = 1000
# The first retry waits this long, each further one twice as long as the one before.
BACKOFF_SECONDS = 0.05
# An answer's status is what counts: its first line is read, then at most this much more.
MAX_STATUS_LINE = 1024
MAX_ANSWER_BYTES = 64 * 1024
_CONTENT_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*([0-9]{1,9})[ \t]*\r?$")
_STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([1-5][0-9][0-9])(?: .*)?")
STOP_TIMEOUT_SECONDS = 5.0
OUTPUT_FORMATS = ("string", "json")
LOOPBACK_HOSTS = "127.0.0.1, localhost or ::1"

# The event of each status: one per step of the spec's order (THROTTLED is RUNNING's step).
EVENT_OF_STATUS = {
    "PENDING": "batch.pending",
    "THROTTLED": "batch.running",
    "RUNNING": "batch.running",
    "COMPLETED": "batch.success",
    "FAILED": "batch.error",
    "CANCELLED": "batch.cancelled",
}
FINAL_EVENTS = frozenset({"batch.success", "batch.error", "batch.cancelled"})
_PLACE = ("body", "webhook_configurations")
# Headers each delivery's framing or signature needs as the server writes them.
_WRITTEN_HEADERS = frozenset(
    {"host", "content-length", "connection", "transfer-encoding", SIGNATURE_HEADER.lower()}
)
_HEADER_TEXT = frozenset(chr(code) for code in range(0x20, 0x7F))


@dataclass(frozen=True)
class Subscription:
    """One inline webhook configuration of a batch, as the server delivers to it."""

    url: str
    events: frozenset[str] | None  # None: every event
    output_format: str
    secret: str | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def wants(self, event_type: str) -> bool:
        return self.events is None or event_type in self.events


def subscriptions(configurations: Any) -> tuple[Subscription, ...]:
    """The subscriptions of createBatch's `webhook_configurations` (validated against the spec
    already); raises InvalidInput (a 422) for what the local server cannot deliver to."""
    found = []
    for index, configuration in enumerate(configurations or ()):
        place = (*_PLACE, index)
        url = configuration.get("webhook_url")
        if not url:
            raise InvalidInput((*place, "webhook_url"), "The local server needs a webhook_url.")
        check_url(url, (*place, "webhook_url"))
        output_format = configuration.get("webhook_output_format") or "string"
        if output_format not in OUTPUT_FORMATS:
            raise InvalidInput(
                (*place, "webhook_output_format"),
                "The local server writes webhook bodies as 'string' or 'json'.",
            )
        secret = configuration.get("webhook_signing_secret")
        if secret == "":
            raise InvalidInput(
                (*place, "webhook_signing_secret"),
                "An empty signing secret signs nothing; give a secret or null.",
            )
        headers = dict(configuration.get("webhook_headers") or {})
        for name, value in headers.items():
            if not name or not set(name + value) <= _HEADER_TEXT or ":" in name:
                # The value is not quoted: these headers often carry credentials.
                raise InvalidInput(
                    (*place, "webhook_headers"),
                    "A webhook header name or value holds a character HTTP cannot carry.",
                )
            if name.lower() in _WRITTEN_HEADERS:
                raise InvalidInput(
                    (*place, "webhook_headers"),
                    f"The local server writes {name} itself; webhook_headers cannot set it.",
                )
        events = configuration.get("webhook_events")
        found.append(
            Subscription(
                url=url,
                events=None if events is None else frozenset(events),
                output_format=output_format,
                secret=secret,
                headers=headers,
            )
        )
    return tuple(found)


def check_url(url: str, place: tuple[str | int, ...]) -> None:
    """Refuses (InvalidInput) a URL that is not plain http to a loopback address."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise InvalidInput(place, "The webhook URL is not a valid URL.") from None
    if parts.scheme != "http":
        raise InvalidInput(
            place, "The local server delivers webhooks over plain http:// only (no TLS)."
        )
    if parts.username is not None or parts.password is not None:
        # Kept out of URLs, which get logged and recorded: headers are the place for them.
        raise InvalidInput(
            place, "The webhook URL holds credentials; send them in webhook_headers instead."
        )
    host = parts.hostname or ""
    if not _is_loopback(host):
        raise InvalidInput(
            place,
            f"The local server delivers webhooks only to loopback addresses ({LOOPBACK_HOSTS}); "
            f"{host[:100]!r} is not one.",
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: resolving it could lead anywhere
    return address.is_loopback


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to deliver one event to one URL (or an event dropped before any attempt:
    `attempt` 0). `status` is the receiver's answer, `error` why there was none; `dropped` marks
    the record after which the server gave the event up. Body and headers stay out of repr():
    the configuration's headers often carry credentials."""

    url: str
    event_type: str
    batch_id: str
    event_id: str
    attempt: int
    status: int | None
    error: str | None = None
    fault: str | None = None
    dropped: bool = False
    body: bytes = field(default=b"", repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """Whether the receiver acknowledged it (any 2xx)."""
        return self.status is not None and 200 <= self.status < 300

    def event(self) -> Any:
        """The event the body carries, decoded (twice for the `string` output format)."""
        value = json.loads(self.body)
        return json.loads(value) if isinstance(value, str) else value


@dataclass
class _Message:
    """One event to one subscription, waiting to be sent."""

    subscription: Subscription
    event_type: str
    batch_id: str
    event_id: str
    body: bytes
    final: bool

    def record(self, attempt: int, status: int | None, **more: Any) -> WebhookDelivery:
        return WebhookDelivery(
            self.subscription.url,
            self.event_type,
            self.batch_id,
            self.event_id,
            attempt,
            status,
            body=self.body,
            **more,
        )


class WebhookDispatcher:
    """Sends the events of batches with webhooks, on one worker thread, between start() and
    stop(). `check` returns what is wrong with an event against the spec (nothing: send it);
    `violation` is told of an event that breaks it, which is then not sent."""

    def __init__(
        self,
        faults: FaultPlan,
        check: Callable[[dict[str, Any]], list[str]],
        violation: Callable[[str, list[str], dict[str, Any]], None],
        *,
        timeout: float = DEFAULT_WEBHOOK_TIMEOUT,
        attempts: int = DEFAULT_WEBHOOK_ATTEMPTS,
        max_queued: int = MAX_QUEUED_EVENTS,
        max_recorded: int = DEFAULT_MAX_RECORDED_DELIVERIES,
    ) -> None:
        if not 0 < timeout <= 60:
            raise ValueError("webhook_timeout is more than 0 and at most 60 seconds")
        if not 1 <= attempts <= 10:
            raise ValueError("webhook_attempts is between 1 and 10")
        self._faults = faults
        self._check = check
        self._violation = violation
        self.timeout = timeout
        self.attempts = attempts
        self._max_queued = max_queued
        self._cond = threading.Condition()
        self._queue: collections.deque[_Message] = collections.deque()
        # Events a reorder fault holds back, by (batch, URL), until the batch's next event.
        self._held: dict[tuple[str, str], list[_Message]] = {}
        self._busy = False
        self._running = False
        self._stopping = threading.Event()
        self._socket: socket.socket | None = None  # the delivery in flight's
        self._thread: threading.Thread | None = None
        self._count = 0
        self.records: collections.deque[WebhookDelivery] = collections.deque(maxlen=max_recorded)

    # ----- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        with self._cond:
            self._stopping.clear()
            self._running = True
        self._thread = threading.Thread(
            target=self._work, name="batch-server-webhooks", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Ends the worker: an in-flight delivery is cut short, queued and held events are
        dropped (recorded)."""
        with self._cond:
            self._running = False
            self._stopping.set()
            in_flight = self._socket
            self._cond.notify_all()
        if in_flight is not None:
            with contextlib.suppress(OSError):  # already closed
                in_flight.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_SECONDS)
            self._thread = None
        with self._cond:
            left = list(self._queue) + [m for held in self._held.values() for m in held]
            self._queue.clear()
            self._held.clear()
            for message in left:
                self._add(
                    message.record(0, None, error="not sent: the server stopped", dropped=True)
                )

    def deliveries(self) -> list[WebhookDelivery]:
        with self._cond:
            return list(self.records)

    def clear_deliveries(self) -> None:
        with self._cond:
            self.records.clear()

    def wait_idle(self, timeout: float) -> bool:
        """Waits until no event is queued, held or being sent; False if `timeout` ran out."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not (self._queue or self._held or self._busy), timeout
            )

    # ----- events --------------------------------------------------------------------------

    def submit(
        self,
        batch: dict[str, Any],
        previous: str | None,
        webhooks: tuple[Any, ...],
        now: datetime.datetime,
    ) -> None:
        """A batch's status changed (called by the store, under its lock: never blocks)."""
        event_type = EVENT_OF_STATUS.get(batch["status"])
        if event_type is None or event_type == EVENT_OF_STATUS.get(previous or ""):
            return  # no step of the order was reached (THROTTLED -> RUNNING)
        wanting = [s for s in webhooks if isinstance(s, Subscription) and s.wants(event_type)]
        if not wanting:
            return
        with self._cond:
            self._count += 1
            event_id = f"evt-local-{self._count}"
        event = {
            "event_type": event_type,
            "event_id": event_id,
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "data": batch,
        }
        problems = self._check(event)
        if problems:
            self._violation(event_type, problems, event)
            return
        text = json.dumps(event, separators=(",", ":"))
        for subscription in wanting:
            body = text if subscription.output_format == "json" else json.dumps(text)
            message = _Message(
                subscription,
                event_type,
                batch["id"],
                event_id,
                body.encode(),
                event_type in FINAL_EVENTS,
            )
            with self._cond:
                if not self._running:
                    error = "not sent: the server is not running"
                elif len(self._queue) >= self._max_queued:
                    error = "not sent: the delivery queue is full"
                else:
                    self._queue.append(message)
                    self._cond.notify_all()
                    continue
                self._add(message.record(0, None, error=error, dropped=True))

    # ----- the worker ----------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
                self._cond.wait_for(lambda: self._queue or not self._running)
                if not self._running:
                    return
                message = self._queue.popleft()
                self._busy = True
            try:
                self._deliver(message)
            except Exception:  # a bug here must not end deliveries silently
                logger.exception("local server: a webhook delivery failed")

    def _deliver(self, message: _Message) -> None:
        key = (message.batch_id, message.subscription.url)
        fault = self._faults.take_webhook(final=message.final)
        if fault is not None and fault.kind == "webhook_reorder":
            with self._cond:
                self._held.setdefault(key, []).append(message)
            return
        self._send(message, fault)
        if fault is not None and fault.kind == "webhook_duplicate":
            self._send(message, fault)
        with self._cond:
            late = self._held.pop(key, [])
        for held in late:  # after the batch's later event: out of order
            self._send(held, Fault("webhook_reorder"))

    def _send(self, message: _Message, fault: Fault | None) -> None:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **message.subscription.headers,
        }
        secret = message.subscription.secret
        if fault is not None and fault.kind == "webhook_bad_signature":
            headers[SIGNATURE_HEADER] = signature_header_value(
                message.body, f"not-{secret or 'the-secret'}"
            )
        elif secret is not None:
            headers[SIGNATURE_HEADER] = signature_header_value(message.body, secret)
        kind = None if fault is None else fault.kind
        for attempt in range(1, self.attempts + 1):
            status, error = self._post(message.subscription.url, message.body, headers)
            last = attempt == self.attempts or self._stopping.is_set()
            ok = status is not None and 200 <= status < 300
            self._add(
                message.record(
                    attempt,
                    status,
                    error=error,
                    fault=kind,
                    dropped=last and not ok,
                    headers=headers,
                )
            )
            if ok or last:
                return
            if self._stopping.wait(BACKOFF_SECONDS * 2 ** (attempt - 1)):
                return

    def _post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int | None, str | None]:
        """POSTs and reads the answer's status line, all within `timeout` seconds in total.

        A hand-made HTTP/1.1 exchange rather than http.client: its timeout bounds each socket
        operation, so a receiver dripping its answer a byte at a time could hold the worker for
        ever; here every operation gets what is left of one deadline. Only the status counts."""
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        shown_host = f"[{host}]" if ":" in host else host
        head = [f"POST {target} HTTP/1.1", f"Host: {shown_host}:{port}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head += [f"Content-Length: {len(body)}", "Connection: close"]
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        deadline = time.monotonic() + self.timeout
        try:
            with socket.create_connection((host, port), timeout=self.timeout) as connection:
                with self._cond:
                    # stop() shuts the socket it sees; one made after it looked is caught here.
                    if self._stopping.is_set():
                        return None, "not sent: the server stopped"
                    self._socket = connection
                try:
                    _settimeout(connection, deadline)
                    connection.sendall(request)
                    return _status(connection, deadline), None
                finally:
                    with self._cond:
                        self._socket = None
        except TimeoutError:
            return None, f"no answer within {self.timeout:g} s"
        except (OSError, ValueError) as error:
            if self._stopping.is_set():
                return None, "cut short: the server stopped"
            return None, f"{type(error).__name__}: {error}"[:200]

    def _add(self, record: WebhookDelivery) -> None:
        with self._cond:
            self.records.append(record)
        if not record.ok:
            # Host and port only: a URL's path or query may hold a token.
            parts = urlsplit(record.url)
            logger.info(
                "webhook %s of %s to %s:%s: %s",
                record.event_type,
                record.batch_id,
                parts.hostname,
                parts.port or 80,
                record.error or f"answered {record.status}",
            )


def _settimeout(connection: socket.socket, deadline: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    connection.settimeout(left)


def _status(connection: socket.socket, deadline: float) -> int:
    """The status of the answer (`HTTP/1.1 204 No Content`). The rest of the answer is read
    too, within the deadline and MAX_ANSWER_BYTES (a timeout then is ignored: the status is in),
    so that closing does not reset the connection under a receiver still writing."""
    answer = _read_until(connection, deadline, lambda got: b"\r\n" in got, MAX_STATUS_LINE)
    if b"\r\n" not in answer:
        raise ConnectionResetError("the receiver closed the connection without an answer")
    match = _STATUS_LINE.match(answer.split(b"\r\n", 1)[0])
    if match is None:
        raise ValueError("the receiver's answer does not start with an HTTP status line")
    with contextlib.suppress(OSError):  # TimeoutError included
        _read_until(connection, deadline, _complete, MAX_ANSWER_BYTES, answer)
    return int(match.group(1))


def _complete(answer: bytes) -> bool:
    """Whether the answer is whole: its head, and as much body as its Content-Length says
    (without one, the answer ends when the receiver closes: Connection: close was asked)."""
    head, separator, body = answer.partition(b"\r\n\r\n")
    if not separator:
        return False
    length = _CONTENT_LENGTH.search(head)
    return length is not None and len(body) >= int(length.group(1))


def _read_until(
    connection: socket.socket,
    deadline: float,
    done: Callable[[bytes], bool],
    limit: int,
    answer: bytes = b"",
) -> bytes:
    """What the receiver sends until `done` says so, it closes, or `limit` bytes came."""
    while not done(answer) and len(answer) < limit:
        _settimeout(connection, deadline)
        chunk = connection.recv(min(limit - len(answer), 16 * 1024))
        if not chunk:
            break
        answer += chunk
    return answer
