"""`webhooks verify` and `webhooks listen`, on real deliveries of the local server: the secret
comes from an environment variable and is never printed; a bad signature is exit 1 (verify) or
a 401 (listen); listen prints one JSON line per verified event and stops on Ctrl-C."""

from __future__ import annotations

import json
import select
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from llama_cloud_batch import LlamaCloud
from llama_cloud_batch.testing import BatchServer, WebhookDelivery
from llama_cloud_batch.types import BatchWebhookEvent

from .conftest import INTERRUPTED_TIMEOUT, KEY, RUN_TIMEOUT, SCRIPT, Cli, process_env

SECRET = "whsec-cli-5f0c2a-do-not-print"
CONFIG = {"job": {"type": "parse_v2", "configuration_id": "cfg-1"}}
ENV = {"LLAMA_CLOUD_WEBHOOK_SECRET": SECRET}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def deliveries(server: BatchServer, url: str | None = None) -> list[WebhookDelivery]:
    """A batch's real deliveries, as sent (to a port nobody listens on, unless `url`)."""
    target = url or f"http://127.0.0.1:{free_port()}/hooks"
    with LlamaCloud(api_key=KEY, base_url=server.url) as client:
        client.batches.create(
            config=CONFIG,
            source_directory_id="dir-1",
            webhook_configurations=[{"webhook_url": target, "webhook_signing_secret": SECRET}],
        )
    server.run_until_idle()
    assert server.wait_for_deliveries(10)
    return [d for d in server.deliveries if d.attempt == 1]


def saved(tmp_path: Path, delivery: WebhookDelivery, *, as_json: bool) -> tuple[Path, Path]:
    payload, headers = tmp_path / "body", tmp_path / "headers"
    payload.write_bytes(delivery.body)
    if as_json:
        headers.write_text(json.dumps(dict(delivery.headers)))
    else:
        lines = ["POST /hooks HTTP/1.1", *(f"{n}: {v}" for n, v in delivery.headers.items())]
        headers.write_text("\r\n".join(lines) + "\r\n\r\n")
    return payload, headers


def no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text


@pytest.mark.parametrize("as_json", [True, False], ids=["json-headers", "header-lines"])
def test_verify_prints_the_event_of_a_real_delivery(
    cli: Cli, server: BatchServer, tmp_path: Path, as_json: bool
) -> None:
    final = deliveries(server)[-1]
    payload, headers = saved(tmp_path, final, as_json=as_json)
    run = cli("webhooks", "verify", "--payload", str(payload), "--headers", str(headers), env=ENV)
    assert (run.code, run.stderr) == (0, "")
    assert run.stdout == f"verified: batch.success {final.batch_id} COMPLETED\n"
    no_secret(run.stdout, run.stderr)
    assert server.requests_for("get_batch") == []  # no request, and no key needed
    whole = cli(
        "webhooks", "verify", "--payload", str(payload), "--headers", str(headers), "--json",
        env={**ENV, "LLAMA_CLOUD_API_KEY": None},
    )  # fmt: skip
    assert whole.code == 0
    event = BatchWebhookEvent.from_dict(json.loads(whole.stdout))
    assert event.data is not None
    assert (event.event_type, event.data.id) == ("batch.success", final.batch_id)


def test_a_changed_body_or_another_secret_is_exit_1_with_a_clear_line(
    cli: Cli, server: BatchServer, tmp_path: Path
) -> None:
    payload, headers = saved(tmp_path, deliveries(server)[0], as_json=True)
    other = {"OTHER_SECRET": "not-the-secret"}
    run = cli(
        "webhooks", "verify", "--payload", str(payload), "--headers", str(headers),
        "--secret-env", "OTHER_SECRET", env=other,
    )  # fmt: skip
    assert (run.code, run.stdout) == (1, "")
    assert run.stderr.startswith("llama-cloud-batch: error: the signature does not verify: ")
    assert "does not match the body" in run.stderr
    payload.write_bytes(payload.read_bytes().replace(b"PENDING", b"RUNNING"))
    changed = cli(
        "webhooks", "verify", "--payload", str(payload), "--headers", str(headers), env=ENV
    )
    assert changed.code == 1
    assert "does not match" in changed.stderr
    no_secret(run.stderr, changed.stderr, changed.stdout)


def test_verify_without_a_secret_or_with_a_bad_headers_file_is_a_usage_error(
    cli: Cli, server: BatchServer, tmp_path: Path
) -> None:
    payload, headers = saved(tmp_path, deliveries(server)[0], as_json=True)
    args = ("webhooks", "verify", "--payload", str(payload), "--headers", str(headers))
    unset = cli(*args, env={"LLAMA_CLOUD_WEBHOOK_SECRET": None})
    assert unset.code == 2
    assert "set LLAMA_CLOUD_WEBHOOK_SECRET" in unset.stderr
    named = cli(*args, "--secret-env", "MY_HOOK_SECRET", env=ENV)
    assert named.code == 2
    assert "MY_HOOK_SECRET" in named.stderr
    headers.write_text("LC-Signature: sha256=00\nAuthorization Bearer hunter2\n")
    bad = cli(*args, env=ENV)
    assert bad.code == 2
    assert "line 2 is not `Name: value`" in bad.stderr
    assert "hunter2" not in bad.stderr
    missing = cli(
        "webhooks", "verify", "--payload", str(tmp_path / "nope"), "--headers", "-", env=ENV
    )
    assert missing.code == 2
    assert "cannot read the payload file" in missing.stderr


def test_verify_reads_the_headers_from_stdin(cli: Cli, server: BatchServer, tmp_path: Path) -> None:
    delivery = deliveries(server)[1]
    payload, headers = saved(tmp_path, delivery, as_json=False)
    run = cli(
        "webhooks", "verify", "--payload", str(payload), "--headers", "-",
        input=headers.read_text(), env=ENV,
    )  # fmt: skip
    assert run.code == 0
    assert run.stdout.startswith(f"verified: batch.running {delivery.batch_id} ")


def test_listen_prints_each_verified_event_as_a_json_line_and_refuses_bad_signatures(
    cli: Cli, server: BatchServer
) -> None:
    port = free_port()
    done: list[Any] = []
    listening = threading.Thread(
        target=lambda: done.append(
            cli("webhooks", "listen", "--port", str(port), "--max-events", "3", env=ENV)
        )
    )
    listening.start()
    try:
        url = f"http://127.0.0.1:{port}/hooks"
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:  # until it listens
            try:
                refused = httpx.post(
                    url, content=b"{}", headers={"LC-Signature": "sha256=" + "0" * 64}
                )
                break
            except httpx.ConnectError:
                time.sleep(0.02)
        assert refused.status_code == 401
        sent = deliveries(server, url)
    finally:
        listening.join(RUN_TIMEOUT)
    assert not listening.is_alive()
    (run,) = done
    assert run.code == 0
    assert [d.status for d in sent] == [204, 204, 204]
    events = [json.loads(line) for line in run.stdout.splitlines()]
    assert [e["event_type"] for e in events] == ["batch.pending", "batch.running", "batch.success"]
    assert {e["data"]["id"] for e in events} == {sent[0].batch_id}
    assert f"listening on http://127.0.0.1:{port}/" in run.stderr
    assert "refused a delivery (401)" in run.stderr
    no_secret(run.stdout, run.stderr)


def test_listen_stops_on_ctrl_c(server: BatchServer, spawn: Any) -> None:
    port = free_port()
    process = spawn(
        [str(SCRIPT), "webhooks", "listen", "--port", str(port)],
        env=process_env(server, **ENV),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupted once it says it listens (its first line), not merely once the port is open.
    assert process.stderr is not None
    ready, _, _ = select.select([process.stderr], [], [], RUN_TIMEOUT)
    assert ready, "listen never said it was listening"
    first = process.stderr.readline()
    assert first.startswith(f"listening on http://127.0.0.1:{port}/")
    process.send_signal(signal.SIGINT)
    try:
        stdout, stderr = process.communicate(timeout=INTERRUPTED_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.endswith("llama-cloud-batch: interrupted\n")
    no_secret(stdout, first, stderr)
