"""Each fault the local server can inject, met by the public client (sync and async).

What the client must do is the client issue's: retry 429/5xx/connection errors (honouring
Retry-After) but never re-send a create the server may have acted on; raise typed errors;
keep unknown enum values and unknown properties.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from llama_cloud_batch import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncLlamaCloud,
    InternalServerError,
    LlamaCloud,
    NotFoundError,
    RateLimitError,
)
from llama_cloud_batch.testing import BatchServer, Fault

from .conftest import KEY, UNKNOWN_JOB_TYPE, UNKNOWN_STATUS

CREATE = {"job_config": {"job_name": "parse_raw_file_job"}, "item_ids": ["file-1"]}


@pytest.fixture
def client(server: BatchServer) -> Iterator[LlamaCloud]:
    with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=2, timeout=5.0) as made:
        yield made


@pytest.fixture
async def aclient(server: BatchServer) -> AsyncIterator[AsyncLlamaCloud]:
    made = AsyncLlamaCloud(api_key=KEY, base_url=server.url, max_retries=2, timeout=5.0)
    yield made
    await made.close()


def statuses(server: BatchServer, operation: str) -> list[int | None]:
    return [r.status for r in server.requests_for(operation)]


# ----- 429 ---------------------------------------------------------------------------------


def test_429_with_retry_after_zero_is_retried_at_once(server, client, sleeps):
    job_id = server.add_job()
    server.inject(Fault.rate_limit("0"), times=2)
    assert client.beta.batch.get_status(job_id).job.id == job_id
    assert sleeps == []  # "0" means now: no backoff sleep
    assert statuses(server, "getBatchJobStatus") == [429, 429, 200]


def test_429_retry_after_is_honoured(server, client, sleeps):
    server.inject(Fault.rate_limit("1"), times=1)
    client.beta.batch.list()
    assert sleeps == [1.0]
    assert statuses(server, "listBatchJobs") == [429, 200]


def test_429_past_max_retries_raises_rate_limit_error(server, client):
    server.inject(Fault.rate_limit("0"), times=5)
    with pytest.raises(RateLimitError) as raised:
        client.beta.batch.list()
    assert raised.value.status_code == 429
    assert raised.value.headers["retry-after"] == "0"
    assert statuses(server, "listBatchJobs") == [429, 429, 429]


def test_a_create_answered_429_is_retried_and_makes_one_job(server, client):
    server.inject(Fault.rate_limit("0"), operation="createBatchJob")
    job = client.beta.batch.create(**CREATE)
    assert [j["id"] for j in server.jobs()] == [job.id]
    assert statuses(server, "createBatchJob") == [429, 200]


async def test_async_429_then_success(server, aclient):
    server.inject(Fault.rate_limit("0"), times=2)
    page = await aclient.beta.batch.list()
    assert page.total_size == 0
    assert statuses(server, "listBatchJobs") == [429, 429, 200]


# ----- 5xx ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_on_a_read_is_retried(server, client, status):
    server.seed(3)
    server.inject(Fault.error(status, retry_after="0"), times=2)
    assert client.beta.batch.list().total_size == 3
    assert statuses(server, "listBatchJobs") == [status, status, 200]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_past_max_retries_raises_internal_server_error(server, client, status):
    server.inject(Fault.error(status, retry_after="0"), times=3)
    with pytest.raises(InternalServerError) as raised:
        client.beta.batch.list()
    assert raised.value.status_code == status
    assert str(status) in str(raised.value.body)
    assert len(server.requests) == 3


def test_5xx_backoff_without_retry_after_is_bounded(server, sleeps):
    server.inject(Fault.error(502), times=1)
    with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=1) as client:
        client.beta.batch.list()
    assert len(sleeps) == 1
    assert 0.375 <= sleeps[0] <= 0.5  # the first backoff: half a second less jitter


@pytest.mark.parametrize(("status", "sent"), [(500, 1), (502, 1), (503, 2)])
def test_a_create_is_resent_only_when_the_server_did_not_act(server, client, status, sent):
    server.inject(Fault.error(status, retry_after="0"), operation="createBatchJob")
    if sent == 1:
        with pytest.raises(InternalServerError):
            client.beta.batch.create(**CREATE)
    else:
        client.beta.batch.create(**CREATE)
    assert len(server.requests_for("createBatchJob")) == sent
    assert len(server.jobs()) == sent - 1


async def test_async_5xx_then_success(server, aclient):
    job_id = server.add_job()
    server.inject(Fault.error(503, retry_after="0"))
    assert (await aclient.beta.batch.get_status(job_id)).job.id == job_id
    assert statuses(server, "getBatchJobStatus") == [503, 200]


# ----- hang past the timeout ---------------------------------------------------------------


# These give an httpx.Timeout, whose limits apply to each attempt, so that a retry follows a read
# timeout; a plain number bounds the whole call, retries included (tests/hostile/).
PER_ATTEMPT = httpx.Timeout(0.3)


def test_a_hang_times_out_and_a_read_is_retried(server):
    job_id = server.add_job()
    server.inject(Fault.hang(2.0))
    with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=1, timeout=PER_ATTEMPT) as client:
        assert client.beta.batch.get_status(job_id).job.id == job_id
    assert [r.fault for r in server.requests_for("getBatchJobStatus")] == ["hang", None]


def test_a_hang_past_max_retries_raises_a_timeout_error(server):
    server.inject(Fault.hang(2.0), times=2)
    with (
        LlamaCloud(api_key=KEY, base_url=server.url, max_retries=1, timeout=PER_ATTEMPT) as client,
        pytest.raises(APITimeoutError),
    ):
        client.beta.batch.list()
    assert len(server.requests) == 2


def test_a_create_that_timed_out_is_sent_once(server):
    # The server takes the create, then answers too late: re-sending it would make a second job.
    server.inject(Fault.hang(1.0), operation="createBatchJob")
    with (
        LlamaCloud(api_key=KEY, base_url=server.url, max_retries=2, timeout=0.3) as client,
        pytest.raises(APITimeoutError),
    ):
        client.beta.batch.create(**CREATE)
    deadline = time.monotonic() + 5
    while len(server.jobs()) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # the hung request finishes its work on the server side
    assert len(server.requests_for("createBatchJob")) == 1
    assert len(server.jobs()) == 1


async def test_async_hang_times_out(server):
    server.inject(Fault.hang(2.0), times=3)
    client = AsyncLlamaCloud(api_key=KEY, base_url=server.url, max_retries=1, timeout=PER_ATTEMPT)
    try:
        with pytest.raises(APITimeoutError):
            await client.beta.batch.list()
    finally:
        await client.close()
    assert len(server.requests) == 2


# ----- dropped connection ------------------------------------------------------------------


def test_a_dropped_connection_on_a_read_is_retried(server, client):
    server.seed(2)
    server.inject(Fault.drop())
    assert client.beta.batch.list().total_size == 2
    assert [(r.fault, r.status) for r in server.requests] == [("drop", None), (None, 200)]


def test_dropped_connections_past_max_retries_raise_a_connection_error(server, client):
    server.inject(Fault.drop(), times=3)
    with pytest.raises(APIConnectionError) as raised:
        client.beta.batch.list()
    assert not isinstance(raised.value, APITimeoutError)
    assert len(server.requests) == 3


def test_a_create_whose_connection_dropped_is_not_resent(server, client):
    server.inject(Fault.drop(), operation="createBatchJob")
    with pytest.raises(APIConnectionError):
        client.beta.batch.create(**CREATE)
    assert len(server.requests_for("createBatchJob")) == 1


async def test_async_drop_then_success(server, aclient):
    server.inject(Fault.drop())
    await aclient.beta.batch.list()
    assert [r.fault for r in server.requests] == ["drop", None]


# ----- a body that is not JSON -------------------------------------------------------------


def test_a_body_that_is_not_json_raises_a_validation_error(server, client):
    job_id = server.add_job()
    server.inject(Fault.not_json())
    with pytest.raises(APIResponseValidationError) as raised:
        client.beta.batch.get_status(job_id)
    assert str(raised.value).startswith("get_batch_job_status: ")
    assert "not JSON" in str(raised.value)
    assert len(server.requests) == 1  # a 200 is an answer: nothing to retry


def test_a_5xx_html_page_is_an_internal_server_error(server, client):
    server.inject(Fault.not_json(b"<h1>Bad Gateway</h1>", status=502, content_type="text/html"), 3)
    with pytest.raises(InternalServerError) as raised:
        client.beta.batch.list()
    assert raised.value.status_code == 502


async def test_async_not_json(server, aclient):
    server.inject(Fault.not_json())
    with pytest.raises(APIResponseValidationError):
        await aclient.beta.batch.list()


# ----- enum values and properties the spec does not know -----------------------------------


def test_unknown_enum_values_parse_and_compare_as_strings(server, client):
    job_id = server.add_job(status="running", items=2)
    server.inject(Fault.unknown_enum(UNKNOWN_STATUS), times=3)
    (job,) = client.beta.batch.list().items
    assert job.status == UNKNOWN_STATUS
    assert not job.status.is_known
    assert job.to_dict()["status"] == UNKNOWN_STATUS
    assert client.beta.batch.get_status(job_id).job.status == UNKNOWN_STATUS
    items = client.beta.batch.job_items.list(job_id).items
    assert {item.status for item in items} == {UNKNOWN_STATUS}
    server.inject(Fault.unknown_enum(UNKNOWN_JOB_TYPE, field="job_type"))
    assert client.beta.batch.get_status(job_id).job.job_type == UNKNOWN_JOB_TYPE


def test_unknown_properties_are_kept_and_round_trip(server, client):
    job_id = server.add_job(status="completed", items=1)
    item_id = server.items(job_id)[0]["item_id"]
    extra = {"x_new_field": {"nested": [1, 2]}}
    server.inject(Fault.extra_properties(extra), times=3)
    page = client.beta.batch.list()
    (job,) = page.items
    assert job.additional_properties == extra
    assert job.to_dict()["x_new_field"] == {"nested": [1, 2]}
    results = client.beta.batch.job_items.get_processing_results(item_id)
    result = results.processing_results[0]
    assert result.additional_properties == extra
    assert result.job_config.to_dict()["x_new_field"] == {"nested": [1, 2]}
    assert client.beta.batch.get_status(job_id).to_dict()["job"]["x_new_field"] == {
        "nested": [1, 2]
    }


async def test_async_unknown_enum_and_properties(server, aclient):
    job_id = server.add_job()
    server.inject(Fault.unknown_enum(UNKNOWN_STATUS))
    assert (await aclient.beta.batch.get_status(job_id)).job.status == UNKNOWN_STATUS
    server.inject(Fault.extra_properties({"later": True}))
    assert (await aclient.beta.batch.cancel(job_id)).additional_properties == {"later": True}


# ----- what arrives on the wire ------------------------------------------------------------


def test_path_parameters_arrive_percent_encoded(server, client):
    for call in (
        lambda: client.beta.batch.get_status("../x"),
        lambda: client.beta.batch.job_items.list("../x").items,
        lambda: client.beta.batch.cancel("a/b?c"),
        lambda: client.beta.batch.job_items.get_processing_results("../x"),
    ):
        with pytest.raises(NotFoundError, match="not found"):
            call()
    paths = [r.path for r in server.requests]
    assert paths == [
        "/api/v1/beta/batch-processing/..%2Fx",
        "/api/v1/beta/batch-processing/..%2Fx/items",
        "/api/v1/beta/batch-processing/a%2Fb%3Fc/cancel",
        "/api/v1/beta/batch-processing/items/..%2Fx/processing-results",
    ]
    assert {r.operation_id for r in server.requests} == {
        "getBatchJobStatus",
        "listBatchJobItems",
        "cancelBatchJob",
        "getItemProcessingResults",
    }


def test_the_client_sends_nothing_the_spec_does_not_have(server, client):
    job_id = server.add_job(status="completed", items=3)
    list(client.beta.batch.list(limit=1, status="completed", job_type="parse"))
    list(client.beta.batch.job_items.list(job_id, limit=2, status="completed"))
    # The server refuses unknown query parameters and checks every body against the spec.
    assert {r.status for r in server.requests} == {200}
    assert all(r.authorized for r in server.requests)
    assert all(KEY not in str(r.headers) for r in server.requests)


def test_a_server_error_through_the_client_never_leaks_the_key(server, client):
    server.inject(Fault.error(500, retry_after="0"), times=3)
    with pytest.raises(InternalServerError) as raised:
        client.beta.batch.list()
    assert KEY not in str(raised.value)
    assert KEY not in repr(raised.value)


def test_server_helpers_work_with_a_fresh_server():
    with BatchServer(api_key=KEY) as fresh, LlamaCloud(api_key=KEY, base_url=fresh.url) as client:
        job_id = fresh.add_job(items=2)
        fresh.run_until_idle()
        assert client.beta.batch.get_status(job_id).progress_percentage == 100
