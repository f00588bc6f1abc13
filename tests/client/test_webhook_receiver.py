"""examples/webhook_receiver.py, the receiver the docs show, run as a user would: it answers 204
at once for good deliveries (a slow handler does not hold the answer), 401 for a bad signature,
400 for a body that is no event, and hands each batch's steps on once however the deliveries
are ordered or repeated."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import importlib.util
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from _llama_cloud_batch_generated.webhooks import EVENT_MODELS
from factories import batch
from llama_cloud_batch.types import BatchStatus
from llama_cloud_batch.webhooks import UnknownWebhookEvent

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "webhook_receiver.py"
SECRET = "whsec-receiver-test"
BATCH_EVENT = next(name for name in EVENT_MODELS if name.startswith("batch."))


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("webhook_receiver", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def delivery(batch_id: str, status: str, event_type: str = BATCH_EVENT) -> bytes:
    return json.dumps({"event_type": event_type, "data": batch(batch_id, status)}).encode()


def headers(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"LC-Signature": f"sha256={digest}", "Content-Type": "application/json"}


class Receiver:
    def __init__(self, handle_seconds: float = 0.0) -> None:
        self.handled: list[Any] = []
        self.done = threading.Condition()
        self.handle_seconds = handle_seconds

    def handle(self, event: Any) -> None:
        time.sleep(self.handle_seconds)
        with self.done:
            self.handled.append(event)
            self.done.notify_all()

    def wait_for(self, ready: Callable[[list[Any]], bool]) -> list[Any]:
        with self.done:
            assert self.done.wait_for(lambda: ready(self.handled), timeout=10)
            return list(self.handled)


@pytest.fixture
def running() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    server = load_example().make_server("127.0.0.1", 0, receiver.handle, secret=SECRET)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver, f"http://127.0.0.1:{server.server_address[1]}/hooks"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_each_step_is_handed_on_once_whatever_the_order_and_repeats(
    running: tuple[Receiver, str],
) -> None:
    receiver, url = running
    steps = sorted(set(BatchStatus.STEPS.values()))
    first_of = {step: next(s for s, n in BatchStatus.STEPS.items() if n == step) for step in steps}
    deliveries = [delivery(f"bat-{b}", first_of[step].value) for b in range(3) for step in steps]
    deliveries *= 3  # each delivered three times
    random.Random(3).shuffle(deliveries)
    with httpx.Client() as http:
        for body in deliveries:
            assert http.post(url, content=body, headers=headers(body)).status_code == 204

    # The handler gets at most one event per step per batch, each rising, and the final one.
    def all_final(handled: list[Any]) -> bool:
        return len({e.data.id for e in handled if e.data.status.is_final}) == 3

    handled = receiver.wait_for(all_final)
    time.sleep(0.2)  # nothing more may come
    assert receiver.handled == handled
    per_batch: dict[str, list[int]] = {}
    for event in handled:
        per_batch.setdefault(event.data.id, []).append(event.data.status.step)
    assert set(per_batch) == {"bat-0", "bat-1", "bat-2"}
    for batch_steps in per_batch.values():
        assert batch_steps == sorted(set(batch_steps))
        assert batch_steps[-1] == steps[-1]


def test_bad_deliveries_get_401_or_400_and_reach_no_handler(
    running: tuple[Receiver, str],
) -> None:
    receiver, url = running
    good = delivery("bat-9", "RUNNING")
    with httpx.Client() as http:
        assert http.post(url, content=good, headers=headers(good, "wrong")).status_code == 401
        assert http.post(url, content=good + b" ", headers=headers(good)).status_code == 401
        assert http.post(url, content=good).status_code == 401  # unsigned
        for bad in (b"{not json", b"[]", b'{"data": {}}'):
            assert http.post(url, content=bad, headers=headers(bad)).status_code == 400
        unknown = json.dumps({"event_type": "gadget.exploded", "n": 1}).encode()
        assert http.post(url, content=unknown, headers=headers(unknown)).status_code == 204
    (event,) = receiver.wait_for(bool)
    assert isinstance(event, UnknownWebhookEvent)
    assert event.body == {"event_type": "gadget.exploded", "n": 1}


@pytest.mark.parametrize(("length", "status"), [(str(2 << 20), 413), (None, 411), ("-1", 411)])
def test_a_body_too_large_or_of_no_stated_length_is_refused_unread(
    running: tuple[Receiver, str], length: str | None, status: int
) -> None:
    receiver, url = running
    connection = http.client.HTTPConnection(url.split("/")[2], timeout=10)
    try:
        connection.putrequest("POST", "/hooks")
        if length is not None:
            connection.putheader("Content-Length", length)
        connection.endheaders()
        assert connection.getresponse().status == status
    finally:
        connection.close()
    assert receiver.handled == []


def test_the_answer_does_not_wait_for_the_handler() -> None:
    receiver = Receiver(handle_seconds=2.0)
    server = load_example().make_server("127.0.0.1", 0, receiver.handle, secret=SECRET)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        body = delivery("bat-1", "COMPLETED")
        started = time.monotonic()
        response = httpx.post(url, content=body, headers=headers(body))
        assert response.status_code == 204
        assert time.monotonic() - started < 1.5
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_example_runs_as_a_script() -> None:
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LLAMA_CLOUD_WEBHOOK_SECRET": SECRET},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), process.stderr
        url = line.split(" on ", 1)[1].strip()
        body = delivery("bat-5", "COMPLETED")
        assert httpx.post(url, content=body, headers=headers(body)).status_code == 204
        printed = json.loads(process.stdout.readline())
        assert printed["data"]["id"] == "bat-5"
        assert printed["data"]["status"] == "COMPLETED"
    finally:
        process.terminate()
        process.wait(timeout=10)
