"""Retries: what is retried, how long the client waits, and that create never runs twice."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from factories import API_KEY, job, page
from llama_cloud_batch import (
    APIConnectionError,
    APITimeoutError,
    AsyncLlamaCloud,
    InternalServerError,
    LlamaCloud,
    RateLimitError,
)
from llama_cloud_batch._retries import retry_after, retry_delay
from scripted_server import Received, Reply, ScriptedServer

CREATE = {"job_config": {"job_name": "parse_raw_file_job"}, "directory_id": "dir-1"}


def answers(*replies: Reply):
    queue = list(replies)

    def script(request: Received) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return script


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


def test_429_with_retry_after_zero_twice_then_200(
    server: ScriptedServer, sleeps: list[float]
) -> None:
    limited = Reply(429, {"detail": "slow down"}, headers={"Retry-After": "0"})
    server.script = answers(limited, limited, Reply(200, page([job(1)], 1)))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        first = client.beta.batch.list()
    assert first.items[0].id == "bjb-00000001"
    assert len(server.received) == 3
    assert sleeps == []  # 0 means now: no backoff sleep at all


async def test_async_429_with_retry_after_zero(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("asyncio.sleep", fake_sleep)
    limited = Reply(429, {"detail": "slow down"}, headers={"Retry-After": "0"})
    server.script = answers(limited, limited, Reply(200, page([job(1)], 1)))
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        first = await client.beta.batch.list()
    assert len(first.items) == 1
    assert len(server.received) == 3
    assert slept == []


def test_retry_after_seconds_and_ms_are_honoured(
    server: ScriptedServer, sleeps: list[float]
) -> None:
    server.script = answers(
        Reply(503, {}, headers={"Retry-After": "1.5"}),
        Reply(503, {}, headers={"retry-after-ms": "250"}),
        Reply(200, page([], 0)),
    )
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        client.beta.batch.list()
    assert sleeps == [1.5, 0.25]


def test_retry_after_http_date() -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    waited = retry_after(httpx.Headers({"Retry-After": format_datetime(later, usegmt=True)}))
    assert waited is not None
    assert 27 < waited <= 30


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    delays = [retry_delay(attempt, httpx.Headers()) for attempt in range(1, 10)]
    assert 0.375 <= delays[0] <= 0.5
    assert 0.75 <= delays[1] <= 1.0
    assert all(d <= 8.0 for d in delays)
    assert retry_delay(1, httpx.Headers({"Retry-After": "3600"})) == 60.0


def test_5xx_is_retried_up_to_max_retries_then_raised(
    server: ScriptedServer, sleeps: list[float]
) -> None:
    server.script = answers(Reply(502, {"detail": "bad gateway"}))
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=3) as client:
        with pytest.raises(InternalServerError) as raised:
            client.beta.batch.list()
    assert raised.value.status_code == 502
    assert len(server.received) == 4
    assert len(sleeps) == 3


def test_max_retries_per_call(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script = answers(Reply(500, {}))
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=5) as client:
        with pytest.raises(InternalServerError):
            client.beta.batch.list(max_retries=0)
    assert len(server.received) == 1


def test_408_is_retried(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script = answers(Reply(408, {}), Reply(200, page([], 0)))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        client.beta.batch.list()
    assert len(server.received) == 2


def test_4xx_is_not_retried(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script = answers(Reply(429, {"detail": "no"}, headers={"Retry-After": "0"}))
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=1) as client:
        with pytest.raises(RateLimitError):
            client.beta.batch.list()
    assert len(server.received) == 2


def test_create_that_times_out_after_the_server_got_it_is_sent_once(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, job(1), delay=0.5)
    with LlamaCloud(api_key=API_KEY, base_url=server.url, timeout=0.1) as client:
        with pytest.raises(APITimeoutError):
            client.beta.batch.create(**CREATE)
    time.sleep(0.6)  # let the server log any late duplicate
    assert server.count("POST") == 1


async def test_async_create_that_times_out_is_sent_once(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, job(1), delay=0.5)
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url, timeout=0.1) as client:
        with pytest.raises(APITimeoutError):
            await client.beta.batch.create(**CREATE)
    time.sleep(0.6)
    assert server.count("POST") == 1


def test_create_is_not_resent_after_a_500_or_dropped_connection(
    server: ScriptedServer, sleeps: list[float]
) -> None:
    server.script = answers(Reply(500, {}))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(InternalServerError):
            client.beta.batch.create(**CREATE)
        assert server.count("POST") == 1
        server.script = lambda r: Reply(drop=True)
        with pytest.raises(APIConnectionError):
            client.beta.batch.create(**CREATE)
    assert server.count("POST") == 2


def test_create_is_retried_when_the_server_did_not_act(
    server: ScriptedServer, sleeps: list[float]
) -> None:
    server.script = answers(
        Reply(429, {}, headers={"Retry-After": "0"}),
        Reply(503, {}, headers={"Retry-After": "0"}),
        Reply(200, job(7)),
    )
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        created = client.beta.batch.create(**CREATE)
    assert created.id == "bjb-00000007"
    assert server.count("POST") == 3


def test_create_retries_after_5xx_only_when_the_caller_opts_in(
    server: ScriptedServer, sleeps: list[float]
) -> None:
    server.script = answers(Reply(500, {}), Reply(200, job(8)))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        created = client.beta.batch.create(**CREATE, retry_non_idempotent=True)
    assert created.id == "bjb-00000008"
    assert server.count("POST") == 2


def test_create_is_retried_when_the_connection_was_refused(sleeps: list[float]) -> None:
    attempts: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=job(9))

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    with LlamaCloud(
        api_key=API_KEY, base_url="https://api.example.test", http_client=http
    ) as client:
        assert client.beta.batch.create(**CREATE).id == "bjb-00000009"
    assert len(attempts) == 3
    http.close()


def test_dropped_connection_on_a_get_is_retried(
    server: ScriptedServer, sleeps: list[float]
) -> None:
    server.script = answers(Reply(drop=True), Reply(200, page([job(1)], 1)))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        assert len(client.beta.batch.list().items) == 1
    assert len(server.received) == 2
