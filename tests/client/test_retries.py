"""Retries: what is retried, how long the client waits, and that create never runs twice;
against a scripted server (exact answers, the client's sleeps recorded), then answers that are
odd rather than wrong: Retry-After values that are not a delay, statuses outside HTTP's range."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from factories import API_KEY, job, page
from llama_cloud_batch import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncLlamaCloud,
    InternalServerError,
    LlamaCloud,
    RateLimitError,
)
from llama_cloud_batch._retries import retry_after, retry_delay
from scripted_server import Received, Reply, ScriptedServer

CREATE = {"job_config": {"job_name": "parse_raw_file_job"}, "directory_id": "dir-1"}
PROGRESS = {"job": job(1, status="running"), "progress_percentage": 50}
# An httpx.Timeout's limits apply to each attempt, so that a retry follows a read timeout; a
# plain number bounds the whole call, retries included (tests/hostile/test_hostile_deadlines.py).
PER_ATTEMPT = httpx.Timeout(0.3)


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


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_on_a_read_is_retried(server: ScriptedServer, sleeps: list[float], status: int) -> None:
    failing = Reply(status, {"detail": "try again"}, headers={"Retry-After": "0"})
    server.script = answers(failing, failing, Reply(200, page([job(1)], 1)))
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=2) as client:
        assert client.beta.batch.list().total_size == 1
    assert len(server.received) == 3


async def test_async_5xx_then_success(server: ScriptedServer) -> None:
    server.script = answers(Reply(503, {}, headers={"Retry-After": "0"}), Reply(200, PROGRESS))
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        assert (await client.beta.batch.get_status("bjb-00000001")).job.id == "bjb-00000001"
    assert len(server.received) == 2


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retried_up_to_max_retries_with_backoff_then_raised(
    server: ScriptedServer, sleeps: list[float], status: int
) -> None:
    server.script = answers(Reply(status, {"detail": f"upstream said {status}"}))
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=3) as client:
        with pytest.raises(InternalServerError) as raised:
            client.beta.batch.list()
    assert raised.value.status_code == status
    assert str(status) in str(raised.value.body)
    assert len(server.received) == 4
    assert len(sleeps) == 3
    assert 0.375 <= sleeps[0] <= 0.5  # without Retry-After: half a second less jitter, growing


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


def test_429_past_max_retries_raises_rate_limit_error(
    server: ScriptedServer, sleeps: list[float]
) -> None:
    server.script = answers(Reply(429, {"detail": "no"}, headers={"Retry-After": "0"}))
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=1) as client:
        with pytest.raises(RateLimitError) as raised:
            client.beta.batch.list()
    assert raised.value.status_code == 429
    assert raised.value.headers["retry-after"] == "0"
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


@pytest.mark.parametrize("status", [500, 502])
def test_create_is_not_resent_after_a_5xx_that_may_have_acted_or_a_dropped_connection(
    server: ScriptedServer, sleeps: list[float], status: int
) -> None:
    server.script = answers(Reply(status, {}, headers={"Retry-After": "0"}))
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


async def test_async_dropped_connection_is_retried(server: ScriptedServer) -> None:
    server.script = answers(Reply(drop=True), Reply(200, page([job(1)], 1)))
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        assert len((await client.beta.batch.list()).items) == 1
    assert len(server.received) == 2


def test_dropped_connections_past_max_retries_raise_a_connection_error(
    server: ScriptedServer, sleeps: list[float]
) -> None:
    server.script = lambda r: Reply(drop=True)
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=2) as client:
        with pytest.raises(APIConnectionError) as raised:
            client.beta.batch.list()
    assert not isinstance(raised.value, APITimeoutError)
    assert len(server.received) == 3


def test_a_read_that_timed_out_is_retried(server: ScriptedServer) -> None:
    server.script = answers(Reply(200, PROGRESS, delay=2.0), Reply(200, PROGRESS))
    with LlamaCloud(
        api_key=API_KEY, base_url=server.url, max_retries=1, timeout=PER_ATTEMPT
    ) as client:
        assert client.beta.batch.get_status("bjb-00000001").job.id == "bjb-00000001"
    assert len(server.received) == 2


@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
async def test_reads_that_time_out_past_max_retries_raise_a_timeout_error(
    server: ScriptedServer, client_class: type
) -> None:
    server.script = lambda r: Reply(200, page([], 0), delay=2.0)
    client = client_class(api_key=API_KEY, base_url=server.url, max_retries=1, timeout=PER_ATTEMPT)
    try:
        with pytest.raises(APITimeoutError):
            listed = client.beta.batch.list()
            if isinstance(client, AsyncLlamaCloud):
                await listed
    finally:
        closed = client.close()
        if isinstance(client, AsyncLlamaCloud):
            await closed
    assert len(server.received) == 2


# ----- odd answers -----------------------------------------------------------------------------


@pytest.fixture(params=["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"])
def local_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _in_30_seconds(form: str) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=30)
    if form == "asctime":
        return moment.strftime("%a %b %d %H:%M:%S %Y")
    if form == "-0000":
        return format_datetime(moment.replace(tzinfo=None)).replace("+0000", "-0000")
    return format_datetime(moment, usegmt=True)


@pytest.mark.parametrize("form", ["asctime", "-0000", "imf-fixdate"])
@pytest.mark.usefixtures("local_zone")
def test_a_retry_after_date_without_a_zone_is_read_as_utc(form: str) -> None:
    value = _in_30_seconds(form)
    waited = retry_after(httpx.Headers({"retry-after": value}))
    assert waited is not None
    assert 20 < waited <= 30, value


@pytest.mark.parametrize("header", ["retry-after", "retry-after-ms"])
@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "infinity"])
def test_a_retry_after_that_is_not_a_finite_number_falls_back_to_backoff(
    header: str, value: str
) -> None:
    headers = httpx.Headers({header: value})
    assert retry_after(headers) is None
    assert 0.3 <= retry_delay(1, headers) <= 0.5


@pytest.mark.parametrize("status", [600, 999])
@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
async def test_a_status_outside_http_is_not_retried_nor_a_server_error(
    server: ScriptedServer, status: int, client_class: type
) -> None:
    server.script = lambda r: Reply(status, {"detail": "odd"})
    client = client_class(api_key=API_KEY, base_url=server.url, max_retries=2)
    with pytest.raises(APIStatusError) as raised:
        called = client.beta.batch.get_status("bjb-1")
        if isinstance(client, AsyncLlamaCloud):
            await called
    closed = client.close()
    if isinstance(client, AsyncLlamaCloud):
        await closed
    assert not isinstance(raised.value, InternalServerError)
    assert raised.value.status_code == status
    assert len(server.received) == 1
