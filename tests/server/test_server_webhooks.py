"""Webhook deliveries of the local server: batches created with inline webhook_configurations
POST signed BatchWebhookEvent bodies to loopback receivers, with retries, faults (reorder,
duplicate, bad signature) and a worker that never holds the API or stop() up."""

from __future__ import annotations

import contextlib
import datetime
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from llama_cloud_batch import InvalidWebhookSignatureError, LlamaCloud
from llama_cloud_batch.testing import BatchServer, Fault
from llama_cloud_batch.types import BatchWebhookEvent
from llama_cloud_batch.webhooks import unwrap

from .conftest import KEY
from .receivers import SECRET, Receiver, serving

BATCHES = "/api/v2/batches"
CONFIG = {"job": {"type": "parse_v2", "configuration_id": "cfg-1"}}
WORKER = "batch-server-webhooks"


@pytest.fixture
def client(server: BatchServer) -> Iterator[LlamaCloud]:
    with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0, timeout=5.0) as made:
        yield made


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving(Receiver()) as started:
        yield started


def hook(url: str, **more: Any) -> dict[str, Any]:
    return {"webhook_url": url, "webhook_signing_secret": SECRET, **more}


def create(client: LlamaCloud, *hooks: dict[str, Any], directory: str = "dir-1") -> str:
    batch = client.batches.create(
        config=CONFIG, source_directory_id=directory, webhook_configurations=list(hooks)
    )
    return batch.id


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_batch_delivers_each_step_signed_in_the_spec_envelope(
    server: BatchServer, client: LlamaCloud, receiver: Receiver, spec_errors: Any
) -> None:
    batch_id = create(client, hook(receiver.url))
    server.run_until_idle()
    assert server.wait_for_deliveries(5)
    assert [d.event_type for d in server.deliveries] == [
        "batch.pending",
        "batch.running",
        "batch.success",
    ]
    assert receiver.events() == [
        ("batch.pending", "NEW"),
        ("batch.running", "NEW"),
        ("batch.success", "NEW"),
    ]
    assert receiver.tracker.status(batch_id) == "COMPLETED"
    for delivery in server.deliveries:
        assert (delivery.ok, delivery.attempt, delivery.status, delivery.dropped) == (
            True,
            1,
            204,
            False,
        )
        assert delivery.batch_id == batch_id
        # The default output format, `string`: the object inside a JSON string.
        assert delivery.body.startswith(b'"{')
        event = delivery.event()
        assert spec_errors("BatchWebhookEvent", event) == []
        model = BatchWebhookEvent.from_dict(event)
        assert model.data is not None
        assert (model.event_type, model.data.id, model.event_id) == (
            delivery.event_type,
            batch_id,
            delivery.event_id,
        )
        # What was sent is what the library accepts, under the configuration's secret only.
        assert unwrap(delivery.body, delivery.headers, secret=SECRET) == model
        with pytest.raises(InvalidWebhookSignatureError):
            unwrap(delivery.body, delivery.headers, secret="another")
    assert len({d.event_id for d in server.deliveries}) == 3
    statuses = [d.event()["data"]["status"] for d in server.deliveries]
    assert statuses == ["PENDING", "THROTTLED", "COMPLETED"]  # the batch as it was then


def test_events_follow_the_configuration(
    server: BatchServer, client: LlamaCloud, receiver: Receiver
) -> None:
    only_end = hook(
        receiver.url,
        webhook_events=["batch.success", "batch.cancelled"],
        webhook_output_format="json",
        webhook_headers={"X-Receiver-Token": "token-123"},
    )
    unsigned = {"webhook_url": receiver.url.replace("/hooks/batches", "/unsigned")}
    batch_id = create(client, only_end, unsigned)
    client.batches.cancel(batch_id)
    server.tick()
    assert server.wait_for_deliveries(5)
    sent = [(d.url.rsplit("/", 1)[-1], d.event_type) for d in server.deliveries]
    # In the order the events happened, each configuration's in the order given.
    assert list(dict.fromkeys(sent)) == [
        ("unsigned", "batch.pending"),
        ("batches", "batch.cancelled"),
        ("unsigned", "batch.cancelled"),
    ]
    filtered = next(d for d in server.deliveries if d.url == receiver.url)
    assert filtered.body.startswith(b"{")  # `json`: the object itself
    assert filtered.headers["X-Receiver-Token"] == "token-123"
    assert "token-123" not in repr(filtered)
    assert SECRET not in repr(filtered)
    assert filtered.event()["data"]["status"] == "CANCELLED"
    # Without a secret nothing is signed, and a receiver expecting a signature refuses it.
    bare = [d for d in server.deliveries if d.url != receiver.url]
    assert all("LC-Signature" not in d.headers for d in bare)
    assert all(d.status == 401 for d in bare)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://example.invalid/hook", "plain http"),
        ("http://example.com/hook", "loopback"),
        ("http://10.0.0.1:8080/hook", "loopback"),
        ("http://127.0.0.1.example.com/hook", "loopback"),
        ("http://user:pass@127.0.0.1:8080/hook", "credentials"),
        ("http://127.0.0.1:99999/hook", "not a valid URL"),
        ("", "needs a webhook_url"),
    ],
)
def test_only_loopback_urls_are_accepted(
    server: BatchServer, http: Any, url: str, says: str
) -> None:
    body = {"config": CONFIG, "source_directory_id": "dir-1", "webhook_configurations": [hook(url)]}
    answer = http.post(BATCHES, json=body)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["detail"]
    assert problem["loc"] == ["body", "webhook_configurations", 0, "webhook_url"]
    assert says in problem["msg"]
    assert "pass" not in problem["msg"]
    assert server.batches() == []  # refused before anything was made


@pytest.mark.parametrize("url", ["http://localhost:1/h", "http://[::1]:1/h", "http://127.0.0.2:1/"])
def test_every_loopback_form_is_accepted(server: BatchServer, http: Any, url: str) -> None:
    body = {"config": CONFIG, "source_directory_id": "dir-1", "webhook_configurations": [hook(url)]}
    assert http.post(BATCHES, json=body).status_code == 200


def test_other_configuration_mistakes_are_422(server: BatchServer, http: Any) -> None:
    for bad, field in [
        ({"webhook_output_format": "xml"}, "webhook_output_format"),
        ({"webhook_signing_secret": ""}, "webhook_signing_secret"),
        ({"webhook_headers": {"X-A": "line\r\nInjected: 1"}}, "webhook_headers"),
        ({"webhook_headers": {"content-length": "0"}}, "webhook_headers"),
        ({"webhook_headers": {"lc-signature": "sha256=Injected"}}, "webhook_headers"),
    ]:
        configuration = hook("http://127.0.0.1:1/h", **bad)
        body = {
            "config": CONFIG,
            "source_directory_id": "d",
            "webhook_configurations": [configuration],
        }
        answer = http.post(BATCHES, json=body)
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"][-1] == field
        assert "Injected" not in answer.text


def test_reordered_and_repeated_deliveries_still_reach_the_final_status(
    receiver: Receiver,
) -> None:
    with BatchServer(api_key=KEY, auto_tick=0.01) as server:
        server.inject(Fault.reorder_webhooks())
        duplicates = server.inject(Fault.duplicate_webhooks(), times=2)
        with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0) as local:
            batch_id = create(local, hook(receiver.url))
            assert receiver.wait_for(batch_id, "COMPLETED")
            assert server.wait_for_deliveries(5)
        server.assert_no_violations()
    # pending held back until after running; running and success each sent twice.
    assert receiver.events() == [
        ("batch.running", "NEW"),
        ("batch.running", "REPEATED"),
        ("batch.pending", "STALE"),
        ("batch.success", "NEW"),
        ("batch.success", "REPEATED"),
    ]
    assert duplicates.hits == 2
    faults = [(d.event_type, d.fault) for d in server.deliveries]
    assert faults[2] == ("batch.pending", "webhook_reorder")
    assert all(t.name != WORKER for t in threading.enumerate())


def test_a_bad_signature_is_refused_by_unwrap_and_retried_then_dropped(
    server: BatchServer, client: LlamaCloud, receiver: Receiver
) -> None:
    bad = server.inject(Fault.bad_webhook_signature())
    batch_id = create(client, hook(receiver.url))
    server.run_until_idle()
    assert server.wait_for_deliveries(5)
    assert bad.hits == 1
    refused = [r for r in receiver.received if r.refused is not None]
    assert len(refused) == server.webhooks.attempts == 3
    assert all(isinstance(r.refused, InvalidWebhookSignatureError) for r in refused)
    assert "does not match" in str(refused[0].refused)
    pending = [d for d in server.deliveries if d.event_type == "batch.pending"]
    assert [(d.attempt, d.status, d.fault) for d in pending] == [
        (1, 401, "webhook_bad_signature"),
        (2, 401, "webhook_bad_signature"),
        (3, 401, "webhook_bad_signature"),
    ]
    assert [d.dropped for d in pending] == [False, False, True]
    assert receiver.tracker.status(batch_id) == "COMPLETED"  # the later events were fine


def test_a_receiver_that_is_down_is_retried_a_few_times_and_never_holds_the_api(
    server: BatchServer, client: LlamaCloud
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/down"
    batch_ids = [create(client, hook(url)) for _ in range(3)]
    slowest = 0.0
    for _ in range(4):
        server.tick()
        started = time.monotonic()
        for batch_id in batch_ids:
            assert client.batches.get(batch_id).status
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < 1.0  # three GETs, while the worker retries in the background
    assert server.wait_for_deliveries(10)
    deliveries = server.deliveries
    events = {(d.batch_id, d.event_id) for d in deliveries}
    assert len(events) == 3 * 3  # pending, running, success of each batch
    assert len(deliveries) == len(events) * server.webhooks.attempts  # bounded retries
    assert all(d.status is None and "Refused" in (d.error or "") for d in deliveries)
    assert sum(d.dropped for d in deliveries) == len(events)


def test_a_slow_receiver_times_out() -> None:
    with hanging_receiver() as (url, _accepted):
        with BatchServer(api_key=KEY, webhook_timeout=0.2, webhook_attempts=1) as server:
            with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0) as local:
                create(local, hook(url))
            assert server.wait_for_deliveries(3)
            (delivery,) = server.deliveries
            assert (delivery.status, delivery.error, delivery.dropped) == (
                None,
                "no answer within 0.2 s",
                True,
            )


def test_a_hanging_receiver_does_not_hold_stop_up() -> None:
    with hanging_receiver() as (url, accepted):
        server = BatchServer(api_key=KEY, webhook_timeout=30).start()
        with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0) as local:
            create(local, hook(url))
            server.run_until_idle()  # two more events queue behind the hanging one
        assert accepted.wait(5), "the delivery never reached the receiver"
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2.0
    assert all(t.name != WORKER for t in threading.enumerate())
    records = server.deliveries
    assert records[0].error == "cut short: the server stopped"
    assert [d.error for d in records[1:]] == ["not sent: the server stopped"] * 2
    assert all(d.dropped for d in records)


def test_webhook_faults_are_for_deliveries_only(server: BatchServer, client: LlamaCloud) -> None:
    with pytest.raises(ValueError, match="no method, path or operation"):
        server.inject(Fault.duplicate_webhooks(), operation="get_batch")
    scheduled = server.inject(Fault.duplicate_webhooks())
    client.batches.list()
    assert scheduled.hits == 0
    assert server.requests[-1].fault is None


def test_a_batch_without_webhooks_sends_nothing(server: BatchServer, client: LlamaCloud) -> None:
    client.batches.create(config=CONFIG, source_directory_id="dir-1")
    server.add_batch()
    server.run_until_idle()
    assert server.wait_for_deliveries(1)
    assert server.deliveries == []


class hanging_receiver:
    """A loopback listener that accepts connections and never answers, until the block ends;
    its event is set when a request has reached it."""

    def __enter__(self) -> tuple[str, threading.Event]:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.05)
        self.accepted = threading.Event()
        self.done = threading.Event()
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept)
        self.thread.start()
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/slow", self.accepted

    def _accept(self) -> None:
        while not self.done.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.held.append(connection)
            # Set once the request's first bytes arrive: a connection can be accepted (from the
            # listen backlog) before the sender has decided to send, and a stop() in between
            # rightly records the delivery as not sent.
            connection.settimeout(5)
            with contextlib.suppress(OSError):
                if connection.recv(1, socket.MSG_PEEK):
                    self.accepted.set()

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(5)
        for connection in self.held:
            connection.close()
        self.listener.close()


def test_the_queue_is_bounded_and_what_does_not_fit_is_dropped_and_recorded() -> None:
    from llama_cloud_batch.testing._faults import FaultPlan
    from llama_cloud_batch.testing._webhooks import Subscription, WebhookDispatcher

    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    with hanging_receiver() as (url, accepted):
        subscription = Subscription(url, None, "json", secret=SECRET, headers={"X-T": "tok-9"})
        assert SECRET not in repr(subscription)
        assert "tok-9" not in repr(subscription)
        dispatcher = WebhookDispatcher(
            FaultPlan(), lambda event: [], lambda *_: None, timeout=30, max_queued=2
        )
        dispatcher.start()
        try:
            dispatcher.submit({"id": "bat-0", "status": "PENDING"}, None, (subscription,), now)
            assert accepted.wait(5)  # the first is in flight, held by the receiver
            for number in range(1, 5):
                batch = {"id": f"bat-{number}", "status": "PENDING"}
                dispatcher.submit(batch, None, (subscription,), now)
            assert not dispatcher.wait_idle(0.05)
        finally:
            started = time.monotonic()
            dispatcher.stop()
            assert time.monotonic() - started < 2.0
    records = {d.batch_id: d.error for d in dispatcher.deliveries()}
    assert records == {
        "bat-3": "not sent: the delivery queue is full",
        "bat-4": "not sent: the delivery queue is full",
        "bat-0": "cut short: the server stopped",
        "bat-1": "not sent: the server stopped",
        "bat-2": "not sent: the server stopped",
    }
    assert all(d.dropped for d in dispatcher.deliveries())


def test_an_event_that_breaks_the_spec_is_not_sent_but_listed_as_a_violation() -> None:
    from llama_cloud_batch.testing._webhooks import Subscription

    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    with BatchServer(api_key=KEY) as server:
        subscription = Subscription(f"http://127.0.0.1:{closed_port()}/", None, "json")
        # A batch without the properties the spec requires (config, created_at...).
        server.webhooks.submit({"id": "bat-bad", "status": "PENDING"}, None, (subscription,), now)
        assert server.wait_for_deliveries(5)
        assert server.deliveries == []
        (violation,) = server.violations
        assert violation.operation_id == "batch.pending"
        assert "is not valid" in violation.errors[0]
        with pytest.raises(AssertionError, match=r"batch\.pending"):
            server.assert_no_violations()


@pytest.mark.parametrize(
    ("first", "status", "error"),
    [
        # The status comes, then the rest drips a byte at a time: the status counts, in time.
        (b"HTTP/1.1 200 OK\r\nX-Slow: ", 200, None),
        # The status line itself drips: no answer within the timeout, however many bytes came.
        (b"HTTP/1.1 2", None, "no answer within 0.3 s"),
    ],
)
def test_a_receiver_dripping_its_answer_is_bounded_by_the_timeout(
    first: bytes, status: int | None, error: str | None
) -> None:
    stop = threading.Event()

    def drip(listener: socket.socket) -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(first)
            while not stop.wait(0.02):
                with contextlib.suppress(OSError):
                    connection.sendall(b"a")

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/drip"
        dripping = threading.Thread(target=drip, args=(listener,))
        dripping.start()
        try:
            with BatchServer(api_key=KEY, webhook_timeout=0.3, webhook_attempts=1) as server:
                with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0) as local:
                    started = time.monotonic()
                    create(local, hook(url))
                    assert server.wait_for_deliveries(5)
                    assert time.monotonic() - started < 2.0
                (delivery,) = server.deliveries
                assert (delivery.status, delivery.error) == (status, error)
        finally:
            stop.set()
            dripping.join(5)
