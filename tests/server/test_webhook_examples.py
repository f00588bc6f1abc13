"""The README's webhook example and examples/webhook_receiver.py, each receiving the real
deliveries of a batch on the local server: signed, in whatever order, until the final status."""

from __future__ import annotations

import importlib.util
import re
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from llama_cloud_batch import LlamaCloud
from llama_cloud_batch.testing import BatchServer, Fault
from llama_cloud_batch.types import BatchWebhookEvent

from .receivers import receiving

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
EXAMPLE = ROOT / "examples" / "webhook_receiver.py"
KEY = "webhook-example-key"
SECRET = "whsec-example"
CONFIG = {"job": {"type": "parse_v2", "configuration_id": "cfg-1"}}
SNIPPET = re.compile(
    r"<!-- --8<-- \[start:webhooks\] -->\n(.*?)<!-- --8<-- \[end:webhooks\] -->", re.DOTALL
)
PYTHON = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def readme_webhook_block() -> str:
    snippet = SNIPPET.search(README.read_text(encoding="utf-8"))
    assert snippet is not None, "the README's webhooks snippet markers are gone"
    (block,) = PYTHON.findall(snippet.group(1))
    return str(block)


def wait_until(condition: Any, timeout: float = 10.0) -> bool:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return True
        done.wait(0.01)
    return bool(condition())


def test_the_readme_receiver_sees_a_batch_to_its_end(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_WEBHOOK_SECRET", SECRET)
    with BatchServer(api_key=KEY, auto_tick=0.01) as server:
        server.inject(Fault.reorder_webhooks())
        server.inject(Fault.duplicate_webhooks(), times=2)
        client = LlamaCloud(api_key=KEY, base_url=server.url)
        namespace: dict[str, Any] = {"__name__": "__readme__", "client": client}
        exec(compile(readme_webhook_block(), "README.md webhooks", "exec"), namespace)
        with receiving(namespace["on_delivery"]) as url:
            batch = client.batches.create(
                config=CONFIG,
                source_directory_id="dir-1",
                webhook_configurations=[{"webhook_url": url, "webhook_signing_secret": SECRET}],
            )
            tracker = namespace["tracker"]
            assert wait_until(lambda: tracker.status(batch.id) == "COMPLETED")
            assert server.wait_for_deliveries(5)
        server.assert_no_violations()
    # Every delivery was accepted (204): pending held back until after running, running and
    # success sent twice; each new step was acted on once, the stale and repeated ones not.
    assert [(d.event_type, d.status) for d in server.deliveries] == [
        ("batch.running", 204),
        ("batch.running", 204),
        ("batch.pending", 204),
        ("batch.success", 204),
        ("batch.success", 204),
    ]
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        f"batch.running {batch.id} THROTTLED",
        f"batch.success {batch.id} COMPLETED",
    ]


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("webhook_receiver_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_receiver_sees_a_batch_to_its_end() -> None:
    example = load_example()
    handled: list[Any] = []
    receiver = example.make_server("127.0.0.1", 0, handled.append, secret=SECRET)
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
        with BatchServer(api_key=KEY, auto_tick=0.01) as server:
            server.inject(Fault.bad_webhook_signature())
            server.inject(Fault.duplicate_webhooks(), times=2)
            with LlamaCloud(api_key=KEY, base_url=server.url) as client:
                hook = {"webhook_url": url, "webhook_signing_secret": SECRET}
                batch = client.batches.create(
                    config=CONFIG, source_directory_id="dir-1", webhook_configurations=[hook]
                )
            assert server.wait_for_deliveries(10)
            assert wait_until(lambda: len(handled) == 2)
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join(5)
    assert all(isinstance(event, BatchWebhookEvent) for event in handled)
    # The badly signed pending was refused (401) on each attempt, then dropped; the duplicated
    # running and success were answered each time and handled once.
    assert [(e.event_type, e.data.id) for e in handled] == [
        ("batch.running", batch.id),
        ("batch.success", batch.id),
    ]
    assert [d.status for d in server.deliveries] == [401, 401, 401, 204, 204, 204, 204]
    assert server.deliveries[2].dropped
