"""Constructor options, per-call options, argument checks and connection ownership."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time

import httpx
import pytest
from factories import API_KEY, job, page
from llama_cloud_batch import (
    APITimeoutError,
    AsyncLlamaCloud,
    BatchJobProgress,
    LlamaCloud,
    WaitTimeoutError,
)
from scripted_server import Received, Reply, ScriptedServer


def test_headers_query_and_body_are_sent_as_the_api_names_them(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, job(3))
    with LlamaCloud(
        api_key=API_KEY, base_url=server.url, default_headers={"x-team": "data"}
    ) as client:
        client.beta.batch.create(
            job_config={
                "job_name": "parse_raw_file_job",
                "parameters": {"type": "parse", "lang": "fr"},
            },
            item_ids=["a", "b"],
            page_size=10,
            project_id="proj-9",
            temporal_namespace="ns-1",
            extra_headers={"x-trace": "t-1"},
        )
    (request,) = server.received
    assert request.query == {"project_id": "proj-9"}
    assert request.headers["temporal-namespace"] == "ns-1"
    assert request.headers["x-team"] == "data"
    assert request.headers["x-trace"] == "t-1"
    assert request.body == {
        "job_config": {
            "job_name": "parse_raw_file_job",
            "parameters": {"type": "parse", "lang": "fr"},
        },
        "item_ids": ["a", "b"],
        "page_size": 10,
    }


def test_create_needs_exactly_one_of_directory_and_items(server: ScriptedServer) -> None:
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(
            ValueError, match="exactly one of directory_id and item_ids; got neither"
        ):
            client.beta.batch.create(job_config={})
        with pytest.raises(ValueError, match="got directory_id and item_ids"):
            client.beta.batch.create(job_config={}, directory_id="d", item_ids=["i"])
    assert server.received == []


def test_unknown_argument_is_a_type_error(server: ScriptedServer) -> None:
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        # Explicit keyword parameters: Python itself refuses a name the spec does not have.
        with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
            client.beta.batch.list(colour="red")  # type: ignore[call-arg]
    assert server.received == []


def test_filters_and_enums_go_out_as_strings(server: ScriptedServer) -> None:
    from llama_cloud_batch import BatchJobStatus, JobType

    server.script = lambda r: Reply(200, page([], 0))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        client.beta.batch.list(
            status=BatchJobStatus.RUNNING, job_type="classify", directory_id="d-1", limit=5
        )
    assert server.received[0].query == {
        "status": "running",
        "job_type": "classify",
        "directory_id": "d-1",
        "limit": "5",
    }
    assert JobType.CLASSIFY == "classify"


def test_per_call_timeout(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, page([], 0), delay=0.3)
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(APITimeoutError):
            client.beta.batch.list(timeout=0.05)
        assert client.beta.batch.list(timeout=5).items == []


def test_the_client_closes_its_connections_but_not_a_borrowed_client(
    server: ScriptedServer,
) -> None:
    server.script = lambda r: Reply(200, page([], 0))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        client.beta.batch.list()
        own = client._http
    assert own.is_closed
    borrowed = httpx.Client()
    with LlamaCloud(api_key=API_KEY, base_url=server.url, http_client=borrowed) as client:
        client.beta.batch.list()
    assert not borrowed.is_closed
    borrowed.close()


def _statuses(*statuses: str):
    queue = list(statuses)

    def script(request: Received) -> Reply:
        status = queue.pop(0) if len(queue) > 1 else queue[0]
        return Reply(200, {"job": job(1, status=status), "progress_percentage": 50})

    return script


def test_wait_for_completion_polls_until_a_final_status(server: ScriptedServer) -> None:
    server.script = _statuses("pending", "queued", "running", "completed")
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        done = client.beta.batch.wait_for_completion(
            "bjb-1", poll_interval=0.01, max_poll_interval=0.02
        )
    assert isinstance(done, BatchJobProgress)
    assert done.job.status == "completed"
    assert len(server.received) == 4


def test_wait_for_completion_times_out_clearly(server: ScriptedServer) -> None:
    server.script = _statuses("running")
    started = time.monotonic()
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        expected = r"bjb-1 is still running after 0\.2 s"
        with pytest.raises(WaitTimeoutError, match=expected) as raised:
            client.beta.batch.wait_for_completion("bjb-1", poll_interval=0.05, max_wait=0.2)
    assert raised.value.last_status == "running"
    assert time.monotonic() - started < 2


async def test_async_wait_for_completion(server: ScriptedServer) -> None:
    server.script = _statuses("running", "failed")
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        done = await client.beta.batch.wait_for_completion("bjb-1", poll_interval=0.01)
        assert done.job.status == "failed"
        server.script = _statuses("running")
        with pytest.raises(WaitTimeoutError):
            await client.beta.batch.wait_for_completion("bjb-2", poll_interval=0.02, max_wait=0.1)


def test_requests_are_logged_at_debug_and_retries_at_info(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="llama_cloud_batch")
    server.script = lambda r: (
        Reply(429, {}, headers={"Retry-After": "0"})
        if len(server.received) == 1
        else Reply(200, page([], 0))
    )
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        client.beta.batch.list()
    messages = [(record.levelno, record.getMessage()) for record in caplog.records]
    debug = [m for level, m in messages if level == logging.DEBUG]
    info = [m for level, m in messages if level == logging.INFO]
    assert debug[0].startswith("GET /api/v1/beta/batch-processing -> 429 in ")
    assert debug[0].endswith("ms (retry 0)")
    assert debug[1].endswith("ms (retry 1)")
    assert info == [
        "retrying GET /api/v1/beta/batch-processing in 0.00 s (retry 1 of 2) after HTTP 429"
    ]


def test_llama_cloud_log_env_turns_logging_on(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, page([], 0))
    # The key comes from the environment: Python 3.13 echoes the calling source line beside
    # the beta's DeprecationWarning, and a key written there would be the caller's own leak.
    code = (
        "from llama_cloud_batch import LlamaCloud\n"
        f"LlamaCloud(base_url='{server.url}').beta.batch.list()\n"
    )
    env = {
        **os.environ,
        "LLAMA_CLOUD_API_KEY": API_KEY,
        "LLAMA_CLOUD_LOG": "debug",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    run = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "llama_cloud_batch DEBUG] GET /api/v1/beta/batch-processing -> 200" in run.stderr
    assert API_KEY not in run.stderr
